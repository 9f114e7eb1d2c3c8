"""Where a question's time goes, stage by stage, beside bare llama-cpp-python on the same prompt.

    python bench/latency.py [--questions 24] [--check model|fast] [--no-lookup] [--no-read-ahead] [--prefill]
                            [--ahead SECONDS] [--out bench/results/latency.json]

For a fixed set of questions from eval/article.jsonl (the first N), the pipeline answers each one (the model
in its supervised child process, the check on); then, once all are answered and that process is closed, bare
llama-cpp-python in this process reads each same prompt from an empty cache and writes as many tokens as the
pipeline did (the reference: one token a pass, no drafts), and, unless --no-lookup, the same with
llama-cpp-python's own prompt lookup decoding (`LlamaPromptLookupDecoding`, which scores every position). The
pipeline writes with its own prompt lookup decoding (RAG_LOOKUP_DRAFTS, 0 for none): `drafted` and `drafts_kept`
count the tokens it proposed and kept. Each figure is reported as p50/p95 and as a
ratio to the reference measured in the same run, so runs on a busy machine still compare. RAG_* settings are
read as the CLI reads them; the index is built in a temporary folder. The pipeline is warmed as `rag serve`
warms it: the fixed instructions read once, then (unless --no-read-ahead) each passage read ahead as the first
of a prompt, and kept as a block to move in where it is listed later (RAG_PASSAGE_BLOCKS; prompt_placed counts
the tokens moved in, not read), and the likeliest second passages after each kept as tails (RAG_PASSAGE_PAIRS;
prompt_paired counts the tokens put back, not read). With --prefill, each question is first read as the widget and
the chat window have it read while it is typed (`Pipeline.prefill`, timed apart as prefill_s), then asked: the
times are from the moment it is asked, as a person pressing Enter after the "?" sees them. With --ahead S, the
server's own path instead (`Answerer.prefill`, RAG_ANSWER_AHEAD): the "?" typed, the prompt is read and the model
goes on answering; the question is asked S seconds after the "?" (Enter), and joins that answer (`Answerer.join`),
or, if the read is still going on, waits for it as a server's question does; first_token, first_checked and total
are then the times from Enter to the first token, the first checked sentence and the checked answer as the asker
gets them (0 when they came before), and the answer's own timings, from its start, are kept as answer_first_checked
and answer_total (ahead_s: how long it had been answered before Enter, when joined).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

from rag.components import Components
from rag.config import settings_from_env
from rag.index.search import retrieve
from rag.ingest.language import detect_language
from rag.pipeline import Pipeline
from rag.types import AnswerEvent, SentenceEvent, TokenEvent

ROOT = Path(__file__).resolve().parent.parent


def pct(values, q):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return round(values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))], 3)


def bare_run(llm, tokens: list[int], n_out: int) -> dict:
    """Read `tokens` from an empty cache and write `n_out` tokens, greedy: the reference."""
    llm.reset()
    t0 = time.perf_counter()
    first, pieces = None, []
    for chunk in llm.create_completion(tokens, max_tokens=max(n_out, 1), temperature=0.0, stream=True):
        if first is None:
            first = time.perf_counter()
        pieces.append(chunk["choices"][0]["text"])
    end = time.perf_counter()
    n = len(pieces)
    return {"first_s": round(first - t0, 3), "total_s": round(end - t0, 3), "pieces": n, "text": "".join(pieces),
            "tokens_per_s": round((n - 1) / (end - first), 2) if n > 1 and end > first else None}


def _prefill(answerer, q: str, timed: dict) -> None:
    t0 = time.perf_counter()
    answerer.prefill(q)
    timed["s"] = round(time.perf_counter() - t0, 3)  # (the read only: the answer goes on on a thread of its own)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=24)
    ap.add_argument("--check", choices=["model", "fast"], default=None, help="default: RAG_CHECK, else model")
    ap.add_argument("--no-lookup", action="store_true", help="skip the prompt-lookup-decoding reference")
    ap.add_argument("--no-read-ahead", action="store_true", help="do not read the passages ahead (warm_passages)")
    ap.add_argument("--prefill", action="store_true", help="read each question's prompt before asking it (RAG_PREFILL)")
    ap.add_argument("--ahead", type=float, default=None, metavar="SECONDS",
                    help="answer each question ahead after its prefill (RAG_ANSWER_AHEAD) and ask it SECONDS later")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latency.json")
    args = ap.parse_args()
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "article.jsonl").open()][: args.questions]

    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    from rag.generate.backends import LlamaCppModel, _without_extra_buffers

    with tempfile.TemporaryDirectory() as tmp:
        s = settings_from_env(index_dir=Path(tmp) / "index", check=args.check)
        c = Components(s)
        c.embed.load()
        t = time.perf_counter()
        c.build([])
        index_s = time.perf_counter() - t
        pipeline = Pipeline(c)
        c.warm_up()
        pipeline.prime()  # the fixed instructions are read and kept once, as `rag serve` does before "ready"
        t = time.perf_counter()
        warmed = 0 if args.no_read_ahead else pipeline.warm_passages()  # as `rag serve` does once ready
        warm_s = time.perf_counter() - t
        safe = c.llm.safe
        answerer = None
        if args.ahead is not None:
            from rag.serve.service import Answerer

            answerer = Answerer(pipeline, wait_timeout=600.0)
            answerer.answer_ahead = True  # (whatever RAG_ANSWER_AHEAD says: what is measured here)
        rows, pending = [], []  # pending: (row, answer, messages) still to run bare
        for q in questions:
            prefill_s = None
            if answerer is not None:  # the "?" typed: read, then answered, while the person goes on to Enter
                typed = threading.Thread(target=_prefill, args=(answerer, q, timed := {}))
                typed.start()
                time.sleep(args.ahead)  # Enter: joins the answer begun, or waits for the read still going on
            elif args.prefill:
                t0 = time.perf_counter()
                pipeline.prefill(q)
                prefill_s = round(time.perf_counter() - t0, 3)
            t0 = time.perf_counter()
            answer, seen = None, {}  # seen: when the asker got the first token, checked sentence, answer
            # The pipeline's events, or (--ahead) the server's: joining the answer begun ahead, else asked as it asks
            for ev in pipeline.stream(q) if answerer is None else answerer.asked_events(q):
                now = round(time.perf_counter() - t0, 3)
                if isinstance(ev, TokenEvent):
                    seen.setdefault("first_token", now)
                elif isinstance(ev, SentenceEvent):
                    seen.setdefault("first_checked", now)
                elif isinstance(ev, AnswerEvent):
                    answer = ev.answer
                    seen["total"] = now
                    if not answer.abstained:
                        seen.setdefault("first_checked", now)
            tm = answer.timings
            if answerer is not None:  # the times as the asker saw them; the answer's own, from its start, beside
                typed.join()
                prefill_s = timed["s"]
                tm = dict(tm, answer_first_checked=tm.get("first_checked"), answer_total=tm.get("total"),
                          ahead_s=tm.get("ahead_s"), first_token=seen.get("first_token", 0.0),
                          first_checked=seen.get("first_checked"), total=seen["total"])
            row = {"question": q, "abstained": answer.abstained, "abstain_code": answer.abstain_code,
                   "answer": answer.answer, "draft": answer.draft, "prefill_s": prefill_s, **{k: tm.get(k) for k in (
                       "retrieval", "prompt_tokens", "prompt_reused", "prompt_placed", "prompt_paired",
                       "prompt_prefilled", "prompt_read_s", "ahead_s", "answer_first_checked", "answer_total",
                       "first_token",
                       "generation", "drafted", "drafts_kept",
                       "tokens", "tokens_per_s", "check", "check_while_writing", "first_checked", "total")}}
            if "generation" in tm:  # the model was asked: the same prompt runs bare below
                hits = retrieve(c.index, answer.standalone_question, k=max(s.retrieve_k, s.top_k),
                                depth=s.retrieve_depth, rrf_k=s.rrf_k, weights=(1.0, s.bm25_weight))
                pending.append((row, answer, pipeline.messages(answer.standalone_question, hits[: s.top_k],
                                                             detect_language(q))))
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
        # The references run once every answer is in, with the pipeline's model process closed: a second model
        # loaded in one process, even idle, slows the other's writing on 2 cores (seen here: 11.3 tokens/s alone,
        # 9.9 beside an idle one), which made the pipeline's own writing look slower than it is.
        c.llm.close()
        ref = LlamaCppModel(c.llm.path, n_ctx=s.n_ctx, threads=s.threads, safe=safe)  # for its chat template
        lookup = None
        if not args.no_lookup:
            with _without_extra_buffers(safe):  # a host that needs safe mode dies in this process otherwise
                lookup = Llama(model_path=str(c.llm.path), n_ctx=s.n_ctx, n_threads=s.threads,
                               n_threads_batch=s.threads, verbose=False, logits_all=True,  # drafts are verified
                               draft_model=LlamaPromptLookupDecoding(num_pred_tokens=10))  # on every position's logits
        for row, answer, msgs in pending:
            tm = row  # the times as the asker saw them (--ahead: from Enter), the answer's own otherwise
            toks = ref.llm.tokenize(ref.format(msgs).encode("utf-8"), add_bos=False, special=True)
            bare = bare_run(ref.llm, toks, tm["tokens"])
            row["same_prompt_as_pipeline"] = len(toks) == tm.get("prompt_tokens")
            row["bare"] = {k: v for k, v in bare.items() if k != "text"}
            row["bare_same_text"] = bare["text"].strip() == answer.draft.strip()
            if lookup is not None:
                la = bare_run(lookup, toks, tm["tokens"])
                row["lookup"] = {k: v for k, v in la.items() if k != "text"}
                row["lookup_same_text"] = la["text"] == bare["text"]
            row["ratio_first_token"] = round(tm["first_token"] / bare["first_s"], 3)
            if tm.get("first_checked") is not None:
                row["ratio_first_checked"] = round(tm["first_checked"] / bare["first_s"], 3)
            row["ratio_total"] = round(tm["total"] / bare["total_s"], 3)
            row["ratio_model_overhead"] = round(tm["generation"] / bare["total_s"], 3)
            print(json.dumps({"question": row["question"], "bare": row["bare"]}, ensure_ascii=False), flush=True)

    asked = [r for r in rows if "bare" in r]
    summary: dict = {"questions": len(rows), "asked_the_model": len(asked), "check": s.check, "safe_mode": safe,
                     "index_build_s": round(index_s, 1), "passages_read_ahead": warmed,
                     "read_ahead_s": round(warm_s, 1)}
    summary["ahead"] = args.ahead
    summary["joined"] = sum(1 for r in rows if r.get("ahead_s") is not None)  # (--ahead) asked after answered ahead
    for k in ("prefill_s", "ahead_s", "answer_first_checked", "answer_total", "retrieval", "prompt_tokens", "prompt_reused", "prompt_placed", "prompt_paired",
              "prompt_read_s", "first_token", "first_checked",
              "tokens_per_s", "check", "check_while_writing", "total", "ratio_first_token", "ratio_first_checked",
              "ratio_total", "ratio_model_overhead"):
        vals = [r.get(k) for r in rows]
        summary[k] = {"p50": pct(vals, 50), "p95": pct(vals, 95)}
    for k in ("first_s", "total_s", "tokens_per_s"):
        summary["bare_" + k] = {"p50": pct([r["bare"][k] for r in asked], 50), "p95": pct([r["bare"][k] for r in asked], 95)}
        if lookup is not None:
            summary["lookup_" + k] = {"p50": pct([r["lookup"][k] for r in asked], 50),
                                      "p95": pct([r["lookup"][k] for r in asked], 95)}
    checks = [r["check"] / (r.get("answer_total") or r["total"]) for r in rows  # (--ahead: the answer's own total)
              if r.get("check") is not None and (r.get("answer_total") or r.get("total"))]
    summary["check_share"] = {"p50": pct(checks, 50), "p95": pct(checks, 95)}
    # How often the first checked sentence came while the model was still writing (not with the whole answer).
    summary["checked_while_writing"] = sum(1 for r in rows if r.get("first_checked") is not None
                                           and r.get("total") and r["first_checked"] < r["total"])
    summary["bare_same_text"] = sum(bool(r.get("bare_same_text")) for r in asked)
    # Questions whose second passage came from a pair read ahead (RAG_PASSAGE_PAIRS), not read.
    summary["paired"] = sum(1 for r in rows if r.get("prompt_paired"))
    summary["prefilled"] = sum(1 for r in rows if r.get("prompt_prefilled"))  # read before asked (--prefill)
    # Prompt lookup decoding in the pipeline (RAG_LOOKUP_DRAFTS): tokens written that came from a kept proposal.
    summary["lookup_drafts"] = s.lookup_drafts
    summary["drafted"] = sum(r.get("drafted") or 0 for r in rows)
    summary["drafts_kept"] = sum(r.get("drafts_kept") or 0 for r in rows)
    summary["tokens_from_drafts"] = round(summary["drafts_kept"] / max(1, sum(r.get("tokens") or 0 for r in rows)), 3)
    if lookup is not None:
        summary["lookup_same_text"] = sum(bool(r.get("lookup_same_text")) for r in asked)
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
