"""Load sources and normalise them without losing offsets.

Normalisation (NFC, no-break spaces to spaces) is done so that every character of the normalised
text maps back to a span of the original: passages carry `start`/`end` offsets into the original
source, which is what citations and highlights point at.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import unicodedata
from pathlib import Path

from ..errors import SourceError
from ..types import Source

__all__ = ["load_source", "read_meta", "normalise", "SUPPORTED_SUFFIXES", "MAX_SOURCE_BYTES"]

SUPPORTED_SUFFIXES = (".txt", ".md")
MAX_SOURCE_BYTES = 50_000_000
_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2007": " "}
_SPACE_TABLE = str.maketrans(_SPACES)
_KINDS = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _not_regular(path: Path, mode: int, real: Path) -> SourceError:
    where = f" (it links to {real})" if real != Path(os.path.abspath(path)) else ""
    if stat.S_ISDIR(mode):
        return SourceError(f"{path} is a folder, not a text file{where}: pass the folder itself to index the .txt and "
                           ".md files under it, or rename it")
    return SourceError(f"{path} is {_kind(mode)}, not a regular file{where}: only regular .txt and .md files are "
                       "indexed; copy its text into a file and index that")


def _resolve(path: Path) -> Path:
    """The file `path` names, links followed; a SourceError for a link loop or a path that leads nowhere."""
    try:
        return path.resolve(strict=True)
    except RuntimeError as e:  # Python < 3.13 reports a link loop so
        raise SourceError(f"{path} is a symbolic link loop: point the link at a real file or remove it") from e
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise SourceError(f"{path} is a symbolic link loop: point the link at a real file or remove it") from e
        if e.errno == errno.ENOENT:
            broken = " (a broken symbolic link)" if path.is_symlink() else ""
            raise SourceError(f"cannot read {path}: no such file{broken}; check the path") from e
        raise SourceError(f"cannot read {path}: {e.strerror or e}; check the path and its permissions") from e


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """The bytes of `path`, refusing without opening it anything that is not a regular file once links are
    followed (a FIFO would block, a device never ends), and reading at most MAX_SOURCE_BYTES + 1 bytes
    (a size reported as 0 by /proc or a growing file cannot pull more into memory)."""
    real = _resolve(path)
    try:
        st = os.stat(real)
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror or e}; check its permissions") from e
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(path, st.st_mode, real)
    too_big = SourceError(f"{path} is larger than {max_bytes / 1e6:g} MB: split it into smaller files "
                          "(or raise RAG_MAX_SOURCE_BYTES)")
    if st.st_size > max_bytes:
        raise too_big
    try:
        # O_NONBLOCK: if the file was swapped for a FIFO since the check, opening it does not wait for a writer.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except PermissionError as e:
        raise SourceError(f"cannot read {path}: permission denied; make it readable (chmod u+r) or leave it out") from e
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror or e}; check the path and its permissions") from e
    with open(fd, "rb", closefd=True) as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):  # changed under us
            raise _not_regular(path, st.st_mode, real)
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise SourceError(f"cannot read {path}: {e.strerror or e}") from e
    if len(data) > max_bytes:
        raise too_big
    return data


def load_source(path: Path, name: str | None = None, max_bytes: int | None = None) -> Source:
    """Read one source file, or raise a SourceError that names the file and what to do. `max_bytes`:
    the largest file accepted (Settings.max_source_bytes; MAX_SOURCE_BYTES when not given)."""
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise SourceError(f"{path}: unsupported file type {path.suffix or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    data = _read_bounded(path, MAX_SOURCE_BYTES if max_bytes is None else max_bytes)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(f"{path} is UTF-16 text, not UTF-8: convert it to UTF-8 first "
                          f"(e.g. iconv -f UTF-16 -t UTF-8)")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise SourceError(f"{path} looks binary (a NUL byte at byte {nul}), not UTF-8 text: index text files only, "
                          "or export the document as plain text first")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(f"{path} is not UTF-8 text (byte {e.start}); convert it to UTF-8 first "
                          f"(e.g. iconv -f LATIN1 -t UTF-8)") from e
    if not text.strip():
        raise SourceError(f"{path} holds no text: add text to it or leave it out")
    return Source(name=name or path.name, text=text, sha256=hashlib.sha256(data).hexdigest(), meta=read_meta(path))


def read_meta(path: Path) -> dict:
    """What `<stem>.meta.json` beside a source says of it: {"title": …, "credit": …} (strings; other keys are
    ignored). No such file: {}. The index manifest keeps them, and the surfaces show them with the text."""
    meta = Path(path).with_suffix(".meta.json")
    if not meta.is_file():
        return {}
    try:
        if meta.stat().st_size > 65_536:
            raise ValueError("larger than 64 KB")
        data = json.loads(meta.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        raise SourceError(f"{meta}: cannot read the credits of {path.name} ({e}); fix or remove it") from e
    return {k: data[k].strip() for k in ("title", "credit") if isinstance(data.get(k), str) and data[k].strip()}


def normalise(text: str) -> tuple[str, list[int]]:
    """NFC + no-break spaces to spaces. Returns the text and, for each of its characters, the offset
    of the original character it came from (plus one final entry: len(original))."""
    if unicodedata.is_normalized("NFC", text):  # most text: each character stays where it is
        return text.translate(_SPACE_TABLE), list(range(len(text) + 1))
    out: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    while i < n:
        # A run is a base character and the combining marks after it: NFC acts within it.
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        raw = text[i:j]
        run = unicodedata.normalize("NFC", raw)
        offsets.extend(_run_offsets(raw, run, i))
        out.append("".join(_SPACES.get(c, c) for c in run))
        i = j
    offsets.append(n)
    return "".join(out), offsets


def _run_offsets(raw: str, run: str, i: int) -> list[int]:
    """Offsets of the characters of `run` (the NFC of `raw`, which starts at `i`): each character maps to itself
    where NFC left it alone, a base that does not compose with the marks after it keeps its own offset, and a
    composed character maps to the first character it came from."""
    if run == raw:
        return list(range(i, i + len(raw)))
    if len(raw) > 1:
        head, tail = unicodedata.normalize("NFC", raw[0]), unicodedata.normalize("NFC", raw[1:])
        if run == head + tail:
            return [i] * len(head) + _run_offsets(raw[1:], tail, i + 1)
    return [i] * len(run)
