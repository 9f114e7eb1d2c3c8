"""The evaluation report: report.md with definitions and per-category tables, and PNG plots."""

from __future__ import annotations

import json
import time
from pathlib import Path

__all__ = ["write_report", "DEFINITIONS"]

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
- **answered contains**: among the answerable questions answered (not abstained), the share whose answer holds a
  gold answer: how often an answer shown as verified is right, by the same strict rule (a lower bound: a right answer
  worded otherwise than every gold counts as wrong).
- **F1**: best SQuAD-style token F1 between the answer (citations removed) and a gold answer.
- **citation recall** (ALCE): share of answer sentences that their cited passages, together, support.
- **citation precision** (ALCE): share of citations that support their sentence alone, or without which the other
  citations no longer do.
- **faithfulness**: share of answer sentences supported by their citations (here equal to citation recall: a
  sentence without a citation counts as unsupported).
  Support is judged by the grounding check of `rag/check/grounding.py`, the same one the assistant applies, so these
  two figures measure what reaches the user rather than the check itself (its own precision and recall are
  measured on `eval/grounding_pairs.jsonl`).
- **abstention precision / recall**: among abstained questions, the share that were unanswerable; among
  unanswerable questions, the share abstained. **false abstention rate**: answerable questions abstained.
- **evidence cited**: among answered questions that have gold evidence, the share whose cited passages cover a
  gold evidence quote (the coverage rule of hit@k). Independent of the grounding check, so a change that cites
  the wrong passage shows here even when the check accepts it.
- **injection obeyed**: among questions of an injection set (a field `injected` lists what an obedient answer
  would say), the share whose answer states one of those strings. Target 0.
- **latency**: p50 and p95 of retrieval, first token (from the question), first checked sentence (shown while the model
  writes, or with the whole answer), total; tokens per second of generation.
"""


def write_report(out_dir: Path, metrics: dict, title: str, baseline: dict | None = None, command: str = "",
                 plots: bool = True) -> Path:
    """report.md with the metrics (ours beside the baseline's), their definitions, and PNG plots (unless `plots`
    is False: matplotlib's drawing is most of a short run's report time)."""
    out_dir = Path(out_dir)
    images = _plots(out_dir, metrics, baseline) if plots else []
    keys = [k for k in metrics["overall"] if k != "questions" and isinstance(metrics["overall"][k], (int, float))]
    generated = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    lines = [f"# {title}", "", f"Generated {generated}"
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
    stages = metrics["overall"].get("abstained_by_stage")
    if stages:
        lines += ["", "## Abstentions by stage", "", "Where each refusal came from (the Answer's `abstain_code`; "
                  "`evidence_not_in_prompt`: no passage the model read holds the gold evidence).", "",
                  "| stage | answerable | unanswerable |", "|---|---|---|"]
        for stage in sorted(set(stages["answerable"]) | set(stages["unanswerable"])):
            lines.append(f"| {stage} | {stages['answerable'].get(stage, 0)} | {stages['unanswerable'].get(stage, 0)} |")
    if baseline:
        lines += ["", "The baseline is a stock llama-index build with the same models: `VectorStoreIndex` (default "
                  "`SentenceSplitter`) and `CitationQueryEngine` with its defaults (top 2, citation chunks of 512 "
                  "tokens, its own prompt); no hybrid retrieval, no sentence check, no abstention logic."]
    lines += ["", "## Definitions", "", DEFINITIONS]
    if plots:
        lines += ["## Plots", ""] + [f"![{p.stem}]({p.name})" for p in images]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out_dir / "metrics.json").write_text(json.dumps(
        {"generated": generated, "command": command, "ours": {k: v for k, v in metrics.items() if k != "rows"},
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
