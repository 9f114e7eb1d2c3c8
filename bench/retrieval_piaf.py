"""Retrieval quality on PIAF (SQuAD format): all contexts as the corpus, all questions.

A question is a hit at k when one of the first k distinct contexts retrieved is its own (the measure
of the table in shared/models.md). Prints R@1, R@5, R@10 and MRR for dense, BM25 and hybrid.

    python bench/retrieval_piaf.py [../shared/bench/piaf/piaf-v1.0-dev.json] [--no-titles]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.components import Components
from rag.config import settings_from_env
from rag.eval.datasets import load_squad
from rag.eval.metrics import context_rank
from rag.index.search import retrieve
from rag.index.store import build_index, reusable_index
from rag.types import Source


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("squad", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared/bench/piaf/piaf-v1.0-dev.json"))
    ap.add_argument("--no-titles", action="store_true", help="contexts alone, without their article's title")
    settings = settings_from_env()  # RAG_* as the CLI reads them: the installed embedding model, RAG_CHUNK_CHARS…
    ap.add_argument("--chunk-chars", type=int, default=settings.chunk_chars)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--modes", default="dense,bm25,hybrid")
    ap.add_argument("--out", default="")
    ap.add_argument("--cache", default="", help="keep the index and query vectors here between runs")
    ap.add_argument("--weights", default="1:1", help="dense:bm25 weights of the fusion, comma-separated sets")
    ap.add_argument("--rrf-k", type=int, default=60)
    args = ap.parse_args()

    sources, questions = load_squad(Path(args.squad))
    if args.no_titles:
        sources = [Source(s.name, s.text.split("\n", 1)[1], s.sha256) for s in sources]
    if args.limit:
        questions = questions[: args.limit]
    c = Components(settings)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.cache or tmp)
        info = c.embed_info()  # the real fingerprint: `rag eval` can reuse a cached index
        t = time.perf_counter()
        index, stats = build_index(sources, base / "index", c.embed, info, args.chunk_chars, settings.chunk_overlap,
                                   previous=reusable_index(base / "index", c.embed, info))
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        vec_file = base / f"queries-{len(questions)}.npy"
        if args.cache and vec_file.exists():
            vectors = np.load(vec_file).tolist()
        else:
            vectors = c.embed.embed_queries([q.question for q in questions])
            np.save(vec_file, np.array(vectors, dtype="float32"))
        qembed_s = time.perf_counter() - t
        results = {}
        runs = [(m, (1.0, 1.0)) for m in args.modes.split(",") if m != "hybrid"]
        if "hybrid" in args.modes:
            runs += [("hybrid", tuple(float(x) for x in w.split(":"))) for w in args.weights.split(",")]
        for mode, weights in runs:
            r1 = r5 = r10 = mrr = 0.0
            t = time.perf_counter()
            for q, v in zip(questions, vectors):
                hits = retrieve(index, q.question, k=30, query_vector=v, mode=mode, weights=weights, rrf_k=args.rrf_k)
                rank = context_rank([h.passage.source for h in hits], q.model_extra["source"])
                if rank:
                    r1 += rank <= 1
                    r5 += rank <= 5
                    r10 += rank <= 10
                    mrr += 1 / rank
            n = len(questions)
            results[mode if mode != "hybrid" else f"hybrid {weights[0]:g}:{weights[1]:g} k={args.rrf_k}"] = {"R@1": round(r1 / n, 3), "R@5": round(r5 / n, 3), "R@10": round(r10 / n, 3),
                             "MRR": round(mrr / n, 3), "ms_per_query": round(1000 * (time.perf_counter() - t) / n, 2)}
    report = {"dataset": args.squad, "contexts": len(sources), "questions": len(questions), "titles": not args.no_titles,
              "passages": stats["passages"], "chunk_chars": args.chunk_chars, "embedded": stats["embedded"], "index_build_s": round(build_s, 1),
              "query_embed_s": round(qembed_s, 1), "results": results}
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(main())
