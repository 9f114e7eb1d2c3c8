"""Build, persist and load the index: FAISS vectors and the passage store (through llama-index), the
original sources, the lexical (BM25) index, and a manifest that says how it was built.

A build happens beside the live index and replaces it by rename, so a failure never leaves a
half-written index. Passages of unchanged sources keep their vectors: only new text is embedded. When
sources were only added, the previous vector index is copied and the new vectors appended to it (an HNSW
graph is not built again).

The vector index is exact (faiss flat, inner product) for small collections and approximate (HNSW, or IVF
when asked) for large ones: `choose_vector_index`. The lexical index (bm25s over our French analysis) is
saved with the rest and loaded, not rebuilt; an index written before it was saved builds it in memory.

The index never deletes or replaces what it did not write: its manifest carries a signature
(`"format": "rag-index"` and a format version) and lists the files of the index, and a folder is only
replaced when it is absent, empty, or such an index holding nothing else. A build leaves a marker in its
work folder, locked while the build runs, so the leftovers of a killed build are recognised and removed
by the next one.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import IndexStoreError, RagError
from ..ingest.chunk import split_passages, split_sentences
from ..types import Passage, Source
from .lexical import ANALYSER, BM25, LEXICAL_FILES, analyse, order_hash
from .sentences import SENTENCE_FILES, SentenceVectors, embed_sentences, load_sentences, save_sentences

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux/macOS
    fcntl = None

__all__ = ["Index", "build_index", "load_index", "read_manifest", "reusable_index", "check_index_dir", "recover_interrupted",
           "choose_vector_index", "new_faiss_index", "vector_index_kind", "MANIFEST", "FORMAT", "FORMAT_VERSION",
           "SPLITTER", "VECTOR_INDEXES", "AUTO_ANN_AT", "check_embed_model"]

MANIFEST = "manifest.json"
FORMAT = "rag-index"  # the signature of an index written by this program
FORMAT_VERSION = 2  # 2: signed manifest listing its files; 1: unsigned (still read)
SPLITTER = "sentences-v1"  # bump when split_passages changes what it produces
MARKER = ".rag-index"  # written first in a build folder (and kept): says the folder is ours
SOURCES = "sources.json"
VECTORS = "default__vector_store.json"
# What a build writes (llama-index persists the stores it has): an index of format 1 held only these.
_STORE_FILES = frozenset({"docstore.json", "index_store.json", "graph_store.json", "image__vector_store.json", VECTORS})
_INDEX_FILES = _STORE_FILES | LEXICAL_FILES | SENTENCE_FILES | {MANIFEST, SOURCES, MARKER}
_REBUILD = "run `rag index --rebuild`"

# The vector index: "auto" is exact search under AUTO_ANN_AT passages, HNSW from there (bench/ann.py).
VECTOR_INDEXES = ("auto", "flat", "hnsw", "ivf")
AUTO_ANN_AT = 50_000
HNSW_M = 32  # neighbours per node (64 on the bottom layer)
HNSW_EF_CONSTRUCTION = 80
# Candidates kept while searching HNSW, by collection size: recall@10 falls as the graph grows at a fixed value
# (bench/ann.py: efSearch 256 gives .99 at 100k passages but .91 at 1M, where 1024 is needed for >= .95).
HNSW_EF_SEARCH = ((250_000, 256), (None, 1024))  # (below this many passages, efSearch), …
IVF_NPROBE_SHARE = 8  # IVF searches 1/8 of its lists (at least 32)

Progress = Callable[[int, int], None]


@dataclass
class Index:
    path: Path
    manifest: dict
    passages: list[Passage]  # in source order
    sources: dict[str, str]  # name -> original text
    vector_index: object  # llama_index VectorStoreIndex
    bm25: BM25 = field(repr=False)
    # Every passage sentence's vector, stored with the index (`sentences.py`); empty for an index built without it.
    sentences: SentenceVectors = field(default_factory=SentenceVectors.empty, repr=False)

    @cached_property
    def by_id(self) -> dict[str, int]:
        """Passage id -> position; read on every query, built once."""
        return {p.id: i for i, p in enumerate(self.passages)}

    @cached_property
    def first_of(self) -> dict[str, int]:
        """Source name -> position of its first passage."""
        out: dict[str, int] = {}
        for i, p in enumerate(self.passages):
            out.setdefault(p.source, i)
        return out

    def neighbours(self, passage: Passage) -> list[Passage]:
        """The passages just before and after `passage` in its source (none for a passage not in this index)."""
        i = self.by_id.get(passage.id)
        if i is None:
            return []
        return [self.passages[j] for j in (i - 1, i + 1)
                if 0 <= j < len(self.passages) and self.passages[j].source == passage.source]

    def share(self, term: str) -> float | None:
        """The fraction of the passages that hold the analysed `term` (how common a word is in this corpus); None
        for an index of fewer than 20 passages, too few to tell a common word from a rare one."""
        return self.bm25.share(term) if len(self.passages) >= 20 else None

    def preceding(self, passage: Passage, chars: int = 2000) -> str:
        """Up to `chars` characters of `passage`'s source just before it ("" for a passage not in this index): what a
        pronoun at its start may stand for."""
        if passage.id not in self.by_id:
            return ""
        return self.sources.get(passage.source, "")[max(0, passage.start - chars):passage.start]

    def opening(self, passage: Passage) -> str:
        """The first sentence of `passage`'s source under its title ("" for a passage not in this index): where a news
        article sets the event all of it reports on ("Lors des Assises… organisées le 4 novembre, …")."""
        if passage.id not in self.by_id:
            return ""
        i = self.first_of[passage.source]
        for p in self.passages[i:i + 3]:  # (the title may stand alone as the first passage)
            if p.source != passage.source:
                break
            text = p.text[len(p.heading):] if p.heading and p.text.startswith(p.heading) else p.text
            spans = split_sentences(text)
            if spans:
                return text[spans[0][0]:spans[0][1]]
        return ""

    @property
    def vector_kind(self) -> str:
        """"flat", "hnsw" or "ivf": the FAISS index behind the vector store."""
        return vector_index_kind(self.vector_index.vector_store.client)


# -- the vector index --------------------------------------------------------------------------
def choose_vector_index(setting: str, passages: int) -> str:
    """The FAISS index type for `passages` passages: `setting` itself unless it is "auto"."""
    if setting not in VECTOR_INDEXES:
        raise RagError(f"unknown vector index {setting!r}: choose one of {', '.join(VECTOR_INDEXES)}")
    if setting != "auto":
        return setting
    return "flat" if passages < AUTO_ANN_AT else "hnsw"


def new_faiss_index(kind: str, dim: int, vectors: np.ndarray | None = None):
    """An empty FAISS index of `kind` over unit vectors compared by inner product (cosine), for `vectors` (those
    about to be added). HNSW searches as broadly as their number needs; IVF is sized for them and trained on them
    (at most 64 a list are used): its lists are fixed then, later adds go into them."""
    import faiss

    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = hnsw_ef_search(0 if vectors is None else len(vectors))  # saved in the index file
        return index
    if kind == "ivf":
        n = 0 if vectors is None else len(vectors)
        if n == 0:
            raise RagError("an IVF vector index needs vectors to train on")
        nlist = max(1, min(int(n ** 0.5), n // 39))  # faiss wants ~39 training points a list
        sample = vectors if n <= 64 * nlist else vectors[np.sort(np.random.default_rng(0).choice(n, 64 * nlist, replace=False))]
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.own_fields = True
        quantizer.this.disown()
        index.cp.min_points_per_centroid = 1  # a small sample is fine: no warning
        index.train(np.ascontiguousarray(sample, dtype="float32"))
        index.nprobe = min(nlist, max(32, nlist // IVF_NPROBE_SHARE))
        return index
    raise RagError(f"unknown vector index {kind!r}: choose one of {', '.join(VECTOR_INDEXES[1:])}")


def hnsw_ef_search(passages: int) -> int:
    """efSearch for an HNSW graph of `passages` nodes (HNSW_EF_SEARCH)."""
    return next(ef for limit, ef in HNSW_EF_SEARCH if limit is None or passages < limit)


def _tune_search(faiss_index) -> None:
    """Set the search breadth an index of its present size needs (saved with it)."""
    import faiss

    if isinstance(faiss_index, faiss.IndexHNSW):
        faiss_index.hnsw.efSearch = hnsw_ef_search(faiss_index.ntotal)


def vector_index_kind(faiss_index) -> str:
    import faiss

    if isinstance(faiss_index, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(faiss_index, faiss.IndexIVF):
        return "ivf"
    return "flat"


def _vector_params(faiss_index) -> dict:
    kind = vector_index_kind(faiss_index)
    if kind == "hnsw":
        h = faiss_index.hnsw
        return {"type": kind, "M": h.nb_neighbors(1), "ef_construction": h.efConstruction, "ef_search": h.efSearch}
    if kind == "ivf":
        return {"type": kind, "nlist": faiss_index.nlist, "nprobe": faiss_index.nprobe}
    return {"type": kind}


def _stored_vectors(index: Index) -> tuple[list[str], np.ndarray]:
    """Passage ids and their stored vectors (one row each), read back from FAISS in one call."""
    import faiss

    vi = index.vector_index
    fi = vi.vector_store.client
    if isinstance(fi, faiss.IndexIVF):
        fi.make_direct_map()  # IVF reconstructs through a map of ids to lists
    matrix = fi.reconstruct_n(0, fi.ntotal) if fi.ntotal else np.zeros((0, fi.d), "float32")
    ids: list[str | None] = [None] * fi.ntotal
    for fid, node_id in vi.index_struct.nodes_dict.items():
        ids[int(fid)] = node_id
    return ids, matrix


def _add_passages(vindex, passages: list[Passage], matrix: np.ndarray) -> None:
    """Append `passages` with their vectors (rows of `matrix`) to a llama-index VectorStoreIndex over FAISS: the
    vectors in one call to FAISS (HNSW inserts them in parallel), then each node in the index's map and docstore,
    as llama-index's own insertion does for a store that keeps no text."""
    if not passages:
        return
    faiss_index = vindex.vector_store.client
    first = faiss_index.ntotal
    faiss_index.add(np.ascontiguousarray(matrix, dtype="float32"))
    _tune_search(faiss_index)
    nodes = _nodes_from(passages, {})
    for i, node in enumerate(nodes):
        vindex.index_struct.add_node(node, text_id=str(first + i))
    vindex.docstore.add_documents(nodes, allow_update=True)
    vindex.storage_context.index_store.add_index_struct(vindex.index_struct)


def _appendable(previous: Index | None, sources: list[Source], chunking: dict, kind: str) -> bool:
    """True when the new build only adds sources to `previous` (same chunking, every previous source unchanged)
    and keeps its vector index type: then its vectors are copied and the new ones appended."""
    if previous is None or previous.manifest.get("chunking") != chunking:
        return False
    new = {s.name: s.sha256 for s in sources}
    old = {s["name"]: s["sha256"] for s in previous.manifest["sources"]}
    fi = previous.vector_index.vector_store.client
    return (all(new.get(name) == sha for name, sha in old.items()) and vector_index_kind(fi) == kind
            and fi.ntotal == len(previous.passages))


def _copy_vector_index(previous: Index, embed):
    """A VectorStoreIndex holding a copy of `previous`'s FAISS index and the same nodes (the previous stays as
    it was: it may be serving)."""
    import faiss
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.data_structs.data_structs import IndexDict
    from llama_index.vector_stores.faiss import FaissVectorStore

    ctx = StorageContext.from_defaults(vector_store=FaissVectorStore(
        faiss_index=faiss.clone_index(previous.vector_index.vector_store.client)))
    nodes = {n.node_id: n for n in _nodes_from(previous.passages, {})}
    struct = IndexDict()
    for fid, node_id in previous.vector_index.index_struct.nodes_dict.items():
        struct.add_node(nodes[node_id], text_id=fid)
    ctx.docstore.add_documents(list(nodes.values()), allow_update=True)
    return VectorStoreIndex(index_struct=struct, storage_context=ctx, embed_model=embed)


def _ordered(passages: list[Passage]) -> list[Passage]:
    """The order of `Index.passages` (and of the lexical index's documents)."""
    return sorted(passages, key=lambda p: (p.source, p.start, p.end, p.id))


def _nodes_from(passages: list[Passage], vectors: dict[str, list[float]]):
    from llama_index.core.schema import TextNode

    keys = ["source", "start", "end", "heading"]
    return [
        TextNode(id_=p.id, text=p.text, embedding=vectors.get(p.id),
                 metadata={"source": p.source, "start": p.start, "end": p.end, "heading": p.heading},
                 excluded_embed_metadata_keys=keys, excluded_llm_metadata_keys=keys)
        for p in passages
    ]


def _begin_build(sources: list[Source], out_dir: Path, max_chars: int, overlap: int):
    """What every store's build does first, before any work: a folder that is not ours is refused at once, an
    interrupted build is recovered. Returns the index folder, its live path, the chunking and the passages."""
    out_dir = Path(out_dir)
    live = _live_path(out_dir)
    recover_interrupted(live)
    check_index_dir(live)
    _clean_strays(live)
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise RagError("two sources share a name: rename one of them")
    chunking = {"max_chars": max_chars, "overlap": overlap, "splitter": SPLITTER}
    passages = [p for s in sources for p in split_passages(s, max_chars, overlap)]
    if not passages:
        raise RagError("nothing to index: give at least one .txt or .md file")
    return out_dir, live, chunking, passages


def build_index(sources: list[Source], out_dir: Path, embed, embed_info: dict, max_chars: int, overlap: int,
                progress: Progress | None = None, previous: Index | None = None,
                vector_index: str = "auto", store: str = "") -> tuple[Index, dict]:
    """Split, embed and persist `sources` into `out_dir` (replacing what is there, atomically).
    `embed` is a SentenceEmbedding; `embed_info` = {"name", "hash"} for the manifest; `vector_index` the FAISS
    index type ("auto", "flat", "hnsw", "ivf": see `choose_vector_index`); `store` a Milvus collection
    (RAG_STORE, see `milvus.parse_store`) instead of FAISS on local disk.
    Returns the loaded index and build statistics."""
    if store:
        from .milvus import build_milvus_index, parse_store

        target = parse_store(store)
        if target is not None:
            return build_milvus_index(sources, out_dir, embed, embed_info, max_chars, overlap, progress, previous,
                                      target=target)
    import bm25s
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.vector_stores.faiss import FaissVectorStore

    out_dir, live, chunking, passages = _begin_build(sources, out_dir, max_chars, overlap)
    kind = choose_vector_index(vector_index, len(passages))
    append = _appendable(previous, sources, chunking, kind)
    reuse: dict[str, np.ndarray] = {}  # passage id -> stored vector, for a build that does not append
    if previous is not None and not append and previous.manifest.get("chunking") == chunking:
        old = {s["name"]: s["sha256"] for s in previous.manifest["sources"]}
        keep = {s.name for s in sources if old.get(s.name) == s.sha256}
        if keep:
            ids, matrix = _stored_vectors(previous)
            wanted = {p.id for p in previous.passages if p.source in keep}
            reuse = {pid: matrix[row] for row, pid in enumerate(ids) if pid in wanted}
    known = {p.id for p in previous.passages} if append else reuse.keys()
    todo = [p for p in passages if p.id not in known]
    t0 = time.perf_counter()
    fresh: list[list[float]] = []
    batch = 16
    for i in range(0, len(todo), batch):
        fresh.extend(embed.get_text_embedding_batch([p.text for p in todo[i:i + batch]]))
        if progress:
            progress(min(i + batch, len(todo)), len(todo))
    if progress and not todo:
        progress(0, 0)
    embed_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    sentence_keys, sentence_matrix, sentences_embedded = embed_sentences(
        [p.text for p in passages], embed, previous.sentences if previous is not None else None)
    sentence_seconds = time.perf_counter() - t0
    dim = (len(fresh[0]) if fresh else
           previous.vector_index.vector_store.client.d if append else len(next(iter(reuse.values()))))
    fresh_matrix = np.asarray(fresh, dtype="float32").reshape(len(todo), dim)
    if append and previous.vector_index.vector_store.client.d != dim:
        raise IndexStoreError(f"the embedding model now gives vectors of dimension {dim}, the index holds "
                              f"{previous.vector_index.vector_store.client.d}: {_REBUILD}")

    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{live.name}-build-", dir=live.parent))
    except OSError as e:
        raise IndexStoreError(f"cannot write the index beside {live}: {e.strerror or e}; "
                              "choose another --index-dir") from e
    lock = None
    t1 = time.perf_counter()
    try:
        lock = _mark(tmp)
        if append:  # only new sources: the previous vector index, copied, with the new vectors appended
            vindex = _copy_vector_index(previous, embed)
            _add_passages(vindex, todo, fresh_matrix)
        else:
            row = {p.id: i for i, p in enumerate(todo)}
            matrix = np.stack([reuse[p.id] if p.id in reuse else fresh_matrix[row[p.id]] for p in passages])
            faiss_index = new_faiss_index(kind, dim, matrix)
            ctx = StorageContext.from_defaults(vector_store=FaissVectorStore(faiss_index=faiss_index))
            vindex = VectorStoreIndex(nodes=[], storage_context=ctx, embed_model=embed, show_progress=False)
            _add_passages(vindex, passages, matrix)
            del matrix
        vindex.storage_context.persist(persist_dir=str(tmp))
        vector_seconds = time.perf_counter() - t1
        ordered = _ordered(passages)
        t2 = time.perf_counter()
        bm25 = BM25([analyse(_lexical_text(p)) for p in ordered])
        bm25.save(tmp)
        lexical_seconds = time.perf_counter() - t2
        write_and_swap(tmp, live, sources, {
            **_manifest_head(embed_info, dim, chunking, sources, passages),
            "sentences": save_sentences(tmp, sentence_keys, sentence_matrix),
            "vector_index": _vector_params(vindex.vector_store.client),
            "lexical": {"engine": "bm25s", "engine_version": bm25s.__version__, "k1": bm25.k1, "b": bm25.b,
                        "scoring": "okapi: tf (k1+1)/(tf+k1(1-b+b dl/avgdl)), idf log(1+(N-n+.5)/(n+.5))",
                        "analyser": ANALYSER, "documents": len(ordered),
                        "order_sha256": order_hash([p.id for p in ordered]), "files": sorted(LEXICAL_FILES)}})
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise IndexStoreError(f"cannot write the index at {live}: {e.strerror or e}; the previous index is "
                              "unchanged: free some space or choose another --index-dir") from e
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if lock is not None:
            os.close(lock)
    stats = {"passages": len(passages), "embedded": len(todo), "reused": len(passages) - len(todo),
             "embed_seconds": round(embed_seconds, 2), "vector_index": kind, "appended": append,
             "vector_seconds": round(vector_seconds, 2), "lexical_seconds": round(lexical_seconds, 2),
             "sentences": len(sentence_keys), "sentences_embedded": sentences_embedded,
             "sentence_seconds": round(sentence_seconds, 2)}
    return load_index(out_dir, embed, embed_info), stats


def reusable_index(path: Path, embed, embed_info: dict, store: str = "") -> Index | None:
    """The index at `path` whose vectors a rebuild may reuse; None when there is none, or it was built with
    another model, or it is damaged (then everything is embedded anew)."""
    if not (Path(path) / MANIFEST).exists():
        return None
    try:
        return load_index(path, embed, embed_info, store)
    except IndexStoreError:
        return None


# -- what is ours ------------------------------------------------------------------------------
def _live_path(out_dir: Path) -> Path:
    """The folder a build replaces: the target of `out_dir` when it is a symbolic link (the link stays)."""
    if out_dir.is_symlink():
        try:
            return out_dir.resolve(strict=True)
        except (OSError, RuntimeError) as e:
            raise IndexStoreError(f"{out_dir} is a symbolic link to nowhere ({os.readlink(out_dir)}): point it at a "
                                  "folder or choose another --index-dir") from e
    return out_dir


def _read_json(path: Path, limit: int = 64 << 20):
    """JSON of a small regular file; None when it is absent, not a regular file, too big or not JSON."""
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _has_entries(path: Path) -> bool:
    try:
        return path.is_dir() and any(path.iterdir())
    except OSError:
        return False


def _is_legacy(manifest) -> bool:
    """A manifest of format 1 (written before manifests were signed)."""
    return (isinstance(manifest, dict) and manifest.get("format") == 1
            and {"embed_model", "dimension", "sources", "chunking"} <= manifest.keys())


def _owned(folder: Path) -> set[str] | None:
    """Names of the entries of `folder` that an index of ours holds; None when `folder` is not recognisably
    an index written by this program (then nothing in it may be touched)."""
    manifest = _read_json(folder / MANIFEST)
    if isinstance(manifest, dict) and manifest.get("format") == FORMAT:
        files = manifest.get("files")
        listed = {f for f in files if isinstance(f, str)} if isinstance(files, list) else set()
        return listed | {MANIFEST, MARKER}
    marker = _read_json(folder / MARKER)
    if isinstance(marker, dict) and marker.get("format") == FORMAT:  # ours, with a damaged or missing manifest
        return set(_INDEX_FILES)
    if _is_legacy(manifest):
        return set(_INDEX_FILES - {MARKER})
    return None


def check_index_dir(path: Path) -> None:
    """Raise an IndexStoreError unless a build may replace `path`: absent, an empty folder, or an index written
    by this program that holds nothing else. Nothing is ever deleted that the index did not write."""
    path = Path(path)
    if not path.exists():
        if path.is_symlink():
            raise IndexStoreError(f"{path} is a symbolic link to nowhere: point it at a folder or choose another "
                                  "--index-dir")
        return
    if not path.is_dir():
        raise IndexStoreError(f"{path} is a file, not an index folder: choose another --index-dir "
                              "(nothing was changed)")
    try:
        entries = sorted(e.name for e in path.iterdir())
    except OSError as e:
        raise IndexStoreError(f"cannot read the folder {path}: {e.strerror or e}; choose another --index-dir") from e
    if not entries:
        return
    owned = _owned(path)
    if owned is None:
        why = (f"its {MANIFEST} was not written by `rag index`" if MANIFEST in entries
               else f"it has no {MANIFEST}")
        raise IndexStoreError(
            f"{path} is not empty and is not an index ({why}): nothing was changed. Choose another --index-dir "
            "(a new or empty folder), or move its files elsewhere yourself.")
    foreign = [e for e in entries if e not in owned]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise IndexStoreError(
            f"the index folder {path} also holds files `rag index` did not write ({shown}): nothing was changed. "
            "Move them out of the folder, or choose another --index-dir.")


def _mark(folder: Path) -> int | None:
    """Sign a build folder as ours and lock the mark while the build runs: a file descriptor to close after."""
    fd = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, json.dumps({"format": FORMAT, "pid": os.getpid()}).encode())
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _in_use(folder: Path) -> bool:
    """True while a build runs in `folder` (its mark is locked); a killed build's lock is gone."""
    if fcntl is None:  # pragma: no cover
        return time.time() - folder.stat().st_mtime < 86_400
    try:
        fd = os.open(folder / MARKER, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def _strays(live: Path) -> list[Path]:
    """Work folders of builds beside `live` that were interrupted (killed), each recognisably ours."""
    out = []
    try:
        siblings = list(live.parent.iterdir())
    except OSError:
        return []
    for sib in siblings:
        if not sib.name.startswith((f".{live.name}-build-", f".{live.name}-old-")) or sib.is_symlink() or not sib.is_dir():
            continue
        owned = _owned(sib)
        if owned is None and (sib / MARKER).is_file():  # a build killed before its mark was written in full
            owned = set(_INDEX_FILES)
        try:
            if owned is not None and {e.name for e in sib.iterdir()} <= owned and not _in_use(sib):
                out.append(sib)
        except OSError:
            continue
    return sorted(out)


def recover_interrupted(live: Path) -> None:
    """When a build was killed between the two renames of a swap (no atomic exchange), `live` is missing and the
    previous index waits beside it: put it back."""
    if live.exists() or live.is_symlink():
        return
    for old in sorted(_strays(live), reverse=True):
        if old.name.startswith(f".{live.name}-old-") and _owned(old) is not None and (old / MANIFEST).is_file():
            try:
                old.rename(live)
            except OSError:
                continue
            return


def _clean_strays(live: Path) -> None:
    for sib in _strays(live):
        shutil.rmtree(sib, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False when not supported here."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _manifest_head(embed_info: dict, dim: int, chunking: dict, sources: list, passages: list) -> dict:
    """What every index's manifest says of itself, its embedding model and its sources (whatever the store)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "embed_model": embed_info["name"],
        "embed_hash": embed_info["hash"],
        "dimension": dim,
        "chunking": chunking,
        "sources": [{"name": s.name, "sha256": s.sha256, "chars": len(s.text),
                     "passages": sum(p.source == s.name for p in passages),
                     "title": s.meta.get("title") or s.title, "credit": s.meta.get("credit")} for s in sources],
        "passages": len(passages),
    }


def write_and_swap(tmp: Path, live: Path, sources: list, manifest: dict) -> None:
    """Finish a build folder (the sources' texts, the manifest listing every file) and put it in place of `live`."""
    (tmp / SOURCES).write_text(json.dumps({s.name: s.text for s in sources}, ensure_ascii=False))
    manifest = {**manifest, "files": sorted({f.name for f in tmp.iterdir()} | {MANIFEST}),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    _swap_in(tmp, live)


def _swap_in(new: Path, live: Path) -> None:
    """Replace `live` by `new` with renames only: a reader sees the old index or the new one. `live` is only
    replaced when it is ours (see `check_index_dir`)."""
    check_index_dir(live)
    if live.exists():
        if not any(live.iterdir()):
            live.rmdir()
            new.rename(live)
        elif _exchange(new, live):
            shutil.rmtree(new, ignore_errors=True)  # now the previous index
        else:
            old = live.with_name(f".{live.name}-old-{int(time.time() * 1000)}")
            live.rename(old)
            new.rename(live)
            shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(live)


# -- loading ---------------------------------------------------------------------------------
def _corrupted(path: Path, what: str) -> IndexStoreError:
    return IndexStoreError(f"the index at {path} is corrupted or incomplete ({what}): {_REBUILD}")


def read_manifest(path: Path) -> dict:
    """The manifest of the index at `path`, checked: signed by this program, of a format this version reads,
    with the fields loading needs."""
    path = Path(path)
    mf = path / MANIFEST
    if not mf.is_file():
        if _read_json(path / MARKER) is not None:
            raise _corrupted(path, f"{MANIFEST} is missing")
        if _has_entries(path):
            raise IndexStoreError(f"no index at {path}, and the folder holds other files: choose another --index-dir "
                                  "(a new or empty folder) and run `rag index`")
        raise IndexStoreError(f"no index at {path}: run `rag index`")
    try:
        if mf.stat().st_size > 64 << 20:
            raise ValueError(f"{MANIFEST} is larger than 64 MB")
        manifest = json.loads(mf.read_bytes())
    except (OSError, ValueError) as e:
        raise _corrupted(path, f"{MANIFEST} unreadable: {e}") from e
    if not isinstance(manifest, dict):
        raise _corrupted(path, f"{MANIFEST} is not a JSON object")
    if manifest.get("format") == FORMAT:
        version = manifest.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 2:
            raise _corrupted(path, f"format version {version!r}")
        if version > FORMAT_VERSION:
            raise IndexStoreError(
                f"the index at {path} was written by a newer version of rag (index format {version}; this version "
                f"reads format {FORMAT_VERSION} and older): upgrade rag, or {_REBUILD} to rebuild it for this version")
    elif not _is_legacy(manifest):
        if _read_json(path / MARKER) is not None:
            raise _corrupted(path, f"{MANIFEST} has lost its signature")
        raise IndexStoreError(
            f"{path} is not an index written by `rag index` (its {MANIFEST} has no \"format\": \"{FORMAT}\" "
            "signature): choose another --index-dir, a new or empty folder")
    problems = []
    if not isinstance(manifest.get("embed_model"), str):
        problems.append("embed_model")
    dim = manifest.get("dimension")
    if not isinstance(dim, int) or isinstance(dim, bool) or dim <= 0:
        problems.append("dimension")
    srcs = manifest.get("sources")
    if not isinstance(srcs, list) or not all(isinstance(s, dict) and isinstance(s.get("name"), str)
                                             and isinstance(s.get("sha256"), str) for s in srcs):
        problems.append("sources")
    if not isinstance(manifest.get("passages", 0), int):
        problems.append("passages")
    if not isinstance(manifest.get("chunking", {}), dict):
        problems.append("chunking")
    if problems:
        raise _corrupted(path, f"{MANIFEST}: bad or missing {', '.join(problems)}")
    return manifest


def check_embed_model(path: Path, manifest: dict, embed_info: dict) -> None:
    if manifest["embed_model"] != embed_info["name"] or manifest.get("embed_hash") != embed_info["hash"]:
        raise IndexStoreError(
            f"the index at {path} was built with the embedding model {manifest['embed_model']} "
            f"({str(manifest.get('embed_hash'))[:19]}), but {embed_info['name']} ({embed_info['hash'][:19]}) is configured: "
            f"run `rag index --rebuild` to rebuild it with the configured model, or choose the model it was built with.")


def load_index(path: Path, embed, embed_info: dict, store: str = "") -> Index:
    """Load and check an index. Refuses one built with another embedding model, or damaged. `store`: as in
    `build_index`."""
    if store:
        from .milvus import load_milvus_index, parse_store

        target = parse_store(store)
        if target is not None:
            return load_milvus_index(path, embed, embed_info, target)
    path = Path(path)
    recover_interrupted(_live_path(path) if path.is_symlink() else path)
    manifest = read_manifest(path)
    if isinstance(manifest.get("store"), dict):
        raise IndexStoreError(f"the index at {path} keeps its passages in the Milvus collection "
                              f"{manifest['store'].get('collection')} at {manifest['store'].get('uri')}: set RAG_STORE "
                              f"to it, or {_REBUILD} to index into FAISS on local disk")
    check_embed_model(path, manifest, embed_info)
    for name in (VECTORS, "docstore.json", "index_store.json", SOURCES):
        if not (path / name).is_file():
            raise _corrupted(path, f"{name} is missing")
    try:
        from llama_index.core import StorageContext, load_index_from_storage
        from llama_index.vector_stores.faiss import FaissVectorStore

        store = FaissVectorStore.from_persist_dir(str(path))
        ctx = StorageContext.from_defaults(vector_store=store, persist_dir=str(path))
        vindex = load_index_from_storage(ctx, embed_model=embed)
        nodes = list(ctx.docstore.docs.values())
        sources = json.loads((path / SOURCES).read_text())
        if not isinstance(sources, dict) or not all(isinstance(t, str) for t in sources.values()):
            raise ValueError(f"{SOURCES} is not a map of names to texts")
        passages = _ordered([
            Passage(n.node_id, n.metadata["source"], int(n.metadata["start"]), int(n.metadata["end"]), n.text,
                    n.metadata.get("heading", "")) for n in nodes])
        ntotal, d = vindex.vector_store.client.ntotal, vindex.vector_store.client.d
    except RagError:
        raise
    except Exception as e:  # noqa: BLE001 - whatever broke, the fix is the same
        raise _corrupted(path, f"{type(e).__name__}: {e}") from e
    if ntotal != len(passages) or len(passages) != manifest.get("passages", len(passages)):
        raise IndexStoreError(f"the index at {path} is inconsistent ({ntotal} vectors, {len(passages)} passages, "
                              f"{manifest.get('passages')} in its manifest): {_REBUILD}")
    if d != manifest["dimension"]:
        raise IndexStoreError(f"the index at {path} is inconsistent (vectors of dimension {d}, the manifest says "
                              f"{manifest['dimension']}): {_REBUILD}")
    if {s["name"] for s in manifest["sources"]} != set(sources):
        raise IndexStoreError(f"the index at {path} is inconsistent (its sources do not match its manifest): {_REBUILD}")
    bad = next((p for p in passages if p.source not in sources or not 0 <= p.start <= p.end <= len(sources[p.source])),
               None)
    if bad is not None:
        raise IndexStoreError(f"the index at {path} is inconsistent (passage {bad.id} points outside its source): "
                              f"{_REBUILD}")
    return Index(path, manifest, passages, sources, vindex, _load_lexical(path, manifest, passages),
                 load_sentences(path, manifest, embed, lambda what: _corrupted(path, what)))


def _load_lexical(path: Path, manifest: dict, passages: list[Passage]) -> BM25:
    """The lexical index saved with the index; built here, in memory, for an index written before it was saved
    (or with another analysis of the words): `rag index` then saves it."""
    lex = manifest.get("lexical")
    if not isinstance(lex, dict) or lex.get("analyser") != ANALYSER:
        return BM25([analyse(_lexical_text(p)) for p in passages])
    if lex.get("order_sha256") != order_hash([p.id for p in passages]):
        raise IndexStoreError(f"the index at {path} is inconsistent (its lexical index is not over its passages): "
                              f"{_REBUILD}")
    missing = sorted(f for f in LEXICAL_FILES if not (path / f).is_file())
    if missing:
        raise _corrupted(path, f"{missing[0]} is missing")
    try:
        return BM25.load(path, len(passages))
    except Exception as e:  # noqa: BLE001 - whatever broke, the fix is the same
        raise _corrupted(path, f"lexical index: {type(e).__name__}: {e}") from e


def _lexical_text(p: Passage) -> str:
    # The heading names the topic of passages under it, which their own words may not repeat.
    return f"{p.heading}\n{p.text}" if p.heading and not p.text.startswith(p.heading) else p.text
