"""The language of a question or a text: French or English, from function words."""

from __future__ import annotations

import re

__all__ = ["detect_language"]

_FR = set("le la les des du de un une est et en que qui quoi quel quelle quels quelles pourquoi comment où quand "
          "combien sont a au aux dans pour par sur avec ce cette ces il elle ils elles ne pas".split())
_EN = set("the a an is are was were of and in on to for what which who whom whose why how when where does do did "
          "has have with by from this that these those it he she they not".split())


def detect_language(text: str) -> str:
    """"fr" or "en", from function words (cheap and good on questions); French when unsure."""
    # A name is in no language: "Anne Le Hénanff warned…" is English ("Le" and the accent are the name's). A
    # capitalised word counts only where a sentence starts.
    words, end = [], 0
    for m in re.finditer(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ']+", text):
        # What precedes the word, back to the previous one (nothing between two words: a letter precedes it).
        before = text[end:m.start()].rstrip() or ("" if end == 0 else "a")
        if m.group()[:1].islower() or not before or before[-1] in ".!?:«\"“(":
            words.append(m.group().lower())
        end = m.end()
    fr = sum(w in _FR for w in words) + 2 * any(re.search(r"[àâçéèêëîïôûùüÿœ]", w) for w in words)
    en = sum(w in _EN for w in words)
    return "en" if en > fr else "fr"

