"""Build, persist and load the index: FAISS vectors and the passage store (through llama-index), the
original sources, and a manifest that says how it was built.

A build happens beside the live index and replaces it by rename, so a failure never leaves a
half-written index. Passages of unchanged sources keep their vectors: only new text is embedded.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

from ..errors import IndexStoreError, RagError
from ..ingest.chunk import split_passages
from ..types import Passage, Source
from .lexical import BM25, analyse

__all__ = ["Index", "build_index", "load_index", "MANIFEST", "FORMAT_VERSION", "SPLITTER"]

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
SPLITTER = "sentences-v1"  # bump when split_passages changes what it produces

Progress = Callable[[int, int], None]


@dataclass
class Index:
    path: Path
    manifest: dict
    passages: list[Passage]  # in source order
    sources: dict[str, str]  # name -> original text
    vector_index: object  # llama_index VectorStoreIndex
    bm25: BM25 = field(repr=False)

    @cached_property
    def by_id(self) -> dict[str, int]:
        """Passage id -> position; read on every query, built once."""
        return {p.id: i for i, p in enumerate(self.passages)}


def _nodes_from(passages: list[Passage], vectors: dict[str, list[float]]):
    from llama_index.core.schema import TextNode

    keys = ["source", "start", "end", "heading"]
    return [
        TextNode(id_=p.id, text=p.text, embedding=vectors.get(p.id),
                 metadata={"source": p.source, "start": p.start, "end": p.end, "heading": p.heading},
                 excluded_embed_metadata_keys=keys, excluded_llm_metadata_keys=keys)
        for p in passages
    ]


def _vectors_of(index: Index) -> dict[str, list[float]]:
    """Passage id -> stored vector, read back from FAISS."""
    vi = index.vector_index
    faiss_index = vi.vector_store.client
    return {node_id: faiss_index.reconstruct(int(fid)).tolist() for fid, node_id in vi.index_struct.nodes_dict.items()}


def build_index(sources: list[Source], out_dir: Path, embed, embed_info: dict, max_chars: int, overlap: int,
                progress: Progress | None = None, previous: Index | None = None) -> tuple[Index, dict]:
    """Split, embed and persist `sources` into `out_dir` (replacing what is there, atomically).
    `embed` is a SentenceEmbedding; `embed_info` = {"name", "hash"} for the manifest.
    Returns the loaded index and build statistics."""
    import faiss
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.vector_stores.faiss import FaissVectorStore

    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise RagError("two sources share a name: rename one of them")
    chunking = {"max_chars": max_chars, "overlap": overlap, "splitter": SPLITTER}
    reuse: dict[str, list[float]] = {}
    if previous is not None and previous.manifest.get("chunking") == chunking:
        old = {s["name"]: s["sha256"] for s in previous.manifest["sources"]}
        keep = {s.name for s in sources if old.get(s.name) == s.sha256}
        if keep:
            reuse = {pid: v for pid, v in _vectors_of(previous).items()}
            reuse = {p.id: reuse[p.id] for p in previous.passages if p.source in keep and p.id in reuse}

    passages = [p for s in sources for p in split_passages(s, max_chars, overlap)]
    todo = [p for p in passages if p.id not in reuse]
    t0 = time.perf_counter()
    vectors = dict(reuse)
    batch = 16
    for i in range(0, len(todo), batch):
        chunk = todo[i:i + batch]
        for p, v in zip(chunk, embed.get_text_embedding_batch([p.text for p in chunk])):
            vectors[p.id] = v
        if progress:
            progress(min(i + batch, len(todo)), len(todo))
    if progress and not todo:
        progress(0, 0)
    embed_seconds = time.perf_counter() - t0
    dim = len(next(iter(vectors.values())))

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-build-", dir=out_dir.parent))
    try:
        store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(dim))
        ctx = StorageContext.from_defaults(vector_store=store)
        VectorStoreIndex(_nodes_from(passages, vectors), storage_context=ctx, embed_model=embed,
                         show_progress=False).storage_context.persist(persist_dir=str(tmp))
        (tmp / "sources.json").write_text(json.dumps({s.name: s.text for s in sources}, ensure_ascii=False))
        manifest = {
            "format": FORMAT_VERSION,
            "embed_model": embed_info["name"],
            "embed_hash": embed_info["hash"],
            "dimension": dim,
            "chunking": chunking,
            "sources": [{"name": s.name, "sha256": s.sha256, "chars": len(s.text),
                         "passages": sum(p.source == s.name for p in passages)} for s in sources],
            "passages": len(passages),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    stats = {"passages": len(passages), "embedded": len(todo), "reused": len(passages) - len(todo),
             "embed_seconds": round(embed_seconds, 2)}
    return load_index(out_dir, embed, embed_info), stats


def reusable_index(path: Path, embed, embed_info: dict) -> Index | None:
    """The index at `path` whose vectors a rebuild may reuse; None when there is none, or it was built with
    another model, or it is damaged (then everything is embedded anew)."""
    if not (Path(path) / "manifest.json").exists():
        return None
    try:
        return load_index(path, embed, embed_info)
    except IndexStoreError:
        return None


def _swap_in(new: Path, live: Path) -> None:
    """Replace `live` by `new` with renames only: a reader sees the old index or the new one."""
    if live.exists():
        if not (live / MANIFEST).exists() and any(live.iterdir()):
            raise IndexStoreError(f"{live} exists and is not an index (no {MANIFEST}); choose another --index-dir "
                                  "or empty it yourself: nothing was overwritten")
        old = live.with_name(f".{live.name}-old-{int(time.time() * 1000)}")
        live.rename(old)
        new.rename(live)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(live)


def read_manifest(path: Path) -> dict:
    mf = Path(path) / MANIFEST
    if not mf.is_file():
        raise IndexStoreError(f"no index at {path}: run `rag index`")
    try:
        manifest = json.loads(mf.read_text())
        manifest["embed_model"], manifest["dimension"], manifest["sources"]
    except (ValueError, KeyError, TypeError) as e:
        raise IndexStoreError(f"the index at {path} is corrupted (manifest unreadable: {e}): run `rag index --rebuild`") from e
    return manifest


def load_index(path: Path, embed, embed_info: dict) -> Index:
    """Load and check an index. Refuses one built with another embedding model, or damaged."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexStoreError(f"the index at {path} has format {manifest.get('format')}, this version reads "
                              f"{FORMAT_VERSION}: run `rag index --rebuild`")
    if manifest["embed_model"] != embed_info["name"] or manifest.get("embed_hash") != embed_info["hash"]:
        raise IndexStoreError(
            f"the index at {path} was built with the embedding model {manifest['embed_model']} "
            f"({str(manifest.get('embed_hash'))[:19]}), but {embed_info['name']} ({embed_info['hash'][:19]}) is configured: "
            f"run `rag index --rebuild` to rebuild it with the configured model, or choose the model it was built with.")
    try:
        from llama_index.core import StorageContext, load_index_from_storage
        from llama_index.vector_stores.faiss import FaissVectorStore

        store = FaissVectorStore.from_persist_dir(str(path))
        ctx = StorageContext.from_defaults(vector_store=store, persist_dir=str(path))
        vindex = load_index_from_storage(ctx, embed_model=embed)
        nodes = list(ctx.docstore.docs.values())
        sources = json.loads((path / "sources.json").read_text())
    except RagError:
        raise
    except Exception as e:  # noqa: BLE001 - whatever broke, the fix is the same
        raise IndexStoreError(f"the index at {path} is corrupted or incomplete ({type(e).__name__}: {e}): "
                              "run `rag index --rebuild`") from e
    passages = sorted(
        (Passage(n.node_id, n.metadata["source"], int(n.metadata["start"]), int(n.metadata["end"]), n.text,
                 n.metadata.get("heading", "")) for n in nodes),
        key=lambda p: (p.source, p.start))
    ntotal = vindex.vector_store.client.ntotal
    if ntotal != len(passages) or len(passages) != manifest.get("passages", len(passages)):
        raise IndexStoreError(f"the index at {path} is inconsistent ({ntotal} vectors, {len(passages)} passages): "
                              "run `rag index --rebuild`")
    if vindex.vector_store.client.d != manifest["dimension"]:
        raise IndexStoreError(f"the index at {path} is inconsistent (dimension): run `rag index --rebuild`")
    return Index(path, manifest, passages, sources, vindex, BM25([analyse(_lexical_text(p)) for p in passages]))


def _lexical_text(p: Passage) -> str:
    # The heading names the topic of passages under it, which their own words may not repeat.
    return f"{p.heading}\n{p.text}" if p.heading and not p.text.startswith(p.heading) else p.text
