"""The data that flows through the assistant: sources and passages, retrieval hits, the Answer and its
parts, and the events of a streamed answer. Plain dataclasses, with no behaviour beyond (de)serialising:
the same classes are `rag ask --json`, the API's response schema and an evaluation prediction."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Literal, Union

__all__ = ["Source", "Passage", "Hit", "Citation", "Sentence", "Answer", "TokenEvent", "SentenceEvent", "AnswerEvent", "Event",
           "final_answer", "withdrawn_sentences", "AbstainReason", "ABSTAIN_REASONS", "QUOTE_LEAD"]


@dataclass(frozen=True)
class Source:
    name: str  # how citations name it
    text: str  # the original text, as read
    sha256: str
    # What `<stem>.meta.json` beside the file says of it: "title", "credit" (who wrote it), shown by the surfaces.
    meta: dict = field(default_factory=dict, compare=False, hash=False)

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


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused score (higher is better)
    dense: float | None  # cosine similarity, when the dense retriever saw it
    lexical: float | None  # BM25 score, when BM25 saw it

    def to_dict(self) -> dict:
        p = self.passage
        return {"source": p.source, "start": p.start, "end": p.end, "text": p.text, "score": round(self.score, 6),
                "dense": None if self.dense is None else round(self.dense, 4),
                "bm25": None if self.lexical is None else round(self.lexical, 4)}


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
    reason: str = ""  # for people, in English
    repointed: bool = False  # True when the check moved the citation to another passage
    # citation n -> (start, end, text) of the supporting words, offsets in the source
    spans: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    # why it was removed, as a code the surfaces translate (see ABSTAIN_REASONS / verdict codes)
    code: str = ""


def with_markers(text: str, citations: list[int]) -> str:
    """A checked sentence as every surface shows it: its markers before its final stop ("… en 2026 [1][3].")."""
    stop = text[-1] if text[-1:] in ".!?…" else "."
    return f"{text.rstrip('.!?…').rstrip()} {''.join(f'[{n}]' for n in citations)}{stop}"


# Why the assistant abstained: a code the surfaces translate, and the English text for logs and --json.
# The codes name the stage that refused, so an evaluation can count refusals by cause.
AbstainReason = Literal["", "nothing_relevant", "model_declined", "no_citations", "not_supported", "off_topic",
                        "about_assistant", "asks_invention"]
ABSTAIN_REASONS: dict[str, str] = {
    "nothing_relevant": "nothing in the sources is close to the question",
    "model_declined": "the model found no answer in the sources",
    "no_citations": "the draft cites no passage, and no retrieved passage supports it",
    "not_supported": "no sentence of the draft is supported by the passages it cites",
    "off_topic": "the supported sentences do not answer the question",
    "about_assistant": "the question asks for the assistant's own instructions, which no source holds",
    "asks_invention": "the question asks for something invented, which no source holds",
}
# What a quoted answer says before the quotation: the drafted sentences failed the check, and a sentence
# of a cited passage answers the question word for word.
QUOTE_LEAD = {"fr": "D'après la source : « {text} » [{n}]", "en": "The source says: “{text}” [{n}]"}


@dataclass
class Answer:
    question: str
    answer: str  # the checked answer, with [n] markers
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[dict] = field(default_factory=list)  # Hit.to_dict() of each retrieved passage, best first
    timings: dict[str, float | int] = field(default_factory=dict)  # seconds, and counts ("tokens")
    lang: str = "fr"
    standalone_question: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    draft: str = ""  # the model's raw output, before checks
    first_draft: str = ""  # a draft written again because it copied the prompt's example (`draft` is the second)
    abstain_reason: str = ""  # why the assistant abstained, for people (empty when it answered)
    abstain_code: AbstainReason = ""  # the same, as a code the surfaces translate
    quoted: bool = False  # the answer quotes a passage's sentence (the drafted sentences failed the check)
    # Retrieved passages set aside because they address the assistant (instructions, not evidence):
    # Hit.to_dict() plus "flags", the kinds of instruction found (see ingest/injection.py).
    set_aside: list[dict] = field(default_factory=list)
    id: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["id"] is None:
            d.pop("id")
        return d


@dataclass(frozen=True)
class TokenEvent:
    """A piece of the model's draft, as it is written (unchecked)."""
    text: str
    type: Literal["token"] = "token"


@dataclass(frozen=True)
class SentenceEvent:
    """A sentence of the draft checked while the model writes the next one: supported by the passages it cites
    by the same rules as the final check, decided without a model call (see `GroundingChecker.check_now`).
    `n` counts the checked sentences of the stream from 0. The final `AnswerEvent` has the last word: a sentence
    shown here and absent from the answer's supported sentences was withdrawn (`withdrawn_sentences`)."""
    sentence: Sentence
    n: int
    type: Literal["sentence"] = "sentence"


@dataclass(frozen=True)
class AnswerEvent:
    """The checked answer: always the last event of a stream."""
    answer: Answer
    type: Literal["answer"] = "answer"


Event = Union[TokenEvent, SentenceEvent, AnswerEvent]


def withdrawn_sentences(shown: list[Sentence], answer: Answer) -> list[Sentence]:
    """Sentences shown while the answer was written (`SentenceEvent`s) that the final answer does not keep."""
    kept = {x.text for x in answer.sentences if x.supported} if not answer.abstained else set()
    return [x for x in shown if x.text not in kept]


def final_answer(events: Iterable[Event]) -> Answer | None:
    """Consume a stream of events; the checked answer it ends with (None if it ended early)."""
    answer = None
    for event in events:
        if isinstance(event, AnswerEvent):
            answer = event.answer
    return answer
