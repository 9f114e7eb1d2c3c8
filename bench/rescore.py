"""Score stored runs again with today's metrics, without any model: what a shown answer is worth.

    python bench/rescore.py eval/runs/article-v34 eval/runs/round23-s46 [--data eval/article.jsonl]

Each run's questions are found in its dataset by id (the one named in its report's command, unless `--data` is
given), and the answer metrics of `rag eval` (contains, answered contains, false abstention, abstention recall,
evidence cited) are computed from predictions.jsonl as it stands. Citation figures need the judge and are left out.
Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.eval.datasets import is_squad, load_dataset, load_squad  # noqa: E402
from rag.eval.runner import PREDICTIONS, score  # noqa: E402

KEYS = ("questions", "contains", "answered_contains", "false_abstention_rate", "abstention_recall", "evidence_cited")


def dataset_of(run: Path) -> Path:
    """The set a run was made on, from the command its report names (paths relative to the project)."""
    command = json.loads((run / "metrics.json").read_text(encoding="utf-8")).get("command", "")
    m = re.search(r"rag eval (\S+)", command)
    if not m:
        sys.exit(f"{run}: no `rag eval` command in its metrics.json: give --data")
    # (Commands name it from where they ran: look for its file name where the sets live.)
    name = Path(m.group(1)).name
    for folder in (ROOT / "eval", ROOT.parent / "shared" / "bench" / "piaf"):
        if (folder / name).is_file():
            return folder / name
    sys.exit(f"{run}: its set {name} is not in eval/ nor ../shared/bench/piaf/: give --data")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", type=Path, nargs="+", help="run folders holding predictions.jsonl")
    ap.add_argument("--data", type=Path, help="the question set (default: the one in each run's command)")
    args = ap.parse_args()
    for run in args.runs:
        data = args.data or dataset_of(run)
        questions = {q.id: q for q in (load_squad(data)[1] if is_squad(data) else load_dataset(data))}
        preds = [json.loads(x) for x in (run / PREDICTIONS).read_text(encoding="utf-8").splitlines() if x.strip()]
        preds = [p for p in preds if p["id"] in questions]
        overall = score([questions[p["id"]] for p in preds], preds)["overall"]
        answered = sum(not p["abstained"] for p in preds if questions[p["id"]].answerable)
        print(json.dumps({"run": str(run), "answered": answered, **{k: overall.get(k) for k in KEYS}}))


if __name__ == "__main__":
    main()
