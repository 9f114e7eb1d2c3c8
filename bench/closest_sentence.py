"""Does a shown answer rest on the sentence of its prompt that is closest to the question? A measurement over stored
runs of what `Pipeline.rests_elsewhere` reads (the embedding model only; the language model is not loaded).

    python bench/closest_sentence.py eval/runs/round*-s* eval/runs/article-v34 [--gaps 0.1 0.15 0.2]

For every answered question (quoted answers left out), the first shown sentence is traced to the sentence of the
three prompt passages sharing most of its words, and compared with the sentence closest to the question, as
`rag.index.sentences.closest_gap` does (every sentence embedded with the model's STS prompt, the question with its
query prompt). The check refuses an answer of more than four words whose gap is above `Thresholds.closest_gap`
(0.2), asked in the passages' language. Answers are grouped as right (they hold a gold answer), wrong (answerable,
they hold none) and unanswerable (answered when they should not be), and counted above each gap; "checked" leaves
out answers of four words or fewer and questions in another language than the passages, as the check does. Prints one
JSON line per answer with `--each`, then the counts.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.rescore import dataset_of  # noqa: E402
from rag.components import Components  # noqa: E402
from rag.config import settings_from_env  # noqa: E402
from rag.eval.datasets import is_squad, load_dataset, load_squad  # noqa: E402
from rag.eval.metrics import answer_scores  # noqa: E402
from rag.generate.draft import strip_citations  # noqa: E402
from rag.index.sentences import closest_gap, passage_sentences  # noqa: E402
from rag.ingest.language import detect_language  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--gaps", type=float, nargs="+", default=[0.05, 0.1, 0.15, 0.2])
    ap.add_argument("--each", action="store_true", help="print every answer's gap")
    args = ap.parse_args()
    items = []
    for run in args.runs:
        data = dataset_of(run)
        questions = {q.id: q for q in (load_squad(data)[1] if is_squad(data) else load_dataset(data))}
        for line in (run / "predictions.jsonl").read_text(encoding="utf-8").splitlines():
            p = json.loads(line)
            q = questions.get(p["id"])
            kept = [x for x in p.get("sentences") or [] if x["supported"]]
            passages = [passage_sentences(r["text"]) for r in p["retrieved"][:3]]
            if q is None or p["abstained"] or p.get("quoted") or not kept or len({*sum(passages, [])}) < 2:
                continue
            kind = ("right" if q.answerable and answer_scores(p["answer"], q.answers)["contains"] == 1.0
                    else "wrong" if q.answerable else "unanswerable")
            items.append((run.name, p["id"], kind, p.get("standalone_question") or p["question"], kept[0]["text"],
                          passages, detect_language(p["question"])))
    embed = Components(settings_from_env()).embed
    texts = sorted({s for it in items for ps in it[5] for s in ps})
    vec = dict(zip(texts, np.array(embed.embed_for_similarity(texts))))
    asked = sorted({it[3] for it in items})
    qvec = dict(zip(asked, np.array(embed.embed_queries(asked))))
    counts = {"all": collections.Counter(), "checked": collections.Counter()}
    for run, qid, kind, question, claim, passages, lang in items:
        pool = sum(passages, [])
        gap, closest = closest_gap(claim, passages, np.array([float(qvec[question] @ vec[s]) for s in pool]), question)
        checked = len(strip_citations(claim).split()) > 4 and detect_language(" ".join(pool)) == lang
        for part in ("all", "checked") if checked else ("all",):
            counts[part][kind, "answered"] += 1
            for g in args.gaps:
                counts[part][kind, g] += gap > g
        if args.each:
            print(json.dumps({"run": run, "id": qid, "kind": kind, "gap": round(gap, 4), "claim": claim[:120],
                              "checked": checked, "closest": closest[:120]}, ensure_ascii=False))
    for part, c in counts.items():
        print(json.dumps({"answers": part, **{kind: {"answered": c[kind, "answered"],
                                                     **{f"gap>{g}": c[kind, g] for g in args.gaps}}
                                              for kind in ("right", "wrong", "unanswerable")}}))


if __name__ == "__main__":
    main()
