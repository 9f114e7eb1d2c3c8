"""The chat window, the widget on the demo page, the iframe page and the API page, in headless Chromium (Debian's),
against real servers running fakes. Every request a page makes must go to the server itself (nothing leaves the
machine), the pages' Content-Security-Policy must not block anything they need, and an indexed document carrying
<img>, <a>, <script> and Markdown payloads must show as text."""

from __future__ import annotations

import json
import os
import re
import time
from urllib.parse import urlparse

import pytest

from test_server import HOSTILE_META, TOKEN, SlowLLM, corpus, serve

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"no Chromium at {CHROMIUM}: apt-get install -y chromium chromium-driver"),
    # Gradio's queue calls pandas in ways pandas 3 deprecates: not ours to fix
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def served(root):
    """One server for the module: a model that writes at a readable pace, the article and a hostile document."""
    with serve(root / "main", llm_class=SlowLLM, paths=corpus(root / "docs"), chat_ui=True, warm_up=True) as s:
        yield s


@pytest.fixture(scope="module")
def server(served):
    return served[0]


@pytest.fixture(scope="module")
def locked(root):
    """A server with an API token."""
    with serve(root / "locked", chat_ui=True, api_token=TOKEN) as (url, _):
        yield url


def _page(browser, server: str, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="fr-FR")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.requests, pg.csp, pg.shots = [], [], shots
    context.on("request", lambda r: pg.requests.append(r.url))
    pg.on("console", lambda m: pg.csp.append(m.text) if "Content Security Policy" in m.text else None)
    return context, pg


@pytest.fixture
def page(browser, server, tmp_path):
    """A page whose every request is recorded; on teardown, all must have gone to the server's host, and the
    Content-Security-Policy must have blocked nothing."""
    shots = tmp_path / "screenshots"
    shots.mkdir()
    context, pg = _page(browser, server, shots)
    yield pg
    context.close()
    assert_local_only(pg.requests, server)
    assert not pg.csp, f"the Content-Security-Policy blocked something the page needs: {pg.csp}"


def assert_local_only(urls: list[str], server: str) -> None:
    host = urlparse(server).netloc
    outside = [u for u in urls if urlparse(u).scheme not in ("data", "blob", "about") and urlparse(u).netloc != host]
    assert urls and not outside, f"requests to other hosts than {host}: {outside}"


def test_chat_window_shows_writing_then_the_checked_answer_and_its_source(page, server):
    page.goto(server + "/")
    box = page.locator("#rag-input textarea")
    box.wait_for()
    assert page.locator("#rag-send").inner_text().strip() == "Envoyer"  # French by default
    box.fill("Qui est le directeur général de l'Anssi ?")
    page.locator("#rag-send").click()
    writing = page.locator("#rag-chat .rag-writing")
    writing.wait_for()  # the model is writing: a count, not its unchecked draft
    assert "Strubel" not in writing.inner_text() and "jetons" in writing.inner_text()
    page.locator("#rag-chat .rag-meta").wait_for()  # then the checked answer in its place
    assert page.locator("#rag-chat .rag-writing").count() == 0 and page.locator("#rag-chat .rag-draft").count() == 0
    answer = page.locator("#rag-chat .rag-answer").last
    assert "Vincent Strubel" in answer.inner_text()
    mark = page.locator("#rag-sources mark").first
    mark.wait_for()
    assert "Strubel" in mark.inner_text()
    sources = page.locator("#rag-sources").inner_text()
    assert re.search(r"caractères [\d\u202f]+–[\d\u202f]+ sur 10\u202f051", sources) and "Localtis" in sources
    cite = answer.locator("a.rag-cite").first
    card_id = cite.get_attribute("href")[1:]
    cite.click()
    page.wait_for_function(f"document.getElementById('{card_id}').classList.contains('rag-flash')")
    page.screenshot(path=str(page.shots / "chat.png"), full_page=True)

    # feedback goes to the local file
    page.locator("#rag-useful").click()
    page.locator("#rag-fb-status .rag-fb-ok").wait_for()

    # English labels on demand
    page.locator("#rag-lang label", has_text="English").click()
    page.wait_for_function("document.querySelector('#rag-send').innerText.trim() === 'Send'")
    assert "Sources of the answer to" in page.locator("#rag-sources").inner_text()


def test_chat_window_explains_an_abstention_with_the_closest_passages(page, server):
    page.goto(server + "/")
    page.locator("#rag-input textarea").fill("Qui préside la région Occitanie ?")
    page.locator("#rag-input textarea").press("Enter")
    page.locator("#rag-chat .rag-abstained").wait_for()
    text = page.locator("#rag-chat .rag-abstained").inner_text()
    assert "ne trouve pas" in text and "Pourquoi" in text
    assert page.locator("#rag-sources article.rag-src").count() == 3
    assert "les plus proches" in page.locator("#rag-sources").inner_text()


def test_a_hostile_document_shows_as_text_in_the_chat_window(page, server):
    page.goto(server + "/")
    page.locator("#rag-input textarea").fill("Quand ouvre le marché de Noël ?")
    page.locator("#rag-input textarea").press("Enter")
    page.locator("#rag-chat .rag-meta").wait_for()
    page.locator("#rag-sources mark").first.wait_for()
    sources = page.locator("#rag-sources").inner_text()
    assert "<video poster=http://example.invalid/poster.png>" in sources and "<b>Entrée libre</b>" in sources
    assert "[le programme](http://example.invalid/md-link)" in sources and "${7*7}" in sources
    chat = page.locator("#rag-chat").inner_text()
    assert '<img src="http://example.invalid/answer.png">' in chat  # the model's markup, struck out as text
    header = page.locator("#rag-header-html").inner_text()
    assert HOSTILE_META["title"] in header and HOSTILE_META["credit"] in header
    page.get_by_role("tab", name="À propos").click()
    about = page.locator("#rag-about")
    about.wait_for()
    assert HOSTILE_META["title"] in about.inner_text()
    for where in ("#rag-chat", "#rag-sources", "#rag-header-html", "#rag-about"):
        assert page.locator(f"{where} img, {where} video, {where} script, {where} b, "
                            f"{where} a[href*='example.invalid']").count() == 0, where
    assert page.evaluate("window.__pwned") is None
    page.wait_for_timeout(300)  # anything the page would fetch, it has asked for by now (checked on teardown)


def test_a_starting_server_shows_a_banner_with_the_step(page, served, monkeypatch):
    """While the server starts, the chat window says so and names the step (from /healthz), then the banner goes
    away once a question can be answered; a failed start says why. A server whose /healthz has no "state" or
    "step" (older) is read from "ready" and "warmup.state"."""
    server, app = served
    health = app.state.services.health
    report = {"status": "ok", "ready": False, "state": "starting", "step": "building the index",
              "steps_done": [{"step": "loading the embedding model", "seconds": 1.0}], "detail": None,
              "warmup": {"state": "running", "error": None}}
    monkeypatch.setattr(health, "report", lambda: dict(report))
    page.goto(server + "/")
    banner = page.locator("#rag-status")
    banner.wait_for()
    assert "démarre" in banner.inner_text() and "Étape 2 : construction de l'index" in banner.inner_text()
    page.locator("#rag-input textarea").wait_for()
    assert page.evaluate("document.getElementById('rag-status').getBoundingClientRect().bottom <= "
                         "document.getElementById('rag-top').getBoundingClientRect().top + 1")  # above, not over
    report.update(step="loading the language model", steps_done=report["steps_done"] * 2)
    page.locator("#rag-status", has_text="chargement du modèle de langue").wait_for()
    page.locator("#rag-lang label", has_text="English").click()  # the banner speaks the window's language
    page.locator("#rag-status", has_text="The assistant is starting").wait_for()
    assert "Step 3: loading the language model" in banner.inner_text()
    report.update(ready=True, state="ready", step=None, warmup={"state": "done", "error": None})
    page.locator("#rag-status[data-state=ready]").wait_for()
    banner.wait_for(state="hidden", timeout=6000)

    legacy = {"status": "ok", "ready": False, "warmup": {"state": "running", "error": None}}  # no "state" field
    monkeypatch.setattr(health, "report", lambda: dict(legacy))
    page.goto(server + "/")
    page.locator("#rag-status", has_text="chargement des modèles et de l'index").wait_for()
    legacy["warmup"] = {"state": "failed", "error": "model qwen is not installed"}
    page.locator("#rag-status[data-state=failed]", has_text="model qwen is not installed").wait_for(timeout=8000)
    assert "n'a pas pu démarrer" in banner.inner_text()

    monkeypatch.setattr(health, "report", lambda: {"status": "ok", "ready": True, "state": "ready"})
    page.goto(server + "/")
    page.locator("#rag-input textarea").wait_for()
    page.wait_for_timeout(500)
    assert page.locator("#rag-status:visible").count() == 0  # a ready server shows nothing


def test_a_phone_shows_the_hostile_document_without_widening_the_page(browser, server):
    """Long addresses from an indexed document (in the header, the sources) wrap: a 360 px phone gets no page
    wider than itself."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  locale="fr-FR")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    try:
        pg.goto(server + "/")
        pg.locator("#rag-input textarea").fill("Quand ouvre le marché de Noël ?")
        pg.locator("#rag-input textarea").press("Enter")
        pg.locator("#rag-sources mark").first.wait_for()
        pg.locator("#rag-sources details.rag-context summary").first.click()
        widths = pg.evaluate("[innerWidth, document.scrollingElement.scrollWidth]")
        assert widths == [360, 360], f"the page is laid out {widths[0]} px wide, {widths[1]} px with its overflow"
        wide = pg.evaluate("""() => [...document.querySelectorAll('gradio-app *')].filter(e => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && r.right > innerWidth + 1 && !e.closest('.visually-hidden');
          }).map(e => e.tagName + '.' + String(e.className).split(' ')[0]).slice(0, 5)""")
        assert not wide, f"cut off at the right edge of a phone: {wide}"
    finally:
        context.close()


def test_the_request_check_catches_an_outside_host(browser, server):
    """The guard above must be able to fail: a page that asks another host for a font is caught."""
    context = browser.new_context()
    urls: list[str] = []
    context.on("request", lambda r: urls.append(r.url))
    pg = context.new_page()
    pg.goto(server + "/healthz")
    pg.set_content('<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">')
    pg.wait_for_timeout(300)
    context.close()
    with pytest.raises(AssertionError, match="fonts.googleapis.com"):
        assert_local_only(urls, server)


def test_widget_on_the_demo_page(page, server, root):
    page.goto(server + "/demo")
    bubble = page.locator(".rw-bubble")
    bubble.wait_for()
    page.screenshot(path=str(page.shots / "demo-closed.png"))
    bubble.click()
    box = page.locator(".rw-form textarea")
    box.fill("Qui est le directeur général de l'Anssi ?")
    box.press("Enter")
    writing = page.locator(".rw-writing")
    writing.wait_for()  # progress from the SSE endpoint, not the draft
    assert "Strubel" not in writing.inner_text()
    page.locator(".rw-passage mark").first.wait_for()
    answer = page.locator(".rw-bot .rw-text").last
    assert "Vincent Strubel" in answer.inner_text()
    assert "Strubel" in page.locator(".rw-passage mark").first.inner_text()
    assert re.search(r"car\. [\d\u202f]+–[\d\u202f]+ sur 10\u202f051", page.locator(".rw-src-where").first.inner_text())
    page.locator(".rw-cite").first.click()
    page.locator(".rw-src.rw-flash").wait_for()
    page.screenshot(path=str(page.shots / "demo-widget.png"))
    # a follow-up carries the history
    box.fill("Et quand la loi Résilience sera-t-elle présentée ?")
    box.press("Enter")
    page.locator(".rw-bot .rw-text", has_text="2026").wait_for()  # (no wait_for_function: the CSP forbids eval)
    # The checked sentence may show while the model still writes; the feedback buttons come with the final answer.
    page.locator(".rw-feedback").nth(1).wait_for()
    page.locator(".rw-feedback").last.locator(".rw-fb").first.click()
    assert "Merci" in page.locator(".rw-feedback").last.inner_text()
    feedback = root / "main" / "fb" / "feedback.jsonl"
    for _ in range(50):
        if feedback.exists() and "2026" in feedback.read_text():
            break
        time.sleep(0.1)
    row = json.loads(feedback.read_text().splitlines()[-1])
    assert row["useful"] is True and "2026" in row["answer"]


EARLY_Q = "Qu'a rappelé Vincent Strubel sur la sécurité ?"  # a copy of the article, then an uncited sentence


def test_the_widget_shows_a_checked_sentence_while_the_model_writes_the_next(page, server):
    page.goto(server + "/demo")
    page.locator(".rw-bubble").click()
    box = page.locator(".rw-form textarea")
    box.fill(EARLY_Q)
    box.press("Enter")
    early = page.locator(".rw-writing .rw-early")
    early.wait_for()  # shown while the model is still writing, with its citation and the "checked" mark
    text = page.locator(".rw-writing").inner_text()
    assert "effectivement rappelé Vincent Strubel" in text and re.search(r"\[\d\]", text) and "jazz" not in text
    page.locator(".rw-passage mark").first.wait_for()  # then the whole checked answer in its place
    assert page.locator(".rw-writing").count() == 0
    assert "effectivement rappelé" in page.locator(".rw-bot .rw-text").last.inner_text()
    assert "jazz" in page.locator(".rw-removed").last.inner_text()  # the uncited one, removed and said so
    page.screenshot(path=str(page.shots / "widget-early.png"))


def test_the_chat_window_shows_a_checked_sentence_while_the_model_writes_the_next(page, server):
    page.goto(server + "/")
    box = page.locator("#rag-input textarea")
    box.wait_for()
    box.fill(EARLY_Q)
    page.locator("#rag-send").click()
    early = page.locator("#rag-chat .rag-early")
    early.wait_for()
    assert "effectivement rappelé Vincent Strubel" in early.inner_text() and "jazz" not in early.inner_text()
    page.locator("#rag-chat .rag-answer .rag-meta", has_text="vérifiée").wait_for()
    assert page.locator("#rag-chat .rag-early").count() == 0
    answer = page.locator("#rag-chat .rag-answer").last
    assert "effectivement rappelé" in answer.inner_text() and "jazz" in answer.locator(".rag-removed").inner_text()


def test_a_hostile_document_shows_as_text_in_the_widget(page, server):
    page.goto(server + "/embed")
    box = page.locator(".rw-form textarea")
    box.wait_for()
    box.fill("Quand ouvre le marché de Noël ?")
    box.press("Enter")
    page.locator(".rw-passage mark").first.wait_for()
    widget = page.locator("#rag-widget .rw-log")
    if page.locator(".rw-more").count():
        page.locator(".rw-more").first.click()  # the whole passage
    text = widget.inner_text()
    assert "<video poster=http://example.invalid/poster.png>" in text and "<b>Entrée libre</b>" in text
    assert '<img src="http://example.invalid/answer.png">' in text
    assert page.locator(".rw-log img, .rw-log video, .rw-log script, .rw-log b, "
                        ".rw-log a[href*='example.invalid']").count() == 0
    assert page.evaluate("window.__pwned") is None
    page.wait_for_timeout(300)


def test_iframe_embed_page(page, server):
    page.goto(server + "/embed")
    box = page.locator(".rw-form textarea")
    box.wait_for()
    assert page.locator(".rw-bubble").count() == 0  # inline: the chat fills the frame
    box.fill("Qui préside la région Occitanie ?")
    box.press("Enter")
    page.locator(".rw-abstained").wait_for()
    assert page.locator(".rw-abstained .rw-src").count() == 3
    page.screenshot(path=str(page.shots / "embed.png"))


def test_api_reference_page_is_local(page, server):
    page.goto(server + "/docs")
    page.locator("details.op").first.wait_for()
    text = page.locator("#api").inner_text()
    assert "/v1/ask" in text and "abstain_code" in text and f"curl -s {server}/v1/ask" in text


def test_with_a_token_the_chat_window_signs_in_once(browser, locked, tmp_path):
    context, pg = _page(browser, locked, tmp_path)
    try:
        pg.goto(locked + "/")
        assert urlparse(pg.url).path == "/sign-in"
        pg.locator("#token").fill(TOKEN)
        pg.locator("button[type=submit]").click()
        box = pg.locator("#rag-input textarea")
        box.wait_for()
        box.fill("Qui est le directeur général de l'Anssi ?")
        box.press("Enter")
        pg.locator("#rag-chat .rag-meta").wait_for()
        assert "Vincent Strubel" in pg.locator("#rag-chat .rag-answer").last.inner_text()
        # the widget on the demo page uses the same sign-in (a same-site cookie)
        pg.goto(locked + "/demo")
        pg.locator(".rw-bubble").click()
        pg.locator(".rw-form textarea").fill("Qui est le directeur général de l'Anssi ?")
        pg.locator(".rw-form textarea").press("Enter")
        pg.locator(".rw-passage mark").first.wait_for()
    finally:
        context.close()
    assert_local_only(pg.requests, locked)
    assert not pg.csp, pg.csp


def test_with_a_token_the_embed_page_takes_it_from_the_fragment(browser, locked, tmp_path):
    context, pg = _page(browser, locked, tmp_path)
    try:
        pg.goto(locked + "/embed")  # no token: the widget says what is missing
        pg.locator(".rw-form textarea").fill("Qui est le directeur général de l'Anssi ?")
        pg.locator(".rw-form textarea").press("Enter")
        pg.locator(".rw-error").wait_for()
        assert "Bearer" in pg.locator(".rw-error").inner_text()
        pg.goto(f"{locked}/embed?lang=fr#token={TOKEN}")  # (a new document, not a jump within the page)
        pg.locator(".rw-form textarea").fill("Qui est le directeur général de l'Anssi ?")
        pg.locator(".rw-form textarea").press("Enter")
        pg.locator(".rw-passage mark").first.wait_for()
        assert TOKEN not in pg.url  # taken out of the address bar at once
    finally:
        context.close()
    assert_local_only(pg.requests, locked)
    assert not pg.csp, pg.csp


def _open(page, url: str, where: str):
    """The question box of the widget (on /demo) or of the chat window; the selector of its checked answer's
    first sign (the widget's highlighted source, the chat's meta line) and of the answer's text."""
    if where == "widget":
        page.goto(url + "/demo")
        page.locator(".rw-bubble").click()
        return page.locator(".rw-form textarea"), ".rw-passage mark", ".rw-bot .rw-text"
    page.goto(url + "/")
    return page.locator("#rag-input textarea"), "#rag-chat .rag-meta", "#rag-chat .rag-answer"


def _prefills(page) -> int:
    return sum(u.endswith("/v1/prefill") for u in page.requests)


@pytest.mark.parametrize("where", ["widget", "chat"])
def test_a_first_question_is_read_ahead_once_it_ends_with_a_question_mark(page, server, served, where):
    """Typed key by key, a first question is sent to /v1/prefill once, when it ends with "?" (not before, not
    again), and the model reads the prompt it is then asked with. A follow-up is sent with the conversation, as it
    will be asked (the widget holds it; the chat window reads what the server wrote on its sources panel), and it
    is then asked with no rewrite and no prompt left to read."""
    llm = served[1].state.services.answerer.pipeline.components.llm
    box, done, answered = _open(page, server, where)
    box.wait_for()
    box.press_sequentially("Qui dirige l'Anssi")
    page.wait_for_timeout(300)
    assert _prefills(page) == 0  # no "?" yet
    with page.expect_request(lambda r: r.url.endswith("/v1/prefill")) as sent:
        box.press_sequentially(" ?")
    assert json.loads(sent.value.post_data)["question"] == "Qui dirige l'Anssi ?"
    assert sent.value.response().json() in ({"read": True}, {"read": False})  # False: the model was busy
    box.press("Enter")
    page.locator(done).first.wait_for()
    assert "Strubel" in page.locator(answered).first.inner_text()
    assert _prefills(page) == 1
    asked = next(m for m in reversed(llm.calls) if "Qui dirige l'Anssi ?" in m[-1]["content"])
    assert sent.value.response().json() == {"read": False} or asked in llm.prefilled
    follow_up = "Et quand la loi Résilience sera-t-elle présentée ?"
    calls, joined = len(llm.calls), served[1].state.services.answerer.ahead_joined
    with page.expect_request(lambda r: r.url.endswith("/v1/prefill")) as sent:
        box.press_sequentially(follow_up)
    body = json.loads(sent.value.post_data)
    assert body["question"] == follow_up and [t["role"] for t in body["history"]] == ["user", "assistant"]
    assert body["history"][0]["content"] == "Qui dirige l'Anssi ?" and _prefills(page) == 2
    assert "Strubel" in body["history"][1]["content"]
    read = sent.value.response().json()["read"]
    box.press("Enter")
    page.locator(done).nth(1).wait_for()
    assert _prefills(page) == 2
    if read:  # (not when the model was busy) the rewrite was kept and the prompt read, then answered ahead and
        # joined: the rewrite's call, then one call, the answer's, on the very prompt read
        new = [m for m in llm.calls[calls:] if "réécris" not in m[0]["content"]]
        assert len(new) == 1 and new[0] in llm.prefilled, [m[-1]["content"][:80] for m in new]
        assert served[1].state.services.answerer.ahead_joined == joined + 1


@pytest.mark.parametrize("where", ["widget", "chat"])
def test_a_question_without_a_question_mark_is_read_ahead_when_typing_pauses(page, server, served, where):
    """Many people never type the "?": a question of three words or more is sent to /v1/prefill once typing
    pauses (0.7 s), not while keys keep coming, nor on a two-word start; Enter pressed at once sends nothing."""
    llm = served[1].state.services.answerer.pipeline.components.llm
    box, done, answered = _open(page, server, where)
    box.wait_for()
    box.press_sequentially("Qui dirige", delay=40)
    page.wait_for_timeout(1200)
    assert _prefills(page) == 0  # two words: no question yet, however long the pause
    box.press_sequentially(" l'Anssi", delay=40)
    page.wait_for_timeout(300)
    assert _prefills(page) == 0  # not before the pause
    with page.expect_request(lambda r: r.url.endswith("/v1/prefill")) as sent:
        pass  # the pause
    assert json.loads(sent.value.post_data)["question"] == "Qui dirige l'Anssi"
    read = sent.value.response().json()["read"]  # False: the model was busy
    box.press("Enter")
    page.locator(done).first.wait_for()
    assert "Strubel" in page.locator(answered).first.inner_text()
    asked = next(m for m in reversed(llm.calls) if "Qui dirige l'Anssi" in m[-1]["content"])
    assert not read or asked in llm.prefilled
    box.press_sequentially("Et quand la loi Résilience sera-t-elle présentée", delay=10)
    box.press("Enter")  # at once: nothing read ahead
    page.locator(done).nth(1).wait_for()
    page.wait_for_timeout(1000)
    assert _prefills(page) == 1


def test_a_kept_answer_shows_in_the_widget_and_the_chat_window(browser, root, tmp_path):
    """A first question asked again (RAG_ANSWER_CACHE) is answered from the kept answer, with no model writing:
    both surfaces show it as a checked answer with its source, like the first time."""
    with serve(root / "kept", chat_ui=True, answer_cache=256) as (url, app):
        llm = app.state.services.answerer.pipeline.components.llm
        texts = []
        for where in ("widget", "widget", "chat"):
            context, page = _page(browser, url, tmp_path)
            box, done, answer = _open(page, url, where)
            box.fill("Qui est le directeur général de l'Anssi")  # no "?" and Enter at once: nothing read ahead
            box.press("Enter")
            page.locator(done).first.wait_for()
            texts.append(page.locator(answer).first.inner_text())
            if where == "chat":
                assert "1 source" in page.locator("#rag-chat .rag-meta").first.inner_text()
            else:
                assert "Strubel" in page.locator(".rw-passage mark").first.inner_text()
            context.close()
            assert_local_only(page.requests, url)
        assert "Vincent Strubel" in texts[0] and texts[1] == texts[0] and "Vincent Strubel" in texts[2]
        assert len(llm.calls) == 1 and app.state.services.answerer.cached_answers == 2
