"""Serving: the HTTP API, the Gradio chat window and the embeddable widget, in one FastAPI app.

`app.create_app` assembles it: routers (`routes_api`, `routes_feedback`, `routes_health`, `routes_pages`), the
chat window (`chat`, HTML from `render`), the middleware of `security` (token, rate and body limits, headers),
on the shared `service.Services` (model access, health, sources, `feedback`, `reports`, `ratelimit`).
"""
