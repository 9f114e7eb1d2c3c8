"""The evaluation reports the chat window shows: `eval/runs/*/report.md`, newest first, and their images.

A run's age is the time recorded inside it, never the files' dates (a fresh clone gives every file the same
modification time): the top-level `"generated"` ISO timestamp of its `metrics.json` (written by
`rag.eval.report`), else the "Generated 2026-11-28 23:09 UTC" line of its `report.md` (older runs), and only
when neither says, the report's modification time."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["Reports", "Report", "parse_time"]

_IMAGE = re.compile(r"[\w.-]+\.(png|svg|jpg)")
_RUN = re.compile(r"[\w.-]+")
# "Generated 2026-11-28 23:09 UTC", "Generated 2026-11-28T23:09:41Z" (the first lines of a report.md)
_GENERATED = re.compile(r"^\s*Generated\s+(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?)",
                        re.M)


def parse_time(text) -> datetime | None:
    """An ISO-like timestamp ("2026-11-28T23:09:41Z", "2026-11-28 23:09 UTC", with an offset or none) as an
    aware datetime (UTC when no zone is given), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    s = text.strip().replace("UTC", "").strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(s)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Report:
    path: Path  # the run's report.md
    when: datetime  # aware
    source: str  # where `when` comes from: "metrics" (metrics.json), "report" (its Generated line) or "mtime"

    @property
    def run(self) -> str:
        return self.path.parent.name


def _recorded_time(report: Path) -> tuple[datetime, str]:
    try:
        data = json.loads((report.parent / "metrics.json").read_text(encoding="utf-8"))
        when = parse_time(data.get("generated")) if isinstance(data, dict) else None
        if when is not None:
            return when, "metrics"
    except (OSError, ValueError):
        pass
    try:
        with report.open(encoding="utf-8", errors="replace") as f:
            head = f.read(4000)
        m = _GENERATED.search(head)
        when = parse_time(m.group(1)) if m else None
        if when is not None:
            return when, "report"
    except OSError:
        pass
    return datetime.fromtimestamp(report.stat().st_mtime, tz=timezone.utc), "mtime"


class Reports:
    def __init__(self, eval_dir: Path):
        self.eval_dir = Path(eval_dir).absolute()

    def list(self) -> list[Report]:
        """Every run's report, newest first by the time recorded in the run (ties: by run name)."""
        if not self.eval_dir.is_dir():
            return []
        out = []
        for path in self.eval_dir.glob("*/report.md"):
            try:
                when, source = _recorded_time(path)
            except OSError:
                continue
            out.append(Report(path, when, source))
        out.sort(key=lambda r: (r.when, r.run), reverse=True)
        return out

    def newest(self) -> Report | None:
        reports = self.list()
        return reports[0] if reports else None

    def latest(self) -> Path | None:
        """The newest report.md (see `newest`)."""
        report = self.newest()
        return report.path if report else None

    def image(self, run: str, name: str) -> Path | None:
        """An image of one run, or None: only image files directly in a run folder are ever served."""
        if not _RUN.fullmatch(run) or run in (".", "..") or not _IMAGE.fullmatch(name):
            return None
        path = (self.eval_dir / run / name).resolve()
        if path.parent.parent != self.eval_dir.resolve() or not path.is_file():
            return None
        return path
