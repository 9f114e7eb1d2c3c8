"""What answering needs, built from Settings on first use: the embedding model, the language model, the
grounding checker and the index. Nothing loads at import; tests hand in fakes instead.

Building and indexing live here; answering lives in `pipeline.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .config import DEFAULT_CORPUS, Settings, resource_path
from .errors import InputError
from .ingest import SUPPORTED_SUFFIXES, load_source
from .index.store import Index, build_index, load_index, reusable_index
from .provision import resolve_embed_path, resolve_llm_path

__all__ = ["Components", "default_corpus_paths"]

Progress = Callable[[str, int, int], None]


def default_corpus_paths() -> list[Path]:
    return [resource_path("corpus") / DEFAULT_CORPUS]


class Components:
    def __init__(self, settings: Settings, *, index: Index | None = None, llm=None, embed=None, checker=None,
                 progress: Progress | None = None):
        self.settings = settings
        self._index, self._llm, self._embed, self._checker = index, llm, embed, checker
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

                self._llm = OpenAICompatModel(s.llm_url, s.llm_model)
            else:
                from .generate.backends import LlamaCppModel

                path = resolve_llm_path(s.llm_model, s.models_dir, s.auto_install, self.progress)
                self._llm = LlamaCppModel(path, n_ctx=s.n_ctx, threads=s.threads)
        return self._llm

    @property
    def checker(self):
        """The grounding check; with `check="model"` the language model judges when it can (a `Judge`)."""
        if self._checker is None:
            from .check.grounding import GroundingChecker
            from .generate.backends import Judge

            judge = self.llm if self.settings.check == "model" and isinstance(self.llm, Judge) else None
            self._checker = GroundingChecker(embed=self.embed, model=judge, thresholds=self.settings.thresholds)
        return self._checker

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = self.open_index(auto_build=True)
        return self._index

    def use_index(self, index: Index) -> None:
        """Answer from `index` (an evaluation run's own) instead of the configured one."""
        self._index = index

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
        if not (path / "manifest.json").exists() and auto_build and not (path.exists() and any(path.iterdir())):
            return self.build([])[0]
        return load_index(path, self.embed, self.embed_info())

    def build(self, paths: list[Path], rebuild: bool = False, progress: Callable[[int, int], None] | None = None):
        """Index `paths` (the default corpus when empty) into the index directory."""
        paths = [Path(p) for p in paths] or default_corpus_paths()
        files: list[Path] = []
        for p in paths:
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES)
                         if p.is_dir() else [p])
        if not files:
            raise InputError(f"no .txt or .md file under {', '.join(map(str, paths))}")
        names = [f.name for f in files]
        sources = [load_source(f, f.name if names.count(f.name) == 1 else str(f)) for f in files]
        previous = None if rebuild else reusable_index(self.settings.index_dir, self.embed, self.embed_info())
        index, stats = build_index(sources, self.settings.index_dir, self.embed, self.embed_info(),
                                   self.settings.chunk_chars, self.settings.chunk_overlap, progress, previous)
        self._index = index
        return index, stats
