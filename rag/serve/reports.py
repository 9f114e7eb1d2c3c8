"""The evaluation reports the chat window shows: the newest `eval/runs/*/report.md` and its images."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["Reports"]

_IMAGE = re.compile(r"[\w.-]+\.(png|svg|jpg)")
_RUN = re.compile(r"[\w.-]+")


class Reports:
    def __init__(self, eval_dir: Path):
        self.eval_dir = Path(eval_dir).absolute()

    def latest(self) -> Path | None:
        if not self.eval_dir.is_dir():
            return None
        reports = sorted(self.eval_dir.glob("*/report.md"), key=lambda p: p.stat().st_mtime)
        return reports[-1] if reports else None

    def image(self, run: str, name: str) -> Path | None:
        """An image of one run, or None: only image files directly in a run folder are ever served."""
        if not _RUN.fullmatch(run) or run in (".", "..") or not _IMAGE.fullmatch(name):
            return None
        path = (self.eval_dir / run / name).resolve()
        if path.parent.parent != self.eval_dir.resolve() or not path.is_file():
            return None
        return path
