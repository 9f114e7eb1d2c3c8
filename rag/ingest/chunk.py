"""Split normalised text into sentences, and sources into sentence-aware passages with source offsets."""

from __future__ import annotations

import hashlib
import re

from ..errors import SourceError
from ..types import Passage, Source
from .sources import normalise

__all__ = ["split_sentences", "split_passages"]


# A sentence ends at . ! ? … (optionally followed by closing quotes) before a space and a capital,
# a quote or a digit; or at a line break. Common French abbreviations are not ends.
_ABBREV = re.compile(r"(?:\b(?:M|Mme|Mmes|MM|Dr|Pr|St|Ste|art|etc|cf|p|ex|env|n°|vol|ch)|\b[A-Z])\.$")
_END = re.compile(r"[.!?…]+[\"»”)]*(?=\s+[\"«“(<A-ZÀ-ÖØ-Þ0-9])|\n+")  # "<": markup starts a sentence too


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
