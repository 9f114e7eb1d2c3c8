"""Closed doors, as ASGI middleware around the whole app (the API, the pages and the Gradio chat window):

- `SecurityHeaders`: a Content-Security-Policy that allows this server only, `nosniff`, and frame rules
  (only `/embed` may be framed, and only by the configured origins);
- `BodyLimit`: a body larger than `max_body_bytes` gets a 413 before it is parsed (from Content-Length at
  once, else counted as it streams in);
- `RateLimit`: per-client limits (see ratelimit.py), 429 with Retry-After;
- `TokenAuth`: with an API token configured, everything but a few public pages needs it, as
  `Authorization: Bearer <token>` or the cookie the sign-in page sets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote, urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import RateLimited
from .ratelimit import RateLimiter

__all__ = ["SecurityHeaders", "BodyLimit", "RateLimit", "TokenAuth", "COOKIE", "session_value", "token_matches",
           "origin_of", "OWN_PAGES"]

COOKIE = "rag_session"
# Pages of our own (ui/): no inline script at all. Everything else (the Gradio chat window) needs inline scripts.
OWN_PAGES = {"/embed", "/demo", "/docs", "/sign-in"}
# With a token configured, these need none: they hold no data, and what they call needs the token.
PUBLIC_PATHS = {"/healthz", "/sign-in", "/sign-out", "/widget.js", "/widget.css", "/embed", "/demo", "/docs",
                "/openapi.json", "/favicon.ico", "/robots.txt"}
PUBLIC_PREFIXES = ("/ui-assets/",)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers") or []:
        if k == name:
            return v.decode("latin-1")
    return None


async def _send_json(send: Send, status: int, body: dict, headers: dict | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, frame_origins: list[str], public_url: str):
        self.app = app
        me = origin_of(public_url)
        extra = f" {me}" if me else ""
        base = (f"default-src 'self'{extra}; connect-src 'self'{extra}; img-src 'self'{extra} data: blob:; "
                f"font-src 'self'{extra} data:; media-src 'self' data: blob:; worker-src 'self' blob:; "
                f"style-src 'self'{extra} 'unsafe-inline'; object-src 'none'; base-uri 'self'; form-action 'self'")
        embed_ancestors = "*" if frame_origins == ["*"] else " ".join(["'self'", *frame_origins])
        self.own = f"{base}; script-src 'self'{extra}; frame-ancestors 'none'"
        self.embed = f"{base}; script-src 'self'{extra}; frame-ancestors {embed_ancestors}"
        # Gradio's page boots from inline scripts (its config, its theme), and its gr.HTML compiles its template
        # with Handlebars and `new Function` (the value is passed in as a variable, never compiled): inline scripts
        # and eval are allowed there, but still no script, style, image or connection to any other host.
        self.gradio = f"{base}; script-src 'self'{extra} 'unsafe-inline' 'unsafe-eval'; frame-ancestors 'none'"

    def _headers(self, path: str) -> list[tuple[bytes, bytes]]:
        if path == "/embed":
            csp, frame = self.embed, None
        else:
            csp, frame = (self.own if path in OWN_PAGES else self.gradio), b"DENY"
        out = [(b"content-security-policy", csp.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin"), (b"cross-origin-opener-policy", b"same-origin")]
        if frame:
            out.append((b"x-frame-options", frame))
        return out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = self._headers(scope.get("path", ""))
        names = {k for k, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _TooLarge(HTTPException):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def _message(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = _header(scope, b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_bytes
            except ValueError:
                return await _send_json(send, 400, {"error": "the Content-Length header is not a number"})
            if too_big:  # refused before a byte of the body is read
                return await _send_json(send, 413, {"error": self._message()}, {"Connection": "close"})
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(413, self._message())
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, {"error": self._message()}, {"Connection": "close"})


def _bucket(method: str, path: str) -> str | None:
    if method == "POST" and path in ("/v1/ask", "/v1/ask/stream"):
        return "ask"
    if path.startswith(("/v1/", "/eval-files/")) or (path == "/sign-in" and method == "POST"):
        return "api"
    if path.startswith("/gradio_api/") and not path.startswith(("/gradio_api/heartbeat", "/gradio_api/queue/data")):
        return "api"
    return None


def client_of(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


class RateLimit:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter):
        self.app, self.limiter = app, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] != "OPTIONS":
            bucket = _bucket(scope["method"], scope.get("path", ""))
            if bucket is not None:
                try:
                    self.limiter.check(bucket, client_of(scope))
                except RateLimited as e:
                    return await _send_json(send, 429, {"error": str(e)}, {"Retry-After": str(e.retry_after)})
        await self.app(scope, receive, send)


def session_value(token: str) -> str:
    """What the sign-in cookie holds: derived from the token, so the cookie jar never holds the token itself."""
    return hmac.new(token.encode("utf-8"), b"rag-session-v1", hashlib.sha256).hexdigest()


def token_matches(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


def authorised(scope: Scope, token: str) -> bool:
    auth = _header(scope, b"authorization") or ""
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and token_matches(value.strip(), token):
        return True
    return token_matches(_cookie(scope, COOKIE), session_value(token))


class TokenAuth:
    def __init__(self, app: ASGIApp, *, token: str | None):
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.token:
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if (scope["type"] == "http" and scope["method"] == "OPTIONS") or path in PUBLIC_PATHS \
                or path.startswith(PUBLIC_PREFIXES) or authorised(scope, self.token):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        accept = _header(scope, b"accept") or ""
        if scope["method"] == "GET" and "text/html" in accept:  # a person at the chat window: the sign-in page
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", f"/sign-in?next={quote(target, safe='')}".encode()),
                                    (b"content-length", b"0")]})
            return await send({"type": "http.response.body", "body": b""})
        await _send_json(send, 401, {"error": "this server needs its API token: send the header "
                                              "'Authorization: Bearer <token>' (the RAG_API_TOKEN of the server)"},
                         {"WWW-Authenticate": "Bearer"})
