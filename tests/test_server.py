"""The HTTP API against real servers (uvicorn on free 127.0.0.1 ports) running a Pipeline built on fakes: answers,
streaming, errors, and the closed doors (token, body and rate limits, CORS, security headers, no Host reflection,
no unchecked draft leaving the server)."""

from __future__ import annotations

import html as html_lib
import json
import re
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

import conftest
from conftest import ARTICLE, ScriptedLLM

pytestmark = pytest.mark.slow  # real uvicorn servers on loopback ports (the app in-process: test_api.py)

FACTS = [  # (question cue, passage cue, answer) — what a good model writes, citing the right passage
    ("a rappelé", "Strubel", "La sécurité doit rester la condition de tout déploiement de l'IA, a effectivement "
                             "rappelé Vincent Strubel, directeur général de l'Anssi [{n}]. Il aime le jazz, la musique "
                             "classique, les longues promenades en forêt et les romans policiers des années "
                             "cinquante [9]."),  # (long: a browser sees the first sentence alone for a while)
    ("jazz", "Strubel", "Vincent Strubel dirige l'Anssi [{n}]. Il aime le jazz [9]."),
    ("anssi", "Strubel", "Le directeur général de l'Anssi est Vincent Strubel [{n}]."),
    ("résilience", "présentée à l'Assemblée nationale",
     "La loi Résilience, qui transpose la directive NIS2, sera présentée à l'Assemblée nationale au début de "
     "l'année 2026 [{n}]."),
    ("regions", "artisans de la muraille", "Selon la ministre, les régions sont \"les artisans de la muraille "
                                            "numérique de la France\" [{n}]."),
    # the hostile document below: an answer citing it, and a sentence carrying markup (removed as unsourced)
    ("noël", "marché de Noël", "Le marché de Noël de Val-Vert ouvre le 5 décembre [{n}]. "
                               "<img src=\"http://example.invalid/answer.png\"> Il y aura des crêpes bretonnes [9]."),
]

# An indexed document that carries markup: it must always show as text, and nothing may fetch example.invalid.
# Its first paragraph passes the pipeline's injection filter (it is cited); the second is set aside by it.
HOSTILE = ('Le marché de Noël <b>Val-Vert</b>\n\n'
           'Le marché de Noël de Val-Vert ouvre le 5 décembre sur la place de la mairie, avec quarante chalets. '
           '<video poster=http://example.invalid/poster.png></video> <b>Entrée libre</b> <i>pour tous</i>, '
           '<img src="ui-assets/none.png"> voir [le programme](http://example.invalid/md-link) et ${7*7} {{7*7}}.\n\n'
           'Les chalets des artisans restent ouverts jusqu\'au 24 décembre, tous les jours de dix heures à vingt heures, '
           'et la patinoire installée devant la mairie accueille les enfants le mercredi après-midi.\n\n'
           'Programme : <img src="http://example.invalid/x.png" onerror="window.__pwned=1"> '
           '<a href="http://example.invalid/link">programme complet</a> '
           '<script>window.__pwned = 1; fetch("http://example.invalid/script")</script> '
           '![affiche](http://example.invalid/md.png) pour les animations du marché de Noël.\n')
HOSTILE_META = {"title": 'Marché de Noël <img src="http://example.invalid/meta.png">',
                "credit": '<b>Mairie</b> de Val-Vert ![x](http://example.invalid/credit.png)'}
TOKEN = "s3cret-token-for-tests"


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
    """Writes at a readable pace: the streamed progress can be seen, and a client can leave halfway."""

    delay = 0.08

    def stream(self, messages, max_tokens, temperature=0.0, stop=None):
        for piece in super().stream(messages, max_tokens, temperature, stop):
            time.sleep(self.delay)
            yield piece


def make_embed():
    return conftest.fake_embed.__wrapped__()


def corpus(folder: Path) -> list[Path]:
    """The hostile document first (the chat window's header shows the first source), then the article."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "marche.md").write_text(HOSTILE, encoding="utf-8")
    (folder / "marche.meta.json").write_text(json.dumps(HOSTILE_META), encoding="utf-8")
    return [folder / "marche.md", ARTICLE]


def fake_pipeline(settings, llm_class=ScriptedLLM, reply=smart_reply, paths=None):
    from rag.check.grounding import GroundingChecker
    from rag.components import Components
    from rag.pipeline import Pipeline

    components = Components(settings, embed=make_embed(), llm=llm_class(reply), checker=GroundingChecker())
    components.build(paths or [ARTICLE])
    return Pipeline(components)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_settings(root: Path, port: int, **changes):
    from rag.config import Settings

    # No kept answers (RAG_ANSWER_CACHE): these servers are about the model's path, and ask the same questions
    # again; the kept answers have their own tests (answer_cache=256 there).
    base = dict(home=root / "home", index_dir=root / "index", embed_model="fake-embed", auto_install=False,
                public_url=f"http://127.0.0.1:{port}", rate_limit_ask="1000/minute", rate_limit_api="5000/minute",
                answer_cache=0)
    return Settings(**{**base, **changes})


@contextmanager
def running_server(app, port: int | None = None, host: str = "127.0.0.1"):
    """Serve `app` with uvicorn in a background thread; yields the base URL."""
    import uvicorn

    port = port or free_port()
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


@contextmanager
def serve(root: Path, *, llm_class=ScriptedLLM, reply=smart_reply, paths=None, chat_ui=False, warm_up=False,
          allowed_origins=None, wait_timeout=None, **changes):
    """A server on fakes with these settings; yields (url, app)."""
    from rag.serve.app import create_app

    port = free_port()
    settings = make_settings(root, port, **changes)
    app = create_app(settings, fake_pipeline(settings, llm_class, reply, paths), allowed_origins=allowed_origins,
                     feedback_path=root / "fb" / "feedback.jsonl", eval_dir=root / "eval" / "runs",
                     wait_timeout=wait_timeout, warm_up=warm_up, chat_ui=chat_ui)
    with running_server(app, port) as url:
        yield url, app


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="module")
def server(root):
    """One server for the module: the chat window, CORS for two sites, the default limits of body size."""
    with serve(root / "main", paths=corpus(root / "docs"), chat_ui=True, warm_up=True, wait_timeout=1,
               allowed_origins="https://mairie.example, https://www.val-vert.example") as s:
        yield s


@pytest.fixture(scope="module")
def locked(root):
    """A server with an API token, its chat window included."""
    with serve(root / "locked", chat_ui=True, api_token=TOKEN) as s:
        yield s


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


ASK = {"question": "Qui est le directeur général de l'Anssi ?"}


# -- answers ------------------------------------------------------------------------------------------------
def test_healthz_reports_index_and_models(server):
    url, _ = server
    r = httpx.get(f"{url}/healthz", timeout=10)
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok" and h["index"]["passages"] > 5
    names = [s["name"] for s in h["index"]["sources"]]
    assert names == ["marche.md", "article.txt"]
    article = h["index"]["sources"][1]
    assert article["chars"] == len(ARTICLE.read_text()) and "Localtis" in article["credit"]
    assert article["title"].startswith("Les régions sont")
    assert set(h["models"]) == {"embedding", "llm"}
    for _ in range(50):  # the warm-up runs in the background
        if httpx.get(f"{url}/healthz", timeout=10).json()["warmup"]["state"] == "done":
            break
        time.sleep(0.1)
    assert httpx.get(f"{url}/healthz", timeout=10).json()["ready"] is True


def test_ask_returns_the_answer_json_with_citations(server):
    url, _ = server
    r = httpx.post(f"{url}/v1/ask", json=ASK, timeout=30)
    assert r.status_code == 200, r.text
    a = r.json()
    assert not a["abstained"] and "Vincent Strubel" in a["answer"] and re.search(r"\[\d+\]", a["answer"])
    c = a["citations"][0]
    src = ARTICLE.read_text()
    assert "Strubel" in c["text"] and "Strubel" in src[c["span_start"]:c["span_end"]]
    assert {"question", "answer", "abstained", "citations", "retrieved", "timings", "lang", "sentences",
            "standalone_question", "abstain_reason", "abstain_code"} <= set(a)
    assert "draft" not in a  # the unchecked draft stays on the server
    assert a["sentences"][0]["code"] and a["sentences"][0]["supported"] is True
    assert len(a["retrieved"]) + len(a["set_aside"]) >= 10


def test_abstention_carries_its_code(server):
    url, _ = server
    a = httpx.post(f"{url}/v1/ask", json={"question": "Qui préside la région Occitanie ?"}, timeout=30).json()
    assert a["abstained"] and a["abstain_code"] in {"nothing_relevant", "model_declined"} and a["abstain_reason"]


def test_ask_follow_up_uses_history(server):
    url, _ = server
    r = httpx.post(f"{url}/v1/ask", timeout=30, json={
        "question": "Et quand la loi Résilience sera-t-elle présentée ?",
        "history": [{"role": "user", "content": "Quelle loi transpose NIS2 ?"},
                    {"role": "assistant", "content": "La loi Résilience [1]."}]})
    assert r.status_code == 200, r.text
    assert "2026" in r.json()["answer"]


def test_unsupported_sentence_is_flagged_with_a_code(server):
    url, _ = server
    a = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi, et aime-t-il le jazz ?"}, timeout=30).json()
    assert not a["abstained"] and "jazz" not in a["answer"]
    assert [s["supported"] for s in a["sentences"]] == [True, False]
    from rag.serve.render import CODES

    assert a["sentences"][1]["code"] in CODES["fr"]  # a code the surfaces translate


def test_stream_sends_progress_then_the_answer_and_never_the_draft(server):
    url, _ = server
    with httpx.stream("POST", f"{url}/v1/ask/stream", json=ASK, timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = parse_sse(text)
    names = [e for e, _ in events]
    assert names.count("answer") == 1 and names[-1] == "answer" and names.count("progress") >= 3
    assert "token" not in names
    counts = [d["tokens"] for e, d in events if e == "progress"]
    assert counts == list(range(1, len(counts) + 1)) and set(events[0][1]) == {"tokens"}
    final = events[-1][1]
    assert final["citations"] and "draft" not in final
    assert "Strubel" not in text.split("event: answer")[0]  # nothing of the text before the checked answer
    # stream: true on /v1/ask is the same stream
    with httpx.stream("POST", f"{url}/v1/ask", json={**ASK, "stream": True}, timeout=30) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        assert parse_sse("".join(r.iter_text()))[-1][0] == "answer"


def test_stream_shows_each_sentence_once_checked_while_the_model_writes(server):
    url, _ = server
    q = {"question": "Qu'a rappelé Vincent Strubel sur la sécurité ?", "stream": True}
    with httpx.stream("POST", f"{url}/v1/ask", json=q, timeout=30) as r:
        events = parse_sse("".join(r.iter_text()))
    names = [e for e, _ in events]
    assert names.count("sentence") == 1 and names.index("sentence") < len(names) - 1 - names[::-1].index("progress")
    shown = next(d for e, d in events if e == "sentence")
    assert shown["n"] == 0 and "Strubel" in shown["text"] and shown["citations"] and shown["code"]
    final = events[-1][1]
    assert [x["text"] for x in final["sentences"] if x["supported"]] == [shown["text"]]
    assert "jazz" not in json.dumps([d for e, d in events if e == "sentence"])  # the uncited one never shows early
    assert final["timings"]["first_checked"] < final["timings"]["total"]


def test_debug_drafts_stream_the_draft(tmp_path):
    with serve(tmp_path, debug_drafts=True) as (url, _):
        with httpx.stream("POST", f"{url}/v1/ask/stream", json=ASK, timeout=30) as r:
            events = parse_sse("".join(r.iter_text()))
        draft = "".join(d["text"] for e, d in events if e == "token")
        assert "Strubel" in draft and events[-1][1]["draft"] == draft.strip()
        assert httpx.post(f"{url}/v1/ask", json=ASK, timeout=30).json()["draft"] == draft.strip()


def test_a_client_leaving_mid_stream_frees_the_model(tmp_path):
    class VerySlow(SlowLLM):
        delay = 0.5

    long = "Vincent Strubel dirige l'Anssi [1]. " * 10  # 60 pieces: 30 s if nobody stops it
    with serve(tmp_path, llm_class=VerySlow, reply=lambda m: long) as (url, _):
        with httpx.stream("POST", f"{url}/v1/ask/stream", json={"question": "Qui dirige l'Anssi ?"}, timeout=30) as r:
            for line in r.iter_lines():
                if line.startswith("event: progress"):
                    break  # the model is writing: leave
        t0 = time.time()
        while httpx.get(f"{url}/healthz", timeout=5).json()["busy"]:
            assert time.time() - t0 < 5, "the answer kept the model busy after the client left"
            time.sleep(0.1)


def test_stream_reports_errors_as_an_error_event(tmp_path):
    from rag.errors import GenerationError

    def broken(messages):
        raise GenerationError("the model could not answer: boom")

    with serve(tmp_path, reply=broken) as (url, _):
        with httpx.stream("POST", f"{url}/v1/ask/stream", json={"question": "Qui dirige l'Anssi ?"}, timeout=30) as r:
            events = parse_sse("".join(r.iter_text()))
        assert events[-1] == ("error", {"error": "the model could not answer: boom", "status": 502})
        r = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
        assert r.status_code == 502 and r.json() == {"error": "the model could not answer: boom"}
        assert httpx.get(f"{url}/healthz", timeout=10).json()["busy"] is False  # the lock was released


def test_unexpected_errors_are_500_without_traceback(tmp_path):
    def crash(messages):
        raise ZeroDivisionError("secret internals")

    with serve(tmp_path, reply=crash) as (url, _):
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


def test_openapi_shows_the_answer_dataclass(server):
    url, _ = server
    spec = httpx.get(f"{url}/openapi.json", timeout=10).json()
    assert {"/v1/ask", "/v1/ask/stream", "/v1/feedback", "/v1/sources", "/healthz"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert schemas["AskRequest"]["properties"]["question"]["maxLength"] == 1000
    answer = schemas["Answer"]["properties"]
    assert {"abstain_reason", "abstain_code", "sentences", "timings", "citations", "retrieved"} <= set(answer)
    assert "nothing_relevant" in answer["abstain_code"]["enum"]
    assert {"supported", "reason", "code", "spans"} <= set(schemas["Sentence"]["properties"])
    assert {"span_start", "span_end"} <= set(schemas["Citation"]["properties"])
    assert not {"AnswerModel", "CitationModel", "SentenceModel"} & set(schemas)
    ok = spec["paths"]["/v1/ask"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/Answer")


def test_feedback_goes_to_the_local_jsonl(server, root):
    url, _ = server
    r = httpx.post(f"{url}/v1/feedback", json={"question": "Qui dirige l'Anssi ?", "answer": "Vincent Strubel [1].",
                                               "useful": True, "comment": "précis"}, timeout=10)
    assert r.status_code == 200 and r.json()["stored"] is True
    r = httpx.post(f"{url}/v1/feedback", json={"question": "Q ?", "answer": "A.", "useful": False}, timeout=10)
    assert r.status_code == 200
    rows = [json.loads(x) for x in (root / "main" / "fb" / "feedback.jsonl").read_text().splitlines()]
    assert [x["useful"] for x in rows[-2:]] == [True, False] and rows[-2]["comment"] == "précis" and rows[-2]["time"]
    r = httpx.post(f"{url}/v1/feedback", json={"question": "Q ?", "answer": "A."}, timeout=10)
    assert r.status_code == 422 and "useful is required" in r.json()["error"]


def test_the_feedback_file_has_a_cap(tmp_path):
    with serve(tmp_path, feedback_max_bytes=400) as (url, _):
        body = {"question": "Qui dirige l'Anssi ?", "answer": "Vincent Strubel [1].", "useful": True}
        codes = [httpx.post(f"{url}/v1/feedback", json=body, timeout=10).status_code for _ in range(6)]
        assert codes[0] == 200 and codes[-1] == 507, codes
        r = httpx.post(f"{url}/v1/feedback", json=body, timeout=10)
        assert "feedback file is full" in r.json()["error"]
        assert (tmp_path / "fb" / "feedback.jsonl").stat().st_size <= 400


def test_sources_widget_and_pages_are_served(server):
    url, _ = server
    r = httpx.get(f"{url}/v1/source/article.txt", timeout=10)
    assert r.status_code == 200 and r.json()["text"] == ARTICLE.read_text() and "Localtis" in r.json()["credit"]
    assert httpx.get(f"{url}/v1/source/nope.txt", timeout=10).status_code == 404
    listed = httpx.get(f"{url}/v1/sources", timeout=10).json()
    assert [s["name"] for s in listed] == ["marche.md", "article.txt"] and listed[0]["credit"] == HOSTILE_META["credit"]
    js = httpx.get(f"{url}/widget.js", timeout=10)
    assert js.status_code == 200 and "javascript" in js.headers["content-type"] and "currentScript" in js.text
    assert httpx.get(f"{url}/widget.css", timeout=10).headers["content-type"].startswith("text/css")
    demo = httpx.get(f"{url}/demo", timeout=10).text
    assert f'<script src="{url}/widget.js" defer></script>' in demo
    assert f"{url}/widget.js" in httpx.get(f"{url}/embed", timeout=10).text
    home = httpx.get(f"{url}/", timeout=10)
    assert home.status_code == 200 and "<html" in home.text.lower()
    assert httpx.get(f"{url}/nothing-here/at-all", timeout=10).status_code == 404


def test_eval_report_images_are_served_from_the_runs_folder(server, root):
    url, app = server
    run = root / "main" / "eval" / "runs" / "article"
    run.mkdir(parents=True)
    (run / "report.md").write_text("# Rapport\n\n![latency](latency.png)\n\n![out](http://example.invalid/x.png)\n"
                                   "<img src=\"http://example.invalid/raw.png\">\n")
    (run / "latency.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    from rag.serve.chat import eval_markdown

    md = eval_markdown(app.state.services, "fr")
    assert "![latency](/eval-files/article/latency.png)" in md and "Rapport le plus récent" in md
    assert "](http" not in md and "<img" not in md  # an outside image or raw HTML shows as text
    assert httpx.get(f"{url}/eval-files/article/latency.png", timeout=10).content.startswith(b"\x89PNG")
    assert httpx.get(f"{url}/eval-files/article/report.md", timeout=10).status_code == 404
    assert httpx.get(f"{url}/eval-files/..%2F..%2Fsecret/x.png", timeout=10).status_code == 404


def test_rendered_answer_links_citations_marks_the_span_and_translates_codes(server):
    url, app = server
    from rag.serve.render import render_answer, render_sources

    a = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi, et aime-t-il le jazz ?"}, timeout=30).json()
    html = render_answer(a, 1, "fr")
    n = a["citations"][0]["n"]
    assert f'href="#rag-src-1-{n}"' in html and "<del>Il aime le jazz.</del>" in html and "non sourcé" in html
    from rag.serve.render import CODES

    code = a["sentences"][1]["code"]
    assert CODES["fr"][code] in html.replace("&#x27;", "'")  # the code, in French
    # what is said of an answer follows the answer's language, not the window's
    assert CODES["fr"][code] in render_answer(a, 1, "en").replace("&#x27;", "'")
    assert CODES["en"][code] in render_answer({**a, "lang": "en"}, 1, "fr").replace("&#x27;", "'")
    services = app.state.services
    catalog = {s["name"]: s for s in services.sources.list()}
    panel = render_sources([{"turn": 1, "question": a["question"], "answer": a}], services.sources.texts(), catalog, "fr")
    assert f'id="rag-src-1-{n}"' in panel and "<mark>" in panel and "Localtis" in panel
    total = len(ARTICLE.read_text())  # 10 051 characters
    assert f"sur {total // 1000}\u202f{total % 1000:03d}" in panel
    abstained = httpx.post(f"{url}/v1/ask", json={"question": "Qui préside la région Occitanie ?"}, timeout=30).json()
    assert "Pourquoi" in render_answer(abstained, 2, "fr")


def test_source_text_and_answers_render_as_text(server):
    """A document carrying <img>, <a>, <script> and Markdown images renders as text in every HTML the chat builds."""
    url, app = server
    from rag.serve.chat import _header, about_markdown
    from rag.serve.render import render_answer, render_sources

    a = httpx.post(f"{url}/v1/ask", json={"question": "Quand ouvre le marché de Noël ?"}, timeout=30).json()
    assert not a["abstained"] and any(c["source"] == "marche.md" for c in a["citations"])
    services = app.state.services
    catalog = {s["name"]: s for s in services.sources.list()}
    turns = [{"turn": 1, "question": a["question"], "answer": a}]
    for html in (render_answer(a, 1, "fr"), render_sources(turns, services.sources.texts(), catalog, "fr"),
                 _header("fr", services)):
        assert "example.invalid" in html or html.startswith("<header")
        assert not re.search(r"<(img|script|a href=\"http|b>)", html), html
        assert "&lt;img" in html
    # The conversation kept on the panel for the page (data-history) is an attribute's text, read back whole
    history = [{"role": "user", "content": 'Et "ça" <script>x</script> ?'}, {"role": "assistant", "content": a["answer"]}]
    panel = render_sources(turns, services.sources.texts(), catalog, "fr", history=history)
    kept = re.search(r'<div class="rag-sources" data-history="([^"]*)">', panel)
    assert kept and "<script" not in panel and json.loads(html_lib.unescape(kept.group(1))) == history
    assert "data-history" not in render_sources(turns, services.sources.texts(), catalog, "fr", pending="…",
                                                history=history)  # an answer is coming: the page waits
    about = about_markdown(services, "fr")
    # the title and credit are written as character references: no Markdown link, image or tag can form
    assert "example.invalid" not in about and "example&#46;invalid" in about
    assert "<img" not in about and "&#60;img" in about and "!&#91;" not in about and "&#33;&#91;x&#93;" in about


# -- closed doors ------------------------------------------------------------------------------------------
def test_security_headers(server):
    url, _ = server
    for path in ("/", "/demo", "/docs", "/healthz", "/v1/sources"):
        r = httpx.get(f"{url}{path}", timeout=10)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "http:" not in csp.replace(url, "") and "https:" not in csp, path  # no other host, no scheme wildcard
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY", path
    assert "script-src 'self' " + url in httpx.get(f"{url}/docs", timeout=10).headers["content-security-policy"]
    assert "'unsafe-inline'" not in httpx.get(f"{url}/demo", timeout=10).headers["content-security-policy"].split(
        "script-src")[1].split(";")[0]
    embed = httpx.get(f"{url}/embed", timeout=10)
    assert "x-frame-options" not in embed.headers
    assert ("frame-ancestors 'self' https://mairie.example https://www.val-vert.example"
            in embed.headers["content-security-policy"])


def test_the_host_header_is_never_reflected(server):
    url, _ = server
    for path in ("/demo", "/embed", "/docs", "/", "/config"):
        r = httpx.get(f"{url}{path}", headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}, timeout=10)
        assert r.status_code == 200, (path, r.status_code)
        assert "evil.example" not in r.text, path
    assert url in httpx.get(f"{url}/demo", headers={"Host": "evil.example"}, timeout=10).text


def test_body_limit_refuses_before_parsing(server):
    url, _ = server
    too_big = b"{" + b"x" * 300_000  # not even JSON: a 422 would mean it was parsed
    r = httpx.post(f"{url}/v1/ask", content=too_big, headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 413 and "larger than 262144 bytes" in r.json()["error"]

    def chunks():  # no Content-Length: counted as it streams in
        for _ in range(40):
            yield b"x" * 10_000

    r = httpx.post(f"{url}/v1/feedback", content=chunks(), headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 413
    assert httpx.post(f"{url}/v1/ask", json=ASK, timeout=30).status_code == 200  # normal bodies still pass


def test_cors_allows_configured_origins_only(server):
    url, _ = server
    ok = httpx.options(f"{url}/v1/ask", headers={"Origin": "https://mairie.example",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "content-type, authorization"},
                       timeout=10)
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://mairie.example"
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    bad = httpx.options(f"{url}/v1/ask", headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"}, timeout=10)
    assert "access-control-allow-origin" not in bad.headers
    r = httpx.get(f"{url}/healthz", headers={"Origin": "https://www.val-vert.example"}, timeout=10)
    assert r.headers["access-control-allow-origin"] == "https://www.val-vert.example"
    for origin in ("https://evil.example", "http://localhost:5173"):
        r = httpx.get(f"{url}/healthz", headers={"Origin": origin}, timeout=10)
        assert "access-control-allow-origin" not in r.headers


def test_default_cors_is_no_other_site(tmp_path):
    with serve(tmp_path) as (url, _):
        for origin in ("http://localhost:5173", "http://127.0.0.1:3000", "https://example.org"):
            r = httpx.get(f"{url}/healthz", headers={"Origin": origin}, timeout=10)
            assert "access-control-allow-origin" not in r.headers, origin
        r = httpx.get(f"{url}/healthz", headers={"Origin": url}, timeout=10)  # the server's own public address
        assert r.headers.get("access-control-allow-origin") == url
        alias = url.replace("127.0.0.1", "localhost")  # the same loopback server under its other name
        assert httpx.get(f"{url}/healthz", headers={"Origin": alias}, timeout=10).headers.get(
            "access-control-allow-origin") == alias


def test_token_is_required_when_set(locked):
    url, _ = locked
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    for method, path, body in [("POST", "/v1/ask", ASK), ("POST", "/v1/ask/stream", ASK), ("GET", "/v1/sources", None),
                               ("POST", "/v1/feedback", {"question": "Q ?", "answer": "A.", "useful": True}),
                               ("GET", "/eval-files/run/x.png", None), ("GET", "/config", None),
                               ("GET", "/gradio_api/info", None), ("POST", "/gradio_api/queue/join", {})]:
        r = httpx.request(method, f"{url}{path}", json=body, timeout=30)
        assert r.status_code == 401, (path, r.status_code)
        assert "Bearer" in r.json()["error"] and r.headers["www-authenticate"] == "Bearer"
        r = httpx.request(method, f"{url}{path}", json=body, headers={"Authorization": "Bearer wrong"}, timeout=30)
        assert r.status_code == 401, path
    assert httpx.post(f"{url}/v1/ask", json=ASK, headers=bearer, timeout=30).status_code == 200
    assert httpx.get(f"{url}/v1/sources", headers=bearer, timeout=30).status_code == 200
    with httpx.stream("POST", f"{url}/v1/ask/stream", json=ASK, headers=bearer, timeout=30) as r:
        assert r.status_code == 200 and parse_sse("".join(r.iter_text()))[-1][0] == "answer"
    assert httpx.get(f"{url}/config", headers=bearer, timeout=30).status_code == 200
    # public: health, the widget's files and the pages that hold no data (what they call needs the token)
    for path in ("/healthz", "/widget.js", "/widget.css", "/embed", "/demo", "/docs", "/openapi.json", "/sign-in"):
        assert httpx.get(f"{url}{path}", timeout=10).status_code == 200, path


def test_the_chat_window_asks_for_the_token_once(locked):
    url, _ = locked
    with httpx.Client(base_url=url, timeout=30) as client:
        r = client.get("/", headers={"Accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"] == "/sign-in?next=%2F"
        r = client.post("/sign-in", data={"token": "wrong", "next": "/"})
        assert r.status_code == 401 and "Jeton incorrect" in r.text
        r = client.post("/sign-in", data={"token": TOKEN, "next": "//evil.example/"})
        assert r.status_code == 303 and r.headers["location"] == "/"  # never sent to another site
        cookie = r.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and TOKEN not in cookie
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
        assert client.get("/config").status_code == 200
        assert client.post("/v1/ask", json=ASK).status_code == 200


def test_rate_limits_answer_429(tmp_path):
    with serve(tmp_path, rate_limit_ask="2/minute", rate_limit_api="5/minute") as (url, _):
        codes = [httpx.post(f"{url}/v1/ask", json=ASK, timeout=30).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = httpx.post(f"{url}/v1/ask/stream", json=ASK, timeout=30)
        assert r.status_code == 429 and "too many questions" in r.json()["error"] and int(r.headers["retry-after"]) >= 1
        codes = [httpx.get(f"{url}/v1/sources", timeout=10).status_code for _ in range(6)]
        assert codes[:5] == [200] * 5 and codes[5] == 429
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200  # health is never limited


def test_busy_server_answers_503_after_the_wait(server):
    url, app = server
    answerer = app.state.services.answerer
    answerer.acquire()
    try:
        t0 = time.time()
        r = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
        # refused within its wait (1 s here), or at once when the answer ahead would outlast it
        assert r.status_code == 503 and "busy" in r.json()["error"] and time.time() - t0 < 5
        assert int(r.headers["retry-after"]) >= 1
        r = httpx.post(f"{url}/v1/ask/stream", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
        assert r.status_code == 503 and "busy" in r.json()["error"]
        assert httpx.get(f"{url}/healthz", timeout=5).json()["busy"] is True  # health never waits
    finally:
        answerer.release()


def test_concurrent_questions_are_answered_one_at_a_time(server):
    url, app = server
    app.state.services.answerer.wait_timeout = 30
    results = []

    def ask():
        results.append(httpx.post(f"{url}/v1/ask", json=ASK, timeout=60).status_code)

    try:
        threads = [threading.Thread(target=ask) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        app.state.services.answerer.wait_timeout = 1
    assert results == [200, 200, 200]


def test_prefill_reads_a_typed_question_only_when_the_model_is_idle(server, tmp_path):
    """POST /v1/prefill: the model reads the prompt the question will be asked with, at once when idle; never
    while it answers (nothing waits for it: `read` false straight away); bad input gets the same 422 as /v1/ask;
    with RAG_PREFILL=0 nothing is read."""
    url, app = server
    answerer = app.state.services.answerer
    llm = answerer.pipeline.components.llm
    before = len(llm.prefilled)
    health = httpx.get(f"{url}/healthz", timeout=5).json()["prefill"]
    r = httpx.post(f"{url}/v1/prefill", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
    assert r.status_code == 200 and r.json() == {"read": True} and len(llm.prefilled) == before + 1
    asked = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30).json()
    assert "Strubel" in asked["answer"] and llm.calls[-1] == llm.prefilled[-1]  # the very prompt it read
    after = httpx.get(f"{url}/healthz", timeout=5).json()["prefill"]
    assert after["on"] is True and after["read"] == health["read"] + 1  # (a script measures no prompt_prefilled)
    answerer.acquire()
    try:
        t0 = time.time()
        r = httpx.post(f"{url}/v1/prefill", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
        assert r.json() == {"read": False} and time.time() - t0 < 2 and len(llm.prefilled) == before + 1
    finally:
        answerer.release()
    assert httpx.get(f"{url}/healthz", timeout=5).json()["busy"] is False  # the prefill's turn was given back
    # A follow-up, with the conversation it follows: rewritten and read; asked, the model reads that very prompt.
    follow = {"question": "Et quand la loi Résilience sera-t-elle présentée ?",
              "history": [{"role": "user", "content": "Qui dirige l'Anssi ?"},
                          {"role": "assistant", "content": asked["answer"]}]}
    assert httpx.post(f"{url}/v1/prefill", json=follow, timeout=30).json() == {"read": True}
    assert "2026" in httpx.post(f"{url}/v1/ask", json=follow, timeout=30).json()["answer"]
    assert llm.calls[-1] == llm.prefilled[-1]
    for body in ({"question": ""}, {"question": "x" * 5000}, {},
                 {"question": "Et ?", "history": [{"role": "system", "content": "x"}]}):
        r = httpx.post(f"{url}/v1/prefill", json=body, timeout=10)
        assert r.status_code == 422 and set(r.json()) == {"error"} and "Traceback" not in r.text
    with serve(tmp_path, prefill=False) as (off, off_app):
        r = httpx.post(f"{off}/v1/prefill", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)
        assert r.json() == {"read": False} and off_app.state.services.answerer.pipeline.components.llm.prefilled == []


def _wait_idle(url: str, limit: float = 10.0) -> None:
    t0 = time.time()
    while httpx.get(f"{url}/healthz", timeout=5).json()["queue"]["answering"]:
        assert time.time() - t0 < limit, "the model was not given back"
        time.sleep(0.05)


def test_a_typed_question_is_answered_ahead_and_its_asker_joins_that_answer(tmp_path):
    """With RAG_ANSWER_AHEAD (on), the prefill goes on to answer the question; asked unchanged (API stream, JSON,
    a follow-up with its conversation), it joins that answer: the model wrote it once, the asker gets every event
    of it from the first, sooner than asking afresh."""
    with serve(tmp_path, llm_class=SlowLLM) as (url, app):
        answerer = app.state.services.answerer
        llm = answerer.pipeline.components.llm
        q = {"question": "Qui dirige l'Anssi ?"}
        t0 = time.time()
        fresh = httpx.post(f"{url}/v1/ask", json={**q, "history": [{"role": "user", "content": "Bonjour"},
                                                                   {"role": "assistant", "content": "Bonjour !"}]},
                           timeout=30).json()
        fresh_s = time.time() - t0
        calls = len(llm.calls)
        assert httpx.post(f"{url}/v1/prefill", json=q, timeout=30).json() == {"read": True}
        time.sleep(0.4)  # the asker finishes typing
        t0 = time.time()
        with httpx.stream("POST", f"{url}/v1/ask/stream", json=q, timeout=30) as r:
            events = parse_sse(r.read().decode())
        joined_s = time.time() - t0
        assert events[-1][0] == "answer"
        answer = events[-1][1]
        assert answer["answer"] == fresh["answer"] and answer["timings"]["ahead_s"] >= 0.4
        assert len(llm.calls) == calls + 1  # written once, before it was asked
        assert sum(e == "progress" for e, _ in events) == len(fresh["answer"].split())  # every token, replayed
        assert joined_s < fresh_s - 0.3, (joined_s, fresh_s)
        ahead = httpx.get(f"{url}/healthz", timeout=5).json()["prefill"]["ahead"]
        assert ahead == {"on": True, "started": 1, "joined": 1}
        # JSON, and a follow-up with the conversation it was typed in (the widget sends it with the prefill)
        follow = {"question": "Et quand la loi Résilience sera-t-elle présentée ?",
                  "history": [{"role": "user", "content": q["question"]},
                              {"role": "assistant", "content": answer["answer"]}]}
        calls = len(llm.calls)  # (before the prefill: its answer ahead may call the model before it returns)
        assert httpx.post(f"{url}/v1/prefill", json=follow, timeout=30).json() == {"read": True}
        got = httpx.post(f"{url}/v1/ask", json=follow, timeout=30).json()
        new = [m for m in llm.calls[calls:] if "réécris" not in m[0]["content"]]  # the rewrite's call aside
        assert "2026" in got["answer"] and "ahead_s" in got["timings"] and len(new) == 1 and new[0] in llm.prefilled
        # the same words in another conversation are another question: answered afresh
        assert httpx.post(f"{url}/v1/prefill", json=follow, timeout=30).json() == {"read": True}
        _wait_idle(url)
        calls = len(llm.calls)
        other = httpx.post(f"{url}/v1/ask", json={"question": follow["question"]}, timeout=30).json()
        assert "ahead_s" not in other["timings"] and len(llm.calls) == calls + 1
        assert httpx.get(f"{url}/healthz", timeout=5).json()["prefill"]["ahead"]["joined"] == 2
    # Kept answers (RAG_ANSWER_CACHE): one written ahead is kept once asked, not before (a question never sent
    # leaves nothing there); asked again, it is the kept answer.
    with serve(tmp_path / "kept", answer_cache=256) as (url, app):
        answerer = app.state.services.answerer
        assert httpx.post(f"{url}/v1/prefill", json=q, timeout=30).json() == {"read": True}
        _wait_idle(url)
        assert answerer._ahead.answered and answerer._cached(q["question"]) is None
        joined = httpx.post(f"{url}/v1/ask", json=q, timeout=30).json()
        assert "ahead_s" in joined["timings"] and answerer._cached(q["question"]).answer == joined["answer"]
        assert httpx.post(f"{url}/v1/ask", json=q, timeout=30).json()["timings"]["cached"] == 1


def test_an_answer_begun_while_typed_gives_way_to_anything_else(tmp_path):
    """An answer nobody asked for yet never delays a question: another question asked, or another question typed,
    stops it at its next token; what it wrote is not kept. RAG_ANSWER_AHEAD=0: the prefill only reads."""
    class VerySlow(SlowLLM):
        delay = 0.5

    long = "Vincent Strubel dirige l'Anssi [1]. " * 10  # 60 pieces: 30 s if nobody stops it
    with serve(tmp_path, llm_class=VerySlow, reply=lambda m: long, answer_cache=256) as (url, app):
        answerer = app.state.services.answerer
        assert httpx.post(f"{url}/v1/prefill", json={"question": "Qui dirige l'Anssi ?"}, timeout=30).json()["read"]
        health = httpx.get(f"{url}/healthz", timeout=5).json()
        assert health["queue"]["answering"] == 1 and health["busy"] is False  # answering ahead: a question won't wait
        t0 = time.time()
        with httpx.stream("POST", f"{url}/v1/ask/stream", json={"question": "Qui préside la région Bretagne ?"},
                          timeout=30) as r:
            for line in r.iter_lines():
                if line.startswith("event: progress"):
                    break  # the other question is being written: the one typed before gave way
        assert time.time() - t0 < 0.5 + 1.5, "a question waited for an answer nobody asked for"
        _wait_idle(url)
        assert answerer._cached("Qui dirige l'Anssi ?") is None  # stopped halfway: nothing kept
        # typed anew: the answer of the question typed before stops, the new one is read
        assert httpx.post(f"{url}/v1/prefill", json={"question": "Qui dirige l'Anssi ?"}, timeout=30).json()["read"]
        first = answerer._ahead
        t0 = time.time()
        r = httpx.post(f"{url}/v1/prefill", json={"question": "Qui dirige l'Anssi en 2025 ?"}, timeout=30)
        assert r.json() == {"read": True} and time.time() - t0 < 2
        assert first.done and first.stop.is_set() and not first.answered and answerer._ahead is not first
        # the same question typed again (the page sent it twice) is not answered twice
        assert httpx.post(f"{url}/v1/prefill", json={"question": "Qui dirige l'Anssi en 2025 ?"},
                          timeout=30).json() == {"read": False}
        assert httpx.get(f"{url}/healthz", timeout=5).json()["prefill"]["ahead"] == {"on": True, "started": 3,
                                                                                   "joined": 0}
        r = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30)  # asked after all
        assert r.status_code in (200, 503)  # (the wait, 1 s here, may run out on a 30 s answer: either is fine)
    with serve(tmp_path / "off", answer_ahead=False) as (url, app):
        llm = app.state.services.answerer.pipeline.components.llm
        assert httpx.post(f"{url}/v1/prefill", json={"question": "Qui dirige l'Anssi ?"}, timeout=30).json()["read"]
        assert llm.calls == [] and httpx.get(f"{url}/healthz", timeout=5).json()["prefill"]["ahead"]["on"] is False


def test_an_answer_written_ahead_that_fails_once_joined_is_an_error_for_its_asker_and_counts_nothing(tmp_path):
    """Joined while it is written, an answer written ahead that then fails (the model's error) gives its asker the
    error event a question asked directly gets; it is neither counted as answered nor kept; the next is answered."""
    from rag.errors import GenerationError

    class FailsHalfway(SlowLLM):
        delay = 0.1

        def stream(self, messages, max_tokens, temperature=0.0, stop=None):
            for i, piece in enumerate(super().stream(messages, max_tokens, temperature, stop)):
                if i == 3 and "boom" in messages[-1]["content"]:
                    raise GenerationError("the model could not answer: boom")
                yield piece

    with serve(tmp_path, llm_class=FailsHalfway, answer_cache=256) as (url, app):
        answerer = app.state.services.answerer
        q = {"question": "Qui dirige l'Anssi, boom ?"}
        assert httpx.post(f"{url}/v1/prefill", json=q, timeout=30).json() == {"read": True}
        answered = answerer.answered
        with httpx.stream("POST", f"{url}/v1/ask/stream", json=q, timeout=30) as r:
            events = parse_sse(r.read().decode())
        assert events[-1] == ("error", {"error": "the model could not answer: boom", "status": 502})
        assert answerer.ahead_joined == 1 and answerer.answered == answered and not answerer._answers
        _wait_idle(url)
        assert "Strubel" in httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30).json()[
            "answer"] and answerer.answered == answered + 1


def test_many_visitors_typing_and_asking_at_once_each_get_their_answer(tmp_path):
    """Four visitors at once, each typing a question (prefill) then asking it (stream or JSON), some asking another
    question than the one typed: every answer is the right one, the model is never used by two at once, and it is
    free at the end (answers begun while typed, joined, stopped or given way, never lost or doubled)."""
    import random

    class Exclusive(SlowLLM):
        delay = 0.02
        inside, overlaps = 0, 0

        def stream(self, messages, max_tokens, temperature=0.0, stop=None):
            type(self).inside += 1
            type(self).overlaps += type(self).inside > 1
            try:
                yield from super().stream(messages, max_tokens, temperature, stop)
            finally:
                type(self).inside -= 1

    cues = {"Qui dirige l'Anssi ?": "Strubel", "Quand la loi Résilience sera-t-elle présentée ?": "2026",
            "Qui a rappelé la condition de tout déploiement de l'IA ?": "a effectivement rappelé"}
    questions = list(cues)
    errors: list = []
    with serve(tmp_path, llm_class=Exclusive, wait_timeout=60) as (url, app):
        def visitor(v: int) -> None:
            rnd = random.Random(v)
            try:
                for turn in range(4):
                    typed = rnd.choice(questions)
                    asked = typed if rnd.random() < 0.7 else rnd.choice(questions)
                    httpx.post(f"{url}/v1/prefill", json={"question": typed}, timeout=60)
                    time.sleep(rnd.uniform(0, 0.4))
                    if turn % 2:
                        with httpx.stream("POST", f"{url}/v1/ask/stream", json={"question": asked}, timeout=60) as r:
                            answer = parse_sse(r.read().decode())[-1][1]["answer"]
                    else:
                        r = httpx.post(f"{url}/v1/ask", json={"question": asked}, timeout=60)
                        assert r.status_code == 200, r.text
                        answer = r.json()["answer"]
                    assert cues[asked] in answer, (asked, answer)
            except BaseException as e:  # noqa: BLE001 - reported by the test's thread
                errors.append(e)

        threads = [threading.Thread(target=visitor, args=(v,)) for v in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        assert Exclusive.overlaps == 0
        _wait_idle(url)
        answerer = app.state.services.answerer
        assert answerer.answered == 16 and not answerer._waiters
        ahead = httpx.get(f"{url}/healthz", timeout=5).json()["prefill"]["ahead"]
        assert ahead["joined"] <= ahead["started"], ahead  # (how many of each: the timing's; joins: tests above)


def test_a_first_question_asked_again_gets_the_kept_answer_at_once(tmp_path):
    """The same first question asked again on the same index gets the same answer without the model (what the model
    would write again word for word), streamed too; a follow-up is always answered; RAG_ANSWER_CACHE=0 keeps none."""
    with serve(tmp_path / "on", answer_cache=256) as (url, app):
        llm = app.state.services.answerer.pipeline.components.llm
        first = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30).json()
        calls = len(llm.calls)
        again = httpx.post(f"{url}/v1/ask", json={"question": "  Qui dirige   l'Anssi ? "}, timeout=30).json()
        assert len(llm.calls) == calls and again["timings"]["cached"] == 1 and "first_checked" in again["timings"]
        assert {k: v for k, v in again.items() if k != "timings"} == {k: v for k, v in first.items() if k != "timings"}
        with httpx.stream("POST", f"{url}/v1/ask/stream", json={"question": "Qui dirige l'Anssi ?"}, timeout=30) as r:
            events = parse_sse(r.read().decode())
        assert events[-1][0] == "answer" and events[-1][1]["answer"] == first["answer"] and len(llm.calls) == calls
        follow = {"question": "Qui dirige l'Anssi ?", "history": [{"role": "user", "content": "Bonjour"},
                                                                 {"role": "assistant", "content": "Bonjour !"}]}
        httpx.post(f"{url}/v1/ask", json=follow, timeout=30)
        assert len(llm.calls) > calls  # a follow-up depends on its conversation: never taken from the kept answers
        assert httpx.get(f"{url}/healthz", timeout=5).json()["answer_cache"] == {"kept": 1, "max": 256, "answers": 2}
    with serve(tmp_path / "off", answer_cache=0) as (url, app):
        llm = app.state.services.answerer.pipeline.components.llm
        for _ in range(2):
            a = httpx.post(f"{url}/v1/ask", json={"question": "Qui dirige l'Anssi ?"}, timeout=30).json()
            assert "cached" not in a["timings"]
        assert len([c for c in llm.calls if "Qui dirige l'Anssi ?" in c[-1]["content"]]) == 2


def test_kept_answers_are_dropped_with_their_index_version(tmp_path):
    """Kept from the first answer on, even one given before any answer was looked up (a server without warm-up
    loads its index with its first question), and dropped when a new index version is loaded."""
    from rag.serve.service import Answerer
    from rag.types import final_answer

    with serve(tmp_path, answer_cache=256) as (url, app):
        answerer: Answerer = app.state.services.answerer
        assert answerer._answers_index is None  # nothing looked up yet
        with answerer.turn():
            final_answer(answerer.events("Qui dirige l'Anssi ?"))  # answered without `kept` asked first
        assert answerer._cached("Qui dirige l'Anssi ?") is not None
        components = answerer.pipeline.components
        components.use_index(components.open_index())  # a new version loaded (as refresh_index does)
        assert answerer._cached("Qui dirige l'Anssi ?") is None and not answerer._answers


def test_a_prefill_reads_a_question_whose_kept_answer_is_of_an_older_index(tmp_path):
    """A kept answer spares its question's read ahead only while it is the one the question will get: once a new index
    version is loaded, the question goes to the model again, so it is read while typed like any other."""
    from rag.types import final_answer

    with serve(tmp_path, answer_cache=256) as (url, app):
        answerer = app.state.services.answerer
        with answerer.turn():
            final_answer(answerer.events("Qui dirige l'Anssi ?"))
        assert answerer.prefill("Qui dirige l'Anssi ?") is False  # kept: asked, it will not take the model
        components = answerer.pipeline.components
        components.use_index(components.open_index())  # a new version loaded (as refresh_index does)
        assert answerer.prefill("Qui dirige l'Anssi ?") is True
