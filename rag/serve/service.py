"""What the surfaces (API, chat window) share, one job per class:

- `Answerer`: access to the model, one answer at a time (llama.cpp is not thread-safe), behind one lock;
- `Health`: the background warm-up and the `/healthz` report;
- `SourceCatalog`: the indexed sources, their titles and credits (from the index manifest);
- `FeedbackStore` (feedback.py), `Reports` (reports.py), `RateLimiter` (ratelimit.py);
- `Services`: the bundle the routers and the chat window are built on.

Everything here goes through the public accessors of `Pipeline` and `Components`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..config import Settings
from ..errors import GenerationError, RagError
from ..types import Answer, Event, final_answer
from .errors import Busy
from .feedback import FeedbackStore
from .ratelimit import RateLimiter
from .reports import Reports

__all__ = ["Answerer", "Health", "SourceCatalog", "Services", "build_services"]

log = logging.getLogger("rag.server")


class Answerer:
    """The pipeline behind a lock: one answer at a time; a question that waits past `wait_timeout` is refused."""

    def __init__(self, pipeline, wait_timeout: float):
        self.pipeline = pipeline
        self.wait_timeout = wait_timeout
        self.lock = threading.Lock()

    @property
    def busy(self) -> bool:
        return self.lock.locked()

    def validate(self, question) -> str:
        """The question cleaned, or an InputError: refused at once, before waiting for the model."""
        return self.pipeline.validate(question)

    def acquire(self, timeout: float | None = None) -> None:
        if not self.lock.acquire(timeout=self.wait_timeout if timeout is None else timeout):
            raise Busy("the assistant is busy answering other questions and the wait ran out: try again in a moment")

    def release(self) -> None:
        self.lock.release()

    @contextlib.contextmanager
    def turn(self, timeout: float | None = None):
        """Hold the model for the block."""
        self.acquire(timeout)
        try:
            yield
        finally:
            self.release()

    def events(self, question: str, history: list[dict] | None = None,
               cancel: threading.Event | None = None) -> Iterator[Event]:
        """The pipeline's events for one question; the caller holds the lock. Setting `cancel` stops the
        generation at the next event."""
        stream = self.pipeline.stream(question, history or None)
        try:
            for event in stream:
                if cancel is not None and cancel.is_set():
                    return
                yield event
        finally:
            stream.close()

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        self.validate(question)
        with self.turn():
            answer = final_answer(self.events(question, history))
        if answer is None:
            raise GenerationError("the assistant produced no answer: try again")
        return answer


def _title(text: str) -> str:
    return text.strip().split("\n", 1)[0].lstrip("# ").strip()[:200]


class SourceCatalog:
    """The indexed sources as the surfaces show them: name, length, title and credit. Titles and credits come
    from the index manifest (written at index time from each source's `<name>.meta.json`), else the first line."""

    def __init__(self, components, settings: Settings):
        self.components = components
        self.settings = settings

    def _manifest_sources(self) -> list[dict]:
        index = self.components.loaded_index
        if index is not None:
            return list(index.manifest.get("sources") or [])
        try:
            from ..index.store import read_manifest

            return list(read_manifest(self.settings.index_dir).get("sources") or [])
        except RagError:
            return []

    def list(self) -> list[dict]:
        """Without loading anything: from memory when the index is loaded, else from its manifest."""
        index = self.components.loaded_index
        texts = index.sources if index is not None else {}
        out = []
        for s in self._manifest_sources():
            name = s.get("name")
            text = texts.get(name)
            out.append({"name": name, "chars": len(text) if text is not None else s.get("chars"),
                        "title": s.get("title") or (_title(text) if text else None), "credit": s.get("credit")})
        return out

    def credits(self) -> dict[str, str]:
        return {s["name"]: s["credit"] for s in self.list() if s.get("credit")}

    def texts(self) -> dict[str, str]:
        """Name -> original text, when the index is loaded (empty otherwise: nothing is loaded for it)."""
        index = self.components.loaded_index
        return dict(index.sources) if index is not None else {}

    def get(self, name: str) -> dict:
        """One source with its text (loads the index); KeyError when there is none of that name."""
        index = self.components.index
        if name not in index.sources:
            raise KeyError(name)
        info = next((s for s in self.list() if s["name"] == name), {})
        text = index.sources[name]
        return {"name": name, "chars": len(text), "title": info.get("title") or _title(text),
                "credit": info.get("credit"), "text": text}

    def passages(self) -> int | None:
        index = self.components.loaded_index
        if index is not None:
            return len(index.passages)
        try:
            from ..index.store import read_manifest

            return read_manifest(self.settings.index_dir).get("passages")
        except RagError:
            return None


class Health:
    """The background warm-up (index and models loaded before the first question) and the health report,
    which never waits for anything."""

    def __init__(self, answerer: Answerer, components, catalog: SourceCatalog, settings: Settings):
        self.answerer, self.components, self.catalog, self.settings = answerer, components, catalog, settings
        self.state = "not started"
        self.error: str | None = None
        self.started = time.time()

    def warm_up(self) -> None:
        self.state = "running"
        try:
            with self.answerer.turn(timeout=3600):
                self.components.warm_up()
            self.state = "done"
        except RagError as e:
            self.state, self.error = "failed", str(e)
            log.warning("warm-up failed: %s", e)
        except Exception as e:  # noqa: BLE001 - reported on /healthz; requests will say it again
            self.state, self.error = "failed", f"{type(e).__name__}: {e}"
            log.exception("warm-up failed")

    def start(self) -> threading.Thread:
        t = threading.Thread(target=self.warm_up, name="rag-warm-up", daemon=True)
        t.start()
        return t

    def report(self) -> dict:
        loaded = self.components.state()
        index_loaded = self.components.loaded_index is not None
        s = self.settings
        return {
            "status": "ok",
            "ready": self.state == "done" or (index_loaded and loaded["llm"] and loaded["embedding"]),
            "busy": self.answerer.busy,
            "warmup": {"state": self.state, "error": self.error},
            "index": {"loaded": index_loaded, "path": str(s.index_dir), "passages": self.catalog.passages(),
                      "sources": self.catalog.list()},
            "models": {"embedding": {"name": s.embed_model, "loaded": loaded["embedding"]},
                       "llm": {"name": self.components.llm_name(), "loaded": loaded["llm"]}},
            "uptime_s": round(time.time() - self.started, 1),
        }


@dataclass
class Services:
    settings: Settings
    pipeline: object
    answerer: Answerer
    health: Health
    sources: SourceCatalog
    feedback: FeedbackStore
    reports: Reports
    limiter: RateLimiter
    public_url: str

    def answer_json(self, answer: Answer) -> dict:
        """The Answer as the API sends it: without the unchecked draft unless `debug_drafts` asks for it."""
        from .schemas import answer_dict

        return answer_dict(answer, self.settings.debug_drafts)


def build_services(settings: Settings, pipeline=None, *, feedback_path: Path | None = None,
                   eval_dir: Path | None = None, wait_timeout: float | None = None) -> Services:
    if pipeline is None:
        from ..components import Components
        from ..pipeline import Pipeline

        pipeline = Pipeline(Components(settings))
    components = pipeline.components
    answerer = Answerer(pipeline, settings.wait_timeout if wait_timeout is None else wait_timeout)
    catalog = SourceCatalog(components, settings)
    return Services(
        settings=settings, pipeline=pipeline, answerer=answerer,
        health=Health(answerer, components, catalog, settings), sources=catalog,
        feedback=FeedbackStore(Path(feedback_path or Path("feedback") / "feedback.jsonl"), settings.feedback_max_bytes),
        reports=Reports(Path(eval_dir or Path("eval") / "runs")),
        limiter=RateLimiter(settings.rate_limit_ask, settings.rate_limit_api),
        public_url=(settings.public_url or "http://127.0.0.1:8000").rstrip("/"))
