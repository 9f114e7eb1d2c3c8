"""The Gradio chat window, mounted on the FastAPI app: streamed answers, clickable citations, a sources
panel, feedback, the latest evaluation report, French by default with an English toggle.

Gradio's usage analytics are turned off before it is imported, and the theme uses system fonts only,
so the page asks nothing of any host but this server.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: no usage statistics leave
os.environ.setdefault("GRADIO_RUN_HISTORY", "False")

import gradio as gr  # noqa: E402

from ..errors import RagError  # noqa: E402
from ..types import AnswerEvent, TokenEvent  # noqa: E402
from .app import SOURCE_CREDITS, UI_DIR, Service  # noqa: E402
from .render import (render_answer, render_draft, render_error, render_sources, render_user,  # noqa: E402
                            t)

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


def _header(lang: str, service: Service) -> str:
    T = t(lang)
    src = service.sources()
    first = src[0] if src else {"name": "article.txt", "title": None, "credit": SOURCE_CREDITS.get("article.txt")}
    title = first.get("title") or "Les régions sont « les artisans de la muraille numérique de la France »"
    credit = first.get("credit") or first["name"]
    more = f" (+{len(src) - 1})" if len(src) > 1 else ""
    return (f'<header class="rag-header"><div class="rag-brand">{LOGO}'
            f'<div><h1>{T["title"]}</h1><p>{T["subtitle"]}</p></div></div>'
            f'<div class="rag-corpus"><span class="rag-corpus-label">{"Source" if lang == "en" else "Source"}</span>'
            f'<span class="rag-corpus-title">{_e(title)}{more}</span><span class="rag-corpus-credit">{_e(credit)}</span>'
            f'<span class="rag-local"><span class="rag-dot"></span>{T["local"]}</span></div></header>')


def _e(s) -> str:
    import html

    return html.escape(str(s), quote=True)


def _sources_map(service: Service) -> dict:
    index = service.components.loaded_index
    return dict(index.sources) if index is not None else {}


def _messages(turns: list[dict], lang: str) -> list[dict]:
    out = []
    for x in turns[-MAX_TURNS_SHOWN:]:
        out.append({"role": "user", "content": render_user(x["question"])})
        if x.get("answer"):
            out.append({"role": "assistant", "content": render_answer(x["answer"], x["turn"], lang)})
        elif x.get("error"):
            out.append({"role": "assistant", "content": render_error(x["error"], lang)})
        else:
            out.append({"role": "assistant", "content": render_draft(x.get("draft", ""), lang)})
    return out


def _history(turns: list[dict]) -> list[dict]:
    out = []
    for x in turns:
        if x.get("answer"):
            out += [{"role": "user", "content": x["question"]},
                    {"role": "assistant", "content": x["answer"].get("answer", "")}]
    return out[-20:]


def eval_markdown(service: Service, lang: str) -> str:
    """The newest eval/runs/*/report.md, its images served by /eval-files/."""
    T = t(lang)
    report = service.latest_report()
    if report is None:
        return T["eval_none"]
    try:
        text = report.read_text(encoding="utf-8")
    except OSError as e:
        return f"{T['eval_none']}\n\n({e})"
    run = report.parent.name

    def link(m: re.Match) -> str:
        target = m.group(2).strip()
        if re.match(r"^[a-z]+:|^/", target):
            return m.group(0)
        return f"![{m.group(1)}](/eval-files/{run}/{Path(target).name})"

    text = re.sub(r"!\[([^\]]*)\]\(([^)\s]+)\)", link, text)
    when = datetime.fromtimestamp(report.stat().st_mtime).strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M")
    try:
        shown = report.relative_to(Path.cwd())
    except ValueError:
        shown = report
    return T["eval_head"].format(path=shown, when=when) + "\n\n---\n\n" + text


def about_markdown(service: Service, lang: str) -> str:
    src = service.sources()
    first = src[0] if src else {}
    title = first.get("title") or "Les régions sont « les artisans de la muraille numérique de la France »"
    credit = first.get("credit") or SOURCE_CREDITS["article.txt"]
    return t(lang)["about"].format(title=title, credit=credit)


def build_chat(service: Service) -> gr.Blocks:
    T = t("fr")
    with gr.Blocks(title="Assistant documentaire souverain", analytics_enabled=False, fill_width=False) as demo:
        turns = gr.State([])
        lang = gr.State("fr")
        with gr.Column(elem_id="rag-top"):
            header = gr.HTML(_header("fr", service), elem_id="rag-header-html")
            lang_radio = gr.Radio(choices=[("Français", "fr"), ("English", "en")], value="fr", show_label=False,
                                  container=False, elem_id="rag-lang")
        with gr.Tabs(elem_id="rag-tabs"):
            with gr.Tab(T["tab_chat"], id="chat") as tab_chat:
                with gr.Row(elem_id="rag-main"):
                    with gr.Column(scale=3, min_width=360, elem_id="rag-left"):
                        chatbot = gr.Chatbot(value=[], label=T["chat_label"], show_label=False, height=540,
                                             elem_id="rag-chat", placeholder=T["chat_empty"], feedback_options=None,
                                             buttons=[], autoscroll=True, sanitize_html=True,
                                             group_consecutive_messages=False, layout="bubble")
                        with gr.Row(elem_id="rag-input-row", equal_height=True):
                            box = gr.Textbox(label=T["input_label"], show_label=False, placeholder=T["input_placeholder"],
                                             lines=1, max_lines=5, scale=6, elem_id="rag-input", autofocus=True,
                                             max_length=1000, container=False)
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
                    with gr.Column(scale=2, min_width=320, elem_id="rag-right"):
                        panel = gr.HTML(render_sources([], {}, SOURCE_CREDITS, "fr"), elem_id="rag-sources")
            with gr.Tab(T["tab_eval"], id="eval") as tab_eval:
                refresh = gr.Button(T["refresh"], size="sm", variant="secondary", elem_id="rag-eval-refresh", elem_classes=["rag-secondary"])
                report = gr.Markdown(T["eval_none"], elem_id="rag-eval")
            with gr.Tab(T["tab_about"], id="about") as tab_about:
                about = gr.Markdown(about_markdown(service, "fr"), elem_id="rag-about")
        gr.HTML(f'<div class="rag-footer">rag · <a href="/docs">API</a> · <a href="/demo">widget</a> · '
                f'{_e(SOURCE_CREDITS["article.txt"])}</div>')

        # -- events -------------------------------------------------------------------------------------
        def respond(message: str, state: list, ui: str):
            state = list(state or [])
            message = (message or "").strip()
            if not message:
                yield gr.skip(), gr.skip(), gr.skip(), state, gr.skip(), gr.skip(), gr.skip()
                return
            turn = {"question": message, "turn": (state[-1]["turn"] + 1) if state else 1, "draft": ""}
            state.append(turn)
            T = t(ui)
            off = gr.update(interactive=False)
            yield (_messages(state, ui), render_sources(state, _sources_map(service), SOURCE_CREDITS, ui,
                                                       pending=T["searching"]), "", state, off, off, "")
            try:
                service.pipeline.validate(message)
                history = _history(state[:-1])
                if service.lock.locked():
                    yield (_messages(state, ui), render_sources(state, _sources_map(service), SOURCE_CREDITS, ui,
                                                               pending=T["busy"]), "", state, off, off, "")
                service.acquire()
                try:
                    for ev in service.events(message, history):
                        if isinstance(ev, TokenEvent):
                            first = not turn["draft"]
                            turn["draft"] += ev.text
                            panel_now = (render_sources(state, _sources_map(service), SOURCE_CREDITS, ui,
                                                        pending=T["writing_panel"]) if first else gr.skip())
                            yield (_messages(state, ui), panel_now, gr.skip(), state, off, off, gr.skip())
                        elif isinstance(ev, AnswerEvent):
                            turn["answer"] = ev.answer.to_dict()
                finally:
                    service.lock.release()
                if not turn.get("answer"):
                    raise RagError("no answer was produced: try again")
            except RagError as e:
                turn["error"] = str(e)
            except Exception as e:  # noqa: BLE001 - the window shows a message, the log the details
                import logging

                logging.getLogger("rag.server").exception("chat window: unexpected error")
                turn["error"] = f"internal error ({type(e).__name__})"
            on = gr.update(interactive=bool(turn.get("answer")))
            yield (_messages(state, ui), render_sources(state, _sources_map(service), SOURCE_CREDITS, ui), "",
                   state, on, on, "")

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
                service.store_feedback({"question": a.get("question", ""), "answer": a.get("answer", ""),
                                        "useful": useful, "lang": a.get("lang"), "via": "chat",
                                        "citations": [c["n"] for c in a.get("citations") or []]})
                return f'<span class="rag-fb-msg rag-fb-ok">{T["thanks_yes" if useful else "thanks_no"]}</span>'
            return handler

        yes.click(rate(True), inputs=[turns, lang], outputs=fb_status, show_progress="hidden")
        no.click(rate(False), inputs=[turns, lang], outputs=fb_status, show_progress="hidden")

        def reset(ui: str):
            off = gr.update(interactive=False)
            return [], render_sources([], {}, SOURCE_CREDITS, ui), [], off, off, "", ""

        clear.click(reset, inputs=lang, outputs=[chatbot, panel, turns, yes, no, fb_status, box],
                    show_progress="hidden")
        chatbot.clear(reset, inputs=lang, outputs=[chatbot, panel, turns, yes, no, fb_status, box],
                      show_progress="hidden")

        def switch(ui: str, state: list):
            T = t(ui)
            return (ui, _header(ui, service), gr.update(label=T["tab_chat"]), gr.update(label=T["tab_eval"]),
                    gr.update(label=T["tab_about"]), gr.update(placeholder=T["input_placeholder"], label=T["input_label"]),
                    gr.update(value=T["send"]), f'<span class="rag-ex-label">{T["examples"]}</span>',
                    f'<span class="rag-fb-label">{T["useful_q"]}</span>', gr.update(value=T["useful"]),
                    gr.update(value=T["not_useful"]), gr.update(value=T["clear"]),
                    gr.update(value=_messages(state or [], ui), placeholder=T["chat_empty"]),
                    render_sources(state or [], _sources_map(service), SOURCE_CREDITS, ui),
                    gr.update(value=T["refresh"]), eval_markdown(service, ui), about_markdown(service, ui), "")

        lang_radio.change(switch, inputs=[lang_radio, turns],
                          outputs=[lang, header, tab_chat, tab_eval, tab_about, box, send, ex_label, fb_label, yes, no,
                                   clear, chatbot, panel, refresh, report, about, fb_status], show_progress="hidden")
        refresh.click(lambda ui: eval_markdown(service, ui), inputs=lang, outputs=report, show_progress="hidden")
        demo.load(lambda ui: (eval_markdown(service, ui), _header(ui, service), about_markdown(service, ui)),
                  inputs=lang, outputs=[report, header, about], show_progress="hidden")
    demo.queue(default_concurrency_limit=4)
    return demo


def mount_chat(app, service: Service, path: str = "/"):
    demo = build_chat(service)
    head = (f'<meta name="description" content="Assistant documentaire souverain : réponses sourcées, en local.">'
            f'<script>{_read_ui("chat.js")}</script>')
    return gr.mount_gradio_app(app, demo, path=path, footer_links=[], run_history=False, ssr_mode=False, pwa=False,
                               mcp_server=False, show_error=True, theme=theme(), css=_read_ui("chat.css"), head=head,
                               favicon_path=None)
