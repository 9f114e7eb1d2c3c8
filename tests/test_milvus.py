"""The Milvus store against a real Milvus API server (Milvus Lite's gRPC server, the protocol of a standalone
Milvus) started here, with the fake embedding: same retrieval as FAISS, incremental builds, clear errors."""

from __future__ import annotations

import socket
import time

import pytest
from click.testing import CliRunner

from rag.components import Components
from rag.errors import IndexStoreError
from rag.index.search import retrieve

from conftest import ARTICLE

pytestmark = pytest.mark.slow  # a Milvus server in a thread of this process, a gRPC client

pytest.importorskip("llama_index.vector_stores.milvus")
server_module = pytest.importorskip("milvus_lite.adapter.grpc.server")

QUESTIONS = ["Qui est le directeur général de l'Anssi ?", "data center public Pays de la Loire",
             "Quand la loi a-t-elle été présentée ?", "Quel est le rôle de l'agence nationale ?",
             "Combien de régions sont concernées ?"]


@pytest.fixture
def milvus(tmp_path):
    """The address of a Milvus server holding its data under tmp_path."""
    server, db, port = server_module.start_server_in_thread(str(tmp_path / "milvus-data"))
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=0)
        db.close()


@pytest.fixture
def milvus_settings(settings, milvus):
    return settings.replace(store=f"milvus://{milvus}/rag_test")


def _top(index, q, mode="hybrid", k=5):
    return [(h.passage.id, round(h.dense or 0, 4), round(h.lexical or 0, 4)) for h in retrieve(index, q, k=k, mode=mode)]


def test_same_top_passages_and_scores_as_faiss(milvus_settings, settings, fake_embed):
    ours, stats = Components(milvus_settings, embed=fake_embed).build([ARTICLE])
    assert stats["embedded"] == stats["passages"] == len(ours.passages) > 20
    faiss, _ = Components(settings.replace(index_dir=settings.index_dir.with_name("faiss")), embed=fake_embed).build([ARTICLE])
    assert [p.id for p in ours.passages] == [p.id for p in faiss.passages]
    for q in QUESTIONS:
        for mode in ("dense", "bm25", "hybrid"):
            assert _top(ours, q, mode) == _top(faiss, q, mode), (q, mode)
    assert "Strubel" in retrieve(ours, QUESTIONS[0], k=3)[0].passage.text


def test_reopened_index_reads_passages_from_the_collection(milvus_settings, fake_embed):
    built, _ = Components(milvus_settings, embed=fake_embed).build([ARTICLE])
    again = Components(milvus_settings, embed=fake_embed).open_index()
    assert [(p.id, p.text, p.start, p.end, p.heading) for p in again.passages] == \
           [(p.id, p.text, p.start, p.end, p.heading) for p in built.passages]
    assert again.manifest["store"]["collection"] == "rag_test" and set(again.sources) == {"article.txt"}
    assert _top(again, QUESTIONS[1]) == _top(built, QUESTIONS[1])


def test_incremental_add_change_and_rebuild(milvus_settings, settings, fake_embed, tmp_path):
    c = Components(milvus_settings, embed=fake_embed)
    first, _ = c.build([ARTICLE])
    first_top = _top(first, QUESTIONS[0])  # (its version is dropped two builds later)
    other = tmp_path / "other.md"
    other.write_text("# Note\n\nLe budget numérique de la commune est de 12 000 euros.\n")
    before = fake_embed.calls
    index, stats = c.build([ARTICLE, other])
    assert stats["embedded"] == 1 and stats["reused"] == len(first.passages)
    assert fake_embed.calls - before == 1
    assert retrieve(index, "budget numérique de la commune", k=1)[0].passage.source == "other.md"
    # BM25 statistics over the whole collection, not per insertion: the same rankings as FAISS over both sources.
    faiss, _ = Components(settings.replace(index_dir=settings.index_dir.with_name("faiss")),
                          embed=fake_embed).build([ARTICLE, other])
    for q in QUESTIONS + ["budget numérique de la commune"]:
        assert _top(index, q) == _top(faiss, q), q
    # A changed source: its old passages leave the collection, the new one is embedded.
    other.write_text("# Note\n\nLe budget numérique de la ville est de 15 000 euros.\n")
    index, stats = c.build([ARTICLE, other])
    assert stats["embedded"] == 1
    reopened = Components(milvus_settings, embed=fake_embed).open_index()
    assert len(reopened.passages) == len(first.passages) + 1
    assert "15 000" in retrieve(reopened, "budget numérique de la ville", k=1)[0].passage.text
    # A removed source: gone from the collection too.
    index, stats = c.build([other])
    assert stats["embedded"] == 0 and len(Components(milvus_settings, embed=fake_embed).open_index().passages) == 1
    index, stats = c.build([ARTICLE], rebuild=True)
    assert stats["reused"] == 0 and stats["embedded"] == len(first.passages)
    assert _top(Components(milvus_settings, embed=fake_embed).open_index(), QUESTIONS[0]) == first_top


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_a_clear_error(settings, fake_embed):
    s = settings.replace(store=f"milvus://127.0.0.1:{_free_port()}/rag_test")
    t = time.monotonic()
    with pytest.raises(IndexStoreError, match="cannot use the Milvus collection rag_test at http://127.0.0.1.*RAG_STORE"):
        Components(s, embed=fake_embed).build([ARTICLE])
    assert time.monotonic() - t < 30
    assert not settings.index_dir.exists()  # nothing written locally


def test_unreachable_server_from_the_cli_has_no_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_STORE", f"milvus://127.0.0.1:{_free_port()}/rag_test")
    r = CliRunner().invoke(main_cli(), ["--home", str(tmp_path), "--index-dir", str(tmp_path / "i"), "--embed-model",
                                        str(tmp_path), "index"])
    assert r.exit_code == 1 and "cannot use the Milvus" in r.output and "Traceback" not in r.output, r.output


def main_cli():
    from rag.cli import main

    return main


def test_two_index_folders_on_one_collection_name_do_not_clobber_each_other(milvus_settings, fake_embed, tmp_path):
    from llama_index.core.embeddings import BaseEmbedding

    class Small(BaseEmbedding):  # 8 dimensions: another model, another index folder, the same RAG_STORE
        model_path: str = "small"

        def _get_query_embedding(self, q):
            return [1.0] + [0.0] * 7

        async def _aget_query_embedding(self, q):
            return self._get_query_embedding(q)

        def _get_text_embedding(self, t):
            return [1.0] + [0.0] * 7

    first, _ = Components(milvus_settings, embed=fake_embed).build([ARTICLE])
    other = milvus_settings.replace(index_dir=tmp_path / "other-index", embed_model="small")
    Components(other, embed=Small(model_name="small")).build([ARTICLE])
    again = Components(milvus_settings, embed=fake_embed).open_index()  # each reads its own version
    assert _top(again, QUESTIONS[0]) == _top(first, QUESTIONS[0])


def test_a_build_never_changes_the_version_in_use_and_keeps_one_before_it(milvus_settings, milvus, fake_embed,
                                                                          tmp_path):
    """Each build writes a new version and swaps the manifest: a server holding the previous index keeps answering
    from it, whole, while and after the build; two builds later that version is dropped."""
    from pymilvus import MilvusClient

    client = MilvusClient(uri=f"http://{milvus}")
    serving, _ = Components(milvus_settings, embed=fake_embed).build([ARTICLE])
    v1 = serving.manifest["milvus_collection"]
    assert v1.startswith("rag_test__") and client.describe_alias("rag_test")["collection_name"] == v1
    other = tmp_path / "other.md"
    other.write_text("# Note\n\nLe budget numérique de la commune est de 12 000 euros.\n")
    newer, _ = Components(milvus_settings, embed=fake_embed).build([ARTICLE, other])
    v2 = newer.manifest["milvus_collection"]
    assert v2 != v1 and client.describe_alias("rag_test")["collection_name"] == v2
    assert "Strubel" in retrieve(serving, QUESTIONS[0], k=3)[0].passage.text  # the old version still answers
    assert len(serving.passages) + 1 == len(newer.passages)
    Components(milvus_settings, embed=fake_embed).build([other])
    assert not client.has_collection(v1) and client.has_collection(v2)  # one version kept behind the one in use


def test_an_interrupted_build_leaves_the_version_in_use(milvus_settings, milvus, fake_embed, monkeypatch):
    from pymilvus import MilvusClient

    import rag.index.milvus as milvus_store

    client = MilvusClient(uri=f"http://{milvus}")
    serving, _ = Components(milvus_settings, embed=fake_embed).build([ARTICLE])
    before = set(client.list_collections())

    def broken(*args):  # the new version's collection exists by then: it must not be left behind
        raise RuntimeError("the server went away")

    monkeypatch.setattr(milvus_store, "_nodes_from", broken)
    with pytest.raises(IndexStoreError, match="the server went away. The index in use was not changed"):
        Components(milvus_settings, embed=fake_embed).build([ARTICLE], rebuild=True)
    assert set(client.list_collections()) == before  # the half-written version is gone
    again = Components(milvus_settings, embed=fake_embed).open_index()
    assert again.manifest["milvus_collection"] == serving.manifest["milvus_collection"]
    assert _top(again, QUESTIONS[0]) == _top(serving, QUESTIONS[0])


def test_a_collection_we_did_not_write_is_never_dropped(milvus_settings, milvus, fake_embed):
    from pymilvus import MilvusClient

    client = MilvusClient(uri=f"http://{milvus}")
    client.create_collection("rag_test", dimension=4)
    client.insert("rag_test", [{"id": 1, "vector": [0.1, 0.2, 0.3, 0.4]}])
    with pytest.raises(IndexStoreError, match="not written by `rag index`"):
        Components(milvus_settings, embed=fake_embed).build([ARTICLE])
    assert client.has_collection("rag_test") and client.query("rag_test", filter="id >= 0")[0]["id"] == 1


def test_index_of_the_other_store_is_refused(milvus_settings, settings, fake_embed):
    Components(settings, embed=fake_embed).build([ARTICLE])  # FAISS in index_dir
    with pytest.raises(IndexStoreError, match="FAISS on local disk.*RAG_STORE"):
        Components(milvus_settings, embed=fake_embed).open_index()
    Components(milvus_settings, embed=fake_embed).build([ARTICLE], rebuild=True)
    with pytest.raises(IndexStoreError, match="Milvus collection rag_test.*set RAG_STORE"):
        Components(settings, embed=fake_embed).open_index()


def test_milvus_lite_file_uri(settings, fake_embed, tmp_path):
    s = settings.replace(store=f"milvus-lite:{tmp_path}/lite.db/docs")
    index, _ = Components(s, embed=fake_embed).build([ARTICLE])
    assert (tmp_path / "lite.db").exists()
    assert "Strubel" in retrieve(index, QUESTIONS[0], k=3, mode="bm25")[0].passage.text
