"""What answering needs, built from Settings on first use: the embedding model, the language model, the
grounding checker and the index. Nothing loads at import; tests hand in fakes instead.

Building and indexing live here; answering lives in `pipeline.py`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

from .config import DEFAULT_CORPUS, Settings, resource_path
from .errors import InputError, RagError, SourceError
from .ingest import SUPPORTED_SUFFIXES, load_source
from .index.store import Index, build_index, check_index_dir, load_index, recover_interrupted, reusable_index
from .provision import resolve_embed_path, resolve_llm_path

__all__ = ["Components", "default_corpus_paths", "collect_files"]

log = logging.getLogger("rag.index")

Progress = Callable[[str, int, int], None]


def default_corpus_paths() -> list[Path]:
    return [resource_path("corpus") / DEFAULT_CORPUS]


def _walk(folder: Path) -> list[Path]:
    """The entries with a supported suffix under `folder` that are not folders, sorted; symbolic links to folders
    are followed once each (a link loop, or a folder reached twice, is walked once)."""
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()

    def visit(d: Path) -> None:
        try:
            st = d.stat()
        except OSError:
            return
        if (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as e:
            raise SourceError(f"cannot read the folder {d}: {e.strerror or e}; check its permissions") from e
        for e in entries:
            p = Path(e.path)
            try:
                is_dir = e.is_dir()  # follows links; False for a broken link or a link loop
            except OSError:
                is_dir = False
            if is_dir:
                visit(p)
            elif p.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(p)  # FIFOs, devices, broken links… too: load_source says what is wrong with each

    visit(folder)
    return found


def collect_files(paths: list[Path]) -> list[Path]:
    """The files to index: each file given, and the .txt/.md entries under each folder given. The same file
    reached twice (given twice, or through a link) is kept once."""
    files: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        p = Path(p)
        try:
            is_dir = p.is_dir()
        except OSError:
            is_dir = False
        if not is_dir and not p.exists() and not p.is_symlink():
            raise InputError(f"{p}: no such file or folder")
        for f in _walk(p) if is_dir else [p]:
            try:
                key = f.resolve(strict=True)
            except (OSError, RuntimeError):
                key = f.absolute()  # broken or looping: load_source reports it
            if key not in seen:
                seen.add(key)
                files.append(f)
    return files


def _manifest_stamp(index_dir: Path) -> tuple | None:
    """What changes when a new index version replaces the manifest (a build renames a new folder in)."""
    try:
        st = (Path(index_dir) / "manifest.json").stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class Components:
    def __init__(self, settings: Settings, *, index: Index | None = None, llm=None, embed=None, checker=None,
                 progress: Progress | None = None):
        self.settings = settings
        self._index, self._llm, self._embed, self._checker = index, llm, embed, checker
        self._vocabulary: tuple[Index | None, str] = (None, "")
        self._stamp, self._checked_at = None, 0.0  # the loaded index's manifest identity (refresh_index)
        self._refreshing = threading.Lock()
        self.progress = progress  # model downloads on first use

    @property
    def embed(self):
        """The embedding model (a llama-index BaseEmbedding with `embed_queries` and `embed_for_similarity`)."""
        if self._embed is None:
            from .index.embed import SentenceEmbedding

            s = self.settings
            path = resolve_embed_path(s.embed_model, s.models_dir, s.auto_install, self.progress)
            self._embed = SentenceEmbedding(path, model_name=s.embed_model)
        return self._embed

    def embed_info(self) -> dict:
        """What an index records of its embedding model: a name and a hash of the weights."""
        from .index.embed import model_fingerprint

        return {"name": self.settings.embed_model, "hash": model_fingerprint(self.embed.model_path)}

    @property
    def llm(self):
        """The language model (a `generate.backends.ChatModel`)."""
        if self._llm is None:
            s = self.settings
            if s.llm_url:
                from .generate.backends import OpenAICompatModel

                self._llm = OpenAICompatModel(s.llm_url, s.llm_model, timeout=s.model_timeout)
            else:
                from .generate.worker import ModelWorker

                path = resolve_llm_path(s.llm_model, s.models_dir, s.auto_install, self.progress)
                self._llm = ModelWorker(path, n_ctx=s.n_ctx, threads=s.threads, home=s.home, safe_mode=s.safe_mode,
                                        timeout=s.model_timeout, memory_limit=s.model_memory_mb << 20 or None,
                                        lookup=s.lookup_drafts, state_cap=s.state_cache_mb << 20)
        return self._llm

    @property
    def checker(self):
        """The grounding check; with `check="model"` the language model judges when it can (a `Judge`)."""
        if self._checker is None:
            from .check.grounding import GroundingChecker
            from .generate.backends import Judge

            judge = self.llm if self.settings.check == "model" and isinstance(self.llm, Judge) else None
            self._checker = GroundingChecker(embed=self.embed, model=judge, thresholds=self.settings.thresholds,
                                             judge_reads=self.settings.judge_reads)
        return self._checker

    @property
    def index(self) -> Index:
        if self._index is None:
            stamp = _manifest_stamp(self.settings.index_dir)  # before loading: a swap meanwhile is seen next time
            self._index = self.open_index(auto_build=True)
            self._stamp = stamp if stamp is not None else _manifest_stamp(self.settings.index_dir)
        return self._index

    @property
    def vocabulary(self) -> str:
        """The folded words of the index's passages (`vocabulary_of`), for the check: a claim in another language
        than its passage must find there the names the corpus knows. Computed once per index version."""
        from .check.facts import vocabulary_of

        index = self.index
        if self._vocabulary[0] is not index:
            self._vocabulary = (index, vocabulary_of([p.text for p in index.passages]))
        return self._vocabulary[1]

    refresh_every = 1.0  # seconds between two looks at the manifest (refresh_index)

    def refresh_index(self) -> bool:
        """Load the index again when a new version landed in index_dir since it was loaded (a build, here or on
        another machine, swapped it in by rename, or a symbolic link now points to another version): replicas
        of a server over one shared read-only index pick it up at their next question. The old index serves
        until the new one is loaded (one reference assignment); a version that fails to load leaves it serving.
        Looks at the manifest's inode and time at most every `refresh_every` seconds. True when the index changed."""
        if self._index is None or time.monotonic() - self._checked_at < self.refresh_every:
            return False
        # Answers may run at once (a served model): one of them loads the new version, the others go on with the
        # one they have.
        if not self._refreshing.acquire(blocking=False):
            return False
        try:
            self._checked_at = time.monotonic()
            stamp = _manifest_stamp(self.settings.index_dir)
            if stamp is None or self._stamp in (stamp, "pinned"):
                return False
            try:
                index = self.open_index()
            except RagError as e:
                log.warning("a new index version at %s cannot be loaded (%s): still answering from the previous "
                            "one", self.settings.index_dir, e)
                self._stamp = stamp  # not retried until the manifest changes again
                return False
            self._index, self._stamp = index, stamp
            log.info("loaded the new index version at %s", self.settings.index_dir)
            return True
        finally:
            self._refreshing.release()

    def use_index(self, index: Index) -> None:
        """Answer from `index` (an evaluation run's own) instead of the configured one."""
        self._index, self._stamp = index, "pinned"  # never replaced by refresh_index

    def state(self) -> dict:
        """What is loaded, without loading anything (for health reports)."""
        return {"index": self._index is not None,
                "embedding": self._embed is not None and bool(getattr(self._embed, "loaded", True)),
                "llm": self._llm is not None and bool(self._llm.loaded)}

    @property
    def loaded_index(self) -> Index | None:
        return self._index

    def llm_name(self) -> str:
        s = self.settings
        return (self._llm.name if self._llm is not None else None) or s.llm_url or s.llm_model

    def warm_up(self) -> None:
        """Load or build the index and load both models, so the first question is not slow."""
        self.index
        self.embed.get_query_embedding("warm-up")  # loads the embedding model
        self.llm.load()
        self.checker

    def open_index(self, auto_build: bool = False) -> Index:
        """Load the index; on first use with no index at all, build it from the default corpus."""
        path = self.settings.index_dir
        recover_interrupted(path)
        if auto_build and (not path.exists() and not path.is_symlink() or path.is_dir() and not any(path.iterdir())):
            return self.build([])[0]
        return load_index(path, self.embed, self.embed_info(), store=self.settings.store)

    def build(self, paths: list[Path], rebuild: bool = False, progress: Callable[[int, int], None] | None = None):
        """Index `paths` (the default corpus when empty) into the index directory. Every file is read and checked
        first: a file that cannot be indexed stops the build before anything is written (the previous index
        stays), and a folder that is not an index is never replaced."""
        paths = [Path(p) for p in paths] or default_corpus_paths()
        check_index_dir(self.settings.index_dir)
        files = collect_files(paths)
        if not files:
            raise InputError(f"no .txt or .md file under {', '.join(map(str, paths))}")
        names = [f.name for f in files]
        sources = [load_source(f, f.name if names.count(f.name) == 1 else str(f), self.settings.max_source_bytes)
                   for f in files]
        previous = None if rebuild else reusable_index(self.settings.index_dir, self.embed, self.embed_info(),
                                                       store=self.settings.store)
        index, stats = build_index(sources, self.settings.index_dir, self.embed, self.embed_info(),
                                   self.settings.chunk_chars, self.settings.chunk_overlap, progress, previous,
                                   vector_index=self.settings.vector_index, store=self.settings.store)
        self._index, self._stamp = index, _manifest_stamp(self.settings.index_dir)
        return index, stats
