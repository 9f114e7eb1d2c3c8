"""Retrieval of the default store (FAISS + bm25s) against the Milvus store (dense + Milvus BM25), same questions,
same query vectors, the pipeline's fusion (RAG_* settings: depth, RRF k, BM25 weight).

    python bench/retrieval_store.py                     # eval/article.jsonl over corpus/article.txt
    python bench/retrieval_store.py --set piaf          # PIAF dev, contexts as sources (as bench/retrieval_piaf.py)
    python bench/retrieval_store.py --set piaf --cache DIR   # reusing bench/retrieval_piaf.py --cache DIR's vectors
    python bench/retrieval_store.py --milvus milvus://127.0.0.1:19530/bench   # a Milvus server (default: Milvus Lite
                                                                               # in a temporary folder)

Article set: the answerable questions with evidence; R@5 is the share of evidence quotes covered by the top 5
passages, MRR the reciprocal rank of the first covering passage (rag.eval.metrics.retrieval_scores). PIAF: R@5 and
MRR of the question's own context among the distinct sources retrieved (rag.eval.metrics.context_rank). Also
printed: the share of questions whose top-10 passage list is identical in both stores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.components import Components, default_corpus_paths
from rag.config import settings_from_env
from rag.eval.datasets import load_dataset, load_squad
from rag.eval.metrics import context_rank, retrieval_scores
from rag.index.search import retrieve
from rag.index.store import build_index, reusable_index
from rag.ingest import load_source

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", choices=["article", "piaf"], default="article")
    ap.add_argument("--piaf", default=str(ROOT.parent / "shared/bench/piaf/piaf-v1.0-dev.json"))
    ap.add_argument("--milvus", default="", help="RAG_STORE value of the Milvus store (default: Milvus Lite in a "
                                                 "temporary folder)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--cache", default="", help="the --cache folder of bench/retrieval_piaf.py: its index's vectors "
                                                "and query vectors are reused (same model), not computed again")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    settings = settings_from_env()
    c = Components(settings)
    if args.set == "article":
        sources = [load_source(p, p.name, settings.max_source_bytes) for p in default_corpus_paths()]
        questions = [q for q in load_dataset(ROOT / "eval/article.jsonl") if q.answerable and q.evidence]
    else:
        sources, questions = load_squad(Path(args.piaf))
    if args.limit:
        questions = questions[: args.limit]
    info = c.embed_info()
    t = time.perf_counter()
    cached = Path(args.cache) / f"queries-{len(questions)}.npy" if args.cache else None
    if cached and cached.exists():
        vectors = np.load(cached).tolist()
    else:
        vectors = c.embed.embed_queries([q.question for q in questions])
    previous = reusable_index(Path(args.cache) / "index", c.embed, info) if args.cache else None
    report = {"set": args.set, "sources": len(sources), "questions": len(questions),
              "query_embed_s": round(time.perf_counter() - t, 1), "stores": {}}
    with tempfile.TemporaryDirectory() as tmp:
        stores = {"faiss": "", "milvus": args.milvus or f"milvus-lite:{tmp}/bench.db/bench"}
        tops: dict[str, list[list[str]]] = {}
        for name, store in stores.items():
            t = time.perf_counter()
            index, stats = build_index(sources, Path(tmp) / f"index-{name}", c.embed, info, settings.chunk_chars,
                                       settings.chunk_overlap, store=store, previous=previous)
            build_s = time.perf_counter() - t
            r5 = mrr = 0.0
            tops[name] = []
            t = time.perf_counter()
            for q, v in zip(questions, vectors):
                hits = retrieve(index, q.question, k=10, depth=settings.retrieve_depth, rrf_k=settings.rrf_k,
                                query_vector=v, weights=(1.0, settings.bm25_weight))
                tops[name].append([h.passage.id for h in hits])
                if args.set == "article":
                    s = retrieval_scores([h.passage.text for h in hits], q.evidence)
                    r5, mrr = r5 + s["recall@5"], mrr + s["rr"]
                else:
                    rank = context_rank([h.passage.source for h in hits], q.model_extra["source"])
                    r5, mrr = r5 + bool(rank and rank <= 5), mrr + (1 / rank if rank else 0.0)
            n = len(questions)
            report["stores"][name] = {"store": store or "faiss (index folder)", "passages": stats["passages"],
                                      "build_s": round(build_s, 1), "R@5": round(r5 / n, 3), "MRR": round(mrr / n, 3),
                                      "ms_per_query": round(1000 * (time.perf_counter() - t) / n, 2)}
        report["identical_top10"] = round(sum(a == b for a, b in zip(tops["faiss"], tops["milvus"])) / len(questions), 3)
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(main())
