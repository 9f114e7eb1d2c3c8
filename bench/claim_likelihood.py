"""Does the passage make a claim's words likely? A second signal for the grounding check, measured against the judge.

    python bench/claim_likelihood.py [--runs article-v17 piaf-sample-v7 piaf-sample-s1] [--out FILE]

Takes every one-sentence answer of saved eval runs that the model judge decided (codes model_yes / model_no),
labels it right when it holds a gold answer (unanswerable questions: wrong), and scores its claim tokens with the
writer model read in the judge's own prompt: log P(token | judge prompt with the passage) and the same with an empty
passage. Prints the AUC of right-over-wrong for the judge's margin (saved in the run) and for each likelihood
feature, alone and added to the margin. Session 15 measured it (docs/measurements.md, "Tried in session 15"): no feature ranks
better than the judge, so nothing here is used by the assistant. Logits for every position: a model of its own.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

import numpy as np

from rag.check.grounding import judge_messages
from rag.config import settings_from_env
from rag.eval.datasets import is_squad, load_dataset, load_squad
from rag.eval.metrics import answer_scores
from rag.generate.backends import LlamaCppModel, _without_extra_buffers
from rag.generate.worker import needs_safe_mode
from rag.provision import resolve_llm_path

ROOT = Path(__file__).resolve().parents[1]
PIAF = ROOT.parent / "shared" / "bench" / "piaf" / "piaf-v1.0-dev.json"


def judged(run: str) -> list[dict]:
    data = ROOT / "eval" / "article.jsonl" if run.startswith("article") else PIAF
    gold = {q.id: q for q in (load_squad(data)[1] if is_squad(data) else load_dataset(data))}
    rows = []
    for line in (ROOT / "eval" / "runs" / run / "predictions.jsonl").read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        sents = p.get("sentences") or []
        if len(sents) != 1 or sents[0].get("code") not in ("model_yes", "model_no") or not sents[0]["citations"]:
            continue
        s, q = sents[0], gold[p["id"]]
        score = min(max(s["score"], 1e-3), 1 - 1e-3)  # the judge's margin, through the saved sigmoid
        rows.append({"run": run, "id": p["id"], "claim": re.sub(r"\s*\[\d+\]", "", s["text"]).strip(),
                     "passage": p["retrieved"][s["citations"][0] - 1]["text"],
                     "right": bool(q.answerable and answer_scores(s["text"], q.answers)["contains"]),
                     "code": s["code"], "judge": math.log(score / (1 - score))})
    return rows


class Scorer:
    def __init__(self, path: Path, safe: bool):
        from llama_cpp import Llama

        with _without_extra_buffers(safe):
            self.llm = Llama(model_path=str(path), n_ctx=2048, n_threads=2, n_threads_batch=2, logits_all=True,
                             verbose=False)
        self.fmt = LlamaCppModel(path)
        self.fmt._llm = self.llm

    def logprobs(self, passage: str, claim: str) -> np.ndarray:
        text = self.fmt.format(judge_messages(passage, "\x00"))
        prefix = text[:text.index("\x00")].rstrip(" ")  # the space goes with the claim's first word, as when read
        a = self.llm.tokenize(prefix.encode(), add_bos=False, special=True)
        b = self.llm.tokenize((" " + claim).encode(), add_bos=False, special=False)
        self.llm.reset()
        self.llm.eval(a + b)
        sc = np.array(self.llm.scores[len(a) - 1:len(a) + len(b) - 1], dtype=np.float64)
        m = sc.max(axis=1)
        return sc[np.arange(len(b)), b] - (m + np.log(np.exp(sc - m[:, None]).sum(axis=1)))


def features(r: dict) -> dict:
    c, b = np.array(r["lp_cond"]), np.array(r["lp_base"])
    content = b < -2.0  # tokens the prompt without the passage does not predict: the claim's own content
    return {"judge": r["judge"], "mean": c.mean(), "min": c.min(), "pmi_mean": (c - b).mean(),
            "min_content": c[content].min() if content.any() else 0.0,
            "mean_content": c[content].mean() if content.any() else 0.0}


def auc(xs, ys) -> float:
    pos, neg = [x for x, y in zip(xs, ys) if y], [x for x, y in zip(xs, ys) if not y]
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", nargs="+", default=["article-v17", "piaf-sample-v7", "piaf-sample-s1"])
    ap.add_argument("--out", default="", help="write each row with its token log-probabilities (JSONL)")
    args = ap.parse_args()
    settings = settings_from_env()
    path = resolve_llm_path(settings.llm_model, settings.models_dir, False, None)
    scorer = Scorer(path, needs_safe_mode(settings.safe_mode, settings.home))  # the host's recorded mode
    rows = [r for run in args.runs for r in judged(run)]
    for r in rows:
        r["lp_cond"] = scorer.logprobs(r["passage"], r["claim"]).tolist()
        r["lp_base"] = scorer.logprobs("", r["claim"]).tolist()
    if args.out:
        Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    groups = {"all": rows, **{run: [r for r in rows if r["run"] == run] for run in args.runs}}
    for name, rs in groups.items():
        f, y = [features(r) for r in rs], [r["right"] for r in rs]
        line = " ".join(f"{k} {auc([x[k] for x in f], y):.2f}" for k in f[0])
        both = auc([x["judge"] / 2 + x["mean_content"] / 3 for x in f], y)
        print(f"{name}: n={len(rs)} right={sum(y)} AUC {line}; judge+mean_content {both:.2f}")


if __name__ == "__main__":
    main()
