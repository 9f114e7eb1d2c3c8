"""Calibrate the quoted-answer fallback: does a sentence of the prompt's passages answer the question?

    python bench/quotes.py [--out bench/results/quotes.json] [--per-question 4]

For each question of eval/article.jsonl, the passages the model would read are retrieved as the pipeline does;
their sentences that pass the fallback's word rules (they hold the question's names and numbers and say more
than the question) are ranked by word overlap with the question and by embedding similarity, and the best
`--per-question` of the union are put to the model with the fallback's own prompt (prompts/answers.en.txt).
A sentence is right when it holds a gold answer of an answerable question. The output lists, for margin
thresholds and both rankings, how many answerable questions a quote would answer rightly or wrongly and how many
unanswerable ones it would answer at all, on the even ids (where thresholds are chosen) and the odd ids (held out).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from rag.components import Components
from rag.config import settings_from_env
from rag.eval.metrics import answer_scores
from rag.index.search import retrieve
from rag.ingest.language import detect_language
from rag.pipeline import quote_candidates, quote_messages

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "quotes.json")
    ap.add_argument("--per-question", type=int, default=4)
    args = ap.parse_args()
    questions = [json.loads(x) for x in (ROOT / "eval" / "article.jsonl").open()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        s = settings_from_env(index_dir=Path(tmp) / "index")
        c = Components(s)
        c.embed.load()
        c.build([])
        judge = c.checker.model
        t0 = time.perf_counter()
        for q in questions:
            question, lang = q["question"], detect_language(q["question"])
            hits = retrieve(c.index, question, k=max(s.retrieve_k, s.top_k), depth=s.retrieve_depth, rrf_k=s.rrf_k,
                            weights=(1.0, s.bm25_weight))
            cands = [{"n": n, "sentence": sentence, "overlap": overlap}
                     for overlap, n, _, _, sentence in quote_candidates(question, hits[: s.top_k], lang)]
            if cands:
                qv = c.embed.embed_queries([question])[0]
                dv = c.embed.get_text_embedding_batch([x["sentence"] for x in cands])
                for x, v in zip(cands, dv):
                    x["similarity"] = round(float(sum(a * b for a, b in zip(qv, v))), 4)
            by_overlap = sorted(cands, key=lambda x: -x["overlap"])[: args.per_question]
            by_sim = sorted(cands, key=lambda x: -x["similarity"])[: args.per_question]
            asked = {x["sentence"]: x for x in by_overlap + by_sim}
            for x in asked.values():
                x["margin"] = round(judge.yes_no(quote_messages(question, x["sentence"])), 3)
                x["right"] = bool(q.get("answerable", True)) and bool(
                    answer_scores(x["sentence"], q.get("answers", []))["contains"])
            rows.append({"id": q["id"], "answerable": q.get("answerable", True), "category": q.get("category"),
                         "candidates": sorted(asked.values(), key=lambda x: -x["margin"])})
            print(q["id"], len(cands), [(x["margin"], x["right"]) for x in rows[-1]["candidates"]], flush=True)
    table = []
    for rank in ("overlap", "similarity"):
        for top in (1, 2):
            for margin in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0):
                for half, parity in (("even", 0), ("odd", 1)):
                    right = wrong = unans = 0
                    for r in rows:
                        if int(r["id"][1:]) % 2 != parity:
                            continue
                        ranked = sorted(r["candidates"], key=lambda x: -x[rank])[:top]
                        pick = next((x for x in ranked if x["margin"] > margin), None)
                        if pick is None:
                            continue
                        if not r["answerable"]:
                            unans += 1
                        elif pick["right"]:
                            right += 1
                        else:
                            wrong += 1
                    table.append({"rank": rank, "top": top, "margin": margin, "half": half, "answerable_right": right,
                                  "answerable_wrong": wrong, "unanswerable_answered": unans})
    summary = {"questions": len(rows), "answerable": sum(r["answerable"] for r in rows),
               "seconds": round(time.perf_counter() - t0, 1), "table": table}
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, ensure_ascii=False, indent=1) + "\n")
    for t in table:
        print(json.dumps(t))


if __name__ == "__main__":
    main()
