"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1 (a thread of this process):
it streams server-sent chat-completion chunks, and a server that is down, slow or talks nonsense ends in
a GenerationError that says so, within the timeout, never a hang."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.components import Components
from rag.errors import GenerationError
from rag.generate.backends import ChatModel, Judge, OpenAICompatModel
from rag.pipeline import Pipeline

from conftest import ARTICLE

MSG = [{"role": "user", "content": "Qui dirige l'Anssi ?"}]


def _chunk(content=None, role=None, finish=None) -> bytes:
    delta = {k: v for k, v in (("role", role), ("content", content)) if v is not None}
    body = {"id": "c1", "object": "chat.completion.chunk", "model": "local",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(body, ensure_ascii=False).encode() + b"\n\n"


class FakeServer:
    """What each POST /v1/chat/completions gets is `self.mode`; requests are recorded."""

    def __init__(self):
        self.mode = "ok"
        self.reply = "Vincent Strubel dirige l'Anssi [1]."
        self.requests: list[dict] = []
        self.top_logprobs = [("YES", -0.1), ("NO", -2.5), ("Yes", -4.0)]  # what the judge's request gets
        self.release = threading.Event()  # ends the stalls at teardown
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body})
                getattr(self, "reply_" + server.mode)(body)

            def _start(self, ctype="text/event-stream", code=200):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Connection", "close")
                self.end_headers()

            def reply_ok(self, body):
                if not body.get("stream"):  # the judge: one token and its top log-probabilities
                    self._start("application/json")
                    top = [{"token": t, "logprob": v} for t, v in server.top_logprobs]
                    logprobs = {"content": [{"token": top[0]["token"], "logprob": top[0]["logprob"],
                                             "top_logprobs": top}]} if top else None
                    self.wfile.write(json.dumps({"choices": [{"index": 0, "logprobs": logprobs, "message": {
                        "role": "assistant", "content": top[0]["token"] if top else "YES"}}]}).encode())
                    return
                self._start()
                reply = server.reply(body["messages"]) if callable(server.reply) else server.reply
                self.wfile.write(_chunk(role="assistant"))
                for piece in re.findall(r"\S+\s*", reply):
                    self.wfile.write(_chunk(piece))
                    self.wfile.flush()
                if server.mode != "cut_short":  # llama_cpp.server interrupted by another request: no finish
                    self.wfile.write(_chunk(finish="stop"))
                self.wfile.write(b"data: [DONE]\n\n")

            reply_cut_short = reply_ok

            def reply_garbage(self, body):
                self._start()
                self.wfile.write(_chunk("Vincent ") + b"data: {this is not json\n\n")

            def reply_no_choices(self, body):
                self._start()
                self.wfile.write(b'data: {"choices": []}\n\n')

            def reply_html(self, body):
                self._start("text/html")
                self.wfile.write(b"<html><body>It works!</body></html>\n")

            def reply_error(self, body):
                self.send_error(500, "model exploded")

            def reply_stall(self, body):
                server.release.wait(10)

            def reply_stall_mid_stream(self, body):
                self._start()
                self.wfile.write(_chunk("Vincent "))
                self.wfile.flush()
                server.release.wait(10)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server():
    with FakeServer() as s:
        yield s


@contextmanager
def quickly(seconds=5.0):
    t = time.monotonic()
    yield
    assert time.monotonic() - t < seconds, "took too long: a failing server must not hang a question"


def test_it_is_a_chat_model_and_a_judge():
    m = OpenAICompatModel("http://127.0.0.1:1/v1")
    assert isinstance(m, ChatModel) and isinstance(m, Judge) and m.loaded
    m.load()  # nothing to load in this process


@pytest.mark.parametrize("top,margin", [
    ([("YES", -0.1), ("NO", -2.5), ("Yes", -4.0)], 2.4),
    ([("N", -0.2), ("Y", -1.7)], -1.5),  # a tokenizer that splits the words
    ([("NO", -0.1), ("Maybe", -3.0)], -2.9),  # YES not listed: at most the lowest listed
    ([("Maybe", -0.1), ("Perhaps", -3.0)], -100.0),  # neither: a refusal
])
def test_the_judge_reads_the_first_tokens_log_probabilities(server, top, margin):
    server.top_logprobs = top
    m = OpenAICompatModel(server.url, model="qwen-local", timeout=5)
    assert m.yes_no(MSG) == pytest.approx(margin)
    body = server.requests[-1]["body"]
    assert body["max_tokens"] == 1 and body["logprobs"] is True and not body.get("stream")


def test_a_server_without_log_probabilities_says_to_use_the_fast_check(server):
    server.top_logprobs = []
    with pytest.raises(GenerationError, match=r"no log-probabilities.*--check fast"):
        OpenAICompatModel(server.url, timeout=5).yes_no(MSG)


def test_streams_the_pieces_the_server_sends(server):
    m = OpenAICompatModel(server.url + "/", model="qwen-local", timeout=5)
    pieces = list(m.stream(MSG, max_tokens=32, temperature=0.2, stop=["\n\n"]))
    assert pieces == ["Vincent ", "Strubel ", "dirige ", "l'Anssi ", "[1]."]
    (req,) = server.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["body"] == {"model": "qwen-local", "messages": MSG, "max_tokens": 32, "temperature": 0.2,
                           "stop": ["\n\n"], "stream": True}


def test_the_pipeline_answers_through_the_server(server, settings, fake_embed):
    def cite(messages):
        user = messages[-1]["content"].split("Question")[0]
        n = next(m.group(1) for m in re.finditer(r"\[(\d+)\] ((?:(?!\n\n\[\d+\] ).)*)", user, re.S)
                 if "Strubel" in m.group(2))
        return f"Le directeur général de l'Anssi est Vincent Strubel [{n}]."
    server.reply = cite
    c = Components(settings.replace(llm_url=server.url, llm_model="qwen-local"), embed=fake_embed)
    c.build([ARTICLE])
    assert isinstance(c.llm, OpenAICompatModel) and c.checker.model is c.llm  # the judge over HTTP too
    ans = Pipeline(c).ask("Qui est le directeur général de l'Anssi ?")
    assert not ans.abstained and "Vincent Strubel" in ans.answer and "Strubel" in ans.citations[0].text


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_that_is_down(tmp_path):
    m = OpenAICompatModel(f"http://127.0.0.1:{_closed_port()}/v1", timeout=2)
    with quickly(), pytest.raises(GenerationError, match=r"model server at http://127\.0\.0\.1:\d+/v1.*Is it running"):
        list(m.stream(MSG, max_tokens=8))


@pytest.mark.parametrize("mode,match", [
    ("garbage", "not an OpenAI chat-completion stream"),
    ("no_choices", "not an OpenAI chat-completion stream"),
    ("html", "not an OpenAI chat-completion stream"),
    ("error", "HTTP 500"),
    ("stall", "timed out"),
    ("stall_mid_stream", "timed out"),
    ("cut_short", "ended the reply without finishing it.*--interrupt_requests False"),
])
def test_a_failing_server_raises_a_clear_error_quickly(server, mode, match):
    server.mode = mode
    m = OpenAICompatModel(server.url, timeout=0.25)
    with quickly(), pytest.raises(GenerationError, match=match) as e:
        list(m.stream(MSG, max_tokens=8))
    assert server.url in str(e.value)
