"""Retrieval at scale without the model: the vector index (exact flat, HNSW, optionally IVF) and the lexical
index (bm25s over our French analysis) at 10k, 100k and 1M passages, and the hybrid fusion over both.

Reports, per size: build time and memory (RSS growth of the process) of each index; query latency p50/p95 of
the ANN search (through llama-index's FaissVectorStore), of BM25 (analysis of the question included), and of
the whole retrieval (ANN + BM25 + reciprocal rank fusion, as rag.index.search does it; no embedding, no
model); and recall@10 of the ANN search against exact search over the same vectors.

    nice -n 19 python bench/ann.py --sizes 10000,100000,1000000 --out bench/results/ann.json

The data (embedding a million passages takes days on 2 cores, so the vectors are synthetic, said in the output):
- vectors (768 dimensions, unit length): with --real DIR (the --cache folder of bench/retrieval_piaf.py,
  which holds the PIAF index and question vectors made by EmbeddingGemma-300M), passages are drawn around the
  real passage vectors of PIAF (a Gaussian mixture: each synthetic passage = one real passage vector plus
  noise with the covariance of the real vectors, then normalised: cosine ~.72 to the real vector it was drawn
  around), and the queries are the real question vectors of PIAF, each searched in BM25 with its own question. Without real vectors: a mixture around 3,000 random centres with low-rank noise (a random
  projection of a 96-dimensional Gaussian), queries drawn the same way.
- text: each passage is 1 to 4 sentences of PIAF contexts drawn at random (about 400 characters, as our
  passages); the queries are PIAF questions. The analysis of each sentence is computed once and reused (the
  analysis rate of `analyse` is measured on real passages and reported, with the time it would add).
Each size runs in its own process, so memory figures do not mix.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PIAF = ROOT.parent / "shared/bench/piaf/piaf-v1.0-dev.json"
DIM = 768


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pct(xs, q) -> float:
    return round(float(np.percentile(np.asarray(xs) * 1000, q)), 2)


# -- data ----------------------------------------------------------------------------------------
def piaf_text(path: Path):
    from rag.ingest.chunk import split_sentences

    data = json.loads(path.read_text())
    sentences, questions = [], []
    for article in data["data"]:
        for par in article["paragraphs"]:
            ctx = par["context"]
            sentences += [ctx[s:e] for s, e in split_sentences(ctx) if e - s > 20]
            questions += [qa["question"] for qa in par["qas"]]
    return sentences, questions


class VectorSource:
    """Unit vectors in chunks, from a mixture around centres with structured noise."""

    def __init__(self, real: Path | None, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        if real is not None:
            import faiss

            fi = faiss.read_index(str(real / "index" / "default__vector_store.json"))
            passages = fi.reconstruct_n(0, fi.ntotal)
            queries = np.load(sorted(real.glob("queries-*.npy"))[-1]).astype("float32")
            both = np.concatenate([passages, queries])
            centred = both - both.mean(0)
            _, s, vt = np.linalg.svd(centred, full_matrices=False)
            self.centres = passages
            self.noise = (s[:, None] / np.sqrt(len(both) - 1)) * vt  # rows: principal axes scaled by their spread
            self.scale = 1.0  # a drawn passage is at cosine ~.72 from its real one (real nearest passages: ~.66)
            self.queries = queries
            self.describe = (f"mixture around the {len(passages)} real EmbeddingGemma-300M passage vectors of PIAF dev, "
                             f"noise with the covariance of the {len(both)} real passage and question vectors "
                             f"(scale {self.scale}), normalised; queries: the {len(queries)} real PIAF question vectors")
        else:
            k, r = 3000, 96
            c = self.rng.standard_normal((k, DIM)).astype("float32")
            self.centres = c / np.linalg.norm(c, axis=1, keepdims=True)
            self.noise = (self.rng.standard_normal((r, DIM)) / np.sqrt(r)).astype("float32")
            self.scale = 0.8
            self.queries = None
            self.describe = (f"synthetic: mixture around {k} random unit centres, low-rank noise (random projection of "
                             f"a {r}-dimensional Gaussian, scale {self.scale}), normalised; queries drawn the same way")

    def draw(self, n: int) -> np.ndarray:
        c = self.centres[self.rng.integers(0, len(self.centres), n)]
        z = self.rng.standard_normal((n, len(self.noise))).astype("float32")
        x = c + self.scale * (z @ self.noise).astype("float32")
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x.astype("float32")

    def query_vectors(self, n: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Query vectors, and which PIAF questions they are (in file order) when they are real."""
        if self.queries is not None:
            idx = self.rng.choice(len(self.queries), size=min(n, len(self.queries)), replace=False)
            return self.queries[idx], idx
        return self.draw(n), None


# -- one size ------------------------------------------------------------------------------------
def run_size(n: int, args) -> dict:
    import faiss
    from llama_index.core.vector_stores.types import VectorStoreQuery
    from llama_index.vector_stores.faiss import FaissVectorStore

    from rag.index.lexical import BM25, analyse
    from rag.index.search import rrf
    from rag.index.store import hnsw_ef_search, new_faiss_index

    faiss.omp_set_num_threads(args.threads)
    real = Path(args.real) if args.real and (Path(args.real) / "index").is_dir() else None
    src = VectorSource(real, seed=args.seed)
    out: dict = {"load_average_at_start": [round(x, 2) for x in os.getloadavg()], "passages": n, "dimension": DIM, "vectors": src.describe, "threads": args.threads,
                 "search_threads": args.search_threads}

    # Vectors, straight into the exact index (no second copy): it is the reference for recall and the flat figures.
    base = rss_mb()
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    for i in range(0, n, 50_000):
        flat.add(src.draw(min(50_000, n - i)))
    out["flat"] = {"build_s": round(time.perf_counter() - t, 2), "rss_mb": round(rss_mb() - base, 1),
                   "note": "build time includes drawing the synthetic vectors"}
    data = faiss.rev_swig_ptr(flat.get_xb(), n * DIM).reshape(n, DIM)  # a view of the flat index's vectors
    qv, qidx = src.query_vectors(args.queries)
    nq = len(qv)
    t = time.perf_counter()
    _, truth = flat.search(qv, 10)
    out["flat"]["exact_truth_s_per_query"] = round((time.perf_counter() - t) / nq, 4)

    # Text: passages of 1 to 4 PIAF sentences; questions paired with the query vectors.
    sentences, questions = piaf_text(Path(args.piaf))
    rng = random.Random(args.seed)
    qtext = ([questions[i] for i in qidx] if qidx is not None and len(questions) == len(src.queries)
             else [questions[rng.randrange(len(questions))] for _ in range(nq)])  # each vector with its question
    sent_tokens = [analyse(s) for s in sentences]
    t = time.perf_counter()
    docs, chars = [], 0
    sample_texts = []
    for i in range(n):
        pick = [rng.randrange(len(sentences)) for _ in range(rng.randint(1, 4))]
        docs.append([tok for j in pick for tok in sent_tokens[j]])
        if i < 20_000:
            text = " ".join(sentences[j] for j in pick)
            chars += len(text)
            sample_texts.append(text)
    t = time.perf_counter()
    for text in sample_texts:
        analyse(text)
    analyse_rate = len(sample_texts) / (time.perf_counter() - t)
    base = rss_mb()
    t = time.perf_counter()
    bm25 = BM25(docs)
    bm25_s = time.perf_counter() - t
    del docs
    out["bm25"] = {"engine": "bm25s (our analysis)", "build_s": round(bm25_s, 2),
                   "rss_mb": round(rss_mb() - base, 1), "avg_chars": round(chars / len(sample_texts)),
                   "analysis_passages_per_s": round(analyse_rate),
                   "analysis_s_estimated": round(n / analyse_rate, 1),
                   "note": "build_s: bm25s indexing of analysed passages; the analysis itself (per sentence, reused) "
                           "would add analysis_s_estimated on real passages"}

    # Approximate indexes.
    results = {}
    for kind in args.kinds.split(","):
        if kind == "flat":  # the exact index built above
            index, r = flat, dict(out["flat"])
        else:
            base = rss_mb()
            t = time.perf_counter()
            index = new_faiss_index(kind, DIM, data)  # sized for them (IVF trains on a sample of them)
            index.add(data)
            r = {"build_s": round(time.perf_counter() - t, 2), "rss_mb": round(rss_mb() - base, 1)}
        faiss.omp_set_num_threads(args.search_threads)  # one question at a time, as a server answers it
        store = FaissVectorStore(faiss_index=index)
        # Exact search of a large collection is slow: its latency is measured on fewer questions.
        m = min(nq, args.flat_queries) if kind == "flat" else nq
        r["queries_timed"] = m
        settings_knob = ("efSearch", [int(x) for x in args.ef.split(",")]) if kind == "hnsw" else (
            "nprobe", [index.nprobe, index.nprobe * 2]) if kind == "ivf" else (None, [None])
        sweep = []
        for value in settings_knob[1]:
            if kind == "hnsw":
                index.hnsw.efSearch = value
            elif kind == "ivf":
                index.nprobe = value
            for v in qv[:min(20, m)]:  # warm-up
                store.query(VectorStoreQuery(query_embedding=v.tolist(), similarity_top_k=args.depth))
            ann_t, got = [], []
            for v in qv[:m]:
                t = time.perf_counter()
                res = store.query(VectorStoreQuery(query_embedding=v.tolist(), similarity_top_k=args.depth))
                ann_t.append(time.perf_counter() - t)
                got.append([int(i) for i in res.ids[:10]])
            recall = float(np.mean([len(set(g) & set(tr.tolist())) / 10 for g, tr in zip(got, truth[:m])]))
            row = {"recall@10": round(recall, 4), "ann_p50_ms": pct(ann_t, 50), "ann_p95_ms": pct(ann_t, 95)}
            if settings_knob[0]:
                row[settings_knob[0]] = value
            sweep.append(row)
        r["sweep"] = sweep
        if kind == "hnsw":
            index.hnsw.efSearch = hnsw_ef_search(n)
        elif kind == "ivf":
            index.nprobe = settings_knob[1][0]
        # The whole retrieval without the model: ANN + BM25 (question analysed) + fusion, as rag.index.search.
        bm_t, tot_t = [], []
        for v, q in zip(qv[:m], qtext[:m]):
            t0 = time.perf_counter()
            res = store.query(VectorStoreQuery(query_embedding=v.tolist(), similarity_top_k=args.depth))
            dense = [(int(i), s) for i, s in zip(res.ids, res.similarities)]
            t1 = time.perf_counter()
            lexical = bm25.top(analyse(q), args.depth)
            t2 = time.perf_counter()
            fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], weights=[1.0, 0.3])
            sorted(fused, key=lambda i: (-fused[i], i))[:10]
            tot_t.append(time.perf_counter() - t0)
            bm_t.append(t2 - t1)
        r.update({"bm25_p50_ms": pct(bm_t, 50), "bm25_p95_ms": pct(bm_t, 95),
                  "hybrid_p50_ms": pct(tot_t, 50), "hybrid_p95_ms": pct(tot_t, 95)})
        default = next((s for s in sweep if s.get("efSearch") == hnsw_ef_search(n)), sweep[0])
        r["default"] = {k: v for k, v in default.items() if k in ("efSearch", "nprobe")}
        r["recall@10"], r["ann_p50_ms"], r["ann_p95_ms"] = default["recall@10"], default["ann_p50_ms"], default["ann_p95_ms"]
        results[kind] = r
        del store, index
        faiss.omp_set_num_threads(args.threads)
    out["indexes"] = results
    out["queries"] = nq
    out["peak_rss_mb"] = round(peak_mb(), 1)
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]  # the machine is shared: context
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--kinds", default="flat,hnsw", help="vector indexes to measure: flat, hnsw, ivf")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--depth", type=int, default=50, help="each retriever's depth in the fusion (Settings.retrieve_depth)")
    ap.add_argument("--ef", default="256,512,1024", help="HNSW efSearch values to sweep (the default is reported)")
    ap.add_argument("--flat-queries", type=int, default=200, help="questions timed on the exact index")
    ap.add_argument("--threads", type=int, default=2, help="FAISS threads while building")
    ap.add_argument("--search-threads", type=int, default=1, help="FAISS threads while searching")
    ap.add_argument("--real", default="",
                    help="the --cache folder of bench/retrieval_piaf.py (real vectors to draw around); synthetic without")
    ap.add_argument("--piaf", default=str(PIAF))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="")
    ap.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, args)))
        return 0
    report = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "machine": f"{os.cpu_count()} cores",
              "sizes": []}
    for n in [int(x) for x in args.sizes.split(",")]:
        cmd = [sys.executable, __file__, "--one", str(n)] + [a for a in sys.argv[1:] if a != "--one"]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return proc.returncode
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["wall_s"] = round(time.perf_counter() - t, 1)
        report["sizes"].append(res)
        print(json.dumps(res, indent=2), flush=True)
        if args.out:
            Path(args.out).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
