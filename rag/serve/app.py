"""The HTTP server: a JSON + Server-Sent Events API, the Gradio chat window, and the embeddable widget,
in one FastAPI app (`create_app`), served by `rag serve`.

Everything is served from this process: no outside host is ever asked for anything (no CDN, fonts or
analytics). The local model is not thread-safe, so answers are produced one at a time; a request
that waits longer than `wait_timeout` seconds gets a 503 saying the assistant is busy.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from ..config import Settings, resource_path
from ..errors import GenerationError, IndexStoreError, InputError, ModelError, RagError
from ..types import AnswerEvent, TokenEvent, final_answer

__all__ = ["create_app", "Service", "parse_origins", "AskRequest", "AnswerModel", "FeedbackRequest",
           "DEFAULT_ORIGIN_REGEX", "SOURCE_CREDITS"]

log = logging.getLogger("rag.server")

MAX_HISTORY_MESSAGES = 20
MAX_CONTENT_CHARS = 4000
# Any port on the machine itself; the server's own pages are same-origin and need no CORS at all.
DEFAULT_ORIGIN_REGEX = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$"
# Who wrote a bundled source, shown wherever the UI shows its text.
SOURCE_CREDITS = {"article.txt": "Localtis (Banque des Territoires), novembre 2025"}
UI_DIR = resource_path("ui")


def parse_origins(value: str | list[str] | tuple[str, ...] | None) -> list[str] | None:
    """"https://a.fr, https://b.fr" → ["https://a.fr", "https://b.fr"]; None or empty → None (the default)."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else [x for v in value for x in str(v).split(",")]
    out = [x.strip().rstrip("/") for x in items if x.strip()]
    return out or None


# -- the service behind every surface ----------------------------------------------------------
class Busy(RagError):
    """Another answer is being written and the wait ran out."""


class Service:
    """One Assistant shared by the API and the chat window, with the lock that serialises answering,
    the background warm-up, and the local feedback file."""

    def __init__(self, settings: Settings, pipeline=None, *, feedback_path: Path | None = None,
                 eval_dir: Path | None = None, wait_timeout: float | None = None):
        from ..components import Components
        from ..pipeline import Pipeline

        self.settings = settings
        self.pipeline = pipeline if pipeline is not None else Pipeline(Components(settings))
        self.components = self.pipeline.components
        self.feedback_path = Path(feedback_path or Path("feedback") / "feedback.jsonl").absolute()
        self.eval_dir = Path(eval_dir or Path("eval") / "runs").absolute()
        self.wait_timeout = settings.wait_timeout if wait_timeout is None else wait_timeout
        self.lock = threading.Lock()  # held while an answer is produced (and during warm-up)
        self._feedback_lock = threading.Lock()
        self.warmup_state = "not started"
        self.warmup_error: str | None = None
        self.started = time.time()

    # answering ---------------------------------------------------------------------------------
    def acquire(self, timeout: float | None = None) -> None:
        if not self.lock.acquire(timeout=self.wait_timeout if timeout is None else timeout):
            raise Busy("the assistant is busy answering other questions and the wait ran out: "
                       "try again in a moment")

    def events(self, question: str, history: list[dict] | None = None,
               cancel: threading.Event | None = None) -> Iterator[dict]:
        """Assistant events for one question. The caller holds the lock."""
        stream = self.pipeline.stream(question, history or None)
        try:
            for event in stream:
                if cancel is not None and cancel.is_set():
                    return
                yield event
        finally:
            stream.close()

    def ask(self, question: str, history: list[dict] | None = None) -> dict:
        self.pipeline.validate(question)  # refuse bad input at once, not after waiting for the lock
        self.acquire()
        try:
            answer = final_answer(self.events(question, history))
            if answer is None:
                raise GenerationError("the assistant produced no answer: try again")
            return answer.to_dict()
        finally:
            self.lock.release()

    # warm-up and health ----------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load (or build) the index and load the models, so the first question is not slow."""
        self.warmup_state = "running"
        try:
            self.acquire(timeout=3600)
            try:
                self.components.warm_up()
            finally:
                self.lock.release()
            self.warmup_state = "done"
        except RagError as e:
            self.warmup_state, self.warmup_error = "failed", str(e)
            log.warning("warm-up failed: %s", e)
        except Exception as e:  # noqa: BLE001 - reported on /healthz; requests will say it again
            self.warmup_state, self.warmup_error = "failed", f"{type(e).__name__}: {e}"
            log.exception("warm-up failed")

    def start_warm_up(self) -> threading.Thread:
        t = threading.Thread(target=self.warm_up, name="rag-warm-up", daemon=True)
        t.start()
        return t

    def sources(self) -> list[dict]:
        """The indexed sources, without loading anything: from memory when loaded, else from the manifest."""
        index = self.components.loaded_index
        if index is not None:
            return [{"name": n, "chars": len(t), "title": _title(t), "credit": SOURCE_CREDITS.get(n)}
                    for n, t in index.sources.items()]
        try:
            from ..index.store import read_manifest

            manifest = read_manifest(self.settings.index_dir)
        except RagError:
            return []
        return [{"name": s["name"], "chars": s.get("chars"), "title": s.get("title"),
                 "credit": SOURCE_CREDITS.get(s["name"])} for s in manifest.get("sources", [])]

    def source_text(self, name: str) -> str:
        index = self.components.index
        if name not in index.sources:
            raise KeyError(name)
        return index.sources[name]

    def health(self) -> dict:
        index = self.components.loaded_index
        passages = len(index.passages) if index is not None else None
        if index is None:
            try:
                from ..index.store import read_manifest

                passages = read_manifest(self.settings.index_dir).get("passages")
            except RagError:
                pass
        state = self.components.state()
        llm_loaded, embed_loaded = state["llm"], state["embedding"]
        s = self.settings
        return {
            "status": "ok",
            "ready": self.warmup_state == "done" or (index is not None and llm_loaded and embed_loaded),
            "busy": self.lock.locked(),
            "warmup": {"state": self.warmup_state, "error": self.warmup_error},
            "index": {"loaded": index is not None, "path": str(s.index_dir), "passages": passages,
                      "sources": self.sources()},
            "models": {"embedding": {"name": s.embed_model, "loaded": embed_loaded},
                       "llm": {"name": self.components.llm_name(), "loaded": llm_loaded}},
            "uptime_s": round(time.time() - self.started, 1),
        }

    # feedback ----------------------------------------------------------------------------------------
    def store_feedback(self, record: dict) -> dict:
        """Append one feedback record to the local JSONL file (never sent anywhere)."""
        row = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), **record}
        line = json.dumps(row, ensure_ascii=False)
        try:
            with self._feedback_lock:
                self.feedback_path.parent.mkdir(parents=True, exist_ok=True)
                with self.feedback_path.open("a", encoding="utf-8") as f:
                    f.write(line + "\n")
        except OSError as e:
            raise RagError(f"cannot write the feedback file {self.feedback_path}: {e.strerror or e}") from e
        return row

    # evaluation report ---------------------------------------------------------------------------------
    def latest_report(self) -> Path | None:
        if not self.eval_dir.is_dir():
            return None
        reports = sorted(self.eval_dir.glob("*/report.md"), key=lambda p: p.stat().st_mtime)
        return reports[-1] if reports else None


def _title(text: str) -> str:
    first = text.strip().split("\n", 1)[0].lstrip("# ").strip()
    return first[:200]


def status_of(error: RagError) -> int:
    if isinstance(error, InputError):
        return 422
    if isinstance(error, Busy):
        return 503
    if isinstance(error, (ModelError, IndexStoreError)):
        return 503
    if isinstance(error, GenerationError):
        return 502
    return 500


# -- API bodies (pydantic: outside input is validated here) --------------------------------------
class Turn(BaseModel):
    role: Literal["user", "assistant"] = Field(description="who said it")
    content: str = Field(max_length=MAX_CONTENT_CHARS, description="what was said (an answer may keep its [n] markers)")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000, examples=["Qui est le directeur général de l'Anssi ?"])
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_MESSAGES,
                                description="earlier turns, oldest first, for follow-up questions")
    stream: bool = Field(False, description="answer as Server-Sent Events (token…, then answer)")


class CitationModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    n: int
    source: str
    start: int
    end: int
    text: str
    span_start: int | None = None
    span_end: int | None = None
    span_text: str | None = None


class RetrievedModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    source: str
    start: int
    end: int
    text: str
    score: float


class SentenceModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str
    citations: list[int]
    supported: bool | None = None
    score: float | None = None
    reason: str = ""
    repointed: bool = False
    spans: dict[int, Any] = Field(default_factory=dict, description="citation n -> [start, end, text]")


class AnswerModel(BaseModel):
    """The answer, as `rag ask --json` prints it (the predictions format)."""
    model_config = ConfigDict(extra="allow")
    question: str
    answer: str = Field(description="the checked answer, with [n] markers")
    abstained: bool
    citations: list[CitationModel]
    retrieved: list[RetrievedModel]
    timings: dict[str, float | int | None]
    lang: str
    standalone_question: str = ""
    sentences: list[SentenceModel] = Field(default_factory=list)
    draft: str = ""
    id: str | None = None


class ErrorModel(BaseModel):
    error: str


class FeedbackRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field(max_length=20000)
    useful: bool
    comment: str | None = Field(None, max_length=2000)
    lang: str | None = Field(None, max_length=8)
    citations: list[int] | None = Field(None, max_length=50, description="the [n] the answer carried")


class FeedbackStored(BaseModel):
    stored: bool
    file: str


def _readable(errors: list[dict]) -> str:
    """Pydantic's error list as one sentence a person can act on."""
    parts = []
    for e in errors[:5]:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body",)]
        where = ".".join(loc) or "body"
        ctx = e.get("ctx") or {}
        kind = e.get("type", "")
        if kind == "json_invalid":
            msg = "the request body is not valid JSON"
        elif kind == "missing":
            msg = f"{where} is required"
        elif kind == "string_too_short":
            msg = f"{where} is empty" if ctx.get("min_length") == 1 else f"{where} must be at least {ctx.get('min_length')} characters"
        elif kind == "string_too_long":
            got = len(e["input"]) if isinstance(e.get("input"), str) else None
            msg = f"{where} must be at most {ctx.get('max_length')} characters" + (f" (got {got})" if got else "")
        elif kind == "too_long":
            msg = f"{where} holds too many items (at most {ctx.get('max_length')})"
        elif kind == "string_type":
            msg = f"{where} must be a string"
        elif kind == "bool_parsing" or kind == "bool_type":
            msg = f"{where} must be true or false"
        elif kind == "list_type":
            msg = f"{where} must be a list"
        elif kind == "literal_error":
            msg = f"{where} must be one of {ctx.get('expected')}"
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            msg = f"{where} must be an object" if where != "body" else "the request body must be a JSON object"
        else:
            msg = f"{where}: {e.get('msg', 'invalid')}"
        parts.append(msg)
    more = f" (and {len(errors) - 5} more problems)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


# -- the app ---------------------------------------------------------------------------------------------
def create_app(settings: Settings | None = None, pipeline=None, *, allowed_origins: list[str] | str | None = None,
               feedback_path: Path | None = None, eval_dir: Path | None = None, wait_timeout: float | None = None,
               warm_up: bool = True, chat_ui: bool = True):
    """The FastAPI app: API under /v1, /healthz, the widget (/widget.js, /embed, /demo) and the Gradio
    chat window at /. `pipeline` (optional) is a Pipeline built elsewhere (tests pass one on fakes).
    `allowed_origins`: sites allowed to call the API from a browser (CORS); None means the machine itself
    (http://localhost and http://127.0.0.1 on any port); "*" allows any site."""
    import contextlib

    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from .. import __version__

    settings = settings or Settings()
    service = Service(settings, pipeline, feedback_path=feedback_path, eval_dir=eval_dir, wait_timeout=wait_timeout)
    errors_doc = {422: {"model": ErrorModel, "description": "invalid input"},
                  503: {"model": ErrorModel, "description": "busy, or models / index unavailable"},
                  500: {"model": ErrorModel, "description": "internal error"}}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if warm_up:
            service.start_warm_up()
        yield

    # The stock /docs and /redoc pages load their scripts from a CDN: /docs is our own page instead.
    app = FastAPI(title="rag — assistant souverain", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None,
                  description="Answers questions from local sources with a local model, citing the passages used. "
                              "Nothing leaves the machine.")
    app.state.service = service

    origins = parse_origins(allowed_origins)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"] if origins == ["*"] else (origins or []),
        allow_origin_regex=None if origins else DEFAULT_ORIGIN_REGEX,
        allow_methods=["GET", "POST", "OPTIONS"], allow_headers=["Content-Type"], max_age=600)
    app.state.allowed_origins = origins or ["http://localhost:*", "http://127.0.0.1:*"]

    # errors: one readable {"error": "..."} shape, never a traceback -----------------------------------
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": _readable(exc.errors())}, status_code=422)

    @app.exception_handler(RagError)
    async def _rag_error(request: Request, exc: RagError):
        return JSONResponse({"error": str(exc)}, status_code=status_of(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        msg = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and msg == "Not Found":
            msg = f"nothing at {request.url.path}"
        return JSONResponse({"error": msg}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); the server log has the details"},
                            status_code=500)

    # API ----------------------------------------------------------------------------------------------
    @app.get("/healthz", tags=["service"], summary="Liveness, index and model state (never blocks)")
    def healthz() -> dict:
        return service.health()

    def _history(body) -> list[dict]:
        return [t.model_dump() for t in body.history]

    async def _stream_response(body, request: Request):
        question = service.pipeline.validate(body.question)
        history = _history(body)
        await run_in_threadpool(service.acquire)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        cancel = threading.Event()

        def put(item):
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone (shutdown)
                cancel.set()

        def work():
            try:
                for event in service.events(question, history, cancel):
                    if isinstance(event, TokenEvent):
                        put(_sse("token", {"text": event.text}))
                    elif isinstance(event, AnswerEvent):
                        put(_sse("answer", event.answer.to_dict()))
            except RagError as e:
                put(_sse("error", {"error": str(e), "status": status_of(e)}))
            except Exception as e:  # noqa: BLE001
                log.exception("unexpected error while streaming")
                put(_sse("error", {"error": f"internal error ({type(e).__name__}); the server log has the details",
                                   "status": 500}))
            finally:
                service.lock.release()
                put(None)

        # The worker starts now, so the lock is released even if the client never reads the stream.
        threading.Thread(target=work, name="rag-answer", daemon=True).start()

        async def body_iter():
            try:
                yield ": stream open\n\n"
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), timeout=15)
                    except asyncio.TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if item is None:
                        return
                    yield item
            finally:
                cancel.set()  # the client left: stop generating at the next token

        return StreamingResponse(body_iter(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    ask_doc = ("Answer a question from the indexed sources. Returns the Answer JSON (as `rag ask --json`); with "
               "`stream: true`, Server-Sent Events instead: `event: token` (data `{\"text\"}`) while the model "
               "writes its draft, then one `event: answer` (data: the Answer JSON), or `event: error` "
               "(data `{\"error\"}`). The streamed draft is unchecked: show the final `answer` in its place.")

    @app.post("/v1/ask", tags=["answers"], summary="Ask a question", description=ask_doc,
              response_model=AnswerModel, response_model_exclude_unset=True, responses={
                  **errors_doc, 200: {"description": "the Answer (JSON), or an SSE stream when stream is true",
                                      "content": {"text/event-stream": {}}}})
    async def ask(body: AskRequest, request: Request):
        if body.stream:
            return await _stream_response(body, request)
        return JSONResponse(await run_in_threadpool(service.ask, body.question, _history(body)))

    @app.post("/v1/ask/stream", tags=["answers"], summary="Ask a question, streamed (Server-Sent Events)",
              description=ask_doc, responses={**errors_doc, 200: {"content": {"text/event-stream": {}},
                                                                  "description": "token…, then answer (or error)"}})
    async def ask_stream(body: AskRequest, request: Request):
        return await _stream_response(body, request)

    @app.post("/v1/feedback", tags=["feedback"], summary="Store a useful / not useful verdict locally",
              response_model=FeedbackStored, responses={422: errors_doc[422]})
    def feedback(body: FeedbackRequest, request: Request):
        record = body.model_dump(exclude_none=True)
        record["via"] = "api" if "/embed" not in (request.headers.get("referer") or "") else "embed"
        service.store_feedback(record)
        return {"stored": True, "file": str(service.feedback_path)}

    @app.get("/v1/sources", tags=["sources"], summary="The indexed sources (name, length, title, credit)")
    def sources() -> list[dict]:
        return service.sources()

    @app.get("/v1/source/{name:path}", tags=["sources"], summary="The original text of one source",
             responses={404: {"model": ErrorModel}})
    async def source(name: str):
        try:
            text = await run_in_threadpool(service.source_text, name)
        except KeyError:
            return JSONResponse({"error": f"no source named {name!r}; see /v1/sources"}, status_code=404)
        return {"name": name, "chars": len(text), "title": _title(text), "credit": SOURCE_CREDITS.get(name),
                "text": text}

    # widget, demo, embed ----------------------------------------------------------------------------------
    def _ui_file(name: str) -> Path:
        return UI_DIR / name

    static_headers = {"Cache-Control": "no-cache"}

    @app.get("/widget.js", include_in_schema=False)
    def widget_js():
        return FileResponse(_ui_file("widget.js"), media_type="text/javascript; charset=utf-8",
                            headers={**static_headers, "Access-Control-Allow-Origin": "*"})

    @app.get("/widget.css", include_in_schema=False)
    def widget_css():
        return FileResponse(_ui_file("widget.css"), media_type="text/css; charset=utf-8",
                            headers={**static_headers, "Access-Control-Allow-Origin": "*"})

    def _page(name: str, request: Request) -> HTMLResponse:
        html = _ui_file(name).read_text(encoding="utf-8")
        origin = str(request.base_url).rstrip("/")
        return HTMLResponse(html.replace("http://127.0.0.1:8000", origin), headers=static_headers)

    @app.get("/demo", include_in_schema=False)
    def demo(request: Request):
        return _page("demo.html", request)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request):
        return _page("api.html", request)

    @app.get("/embed", include_in_schema=False)
    def embed(request: Request):
        return _page("embed.html", request)

    @app.get("/ui-assets/{name}", include_in_schema=False)
    def ui_asset(name: str):
        if not re.fullmatch(r"[\w.-]+\.(svg|png|css|js)", name) or not _ui_file(name).is_file():
            return JSONResponse({"error": f"no asset {name}"}, status_code=404)
        return FileResponse(_ui_file(name), headers=static_headers)

    @app.get("/eval-files/{run}/{name}", include_in_schema=False)
    def eval_file(run: str, name: str):
        path = (service.eval_dir / run / name).resolve()
        if (not re.fullmatch(r"[\w.-]+\.(png|svg|jpg)", name) or path.parent.parent != service.eval_dir.resolve()
                or not path.is_file()):
            return JSONResponse({"error": f"no evaluation file {run}/{name}"}, status_code=404)
        return FileResponse(path)

    if chat_ui:
        from .chat import mount_chat

        mount_chat(app, service, path="/")
    else:
        @app.get("/", include_in_schema=False)
        def root():
            return RedirectResponse("/docs")

    return app

