"""GET /healthz: liveness, start-up state, queue, index and model state.

It runs on the event loop (`async def`, no thread), reads only what is in memory (and the index manifest,
cached), and never waits for anything: it answers at once however many questions are waiting."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .service import Services

__all__ = ["health_router"]


def health_router(services: Services) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["service"], summary="Liveness, start-up step, queue, index and model state "
                                                      "(never waits)")
    async def healthz() -> JSONResponse:
        return JSONResponse(services.health.report())  # plain data: no response model to validate

    return router
