"""POST /v1/feedback: a useful / not useful verdict, stored in the local feedback file."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from .routes_api import ERRORS_DOC
from .schemas import ErrorModel, FeedbackRequest, FeedbackStored
from .service import Services

__all__ = ["feedback_router"]


def feedback_router(services: Services) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.post("/feedback", tags=["feedback"], summary="Store a useful / not useful verdict locally",
                 response_model=FeedbackStored,
                 responses={k: ERRORS_DOC[k] for k in (401, 413, 422, 429)} | {
                     507: {"model": ErrorModel, "description": "the feedback file is full"}})
    async def feedback(body: FeedbackRequest, request: Request):
        record = body.model_dump(exclude_none=True)
        record["via"] = "embed" if "/embed" in (request.headers.get("referer") or "") else "api"
        await run_in_threadpool(services.feedback.append, record)
        return {"stored": True, "file": str(services.feedback.path)}

    return router
