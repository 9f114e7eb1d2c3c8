"""The obvious build, for comparison: llama-index's `VectorStoreIndex` and `CitationQueryEngine` with
their defaults, on the same embedding model and the same local generative model."""

from __future__ import annotations

import re
import time
from typing import Any

from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from pydantic import PrivateAttr

__all__ = ["Baseline"]


class _LocalLLM(CustomLLM):
    """Hands llama-index's prompts to our local model (one user message, the model's chat template)."""

    context_window: int = 4096
    num_output: int = 256
    _model: Any = PrivateAttr()

    def __init__(self, model, **kw):
        super().__init__(**kw)
        self._model = model

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=self.context_window, num_output=self.num_output, model_name="local")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kw) -> CompletionResponse:
        return CompletionResponse(text="".join(self._model.stream([{"role": "user", "content": prompt}],
                                                                  max_tokens=self.num_output)))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kw) -> CompletionResponseGen:
        text = ""
        for piece in self._model.stream([{"role": "user", "content": prompt}], max_tokens=self.num_output):
            text += piece
            yield CompletionResponse(text=text, delta=piece)


def cite_by_number(text: str, sources: list[str]) -> str:
    """The stock prompt shows each passage's metadata, and the model sometimes cites "[068-01]" (a source
    name) instead of "[1]": read as a citation of that source's passages, so the baseline is scored on what
    it meant, not on a spelling. The only change made to its output."""
    def number(m):
        hits = [f"[{i}]" for i, name in enumerate(sources, start=1) if name and name == m.group(1).strip()]
        return "".join(hits) or m.group(0)
    return re.sub(r"\[([^\[\]]+)\]", number, text)


class Baseline:
    def __init__(self, sources, embed, model, n_ctx: int = 4096):
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.query_engine import CitationQueryEngine

        docs = [Document(text=s.text, metadata={"source": s.name}) for s in sources]
        self.index = VectorStoreIndex.from_documents(docs, embed_model=embed)
        self.llm = _LocalLLM(model, context_window=n_ctx)
        self.engine = CitationQueryEngine.from_args(self.index, llm=self.llm)
        self.retriever = self.index.as_retriever(similarity_top_k=10)

    def answer(self, question: str, retrieval_only: bool = False) -> dict:
        t0 = time.perf_counter()
        retrieved = self.retriever.retrieve(question)
        t_ret = time.perf_counter() - t0
        t = time.perf_counter()
        resp = None if retrieval_only else self.engine.query(question)
        gen = time.perf_counter() - t
        nodes = resp.source_nodes if resp else []
        names = [n.node.metadata.get("source", "") for n in nodes]
        text = cite_by_number(str(resp.response or "").strip(), names) if resp else ""
        citations = [{"n": i, "source": name, "start": None, "end": None,
                      "text": re.sub(r"^Source \d+:\n", "", n.node.get_content())}
                     for i, (n, name) in enumerate(zip(nodes, names), start=1)]
        return {"answer": text, "abstained": resp is not None and (not text or text.lower().startswith("empty response")),
                "citations": [c for c in citations if f"[{c['n']}]" in text],
                "retrieved": [{"source": n.node.metadata.get("source", ""), "start": n.node.start_char_idx,
                               "end": n.node.end_char_idx, "text": n.node.get_content(), "score": n.score}
                              for n in retrieved],
                "timings": {"retrieval": round(t_ret, 3), "generation": round(gen, 3),
                            "total": round(time.perf_counter() - t0, 3)}}
