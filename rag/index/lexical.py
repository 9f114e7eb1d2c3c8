"""BM25 over French-aware tokens: elisions split, Snowball stems, accents folded, stop words dropped.

The analysis is ours (`analyse`); the index and the scoring are the `bm25s` engine's (sparse matrices of
precomputed scores), fed our tokens. Its scores are Okapi BM25 as before: the term-frequency part
tf·(k1+1) / (tf + k1·(1 - b + b·len/avglen)) (bm25s "atire") and idf log(1 + (N - n + .5)/(n + .5))
(bm25s "lucene"), in float64, so `Settings.min_bm25` keeps its meaning.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import snowballstemmer

__all__ = ["analyse", "fold", "BM25", "STOP_WORDS", "ANALYSER", "LEXICAL_FILES"]

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
# Names the analysis below: a saved lexical index made with another analysis is rebuilt, never mixed.
ANALYSER = "fr-elision-snowball-fold-stop-v1"


def fold(text: str) -> str:
    """Lower-case and strip accents: "Hénanff" and "henanff" match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    # Stem before folding: the Snowball French rules read accents.
    return fold(_STEMMER.stemWord(word))


@lru_cache(maxsize=200_000)
def _term(word: str) -> str | None:
    """The indexed term of a lower-cased word, None for a stop word (cached: words repeat)."""
    return None if fold(word) in STOP_WORDS else _stem(word)


def analyse(text: str) -> list[str]:
    text = _ELISION.sub(" ", text.lower())
    return [t for t in map(_term, _TOKEN.findall(text)) if t is not None]


# What `BM25.save` writes into the index folder (the names bm25s is given), and the engine's parameters.
_NAMES = {"data_name": "lexical.data.npy", "indices_name": "lexical.indices.npy", "indptr_name": "lexical.indptr.npy",
          "vocab_name": "lexical.vocab.json", "params_name": "lexical.params.json"}
LEXICAL_FILES = frozenset(_NAMES.values())
_METHOD, _IDF_METHOD, _DTYPE = "atire", "lucene", "float64"


def _bm25s():
    """The bm25s module, imported on first use (it pulls scipy); its logger, which the library sets to DEBUG,
    kept to warnings."""
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def order_hash(ids: list[str]) -> str:
    """A fingerprint of the documents' order: a saved index is only used for the passages it was built over."""
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


class BM25:
    """Okapi BM25 over pre-analysed documents, on the bm25s engine. `top` and `scores` read documents by
    position in the list the index was built from."""

    def __init__(self, docs: list[list[str]] | None = None, k1: float = 1.2, b: float = 0.75, *, _engine=None):
        bm25s = _bm25s()

        self.k1, self.b = k1, b
        if _engine is not None:
            self._engine = _engine
        else:
            docs = docs or []
            vocab: dict[str, int] = {}
            ids = [[vocab.setdefault(t, len(vocab)) for t in d] for d in docs]
            self._engine = bm25s.BM25(k1=k1, b=b, method=_METHOD, idf_method=_IDF_METHOD, dtype=_DTYPE)
            if docs and vocab:
                self._engine.index((ids, vocab), create_empty_token=False, show_progress=False)
            else:  # nothing to index: every query finds nothing
                self._engine.scores = {"data": np.zeros(0), "indices": np.zeros(0, "int32"),
                                       "indptr": np.zeros(1, "int64"), "num_docs": len(docs)}
                self._engine.vocab_dict = {}
                self._engine.nonoccurrence_array = None
        self._vocab: dict[str, int] = self._engine.vocab_dict
        self.n = int(self._engine.scores["num_docs"])

    # -- persistence ------------------------------------------------------------------------
    def save(self, folder: Path) -> list[str]:
        """Write the index into `folder` (the files of LEXICAL_FILES); returns their names."""
        self._engine.save(str(folder), show_progress=False, **_NAMES)
        return sorted(LEXICAL_FILES)

    @classmethod
    def load(cls, folder: Path, n_docs: int) -> "BM25":
        """The index saved in `folder` for `n_docs` documents. Raises ValueError when its files are missing,
        damaged, of other parameters or of another size (never unpickles anything)."""
        bm25s = _bm25s()

        folder = Path(folder)
        params = json.loads((folder / _NAMES["params_name"]).read_text())
        expected = {"method": _METHOD, "idf_method": _IDF_METHOD, "dtype": _DTYPE, "num_docs": n_docs}
        if not isinstance(params, dict) or any(params.get(k) != v for k, v in expected.items()):
            raise ValueError(f"{_NAMES['params_name']} does not describe this index")
        k1, b = params.get("k1"), params.get("b")
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (k1, b)):
            raise ValueError(f"{_NAMES['params_name']}: bad k1 or b")
        engine = bm25s.BM25.load(str(folder), load_corpus=False, mmap=False, allow_pickle=False,
                                 override_params={"backend": "numpy", "int_dtype": "int32"}, **_NAMES)
        s, vocab = engine.scores, engine.vocab_dict
        data, indices, indptr = s["data"], s["indices"], s["indptr"]
        ok = (isinstance(vocab, dict) and all(isinstance(t, str) and isinstance(i, int) for t, i in vocab.items())
              and data.ndim == indices.ndim == indptr.ndim == 1 and data.dtype == np.float64
              and np.issubdtype(indices.dtype, np.integer) and np.issubdtype(indptr.dtype, np.integer)
              and len(indptr) == len(vocab) + 1 and len(data) == len(indices) == int(indptr[-1])
              and (not len(vocab) or sorted(vocab.values()) == list(range(len(vocab))))
              and bool(np.all(np.diff(indptr) >= 0)) and int(indptr[0]) == 0
              and (not len(indices) or 0 <= int(indices.min()) and int(indices.max()) < n_docs))
        if not ok:
            raise ValueError("the saved lexical index is inconsistent")
        return cls(k1=float(k1), b=float(b), _engine=engine)

    def share(self, term: str) -> float:
        """The fraction of the documents that hold `term` (an analysed term): 0.0 for a term none holds."""
        i = self._vocab.get(term)
        if i is None or not self.n:
            return 0.0
        indptr = self._engine.scores["indptr"]
        return float(indptr[i + 1] - indptr[i]) / self.n

    # -- search -----------------------------------------------------------------------------
    def _ids(self, query_terms: list[str]) -> list[int]:
        # Each distinct term counts once, as a query is a set of terms (bm25s would add a repeated one twice).
        return sorted({self._vocab[t] for t in query_terms if t in self._vocab})

    def _score_array(self, ids: list[int]) -> np.ndarray:
        return self._engine.get_scores_from_ids(ids)

    def scores(self, query_terms: list[str]) -> dict[int, float]:
        """Position -> score, for the documents holding at least one of the terms."""
        ids = self._ids(query_terms)
        if not ids:
            return {}
        arr = self._score_array(ids)
        hit = np.flatnonzero(arr > 0)
        return dict(zip(hit.tolist(), arr[hit].tolist()))

    def top(self, query_terms: list[str], k: int) -> list[tuple[int, float]]:
        """The `k` best documents for the query, as (position, score), best first (ties by position)."""
        ids = self._ids(query_terms)
        if not ids or k <= 0:
            return []
        arr = self._score_array(ids)
        if k < len(arr):
            cut = arr[np.argpartition(-arr, k - 1)[:k]].min()
            # Every document tied with the k-th is a candidate, so that ties break by position.
            cand = np.flatnonzero(arr >= cut) if cut > 0 else np.flatnonzero(arr > 0)
        else:
            cand = np.flatnonzero(arr > 0)
        order = np.lexsort((cand, -arr[cand]))[:k]
        return [(int(i), float(arr[i])) for i in cand[order]]
