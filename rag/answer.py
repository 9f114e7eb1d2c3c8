"""The Answer and its parts, and parsing a model's draft into cited sentences."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .lexical import fold
from .text import split_sentences

__all__ = ["Citation", "Sentence", "Answer", "parse_sentences", "CITATION", "detect_language", "strip_citations"]

CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")


@dataclass
class Citation:
    n: int  # the passage's number in the prompt, as the answer writes it: [n]
    source: str
    start: int  # the passage's offsets in the source
    end: int
    text: str  # the passage exactly as indexed
    span_start: int | None = None  # the words that support the claim, offsets in the source
    span_end: int | None = None
    span_text: str | None = None


@dataclass
class Sentence:
    text: str  # without its [n] markers
    citations: list[int]  # as written by the model
    supported: bool | None = None  # None: not checked
    score: float | None = None
    reason: str = ""
    repointed: bool = False  # True when the check moved the citation to another passage
    spans: dict = field(default_factory=dict)  # citation n -> (start, end, text) of the supporting words


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[dict] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    lang: str = "fr"
    standalone_question: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    draft: str = ""  # the model's raw output, before checks
    abstain_reason: str = ""  # why the assistant abstained, for people (empty when it answered)
    id: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["id"] is None:
            d.pop("id")
        return d


_MARKER_AFTER_END = re.compile(r"([.!?…])\s*((?:\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\]\s*)+)")


def strip_citations(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", CITATION.sub("", text)).strip()


def parse_sentences(draft: str) -> list[Sentence]:
    """Split a draft into sentences with the [n] markers each carries. A marker standing after the
    final period ("… 2026. [3]") belongs to the sentence before it."""
    # "… 2026. [3] Elle …" → "… 2026 [3]. Elle …", so the sentence splitter ends the sentence after the marker.
    draft = _MARKER_AFTER_END.sub(lambda m: " " + m.group(2).strip() + m.group(1) + " ", draft.strip()).strip()
    sentences: list[Sentence] = []
    for s, e in split_sentences(draft):
        chunk = draft[s:e]
        nums = [int(x) for m in CITATION.finditer(chunk) for x in re.split(r"[,;]", m.group(1))]
        text = strip_citations(chunk)
        if not re.search(r"\w", text):  # only markers
            if sentences:
                sentences[-1].citations.extend(n for n in nums if n not in sentences[-1].citations)
            continue
        sentences.append(Sentence(text=text, citations=list(dict.fromkeys(nums))))
    return sentences


_FR = set("le la les des du de un une est et en que qui quoi quel quelle quels quelles pourquoi comment où quand "
          "combien sont a au aux dans pour par sur avec ce cette ces il elle ils elles ne pas".split())
_EN = set("the a an is are was were of and in on to for what which who whom whose why how when where does do did "
          "has have with by from this that these those it he she they not".split())


def detect_language(text: str) -> str:
    """"fr" or "en", from function words (cheap and good on questions); French when unsure."""
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ']+", text.lower())
    fr = sum(w in _FR for w in words) + 2 * bool(re.search(r"[àâçéèêëîïôûùüÿœ]", text.lower()))
    en = sum(w in _EN for w in words)
    return "en" if en > fr else "fr"

