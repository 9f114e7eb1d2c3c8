"""Serving: the HTTP API, the Gradio chat window and the embeddable widget, in one FastAPI app."""
