"""The chat window, the widget on the demo page and the iframe page, in headless Chromium (Debian's), against a
real server running fakes. Every request any page makes must go to the server itself: nothing leaves the machine."""

from __future__ import annotations

import json
import os
import re
import time
from urllib.parse import urlparse

import pytest

from test_server import SlowLLM, fake_assistant, running_server, smart_reply

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
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


@pytest.fixture
def server(settings, fake_embed, tmp_path):
    from rag.serve.app import create_app

    assistant = fake_assistant(settings, fake_embed, SlowLLM, reply=smart_reply)
    app = create_app(settings, assistant, feedback_path=tmp_path / "feedback.jsonl",
                     eval_dir=tmp_path / "eval" / "runs")
    with running_server(app) as url:
        yield url


@pytest.fixture
def page(browser, server, tmp_path):
    """A page whose every request is recorded; on teardown, all must have gone to the server's host."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="fr-FR")
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.requests = requests
    pg.shots = tmp_path / "screenshots"
    pg.shots.mkdir()
    yield pg
    context.close()
    assert_local_only(requests, server)


def assert_local_only(urls: list[str], server: str) -> None:
    host = urlparse(server).netloc
    outside = [u for u in urls if urlparse(u).scheme not in ("data", "blob", "about") and urlparse(u).netloc != host]
    assert urls and not outside, f"requests to other hosts than {host}: {outside}"


def test_chat_window_streams_then_shows_the_checked_answer_and_its_source(page, server):
    page.goto(server + "/")
    box = page.locator("#rag-input textarea")
    box.wait_for()
    assert page.locator("#rag-send").inner_text().strip() == "Envoyer"  # French by default
    box.fill("Qui est le directeur général de l'Anssi ?")
    page.locator("#rag-send").click()
    page.locator("#rag-chat .rag-draft").wait_for()  # the model's draft, streamed
    page.locator("#rag-chat .rag-meta").wait_for()  # then the checked answer in its place
    assert page.locator("#rag-chat .rag-draft").count() == 0
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
    assert_local_only(page.requests, server)


def test_chat_window_explains_an_abstention_with_the_closest_passages(page, server):
    page.goto(server + "/")
    page.locator("#rag-input textarea").fill("Qui préside la région Occitanie ?")
    page.locator("#rag-input textarea").press("Enter")
    page.locator("#rag-chat .rag-abstained").wait_for()
    assert "ne trouve pas" in page.locator("#rag-chat .rag-abstained").inner_text()
    assert page.locator("#rag-sources article.rag-src").count() == 3
    assert "Passages les plus proches" in page.locator("#rag-sources").inner_text() or \
        "les plus proches" in page.locator("#rag-sources").inner_text()


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


def test_widget_on_the_demo_page(page, server, tmp_path):
    page.goto(server + "/demo")
    bubble = page.locator(".rw-bubble")
    bubble.wait_for()
    page.screenshot(path=str(page.shots / "demo-closed.png"))
    bubble.click()
    box = page.locator(".rw-form textarea")
    box.fill("Qui est le directeur général de l'Anssi ?")
    box.press("Enter")
    page.locator(".rw-draft").wait_for()  # streamed from the SSE endpoint
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
    page.wait_for_function("[...document.querySelector('#rag-widget').shadowRoot.querySelectorAll('.rw-text')]"
                           ".some(e => e.innerText.includes('2026'))")
    page.locator(".rw-feedback").last.locator(".rw-fb").first.click()
    assert "Merci" in page.locator(".rw-feedback").last.inner_text()
    feedback = tmp_path / "feedback.jsonl"
    for _ in range(50):
        if feedback.exists():
            break
        time.sleep(0.1)
    row = json.loads(feedback.read_text().splitlines()[-1])
    assert row["useful"] is True and "2026" in row["answer"]
    assert_local_only(page.requests, server)


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
    assert_local_only(page.requests, server)


def test_api_reference_page_is_local(page, server):
    page.goto(server + "/docs")
    page.locator("details.op").first.wait_for()
    assert "/v1/ask" in page.locator("#api").inner_text()
    assert_local_only(page.requests, server)
