"""The lexical index on bm25s: the same scores as the hand-written Okapi BM25 it replaced, saved with the index
and loaded (not rebuilt), an index written before it was saved still loads, a damaged one names the repair."""

from __future__ import annotations

import dataclasses
import json
import math
import random
from collections import Counter

import pytest

from rag.components import Components
from rag.errors import IndexStoreError
from rag.index import store
from rag.index.lexical import ANALYSER, BM25, LEXICAL_FILES, analyse
from rag.index.search import retrieve

from conftest import ARTICLE


class OldBM25:
    """A copy of the hand-written BM25 that rag.index.lexical held before bm25s (Okapi, k1=1.2, b=0.75,
    idf log(1 + (N - n + .5) / (n + .5)), each distinct query term counted once)."""

    def __init__(self, docs, k1=1.2, b=0.75):
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = [len(d) for d in docs]
        self.avgdl = (sum(self.lengths) / self.n) if self.n else 0.0
        self.postings = {}
        for i, d in enumerate(docs):
            for term, tf in Counter(d).items():
                self.postings.setdefault(term, []).append((i, tf))
        self.idf = {t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, query_terms):
        out = {}
        for term in set(query_terms):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, tf in self.postings[term]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avgdl or 1))
                out[i] = out.get(i, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return out

    def top(self, query_terms, k):
        return sorted(self.scores(query_terms).items(), key=lambda x: (-x[1], x[0]))[:k]


def _article_passages():
    text = ARTICLE.read_text()
    return [p.strip() for p in text.split("\n") if p.strip()]


def _random_corpus(seed=0, n=400):
    rng = random.Random(seed)
    vocab = [f"t{i}" for i in range(250)]
    docs = [[rng.choice(vocab[: rng.randint(3, 250)]) for _ in range(rng.randint(0, 50))] for _ in range(n)]
    queries = [[rng.choice(vocab) for _ in range(rng.randint(1, 7))] for _ in range(150)]
    return docs, queries


@pytest.mark.parametrize("corpus", ["article", "random"])
def test_scores_equal_the_old_okapi_formula(corpus):
    if corpus == "article":
        docs = [analyse(p) for p in _article_passages()]
        queries = [analyse(q) for q in ["Qui dirige l'Anssi ?", "souveraineté numérique des régions",
                                        "data center public Pays de la Loire", "la la la le", "cloud cloud cloud"]]
        queries += [d[:5] for d in docs if d]
    else:
        docs, queries = _random_corpus()
    old, new = OldBM25(docs), BM25(docs)
    assert new.n == old.n == len(docs)
    compared = 0
    for q in queries:
        a, b = old.scores(q), new.scores(q)
        assert a.keys() == b.keys()
        for i in a:
            assert abs(a[i] - b[i]) < 1e-6
            compared += 1
        assert [i for i, _ in new.top(q, 10)] == [i for i, _ in old.top(q, 10)]
        assert all(abs(s - dict(old.top(q, 10))[i]) < 1e-6 for i, s in new.top(q, 10))
    assert compared > 100  # the comparison was not empty


def test_top_keeps_its_contract():
    docs, _ = _random_corpus(1, 50)
    bm = BM25(docs)
    assert bm.top(["nowhere"], 5) == [] and bm.top([], 5) == [] and bm.top(docs[3][:2], 0) == []
    hits = bm.top(docs[3][:3], 1000)
    assert all(s > 0 for _, s in hits) and [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert bm.top(["t1", "t1", "t1"], 10) == bm.top(["t1"], 10)  # a repeated term counts once, as before
    assert BM25([]).top(["x"], 3) == [] and BM25([[], []]).top(["x"], 3) == []


def test_save_and_load_round_trip(tmp_path):
    docs, queries = _random_corpus(2)
    bm = BM25(docs)
    assert set(bm.save(tmp_path)) == LEXICAL_FILES == {p.name for p in tmp_path.iterdir()}
    back = BM25.load(tmp_path, len(docs))
    for q in queries:
        assert back.top(q, 20) == bm.top(q, 20)
    with pytest.raises(ValueError):
        BM25.load(tmp_path, len(docs) + 1)  # saved for another number of documents
    (tmp_path / "lexical.indptr.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(Exception):
        BM25.load(tmp_path, len(docs))


@pytest.mark.parametrize("docs", [[], [[], []], [["a"], []]])
def test_degenerate_collections_save_and_load(tmp_path, docs):
    BM25(docs).save(tmp_path)
    back = BM25.load(tmp_path, len(docs))
    assert back.n == len(docs)
    got, expected = back.top(["a"], 3), OldBM25(docs).top(["a"], 3)
    assert [i for i, _ in got] == [i for i, _ in expected]
    assert all(abs(a[1] - b[1]) < 1e-6 for a, b in zip(got, expected))


# -- with the index ----------------------------------------------------------------------------
@pytest.fixture
def components(settings, fake_embed):
    return Components(settings, embed=fake_embed)


def test_the_lexical_index_is_saved_with_the_index_and_loaded_not_rebuilt(components, settings, monkeypatch):
    index, _ = components.build([ARTICLE])
    d = settings.index_dir
    m = json.loads((d / "manifest.json").read_text())
    assert LEXICAL_FILES <= set(m["files"]) and LEXICAL_FILES <= {p.name for p in d.iterdir()}
    assert m["lexical"]["engine"] == "bm25s" and m["lexical"]["analyser"] == ANALYSER
    assert m["lexical"]["documents"] == len(index.passages)
    q = analyse("Qui dirige l'Agence nationale de la sécurité des systèmes d'information ?")
    expected = index.bm25.top(q, 10)
    # Loading does not analyse the passages again: the saved index is read.
    monkeypatch.setattr(store, "analyse", lambda text: pytest.fail("the lexical index was rebuilt at load"))
    loaded = components.open_index()
    assert loaded.bm25.top(q, 10) == expected
    assert "Strubel" in retrieve(loaded, "Qui dirige l'Anssi ?", k=3, mode="bm25")[0].passage.text
    # How common a word is in the corpus, read from the saved index (the off-topic rule asks it; session 41).
    [ia], [strubel] = analyse("IA"), analyse("Strubel")
    assert len(loaded.passages) >= 20 and loaded.share(ia) > 0.3 > loaded.share(strubel) > 0
    small = dataclasses.replace(loaded, passages=loaded.passages[:5])
    assert small.share(ia) is None  # too few passages to tell a common word from a rare one


def _make_old(d):
    """Turn the index at `d` into one written before the lexical index was saved with it."""
    m = json.loads((d / "manifest.json").read_text())
    del m["lexical"]
    m["files"] = [f for f in m["files"] if f not in LEXICAL_FILES]
    (d / "manifest.json").write_text(json.dumps(m))
    for f in LEXICAL_FILES:
        (d / f).unlink()


def test_an_index_without_a_saved_lexical_index_still_loads(components, settings, fake_embed):
    index, _ = components.build([ARTICLE])
    q = analyse("souveraineté numérique des régions")
    expected = index.bm25.top(q, 10)
    _make_old(settings.index_dir)
    old = components.open_index()
    assert old.bm25.top(q, 10) == expected  # built in memory, the same
    # `rag index` over it reuses every vector and saves the lexical index this time.
    _, stats = components.build([ARTICLE])
    assert stats["embedded"] == 0
    assert LEXICAL_FILES <= {p.name for p in settings.index_dir.iterdir()}
    assert components.open_index().bm25.top(q, 10) == expected


@pytest.mark.parametrize("how", ["missing", "garbled", "other-size", "params"])
def test_a_damaged_lexical_index_names_the_repair(components, settings, how):
    components.build([ARTICLE])
    d = settings.index_dir
    if how == "missing":
        (d / "lexical.data.npy").unlink()
    elif how == "garbled":
        (d / "lexical.vocab.json").write_text("{\"a\": ")
    elif how == "other-size":
        params = json.loads((d / "lexical.params.json").read_text())
        params["num_docs"] += 3
        (d / "lexical.params.json").write_text(json.dumps(params))
    else:
        params = json.loads((d / "lexical.params.json").read_text())
        params["backend"] = "numba"
        params["method"] = "robertson"
        (d / "lexical.params.json").write_text(json.dumps(params))
    with pytest.raises(IndexStoreError, match="rag index --rebuild"):
        components.open_index()
    components.build([ARTICLE], rebuild=True)
    assert components.open_index().bm25.n == json.loads((d / "manifest.json").read_text())["passages"]
