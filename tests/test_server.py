"""The HTTP API, against a real server (uvicorn on a free 127.0.0.1 port) running an Assistant built with fakes."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from contextlib import contextmanager

import httpx
import pytest

from conftest import ARTICLE, ScriptedLLM

FACTS = [  # (question cue, passage cue, answer) — what a good model writes, citing the right passage
    ("jazz", "Strubel", "Vincent Strubel dirige l'Anssi [{n}]. Il aime le jazz [9]."),
    ("anssi", "Strubel", "Le directeur général de l'Anssi est Vincent Strubel [{n}]."),
    ("résilience", "présentée à l'Assemblée nationale",
     "La loi Résilience, qui transpose la directive NIS2, sera présentée à l'Assemblée nationale au début de "
     "l'année 2026 [{n}]."),
    ("regions", "artisans de la muraille", "Selon la ministre, les régions sont \"les artisans de la muraille "
                                            "numérique de la France\" [{n}]."),
]


def smart_reply(messages) -> str:
    """A scripted model that answers the known questions like a good model would, and abstains otherwise."""
    user = messages[-1]["content"]
    if "Dernière question" in user or "Last question" in user:  # a follow-up to rewrite
        return _last_question(user)
    question = _last_question(user).lower()
    blocks = re.split(r"\n\n(?=\[\d+\] )", user)
    for q_cue, p_cue, answer in FACTS:
        if q_cue in question:
            for block in blocks:
                m = re.match(r"(?:.*\n)?\[(\d+)\] ", block, re.S)
                if m and p_cue in block:
                    return answer.format(n=m.group(1))
    return "Je ne trouve pas la réponse dans les sources."


def _last_question(user: str) -> str:
    for line in reversed(user.splitlines()):
        if re.match(r"^(Question|Dernière question|Last question)\s*:", line):
            return line.split(":", 1)[1].strip()
    return user


class SlowLLM(ScriptedLLM):
    """Writes at a readable pace: the streamed draft can be seen, and a client can leave halfway."""

    delay = 0.08

    def stream(self, messages, max_tokens, temperature=0.0, stop=None):
        for piece in super().stream(messages, max_tokens, temperature, stop):
            time.sleep(self.delay)
            yield piece


def fake_assistant(settings, fake_embed, scripted, reply=smart_reply):
    from rag.components import Components
from rag.pipeline import Pipeline
    from rag.check.grounding import GroundingChecker

    a = Assistant(settings, embed=fake_embed, llm=scripted(reply), checker=GroundingChecker())
    a.build([ARTICLE])
    return a


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(app, host: str = "127.0.0.1"):
    """Serve `app` with uvicorn in a background thread; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server(settings, fake_embed, scripted, tmp_path):
    from rag.serve.app import create_app

    app = create_app(settings, fake_assistant(settings, fake_embed, scripted),
                     feedback_path=tmp_path / "fb" / "feedback.jsonl", eval_dir=tmp_path / "eval" / "runs",
                     allowed_origins="https://mairie.example, https://www.val-vert.example", wait_timeout=1)
    with running_server(app) as url:
        yield url, app


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in re.split(r"\r?\n\r?\n", text):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def test_healthz_reports_index_and_models(server):
    url, _ = server
    r = httpx.get(f"{url}/healthz", timeout=10)
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok" and h["index"]["loaded"] and h["index"]["passages"] > 5
    assert h["index"]["sources"][0]["name"] == "article.txt" and h["index"]["sources"][0]["chars"] == len(
        ARTICLE.read_text())
    assert set(h["models"]) == {"embedding", "llm"}
    for _ in range(50):  # the warm-up runs in the background
        if httpx.get(f"{url}/healthz", timeout=10).json()["warmup"]["state"] == "done":
            break
        time.sleep(0.1)
    assert httpx.get(f"{url}/healthz", timeout=10).json()["ready"] is True


def test_ask_returns_the_answer_json_with_citations(server):
    url, app = server
    r = httpx.post(f"{url}/v1/ask", json={"question": "Qui est le directeur général de l'Anssi ?"}, timeout=30)
    assert r.status_code == 200, r.text
    a = r.json()
    assert not a["abstained"] and "Vincent Strubel" in a["answer"] and re.search(r"\[\d+\]", a["answer"])
    c = a["citations"][0]
    src = ARTICLE.read_text()
    assert "Strubel" in c["text"] and "Strubel" in src[c["span_start"]:c["span_end"]]
    assert {"question", "answer", "abstained", "citations", "retrieved", "timings", "lang", "sentences",
            "standalone_question", "draft"} <= set(a)
    assert len(a["retrieved"]) >= 10
    # the schema published for the API accepts what the API returns
    from rag.serve.app import AnswerModel

    AnswerModel.model_validate(a)


def test_ask_follow_up_uses_history(server):
    url, _ = server
    r = httpx.post(f"{url}/v1/ask", timeout=30, json={
        "question": "Et quand la loi Résilience sera-t-elle présentée ?",
        "history": [{"role": "user", "content": "Quelle loi transpose NIS2 ?"},
                    {"role": "assistant", "content": "La loi Résilience [1]."}]})
    assert r.status_code == 200, r.text
    assert "2026" in r.json()["answer"]


def test_unsupported_sentence_is_flagged(server):
    url, _ = server
    a = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi, et aime-t-il le jazz ?"}, timeout=30).json()
    assert not a["abstained"] and "jazz" not in a["answer"]
    assert [s["supported"] for s in a["sentences"]] == [True, False]


def test_stream_sends_tokens_then_the_answer(server):
    url, _ = server
    with httpx.stream("POST", f"{url}/v1/ask/stream", json={"question": "Qui est le directeur général de l'Anssi ?"},
                      timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = parse_sse(text)
    names = [e for e, _ in events]
    assert names.count("answer") == 1 and names[-1] == "answer" and names.count("token") >= 3
    assert names.index("answer") > max(i for i, n in enumerate(names) if n == "token")
    draft = "".join(d["text"] for e, d in events if e == "token")
    final = events[-1][1]
    assert "Strubel" in draft and final["citations"] and final["draft"] == draft.strip()
    # stream: true on /v1/ask is the same stream
    with httpx.stream("POST", f"{url}/v1/ask", json={"question": "Qui est le directeur général de l'Anssi ?",
                                                     "stream": True}, timeout=30) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        assert parse_sse("".join(r.iter_text()))[-1][0] == "answer"


def test_a_client_leaving_mid_stream_frees_the_model(settings, fake_embed, tmp_path):
    from rag.serve.app import create_app

    class VerySlow(SlowLLM):
        delay = 0.5

    long = "Vincent Strubel dirige l'Anssi [1]. " * 10  # 60 pieces: 30 s if nobody stops it
    app = create_app(settings, fake_assistant(settings, fake_embed, VerySlow, reply=lambda m: long),
                     warm_up=False, chat_ui=False)
    with running_server(app) as url:
        with httpx.stream("POST", f"{url}/v1/ask/stream", json={"question": "Qui dirige l'Anssi ?"}, timeout=30) as r:
            for line in r.iter_lines():
                if line.startswith("event: token"):
                    break  # the first token arrived: leave
        t0 = time.time()
        while httpx.get(f"{url}/healthz", timeout=5).json()["busy"]:
            assert time.time() - t0 < 5, "the answer kept the model busy after the client left"
            time.sleep(0.1)


def test_stream_reports_errors_as_an_error_event(settings, fake_embed, scripted, tmp_path):
    from rag.errors import GenerationError
    from rag.serve.app import create_app

    def broken(messages):
        raise GenerationError("the model could not answer: boom")

    app = create_app(settings, fake_assistant(settings, fake_embed, scripted, reply=broken), warm_up=False,
                     chat_ui=False, feedback_path=tmp_path / "fb.jsonl")
    with running_server(app) as url:
        with httpx.stream("POST", f"{url}/v1/ask/stream", json={"question": "Qui dirige l'Anssi ?"}, timeout=30) as r:
            events = parse_sse("".join(r.iter_text()))
        assert events[-1] == ("error", {"error": "the model could not answer: boom", "status": 502})
        r = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
        assert r.status_code == 502 and r.json() == {"error": "the model could not answer: boom"}
        # the lock was released: the server still answers
        assert httpx.get(f"{url}/healthz", timeout=10).json()["busy"] is False


def test_unexpected_errors_are_500_without_traceback(settings, fake_embed, scripted, tmp_path):
    from rag.serve.app import create_app

    def crash(messages):
        raise ZeroDivisionError("secret internals")

    app = create_app(settings, fake_assistant(settings, fake_embed, scripted, reply=crash), warm_up=False,
                     chat_ui=False)
    with running_server(app) as url:
        r = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
        assert r.status_code == 500 and set(r.json()) == {"error"}
        assert "Traceback" not in r.text and "secret internals" not in r.text


BAD_INPUT = [
    ({"question": ""}, "question is empty"),
    ({"question": "   "}, "question is empty"),
    ({"question": "x" * 1001}, "question must be at most 1000 characters (got 1001)"),
    ({"question": 42}, "question must be a string"),
    ({"question": ["a"]}, "question must be a string"),
    ({}, "question is required"),
    ({"question": "Qui ?", "history": "hello"}, "history must be a list"),
    ({"question": "Qui ?", "history": [{"role": "robot", "content": "x"}]}, "history.0.role must be one of"),
    ({"question": "Qui ?", "history": [{"role": "user"}]}, "history.0.content is required"),
    ({"question": "Qui ?", "history": [{"role": "user", "content": "x"}] * 21}, "history holds too many items"),
    ({"question": "Qui ?", "stream": "maybe"}, "stream must be true or false"),
]


def test_bad_input_gets_a_clear_422(server):
    url, _ = server
    for body, expected in BAD_INPUT:
        for path in ("/v1/ask", "/v1/ask/stream"):
            r = httpx.post(f"{url}{path}", json=body, timeout=10)
            assert r.status_code == 422, (path, body, r.text)
            assert set(r.json()) == {"error"} and expected in r.json()["error"], (path, body, r.json())
            assert "Traceback" not in r.text


def test_body_that_is_not_json(server):
    url, _ = server
    r = httpx.post(f"{url}/v1/ask", content=b"{not json", headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 422 and "not valid JSON" in r.json()["error"]
    r = httpx.post(f"{url}/v1/ask", json=["a list"], timeout=10)
    assert r.status_code == 422 and "JSON object" in r.json()["error"]


def test_openapi_lists_the_api(server):
    url, _ = server
    spec = httpx.get(f"{url}/openapi.json", timeout=10).json()
    assert {"/v1/ask", "/v1/ask/stream", "/v1/feedback", "/healthz"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert schemas["AskRequest"]["properties"]["question"]["maxLength"] == 1000
    assert "citations" in schemas["AnswerModel"]["properties"]


def test_feedback_goes_to_the_local_jsonl(server, tmp_path):
    url, _ = server
    r = httpx.post(f"{url}/v1/feedback", json={"question": "Qui dirige l'Anssi ?", "answer": "Vincent Strubel [1].",
                                               "useful": True, "comment": "précis"}, timeout=10)
    assert r.status_code == 200 and r.json()["stored"] is True
    r = httpx.post(f"{url}/v1/feedback", json={"question": "Q ?", "answer": "A.", "useful": False}, timeout=10)
    assert r.status_code == 200
    rows = [json.loads(x) for x in (tmp_path / "fb" / "feedback.jsonl").read_text().splitlines()]
    assert [x["useful"] for x in rows] == [True, False] and rows[0]["comment"] == "précis" and rows[0]["time"]
    r = httpx.post(f"{url}/v1/feedback", json={"question": "Q ?", "answer": "A."}, timeout=10)
    assert r.status_code == 422 and "useful is required" in r.json()["error"]


def test_cors_allows_configured_origins_only(server):
    url, _ = server
    ok = httpx.options(f"{url}/v1/ask", headers={"Origin": "https://mairie.example",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "content-type"}, timeout=10)
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://mairie.example"
    bad = httpx.options(f"{url}/v1/ask", headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"}, timeout=10)
    assert "access-control-allow-origin" not in bad.headers
    r = httpx.get(f"{url}/healthz", headers={"Origin": "https://www.val-vert.example"}, timeout=10)
    assert r.headers["access-control-allow-origin"] == "https://www.val-vert.example"
    r = httpx.get(f"{url}/healthz", headers={"Origin": "https://evil.example"}, timeout=10)
    assert "access-control-allow-origin" not in r.headers


def test_default_cors_is_this_machine_only(settings, fake_embed, scripted):
    from rag.serve.app import create_app

    app = create_app(settings, fake_assistant(settings, fake_embed, scripted), warm_up=False, chat_ui=False)
    with running_server(app) as url:
        for origin, allowed in [("http://localhost:5173", True), ("http://127.0.0.1:3000", True),
                                ("http://localhost", True), ("https://example.org", False),
                                ("http://localhost.evil.example", False)]:
            r = httpx.get(f"{url}/healthz", headers={"Origin": origin}, timeout=10)
            assert (r.headers.get("access-control-allow-origin") == origin) is allowed, origin


def test_busy_server_answers_503_after_the_wait(server):
    url, app = server
    service = app.state.service
    service.lock.acquire()
    try:
        t0 = time.time()
        r = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
        assert r.status_code == 503 and "busy" in r.json()["error"] and time.time() - t0 >= 0.9
        r = httpx.post(f"{url}/v1/ask/stream", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
        assert r.status_code == 503 and "busy" in r.json()["error"]
        assert httpx.get(f"{url}/healthz", timeout=5).json()["busy"] is True  # health never waits
    finally:
        service.lock.release()


def test_concurrent_questions_are_answered_one_at_a_time(server):
    url, app = server
    results = []

    def ask():
        results.append(httpx.post(f"{url}/v1/ask", json={"question": "Qui est le directeur général de l'Anssi ?"},
                                  timeout=30).status_code)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200, 200, 200]


def test_sources_widget_and_pages_are_served(server):
    url, _ = server
    r = httpx.get(f"{url}/v1/source/article.txt", timeout=10)
    assert r.status_code == 200 and r.json()["text"] == ARTICLE.read_text() and "Localtis" in r.json()["credit"]
    assert httpx.get(f"{url}/v1/source/nope.txt", timeout=10).status_code == 404
    assert httpx.get(f"{url}/v1/sources", timeout=10).json()[0]["name"] == "article.txt"
    js = httpx.get(f"{url}/widget.js", timeout=10)
    assert js.status_code == 200 and "javascript" in js.headers["content-type"] and "currentScript" in js.text
    assert httpx.get(f"{url}/widget.css", timeout=10).headers["content-type"].startswith("text/css")
    demo = httpx.get(f"{url}/demo", timeout=10).text
    assert f'<script src="{url}/widget.js" defer></script>' in demo
    assert "widget.js" in httpx.get(f"{url}/embed", timeout=10).text
    home = httpx.get(f"{url}/", timeout=10)
    assert home.status_code == 200 and "<html" in home.text.lower()
    r = httpx.get(f"{url}/nothing-here/at-all", timeout=10)
    assert r.status_code == 404


def test_eval_report_images_are_served_from_the_runs_folder(server, tmp_path):
    url, app = server
    run = tmp_path / "eval" / "runs" / "article"
    run.mkdir(parents=True)
    (run / "report.md").write_text("# Rapport\n\n![latency](latency.png)\n")
    (run / "latency.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    from rag.serve.chat import eval_markdown

    md = eval_markdown(app.state.service, "fr")
    assert "![latency](/eval-files/article/latency.png)" in md and "Rapport le plus récent" in md
    assert httpx.get(f"{url}/eval-files/article/latency.png", timeout=10).content.startswith(b"\x89PNG")
    assert httpx.get(f"{url}/eval-files/article/report.md", timeout=10).status_code == 404
    assert httpx.get(f"{url}/eval-files/..%2F..%2Fsecret/x.png", timeout=10).status_code == 404


def test_rendered_answer_links_citations_and_marks_the_span(server):
    url, app = server
    from rag.serve.render import render_answer, render_sources

    a = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi, et aime-t-il le jazz ?"}, timeout=30).json()
    html = render_answer(a, 1, "fr")
    n = a["citations"][0]["n"]
    assert f'href="#rag-src-1-{n}"' in html and "<del>Il aime le jazz.</del>" in html and "non sourcé" in html
    panel = render_sources([{"turn": 1, "question": a["question"], "answer": a}],
                           app.state.service.assistant.index.sources, {"article.txt": "Localtis"}, "fr")
    assert f'id="rag-src-1-{n}"' in panel and "<mark>" in panel
    total = len(ARTICLE.read_text())  # 10 051 characters
    assert f"sur {total // 1000}\u202f{total % 1000:03d}" in panel


@pytest.mark.integration
def test_real_models_through_the_server(tmp_path):
    """The default models (Settings().home), the index in tmp: the first question answers with its source."""
    from rag.config import Settings
    from rag.serve.app import create_app

    settings = Settings(index_dir=tmp_path / "index")  # real models (provisioned on first use if missing)
    app = create_app(settings, warm_up=False, chat_ui=False, feedback_path=tmp_path / "fb.jsonl")
    with running_server(app) as url:
        r = httpx.post(f"{url}/v1/ask", json={"question": "Qui est le directeur général de l'Anssi ?"}, timeout=600)
        assert r.status_code == 200, r.text
        a = r.json()
        assert not a["abstained"] and "Strubel" in a["answer"] and re.search(r"\[\d+\]", a["answer"])
        assert any("Strubel" in c["text"] for c in a["citations"])
