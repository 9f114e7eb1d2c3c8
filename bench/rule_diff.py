"""Where a word rule of the check reads stored data differently in two checkouts, with no model: the questions and
answers a change of the rule can touch, to replay (`bench/replay_check.py --ids`) before and after it.

    git worktree add /tmp/base HEAD~1
    python bench/rule_diff.py --base /tmp/base --rule speaker_conflict
    python bench/rule_diff.py --base /tmp/base --rule asked_about

`speaker_conflict`: every sentence of the stored answers and drafts (rounds, the article, the injection set, PIAF
seeds 10-29) against each of the first four passages retrieved for it, read within and across languages.
`asked_about`: every question of eval/*.jsonl and of the PIAF dev set. Prints each difference, then how many were read.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIAF = ROOT.parent / "shared" / "bench" / "piaf" / "piaf-v1.0-dev.json"


def facts_of(root: Path):
    """rag.check.facts as the checkout at `root` has it (each import after dropping the other's modules)."""
    for name in [k for k in sys.modules if k == "rag" or k.startswith("rag.")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module("rag.check.facts")
    finally:
        sys.path.pop(0)


def runs() -> list[Path]:
    out = sorted((ROOT / "eval" / "runs").glob("round*-s*")) + [ROOT / "eval" / "runs" / "article-v34",
                                                                 ROOT / "eval" / "runs" / "injection-v5"]
    return [r for r in out + sorted((ROOT / "eval" / "runs").glob("piaf-sample-s[12][0-9]"))
            if (r / "predictions.jsonl").is_file()]


def speaker_pairs():
    for run in runs():
        for line in (run / "predictions.jsonl").read_text(encoding="utf-8").splitlines():
            p = json.loads(line)
            texts = {s["text"] for s in p.get("sentences") or []}
            texts |= {x for x in re.split(r"(?<=[.!?])\s+", p.get("draft") or "") if x}
            for text in sorted(texts):
                claim = re.sub(r"\s*\[\d+\]", "", text)
                for hit in p["retrieved"][:4]:
                    for cross in (False, True):
                        yield f"{run.name} {p['id']} cross={cross}", (claim, hit["text"], cross)


def questions():
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        if path.name != "grounding_pairs.jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                yield f"{path.name} {row['id']}", (row["question"],)
    if PIAF.is_file():
        for doc in json.loads(PIAF.read_text(encoding="utf-8"))["data"]:
            for para in doc["paragraphs"]:
                for qa in para["qas"]:
                    yield f"piaf {qa['id']}", (qa["question"],)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, required=True, help="the other checkout (a git worktree)")
    ap.add_argument("--rule", choices=("speaker_conflict", "asked_about"), required=True)
    args = ap.parse_args()
    before, after = getattr(facts_of(args.base), args.rule), getattr(facts_of(ROOT), args.rule)
    read = differ = 0
    for where, call in (speaker_pairs() if args.rule == "speaker_conflict" else questions()):
        read += 1
        a, b = before(*call), after(*call)
        if a != b:
            differ += 1
            print(where, "|", str(call[0])[:120], "|", a, "->", b)
    print(f"{read} read, {differ} read differently")


if __name__ == "__main__":
    main()
