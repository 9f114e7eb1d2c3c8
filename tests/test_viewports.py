"""The chat window and the widget at a phone's, a laptop's and a large screen's size (360×740, 1366×900,
1920×1080), in headless Chromium (Debian's) against one server running fakes.

After an abstention that lists the three closest passages and after a long answer citing many passages, every
source card must be reachable: scrolled into view within its scroll container, its top and its bottom inside the
window, nothing (the footer above all) drawn over it. Every control (question box, send, language toggle, tabs,
example questions, feedback, new conversation, citation markers) must be reachable the same way, and no page may be
wider than the window. Badges and verdicts follow the answer's language, not the window's; the Evaluation tab names
the run that is newest by the time recorded inside it.

With RAG_SCREENSHOTS=1 the tests also write docs/screenshots/ (chat-360.png, chat-1366.png, chat-1920.png, chat.png,
widget.png); without it they write only to pytest's temporary folder, so a normal run leaves the tracked files alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import ARTICLE, ROOT
from test_browser import CHROMIUM, assert_local_only, browser  # noqa: F401 - browser: the module's fixture
from test_server import _last_question, serve, smart_reply

# Read when the module is imported: each test runs with the RAG_* variables removed (conftest's `isolated`).
SAVE_SCREENSHOTS = os.environ.get("RAG_SCREENSHOTS", "") not in ("", "0")
SCREENSHOTS = ROOT / "docs" / "screenshots"

VIEWPORTS = [(360, 740), (1366, 900), (1920, 1080)]
ABSTAIN = "Qui préside la région Occitanie ?"
LONG = "Résumez ce que dit l'article sur les régions et la cybersécurité."
LONG_EN = "Summarize what the article says about the regions and cybersecurity."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"no Chromium at {CHROMIUM}: apt-get install -y chromium chromium-driver"),
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


def long_reply(messages) -> str:
    """A model that, asked for a summary, quotes two or three sentences of every passage it was given, each with its
    citation (a long answer citing many sources), and adds one sentence no passage supports (removed, with a badge).
    Other questions: the scripted answers of test_server."""
    user = messages[-1]["content"]
    question = _last_question(user).lower()
    if "dernière question" in user.lower() or "last question" in user.lower() or not re.search(r"résum|summar", question):
        return smart_reply(messages)
    out, seen = [], set()
    for block in re.split(r"\n\n(?=\[\d+\] )", user.split("\n\nQuestion")[0]):
        m = re.match(r"(?:.*\n)?\[(\d+)\] (.*)", block, re.S)
        if m:  # (passages overlap by a sentence: each is quoted once)
            sentences = [s.strip() for s in re.findall(r"[^.!?\n]{40,}[.!?]", m.group(2)) if s.strip() not in seen][:2]
            seen.update(sentences)
            if sentences:
                out.append(" ".join(sentences).rstrip(".") + f" [{m.group(1)}].")
    return " ".join(out) + " Elle aime aussi beaucoup le jazz manouche [1]."


def write_runs(runs: Path) -> None:
    """Three evaluation runs whose files all carry the same date, as on a fresh clone: the newest says so in its
    metrics.json ("generated"), the next only in its report's "Generated" line, the oldest nowhere. Their names sort
    the other way round."""
    runs.mkdir(parents=True, exist_ok=True)
    table = ("| category | n | hit@5 | contains | F1 | citation recall | abstained right | abstained wrongly | latency p50 |\n"
             "|---|---|---|---|---|---|---|---|---|\n"
             "| factual_with_a_rather_long_category_name | 40 | 0.975 | 0.900 | 0.812 | 0.950 | — | 0.025 | 12.5 |\n")
    for name, metrics, line in [("a-newest", {"generated": "2026-12-02T08:15:00Z"}, "Generated 2026-12-02T08:15:00Z"),
                                ("m-older", {}, "Generated 2026-11-28 23:09 UTC"),
                                ("z-undated", {}, "")]:
        run = runs / name
        run.mkdir()
        (run / "report.md").write_text(f"# Evaluation {name}\n\n{line}\n\n{table}", encoding="utf-8")
        (run / "metrics.json").write_text(json.dumps({**metrics, "ours": {}}), encoding="utf-8")
    for path in runs.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module: the article alone (as a new user has it), six passages per prompt (long answers
    with many sources), evaluation runs that all share one file date."""
    root = tmp_path_factory.mktemp("viewports")
    write_runs(root / "main" / "eval" / "runs")
    with serve(root / "main", reply=long_reply, paths=[ARTICLE], chat_ui=True, warm_up=True, top_k=6) as (url, _):
        yield url


@pytest.fixture
def shots(tmp_path):
    """save(page, name): a screenshot in the test's folder, and in docs/screenshots/ when RAG_SCREENSHOTS=1."""
    def save(page, name: str, **kw) -> None:
        path = tmp_path / name
        page.screenshot(path=str(path), **kw)
        if SAVE_SCREENSHOTS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / name)
    return save


def open_page(browser, server: str, size: tuple[int, int], path: str = "/", locale: str = "fr-FR"):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=locale,
                                  device_scale_factor=1, is_mobile=size[0] < 500, has_touch=size[0] < 500)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.requests = []
    context.on("request", lambda r: page.requests.append(r.url))
    page.goto(server + path)
    return context, page


def ask(page, question: str) -> None:
    """Ask in the chat window; return once the checked answer (or the abstention) and its sources are shown."""
    before = page.locator("#rag-chat .rag-answer").count()
    box = page.locator("#rag-input textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "(n) => { const a = document.querySelectorAll('#rag-chat .rag-answer');"
        " return a.length > n && a[a.length - 1].matches('.rag-abstained, :has(.rag-meta)')"
        " && !a[a.length - 1].matches('.rag-writing, .rag-pending'); }", arg=before)
    page.locator("#rag-sources section.rag-turn:not([hidden]) article.rag-src").first.wait_for()
    page.wait_for_timeout(300)  # the last layout pass


# -- reachability ----------------------------------------------------------------------------------------------
# One element, scrolled into view as a person would (to the middle of its scroll container; a taller one to its top,
# then to its bottom): is it inside the window (of the size the test asked for: a phone browser would zoom out of a
# page that is too wide) and inside every ancestor that clips it, is what the browser shows at its visible points the
# element itself (not the footer, not a block drawn over it), and did no box that hides its overflow have to be
# scrolled to get there (a script can scroll such a box, a person cannot)? Works inside the widget's shadow root too.
# Returns what is wrong, or [].
REACH_JS = r"""
async ([el, name, W, H, footerSelector]) => {
  const problems = [];
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const up = (e) => e.parentElement || (e.getRootNode() && e.getRootNode().host) || null;
  const ancestors = (e) => { const out = []; for (let p = up(e); p && p !== document.documentElement; p = up(p)) out.push(p); return out; };
  const label = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                       (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : '');
  const clip = () => {  // the visible box: the window, cut by every ancestor that clips
    const box = {top: 0, left: 0, bottom: H, right: W};
    for (const p of ancestors(el)) {
      const cs = getComputedStyle(p);
      if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
      const r = p.getBoundingClientRect(), top = r.top + p.clientTop, left = r.left + p.clientLeft;
      if (cs.overflowY !== 'visible') { box.top = Math.max(box.top, top); box.bottom = Math.min(box.bottom, top + p.clientHeight); }
      if (cs.overflowX !== 'visible') { box.left = Math.max(box.left, left); box.right = Math.min(box.right, left + p.clientWidth); }
    }
    return box;
  };
  const hiddenScrolled = () => {  // boxes that hide their overflow, yet had to be scrolled (put back afterwards)
    const out = [];
    for (const p of ancestors(el)) {
      const cs = getComputedStyle(p);
      const y = (cs.overflowY === 'hidden' || cs.overflowY === 'clip') && p.scrollTop > 0;
      const x = (cs.overflowX === 'hidden' || cs.overflowX === 'clip') && p.scrollLeft > 0;
      if (x || y) { out.push(`${label(p)} (overflow hidden) scrolled by ${p.scrollLeft},${p.scrollTop}`); p.scrollTop = 0; p.scrollLeft = 0; }
    }
    return out;
  };
  const r0 = el.getBoundingClientRect();
  if (r0.width < 1 || r0.height < 1) return [`${name}: not displayed (${r0.width}×${r0.height})`];
  el.scrollIntoView({block: 'center', inline: 'nearest', behavior: 'instant'});
  await frame();
  const b0 = clip();
  const tall = el.getBoundingClientRect().height > 0.8 * Math.max(b0.bottom - b0.top, 1);
  for (const block of tall ? ['start', 'end'] : ['center']) {
    el.scrollIntoView({block, inline: 'nearest', behavior: 'instant'});
    await frame();
    const r = el.getBoundingClientRect(), box = clip();
    const where = ` [${block}] element ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)};` +
                  ` visible box ${Math.round(box.left)},${Math.round(box.top)}–${Math.round(box.right)},${Math.round(box.bottom)}`;
    const scrolled = hiddenScrolled();  // (the measures above are then meaningless: report that alone)
    if (scrolled.length) { problems.push(`${name}: reached only by scrolling ${scrolled.join(', ')}, which no one can do` + where); continue; }
    if (r.left < box.left - 1 || r.right > box.right + 1) problems.push(name + ': cut off at the side' + where);
    if (block !== 'end' && (r.top < box.top - 1 || r.top > box.bottom - 1)) problems.push(name + ': its top cannot be scrolled into view' + where);
    if (block !== 'start' && (r.bottom > box.bottom + 1 || r.bottom < box.top + 1)) problems.push(name + ': its bottom cannot be scrolled into view' + where);
    const top = Math.max(r.top, box.top), bottom = Math.min(r.bottom, box.bottom);
    const left = Math.max(r.left, box.left), right = Math.min(r.right, box.right);
    if (bottom - top < 1 || right - left < 1) { problems.push(name + ': nothing of it is visible' + where); continue; }
    const footer = footerSelector && document.querySelector(footerSelector);
    if (footer) {
      const f = footer.getBoundingClientRect();
      if (f.height > 0 && f.top < bottom - 1 && f.bottom > top + 1 && f.left < right - 1 && f.right > left + 1)
        problems.push(name + ': the footer overlaps it' + where);
    }
    // what shows at its first line (an inline link may wrap over two lines), its last line, or its middle
    const lines = [...el.getClientRects()].filter(l => l.width >= 1 && l.height >= 1);
    const line = block === 'start' ? lines[0] : block === 'end' ? lines[lines.length - 1] : lines[Math.floor((lines.length - 1) / 2)];
    const lt = Math.max(line.top, top), lb = Math.min(line.bottom, bottom), ll = Math.max(line.left, left), lr = Math.min(line.right, right);
    if (lb - lt < 1 || lr - ll < 1) { problems.push(`${name}: the ${block} of it is not visible` + where); continue; }
    const y = block === 'start' ? Math.min(lt + 6, (lt + lb) / 2) : block === 'end' ? Math.max(lb - 6, (lt + lb) / 2) : (lt + lb) / 2;
    const root = el.getRootNode();
    for (const x of [ll + Math.min(6, (lr - ll) / 2), (ll + lr) / 2, lr - Math.min(6, (lr - ll) / 2)]) {
      const hit = root.elementFromPoint(x, y);
      if (!hit || !(el === hit || el.contains(hit))) {
        problems.push(`${name}: covered by ${hit ? label(hit) : 'nothing'} at ${Math.round(x)},${Math.round(y)}` + where);
        break;
      }
    }
  }
  return problems;
}
"""

# Wider than the window: the page scrolls sideways, or a phone browser zooms out of it, or (inside Gradio's
# `overflow: hidden` container) elements are cut off where nobody can scroll to them. An element inside a box that
# scrolls sideways on its own (a wide table) is fine.
OVERFLOW_JS = r"""
([root, W]) => {
  const out = [];
  const doc = document.scrollingElement;
  if (innerWidth !== W) out.push(`the browser laid the page out ${innerWidth} px wide for a ${W} px window`);
  if (doc.scrollWidth > W) out.push(`the page is ${doc.scrollWidth} px wide in a ${W} px window`);
  // Inside a box that scrolls or clips sideways, an element beyond the window is that box's business (the box is
  // checked too): Gradio's progress bar (div.eta-bar) slides in from -100% inside its clipped track while it loads.
  const scrollsSideways = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (['auto', 'scroll', 'hidden', 'clip'].includes(o)) return true; }
    return false; };
  for (const e of document.querySelectorAll(root + ' *')) {
    const r = e.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || getComputedStyle(e).visibility === 'hidden') continue;
    if (e.closest('.visually-hidden, .sr-only, [hidden]')) continue;
    if ((r.right > W + 1 || r.left < -1) && !scrollsSideways(e)) {
      out.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${String(e.className).split(' ')[0]} spans ` +
               `${Math.round(r.left)}–${Math.round(r.right)} in a ${W} px window`);
      if (out.length > 8) break;
    }
  }
  return out;
}
"""


def overflow(page, root: str = "gradio-app") -> list[str]:
    return page.evaluate(OVERFLOW_JS, [root, page.viewport_size["width"]])


def reach(page, element, name: str, footer: str | None = ".rag-footer") -> list[str]:
    size = page.viewport_size
    return page.evaluate(REACH_JS, [element, name, size["width"], size["height"], footer])


CONTROLS = [("question box", "#rag-input textarea"), ("send", "#rag-send"), ("language", "#rag-lang label"),
            ("tab", "#rag-tabs .tab-container:not(.visually-hidden) button[role=tab]"), ("example", ".rag-example"),
            ("useful", "#rag-useful"), ("not useful", "#rag-not-useful"), ("new conversation", "#rag-clear")]


def problems_of(page, selector, name: str) -> list[str]:
    """What is out of reach among the elements a selector (or a locator) finds."""
    out = []
    loc = page.locator(selector) if isinstance(selector, str) else selector
    n = loc.count()
    if not n:
        return [f"{name}: none on the page ({selector})"]
    for i in range(n):
        out += reach(page, loc.nth(i).element_handle(), f"{name} {i + 1}/{n}")
    return out


def assert_all_reachable(page, cards: int) -> None:
    problems = []
    shown = "#rag-sources section.rag-turn:not([hidden]) article.rag-src"
    found = page.locator(shown).count()
    assert found == cards, f"{found} source cards shown, expected {cards}"
    problems += problems_of(page, shown, "source card")
    problems += problems_of(page, "#rag-chat .rag-answer", "answer")
    problems += problems_of(page, page.locator("#rag-chat .rag-answer").last.locator("a.rag-cite, a.rag-jump"),
                            "citation marker")
    for name, selector in CONTROLS:
        problems += problems_of(page, selector, name)
    problems += overflow(page)
    assert not problems, "out of reach:\n" + "\n".join(problems)


# The chat scrolled to show the last question and the start of its answer.
SHOW_ANSWER_JS = """() => {
  const wrap = document.querySelector('#rag-chat .bubble-wrap'), answers = document.querySelectorAll('#rag-chat .rag-answer');
  const question = [...document.querySelectorAll('#rag-chat .message-row, #rag-chat .message')].filter(
    m => !m.querySelector('.rag-answer')).pop();
  const target = question || answers[answers.length - 1];
  if (wrap && target) wrap.scrollTop += target.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 12;
}"""


# -- the tests ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_closest_passage_is_reachable_after_an_abstention(browser, server, size):
    context, page = open_page(browser, server, size)
    try:
        page.locator("#rag-input textarea").wait_for()
        assert not overflow(page)  # the empty window fits too
        ask(page, ABSTAIN)
        assert "ne trouve pas" in page.locator("#rag-chat .rag-abstained").inner_text()
        assert_all_reachable(page, cards=3)
        # "see the closest passages" brings the panel to the first; a click on the third card's context opens it,
        # and it can still be read to its end
        page.locator("#rag-chat a.rag-jump").last.click()
        page.wait_for_timeout(900)  # the smooth scroll
        first = page.locator("#rag-sources article.rag-src").first
        box, view = first.bounding_box(), page.viewport_size
        assert 0 <= box["y"] < view["height"], f"the first closest passage is not in view after the link: {box}"
        third = page.locator("#rag-sources article.rag-src").nth(2)
        third.locator("details.rag-context summary").click()
        assert not reach(page, third.element_handle(), "the third card, its context open")
    finally:
        context.close()
    assert_local_only(page.requests, server)


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_long_answer_with_many_sources_stays_reachable(browser, server, size, shots):
    context, page = open_page(browser, server, size)
    try:
        page.locator("#rag-input textarea").wait_for()
        ask(page, LONG)
        answer = page.locator("#rag-chat .rag-answer").last
        cites = answer.locator("a.rag-cite")
        n_cards = page.locator("#rag-sources section.rag-turn:not([hidden]) article.rag-src").count()
        assert n_cards >= 5 and cites.count() >= n_cards, (n_cards, cites.count())
        assert len(answer.locator(".rag-text").inner_text()) > 1000  # a long answer
        assert "Retiré — non sourcé" in answer.inner_text() or "RETIRÉ — NON SOURCÉ" in answer.inner_text()
        assert_all_reachable(page, cards=n_cards)
        if size == (1366, 900):  # the README's picture: the question, the answer and the top of its sources
            page.evaluate("window.scrollTo(0, 0); document.getElementById('rag-sources').scrollTop = 0")
            page.evaluate(SHOW_ANSWER_JS)
            page.wait_for_timeout(300)
            shots(page, "chat.png")
        # the last citation marker brings its card into view, inside the panel, wherever the panel is
        last = cites.last
        last.scroll_into_view_if_needed()
        card_id = last.get_attribute("href")[1:]
        last.click()
        page.wait_for_function(f"document.getElementById('{card_id}').classList.contains('rag-flash')")
        page.wait_for_timeout(1000)  # the smooth scroll
        card = page.locator(f"#{card_id}")
        box, view = card.bounding_box(), page.viewport_size
        assert 0 <= box["y"] and box["y"] + 40 <= view["height"], f"card {card_id} is not in view after its marker: {box}"
        assert page.evaluate("(id) => { const c = document.getElementById(id), p = document.getElementById('rag-sources');"
                             " const a = c.getBoundingClientRect(), b = p.getBoundingClientRect();"
                             " return a.top >= b.top - 1 && a.top < b.bottom; }", card_id)
        page.wait_for_timeout(1000)  # the highlight fades
        # the picture: the top of the page (on a phone, the conversation), the answer from its start, the card shown
        page.evaluate(SHOW_ANSWER_JS)
        page.evaluate("document.getElementById(size < 768 ? 'rag-chat' : 'rag-top').scrollIntoView({block: 'start'})"
                      .replace("size", str(size[0])))
        page.wait_for_timeout(300)
        shots(page, f"chat-{size[0]}.png")
    finally:
        context.close()
    assert_local_only(page.requests, server)


def test_badges_and_verdicts_follow_the_answer_language(browser, server):
    """What is said of an answer (the removed-sentence badge, verdicts, "checked", why it abstained) is in the
    answer's language: an English answer in the French window gets "Removed — unsourced", a French answer in the
    English window "Retiré — non sourcé"."""
    context, page = open_page(browser, server, (1366, 900))
    try:
        page.locator("#rag-input textarea").wait_for()
        ask(page, LONG_EN)  # the French window, an English answer
        en = page.locator("#rag-chat .rag-answer").last
        assert "unsourced" in en.locator(".rag-badge").inner_text().lower()
        assert "Checked answer" in en.inner_text() and not re.search(r"(?i)non sourcé|Réponse vérifiée|Pourquoi", en.inner_text())
        verdicts = page.locator("#rag-sources section.rag-turn:not([hidden]) .rag-verdict").all_inner_texts()
        assert verdicts and all("Supported" in v and "Appuyé" not in v for v in verdicts), verdicts
        assert "caractères" in page.locator("#rag-sources").inner_text()  # the panel's own words: the window's

        page.locator("#rag-lang label", has_text="English").click()  # the English window
        page.wait_for_function("document.querySelector('#rag-send').innerText.trim() === 'Send'")
        page.locator("#rag-clear").click()
        page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 0")
        ask(page, LONG)  # a French answer
        fr = page.locator("#rag-chat .rag-answer").last
        assert "non sourcé" in fr.locator(".rag-badge").inner_text().lower()
        assert "Réponse vérifiée" in fr.inner_text() and not re.search(r"(?i)unsourced|Checked answer", fr.inner_text())
        verdicts = page.locator("#rag-sources section.rag-turn:not([hidden]) .rag-verdict").all_inner_texts()
        assert verdicts and all("Appuyé" in v and "Supported" not in v for v in verdicts), verdicts
        assert "characters" in page.locator("#rag-sources").inner_text()

        page.locator("#rag-clear").click()
        page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 0")
        ask(page, ABSTAIN)  # a French abstention in the English window
        no = page.locator("#rag-chat .rag-abstained").last
        assert "Pourquoi" in no.inner_text() and "Why:" not in no.inner_text()
        panel = page.locator("#rag-sources section.rag-turn:not([hidden])").inner_text()
        assert "Non utilisé" in panel and "Not used" not in panel
    finally:
        context.close()


@pytest.mark.parametrize("size", [VIEWPORTS[0], VIEWPORTS[1]], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_evaluation_tab_names_the_newest_run_and_fits(browser, server, size):
    context, page = open_page(browser, server, size)
    try:
        page.get_by_role("tab", name="Évaluation").click()
        report = page.locator("#rag-eval")
        page.wait_for_function("document.querySelector('#rag-eval') && "
                               "document.querySelector('#rag-eval').innerText.includes('Rapport le plus récent')")
        text = report.inner_text()
        head = text.split("\n", 1)[0]
        assert "a-newest" in head and "02/12/2026 08:15 UTC" in head, head
        assert "Evaluation a-newest" in text
        assert re.search(r"m-older \(28/11/2026 23:09 UTC\).*z-undated", text), text[:400]
        assert not overflow(page)
    finally:
        context.close()


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_api_page_fits(browser, server, size):
    context, page = open_page(browser, server, size, "/docs")
    try:
        page.locator("details.op").first.wait_for()
        text = page.locator("body").inner_text()
        assert "Request body (JSON)" in text and "Responses" in text
        assert not re.search(r"Réponses|Corps de la requête|Chargement|Exemple\b|champ", text)
        assert page.evaluate("document.documentElement.lang") == "en"
        assert not overflow(page, "body")
    finally:
        context.close()


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_widget_fits_and_its_sources_are_reachable(browser, server, size, shots):
    context, page = open_page(browser, server, size, "/demo")
    try:
        page.locator(".rw-bubble").click()
        box = page.locator(".rw-form textarea")
        box.fill(LONG)
        box.press("Enter")
        page.locator(".rw-bot .rw-removed").first.wait_for()
        page.locator(".rw-feedback").first.wait_for()
        assert page.locator(".rw-src").count() >= 5
        page.wait_for_timeout(300)
        problems = []
        for sel, name in [(".rw-src", "source"), (".rw-form textarea", "question box"), (".rw-send", "send"),
                          (".rw-close", "close"), (".rw-reset", "new conversation"), (".rw-fb", "feedback"),
                          (".rw-cite", "citation marker"), (".rw-bot", "answer")]:
            loc = page.locator(sel)  # (playwright's locators pierce the widget's shadow root)
            n = loc.count()
            problems += [f"{name}: none"] if not n else []
            for i in range(n):
                problems += reach(page, loc.nth(i).element_handle(), f"widget {name} {i + 1}/{n}", footer=None)
        panel = page.locator(".rw-panel").bounding_box()
        view = page.viewport_size
        if panel["x"] < 0 or panel["y"] < 0 or panel["x"] + panel["width"] > view["width"] \
                or panel["y"] + panel["height"] > view["height"]:
            problems.append(f"the widget's panel {panel} does not fit the {view} window")
        problems += overflow(page, "body")
        assert not problems, "out of reach in the widget:\n" + "\n".join(problems)
        page.locator(".rw-cite").last.click()
        page.locator(".rw-src.rw-flash").wait_for()
        if size == (1366, 900):  # the README's picture: a short answer and its source
            page.locator(".rw-reset").click()
            box.fill("Qui est le directeur général de l'Anssi ?")
            box.press("Enter")
            page.locator(".rw-passage mark").first.wait_for()
            page.locator(".rw-cite").last.click()
            page.wait_for_timeout(1800)  # the highlight fades
            shots(page, "widget.png")
    finally:
        context.close()
    assert_local_only(page.requests, server)
