"""The HTTP server: a JSON + Server-Sent Events API, the Gradio chat window and the embeddable widget, in one
FastAPI app assembled from routers (`create_app`), served by `rag serve`.

Everything is served from this process: no outside host is ever asked for anything (no CDN, fonts or
analytics), and the pages' Content-Security-Policy forbids it. The local model is not thread-safe, so answers
are produced one at a time, with at most `max_waiting` questions waiting behind the one being answered (more get
a 503 with Retry-After at once); a question gets a 503 when its wait passes `wait_timeout` seconds or its answer
is not ready `question_deadline` seconds after it arrived (see service.Answerer).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from ..config import Settings
from .errors import install_error_handlers
from .routes_api import api_router
from .routes_feedback import feedback_router
from .routes_health import health_router
from .routes_pages import pages_router
from .security import BodyLimit, RateLimit, SecurityHeaders, TokenAuth, origin_of
from .service import build_services

__all__ = ["create_app", "parse_origins", "own_origins"]

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}


def parse_origins(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """"https://a.fr, https://b.fr" → ["https://a.fr", "https://b.fr"]; None or empty → [] (no other site)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else [x for v in value for x in str(v).split(",")]
    return [x.strip().rstrip("/") for x in items if x.strip()]


def own_origins(public_url: str) -> set[str]:
    """The server's own origin, from its configured public URL; on loopback, its other loopback names too (a page
    opened at http://localhost:8000 calls the public http://127.0.0.1:8000)."""
    own = origin_of(public_url)
    if not own:
        return set()
    parts = urlsplit(public_url)
    if parts.hostname in LOOPBACK_NAMES:
        port = f":{parts.port}" if parts.port else ""
        return {f"{parts.scheme}://{name}{port}" for name in ("127.0.0.1", "localhost", "[::1]")}
    return {own}


def create_app(settings: Settings | None = None, pipeline=None, *, allowed_origins: list[str] | str | None = None,
               feedback_path: Path | None = None, eval_dir: Path | None = None, wait_timeout: float | None = None,
               warm_up: bool = True, chat_ui: bool = True) -> FastAPI:
    """The FastAPI app: the API under /v1, /healthz, the widget and its pages, the Gradio chat window at /.

    `pipeline` (optional) is a `rag.pipeline.Pipeline` built elsewhere (tests pass one on fakes).
    `allowed_origins`: the other sites whose pages may call the API from a browser (CORS) and frame /embed;
    none by default (the server's own pages need no CORS), "*" for any site.
    The API token, public URL, body and rate limits, feedback cap and debug drafts come from `settings`."""
    from .. import __version__

    settings = settings or Settings()
    services = build_services(settings, pipeline, feedback_path=feedback_path, eval_dir=eval_dir,
                              wait_timeout=wait_timeout)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if warm_up:
            services.health.start()
        yield

    # The stock /docs and /redoc pages load their scripts from a CDN: /docs is our own page instead.
    app = FastAPI(title="rag — assistant souverain", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None,
                  description="Answers questions from local sources with a local model, citing the passages used. "
                              "Nothing leaves the machine.")
    app.state.services = services
    install_error_handlers(app)
    app.include_router(health_router(services))
    app.include_router(api_router(services))
    app.include_router(feedback_router(services))
    app.include_router(pages_router(services, chat_ui=chat_ui))
    if chat_ui:
        from .chat import mount_chat

        mount_chat(app, services, path="/")

    # Middleware, innermost first: token, rate limit, body size, CORS, security headers (outermost).
    origins = parse_origins(allowed_origins)
    own = own_origins(services.public_url)
    app.add_middleware(TokenAuth, token=settings.api_token)
    app.add_middleware(RateLimit, limiter=services.limiter)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(CORSMiddleware, allow_origins=["*"] if origins == ["*"] else sorted({*origins, *own}),
                       allow_methods=["GET", "POST", "OPTIONS"], allow_headers=["*"],
                       max_age=600)
    app.add_middleware(SecurityHeaders, frame_origins=origins, public_url=services.public_url)
    app.state.allowed_origins = origins
    return app
