"""GET /healthz: liveness, warm-up, index and model state. Never waits, not even for a running answer."""

from __future__ import annotations

from fastapi import APIRouter

from .service import Services

__all__ = ["health_router"]


def health_router(services: Services) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["service"], summary="Liveness, index and model state (never blocks)")
    def healthz() -> dict:
        return services.health.report()

    return router
