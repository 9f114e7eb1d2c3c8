import json

import numpy as np
import pytest

from rag.components import Components
from rag.errors import IndexStoreError
from rag.index.search import retrieve, rrf

from conftest import ARTICLE


@pytest.fixture
def components(settings, fake_embed):
    return Components(settings, embed=fake_embed)


def test_build_load_and_manifest(components, settings):
    index, stats = components.build([ARTICLE])
    m = json.loads((settings.index_dir / "manifest.json").read_text())
    assert m["embed_model"] == "fake-embed" and m["dimension"] == 512
    assert m["sources"][0]["sha256"] == "c8467371533c9271aaee1438fd01c5a4e466be1fcec4fa56380c7b4ae1d2f512"
    assert stats["embedded"] == stats["passages"] == len(index.passages) == m["passages"]
    reloaded = components.open_index()
    assert [p.id for p in reloaded.passages] == [p.id for p in index.passages]


def test_unchanged_sources_are_not_embedded_again(components, tmp_path, fake_embed):
    other = tmp_path / "other.md"
    other.write_text("# Note\n\nLe budget numérique de la commune est de 12 000 euros.\n")
    components.build([ARTICLE])
    before = fake_embed.calls
    _, stats = components.build([ARTICLE, other])
    assert stats["reused"] > 0 and stats["embedded"] == 1
    assert fake_embed.calls - before == 1
    _, stats = components.build([ARTICLE, other], rebuild=True)
    assert stats["reused"] == 0


def test_index_of_another_model_is_refused(components, settings, fake_embed):
    components.build([ARTICLE])
    other = Components(settings.replace(embed_model="other-model"), embed=fake_embed)
    with pytest.raises(IndexStoreError, match="rag index --rebuild"):
        other.open_index()


_DAMAGES = {
    "manifest": lambda d: (d / "manifest.json").write_text("{not json"),
    "vectors": lambda d: (d / "default__vector_store.json").write_bytes(b"garbage"),
    "missing": lambda d: (d / "docstore.json").unlink(),
    # The sentence store (rag/index/sentences.py): its keys, its matrix, a row short.
    "sentence keys": lambda d: (d / "sentences.json").write_text("{not json"),
    "sentence matrix": lambda d: (d / "sentences.npy").write_bytes(b"garbage"),
    "sentence rows": lambda d: np.save(d / "sentences.npy", np.load(d / "sentences.npy")[:-1]),
}


@pytest.mark.parametrize("damage", list(_DAMAGES))
def test_damaged_index_is_refused(components, settings, damage):
    components.build([ARTICLE])
    d = settings.index_dir
    _DAMAGES[damage](d)
    before = sorted((f.name, f.stat().st_size) for f in d.iterdir())
    with pytest.raises(IndexStoreError, match="rag index --rebuild"):
        components.open_index()
    assert sorted((f.name, f.stat().st_size) for f in d.iterdir()) == before  # refused, nothing touched


def test_failed_build_leaves_the_live_index_intact(components, settings, fake_embed, monkeypatch):
    index, _ = components.build([ARTICLE])
    before = (settings.index_dir / "manifest.json").read_text()

    def boom(texts):
        raise RuntimeError("disk full")
    monkeypatch.setattr(type(fake_embed), "get_text_embedding_batch", lambda self, texts, **k: boom(texts))
    bad = ARTICLE.parent / "article.txt"
    with pytest.raises(RuntimeError):
        components.build([bad], rebuild=True)
    assert (settings.index_dir / "manifest.json").read_text() == before
    assert not [p for p in settings.index_dir.parent.iterdir() if p.name.startswith(".index-")]


def test_a_folder_that_is_not_an_index_is_never_overwritten(settings, fake_embed):
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / "precious.txt").write_text("keep me")
    with pytest.raises(IndexStoreError, match="not an index"):
        Components(settings, embed=fake_embed).build([ARTICLE])
    assert (settings.index_dir / "precious.txt").read_text() == "keep me"


def test_hybrid_retrieval_finds_the_passage(components):
    index, _ = components.build([ARTICLE])
    q = "Qui est le directeur général de l'Anssi ?"
    assert "Strubel" in retrieve(index, q, k=3, mode="bm25")[0].passage.text
    assert any("Strubel" in h.passage.text for h in retrieve(index, q, k=3))
    hits = retrieve(index, "data center public Pays de la Loire", k=3)
    assert "Pays de la Loire" in hits[0].passage.text
    assert len(retrieve(index, q, k=10)) == 10


def test_rrf():
    fused = rrf([[1, 2, 3], [3, 1]], k=60)
    assert max(fused, key=fused.get) == 1
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)


def test_reusable_index_is_none_when_absent_or_of_another_model(components, settings, fake_embed, tmp_path):
    from rag.index.store import reusable_index

    assert reusable_index(tmp_path / "nothing", fake_embed, components.embed_info()) is None
    index, _ = components.build([ARTICLE])
    same = reusable_index(settings.index_dir, fake_embed, components.embed_info())
    assert [p.id for p in same.passages] == [p.id for p in index.passages]
    assert reusable_index(settings.index_dir, fake_embed, {"name": "other", "hash": "x"}) is None


def test_first_use_builds_the_default_corpus_and_use_index_swaps_it(settings, fake_embed, tmp_path):
    c = Components(settings, embed=fake_embed)
    assert c.loaded_index is None and not settings.index_dir.exists()
    index = c.index  # no index yet: the bundled article is indexed on first use
    assert list(index.sources) == ["article.txt"] and (settings.index_dir / "manifest.json").exists()
    other = Components(settings.replace(index_dir=tmp_path / "other"), embed=fake_embed)
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nLe budget numérique de la commune est de 12 000 euros.\n")
    mine, _ = other.build([note])
    c.use_index(mine)
    assert c.index is mine and c.loaded_index is mine
