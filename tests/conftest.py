"""Fakes with real geometry, and every path pointed at tmp_path."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "article.txt"


def _token_vector(token: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(dim)
    return v / np.linalg.norm(v)


def fake_vector(text: str, dim: int = 512) -> list[float]:
    """A bag of hash-seeded unit vectors: texts sharing words are close, others near-orthogonal."""
    from rag.index.lexical import analyse

    toks = analyse(text) or re.findall(r"\w+", text.lower()) or ["<empty>"]
    v = sum(_token_vector(t, dim) for t in toks)
    return (v / np.linalg.norm(v)).tolist()


@pytest.fixture
def fake_embed():
    from llama_index.core.embeddings import BaseEmbedding

    class FakeEmbedding(BaseEmbedding):
        model_path: str = "fake-embed"
        calls: int = 0

        def embed_queries(self, queries):
            return [fake_vector(q) for q in queries]

        def _get_query_embedding(self, query):
            return fake_vector(query)

        async def _aget_query_embedding(self, query):
            return fake_vector(query)

        def _get_text_embedding(self, text):
            self.calls += 1
            return fake_vector(text)

        def _get_text_embeddings(self, texts):
            self.calls += len(texts)
            return [fake_vector(t) for t in texts]

    return FakeEmbedding(model_name="fake-embed")


class ScriptedLLM:
    """Answers from a script: a function of the messages, or a fixed reply. Streams word by word."""

    name = "scripted"

    def __init__(self, reply):
        self.reply = reply
        self.calls: list[list[dict]] = []

    def stream(self, messages, max_tokens, temperature=0.0, stop=None):
        self.calls.append(messages)
        text = self.reply(messages) if callable(self.reply) else self.reply
        for piece in re.findall(r"\S+\s*", text):
            yield piece


@pytest.fixture
def scripted():
    return ScriptedLLM


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test touches the user's models, index or cache."""
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def settings(tmp_path):
    from rag.config import Settings

    return Settings(home=tmp_path / "home", index_dir=tmp_path / "index", embed_model="fake-embed",
                    auto_install=False)
