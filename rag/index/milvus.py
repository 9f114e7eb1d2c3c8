"""The Milvus store: passages, their vectors and their BM25 terms in a Milvus collection, chosen by one setting.

    RAG_STORE=milvus://HOST:PORT/COLLECTION       a Milvus server (standalone or cluster, gRPC port, no auth)
    RAG_STORE=milvus-lite:PATH.db/COLLECTION      Milvus Lite in this process, its data in the folder PATH.db
                                                   (milvus-lite:///srv/rag.db/docs for an absolute path)

Dense search goes through llama-index's `MilvusVectorStore` (exact FLAT index, inner product, as the default FAISS
flat index). The lexical half is Milvus's own full-text search: a BM25 function turns a text field into a sparse
vector server-side. That field holds our French analysis of the passage (`lexical.analyse`: stems, accents folded,
stop words gone) as space-separated tokens, which Milvus's "standard" tokenizer splits back unchanged, and BM25 runs
with our k1 and b: the BM25 ranking is the one of the default store, and the two rankings are fused by the same RRF
(`search.retrieve`).

The manifest and the original sources stay in the local index folder (`--index-dir`), written atomically as for
FAISS. Each build writes a new collection, COLLECTION__<version> (passages of unchanged sources keep the vectors
stored in the previous one: only new text is embedded), then swaps the manifest, which names it, by rename: a
server answering meanwhile keeps reading the previous version, whole, and picks up the new one at its next question;
an interrupted build leaves the previous version in use. The version before the previous one is dropped, and
COLLECTION becomes an alias of the newest version, for other Milvus tools. A collection whose schema is not ours is
never touched.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import IndexStoreError, InputError, RagError
from ..types import Passage, Source
from .lexical import ANALYSER, analyse, order_hash
from .sentences import embed_sentences, load_sentences, save_sentences
from .store import (SOURCES, Index, _begin_build, _corrupted, _lexical_text, _live_path, _manifest_head, _mark,
                    _nodes_from, _ordered, check_embed_model, read_manifest, recover_interrupted,
                    write_and_swap)

__all__ = ["MilvusTarget", "parse_store", "build_milvus_index", "load_milvus_index", "MilvusBM25"]

log = logging.getLogger(__name__)

K1, B = 1.2, 0.75  # as lexical.BM25: the same scores, so Settings.min_bm25 keeps its meaning
LEXICAL_FIELD, SPARSE_FIELD = "lexical", "sparse"
# The fields of a collection this program wrote (llama-index adds id, doc_id, text and embedding).
_FIELDS = {"id", "doc_id", "text", "embedding", LEXICAL_FIELD, SPARSE_FIELD, "source", "start", "end", "heading"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")  # Milvus's rule for collection names
_SYNTAX = ("milvus://HOST:PORT/COLLECTION for a Milvus server, milvus-lite:PATH.db/COLLECTION for Milvus Lite, "
           "or empty for the FAISS index on local disk")
_REBUILD = "run `rag index --rebuild`"


@dataclass(frozen=True)
class MilvusTarget:
    uri: str  # what pymilvus connects to: http://HOST:PORT, or the .db path of Milvus Lite
    collection: str

    def __str__(self) -> str:
        return f"collection {self.collection} at {self.uri}"

    def as_manifest(self) -> dict:
        return {"kind": "milvus", "uri": self.uri, "collection": self.collection}


def parse_store(setting: str | None) -> MilvusTarget | None:
    """The Milvus collection RAG_STORE names; None for the default FAISS store. Raises InputError on bad syntax."""
    setting = (setting or "").strip()
    if not setting:
        return None
    if setting.startswith("milvus://"):
        rest = setting[len("milvus://"):]
        host, _, collection = rest.partition("/")
        if not re.fullmatch(r"[A-Za-z0-9.\-]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5}", host):
            raise InputError(f"RAG_STORE={setting!r}: expected {_SYNTAX} (the port is required, e.g. 19530)")
        uri = f"http://{host}"
    elif setting.startswith("milvus-lite:"):
        rest = setting[len("milvus-lite:"):]
        rest = rest[2:] if rest.startswith("//") else rest  # milvus-lite:///abs/path.db/c is /abs/path.db/c
        db, _, collection = rest.rpartition("/")
        if not db.endswith(".db"):
            raise InputError(f"RAG_STORE={setting!r}: expected {_SYNTAX} (Milvus Lite wants a path ending in .db)")
        uri = str(Path(db).expanduser().absolute())
    else:
        raise InputError(f"RAG_STORE={setting!r}: expected {_SYNTAX}")
    if not _NAME.match(collection):
        raise InputError(f"RAG_STORE={setting!r}: the collection name {collection!r} must be letters, digits and "
                         "underscores, not starting with a digit")
    return MilvusTarget(uri, collection)


# -- the connection --------------------------------------------------------------------------
def _unreachable(target: MilvusTarget, e: Exception) -> IndexStoreError:
    return IndexStoreError(f"cannot use the Milvus {target}: {_reason(e)}. Start the Milvus server (or check the "
                           "address in RAG_STORE), or leave RAG_STORE empty for the FAISS index on local disk.")


def _reason(e: Exception) -> str:
    return str(getattr(e, "message", "") or e).strip().splitlines()[0][:300] or type(e).__name__


def _client(target: MilvusTarget):
    from pymilvus import MilvusClient

    if not target.uri.startswith("http"):
        # Milvus Lite serves in this process and lacks AllocTimestamp, which pymilvus's query iterator asks for
        # before falling back on the client's clock: its error and pymilvus's warning are noise here.
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        logging.getLogger("pymilvus.orm.iterator").setLevel(logging.ERROR)
    try:
        # A short timeout: an unreachable server is reported in seconds, not after pymilvus's minute of retries.
        return MilvusClient(uri=target.uri, timeout=10)
    except Exception as e:  # noqa: BLE001 - pymilvus raises MilvusException, grpc errors, OSError…
        raise _unreachable(target, e) from e


def _version_name(collection: str) -> str:
    """A new physical collection for one build of `collection` (time-ordered; Milvus names: ≤ 255 characters)."""
    return f"{collection[:230]}__{time.time_ns():x}"


def _physical(manifest: dict, target: MilvusTarget) -> MilvusTarget:
    """The collection an index's passages are in: its version named in the manifest (indexes of earlier releases
    wrote into the collection itself)."""
    return MilvusTarget(target.uri, manifest.get("milvus_collection") or target.collection)


def _is_alias(client, name: str) -> bool:
    # (has_collection first: pymilvus logs a traceback when asked to describe a collection that does not exist)
    return client.has_collection(name) and client.describe_collection(name).get("collection_name", name) != name


def _drop_quietly(client, target: MilvusTarget, why: str) -> None:
    """Drop a version this program wrote; a failure only leaves it behind (logged)."""
    try:
        # (an alias is no version; _dimension is None when there is no such collection and raises when not ours)
        if not _is_alias(client, target.collection) and _dimension(client, target) is not None:
            client.drop_collection(target.collection)
    except Exception as e:  # noqa: BLE001
        log.warning("could not drop the Milvus %s (%s): %s", target, why, _reason(e))


def _dimension(client, target: MilvusTarget) -> int | None:
    """The dimension of the collection's vectors; None when it does not exist. Refuses a collection that this
    program did not write (it is never changed)."""
    if not client.has_collection(target.collection):
        return None
    info = client.describe_collection(target.collection)
    fields = {f["name"]: f for f in info.get("fields", [])}
    functions = [f for f in info.get("functions", []) if f.get("output_field_names") == [SPARSE_FIELD]]
    if not _FIELDS <= fields.keys() or not functions:
        raise IndexStoreError(f"the Milvus {target} was not written by `rag index` (its fields are "
                              f"{', '.join(sorted(fields))}): nothing was changed. Choose another collection name "
                              "in RAG_STORE.")
    return int(fields["embedding"].get("params", {}).get("dim", 0))


def _vector_store(target: MilvusTarget, dim: int):
    """llama-index's MilvusVectorStore over the collection (created with our schema when absent); its search
    errors become IndexStoreErrors (a server that went away while serving)."""
    from llama_index.vector_stores.milvus import MilvusVectorStore
    from llama_index.vector_stores.milvus.utils import BM25BuiltInFunction
    from pymilvus import DataType

    class Store(MilvusVectorStore):
        def query(self, query, **kwargs):
            try:
                return super().query(query, **kwargs)
            except RagError:
                raise
            except Exception as e:  # noqa: BLE001
                raise _unreachable(target, e) from e

    return Store(
        uri=target.uri, collection_name=target.collection, dim=dim, similarity_metric="IP",
        index_config={"index_type": "FLAT"},  # exact, as FAISS flat
        enable_sparse=True, sparse_embedding_field=SPARSE_FIELD,
        # Our analysis happens before Milvus: its standard tokenizer only splits the tokens back on spaces.
        sparse_embedding_function=BM25BuiltInFunction(LEXICAL_FIELD, SPARSE_FIELD, function_name="bm25",
                                                      analyzer_params={"tokenizer": "standard"}),
        # k1 and b twice: pymilvus sends index parameters flat, which a Milvus server reads; Milvus Lite 3.2 reads
        # only a nested "params" (and otherwise scores with k1 = 1.5), which a server also accepts.
        sparse_index_config={"index_type": "SPARSE_INVERTED_INDEX", "bm25_k1": K1, "bm25_b": B,
                             "params": {"bm25_k1": K1, "bm25_b": B}},
        scalar_field_names=[LEXICAL_FIELD, "source", "start", "end", "heading"],
        scalar_field_types=[DataType.VARCHAR, DataType.VARCHAR, DataType.INT64, DataType.INT64, DataType.VARCHAR],
        consistency_level="Strong",  # a search sees every passage the build inserted
        use_async_client=False, timeout=10)


def _lexical_tokens(p: Passage) -> str:
    return " ".join(analyse(_lexical_text(p)))


class MilvusBM25:
    """The lexical half on Milvus's full-text search: `top` as `lexical.BM25.top` (positions in the index's
    passages, BM25 scores), from our analysed query terms."""

    def __init__(self, client, target: MilvusTarget, positions: dict[str, int]):
        self.client, self.target, self.positions = client, target, positions
        self.k1, self.b, self.n = K1, B, len(positions)

    def top(self, query_terms: list[str], k: int) -> list[tuple[int, float]]:
        terms = list(dict.fromkeys(query_terms))  # each distinct term once, as lexical.BM25
        if not terms or k <= 0:
            return []
        try:
            res = self.client.search(self.target.collection, data=[" ".join(terms)], anns_field=SPARSE_FIELD,
                                     limit=min(k, max(self.n, 1)), output_fields=["id"],
                                     search_params={"metric_type": "BM25", "params": {"drop_ratio_search": 0.0}})
        except Exception as e:  # noqa: BLE001
            raise _unreachable(self.target, e) from e
        # A Milvus server reports BM25 scores as distances; Milvus Lite 3.2 reports them negated (its "smaller is
        # closer" convention). A BM25 score is never negative: its absolute value is the score either way.
        hits = [(self.positions[h["id"]], abs(float(h["distance"]))) for h in res[0] if h["id"] in self.positions]
        return sorted(hits, key=lambda x: (-x[1], x[0]))  # ties by position, as lexical.BM25


# -- building --------------------------------------------------------------------------------
def build_milvus_index(sources: list[Source], out_dir: Path, embed, embed_info: dict, max_chars: int, overlap: int,
                       progress=None, previous: Index | None = None, *, target: MilvusTarget) -> tuple[Index, dict]:
    """`store.build_index` for a Milvus collection: the passages into `target`, the manifest and sources into
    `out_dir`. Passages already in the collection (when `previous` is its index, built with the same chunking) keep
    their vectors; the others are embedded."""
    out_dir, live, chunking, passages = _begin_build(sources, out_dir, max_chars, overlap)
    client = _client(target)
    ours_before = previous is not None and previous.manifest.get("store") == target.as_manifest()
    before = _physical(previous.manifest, target) if ours_before else None  # the version in use
    try:
        _dimension(client, target)  # a collection of that name that we did not write: refused, untouched
        existing = _dimension(client, before) if before else None
    except RagError:
        raise
    except Exception as e:  # noqa: BLE001
        raise _unreachable(target, e) from e
    reuse: dict[str, list[float]] = {}  # passage id -> its vector in the collection, for unchanged passages
    if before is not None and existing is not None and previous.manifest.get("chunking") == chunking:
        wanted = {p.id for p in passages}
        try:
            reuse = {i: v for i, v in _read_vectors(client, before) if i in wanted}
        except Exception as e:  # noqa: BLE001
            raise _unreachable(target, e) from e
    todo = [p for p in passages if p.id not in reuse]
    t0 = time.perf_counter()
    vectors: dict[str, list[float]] = dict(reuse)
    for i in range(0, len(todo), 16):
        batch = todo[i:i + 16]
        vectors.update(zip([p.id for p in batch], embed.get_text_embedding_batch([p.text for p in batch])))
        if progress:
            progress(min(i + 16, len(todo)), len(todo))
    if progress and not todo:
        progress(0, 0)
    embed_seconds = time.perf_counter() - t0
    dim = len(vectors[todo[0].id]) if todo else existing
    if reuse and dim != existing:
        raise IndexStoreError(f"the embedding model now gives vectors of dimension {dim}, the Milvus {target} holds "
                              f"{existing}: {_REBUILD}")
    t1 = time.perf_counter()
    new = MilvusTarget(target.uri, _version_name(target.collection))
    try:
        # A new version, filled whole (unchanged passages with their stored vectors), never patched: Milvus Lite 3.2
        # computes BM25 statistics per segment, so passages inserted later in a segment of their own would be
        # scored against a few documents' IDF. Filled whole, the BM25 scores are the default store's.
        store = _vector_store(new, dim)
        nodes = _nodes_from(passages, vectors)
        for node, p in zip(nodes, passages):
            node.metadata[LEXICAL_FIELD] = _lexical_tokens(p)
            node.excluded_embed_metadata_keys.append(LEXICAL_FIELD)
            node.excluded_llm_metadata_keys.append(LEXICAL_FIELD)
        store.add(nodes)
        store.client.flush(new.collection)
    except BaseException as e:
        _drop_quietly(client, new, "a build that failed")
        if isinstance(e, RagError) or not isinstance(e, Exception):
            raise
        raise IndexStoreError(f"writing to the Milvus {new} failed: {_reason(e)}. The index in use was not "
                              f"changed: try again, or {_REBUILD}") from e
    vector_seconds = time.perf_counter() - t1
    sentence_keys, sentence_matrix, sentences_embedded = embed_sentences([p.text for p in passages], embed,
                                                        previous.sentences if previous is not None else None)

    live.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{live.name}-build-", dir=live.parent))
    lock = None
    try:
        lock = _mark(tmp)
        ordered = _ordered(passages)
        write_and_swap(tmp, live, sources, {
            **_manifest_head(embed_info, dim, chunking, sources, passages),
            "sentences": save_sentences(tmp, sentence_keys, sentence_matrix),
            "store": target.as_manifest(),
            "milvus_collection": new.collection,
            "milvus_previous": before.collection if before else None,
            "vector_index": {"type": "milvus-flat", "metric": "IP"},
            "lexical": {"engine": "milvus-bm25", "k1": K1, "b": B, "analyser": ANALYSER, "documents": len(ordered),
                        "order_sha256": order_hash([p.id for p in ordered])}})
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        _drop_quietly(client, new, "a build that failed")
        raise IndexStoreError(f"cannot write the index at {live}: {e.strerror or e}; free some space or choose "
                              f"another --index-dir, then {_REBUILD}") from e
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _drop_quietly(client, new, "a build that failed")
        raise
    finally:
        if lock is not None:
            import os

            os.close(lock)
    _after_swap(client, target, new, previous.manifest if ours_before else None)
    stats = {"passages": len(passages), "embedded": len(todo), "reused": len(passages) - len(todo),
             "embed_seconds": round(embed_seconds, 2), "vector_index": "milvus-flat", "appended": False,
             "vector_seconds": round(vector_seconds, 2), "lexical_seconds": 0.0, "store": str(new),
             "sentences": len(sentence_keys), "sentences_embedded": sentences_embedded}
    return load_milvus_index(out_dir, embed, embed_info, target), stats


def _after_swap(client, target: MilvusTarget, new: MilvusTarget, before: dict | None) -> None:
    """The new version is in use: drop the version before the previous one (the previous one may still be read by
    a server that has not looked at the manifest yet), and point the alias COLLECTION at the new version. Nothing
    here can undo the build: a failure is logged."""
    if before and before.get("milvus_previous"):
        _drop_quietly(client, MilvusTarget(target.uri, before["milvus_previous"]), "two versions old")
    try:
        alias = _is_alias(client, target.collection)
        if not alias:  # an index of an earlier release wrote into COLLECTION itself: its data is in the new version
            _drop_quietly(client, target, "replaced by a version")
        (client.alter_alias if alias else client.create_alias)(new.collection, target.collection)
    except Exception as e:  # noqa: BLE001
        log.warning("could not point the Milvus alias %s at %s: %s", target.collection, new.collection, _reason(e))


# -- loading ---------------------------------------------------------------------------------
def load_milvus_index(path: Path, embed, embed_info: dict, target: MilvusTarget) -> Index:
    """The index at `path` whose passages live in `target`; checked against its manifest (collection, model,
    dimension, passages)."""
    from llama_index.core import VectorStoreIndex

    path = Path(path)
    recover_interrupted(_live_path(path) if path.is_symlink() else path)
    manifest = read_manifest(path)
    built_for = manifest.get("store")
    if built_for != target.as_manifest():
        where = (f"the Milvus collection {built_for.get('collection')} at {built_for.get('uri')}"
                 if isinstance(built_for, dict) else "FAISS on local disk")
        raise IndexStoreError(f"the index at {path} keeps its passages in {where}, not in the {target} that "
                              f"RAG_STORE names: set RAG_STORE accordingly, or {_REBUILD} to index into it")
    check_embed_model(path, manifest, embed_info)
    target = _physical(manifest, target)
    try:
        sources = json.loads((path / SOURCES).read_text())
        if not isinstance(sources, dict) or not all(isinstance(t, str) for t in sources.values()):
            raise ValueError(f"{SOURCES} is not a map of names to texts")
    except (OSError, ValueError) as e:
        raise IndexStoreError(f"the index at {path} is corrupted or incomplete ({e}): {_REBUILD}") from e
    client = _client(target)
    try:
        dim = _dimension(client, target)
        if dim is None:
            raise IndexStoreError(f"the Milvus {target} does not exist (dropped, or another server): {_REBUILD}")
        if dim != manifest["dimension"]:
            raise IndexStoreError(f"the Milvus {target} holds vectors of dimension {dim}, the index at {path} was "
                                  f"built with {manifest['dimension']} (another index wrote into it?): {_REBUILD}, "
                                  "or give each index its own collection")
        rows = _read_passages(client, target)
    except RagError:
        raise
    except Exception as e:  # noqa: BLE001
        raise _unreachable(target, e) from e
    passages = _ordered(rows)
    lex = manifest.get("lexical") or {}
    if len(passages) != manifest["passages"] or lex.get("order_sha256") != order_hash([p.id for p in passages]):
        raise IndexStoreError(f"the Milvus {target} holds {len(passages)} passages, not the {manifest['passages']} "
                              f"of the index at {path} (changed since, or a build was interrupted): {_REBUILD}")
    if any(p.source not in sources for p in passages):
        raise IndexStoreError(f"the Milvus {target} holds passages of sources the index at {path} does not have: "
                              f"{_REBUILD}")
    vindex = VectorStoreIndex.from_vector_store(_vector_store(target, dim), embed_model=embed)
    bm25 = MilvusBM25(client, target, {p.id: i for i, p in enumerate(passages)})
    return Index(path, manifest, passages, sources, vindex, bm25,
                 load_sentences(path, manifest, embed, lambda what: _corrupted(path, what)))


def _read_vectors(client, target: MilvusTarget) -> list[tuple[str, list[float]]]:
    out = []
    it = client.query_iterator(target.collection, batch_size=1000, filter="", output_fields=["id", "embedding"])
    try:
        while batch := it.next():
            out.extend((r["id"], [float(x) for x in r["embedding"]]) for r in batch)
    finally:
        it.close()
    return out


def _read_passages(client, target: MilvusTarget) -> list[Passage]:
    fields = ["id", "text", "source", "start", "end", "heading"]
    out: list[Passage] = []
    it = client.query_iterator(target.collection, batch_size=1000, filter="", output_fields=fields)
    try:
        while batch := it.next():
            out.extend(Passage(r["id"], r["source"], int(r["start"]), int(r["end"]), r["text"], r["heading"] or "")
                       for r in batch)
    finally:
        it.close()
    return out
