"""The first checked sentence as people see it: `rag serve` with the real default models, the widget (on the demo
page) and the chat window in headless Chromium (Debian's), and for each question the time from pressing Enter to
the first sentence shown as checked (a sentence checked while the model writes, or the checked answer), beside
bare llama-cpp-python's first token on the same prompt, measured in this run once the server has stopped.

    python bench/ui_latency.py [--out bench/results/ui-latency.json] [--settle 75]

The questions are not in eval/article.jsonl. Each is asked on a fresh page (a new conversation, so no follow-up
rewrite); the server is asked once it has read the passages ahead (it says so on stderr), as a served instance is
most of its life.
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


def ask(page, url: str, surface: str, question: str) -> float | None:
    if surface == "widget":
        page.goto(url + "/demo")
        page.locator(".rw-bubble").click()
        box = page.locator(".rw-form textarea")
        box.fill(question)
        t0 = time.perf_counter()
        box.press("Enter")
    else:
        page.goto(url + "/")
        box = page.locator("#rag-input textarea")
        box.wait_for()
        box.fill(question)
        t0 = time.perf_counter()
        page.locator("#rag-send").click()
    page.locator(FIRST_CHECKED[surface]).first.wait_for(timeout=60_000)
    seconds = round(time.perf_counter() - t0, 3)
    return None if page.locator(ABSTAINED[surface]).count() else seconds  # an abstention shows no checked sentence


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ui-latency.json")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds to wait once the passages are read ahead")
    args = ap.parse_args()
    asked = {json.loads(line)["question"] for line in (ROOT / "eval" / "article.jsonl").open()}
    assert not asked & set(QUESTIONS), "the bench's questions must not be in the evaluation set"
    from playwright.sync_api import sync_playwright

    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "rag", "--index-dir", str(Path(tmp) / "index"), "serve",
                                   "--port", str(port)], stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
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
                for surface in ("widget", "chat"):
                    for q in QUESTIONS:
                        page = browser.new_page()
                        seconds = ask(page, url, surface, q)
                        page.close()
                        rows.append({"surface": surface, "question": q, "first_checked": seconds})
                        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
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
        for q in QUESTIONS:
            hits = retrieve(c.index, q, k=max(s.retrieve_k, s.top_k), depth=s.retrieve_depth, rrf_k=s.rrf_k,
                            weights=(1.0, s.bm25_weight))
            toks = ref.llm.tokenize(ref.format(pipeline.messages(q, hits[: s.top_k], detect_language(q))).encode(),
                                    add_bos=False, special=True)
            bare[q] = bare_run(ref.llm, toks, 1)["first_s"]
    for r in rows:
        r["bare_first_token"] = bare[r["question"]]
        r["ratio"] = round(r["first_checked"] / r["bare_first_token"], 3) if r["first_checked"] else None
    summary: dict = {"questions": len(QUESTIONS), "safe_mode": ref.safe}
    for surface in ("widget", "chat"):
        mine = [r for r in rows if r["surface"] == surface]
        summary[surface] = {k: {"p50": pct([r[k] for r in mine], 50), "p95": pct([r[k] for r in mine], 95)}
                            for k in ("first_checked", "ratio")}
        summary[surface]["shown"] = sum(r["first_checked"] is not None for r in mine)
    summary["bare_first_token"] = {"p50": pct(list(bare.values()), 50), "p95": pct(list(bare.values()), 95)}
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
