"""Build, persist and load the index: FAISS vectors and the passage store (through llama-index), the
original sources, and a manifest that says how it was built.

A build happens beside the live index and replaces it by rename, so a failure never leaves a
half-written index. Passages of unchanged sources keep their vectors: only new text is embedded.

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

from ..errors import IndexStoreError, RagError
from ..ingest.chunk import split_passages
from ..types import Passage, Source
from .lexical import BM25, analyse

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux/macOS
    fcntl = None

__all__ = ["Index", "build_index", "load_index", "read_manifest", "reusable_index", "check_index_dir", "recover_interrupted",
           "MANIFEST", "FORMAT", "FORMAT_VERSION", "SPLITTER"]

MANIFEST = "manifest.json"
FORMAT = "rag-index"  # the signature of an index written by this program
FORMAT_VERSION = 2  # 2: signed manifest listing its files; 1: unsigned (still read)
SPLITTER = "sentences-v1"  # bump when split_passages changes what it produces
MARKER = ".rag-index"  # written first in a build folder (and kept): says the folder is ours
SOURCES = "sources.json"
VECTORS = "default__vector_store.json"
# What a build writes (llama-index persists the stores it has): an index of format 1 held only these.
_STORE_FILES = frozenset({"docstore.json", "index_store.json", "graph_store.json", "image__vector_store.json", VECTORS})
_INDEX_FILES = _STORE_FILES | {MANIFEST, SOURCES, MARKER}
_REBUILD = "run `rag index --rebuild`"

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

    out_dir = Path(out_dir)
    live = _live_path(out_dir)
    recover_interrupted(live)
    check_index_dir(live)  # before any work: a folder that is not ours is refused at once
    _clean_strays(live)
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
    if not passages:
        raise RagError("nothing to index: give at least one .txt or .md file")
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

    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{live.name}-build-", dir=live.parent))
    except OSError as e:
        raise IndexStoreError(f"cannot write the index beside {live}: {e.strerror or e}; "
                              "choose another --index-dir") from e
    lock = None
    try:
        lock = _mark(tmp)
        store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(dim))
        ctx = StorageContext.from_defaults(vector_store=store)
        VectorStoreIndex(_nodes_from(passages, vectors), storage_context=ctx, embed_model=embed,
                         show_progress=False).storage_context.persist(persist_dir=str(tmp))
        (tmp / SOURCES).write_text(json.dumps({s.name: s.text for s in sources}, ensure_ascii=False))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "embed_model": embed_info["name"],
            "embed_hash": embed_info["hash"],
            "dimension": dim,
            "chunking": chunking,
            "sources": [{"name": s.name, "sha256": s.sha256, "chars": len(s.text),
                         "passages": sum(p.source == s.name for p in passages)} for s in sources],
            "passages": len(passages),
            "files": sorted({f.name for f in tmp.iterdir()} | {MANIFEST}),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        _swap_in(tmp, live)
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
             "embed_seconds": round(embed_seconds, 2)}
    return load_index(out_dir, embed, embed_info), stats


def reusable_index(path: Path, embed, embed_info: dict) -> Index | None:
    """The index at `path` whose vectors a rebuild may reuse; None when there is none, or it was built with
    another model, or it is damaged (then everything is embedded anew)."""
    if not (Path(path) / MANIFEST).exists():
        return None
    try:
        return load_index(path, embed, embed_info)
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


def load_index(path: Path, embed, embed_info: dict) -> Index:
    """Load and check an index. Refuses one built with another embedding model, or damaged."""
    path = Path(path)
    recover_interrupted(_live_path(path) if path.is_symlink() else path)
    manifest = read_manifest(path)
    if manifest["embed_model"] != embed_info["name"] or manifest.get("embed_hash") != embed_info["hash"]:
        raise IndexStoreError(
            f"the index at {path} was built with the embedding model {manifest['embed_model']} "
            f"({str(manifest.get('embed_hash'))[:19]}), but {embed_info['name']} ({embed_info['hash'][:19]}) is configured: "
            f"run `rag index --rebuild` to rebuild it with the configured model, or choose the model it was built with.")
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
        passages = sorted(
            (Passage(n.node_id, n.metadata["source"], int(n.metadata["start"]), int(n.metadata["end"]), n.text,
                     n.metadata.get("heading", "")) for n in nodes),
            key=lambda p: (p.source, p.start))
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
    return Index(path, manifest, passages, sources, vindex, BM25([analyse(_lexical_text(p)) for p in passages]))


def _lexical_text(p: Passage) -> str:
    # The heading names the topic of passages under it, which their own words may not repeat.
    return f"{p.heading}\n{p.text}" if p.heading and not p.text.startswith(p.heading) else p.text
