"""Prompt states read ahead, kept on disk between processes.

Reading the index's passages ahead (`Pipeline.warm_passages`: each passage after the fixed instructions, for the
answer and for the judge, and the likeliest second passages as tails) costs minutes on a slow host, at every start
of `rag serve`, `rag eval` or the bench, and questions asked meanwhile read their whole prompt. The states are
bytes that llama.cpp gives back as it took them, so a later process on the same host, model, build and mode can put
them back instead of reading again: the same numbers, hence the same answers, in a fraction of a second.

One file per state, named by a hash of what it holds; inside, the prompt's tokens (a hash collision is caught) and a
sha256 of the bytes (a torn or altered file is caught, deleted and read again, never loaded). Files live under a
folder named by everything the bytes depend on (`identity`); the oldest files go once the whole cache passes its
cap (`RAG_STATE_CACHE_MB`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
from pathlib import Path

__all__ = ["StateFiles", "identity"]

_MAGIC = b"RAGSTATE1\n"
_HEAD = struct.Struct("<qq32s")  # start (tails: where the kept cells begin; states: 0), token count, sha256


def identity(model: Path, *, safe: bool, n_ctx: int, threads: int) -> str:
    """What a state's bytes depend on: the model file, llama.cpp's build and this CPU (`host_fingerprint`), the
    mode and context size, the threads (a pass split otherwise may sum in another order)."""
    from .worker import host_fingerprint  # (worker imports this module's users lazily: no cycle at import)

    st = Path(model).stat()
    parts = {"model": str(Path(model).resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
             "host": host_fingerprint(), "safe": bool(safe), "n_ctx": n_ctx, "threads": threads, "format": 1}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


class StateFiles:
    """States (and tails) kept under `root/ident/`, at most `cap` bytes under `root` in all."""

    def __init__(self, root: Path, ident: str, cap: int):
        self.root, self.dir, self.cap = Path(root), Path(root) / ident, cap
        self.loaded = self.written = 0  # this process's counts, for tests and the bench

    def _path(self, kind: str, toks: list[int]) -> Path:
        digest = hashlib.sha256(kind.encode() + b"|" + struct.pack(f"<{len(toks)}i", *toks)).hexdigest()[:40]
        return self.dir / f"{digest}.{kind}"

    def get(self, kind: str, toks: list[int]) -> tuple[int, bytes] | None:
        """(start, bytes) kept for `toks`, or None (none kept, or a file that does not hold exactly them: removed)."""
        path = self._path(kind, toks)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            if not data.startswith(_MAGIC):
                raise ValueError("not a state file")
            at = len(_MAGIC)
            start, count, digest = _HEAD.unpack_from(data, at)
            at += _HEAD.size
            kept = list(struct.unpack_from(f"<{count}i", data, at)) if 0 <= count <= len(data) // 4 else None
            body = data[at + 4 * count:]
            if kept != list(toks) or hashlib.sha256(body).digest() != digest or not body:
                raise ValueError("not the state of this prompt")
        except (ValueError, struct.error):
            with contextlib.suppress(OSError):
                path.unlink()  # read again, and written again whole
            return None
        try:
            os.utime(path)  # recently used: the last to go past the cap
        except OSError:
            pass
        self.loaded += 1
        return start, body

    def put(self, kind: str, toks: list[int], body: bytes, start: int = 0) -> None:
        """Keep `body` for `toks` (written whole or not at all); then drop the oldest files past the cap. A disk that
        refuses (full, read-only) only costs the next process a read."""
        if not body or self.cap <= 0:
            return
        path = self._path(kind, toks)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(_MAGIC + _HEAD.pack(start, len(toks), hashlib.sha256(body).digest()))
                f.write(struct.pack(f"<{len(toks)}i", *toks))
                f.write(body)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            return
        self.written += 1
        self._trim()

    def _trim(self) -> None:
        files = []
        for p in self.root.glob("*/*"):
            try:
                st = p.stat()
            except OSError:
                continue
            files.append((st.st_mtime_ns, st.st_size, p))
        total = sum(size for _, size, _ in files)
        for _, size, p in sorted(files):
            if total <= self.cap:
                break
            with contextlib.suppress(OSError):
                p.unlink()
            total -= size
