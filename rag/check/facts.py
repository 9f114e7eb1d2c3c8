"""Hard facts of a text (numbers, dates, names) and how to look them up in another: the part of the
grounding check that needs no model, and the off-topic rule's vocabulary."""

from __future__ import annotations

import re

from ..index.lexical import fold

__all__ = ["claim_facts", "fact_index", "has_fact", "vocabulary_of", "near_verbatim", "negated"]

_MONTHS = ("janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre "
           "january february march april may june july august september october november december").split()
_NEG = re.compile(r"\b(ne|n['’]|pas|jamais|aucun|aucune|nullement|sans|ni|not|never|no|none|without|n't)\b",
                  re.IGNORECASE)
_COMMON_CAPS = set("""le la les l un une des de du d en au aux ce cette ces il elle ils elles on selon pour par
lors dans sur avec mais et ou donc car si a à the a an in on at for by with according but and or so this that these
those it he she they his her its their there when where who what which how why yes no also both as from to of
""".split())


def _norm_number(tok: str) -> str:
    return re.sub(r"[\s.\u00a0\u202f]", "", tok).replace(",", ".")


def claim_facts(text: str) -> set[str]:
    """Folded fact tokens: numbers, month names, and capitalised words not opening the sentence."""
    facts: set[str] = set()
    for m in re.finditer(r"\d[\d\s.,\u00a0\u202f]*\d|\d", text):
        facts.add("#" + _norm_number(m.group()).rstrip("."))
    words = re.findall(r"[\w’'-]+", text)
    for i, w in enumerate(words):
        f = fold(w)
        if f in _MONTHS:
            facts.add(f)
        bare = re.sub(r"^(?:[ldjmnstc]|qu)['’]", "", w, flags=re.IGNORECASE)
        if i > 0 and bare[:1].isupper() and fold(bare) not in _COMMON_CAPS and len(bare) > 1:
            facts.add(fold(bare))
    return facts


def fact_index(text: str) -> tuple[set[str], str]:
    """The numbers and folded words of a text, in the form `has_fact` looks facts up in."""
    nums = {"#" + _norm_number(m.group()).rstrip(".") for m in re.finditer(r"\d[\d\s.,\u00a0\u202f]*\d|\d", text)}
    # Also every sub-number ("4 novembre 2025" gives "4" and "2025", "3.000" gives "3000").
    for m in re.finditer(r"\d+", text):
        nums.add("#" + m.group())
    return nums, " " + " ".join(re.findall(r"\w+", fold(text))) + " "


def has_fact(fact: str, nums: set[str], words: str) -> bool:
    if fact.startswith("#"):
        return fact in nums
    # Compare folded word sequences; a hyphenated name matches its parts and the reverse.
    return " " + " ".join(re.findall(r"\w+", fact)) + " " in words


def vocabulary_of(texts: list[str]) -> str:
    """The folded words of some texts, in the form `judge(vocabulary=…)` takes."""
    return " " + " ".join(sorted({w for t in texts for w in re.findall(r"\w+", fold(t))})) + " "


def near_verbatim(claim: str, window: str) -> bool:
    """The claim is a word-for-word copy of part of the window: it needs no judge."""
    c = " ".join(re.findall(r"\w+", fold(claim)))
    return len(c) > 20 and c in " ".join(re.findall(r"\w+", fold(window)))


def negated(text: str) -> bool:
    return bool(_NEG.search(text))
