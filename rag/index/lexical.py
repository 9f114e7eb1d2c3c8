"""BM25 over French-aware tokens: elisions split, Snowball stems, accents folded, stop words dropped."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import snowballstemmer

__all__ = ["analyse", "fold", "BM25", "STOP_WORDS"]

# French and English function words: they carry no topic and would swamp the scores.
STOP_WORDS = frozenset("""
a à ai aie aient aies ait alors as au aucun aucune aujourd aupres auquel aura aurai auraient aurais aurait auras
aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels avaient avais avait avant avec avez
aviez avions avoir avons ayant ayez ayons c ça car ce ceci cela celle celles celui cependant ces cet cette ceux
chaque chez ci comme comment d dans de des donc dont du elle elles en encore entre es est et etaient etais etait
etant etc ete etes etiez etions etre eu eue eues eumes eurent eus eusse eussent eusses eussiez eussions eut eutes
eux faire fait fais font furent fus fusse fussent fusses fussiez fussions fut futes ici il ils j je jusqu l la le
les leur leurs lors lorsque lui m ma mais me meme memes mes moi mon n ne ni nos notre nous on ont ou où par parce
pas peu peut plus pour pourquoi puis qu quand que quel quelle quelles quels qui quoi s sa sans se sera serai
seraient serais serait seras serez seriez serions serons seront ses si sien soi soient sois soit sommes son sont
sous soyez soyons suis sur t ta te tes toi ton tous tout toute toutes tres tu un une unes uns vos votre vous y
the of and to in is are was were be been being for on at by with from that this these those it its as an or not
what which who whom whose when where why how do does did has have had will would can could should there their
they them he she his her i you we our your me my about into than then so if no yes
""".split())

_TOKEN = re.compile(r"\w+", re.UNICODE)
_ELISION = re.compile(r"\b([cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_STEMMER = snowballstemmer.stemmer("french")


def fold(text: str) -> str:
    """Lower-case and strip accents: "Hénanff" and "henanff" match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    # Stem before folding: the Snowball French rules read accents.
    return fold(_STEMMER.stemWord(word))


def analyse(text: str) -> list[str]:
    text = _ELISION.sub(" ", text.lower())
    out = []
    for tok in _TOKEN.findall(text):
        if fold(tok) in STOP_WORDS:
            continue
        out.append(_stem(tok))
    return out


class BM25:
    """Okapi BM25 over pre-analysed documents. Small and exact: the collections here are thousands
    of passages, not millions."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = [len(d) for d in docs]
        self.avgdl = (sum(self.lengths) / self.n) if self.n else 0.0
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for i, d in enumerate(docs):
            for term, tf in Counter(d).items():
                self.postings.setdefault(term, []).append((i, tf))
        self.idf = {t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, query_terms: list[str]) -> dict[int, float]:
        out: dict[int, float] = {}
        for term in set(query_terms):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, tf in self.postings[term]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avgdl or 1))
                out[i] = out.get(i, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return out

    def top(self, query_terms: list[str], k: int) -> list[tuple[int, float]]:
        """The `k` best documents for the query, as (position, score), best first."""
        scored = self.scores(query_terms)
        return sorted(scored.items(), key=lambda x: (-x[1], x[0]))[:k]
