"""Pages and files: the widget (/widget.js, /widget.css), /demo, /embed, /docs, /ui-assets/*, the evaluation
report's images (/eval-files/*) and, when the server has an API token, the sign-in page.

Every address a page gives of this server is the configured `public_url`, never the request's Host header."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from ..config import resource_path
from .security import COOKIE, session_value, token_matches
from .service import Services

__all__ = ["pages_router", "UI_DIR"]

UI_DIR = resource_path("ui")
PLACEHOLDER = "http://127.0.0.1:8000"  # the address written in ui/*.html, replaced by the public URL
_ASSET = re.compile(r"[\w.-]+\.(svg|png|css|js)")
NO_CACHE = {"Cache-Control": "no-cache"}
SIGN_IN_DAYS = 7


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this server only."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _sign_in_page(next_path: str, failed: bool) -> str:
    error = ('<p class="err" role="alert">Jeton incorrect. / Wrong token.</p>' if failed else "")
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connexion — assistant documentaire</title>
<style>
 body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; background: #f6f6f6; margin: 0; }}
 main {{ max-width: 420px; margin: 12vh auto; background: #fff; border: 1px solid #ddd; padding: 24px 28px; }}
 h1 {{ font-size: 1.25rem; margin: 0 0 8px; color: #000091; }} p {{ color: #3a3a3a; }}
 label {{ display: block; font-weight: 600; margin: 16px 0 6px; }}
 input[type=password] {{ width: 100%; box-sizing: border-box; padding: 8px; font-size: 1rem; border: 1px solid #888; }}
 button {{ margin-top: 16px; background: #000091; color: #fff; border: 0; padding: 10px 18px; font-size: 1rem; cursor: pointer; }}
 .err {{ color: #c9191e; font-weight: 600; }}
</style></head>
<body><main>
<h1>Assistant documentaire</h1>
<p>Ce serveur est protégé par un jeton d'accès. / This server is protected by an access token.</p>
{error}
<form method="post" action="/sign-in">
<label for="token">Jeton d'accès / Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{html.escape(next_path, quote=True)}">
<button type="submit">Entrer / Sign in</button>
</form>
</main></body></html>"""


def pages_router(services: Services, *, chat_ui: bool) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    public_url = services.public_url
    token = services.settings.api_token
    secure_cookie = public_url.startswith("https://")

    def ui_file(name: str) -> Path:
        return UI_DIR / name

    def page(name: str) -> HTMLResponse:
        text = ui_file(name).read_text(encoding="utf-8").replace(PLACEHOLDER, public_url)
        return HTMLResponse(text, headers=NO_CACHE)

    @router.get("/widget.js")
    def widget_js():
        return FileResponse(ui_file("widget.js"), media_type="text/javascript; charset=utf-8",
                            headers={**NO_CACHE, "Access-Control-Allow-Origin": "*"})

    @router.get("/widget.css")
    def widget_css():
        return FileResponse(ui_file("widget.css"), media_type="text/css; charset=utf-8",
                            headers={**NO_CACHE, "Access-Control-Allow-Origin": "*"})

    @router.get("/demo")
    def demo():
        return page("demo.html")

    @router.get("/docs")
    def docs():
        return page("api.html")

    @router.get("/embed")
    def embed():
        return page("embed.html")

    @router.get("/ui-assets/{name}")
    def ui_asset(name: str):
        if not _ASSET.fullmatch(name) or not ui_file(name).is_file():
            return JSONResponse({"error": f"no asset {name}"}, status_code=404)
        return FileResponse(ui_file(name), headers=NO_CACHE)

    @router.get("/eval-files/{run}/{name}")
    def eval_file(run: str, name: str):
        path = services.reports.image(run, name)
        if path is None:
            return JSONResponse({"error": f"no evaluation file {run}/{name}"}, status_code=404)
        return FileResponse(path)

    @router.get("/sign-in")
    def sign_in_form(next: str = "/"):
        if not token:
            return RedirectResponse(_safe_next(next), status_code=303)
        return HTMLResponse(_sign_in_page(_safe_next(next), failed=False), headers={"Cache-Control": "no-store"})

    @router.post("/sign-in")
    async def sign_in(request: Request):
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        target = _safe_next(form.get("next"))
        if not token:
            return RedirectResponse(target, status_code=303)
        if not token_matches(form.get("token", ""), token):
            return HTMLResponse(_sign_in_page(target, failed=True), status_code=401,
                                headers={"Cache-Control": "no-store"})
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, session_value(token), max_age=SIGN_IN_DAYS * 86400, path="/", httponly=True,
                            samesite="strict", secure=secure_cookie)
        return response

    @router.get("/sign-out")
    def sign_out():
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    if not chat_ui:
        @router.get("/")
        def root():
            return RedirectResponse("/docs")

    @router.get("/favicon.ico")
    def favicon():
        return Response(status_code=204)

    return router
