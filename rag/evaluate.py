"""The evaluation runner: questions through the pipeline, predictions written as they come (so an
interrupted run resumes), then metrics, a report and plots."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .datasets import Question, is_squad, load_dataset, load_squad
from .errors import InputError, RagError
from .metrics import abstention_scores, answer_scores, percentile, retrieval_scores, source_scores

__all__ = ["run", "prepare", "score", "write_report", "PREDICTIONS"]

PREDICTIONS = "predictions.jsonl"
RETRIEVED_K = 10


@dataclass
class Prepared:
    questions: list[Question]
    squad_sources: list | None  # sources of a SQuAD file, to index in a temporary index


def prepare(dataset: Path, limit: int | None = None, sample_seed: int | None = None) -> Prepared:
    dataset = Path(dataset)
    if not dataset.is_file():
        raise InputError(f"no dataset at {dataset}")
    if is_squad(dataset):
        sources, questions = load_squad(dataset)
    else:
        sources, questions = None, load_dataset(dataset)
    if limit:
        if sample_seed is not None:
            import random

            questions = random.Random(sample_seed).sample(questions, min(limit, len(questions)))
        else:
            questions = questions[:limit]
    return Prepared(questions, sources)


def _done_ids(path: Path) -> dict[str, dict]:
    done = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                p = json.loads(line)
                done[p["id"]] = p
            except (ValueError, KeyError):
                continue  # a line cut by an interruption is recomputed
    return done


def prediction(q: Question, answer: dict) -> dict:
    out = {"id": q.id, "question": q.question, "answer": answer["answer"], "abstained": answer["abstained"],
           "citations": answer["citations"], "retrieved": answer["retrieved"][:max(RETRIEVED_K, len(answer["retrieved"]))],
           "timings": answer["timings"]}
    for k in ("sentences", "standalone_question", "lang", "draft", "error"):
        if k in answer:
            out[k] = answer[k]
    return out


def run(answer_fn: Callable[[Question], dict], questions: list[Question], out_dir: Path,
        progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Answer each question not already in out_dir/predictions.jsonl, appending as it goes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PREDICTIONS
    done = _done_ids(path)
    if path.exists():  # rewrite without any partial last line
        path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in done.values()), encoding="utf-8")
    with path.open("a", encoding="utf-8") as f:
        for i, q in enumerate(questions):
            if q.id not in done:
                try:
                    ans = answer_fn(q)
                except RagError as e:  # one bad question does not end the run; it is recorded
                    ans = {"answer": "", "abstained": True, "citations": [], "retrieved": [], "timings": {},
                           "error": str(e)}
                done[q.id] = prediction(q, ans)
                f.write(json.dumps(done[q.id], ensure_ascii=False) + "\n")
                f.flush()
            if progress:
                progress(i + 1, len(questions))
    return [done[q.id] for q in questions]


def score(questions: list[Question], preds: list[dict], judge=None, retrieval_only: bool = False) -> dict:
    """All metrics, overall and per category. `judge(claim, passage) -> bool` scores citations."""
    rows = []
    for q, p in zip(questions, preds):
        extra = q.model_extra or {}
        r = {"id": q.id, "category": extra.get("category", "all"), "answerable": q.answerable}
        if q.answerable and q.evidence:
            r.update(retrieval_scores([x["text"] for x in p["retrieved"]], q.evidence))
        if q.answerable and extra.get("source") and "context_offset" in extra:  # set by the SQuAD loader
            r.update(source_scores([x["source"] for x in p["retrieved"]], extra["source"]))
        if not retrieval_only:
            r["abstained"] = p["abstained"]
            if q.answerable and q.answers:
                r.update(answer_scores("" if p["abstained"] else p["answer"], q.answers))
            if judge is not None and not p["abstained"]:
                r.update(_citation_scores(p, judge))
        t = p.get("timings", {})
        for k in ("retrieval", "first_token", "total", "check", "tokens_per_s"):
            if k in t:
                r["t_" + k] = t[k]
        rows.append(r)
    return {"overall": _aggregate(rows, retrieval_only), "by_category": {
        c: _aggregate([r for r in rows if r["category"] == c], retrieval_only)
        for c in sorted({r["category"] for r in rows})}, "rows": rows}


def _citation_scores(p: dict, judge) -> dict:
    """ALCE citation recall (a sentence is supported by its cited passages together) and precision (a
    citation is precise when it supports the sentence alone or is needed for the others to)."""
    from .answer import parse_sentences

    cited = {c["n"]: c["text"] for c in p["citations"]}
    cited.update({i + 1: r["text"] for i, r in enumerate(p["retrieved"]) if i + 1 not in cited})
    sents = parse_sentences(p["answer"])
    if not sents:
        return {}
    supported = n_cit = precise = 0
    for s in sents:
        texts = {n: cited[n] for n in s.citations if n in cited}
        if not texts:
            continue
        ok = judge(s.text, "\n".join(texts.values()))
        supported += ok
        for n, t in texts.items():
            n_cit += 1
            alone = judge(s.text, t)
            rest = [v for m, v in texts.items() if m != n]
            needed = ok and not (rest and judge(s.text, "\n".join(rest)))
            precise += alone or needed
    out = {"citation_recall": supported / len(sents), "faithfulness": supported / len(sents)}
    if n_cit:
        out["citation_precision"] = precise / n_cit
    return out


def _mean(rows: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def _aggregate(rows: list[dict], retrieval_only: bool) -> dict:
    out: dict = {"questions": len(rows)}
    for k in ("hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "recall@10", "rr",
              "context_hit@1", "context_hit@5", "context_hit@10"):
        out[k if k != "rr" else "mrr"] = _mean(rows, k)
    if not retrieval_only:
        for k in ("contains", "f1", "citation_recall", "citation_precision", "faithfulness"):
            out[k] = _mean(rows, k)
        out.update({k: (round(v, 4) if v is not None else None) for k, v in abstention_scores(
            [r["abstained"] for r in rows], [r["answerable"] for r in rows]).items()})
    for k in ("retrieval", "first_token", "total", "check"):
        vals = [r.get("t_" + k) for r in rows]
        out[f"{k}_p50_s"] = percentile(vals, 50)
        out[f"{k}_p95_s"] = percentile(vals, 95)
    out["tokens_per_s"] = _mean(rows, "t_tokens_per_s")
    return out


DEFINITIONS = """\
- **hit@k**: share of answerable questions for which one of the first k retrieved passages covers an evidence quote
  (holds it, or at least 60% of its words with a run of 8 in order). Computed on text, not passage ids.
- **context hit@k** (SQuAD-format sets): the question's own context is among the first k distinct contexts
  retrieved. Unlike hit@k it does not depend on passage length: a pipeline retrieving whole contexts covers the
  evidence sentence whenever it finds the context, one cutting contexts into short passages must also find the
  right passage of it.
- **recall@k**: share of a question's evidence quotes covered by the first k passages, averaged.
- **MRR**: mean of 1/rank of the first passage covering an evidence quote (0 when none in the retrieved list).
- **contains**: an answerable question's answer holds one of the gold answers (case, accents and spacing ignored);
  an abstention counts as wrong.
- **F1**: best SQuAD-style token F1 between the answer (citations removed) and a gold answer.
- **citation recall** (ALCE): share of answer sentences that their cited passages, together, support.
- **citation precision** (ALCE): share of citations that support their sentence alone, or without which the other
  citations no longer do.
- **faithfulness**: share of answer sentences supported by their citations (here equal to citation recall: a
  sentence without a citation counts as unsupported).
  Support is judged by the grounding check of `rag/grounding.py`, the same one the assistant applies, so these
  two figures measure what reaches the user rather than the check itself (its own precision and recall are
  measured on `eval/grounding_pairs.jsonl`).
- **abstention precision / recall**: among abstained questions, the share that were unanswerable; among
  unanswerable questions, the share abstained. **false abstention rate**: answerable questions abstained.
- **latency**: p50 and p95 of retrieval, first token (from the question), total; tokens per second of generation.
"""


def write_report(out_dir: Path, metrics: dict, title: str, baseline: dict | None = None, command: str = "") -> Path:
    """report.md with the metrics (ours beside the baseline's), their definitions, and PNG plots."""
    out_dir = Path(out_dir)
    plots = _plots(out_dir, metrics, baseline)
    keys = [k for k in metrics["overall"] if k != "questions" and metrics["overall"][k] is not None]
    lines = [f"# {title}", "", f"Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
             + (f" by `{command}`" if command else "") + f"; {metrics['overall']['questions']} questions.", "",
             "| metric | ours |" + (" llama-index baseline |" if baseline else ""),
             "|---|---|" + ("---|" if baseline else "")]
    for k in keys:
        b = baseline["overall"].get(k) if baseline else None
        lines.append(f"| {k} | {_fmt(metrics['overall'][k])} |" + (f" {_fmt(b)} |" if baseline else ""))
    lines += ["", "## By category", "", "| category | n | hit@5 | contains | F1 | citation recall | abstained right |",
              "|---|---|---|---|---|---|---|"]
    for c, m in metrics["by_category"].items():
        lines.append(f"| {c} | {m['questions']} | {_fmt(m.get('hit@5'))} | {_fmt(m.get('contains'))} | "
                     f"{_fmt(m.get('f1'))} | {_fmt(m.get('citation_recall'))} | {_fmt(m.get('abstention_recall'))} |")
    if baseline:
        lines += ["", "The baseline is a stock llama-index build with the same models: `VectorStoreIndex` (default "
                  "`SentenceSplitter`) and `CitationQueryEngine` with its defaults (top 2, citation chunks of 512 "
                  "tokens, its own prompt); no hybrid retrieval, no sentence check, no abstention logic."]
    lines += ["", "## Definitions", "", DEFINITIONS, "## Plots", ""] + [f"![{p.stem}]({p.name})" for p in plots]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out_dir / "metrics.json").write_text(json.dumps(
        {"ours": {k: v for k, v in metrics.items() if k != "rows"},
         **({"baseline": {k: v for k, v in baseline.items() if k != "rows"}} if baseline else {})},
        indent=2, ensure_ascii=False))
    return path


def _fmt(v) -> str:
    return "—" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def _plots(out_dir: Path, metrics: dict, baseline: dict | None) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    out = []
    cats = list(metrics["by_category"])
    keys = [k for k in ("hit@5", "contains", "citation_recall", "abstention_recall")
            if any(metrics["by_category"][c].get(k) is not None for c in cats)]
    if cats and keys:
        fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(cats)), 3.8))
        w = 0.8 / len(keys)
        for i, k in enumerate(keys):
            vals = [metrics["by_category"][c].get(k) or 0 for c in cats]
            ax.bar([x + i * w for x in range(len(cats))], vals, w, label=k)
        ax.set_xticks([x + 0.4 - w / 2 for x in range(len(cats))], cats, rotation=30, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_title("Scores per question category")
        ax.legend(fontsize=8)
        fig.tight_layout()
        out.append(out_dir / "scores_by_category.png")
        fig.savefig(out[-1], dpi=110)
        plt.close(fig)
    totals = [r.get("t_total") for r in metrics["rows"] if r.get("t_total") is not None]
    if totals:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(totals, bins=20, alpha=0.7, label="ours")
        if baseline:
            b = [r.get("t_total") for r in baseline["rows"] if r.get("t_total") is not None]
            if b:
                ax.hist(b, bins=20, alpha=0.5, label="baseline")
        ax.set_xlabel("seconds per question (total)")
        ax.set_ylabel("questions")
        ax.set_title("Latency distribution")
        ax.legend()
        fig.tight_layout()
        out.append(out_dir / "latency.png")
        fig.savefig(out[-1], dpi=110)
        plt.close(fig)
    return out
