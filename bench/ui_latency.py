"""The first checked sentence as people see it: `rag serve` with the real default models, the widget (on the demo
page) and the chat window in headless Chromium (Debian's), and for each question the time from pressing Enter to
the first sentence shown as checked (a sentence checked while the model writes, or the checked answer), beside
bare llama-cpp-python's first token on the same prompt, measured in this run once the server has stopped.

    python bench/ui_latency.py [--out bench/results/ui-latency.json] [--settle 75] [--watch observer|playwright]
                               [--typing 1.0] [--prefill on|off] [--no-mark]

The questions are not in eval/article.jsonl. Each is asked on a fresh page (a new conversation, so no follow-up
rewrite); each surface gets a server of its own (one that has answered a question keeps the judge's verdicts, so
the same question asked again skips the check), asked once it has read the passages ahead (it says so on stderr),
as a served instance is most of its life. The question is typed in at once, and Enter pressed `--typing` seconds
later: the pages send a question that ends with "?" to be read ahead (/v1/prefill) as soon as it is typed, so that
pause is the time a person takes between the "?" and Enter (`--prefill off`: a server with RAG_PREFILL=0).
`--no-mark`: the questions are typed without their "?", which the pages send once typing pauses (0.7 s).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from latency import bare_run, pct  # noqa: E402

QUESTIONS = ["Quel poste occupe Vincent Strubel ?", "Qui dirige la région Bretagne ?",
             "Devant quelle assemblée la loi Résilience sera-t-elle présentée ?",
             "Comment s'appelle l'outil d'IA interne d'Orange ?", "Quelle fonction exerce Constance Nebbula ?",
             "Quel est le rôle de Guillaume Poupard chez Docaposte ?"]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
# The first sentence shown as checked: while the model writes (early), or the checked answer; or the abstention.
FIRST_CHECKED = {"widget": ".rw-writing .rw-early, .rw-passage mark, .rw-bot.rw-abstained",
                 "chat": "#rag-chat .rag-early, #rag-chat .rag-answer .rag-meta"}
ABSTAINED = {"widget": ".rw-bot.rw-abstained", "chat": "#rag-chat .rag-answer.rag-abstained"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Times taken in the page: when Enter (or the send button) goes down, and when the first checked sentence is in
# the DOM (a MutationObserver, inside the widget's shadow root), read 4 times a second. Playwright's own wait
# (`--watch playwright`) polls the page on every animation frame, work for the browser on the 2 cores the model
# writes with, and stamps the time on the Python side.
WATCH = """([sel, host]) => {
  const root = host ? document.querySelector(host).shadowRoot : document;
  window.__ragSent = null; window.__ragShown = null;
  const sent = () => { if (window.__ragSent === null) window.__ragSent = performance.now(); };
  window.addEventListener("keydown", (e) => { if (e.key === "Enter") sent(); }, { capture: true });
  window.addEventListener("pointerdown", sent, { capture: true });
  const obs = new MutationObserver(() => {
    if (window.__ragShown === null && window.__ragSent !== null && root.querySelector(sel)) {
      window.__ragShown = performance.now();
      obs.disconnect();
    }
  });
  obs.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
}"""


def ask(page, url: str, surface: str, question: str, watch: str = "observer", typing: float = 1.0
        ) -> tuple[float | None, dict | None]:
    """Seconds from Enter to the first checked sentence shown (None: an abstention), and the server's timings of
    that answer (the widget only)."""
    if surface == "widget":
        page.goto(url + "/demo")
        page.locator(".rw-bubble").click()
        box = page.locator(".rw-form textarea")
        box.fill(question)
        send = lambda: box.press("Enter")  # noqa: E731
    else:
        page.goto(url + "/")
        box = page.locator("#rag-input textarea")
        box.wait_for()
        box.fill(question)
        send = lambda: page.locator("#rag-send").click()  # noqa: E731
    # A person takes seconds to type a question: the fresh page's own start-up work (layout, software raster) is
    # over by the time they press Enter. Filled and sent at once, it overlapped the question's retrieval (0.2-0.3 s
    # instead of 0.07 s, in the answer's own timings).
    page.wait_for_load_state("load")
    time.sleep(typing)
    if watch == "observer":
        page.evaluate(WATCH, [FIRST_CHECKED[surface], "#rag-widget" if surface == "widget" else None])
        send()
        if poll(page, "() => window.__ragShown") is None:
            raise TimeoutError(f"no checked sentence shown in 60 s: {question}")
        seconds = round(page.evaluate("(window.__ragShown - window.__ragSent) / 1000"), 3)
    else:
        t0 = time.perf_counter()
        send()
        page.locator(FIRST_CHECKED[surface]).first.wait_for(timeout=60_000)
        seconds = round(time.perf_counter() - t0, 3)
    if page.locator(ABSTAINED[surface]).count():
        return None, None  # an abstention shows no checked sentence
    # The answer's own timings, as the server measured them (the widget keeps its turns in sessionStorage).
    server = poll(page, """() => { const k = Object.keys(sessionStorage).find(x => x.startsWith("rag-widget:"));
      const s = k && JSON.parse(sessionStorage.getItem(k)); const t = s && s.turns && s.turns[s.turns.length - 1];
      return t && t.answer ? t.answer.timings : null; }""") if surface == "widget" else None
    return seconds, server


def poll(page, js: str, seconds: float = 60, every: float = 0.25):
    """`js` evaluated in the page every `every` seconds until it gives something (returned), or None after
    `seconds`. (Playwright's wait_for_function would evaluate a string, which the pages' CSP forbids.)"""
    deadline = time.monotonic() + seconds
    while (value := page.evaluate(js)) is None and time.monotonic() < deadline:
        time.sleep(every)
    return value


def serve_and_ask(index_dir: Path, surface: str, args, sync_playwright) -> list[dict]:
    """Start `rag serve`, wait until it has read the passages ahead, ask each question on `surface`, stop it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "rag", "--index-dir", str(index_dir), "serve", "--port", str(port)],
                              stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False",
                                   "RAG_PREFILL": "1" if args.prefill == "on" else "0"})
    rows = []
    try:
        for line in server.stderr:  # "ready at …", then "… passages read ahead in …"
            if "passages read ahead" in line:
                break
        else:
            raise SystemExit("rag serve stopped before it had read the passages ahead")
        # What it says later must be read, or its pipe fills and it blocks.
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
        time.sleep(args.settle)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for q in typed(args):
                page = browser.new_page()
                seconds, server_timings = ask(page, url, surface, q, args.watch, args.typing)
                page.close()
                rows.append({"surface": surface, "question": q, "watch": args.watch, "first_checked": seconds,
                             "server": server_timings})
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def typed(args) -> list[str]:
    """The questions as typed: with their "?", or without it (`--no-mark`)."""
    return [q.rstrip(" ?") for q in QUESTIONS] if args.no_mark else QUESTIONS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ui-latency.json")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds to wait once the passages are read ahead")
    ap.add_argument("--watch", choices=["observer", "playwright"], default="observer",
                    help="how the first checked sentence is waited for (see WATCH)")
    ap.add_argument("--surfaces", default="widget,chat", help="comma-separated: widget, chat")
    ap.add_argument("--typing", type=float, default=1.0,
                    help="seconds between the question typed in (at once) and Enter: a person's typing time")
    ap.add_argument("--prefill", choices=["on", "off"], default="on",
                    help="the server reads a question typed with its '?' before Enter (RAG_PREFILL)")
    ap.add_argument("--no-mark", action="store_true", help="type the questions without their '?'")
    args = ap.parse_args()
    asked = {json.loads(line)["question"] for line in (ROOT / "eval" / "article.jsonl").open()}
    assert not asked & set(QUESTIONS), "the bench's questions must not be in the evaluation set"
    from playwright.sync_api import sync_playwright

    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for surface in args.surfaces.split(","):
            # A server of its own for each surface: a server that has answered a question keeps the judge's
            # verdicts on its claims, so the same question on the next surface would skip the check.
            for row in serve_and_ask(Path(tmp) / "index", surface, args, sync_playwright):
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
        # The reference, in this process once the server is gone: bare llama-cpp-python reads each question's
        # prompt (as the pipeline builds it) from an empty cache; its first token is what the issue compares with.
        from rag.components import Components
        from rag.config import settings_from_env
        from rag.generate.backends import LlamaCppModel
        from rag.index.search import retrieve
        from rag.ingest.language import detect_language
        from rag.pipeline import Pipeline

        s = settings_from_env(index_dir=Path(tmp) / "index")
        c = Components(s)
        pipeline = Pipeline(c)
        ref = LlamaCppModel(c.llm.path, n_ctx=s.n_ctx, threads=s.threads, safe=c.llm.safe)
        bare = {}
        for q in typed(args):
            hits = retrieve(c.index, q, k=max(s.retrieve_k, s.top_k), depth=s.retrieve_depth, rrf_k=s.rrf_k,
                            weights=(1.0, s.bm25_weight))
            toks = ref.llm.tokenize(ref.format(pipeline.messages(q, hits[: s.top_k], detect_language(q))).encode(),
                                    add_bos=False, special=True)
            bare[q] = bare_run(ref.llm, toks, 1)["first_s"]
    for r in rows:
        r["bare_first_token"] = bare[r["question"]]
        r["ratio"] = round(r["first_checked"] / r["bare_first_token"], 3) if r["first_checked"] else None
    summary: dict = {"questions": len(QUESTIONS), "safe_mode": ref.safe}
    summary["watch"], summary["typing_s"], summary["prefill"] = args.watch, args.typing, args.prefill
    summary["question_mark"] = not args.no_mark
    for surface in args.surfaces.split(","):
        mine = [r for r in rows if r["surface"] == surface]
        summary[surface] = {k: {"p50": pct([r[k] for r in mine], 50), "p95": pct([r[k] for r in mine], 95)}
                            for k in ("first_checked", "ratio")}
        summary[surface]["shown"] = sum(r["first_checked"] is not None for r in mine)
        if surface == "widget":  # the server's own timings say whether the prompt was read before Enter
            summary[surface]["prefilled"] = sum(bool((r["server"] or {}).get("prompt_prefilled")) for r in mine)
    summary["bare_first_token"] = {"p50": pct(list(bare.values()), 50), "p95": pct(list(bare.values()), 95)}
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
