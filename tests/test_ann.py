"""The vector index type: exact for small collections, HNSW (or IVF) for large ones, chosen by size or set;
approximate search keeps its recall; adding sources appends to the vector index instead of rebuilding it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.components import Components
from rag.config import settings_from_env
from rag.errors import InputError, RagError
from rag.index import store
from rag.index.search import dense_search, retrieve

from conftest import ARTICLE


def test_auto_is_exact_for_small_collections_and_hnsw_for_large_ones():
    assert store.choose_vector_index("auto", 10) == "flat"
    assert store.choose_vector_index("auto", store.AUTO_ANN_AT - 1) == "flat"
    assert store.choose_vector_index("auto", store.AUTO_ANN_AT) == "hnsw"
    assert store.choose_vector_index("auto", 5_000_000) == "hnsw"
    for kind in ("flat", "hnsw", "ivf"):
        assert store.choose_vector_index(kind, 10) == store.choose_vector_index(kind, 10**7) == kind
    with pytest.raises(RagError, match="auto, flat, hnsw, ivf"):
        store.choose_vector_index("annoy", 10)


def test_the_setting_is_read_from_rag_vector_index():
    assert settings_from_env({}).vector_index == "auto"
    assert settings_from_env({"RAG_VECTOR_INDEX": "hnsw"}).vector_index == "hnsw"
    with pytest.raises(InputError, match="RAG_VECTOR_INDEX='annoy' is not one of auto, flat, hnsw, ivf"):
        settings_from_env({"RAG_VECTOR_INDEX": "annoy"})


def _clustered(n, queries, dim=64, centres=50, seed=0):
    """Unit vectors around `centres` directions (a spread like sentence embeddings of related passages), and
    queries drawn around the same directions (questions about the collection)."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, dim))
    x = c[rng.integers(0, centres, n + queries)] + 0.6 * rng.standard_normal((n + queries, dim))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype("float32")
    return x[:n], x[n:]


@pytest.mark.parametrize("kind,floor", [("hnsw", 0.95), ("ivf", 0.95)])
def test_approximate_search_keeps_its_recall(kind, floor):
    import faiss

    data, queries = _clustered(6000, 200)
    exact = faiss.IndexFlatIP(data.shape[1])
    exact.add(data)
    ann = store.new_faiss_index(kind, data.shape[1], data)
    ann.add(data)
    assert store.vector_index_kind(ann) == kind
    _, truth = exact.search(queries, 10)
    _, got = ann.search(queries, 10)
    recall = np.mean([len(set(t) & set(g)) / 10 for t, g in zip(truth, got)])
    assert recall >= floor, recall


@pytest.fixture
def components(settings, fake_embed):
    return Components(settings, embed=fake_embed)


@pytest.fixture
def note(tmp_path):
    f = tmp_path / "docs" / "note.md"
    f.parent.mkdir()
    f.write_text("# Note\n\nLe budget numérique de la commune est de 12 000 euros.\n\n"
                 "## Suite\n\nLa commune ouvre un guichet numérique pour les associations.\n")
    return f


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_an_index_of_each_type_is_built_saved_and_searched(settings, fake_embed, kind):
    c = Components(settings.replace(vector_index=kind), embed=fake_embed)
    index, stats = c.build([ARTICLE])
    assert stats["vector_index"] == kind and index.vector_kind == kind
    m = json.loads((settings.index_dir / "manifest.json").read_text())
    assert m["vector_index"]["type"] == kind
    loaded = c.open_index()
    assert loaded.vector_kind == kind
    if kind == "hnsw":
        assert loaded.vector_index.vector_store.client.hnsw.efSearch == store.hnsw_ef_search(len(loaded.passages))
    q = "Qui dirige l'Agence nationale de la sécurité des systèmes d'information ?"
    assert "Strubel" in retrieve(loaded, q, k=3)[0].passage.text
    # Every passage is reachable, and search by a passage's own vector finds it first.
    vector = fake_embed.get_text_embedding(loaded.passages[5].text)
    assert dense_search(loaded, "", 1, vector)[0][0] == 5


def test_auto_switches_to_hnsw_above_the_threshold(components, monkeypatch):
    monkeypatch.setattr(store, "AUTO_ANN_AT", 10)
    index, stats = components.build([ARTICLE])
    assert len(index.passages) >= 10 and stats["vector_index"] == "hnsw" and index.vector_kind == "hnsw"


def test_hnsw_searches_more_broadly_as_the_collection_grows(settings, fake_embed, note, monkeypatch):
    assert store.hnsw_ef_search(1000) <= store.hnsw_ef_search(10**6)
    c = Components(settings.replace(vector_index="hnsw"), embed=fake_embed)
    first, _ = c.build([ARTICLE])
    monkeypatch.setattr(store, "HNSW_EF_SEARCH", ((len(first.passages) + 1, 16), (None, 48)))
    index, stats = c.build([ARTICLE, note])  # appended: past the first limit now
    assert stats["appended"] and c.open_index().vector_index.vector_store.client.hnsw.efSearch == 48


def _faiss_vectors(index):
    fi = index.vector_index.vector_store.client
    return fi.reconstruct_n(0, fi.ntotal)


@pytest.mark.parametrize("kind", ["hnsw", "flat"])
def test_adding_sources_appends_to_the_vector_index(settings, fake_embed, note, monkeypatch, kind):
    import faiss

    c = Components(settings.replace(vector_index=kind), embed=fake_embed)
    first, _ = c.build([ARTICLE])
    n = len(first.passages)
    before = _faiss_vectors(first)
    levels = faiss.vector_to_array(first.vector_index.vector_store.client.hnsw.levels) if kind == "hnsw" else None
    # An append never makes a new FAISS index nor reads the previous vectors back to re-add them.
    monkeypatch.setattr(store, "new_faiss_index", lambda *a, **k: pytest.fail("the vector index was rebuilt"))
    monkeypatch.setattr(store, "_stored_vectors", lambda *a, **k: pytest.fail("the vectors were re-added"))
    index, stats = c.build([ARTICLE, note])
    assert stats["appended"] and stats["embedded"] == len(index.passages) - n > 0 and stats["reused"] == n
    fi = index.vector_index.vector_store.client
    assert fi.ntotal == len(index.passages) and store.vector_index_kind(fi) == kind
    after = _faiss_vectors(index)
    assert np.array_equal(after[:n], before)  # the previous vectors, in place
    if kind == "hnsw":  # the previous graph kept: its nodes keep their levels
        assert np.array_equal(faiss.vector_to_array(fi.hnsw.levels)[:n], levels)
    loaded = c.open_index()
    assert set(loaded.sources) == {"article.txt", "note.md"} and len(loaded.passages) == len(index.passages)
    assert "12 000 euros" in retrieve(loaded, "budget numérique de la commune", k=1)[0].passage.text
    for i in (0, len(loaded.passages) - 1):  # old and new passages found by their own vectors
        vector = fake_embed.get_text_embedding(loaded.passages[i].text)
        assert dense_search(loaded, "", 1, vector)[0][0] == i
    assert first.vector_index.vector_store.client.ntotal == n  # the previous index was copied, not changed


def test_a_changed_or_removed_source_rebuilds_the_vector_index(components, note, fake_embed):
    components.build([ARTICLE, note])
    note.write_text(note.read_text() + "\nUne phrase de plus sur la commune.\n")
    _, stats = components.build([ARTICLE, note])
    assert not stats["appended"] and stats["reused"] > 0  # unchanged passages still not embedded again
    _, stats = components.build([ARTICLE])
    assert not stats["appended"] and stats["embedded"] == 0


def test_a_change_of_type_rebuilds_the_vector_index(settings, fake_embed, note):
    Components(settings.replace(vector_index="flat"), embed=fake_embed).build([ARTICLE])
    index, stats = Components(settings.replace(vector_index="hnsw"), embed=fake_embed).build([ARTICLE, note])
    assert not stats["appended"] and index.vector_kind == "hnsw" and stats["embedded"] < stats["passages"]
