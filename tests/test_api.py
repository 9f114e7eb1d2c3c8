"""The API's contract in this process (FastAPI's test client, no socket, no chat window): the Answer it returns,
its OpenAPI document, its refusals of bad input, its security headers. The same app behind a real uvicorn server,
with streaming, limits, faults and load, is tests/test_server.py and tests/test_server_faults.py (marked `slow`)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from rag.generate.prompts import one_block

from conftest import ARTICLE
from test_server import ASK, BAD_INPUT, fake_pipeline, make_settings


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from rag.serve.app import create_app

    root = tmp_path_factory.mktemp("api")
    settings = make_settings(root, 8000)
    app = create_app(settings, fake_pipeline(settings), feedback_path=root / "feedback.jsonl",
                     eval_dir=root / "runs", warm_up=False, chat_ui=False)
    return TestClient(app, base_url="http://127.0.0.1:8000")  # outside `with`: no warm-up, nothing to load


def test_ask_returns_the_answer_json_with_citations_and_verdicts(client):
    r = client.post("/v1/ask", json=ASK)
    assert r.status_code == 200, r.text
    a = r.json()
    assert not a["abstained"] and "Vincent Strubel" in a["answer"] and re.search(r"\[\d+\]", a["answer"])
    c = a["citations"][0]
    assert "Strubel" in ARTICLE.read_text()[c["span_start"]:c["span_end"]]
    assert a["sentences"][0]["supported"] is True and a["sentences"][0]["code"]
    assert "draft" not in a  # the unchecked draft stays on the server


def test_a_question_the_sources_do_not_hold_is_an_abstention_with_its_code(client):
    a = client.post("/v1/ask", json={"question": "Qui préside la région Occitanie ?"}).json()
    assert a["abstained"] and a["abstain_code"] in {"nothing_relevant", "model_declined"} and a["abstain_reason"]


def test_the_answer_and_the_openapi_document_have_the_same_fields(client):
    a = client.post("/v1/ask", json=ASK).json()
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["Answer"]["properties"]) >= set(a) - {"draft"}
    assert set(a["sentences"][0]) <= set(schemas["Sentence"]["properties"])
    assert set(a["citations"][0]) <= set(schemas["Citation"]["properties"])


@pytest.mark.parametrize("body, expected", BAD_INPUT, ids=[e for _, e in BAD_INPUT])
def test_bad_input_is_refused_in_one_sentence(client, body, expected):
    r = client.post("/v1/ask", json=body)
    assert r.status_code == 422 and r.json() == {"error": r.json()["error"]} and expected in r.json()["error"]
    assert "Traceback" not in r.text


def test_pages_forbid_other_hosts_and_framing(client):
    for path in ("/healthz", "/v1/sources", "/demo", "/docs"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert r.status_code == 200 and "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff", path


def test_feedback_is_kept_locally(client):
    body = {"question": "Qui dirige l'Anssi ?", "answer": "Vincent Strubel [1].", "useful": True}
    r = client.post("/v1/feedback", json=body)
    assert r.status_code == 200 and r.json()["stored"] is True
    assert '"useful": true' in open(r.json()["file"], encoding="utf-8").read().splitlines()[-1]
    r = client.post("/v1/feedback", json={"question": "Q ?", "answer": "A."})
    assert r.status_code == 422 and "useful is required" in r.json()["error"]


def test_request_limits_come_from_the_settings():
    from rag.config import Settings
    from rag.serve.schemas import AskRequest, FeedbackRequest, Turn

    d = Settings()
    assert AskRequest.model_fields["question"].metadata[-1].max_length == d.max_question_chars
    assert Turn.model_fields["content"].metadata[-1].max_length == d.max_message_chars
    assert FeedbackRequest.model_fields["answer"].metadata[-1].max_length == d.max_message_chars


def _served(tmp_path):
    """Settings, a scripted pipeline and the server's health object, not started (the test runs `warm_up`)."""
    from rag.serve.app import create_app

    settings = make_settings(tmp_path, 8000)
    pipeline = fake_pipeline(settings)
    app = create_app(settings, pipeline, feedback_path=tmp_path / "feedback.jsonl", eval_dir=tmp_path / "runs",
                     warm_up=False, chat_ui=False)
    return settings, pipeline, app.state.services.health


def test_once_ready_the_server_reads_each_passage_ahead_in_a_turn_of_its_own(tmp_path):
    """After "ready", `rag serve` has the model read each passage ahead (`Pipeline.warm_passages`), each in a turn
    of its own with the model (so a waiting question goes between two), and says how many when done."""
    settings, pipeline, health = _served(tmp_path)
    held = []
    pipeline.components.llm.remember = lambda messages, block=None, tail=False, kept_only=False: 0 if tail or kept_only else held.append((health.state, health.answerer.answering)) or 1
    seen = []
    health.on_step = lambda step, info: seen.append((step, info))
    health.warm_up()
    n = len(pipeline.components.index.passages)
    # Before "ready", the fixed parts (`prime`: the answer prompt in French and in English; this server's check has
    # no model judge); after it, the model held once per passage.
    assert [state for state, _ in held[:-n]] == ["starting"] * 2 and held[-n:] == [("ready", 1)] * n
    assert health.answerer.answering == 0 and health.state == "ready"
    assert [s for s, _ in seen][-2:] == ["ready", "passages kept"] and seen[-1][1]["passages"] == n


def test_a_new_index_version_has_its_new_passages_read_ahead(tmp_path):
    """Replicas pick up a new index version at their next question; the server then reads ahead the passages
    it has not read yet (each in a turn of its own, after that question), not the whole index again."""
    import time

    from rag.components import Components
    from test_server import make_embed

    settings, pipeline, health = _served(tmp_path)
    read = []
    pipeline.components.llm.remember = lambda messages, block=None, tail=False, kept_only=False: 0 if tail or kept_only else read.append(messages[-1]["content"]) or 1
    health.warm_up()
    first = len(read)
    assert first == 2 + len(pipeline.components.index.passages)  # the fixed parts (`prime`), then each passage
    extra = tmp_path / "notes.txt"
    extra.write_text("Les répliques lisent un index partagé. Une nouvelle version remplace l'ancienne d'un coup.\n")
    Components(settings, embed=make_embed()).build([ARTICLE, extra])  # a build job swaps a new version in
    pipeline.components.refresh_every = 0
    health.answerer.ask("Qui est le directeur général de l'Anssi ?")
    new = [p for p in pipeline.components.index.passages if p.source.endswith("notes.txt")]
    deadline = time.monotonic() + 10
    while len(read) < first + len(new) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # nothing more comes
    assert new and len(read) == first + len(new) and all(any(r.endswith(one_block(p.text) + "\n\n") for r in read) for p in new)
    assert health.state == "ready" and health.answerer.answering == 0


def test_a_failure_while_reading_ahead_leaves_the_server_ready(tmp_path):
    from rag.errors import ModelUnavailable

    _, pipeline, health = _served(tmp_path)

    def remember(messages, block=None, tail=False, kept_only=False):
        if health.state == "ready":  # the passages (the fixed parts, `prime`, come before "ready")
            raise ModelUnavailable("the model process stopped (SIGKILL)")
        return 1

    pipeline.components.llm.remember = remember
    health.warm_up()
    assert health.state == "ready" and health.error is None and health.answerer.answering == 0
