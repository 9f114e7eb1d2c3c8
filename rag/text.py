"""Load sources, normalise them without losing offsets, and split them into sentence-aware passages.

Normalisation (NFC, no-break spaces to spaces) is done so that every character of the normalised
text maps back to a span of the original: passages carry `start`/`end` offsets into the original
source, which is what citations and highlights point at.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import SourceError

__all__ = ["Source", "Passage", "load_source", "normalise", "split_sentences", "split_passages", "SUPPORTED_SUFFIXES"]

SUPPORTED_SUFFIXES = (".txt", ".md")
MAX_SOURCE_BYTES = 50_000_000
_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2007": " "}


@dataclass(frozen=True)
class Source:
    name: str  # how citations name it
    text: str  # the original text, as read
    sha256: str

    @property
    def title(self) -> str:
        first = self.text.strip().split("\n", 1)[0].lstrip("# ").strip()
        return first[:200]


@dataclass(frozen=True)
class Passage:
    id: str
    source: str
    start: int  # offsets into the original source text
    end: int
    text: str  # the passage exactly as indexed (normalised)
    heading: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


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


# A sentence ends at . ! ? … (optionally followed by closing quotes) before a space and a capital,
# a quote or a digit; or at a line break. Common French abbreviations are not ends.
_ABBREV = re.compile(r"(?:\b(?:M|Mme|Mmes|MM|Dr|Pr|St|Ste|art|etc|cf|p|ex|env|n°|vol|ch)|\b[A-Z])\.$")
_END = re.compile(r"[.!?…]+[\"»”)]*(?=\s+[\"«“(A-ZÀ-ÖØ-Þ0-9])|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of sentences, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        if m.group().startswith((".",)) and _ABBREV.search(text[max(0, m.start() - 6):m.start() + 1]):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        seg = text[s:e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if e - trail > s + lead:
            out.append((s + lead, e - trail))
    return out


def _is_heading(line: str, is_markdown: bool) -> bool:
    line = line.strip()
    if is_markdown:
        return line.startswith("#")
    # In plain text, a short line standing alone with no final punctuation reads as a heading.
    return 0 < len(line) <= 120 and not re.search(r"[.!?:;,…\"»”]$", line)


def split_passages(source: Source, max_chars: int = 600, overlap: int = 0) -> list[Passage]:
    """Pack whole sentences into passages of at most `max_chars` (a longer sentence stands alone).
    A heading starts a new passage and is remembered as that passage's heading; `overlap` repeats
    the last sentences of a passage at the start of the next."""
    norm, offsets = normalise(source.text)
    is_md = source.name.lower().endswith(".md")
    sentences: list[tuple[int, int, str]] = []  # (start, end, heading in force)
    heading = source.title
    pos = 0
    for line in norm.splitlines(keepends=True):
        if _is_heading(line, is_md) and line.strip():
            heading = line.strip().lstrip("# ").strip()
            sentences.append((-1, -1, heading))  # marker: break here
            lead = len(line) - len(line.lstrip())
            sentences.append((pos + lead, pos + len(line.rstrip()), heading))  # headings are searchable too
        else:
            for s, e in split_sentences(line):
                sentences.append((pos + s, pos + e, heading))
        pos += len(line)

    passages: list[Passage] = []
    group: list[tuple[int, int, str]] = []

    def flush() -> None:
        if not group:
            return
        s, e = group[0][0], group[-1][1]
        text = norm[s:e]
        pid = hashlib.sha1(f"{source.sha256}:{s}:{e}".encode()).hexdigest()[:16]
        passages.append(Passage(pid, source.name, offsets[s], offsets[e], text, group[0][2]))

    for s, e, h in sentences:
        if s < 0:
            flush()
            group = []
            continue
        if group and e - group[0][0] > max_chars:
            flush()
            group = group[len(group) - overlap:] if overlap and len(group) > overlap else []
            if group and e - group[0][0] > max_chars:
                group = []
        group.append((s, e, h))
    flush()
    if not passages:
        raise SourceError(f"{source.name} yields no passage")
    return passages
