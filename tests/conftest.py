"""Fakes with real geometry, and every path pointed at tmp_path.

Fast tests never see the user's RAG_* variables: each runs with RAG_HOME and RAG_INDEX_DIR in its own
tmp_path; so do `slow` tests (servers, child processes and engines on fakes). Integration tests (marked
`integration`) run on the models the user or CI installed: they see
the RAG_* variables as they were when pytest started (so RAG_HOME, RAG_THREADS, RAG_LLM_URL… mean what
they mean to the CLI), with only the index moved to tmp_path.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "article.txt"

# Markers a test module declares for all its tests (`pytestmark = ...` at its top level), read from its text.
_MODULE_MARKS = re.compile(r"^pytestmark\s*=\s*(\[[^\]]*\]|[^\n]*)", re.M)


def pytest_collection_modifyitems(config, items):
    """A `slow` test (on fakes, but real servers, child processes or engines: seconds each) is also an
    `integration` test, so the fast suite (`-m "not integration and not browser"`) leaves it out."""
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.integration)


def pytest_ignore_collect(collection_path, config):
    """Skip importing a module whose every test the -m expression deselects (its imports cost seconds: Milvus,
    schemathesis, Gradio), judged from the markers it declares for all its tests."""
    expr = config.option.markexpr
    if not expr or collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    try:
        from _pytest.mark.expression import Expression  # pytest's own -m parser (private: skip on change)

        found = _MODULE_MARKS.search(collection_path.read_text(encoding="utf-8"))
        if not found:
            return None
        marks = set(re.findall(r"pytest\.mark\.(\w+)\b(?!\()", found.group(1)))
        marks |= {"integration"} if "slow" in marks else set()
        if marks and not Expression.compile(expr).evaluate(lambda name, **kw: not kw and name in marks):
            return True
    except Exception:  # never let a shortcut break collection
        return None
    return None


# The RAG_* variables of the user or CI, read before any test isolates them.
REAL_ENV: dict[str, str] = {k: v for k, v in os.environ.items() if k.startswith("RAG_")}


def real_settings(**overrides):
    """Settings as the CLI builds them from the real environment (`rag models install` put the models in
    their home: nothing is downloaded a second time); `overrides` only where a test needs isolation."""
    from rag.config import settings_from_env

    return settings_from_env(REAL_ENV, **overrides)


@functools.lru_cache(maxsize=100_000)
def _token_vector(token: str, dim: int) -> np.ndarray:  # cached: read-only, summed into new arrays
    seed = int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(dim)
    return v / np.linalg.norm(v)


# A few English words and the French word that means the same: the fake's "multilingual" similarity space,
# so a claim in English lands near the French passage that states it (and far from one that does not).
GLOSSARY = {"director": "directeur", "general": "général", "head": "dirige", "heads": "dirige", "leads": "dirige",
            "law": "loi", "presented": "présentée", "early": "début", "year": "année", "national": "nationale",
            "assembly": "assemblée", "regions": "régions", "minister": "ministre", "agency": "agence"}


def fake_vector(text: str, dim: int = 512, translate: bool = False) -> list[float]:
    """A bag of hash-seeded unit vectors: texts sharing words are close, others near-orthogonal."""
    from rag.index.lexical import analyse

    if translate:
        text = re.sub(r"[A-Za-z]+", lambda m: GLOSSARY.get(m.group().lower(), m.group()), text)
    toks = analyse(text) or re.findall(r"\w+", text.lower()) or ["<empty>"]
    v = sum(_token_vector(t, dim) for t in toks)
    return (v / np.linalg.norm(v)).tolist()


@pytest.fixture
def fake_embed():
    return make_fake_embed()


def make_fake_embed():
    """A fresh fake embedding (the `fake_embed` fixture, for code that builds its own outside a test)."""
    return _fake_embedding_class()(model_name="fake-embed")


@functools.cache
def _fake_embedding_class():
    """Made once: a pydantic model class costs ~20 ms to create, and hundreds of tests ask for a fresh instance."""
    from llama_index.core.embeddings import BaseEmbedding

    class FakeEmbedding(BaseEmbedding):
        """The protocol of `rag.index.embed.SentenceEmbedding`: query/document vectors, similarity vectors,
        and lazy loading (`loaded` turns true on first use or `load()`)."""

        model_path: str = "fake-embed"
        calls: int = 0
        similarity_calls: int = 0
        loaded: bool = False

        def load(self):
            self.loaded = True

        def embed_queries(self, queries):
            self.loaded = True
            return [fake_vector(q) for q in queries]

        def embed_for_similarity(self, texts):
            self.loaded = True
            self.similarity_calls += len(texts)
            return [fake_vector(t, translate=True) for t in texts]

        def _get_query_embedding(self, query):
            self.loaded = True
            return fake_vector(query)

        async def _aget_query_embedding(self, query):
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text):
            self.loaded = True
            self.calls += 1
            return fake_vector(text)

        def _get_text_embeddings(self, texts):
            self.loaded = True
            self.calls += len(texts)
            return [fake_vector(t) for t in texts]

    return FakeEmbedding


def judge_prompt_parts(messages) -> tuple[str, str]:
    """(passage, claim) of a grounding-judge prompt (prompts/judge.en.txt)."""
    user = messages[-1]["content"]
    m = re.search(r"PASSAGE: (.*?)\n\nCLAIM: (.*?)\n\nDoes the passage", user, re.S)
    assert m, f"not a judge prompt: {user[:200]!r}"
    return m.group(1), m.group(2)


def words_judge(messages) -> float:
    """A scripted judge like a careful model: YES (margin +4) when the passage holds most of the claim's
    words, NO (margin -4) otherwise. A short claim comes as "question — claim": the claim part is judged."""
    from rag.index.lexical import analyse

    if messages[-1]["content"].startswith("QUESTION:"):
        return -4.0  # the quoted-answer prompt (prompts/answers.en.txt): never sure a sentence answers
    passage, claim = judge_prompt_parts(messages)
    claim = claim.rsplit(" — ", 1)[-1]
    words, held = set(analyse(claim)), set(analyse(passage))
    return 4.0 if words and len(words & held) / len(words) >= 0.75 else -4.0


class ScriptedLLM:
    """A fake of `rag.generate.backends.ChatModel` (and `Judge`): answers from a script, a function of the
    messages or a fixed reply, streamed word by word. `judge` scripts `yes_no(messages) -> margin` (a
    function of the judge prompt, or a fixed margin); `judge=None` makes a model that is no judge."""

    name = "scripted"
    last_perf: dict = {}  # a script measures nothing

    def __init__(self, reply, judge=words_judge):
        self.reply = reply
        self.calls: list[list[dict]] = []  # stream() calls
        self.judged: list[list[dict]] = []  # yes_no() calls
        self.prefilled: list[list[dict]] = []  # prefill() calls
        self._loaded = False
        if judge is not None:
            def yes_no(messages) -> float:
                self._loaded = True
                self.judged.append(messages)
                return float(judge(messages) if callable(judge) else judge)
            self.yes_no = yes_no  # only a model given a judge is a `Judge`

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self) -> None:
        self._loaded = True

    def prefill(self, messages) -> int:
        self._loaded = True
        self.prefilled.append(messages)
        return 1

    def stream(self, messages, max_tokens, temperature=0.0, stop=None):
        self._loaded = True
        self.calls.append(messages)
        text = self.reply(messages) if callable(self.reply) else self.reply
        for piece in re.findall(r"\S+\s*", text):
            yield piece


def cite_reply(fact_word, reply):
    """A scripted model's reply that cites the passage holding `fact_word`, like a good model would; it
    abstains when no passage of the prompt holds it."""
    def answer(messages):
        user = messages[-1]["content"].split("Question")[0]
        for m in re.finditer(r"\[(\d+)\] ((?:(?!\n\n\[\d+\] ).)*)", user, re.S):
            if fact_word in m.group(2):
                return reply.format(n=m.group(1))
        return "Je ne trouve pas la réponse dans les sources."
    return answer


@pytest.fixture
def scripted():
    return ScriptedLLM


@pytest.fixture(autouse=True)
def isolated(request, tmp_path, monkeypatch):
    """No fast test touches the user's models, index or cache, nor reads their RAG_* settings. An integration
    test keeps the real RAG_* settings (the real models), with the index in tmp_path."""
    for name in [k for k in os.environ if k.startswith("RAG_")]:
        monkeypatch.delenv(name)
    if request.node.get_closest_marker("integration") and not request.node.get_closest_marker("slow"):
        for name, value in REAL_ENV.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("RAG_HOME", str(real_settings().home))
    else:
        monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def settings(tmp_path):
    from rag.config import Settings

    return Settings(home=tmp_path / "home", index_dir=tmp_path / "index", embed_model="fake-embed",
                    auto_install=False)
