"""The question API: /v1/ask (JSON or Server-Sent Events), /v1/ask/stream, /v1/sources, /v1/source/{name}."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..errors import RagError
from ..types import Answer, AnswerEvent, SentenceEvent, TokenEvent
from .errors import retry_after, status_of
from .schemas import DRAFT_FIELDS, AskRequest, ErrorModel, Prefilled, PrefillRequest
from .service import Services

__all__ = ["api_router", "ERRORS_DOC"]

log = logging.getLogger("rag.server")

KEEP_ALIVE_S = 15  # a comment line this often while the stream has nothing to say

ERRORS_DOC = {401: {"model": ErrorModel, "description": "the server has an API token and the request did not carry it"},
              413: {"model": ErrorModel, "description": "the request body is too large"},
              422: {"model": ErrorModel, "description": "invalid input"},
              429: {"model": ErrorModel, "description": "too many requests from this client (see Retry-After)"},
              503: {"model": ErrorModel,
                    "description": "busy (the queue is full, the wait or the question's deadline ran out: see "
                                   "Retry-After), starting, or the model / index is unavailable"},
              500: {"model": ErrorModel, "description": "internal error"}}
ASK_ERRORS = {**ERRORS_DOC, 502: {"model": ErrorModel, "description": "the model failed while answering"}}
READ_ERRORS = {k: ERRORS_DOC[k] for k in (401, 429)}

ASK_DOC = ("Answer a question from the indexed sources. Returns the Answer JSON (as `rag ask --json`, without the "
           "model's unchecked `draft`); with `stream: true`, Server-Sent Events instead: `event: progress` (data "
           "`{\"tokens\": n}`) while the model writes, `event: sentence` (data `{\"n\", \"text\", \"citations\", "
           "\"code\"}`) for each sentence checked while the model writes the next one (the final answer has the last "
           "word: a sentence it does not keep was withdrawn), then one `event: answer` (data: the Answer JSON), or "
           "`event: error` (data `{\"error\", \"status\"}`, and `retry_after` when trying again can help). The "
           "unchecked draft never leaves the server unless it runs with RAG_DEBUG_DRAFTS=1 (then `event: token` "
           "events carry it too).")

PREFILL_DOC = ("While a question is typed (the widget sends it once it ends with \"?\", with the conversation it "
               "follows; the chat window a first question), the model reads its prompt if it is idle (a follow-up is "
               "rewritten first), never ahead of a question being answered; asked unchanged with /v1/ask, its answer "
               "then starts at once. The same answer as without: this only moves the work earlier. Nothing is "
               "written to disk or logged; `read` is false when the model was busy, when nothing relevant was "
               "retrieved, or when the server runs with RAG_PREFILL=0.")


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _sse_response(events) -> StreamingResponse:
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _history(body: AskRequest | PrefillRequest) -> list[dict]:
    return [t.model_dump() for t in body.history]


def api_router(services: Services) -> APIRouter:
    router = APIRouter(prefix="/v1")
    answerer = services.answerer
    debug = services.settings.debug_drafts

    def error_event(error: BaseException) -> str:
        if isinstance(error, RagError):
            data = {"error": str(error), "status": status_of(error)}
            after = retry_after(error)
            if after is not None:
                data["retry_after"] = after
            return _sse("error", data)
        log.error("unexpected error while streaming", exc_info=error)
        return _sse("error", {"error": f"internal error ({type(error).__name__}); the server log has the details",
                              "status": 500})

    async def stream_response(body: AskRequest) -> StreamingResponse:
        # Refused before the stream starts: bad input, then a full queue or a wait that ran out (JSON 4xx/503).
        question = answerer.validate(body.question)
        history = _history(body)
        kept = answerer.kept(question, history)
        if kept is not None:  # the same first question answered before: at once, without the model
            async def kept_iter():
                yield ": stream open\n\n"
                yield _sse("answer", services.answer_json(kept))

            return _sse_response(kept_iter())
        deadline_at = answerer.deadline_at()
        ahead = answerer.join(question, history)  # begun while it was typed: followed from its first event
        if ahead is None:
            await answerer.acquire_async(deadline_at=deadline_at)  # waits on the event loop, holding no thread
        # The answer starts now on its own thread, so the model is freed even if the client never reads.
        run = answerer.start(question, history, deadline_at, ahead)
        events = run.events(tick=KEEP_ALIVE_S)

        async def body_iter():
            tokens = 0
            try:
                yield ": stream open\n\n"
                async for item in events:
                    if item is None:
                        yield ": keep-alive\n\n"
                    elif isinstance(item, BaseException):
                        yield error_event(item)
                        return
                    elif isinstance(item, TokenEvent):
                        tokens += 1
                        if debug:
                            yield _sse("token", {"text": item.text})
                        yield _sse("progress", {"tokens": tokens})
                    elif isinstance(item, SentenceEvent):
                        x = item.sentence
                        yield _sse("sentence", {"n": item.n, "text": x.text, "citations": x.citations, "code": x.code})
                    elif isinstance(item, AnswerEvent):
                        yield _sse("answer", services.answer_json(item.answer))
            finally:
                run.cancel()  # the client left: stop generating at the next token
                await events.aclose()

        return _sse_response(body_iter())

    @router.post("/ask", tags=["answers"], summary="Ask a question", description=ASK_DOC, response_model=Answer,
                 response_model_exclude=None if debug else DRAFT_FIELDS,
                 responses={**ASK_ERRORS,
                            200: {"description": "the Answer (JSON), or an SSE stream when stream is true",
                                  "content": {"text/event-stream": {}}}})
    async def ask(body: AskRequest):
        if body.stream:
            return await stream_response(body)
        return await answerer.ask_async(body.question, _history(body))

    @router.post("/ask/stream", tags=["answers"], summary="Ask a question, streamed (Server-Sent Events)",
                 description=ASK_DOC, response_class=StreamingResponse,
                 responses={**ASK_ERRORS, 200: {"content": {"text/event-stream": {}},
                                                "description": "progress…, then answer (or error)"}})
    async def ask_stream(body: AskRequest):
        return await stream_response(body)

    @router.post("/prefill", tags=["answers"], summary="Read a question's prompt before it is asked",
                 description=PREFILL_DOC, response_model=Prefilled, responses=ERRORS_DOC)
    async def prefill(body: PrefillRequest) -> Prefilled:
        question = answerer.validate(body.question)
        if not services.settings.prefill:
            return Prefilled(False)
        return Prefilled(await run_in_threadpool(answerer.prefill, question, _history(body)))

    @router.get("/sources", tags=["sources"], summary="The indexed sources (name, length, title, credit)",
                responses=READ_ERRORS)
    async def sources() -> list[dict]:
        return services.sources.list()

    @router.get("/source/{name:path}", tags=["sources"], summary="The original text of one source",
                responses={**READ_ERRORS, 404: {"model": ErrorModel, "description": "no source of that name"},
                           503: {"model": ErrorModel, "description": "the index is unavailable"}})
    async def source(name: str):
        try:
            return await run_in_threadpool(services.sources.get, name)
        except KeyError:
            return JSONResponse({"error": f"no source named {name!r}; see /v1/sources"}, status_code=404)

    return router
