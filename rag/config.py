"""Settings: one explicit object built at the edge (CLI options bound to RAG_* variables) and passed in.

No module reads the environment itself; `Settings` is the only place defaults live.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

__all__ = ["Settings", "PACKAGE_DIR", "resource_path", "DEFAULT_CORPUS"]

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """A folder shipped with the package (prompts/, corpus/): inside the wheel, or at the repo root
    in an editable checkout."""
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.exists():
            return candidate
    return PACKAGE_DIR / name


DEFAULT_CORPUS = "article.txt"


@dataclass(frozen=True)
class Settings:
    # Where verified model files live (RAG_HOME).
    home: Path = field(default_factory=lambda: Path(platformdirs.user_cache_dir("rag")))
    # Where the index persists (RAG_INDEX).
    index_dir: Path = Path("index")
    # A provisioned model name, a local directory, or a sentence-transformers id (RAG_EMBED_MODEL).
    embed_model: str = "embeddinggemma-300m"
    # A provisioned model name or a path to a .gguf file (RAG_LLM_MODEL).
    llm_model: str = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    # An OpenAI-compatible server (http://host:port/v1) used instead of the local GGUF (RAG_LLM_URL).
    llm_url: str | None = None
    # Passage size in characters, and overlap in sentences.
    chunk_chars: int = 400
    chunk_overlap: int = 1
    top_k: int = 3
    retrieve_k: int = 10
    # Weight of the BM25 ranking in the fusion (the dense ranking weighs 1). Set on PIAF dev
    # (bench/retrieval_piaf.py): 0.3 gave the best R@5 there; names and numbers still get through BM25.
    bm25_weight: float = 0.3
    threads: int = 2
    n_ctx: int = 4096
    max_tokens: int = 320
    temperature: float = 0.0
    # Grounding check: "model" adds the local model as a judge of claims that words alone cannot settle;
    # "fast" uses words, facts and embeddings only (RAG_CHECK).
    check: str = "model"
    # Provision missing default models on first use (RAG_AUTO_INSTALL).
    auto_install: bool = True

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def models_dir(self) -> Path:
        return self.home / "models"
