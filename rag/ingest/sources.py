"""Load sources and normalise them without losing offsets.

Normalisation (NFC, no-break spaces to spaces) is done so that every character of the normalised
text maps back to a span of the original: passages carry `start`/`end` offsets into the original
source, which is what citations and highlights point at.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

from ..errors import SourceError
from ..types import Source

__all__ = ["load_source", "normalise", "SUPPORTED_SUFFIXES", "MAX_SOURCE_BYTES"]

SUPPORTED_SUFFIXES = (".txt", ".md")
MAX_SOURCE_BYTES = 50_000_000
_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2007": " "}


def load_source(path: Path, name: str | None = None) -> Source:
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise SourceError(f"{path}: unsupported file type {path.suffix or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise SourceError(f"{path}: larger than {MAX_SOURCE_BYTES // 1_000_000} MB; split it first")
        data = path.read_bytes()
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror or e}") from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(f"{path} is not UTF-8 text (byte {e.start}); convert it to UTF-8 first") from e
    if not text.strip():
        raise SourceError(f"{path} holds no text")
    return Source(name=name or path.name, text=text, sha256=hashlib.sha256(data).hexdigest())


def normalise(text: str) -> tuple[str, list[int]]:
    """NFC + no-break spaces to spaces. Returns the text and, for each of its characters, the offset
    of the original character it came from (plus one final entry: len(original))."""
    out: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    while i < n:
        # A run is a base character and the combining marks after it: NFC acts within it.
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        run = unicodedata.normalize("NFC", text[i:j])
        run = "".join(_SPACES.get(c, c) for c in run)
        out.append(run)
        offsets.extend([i] * len(run))
        i = j
    offsets.append(n)
    return "".join(out), offsets
