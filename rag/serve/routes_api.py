"""The question API: /v1/ask (JSON or Server-Sent Events), /v1/ask/stream, /v1/sources, /v1/source/{name}."""

from __future__ import annotations

import asyncio
import json
import logging
import threading

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..errors import RagError
from ..types import Answer, AnswerEvent, TokenEvent
from .errors import status_of
from .schemas import DRAFT_FIELDS, AskRequest, ErrorModel
from .service import Services

__all__ = ["api_router", "ERRORS_DOC"]

log = logging.getLogger("rag.server")

ERRORS_DOC = {401: {"model": ErrorModel, "description": "the server has an API token and the request did not carry it"},
              413: {"model": ErrorModel, "description": "the request body is too large"},
              422: {"model": ErrorModel, "description": "invalid input"},
              429: {"model": ErrorModel, "description": "too many requests from this client (see Retry-After)"},
              503: {"model": ErrorModel, "description": "busy, or models / index unavailable"},
              500: {"model": ErrorModel, "description": "internal error"}}

ASK_DOC = ("Answer a question from the indexed sources. Returns the Answer JSON (as `rag ask --json`, without the "
           "model's unchecked `draft`); with `stream: true`, Server-Sent Events instead: `event: progress` (data "
           "`{\"tokens\": n}`) while the model writes, then one `event: answer` (data: the Answer JSON), or "
           "`event: error` (data `{\"error\", \"status\"}`). The unchecked draft never leaves the server unless it "
           "runs with RAG_DEBUG_DRAFTS=1 (then `event: token` events carry it too).")


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _history(body: AskRequest) -> list[dict]:
    return [t.model_dump() for t in body.history]


def api_router(services: Services) -> APIRouter:
    router = APIRouter(prefix="/v1")
    answerer = services.answerer
    debug = services.settings.debug_drafts

    async def stream_response(body: AskRequest) -> StreamingResponse:
        question = answerer.validate(body.question)  # refused before the stream starts, and before the wait
        history = _history(body)
        await run_in_threadpool(answerer.acquire)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        cancel = threading.Event()

        def put(item):
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone (shutdown)
                cancel.set()

        def work():
            tokens = 0
            try:
                for event in answerer.events(question, history, cancel):
                    if isinstance(event, TokenEvent):
                        tokens += 1
                        if debug:
                            put(_sse("token", {"text": event.text}))
                        put(_sse("progress", {"tokens": tokens}))
                    elif isinstance(event, AnswerEvent):
                        put(_sse("answer", services.answer_json(event.answer)))
            except RagError as e:
                put(_sse("error", {"error": str(e), "status": status_of(e)}))
            except Exception as e:  # noqa: BLE001
                log.exception("unexpected error while streaming")
                put(_sse("error", {"error": f"internal error ({type(e).__name__}); the server log has the details",
                                   "status": 500}))
            finally:
                answerer.release()
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

    @router.post("/ask", tags=["answers"], summary="Ask a question", description=ASK_DOC, response_model=Answer,
                 response_model_exclude=None if debug else DRAFT_FIELDS,
                 responses={**ERRORS_DOC, 200: {"description": "the Answer (JSON), or an SSE stream when stream is true",
                                                "content": {"text/event-stream": {}}}})
    async def ask(body: AskRequest):
        if body.stream:
            return await stream_response(body)
        return await run_in_threadpool(answerer.ask, body.question, _history(body))

    @router.post("/ask/stream", tags=["answers"], summary="Ask a question, streamed (Server-Sent Events)",
                 description=ASK_DOC, response_class=StreamingResponse,
                 responses={**ERRORS_DOC, 200: {"content": {"text/event-stream": {}},
                                                "description": "progress…, then answer (or error)"}})
    async def ask_stream(body: AskRequest):
        return await stream_response(body)

    @router.get("/sources", tags=["sources"], summary="The indexed sources (name, length, title, credit)")
    def sources() -> list[dict]:
        return services.sources.list()

    @router.get("/source/{name:path}", tags=["sources"], summary="The original text of one source",
                responses={404: {"model": ErrorModel}})
    async def source(name: str):
        try:
            return await run_in_threadpool(services.sources.get, name)
        except KeyError:
            return JSONResponse({"error": f"no source named {name!r}; see /v1/sources"}, status_code=404)

    return router
