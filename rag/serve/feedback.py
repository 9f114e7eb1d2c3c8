"""Useful / not useful verdicts, appended to a local JSONL file that never grows past its cap."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path

from ..errors import RagError
from .errors import FeedbackFull

__all__ = ["FeedbackStore"]

log = logging.getLogger("rag.server")


class FeedbackStore:
    """One JSON line per verdict, with its UTC time, in a local file: never sent anywhere. Once the file holds
    `max_bytes`, further verdicts are refused (FeedbackFull, a 507) until someone moves the file away."""

    def __init__(self, path: Path, max_bytes: int):
        self.path = Path(path).absolute()
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def append(self, record: dict) -> dict:
        row = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), **record}
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                size = self.path.stat().st_size if self.path.exists() else 0
                if size + len(line) > self.max_bytes:
                    log.warning("feedback file %s is full (%d bytes): verdict refused", self.path, size)
                    raise FeedbackFull(f"the feedback file is full ({self.max_bytes / 1e6:g} MB): the server's "
                                       "administrator must move it away (or raise RAG_FEEDBACK_MAX_BYTES)")
                with self.path.open("ab") as f:
                    f.write(line)
        except OSError as e:
            raise RagError(f"cannot write the feedback file {self.path}: {e.strerror or e}") from e
        return row
