"""Generation on a serving engine: the assistant over an OpenAI-compatible server (`--llm-url`).

Fast tests (tiny stub servers on 127.0.0.1): a server that is down, silent or talks nonsense ends in a clear
error within the model timeout, never a hang: one line in the CLI (no traceback), a 503 (down, silent) or a
502 (nonsense) from the API.

Integration tests (marked, the real default GGUF): llama-cpp-python's own server (`python -m llama_cpp.server`)
is started once for the module; `rag ask --llm-url` answers about the article with a citation, its tokens
streamed from the server, and the grounding check's model judge works over the server (log-probabilities)."""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from rag import cli
from rag.components import Components
from rag.generate.backends import OpenAICompatModel
from rag.pipeline import Pipeline

from conftest import ARTICLE, real_settings

QUESTION = "Qui est le directeur général de l'Anssi ?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- stub servers ------------------------------------------------------------------------------------
@contextmanager
def silent_server():
    """Accepts connections and reads the request, never answers: a stuck model server."""
    release = threading.Event()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held = []

    def accept():
        while not release.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            held.append(conn)

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        release.set()
        for c in held:
            c.close()
        sock.close()


@contextmanager
def garbage_server():
    """Answers every request with 200 and bytes that are no chat completion."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b"data: \x00\xffnot json at all\n\n" + os.urandom(64))

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def down_server():
    yield f"http://127.0.0.1:{_free_port()}/v1"


STUBS = {"down": down_server, "silent": silent_server, "garbage": garbage_server}
# what each failure says, and the API's status for it
EXPECTED = {"down": ("Is it running?", 503), "silent": ("timed out", 503),
            "garbage": ("not an OpenAI chat-completion stream", 502)}


@pytest.fixture
def fake_pipeline(settings, fake_embed):
    """A pipeline over the article (fake embedding) whose model is the server at a URL given later."""

    def make(url: str) -> Pipeline:
        c = Components(settings.replace(llm_url=url, model_timeout=0.5), embed=fake_embed)
        c.build([ARTICLE])
        return Pipeline(c)

    return make


@contextmanager
def quickly(seconds: float = 8.0):
    t = time.monotonic()
    yield
    assert time.monotonic() - t < seconds, "a failing model server must not hang a question"


@pytest.mark.parametrize("kind", sorted(STUBS))
def test_cli_says_what_is_wrong_with_the_server(kind, fake_pipeline, monkeypatch):
    with STUBS[kind]() as url:
        pipeline = fake_pipeline(url)
        monkeypatch.setattr(cli, "_pipeline", lambda settings: pipeline)
        with quickly():
            result = CliRunner().invoke(cli.main, ["--llm-url", url, "ask", QUESTION])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output  # a message, no trace
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("Error: the model server at " + url) and EXPECTED[kind][0] in message


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(STUBS))
def test_api_answers_503_or_502_with_the_reason(kind, fake_pipeline, settings):
    from fastapi.testclient import TestClient

    from rag.serve.app import create_app

    with STUBS[kind]() as url:
        app = create_app(settings.replace(llm_url=url), fake_pipeline(url), warm_up=False, chat_ui=False)
        with TestClient(app) as client, quickly():
            r = client.post("/v1/ask", json={"question": QUESTION})
    message, status = EXPECTED[kind]
    assert r.status_code == status, r.text
    assert message in r.json()["error"] and "Traceback" not in r.text
    if status == 503:
        assert int(r.headers["Retry-After"]) >= 1


def test_the_model_timeout_bounds_a_reply_that_trickles():
    """A server sending a byte now and then never trips the socket timeout: the whole reply is bounded too."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b'data: {"choices": [{"delta": {"content": "a"}}]}\n\n')
                self.wfile.flush()
                time.sleep(0.05)  # each gap well within the socket timeout, the whole reply past it

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        m = OpenAICompatModel(f"http://127.0.0.1:{httpd.server_address[1]}/v1", timeout=0.5)
        from rag.errors import ModelUnavailable

        with quickly(1.5), pytest.raises(ModelUnavailable, match="timed out"):
            list(m.stream([{"role": "user", "content": "hi"}], max_tokens=8))
    finally:
        httpd.shutdown()
        httpd.server_close()


# -- the real model on llama_cpp.server --------------------------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """llama_cpp.server on the default GGUF, on a free loopback port, for the module."""
    pytest.importorskip("sse_starlette", reason="llama_cpp.server needs the test extras: pip install -e '.[test]'")
    from rag.provision import resolve_llm_path

    s = real_settings()
    gguf = resolve_llm_path(s.llm_model, s.models_dir, False, None)
    port = _free_port()
    log = tmp_path_factory.mktemp("served") / "server.log"
    # (llama_cpp.server itself, in safe mode on a host that needs it: rag doctor's record, as the local model)
    cmd = [sys.executable, "-m", "rag.generate.llama_server", "--model", str(gguf), "--model_alias", "qwen-local",
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2",
           "--n_threads_batch", "2", "--seed", "0", "--verbose", "False", "--interrupt_requests", "False"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}): {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/models", timeout=2) as r:
                    assert json.load(r)["data"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("llama_cpp.server did not start within 180 s")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def served_index(tmp_path_factory):
    """The article indexed with the real embedding model, once for the module."""
    index_dir = tmp_path_factory.mktemp("served-index") / "index"
    Components(real_settings(index_dir=index_dir)).build([])
    return index_dir


@pytest.mark.integration
def test_rag_ask_answers_through_the_served_model(served, served_index, monkeypatch):
    """`rag ask --llm-url`: the answer's tokens stream from the server, it names Strubel and cites the passage;
    the grounding check's judge is the served model."""
    pieces: list[float] = []
    judged: list[float] = []
    stream, yes_no = OpenAICompatModel.stream, OpenAICompatModel.yes_no

    def spy_stream(self, *a, **kw):
        for piece in stream(self, *a, **kw):
            pieces.append(time.monotonic())
            yield piece

    def spy_yes_no(self, messages):
        judged.append(yes_no(self, messages))
        return judged[-1]

    monkeypatch.setattr(OpenAICompatModel, "stream", spy_stream)
    monkeypatch.setattr(OpenAICompatModel, "yes_no", spy_yes_no)
    result = CliRunner().invoke(cli.main, ["--llm-url", served, "--llm-model", "qwen-local", "--index-dir",
                                           str(served_index), "--threads", "2", "ask", QUESTION],
                                env={"RAG_MODEL_TIMEOUT": "600"})
    assert result.exit_code == 0, result.output
    assert "Strubel" in result.output and re.search(r"\[\d\]", result.output), result.output
    assert "Sources" in result.output and "article.txt" in result.output
    assert len(pieces) > 3 and pieces[-1] - pieces[0] > 0  # streamed piece by piece, not in one block
    assert all(math.isfinite(m) for m in judged)  # when the judge was asked, the server answered it


@pytest.mark.integration
def test_the_judge_works_over_the_served_model(served):
    """YES for a claim the passage states, NO for one it contradicts, from the server's log-probabilities."""
    from rag.generate.prompts import load_template, render

    m = OpenAICompatModel(served, "qwen-local", timeout=600)
    tpl = load_template("judge", "en")
    passage = "Vincent Strubel est le directeur général de l'Anssi depuis janvier 2023."

    def margin(claim: str) -> float:
        return m.yes_no([{"role": "system", "content": tpl["system"]},
                         {"role": "user", "content": render(tpl["user"], passage=passage, claim=claim)}])

    assert margin("Vincent Strubel dirige l'Anssi.") > 0 > margin("Guillaume Poupard dirige l'Anssi.")
