"""Language models behind one small interface: `stream(messages, max_tokens)` yields text pieces.

`LlamaCppModel` runs a GGUF file in-process with llama-cpp-python (loaded on first use);
`OpenAICompatModel` talks to any OpenAI-compatible server the user runs (llama-server, vLLM…).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, Protocol

from .errors import GenerationError, ModelError

__all__ = ["ChatModel", "LlamaCppModel", "OpenAICompatModel"]


class ChatModel(Protocol):
    name: str

    def stream(self, messages: list[dict], max_tokens: int, temperature: float = 0.0,
               stop: list[str] | None = None) -> Iterator[str]: ...


class LlamaCppModel:
    def __init__(self, path: Path, n_ctx: int = 4096, threads: int = 2, seed: int = 0):
        self.path, self.n_ctx, self.threads, self.seed = Path(path), n_ctx, threads, seed
        self.name = self.path.stem
        self._llm = None
        # llama.cpp contexts are not thread-safe: one generation at a time per process.
        self.lock = threading.Lock()

    @property
    def llm(self):
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError as e:
                raise ModelError("llama-cpp-python is not installed: reinstall the project (`pip install -e .`)") from e
            from llama_cpp.llama_cache import LlamaRAMCache

            try:
                llm = Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.threads,
                            n_threads_batch=self.threads, seed=self.seed, verbose=False)
            except Exception as e:  # noqa: BLE001
                raise ModelError(f"cannot load the GGUF model {self.path}: {e}. Run `rag models install` "
                                 "or choose another with --llm-model.") from e
            # Reading the prompt is the main cost on a CPU. The cache keeps the model's state after
            # recent prompts, so the fixed instructions of the answer and judge prompts are read once,
            # even though the two kinds of call alternate.
            llm.set_cache(LlamaRAMCache(capacity_bytes=256 << 20))
            self._llm = llm
        return self._llm

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False))

    def stream(self, messages, max_tokens, temperature=0.0, stop=None):
        with self.lock:
            try:
                chunks = self.llm.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                         temperature=temperature, stop=stop, stream=True)
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as e:  # llama-cpp raises ValueError when the prompt exceeds the context
                raise GenerationError(f"the model could not answer: {e}") from e


    def format(self, messages: list[dict]) -> str:
        """The prompt text of `messages` under the model's own chat template."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llm = self.llm
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{self.path.name} has no chat template; use an instruction-tuned GGUF")
        eos = llm.detokenize([llm.token_eos()]).decode("utf-8", "ignore")
        bos = llm.detokenize([llm.token_bos()]).decode("utf-8", "ignore") if llm.token_bos() >= 0 else ""
        return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)(messages=messages).prompt

    def yes_no(self, messages: list[dict]) -> float:
        """log P("YES") - log P("NO") for the reply's first token: a graded verdict from one forward pass."""
        import numpy as np
        import llama_cpp

        with self.lock:
            llm = self.llm
            toks = llm.tokenize(self.format(messages).encode("utf-8"), add_bos=False, special=True)
            if len(toks) >= self.n_ctx:
                raise GenerationError("the text to check is too long for the model's context")
            cur = llm.longest_token_prefix(llm._input_ids.tolist(), toks)
            try:
                item = llm.cache[toks]
                if llm.longest_token_prefix(item.input_ids.tolist(), toks) > cur:
                    llm.load_state(item)
            except KeyError:
                pass
            keep = min(llm.longest_token_prefix(llm._input_ids.tolist(), toks), len(toks) - 1)
            llm.n_tokens = keep  # eval() drops the cached state past this point
            llm.eval(toks[keep:])
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits(llm._ctx.ctx), shape=(llm.n_vocab(),))
            llm.cache[toks] = llm.save_state()
            ids = self._answer_ids()
            return float(max(logits[i] for i in ids["yes"]) - max(logits[i] for i in ids["no"]))

    def _answer_ids(self) -> dict:
        if not hasattr(self, "_ids"):
            tok = lambda w: self.llm.tokenize(w.encode(), add_bos=False, special=False)[0]  # noqa: E731
            self._ids = {"yes": {tok(w) for w in ("YES", "Yes", " YES")}, "no": {tok(w) for w in ("NO", "No", " NO")}}
        return self._ids


class OpenAICompatModel:
    """Streams from `{url}/chat/completions` of an OpenAI-compatible server (local by intent)."""

    def __init__(self, url: str, model: str = "default", timeout: float = 120.0):
        self.url, self.name, self.timeout = url.rstrip("/"), model, timeout

    def stream(self, messages, max_tokens, temperature=0.0, stop=None):
        body = json.dumps({"model": self.name, "messages": messages, "max_tokens": max_tokens,
                           "temperature": temperature, "stop": stop, "stream": True}).encode()
        req = urllib.request.Request(self.url + "/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                for raw in resp:
                    line = raw.decode("utf-8").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    piece = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    if piece:
                        yield piece
        except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
            raise GenerationError(f"the model server at {self.url} failed: {e}. Is it running?") from e
