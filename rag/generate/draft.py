"""Reading a model's draft: its sentences and the [n] markers each carries, and whether it declines."""

from __future__ import annotations

import re

from ..index.lexical import fold
from ..ingest.chunk import split_sentences
from ..types import Sentence

__all__ = ["CITATION", "parse_sentences", "as_statement", "strip_citations", "says_abstain", "open_quotation",
           "ends_quotation", "copies_example"]

CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")

_MARKER_AFTER_END = re.compile(r"([.!?…])\s*((?:\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\]\s*)+)")


def strip_citations(text: str) -> str:
    # A marker goes with the spaces before it ("Loïg Chesnais-Girard [2] préside…", "la région [3].") and with
    # those after it when a period or comma follows ("2026 [1] ."); no other space is touched, so French spacing
    # ("numérique : la", "date ?") stays as written, inside a quotation above all.
    return re.sub(r"[ \t]*" + CITATION.pattern + r"(?:[ \t]+(?=[.,]))?", "", text).strip()


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
        sentences.append(Sentence(text=as_statement(text), citations=list(dict.fromkeys(nums))))
    return _whole_quotations(sentences)


# A subject pronoun after a verb's hyphen ("doit-elle", "entre-t-elle", or as a PIAF question typed it, "s'empare
# t-il"): French inversion, the mark of a question.
_INVERSION = re.compile(r"(?:(?<=\w\w)(?:-t)?|\s+t)-(?:il|elle|ils|elles|on)\b")
_ASKING = re.compile(r"(?:qui|que|qu['’]|quel|quelle|quels|quelles|quoi|ou|quand|comment|pourquoi|combien"
                     r"|est-ce|y a)\b")


def as_statement(text: str) -> str:
    """A sentence that gives its answer in the question's inverted form ("La loi Résilience doit-elle transposer la
    directive européenne NIS2 ?", "La France entre-t-elle en guerre en 1689 avec l'Angleterre ?": the 1.5B model
    copying the question's words) said as the statement it makes: the claim the check verifies and people read, not
    a question shown as an answer. Only a noun subject, then its verb and pronoun ("Est-elle…" and "Qui…" start
    real questions), and nothing quoted."""
    body = text.rstrip()
    found = list(_INVERSION.finditer(body))
    if (not body.endswith("?") or len(found) != 1 or _ASKING.match(fold(body))
            or len(body[:found[0].start()].split()) < 3 or any(q in body for q in '"«»“”')):
        return text
    return (body[:found[0].start()] + body[found[0].end():-1]).rstrip() + "."


# A sentence that closes a quotation it did not open: its first quotation mark is a closing one.
_CLOSES_FIRST = re.compile(r"^[^\"«»“”]*(?:\S\"(?=[\s.,;:!?)]|$)|»|”)")


def ends_quotation(text: str) -> bool:
    """The sentence closes a quotation it did not open ("Tous les métiers doivent s'en emparer, élus compris".): the
    rest of a quotation that a full stop inside it cut in two, whose speaker is named in the part before."""
    return bool(_CLOSES_FIRST.match(text))


def open_quotation(text: str) -> bool:
    """The sentence opens a quotation that it does not close: a full stop inside the quotation ended it."""
    m = _CLOSES_FIRST.match(text)
    t = text[m.end():] if m else text
    return t.count("«") > t.count("»") or t.count("“") > t.count("”") or t.count('"') % 2 == 1


def _whole_quotations(sentences: list[Sentence]) -> list[Sentence]:
    """A quotation cut by a full stop inside it ('…est "93% … grâce à Orange.' | 'C'est unique en Europe".') made
    one sentence again, with the markers of its parts: its end says nothing without its beginning, and a marker
    shown inside the quotation would split the speaker's words. Left cut when nothing closes it (at most three
    sentences on)."""
    out, i = [], 0
    while i < len(sentences):
        x = sentences[i]
        if open_quotation(x.text):
            j = next((k for k in range(i + 1, min(i + 4, len(sentences))) if ends_quotation(sentences[k].text)),
                     None)
            if j is not None:
                parts = sentences[i:j + 1]
                x = Sentence(text=" ".join(p.text for p in parts),
                             citations=list(dict.fromkeys(n for p in parts for n in p.citations)))
                i = j
        out.append(x)
        i += 1
    return out


_DECLINE_CUES = ["ne trouve pas la reponse", "pas dans les sources", "ne contiennent pas", "ne precisent pas",
                 "ne mentionnent pas", "cannot find the answer", "not in the sources", "do not contain",
                 "does not contain", "not mentioned", "ne sont pas mentionn", "n'est pas mentionn",
                 "aucune information"]


def says_abstain(draft: str) -> bool:
    """The model declined (or wrote nothing)."""
    d = fold(draft)
    return not draft.strip() or any(c in d for c in _DECLINE_CUES)


def copies_example(draft: str, examples: str, data: str, run: int = 6) -> bool:
    """The draft repeats `run` words in a row of the prompt's worked examples, or one of their names ("Paul
    Martin", "Vélo+"), that the data it was given (passages and question) does not hold: the model answered the
    example, not the question."""
    def runs(text: str) -> set[tuple[str, ...]]:
        w = re.findall(r"\w+", fold(text))
        return {tuple(w[i:i + run]) for i in range(len(w) - run + 1)}
    if (runs(draft) & runs(examples)) - runs(data):
        return True
    data_words = set(re.findall(r"\w+", fold(data)))
    return bool({fold(w) for w in _example_names(examples)} & set(re.findall(r"\w+", fold(draft))) - data_words)


def _example_names(examples: str) -> set[str]:
    """Capitalised words of the examples that never begin a line, a sentence or a labelled part: their names."""
    first = set(re.findall(r"(?:^|[.!?:\]]\s+)([^\W\d_][\w]*)", examples, re.M))
    return {w for w in re.findall(r"\b[A-ZÀ-Ý][\w]+", examples) if w not in first}
