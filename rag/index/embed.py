"""Sentence-transformers embeddings for llama-index, with distinct query and document encodings.

EmbeddingGemma (the default) was trained with different prompts for queries and documents; a plain
`encode` would lose that. The model loads on first use, never at import, on the CPU.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr

from ..errors import ModelError

__all__ = ["SentenceEmbedding", "model_fingerprint"]


def model_fingerprint(path_or_id: str) -> str:
    """A hash that changes when the weights change: the sha256 of the weights file when it is local
    (and a stamp exists), else of the model's config files, else the id itself."""
    p = Path(path_or_id)
    if not p.is_dir():
        return "id:" + path_or_id
    stamp = p.with_name(p.name + ".verified.json")
    if stamp.is_file():
        try:
            data = json.loads(stamp.read_text())
            return "sha256:" + data["model.safetensors"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            pass
    h = hashlib.sha256()
    for f in sorted(p.rglob("*.json")):
        h.update(f.read_bytes())
    for f in sorted(p.glob("*.safetensors")):
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    return "files:" + h.hexdigest()


class SentenceEmbedding(BaseEmbedding):
    """A llama-index embedding backed by a sentence-transformers model, normalised for cosine search."""

    model_path: str
    truncate_dim: int | None = None
    _model: Any = PrivateAttr(default=None)

    def __init__(self, model_path: str, model_name: str | None = None, truncate_dim: int | None = None, **kw):
        super().__init__(model_path=model_path, model_name=model_name or model_path, truncate_dim=truncate_dim,
                         embed_batch_size=kw.pop("embed_batch_size", 16), **kw)

    @classmethod
    def class_name(cls) -> str:
        return "SentenceEmbedding"

    @property
    def model(self):
        if self._model is None:
            local = Path(self.model_path).exists()
            # A local model needs no hub: say so before the libraries read their settings, so nothing
            # is looked up on the network; and no telemetry in any case.
            os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
            if local:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # the CLI has its own progress; keep stderr clean
                hf_logging.set_verbosity_error()
            except ImportError as e:  # pragma: no cover - a broken install
                raise ModelError("sentence-transformers is not installed: reinstall the project (`pip install -e .`)") from e
            try:
                self._model = SentenceTransformer(self.model_path, device="cpu", truncate_dim=self.truncate_dim,
                                                  local_files_only=local)
            except Exception as e:  # noqa: BLE001 - any load failure means the same thing to a user
                raise ModelError(f"cannot load the embedding model {self.model_path}: {e}. "
                                 "Run `rag models install` or choose another with --embed-model.") from e
        return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the weights now (warm-up) rather than on the first query."""
        self.model

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def _encode(self, texts: list[str], query: bool) -> list[list[float]]:
        m = self.model
        fn = getattr(m, "encode_query" if query else "encode_document", None)
        if fn is None:  # older sentence-transformers: no prompt-aware helpers
            fn = m.encode
        vecs = fn(texts, batch_size=self.embed_batch_size, normalize_embeddings=True,
                  convert_to_numpy=True, show_progress_bar=False)
        return vecs.tolist()

    def embed_for_similarity(self, texts: list[str]) -> list[list[float]]:
        """Symmetric sentence-similarity vectors (the model's STS prompt when it has one)."""
        m = self.model
        prompt = "STS" if "STS" in (getattr(m, "prompts", None) or {}) else None
        return m.encode(texts, prompt_name=prompt, normalize_embeddings=True, convert_to_numpy=True,
                        show_progress_bar=False).tolist()

    def embed_queries(self, queries: list[str]) -> list[list[float]]:
        return self._encode(queries, query=True)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query], query=True)[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text], query=False)[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts, query=False)
