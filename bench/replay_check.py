"""Replay a run's saved drafts through today's check: which verdicts a check change turns, without the model
writing anything again (it still judges the claims that reach the judge).

    python bench/replay_check.py eval/runs/article-v10 [--data eval/article.jsonl] [--out FILE] [--ids a001 a002]
    python bench/replay_check.py eval/runs/piaf-sample-v8 --data ../shared/bench/piaf/piaf-v1.0-dev.json \
        --index-dir eval/runs/piaf-sample-v8/index

A SQuAD-format set's index (its contexts, as `rag eval` builds it in the run folder, which git does not keep) is built
in `--index-dir` when it is not there yet: about two minutes for the PIAF dev set.

Each prediction's retrieved passages are found again in the current index (by source and offsets, so their
headings come back too), the saved draft is checked as `Pipeline.finish` does, and the outcome is compared with
the saved one. Prints one JSON line per changed question, then a summary: answerable questions whose answer holds
a gold answer, and unanswerable ones abstained, before and after. Drafts depend on the host's arithmetic (see the
README), so a replay isolates the check's share of a difference between two runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.components import Components  # noqa: E402
from rag.config import settings_from_env  # noqa: E402
from rag.eval.datasets import is_squad, load_dataset, load_squad  # noqa: E402
from rag.eval.metrics import answer_scores  # noqa: E402
from rag.eval.suite import index_contexts  # noqa: E402
from rag.pipeline import Pipeline, abstain  # noqa: E402
from rag.types import Answer, Hit  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", type=Path, help="a run folder holding predictions.jsonl")
    ap.add_argument("--data", type=Path, default=ROOT / "eval" / "article.jsonl")
    ap.add_argument("--out", type=Path, help="also write the replayed predictions here (JSONL)")
    ap.add_argument("--index-dir", type=Path, help="the run's index (a SQuAD-format set is indexed in its run folder)")
    ap.add_argument("--ids", nargs="+", help="replay only these questions")
    args = ap.parse_args()
    sources, loaded = load_squad(args.data) if is_squad(args.data) else (None, load_dataset(args.data))
    questions = {q.id: q.model_dump() for q in loaded}
    if sources is not None and args.index_dir is None:
        sys.exit("a SQuAD-format set is replayed against its run's index: give --index-dir (e.g. RUN/index)")
    overrides = {"index_dir": args.index_dir} if args.index_dir else {}
    components = Components(settings_from_env(**overrides))
    if sources is not None:  # (else the configured corpus would be indexed there)
        index_contexts(components, sources, args.index_dir)
    pipeline = Pipeline(components)
    by_place = {(p.source, p.start, p.end): p for p in pipeline.components.index.passages}
    top_k = pipeline.settings.top_k
    tally = {"answerable": 0, "right_before": 0, "right_after": 0, "answered_before": 0, "answered_after": 0,
             "unanswerable": 0, "abstained_before": 0, "abstained_after": 0, "changed": 0, "replayed": 0}
    out = args.out.open("w", encoding="utf-8") if args.out else None
    for line in (args.run / "predictions.jsonl").read_text(encoding="utf-8").splitlines():
        pred = json.loads(line)
        q = questions.get(pred["id"])
        if q is None or not pred.get("draft") or args.ids and pred["id"] not in args.ids:
            continue  # nothing the model wrote (nothing relevant retrieved, an error): nothing to check again
        try:
            hits = [Hit(by_place[(r["source"], r["start"], r["end"])], r["score"], r.get("dense"), r.get("bm25"))
                    for r in pred["retrieved"]]
        except KeyError:
            sys.exit(f"{pred['id']}: a retrieved passage is not in the current index: replay against the run's index")
        answer = Answer(question=pred["question"], answer="", abstained=False, lang=pred.get("lang", "fr"),
                        standalone_question=pred.get("standalone_question") or pred["question"], draft=pred["draft"])
        early = pipeline.early(pred["question"], hits)  # a question refused now before the model writes
        if early:
            abstain(answer, early)
        else:
            pipeline.finish(answer, hits[:top_k], hits)
        tally["replayed"] += 1
        if q["answerable"]:
            before = not pred["abstained"] and answer_scores(pred["answer"], q["answers"])["contains"] == 1.0
            after = not answer.abstained and answer_scores(answer.answer, q["answers"])["contains"] == 1.0
            tally["answerable"] += 1
            tally["right_before"] += before
            tally["right_after"] += after
            tally["answered_before"] += not pred["abstained"]  # right / answered: "answered contains"
            tally["answered_after"] += not answer.abstained
        else:
            tally["unanswerable"] += 1
            tally["abstained_before"] += pred["abstained"]
            tally["abstained_after"] += answer.abstained
        if answer.abstained != pred["abstained"] or (not answer.abstained and answer.answer != pred["answer"]):
            tally["changed"] += 1
            print(json.dumps({"id": pred["id"], "answerable": q["answerable"], "before": pred["answer"],
                              "after": answer.answer, "code": answer.abstain_code,
                              "reasons": [s.reason for s in answer.sentences]}, ensure_ascii=False), flush=True)
        if out:
            out.write(json.dumps({**pred, **{k: v for k, v in answer.to_dict().items()
                                             if k in ("answer", "abstained", "abstain_code", "abstain_reason",
                                                      "sentences", "citations")}}, ensure_ascii=False) + "\n")
    print(json.dumps({"summary": tally}))


if __name__ == "__main__":
    main()
