"""Precision and recall of the grounding check's "unsupported" verdict on eval/grounding_pairs.jsonl.

    python bench/grounding_pairs.py [--lexical-only] [--split even|odd|all]

`--split` scores half of the pairs (by id parity): thresholds were set looking at the even half only,
so the odd half is the held-out figure. A pair may carry the `question` its claim answers (the check then
also asks whether the claim answers it) and a `case` (the failure it was added for: `wrong_speaker`,
`restates_question`, `tautology`, `added_description`…); the output scores the pairs with and without a case
apart, so the original 227 pairs stay comparable run to run.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from rag.check.grounding import GroundingChecker
from rag.components import Components
from rag.config import settings_from_env
from rag.generate.backends import Judge

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", default=str(ROOT / "eval" / "grounding_pairs.jsonl"))
    ap.add_argument("--lexical-only", action="store_true")
    ap.add_argument("--no-model", action="store_true", help="without the LLM judge (lexical + embedding only)")
    ap.add_argument("--split", choices=["even", "odd", "all"], default="all")
    ap.add_argument("--dump", default="", help="write each verdict to this JSONL file")
    ap.add_argument("--errors", action="store_true", help="print the misjudged pairs")
    ap.add_argument("--judge-reads", choices=["window", "passage"], default=None,
                    help="what the model judge is shown: the whole passage or the supporting window "
                         "(default: RAG_JUDGE_READS, else passage)")
    args = ap.parse_args()
    pairs = [json.loads(x) for x in Path(args.pairs).read_text(encoding="utf-8").splitlines() if x.strip()]
    if args.split != "all":
        parity = 0 if args.split == "even" else 1
        pairs = [p for p in pairs if int(p["id"][1:]) % 2 == parity]
    settings = settings_from_env()  # RAG_HOME etc., as the CLI reads them: the models `rag models install` put there
    components = Components(settings)
    embed = None
    if not args.lexical_only:
        embed = components.embed
        embed.embed_queries(["warm-up"])
    model = None
    if not args.no_model and not args.lexical_only:
        model = components.llm
        if not isinstance(model, Judge):
            raise SystemExit(f"{components.llm_name()} cannot judge claims (no yes_no): use --no-model")
    checker = GroundingChecker(embed=embed, model=model, thresholds=settings.thresholds,
                               judge_reads=args.judge_reads or settings.judge_reads)
    from rag.check.facts import vocabulary_of

    vocab = vocabulary_of([(ROOT / "corpus" / "article.txt").read_text(encoding="utf-8")])
    tp = fp = fn = tn = 0
    parts = {"original": Counter(), "added": Counter()}  # pairs without / with a `case`
    wrong = Counter()
    dump = []
    t = time.perf_counter()
    for p in pairs:
        v = checker.judge(p["claim"], p["passage"], vocab, question=p.get("question"))
        flagged, truly = not v.supported, not p["supported"]
        dump.append({"id": p["id"], "kind": p["kind"], "lang": p["lang"], "gold": p["supported"], "score": v.score,
                     "reason": v.reason, "code": v.code, "ok": v.supported, "case": p.get("case", "")})
        parts["added" if p.get("case") else "original"][("tp" if truly else "fp") if flagged else
                                                        ("fn" if truly else "tn")] += 1
        tp += flagged and truly
        fp += flagged and not truly
        fn += (not flagged) and truly
        tn += (not flagged) and not truly
        if flagged != truly:
            wrong[(p["kind"], p["lang"])] += 1
            if args.errors:
                print(f"{p['id']} {p['kind']:14} {p['lang']} gold={'sup' if p['supported'] else 'UNSUP'} "
                      f"score={v.score} {v.reason}\n   {p['claim']}")
    secs = time.perf_counter() - t
    if args.dump:
        Path(args.dump).write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in dump))
    print(json.dumps({"pairs": len(pairs), "split": args.split, "embedding": embed is not None,
                      "unsupported_precision": round(tp / (tp + fp), 3) if tp + fp else None,
                      "unsupported_recall": round(tp / (tp + fn), 3) if tp + fn else None,
                      "accuracy": round((tp + tn) / len(pairs), 3),
                      "ms_per_pair": round(1000 * secs / len(pairs), 1), "model_calls": checker.llm_calls,
                      **{f"{name}_pairs": _scores(c) for name, c in parts.items() if sum(c.values())},
                      "errors_by_kind": {f"{k}/{l}": n for (k, l), n in sorted(wrong.items())}}, indent=2))


def _scores(c: Counter) -> dict:
    n = sum(c.values())
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
    return {"pairs": n, "unsupported_precision": None if p is None else round(p, 3),
            "unsupported_recall": None if r is None else round(r, 3), "accuracy": round((c["tp"] + c["tn"]) / n, 3)}


if __name__ == "__main__":
    main()
