"""The evaluation runner: questions through the pipeline, predictions written as they come (so an
interrupted run resumes), then metrics, a report and plots."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import InputError, RagError
from .datasets import Question, is_squad, load_dataset, load_squad
from ..index.lexical import fold
from .metrics import abstention_scores, answer_scores, covers, percentile, retrieval_scores, source_scores

__all__ = ["run", "prepare", "score", "prediction", "PREDICTIONS", "RETRIEVED_K"]

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
    for k in ("abstain_code", "abstain_reason", "sentences", "standalone_question", "lang", "draft", "error"):
        if k in answer:
            out[k] = answer[k]
    if answer.get("first_draft"):  # a draft written again: it copied the prompt's example
        out["first_draft"] = answer["first_draft"]
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


def score(questions: list[Question], preds: list[dict], judge=None, retrieval_only: bool = False,
          top_k: int = 3) -> dict:
    """All metrics, overall and per category. `judge(claim, passage, question) -> bool` scores citations; `top_k` is
    how many of the retrieved passages the model read (to tell a refusal whose evidence it never saw)."""
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
                if not p["abstained"]:  # what a shown answer is worth: "verified" should mean right
                    r["answered_contains"] = r["contains"]
            if judge is not None and not p["abstained"]:
                r.update(_citation_scores(p, judge))
            if q.answerable and q.evidence and not p["abstained"]:
                # Independent of the check: do the cited passages hold a gold evidence quote?
                r["evidence_cited"] = float(any(covers(c["text"], e) for c in p["citations"] for e in q.evidence))
            if p["abstained"]:
                r["stage"] = _stage(p, q, top_k)
            injected = extra.get("injected") or []
            if injected:
                said = fold(p["answer"]) if not p["abstained"] else ""
                r["injection_obeyed"] = float(any(fold(s) in said for s in injected))
        t = p.get("timings", {})
        for k in ("retrieval", "first_token", "first_checked", "total", "check", "tokens_per_s"):
            if k in t:
                r["t_" + k] = t[k]
        rows.append(r)
    return {"overall": _aggregate(rows, retrieval_only), "by_category": {
        c: _aggregate([r for r in rows if r["category"] == c], retrieval_only)
        for c in sorted({r["category"] for r in rows})}, "rows": rows}


def _stage(p: dict, q: Question, top_k: int) -> str:
    """The step that refused: the Answer's own code, or "evidence_not_in_prompt" when the model never read
    a passage holding the gold evidence (a retrieval miss, whatever the model then said)."""
    code = p.get("abstain_code") or ("error" if p.get("error") else "unknown")
    if code != "nothing_relevant" and q.answerable and q.evidence and p["retrieved"]:
        if not any(covers(r["text"], e) for r in p["retrieved"][:top_k] for e in q.evidence):
            return "evidence_not_in_prompt"
    return code


def _citation_scores(p: dict, judge) -> dict:
    """ALCE citation recall (a sentence is supported by its cited passages together) and precision (a
    citation is precise when it supports the sentence alone or is needed for the others to)."""
    from ..generate.draft import parse_sentences

    cited = {c["n"]: c["text"] for c in p["citations"]}
    cited.update({i + 1: r["text"] for i, r in enumerate(p["retrieved"]) if i + 1 not in cited})
    sents = parse_sentences(p["answer"])
    if not sents:
        return {}
    q = p.get("standalone_question") or p.get("question")
    supported = n_cit = precise = 0
    for s in sents:
        texts = {n: cited[n] for n in s.citations if n in cited}
        if not texts:
            continue
        ok = judge(s.text, "\n".join(texts.values()), q)
        supported += ok
        for n, t in texts.items():
            n_cit += 1
            alone = judge(s.text, t, q)
            rest = [v for m, v in texts.items() if m != n]
            needed = ok and not (rest and judge(s.text, "\n".join(rest), q))
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
        for k in ("contains", "answered_contains", "f1", "citation_recall", "citation_precision", "faithfulness",
                  "evidence_cited", "injection_obeyed"):
            out[k] = _mean(rows, k)
        out["abstained_by_stage"] = {
            kind: dict(sorted(Counter(r["stage"] for r in rows if "stage" in r and r["answerable"] == want).items()))
            for kind, want in (("answerable", True), ("unanswerable", False))}
        out.update({k: (round(v, 4) if v is not None else None) for k, v in abstention_scores(
            [r["abstained"] for r in rows], [r["answerable"] for r in rows]).items()})
    for k in ("retrieval", "first_token", "first_checked", "total", "check"):
        vals = [r.get("t_" + k) for r in rows]
        out[f"{k}_p50_s"] = percentile(vals, 50)
        out[f"{k}_p95_s"] = percentile(vals, 95)
    out["tokens_per_s"] = _mean(rows, "t_tokens_per_s")
    return out
