"""The Gradio chat window, mounted on the FastAPI app: streamed answers, clickable citations, a sources
panel, feedback, the latest evaluation report, French by default with an English toggle.

Gradio's usage analytics are turned off before it is imported, and the theme uses system fonts only,
so the page asks nothing of any host but this server. Messages are shown as HTML built by render.py (no
Markdown pass): what comes from a source or an answer is escaped there and always shows as text. While the
model writes, the window shows a 'writing…' state; the unchecked draft stays on the server (unless
`debug_drafts`).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: no usage statistics leave
os.environ.setdefault("GRADIO_RUN_HISTORY", "False")

import gradio as gr  # noqa: E402

from ..errors import RagError  # noqa: E402
from ..types import AnswerEvent, Sentence, SentenceEvent, TokenEvent, withdrawn_sentences  # noqa: E402
from .render import (esc, md_text, render_answer, render_error, render_sources, render_user,  # noqa: E402
                     render_writing, t)
from .routes_pages import UI_DIR  # noqa: E402
from .service import Services  # noqa: E402

__all__ = ["build_chat", "mount_chat", "EXAMPLES", "theme"]

EXAMPLES = ["Qui est le directeur général de l'Anssi ?",
            "Quand la loi Résilience sera-t-elle présentée ?",
            "What did the minister call the regions?"]
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Noto Sans",
                "Liberation Sans", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"]
MAX_TURNS_SHOWN = 12
LOGO = ('<svg class="rag-logo" viewBox="0 0 40 40" width="40" height="40" aria-hidden="true">'
        '<rect width="40" height="40" rx="4" fill="#000091"/>'
        '<path d="M10 11h20a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H19l-6 5v-5h-3a2 2 0 0 1-2-2V13a2 2 0 0 1 2-2z" fill="#fff"/>'
        '<path d="M14.5 18.5l3.2 3.2 7.3-7.3" stroke="#000091" stroke-width="2.6" fill="none" stroke-linecap="round" '
        'stroke-linejoin="round"/></svg>')


def theme() -> gr.themes.Base:
    """A sober public-service look: deep blue, greys, small radii, system fonts (nothing fetched)."""
    blue = gr.themes.Color(c50="#eef0fb", c100="#dfe3f7", c200="#c4cbf0", c300="#9aa5e3", c400="#6a77cf",
                           c500="#2f3cae", c600="#1b239b", c700="#000091", c800="#00006d", c900="#000050",
                           c950="#000035", name="rag-blue")
    return gr.themes.Default(primary_hue=blue, secondary_hue=blue, neutral_hue=gr.themes.colors.slate,
                             radius_size=gr.themes.sizes.radius_sm, font=SYSTEM_FONTS, font_mono=MONO_FONTS,
                             text_size=gr.themes.sizes.text_md).set(
        body_background_fill="#f6f6f6", block_border_width="1px", block_shadow="none",
        button_primary_background_fill="#000091", button_primary_background_fill_hover="#00006d",
        button_primary_text_color="#ffffff", button_secondary_background_fill="#ffffff",
        button_secondary_border_color="#000091", button_secondary_text_color="#000091",
        button_secondary_background_fill_hover="#eef0fb", input_border_color_focus="#000091",
        link_text_color="#000091", link_text_color_visited="#000091", color_accent_soft="#eef0fb")


def _read_ui(name: str) -> str:
    return (UI_DIR / name).read_text(encoding="utf-8")


def _catalog(services: Services) -> dict:
    """name -> {"title", "credit"} of the indexed sources (from the index manifest)."""
    return {x["name"]: x for x in services.sources.list()}


def _header(lang: str, services: Services) -> str:
    T = t(lang)
    src = services.sources.list()
    first = src[0] if src else {}
    title = first.get("title") or first.get("name") or ""
    credit = first.get("credit") or first.get("name") or ""
    more = f" (+{len(src) - 1})" if len(src) > 1 else ""
    return (f'<header class="rag-header"><div class="rag-brand">{LOGO}'
            f'<div><h1>{esc(T["title"])}</h1><p>{esc(T["subtitle"])}</p></div></div>'
            f'<div class="rag-corpus"><span class="rag-corpus-label">Source</span>'
            f'<span class="rag-corpus-title">{esc(title)}{more}</span><span class="rag-corpus-credit">{esc(credit)}</span>'
            f'<span class="rag-local"><span class="rag-dot"></span>{esc(T["local"])}</span></div></header>')


def _client(request: gr.Request | None) -> str:
    """Who asks, for the rate limit: the address the request came from."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "unknown"


def _messages(turns: list[dict], lang: str) -> list[dict]:
    out = []
    for x in turns[-MAX_TURNS_SHOWN:]:
        out.append({"role": "user", "content": render_user(x["question"])})
        if x.get("answer"):
            out.append({"role": "assistant", "content": render_answer(x["answer"], x["turn"], lang, x.get("withdrawn", ()))})
        elif x.get("error"):
            out.append({"role": "assistant", "content": render_error(x["error"], lang)})
        else:
            out.append({"role": "assistant", "content": render_writing(x.get("tokens", 0), lang, x.get("draft"),
                                                                        x.get("shown"))})
    return out


def _history(turns: list[dict]) -> list[dict]:
    out = []
    for x in turns:
        if x.get("answer"):
            out += [{"role": "user", "content": x["question"]},
                    {"role": "assistant", "content": x["answer"].get("answer", "")}]
    return out[-20:]


def _when(when: datetime, lang: str) -> str:
    return when.astimezone(timezone.utc).strftime("%d/%m/%Y %H:%M UTC" if lang == "fr" else "%Y-%m-%d %H:%M UTC")


def eval_markdown(services: Services, lang: str) -> str:
    """The newest eval/runs/*/report.md (by the time recorded in each run, not the files' dates), its images
    served by /eval-files/, and the other runs, newest first. Raw HTML in the report shows as text, and an image
    that is not a file of the run shows as its description: the page fetches nothing from anywhere else."""
    T = t(lang)
    runs = services.reports.list()
    if not runs:
        return T["eval_none"]
    newest = runs[0]
    report = newest.path
    try:
        text = report.read_text(encoding="utf-8")
    except OSError as e:
        return f"{T['eval_none']}\n\n({md_text(e)})"
    run = report.parent.name

    def image(m: re.Match) -> str:
        target = m.group(2).strip()
        if re.match(r"^[a-z][a-z0-9+.-]*:|^/|^\\", target, re.I) or ".." in target:
            return md_text(m.group(1) or target)
        return f"![{md_text(m.group(1))}](/eval-files/{run}/{Path(target).name})"

    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = re.sub(r"!\[([^\]]*)\]\(([^)\s]+)\)", image, text)
    when = T["eval_generated" if newest.source != "mtime" else "eval_modified"].format(t=_when(newest.when, lang))
    try:
        shown = report.relative_to(Path.cwd())
    except ValueError:
        shown = report
    head = T["eval_head"].format(path=str(shown).replace("`", "'"), when=when)  # in a code span: shown as it is
    if len(runs) > 1:
        others = ", ".join(f"{md_text(r.run)} ({_when(r.when, lang)})" for r in runs[1:8])
        head += "  \n" + T["eval_others"].format(runs=others + (" …" if len(runs) > 8 else ""))
    return head + "\n\n---\n\n" + text


def about_markdown(services: Services, lang: str) -> str:
    src = services.sources.list()
    first = src[0] if src else {}
    title = first.get("title") or first.get("name") or ""
    credit = first.get("credit") or ""
    return t(lang)["about"].format(title=md_text(title), credit=md_text(credit))


def build_chat(services: Services) -> gr.Blocks:
    T = t("fr")
    with gr.Blocks(title="Assistant documentaire souverain", analytics_enabled=False, fill_width=False) as demo:
        turns = gr.State([])
        lang = gr.State("fr")
        with gr.Column(elem_id="rag-top"):
            header = gr.HTML(_header("fr", services), elem_id="rag-header-html")
            lang_radio = gr.Radio(choices=[("Français", "fr"), ("English", "en")], value="fr", show_label=False,
                                  container=False, elem_id="rag-lang")
        with gr.Tabs(elem_id="rag-tabs"):
            with gr.Tab(T["tab_chat"], id="chat") as tab_chat:
                # Side by side from 768 px, stacked below; the sources panel scrolls inside itself (ui/chat.css).
                with gr.Row(elem_id="rag-main"):
                    with gr.Column(scale=3, min_width=0, elem_id="rag-left"):
                        # render_markdown=False: messages are our HTML, escaped in render.py, with no Markdown
                        # pass that could turn a source's ![](…) or [..](…) into an image or a link.
                        chatbot = gr.Chatbot(value=[], label=T["chat_label"], show_label=False, height=540,
                                             elem_id="rag-chat", placeholder=T["chat_empty"], feedback_options=None,
                                             buttons=[], autoscroll=True, sanitize_html=True, render_markdown=False,
                                             latex_delimiters=[], allow_tags=False,
                                             group_consecutive_messages=False, layout="bubble")
                        with gr.Row(elem_id="rag-input-row", equal_height=True):
                            box = gr.Textbox(label=T["input_label"], show_label=False, placeholder=T["input_placeholder"],
                                             lines=1, max_lines=5, scale=6, elem_id="rag-input", autofocus=True,
                                             max_length=services.settings.max_question_chars, container=False)
                            send = gr.Button(T["send"], variant="primary", scale=1, min_width=110, elem_id="rag-send")
                        with gr.Row(elem_id="rag-examples"):
                            ex_label = gr.HTML(f'<span class="rag-ex-label">{T["examples"]}</span>',
                                               elem_id="rag-ex-label")
                            ex_buttons = [gr.Button(q, size="sm", variant="secondary", elem_classes=["rag-example", "rag-secondary"])
                                          for q in EXAMPLES]
                        with gr.Row(elem_id="rag-feedback", equal_height=True):
                            fb_label = gr.HTML(f'<span class="rag-fb-label">{T["useful_q"]}</span>')
                            yes = gr.Button(T["useful"], size="sm", variant="secondary", interactive=False,
                                            elem_id="rag-useful", elem_classes=["rag-secondary"], min_width=90)
                            no = gr.Button(T["not_useful"], size="sm", variant="secondary", interactive=False,
                                           elem_id="rag-not-useful", elem_classes=["rag-secondary"], min_width=110)
                            clear = gr.Button(T["clear"], size="sm", variant="secondary", elem_id="rag-clear", elem_classes=["rag-secondary"],
                                              min_width=150)
                        fb_status = gr.HTML("", elem_id="rag-fb-status")
                    with gr.Column(scale=2, min_width=0, elem_id="rag-right"):
                        panel = gr.HTML(render_sources([], {}, {}, "fr"), elem_id="rag-sources")
            with gr.Tab(T["tab_eval"], id="eval") as tab_eval:
                refresh = gr.Button(T["refresh"], size="sm", variant="secondary", elem_id="rag-eval-refresh", elem_classes=["rag-secondary"])
                report = gr.Markdown(T["eval_none"], elem_id="rag-eval", latex_delimiters=[])
            with gr.Tab(T["tab_about"], id="about") as tab_about:
                about = gr.Markdown(about_markdown(services, "fr"), elem_id="rag-about", latex_delimiters=[])
        gr.HTML('<div class="rag-footer">rag · <a href="/docs">API</a> · <a href="/demo">widget</a></div>')

        # -- events -------------------------------------------------------------------------------------
        answerer, debug = services.answerer, services.settings.debug_drafts

        def panel_html(state: list, ui: str, pending: str | None = None) -> str:
            return render_sources(state, services.sources.texts(), _catalog(services), ui, pending=pending,
                                  history=_history(state))

        def respond(message: str, state: list, ui: str, request: gr.Request):
            state = list(state or [])
            message = (message or "").strip()
            if not message:
                yield gr.skip(), gr.skip(), gr.skip(), state, gr.skip(), gr.skip(), gr.skip()
                return
            turn = {"question": message, "turn": (state[-1]["turn"] + 1) if state else 1, "tokens": 0}
            if debug:
                turn["draft"] = ""
            state.append(turn)
            T = t(ui)
            off = gr.update(interactive=False)
            yield _messages(state, ui), panel_html(state, ui, T["searching"]), "", state, off, off, ""
            try:
                answerer.validate(message)
                services.limiter.check("ask", _client(request))
                history = _history(state[:-1])
                kept = answerer.kept(message, history)  # the same first question answered before: no model
                # begun while it was typed: followed from its first event, without a turn of its own
                ahead = answerer.join(message, history) if kept is None else None
                if answerer.busy and kept is None and ahead is None:
                    yield _messages(state, ui), panel_html(state, ui, T["busy"]), "", state, off, off, ""
                deadline_at = answerer.deadline_at()  # the same bound as the API: waiting and answering together
                told = 0.0
                hold = (answerer.turn(deadline_at=deadline_at, what="chat") if kept is None and ahead is None
                        else contextlib.nullcontext())
                with hold:
                    for ev in ([AnswerEvent(kept)] if kept is not None else ahead.replay() if ahead is not None
                               else answerer.events(message, history, deadline_at=deadline_at)):
                        if isinstance(ev, TokenEvent):
                            first = not turn["tokens"]
                            turn["tokens"] += 1
                            if debug:
                                turn["draft"] += ev.text
                            # The count shown at most 4 times a second: each update renders every message again
                            # and sends it to the page, CPU taken from the model on a small machine.
                            if first or debug or time.monotonic() - told >= 0.25:
                                told = time.monotonic()
                                yield (_messages(state, ui),
                                       panel_html(state, ui, T["writing_panel"]) if first else gr.skip(),
                                       gr.skip(), state, off, off, gr.skip())
                        elif isinstance(ev, SentenceEvent):  # checked while the model writes the next one
                            turn.setdefault("shown", []).append({"text": ev.sentence.text,
                                                                 "citations": ev.sentence.citations})
                            yield _messages(state, ui), gr.skip(), gr.skip(), state, off, off, gr.skip()
                        elif isinstance(ev, AnswerEvent):
                            turn["answer"] = services.answer_json(ev.answer)
                            shown = [Sentence(text=x["text"], citations=x["citations"]) for x in turn.get("shown", [])]
                            turn["withdrawn"] = [x.text for x in withdrawn_sentences(shown, ev.answer)]
                if not turn.get("answer"):
                    raise RagError("no answer was produced: try again")
            except RagError as e:
                turn["error"] = str(e)
            except Exception as e:  # noqa: BLE001 - the window shows a message, the log the details
                import logging

                logging.getLogger("rag.server").exception("chat window: unexpected error")
                turn["error"] = f"internal error ({type(e).__name__})"
            on = gr.update(interactive=bool(turn.get("answer")))
            yield _messages(state, ui), panel_html(state, ui), "", state, on, on, ""

        outputs = [chatbot, panel, box, turns, yes, no, fb_status]
        ask_kw = dict(fn=respond, inputs=[box, turns, lang], outputs=outputs, concurrency_limit=1,
                      concurrency_id="answer", show_progress="hidden")
        box.submit(**ask_kw)
        send.click(**ask_kw)
        for b, q in zip(ex_buttons, EXAMPLES):
            b.click(lambda q=q: q, outputs=box, show_progress="hidden", queue=False).then(**ask_kw)

        def rate(useful: bool):
            def handler(state: list, ui: str):
                T = t(ui)
                done = [x for x in state or [] if x.get("answer")]
                if not done:
                    return f'<span class="rag-fb-msg">{T["nothing_to_rate"]}</span>'
                a = done[-1]["answer"]
                try:
                    services.feedback.append({"question": a.get("question", ""), "answer": a.get("answer", ""),
                                              "useful": useful, "lang": a.get("lang"), "via": "chat",
                                              "citations": [c["n"] for c in a.get("citations") or []]})
                except RagError as e:
                    return f'<span class="rag-fb-msg">{esc(e)}</span>'
                return f'<span class="rag-fb-msg rag-fb-ok">{T["thanks_yes" if useful else "thanks_no"]}</span>'
            return handler

        yes.click(rate(True), inputs=[turns, lang], outputs=fb_status, show_progress="hidden")
        no.click(rate(False), inputs=[turns, lang], outputs=fb_status, show_progress="hidden")

        def reset(ui: str):
            off = gr.update(interactive=False)
            return [], render_sources([], {}, {}, ui), [], off, off, "", ""

        clear.click(reset, inputs=lang, outputs=[chatbot, panel, turns, yes, no, fb_status, box],
                    show_progress="hidden")
        chatbot.clear(reset, inputs=lang, outputs=[chatbot, panel, turns, yes, no, fb_status, box],
                      show_progress="hidden")

        def switch(ui: str, state: list):
            T = t(ui)
            return (ui, _header(ui, services), gr.update(label=T["tab_chat"]), gr.update(label=T["tab_eval"]),
                    gr.update(label=T["tab_about"]), gr.update(placeholder=T["input_placeholder"], label=T["input_label"]),
                    gr.update(value=T["send"]), f'<span class="rag-ex-label">{T["examples"]}</span>',
                    f'<span class="rag-fb-label">{T["useful_q"]}</span>', gr.update(value=T["useful"]),
                    gr.update(value=T["not_useful"]), gr.update(value=T["clear"]),
                    gr.update(value=_messages(state or [], ui), placeholder=T["chat_empty"]),
                    panel_html(state or [], ui),
                    gr.update(value=T["refresh"]), eval_markdown(services, ui), about_markdown(services, ui), "")

        lang_radio.change(switch, inputs=[lang_radio, turns],
                          outputs=[lang, header, tab_chat, tab_eval, tab_about, box, send, ex_label, fb_label, yes, no,
                                   clear, chatbot, panel, refresh, report, about, fb_status], show_progress="hidden")
        refresh.click(lambda ui: eval_markdown(services, ui), inputs=lang, outputs=report, show_progress="hidden")
        demo.load(lambda ui: (eval_markdown(services, ui), _header(ui, services), about_markdown(services, ui)),
                  inputs=lang, outputs=[report, header, about], show_progress="hidden")
    demo.queue(default_concurrency_limit=4)
    return demo


def mount_chat(app, services: Services, path: str = "/"):
    """Mount the chat window on `app`. Gradio is told the server's public URL (root_path), so the page it
    serves never names the host a request claimed to be (the Host header)."""
    demo = build_chat(services)
    head = ('<meta name="description" content="Assistant documentaire souverain : réponses sourcées, en local.">'
            '<script src="/ui-assets/chat.js"></script>')
    return gr.mount_gradio_app(app, demo, path=path, footer_links=[], run_history=False, ssr_mode=False, pwa=False,
                               mcp_server=False, show_error=True, theme=theme(), css=_read_ui("chat.css"), head=head,
                               favicon_path=None, enable_monitoring=False, root_path=services.public_url,
                               max_file_size=services.settings.max_body_bytes)
