"""End-to-end figures on the article with the default models: index time, per-question latency
(median over 10 questions), the grounding check's share of it, and peak memory.

    python bench/latency.py [--check model|fast]

Also prints a reference figure measured in the same process (the model reading a fixed 300-token
prompt), so runs on a shared, noisy machine can be compared as ratios.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from rag.components import Components
from rag.config import settings_from_env
from rag.pipeline import Pipeline

QUESTIONS = [
    "Qui est le directeur général de l'Anssi ?",
    "Quand la loi Résilience sera-t-elle présentée à l'Assemblée nationale ?",
    "Quel est le rôle des régions selon la ministre ?",
    "Qui préside la région Bretagne ?",
    "Combien les régions investissent-elles chaque année dans le numérique ?",
    "Qu'a lancé la région Pays de la Loire ?",
    "Who co-chairs the national AI council?",
    "Qui préside la région Occitanie ?",
    "Quel pourcentage des locaux français est raccordable à la fibre ?",
    "Que demande Loïg Chesnais-Girard pour les régions ?",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", choices=["model", "fast"], default=None, help="default: RAG_CHECK, else model")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # RAG_* as the CLI reads them (the installed models); the index in a temporary folder.
        c = Components(settings_from_env(index_dir=Path(tmp) / "index", check=args.check))
        c.embed.load()  # load outside the timed build: a first run pays it once
        t = time.perf_counter()
        index, stats = c.build([])
        index_s = time.perf_counter() - t
        pipeline = Pipeline(c)
        llm = c.llm
        ref_prompt = [{"role": "user", "content": "Résume : " + "la région investit dans le numérique. " * 40}]
        t = time.perf_counter()
        list(llm.stream(ref_prompt, max_tokens=1))
        reference_s = time.perf_counter() - t
        rows = []
        for q in QUESTIONS:
            ans = pipeline.ask(q)
            t = ans.timings
            rows.append({"question": q, "abstained": ans.abstained, "answer": ans.answer, **t})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    totals = [r["total"] for r in rows]
    checks = [r["check"] / r["total"] for r in rows if "check" in r]
    report = {
        "check": args.check, "index_seconds": round(index_s, 1), "passages": stats["passages"],
        "median_total_s": round(statistics.median(totals), 2), "max_total_s": round(max(totals), 2),
        "median_first_token_s": round(statistics.median(r["first_token"] for r in rows if "first_token" in r), 2),
        "median_check_share": round(statistics.median(checks), 3), "max_check_share": round(max(checks), 3),
        "reference_prompt_s": round(reference_s, 2),
        "median_total_over_reference": round(statistics.median(totals) / reference_s, 2),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2),
    }
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps({"summary": report, "rows": rows}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
