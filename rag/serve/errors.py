"""The server's errors and their HTTP statuses: every error a client sees is JSON `{"error": "<a sentence>"}`,
never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import GenerationError, IndexStoreError, InputError, ModelError, ModelUnavailable, RagError

__all__ = ["Busy", "DeadlineExceeded", "FeedbackFull", "RateLimited", "status_of", "retry_after", "readable",
           "install_error_handlers"]

log = logging.getLogger("rag.server")


class Busy(RagError):
    """The model is taken: the queue of waiting questions is full, the wait ran out, or the server is still
    starting. A 503 whose `Retry-After` says when to come back (estimated from recent answer times)."""

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class DeadlineExceeded(Busy):
    """The question's deadline (waiting and answering together) passed before its answer was ready."""


class FeedbackFull(RagError):
    """The feedback file reached its size cap."""


class RateLimited(RagError):
    """A client asked more often than its rate limit allows."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def status_of(error: RagError) -> int:
    if isinstance(error, InputError):
        return 422
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, FeedbackFull):
        return 507
    if isinstance(error, (Busy, ModelError, IndexStoreError, ModelUnavailable)):
        return 503
    if isinstance(error, GenerationError):
        return 502
    return 500


def readable(errors: list[dict]) -> str:
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
        elif kind in ("bool_parsing", "bool_type"):
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


def retry_after(error: RagError) -> int | None:
    """Seconds a client should wait before asking again, for the errors that pass (None for the others)."""
    if isinstance(error, (RateLimited, Busy)):
        return error.retry_after
    if isinstance(error, ModelUnavailable):
        return 2  # the next question starts a fresh model process
    return None


def error_response(exc: RagError) -> JSONResponse:
    after = retry_after(exc)
    headers = {"Retry-After": str(after)} if after is not None else None
    return JSONResponse({"error": str(exc)}, status_code=status_of(exc), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": readable(exc.errors())}, status_code=422)

    @app.exception_handler(RagError)
    async def _rag_error(request: Request, exc: RagError):
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        msg = exc.detail if isinstance(exc.detail, str) else "request failed"
        status = exc.status_code
        if status == 404 and msg == "Not Found":
            msg = f"nothing at {request.url.path}"
        if status == 400 and msg == "There was an error parsing the body":
            # FastAPI's answer to a body it cannot decode (bytes that are not UTF-8): the same 422 as any body
            # that is not JSON
            status, msg = 422, "the request body is not valid JSON (it must be UTF-8 text)"
        return JSONResponse({"error": msg}, status_code=status, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); the server log has the details"},
                            status_code=500)
