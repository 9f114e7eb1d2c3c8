"""Evaluation metrics, each a small pure function over predictions and gold questions.

Retrieval is judged by evidence coverage (text overlap with the gold evidence quotes), not passage
ids, so a new chunking keeps the gold labels valid.
"""

from __future__ import annotations

import re
import statistics
import string
from collections import Counter

from ..index.lexical import fold

__all__ = ["covers", "retrieval_scores", "answer_scores", "token_f1", "percentile", "abstention_scores",
           "COVERAGE_MIN"]

COVERAGE_MIN = 0.6  # share of an evidence quote's words a passage must hold to cover it


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def covers(passage: str, quote: str) -> bool:
    """True when the passage holds the quote, or most of its words in order (quotes may straddle a
    passage boundary; then the passage holding most of it counts)."""
    q = _words(quote)
    if not q:
        return False
    p = " " + " ".join(_words(passage)) + " "
    if " " + " ".join(q) + " " in p:
        return True
    pw = Counter(_words(passage))
    qw = Counter(q)
    inter = sum(min(c, pw[w]) for w, c in qw.items())
    return inter / len(q) >= COVERAGE_MIN and _longest_run(q, p) >= min(8, len(q))


def _longest_run(q: list[str], p: str) -> int:
    best = 0
    for i in range(len(q)):
        for j in range(i + best + 1, len(q) + 1):
            if " " + " ".join(q[i:j]) + " " in p:
                best = j - i
            else:
                break
    return best


def retrieval_scores(retrieved: list[str], evidence: list[str], ks=(1, 3, 5, 10)) -> dict:
    """hit@k (any quote covered in the top k), recall@k (share of quotes covered) and reciprocal rank."""
    out: dict[str, float] = {}
    first = None
    covered_at: dict[int, int] = {}
    for rank, text in enumerate(retrieved, start=1):
        for qi, quote in enumerate(evidence):
            if qi not in covered_at and covers(text, quote):
                covered_at[qi] = rank
                first = first or rank
    for k in ks:
        out[f"hit@{k}"] = float(any(r <= k for r in covered_at.values()))
        out[f"recall@{k}"] = sum(r <= k for r in covered_at.values()) / len(evidence) if evidence else 0.0
    out["rr"] = 1.0 / first if first else 0.0
    return out


def context_rank(retrieved_sources: list[str], gold: str) -> int | None:
    """Rank of `gold` among the distinct sources retrieved, in order; None when absent."""
    distinct = list(dict.fromkeys(retrieved_sources))
    return distinct.index(gold) + 1 if gold in distinct else None


def source_scores(retrieved_sources: list[str], gold: str, ks=(1, 5, 10)) -> dict:
    """Context-level retrieval, SQuAD sets only: is the question's own context among the first k distinct
    sources retrieved? Independent of passage length, unlike evidence coverage."""
    rank = context_rank(retrieved_sources, gold)
    return {f"context_hit@{k}": float(rank is not None and rank <= k) for k in ks}


def _squad_norm(text: str) -> list[str]:
    text = fold(text)
    text = "".join(" " if c in string.punctuation or c in "«»’“”" else c for c in text)
    return [w for w in text.split() if w not in {"le", "la", "les", "l", "un", "une", "des", "du", "de", "d",
                                                   "the", "a", "an"}]


def token_f1(prediction: str, gold: str) -> float:
    p, g = _squad_norm(prediction), _squad_norm(gold)
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if not same:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def answer_scores(answer: str, golds: list[str]) -> dict:
    """contains: a gold answer appears in the answer (accents, case, spacing ignored); f1: best token F1."""
    clean = re.sub(r"\[\d+(?:\s*,\s*\d+)*\]", "", answer)
    a = " " + " ".join(_words(clean)).replace(" ", " ") + " "
    digits = re.sub(r"(?<=\d)[ .](?=\d{3}\b)", "", a)  # "3.000" and "3 000" read as "3000"
    contains = any((" " + " ".join(_words(g)) + " ") in a or
                   (" " + re.sub(r"(?<=\d)[ .](?=\d{3}\b)", "", " ".join(_words(g))) + " ") in digits for g in golds)
    return {"contains": float(contains), "f1": max((token_f1(clean, g) for g in golds), default=0.0)}


def abstention_scores(abstained: list[bool], answerable: list[bool]) -> dict:
    tp = sum(a and not g for a, g in zip(abstained, answerable))
    n_abs = sum(abstained)
    n_unans = sum(not g for g in answerable)
    return {"abstention_precision": tp / n_abs if n_abs else None,
            "abstention_recall": tp / n_unans if n_unans else None,
            "false_abstention_rate": (sum(a and g for a, g in zip(abstained, answerable)) / sum(answerable))
            if sum(answerable) else None}


def percentile(values: list[float], q: float) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if 1 <= q <= 99 else values[-1]
