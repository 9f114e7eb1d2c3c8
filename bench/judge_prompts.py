"""Does the judge's wording matter? Raw YES-minus-NO margins on eval/grounding_pairs.jsonl under prompt variants.

    python bench/judge_prompts.py [--only VARIANT ...] [--out bench/results/judge-prompts.json]

Each pair's claim (a bare answer put after its question, as the check does) is put to the model with each variant
of the judge prompt, no rule of the check before it: the AUC of supported over unsupported pairs, per claim language,
and the accuracy at three margins. `en` is prompts/judge.en.txt as shipped; `fr` the same in French (the answer
words stay YES/NO, the tokens the margin reads); `en_paraphrase` tells the judge a claim may use other words.
Session 26 measured it (docs/measurements.md, "Session 26"): no variant ranks better, so the shipped prompt stays.
`en_question_first` and `en_no_question` read ~12 tokens fewer per call (the question before the passage, or none):
session 33 measured them (docs/measurements.md, Latency, "Session 33"); they rank as well but move the margins the
check's limits were set on, and refuse right article answers: not shipped. `--only` runs some variants; the output
keeps each pair's margin and the tokens a call read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rag.check.grounding import judged_claim
from rag.components import Components
from rag.config import settings_from_env
from rag.generate.prompts import load_template, one_block

sys.path.insert(0, str(Path(__file__).resolve().parent))
from claim_likelihood import auc  # noqa: E402  (a sibling bench script)

_FR = ("Tu vérifies des faits. On te donne un EXTRAIT (souvent en français) et une AFFIRMATION (en français ou en "
       "anglais). Réponds YES seulement si l'extrait dit tout ce que dit l'affirmation : les mêmes nombres, dates, "
       "noms, fonctions, qui a dit quoi, et le même sens (sans négation, sans rien d'ajouté). Sinon réponds NO.",
       "EXTRAIT : {passage}\n\nAFFIRMATION : {claim}\n\n"
       "L'extrait dit-il ce que dit l'affirmation ? Réponds YES ou NO.")
_PARAPHRASE = ("The claim may use other words than the passage (a synonym, a role for a name the passage gives it, "
               "a translation). ")


def variants() -> dict[str, tuple[str, str]]:
    en = load_template("judge", "en")
    system = en["system"]
    cut = system.index("Answer YES")
    shown, question = en["user"].rsplit("\n\n", 1)  # passage and claim; the question after them
    return {"en": (system, en["user"]), "fr": _FR,
            "en_paraphrase": (system[:cut] + _PARAPHRASE + system[cut:], en["user"]),
            # The question read before the passage (kept with its state), or only in the instructions: a judge call
            # then reads the claim and the chat template's few tokens, not the question's ~14 after the claim.
            "en_question_first": (system, question.replace("the claim?", "the claim below?") + "\n\n" + shown),
            "en_no_question": (system, shown)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", default="eval/grounding_pairs.jsonl")
    ap.add_argument("--out", default="bench/results/judge-prompts.json")
    ap.add_argument("--only", nargs="*", help="these variants only (default: all)")
    args = ap.parse_args()
    pairs = sorted((json.loads(x) for x in Path(args.pairs).read_text().splitlines() if x.strip()),
                   key=lambda p: p["passage"])  # the same passage in a row: its read state is kept
    labels = [p["supported"] for p in pairs]
    llm = Components(settings_from_env()).llm
    results = {}
    for name, (system, user) in variants().items():
        if args.only and name not in args.only:
            continue
        t0, margins, read = time.monotonic(), [], []
        for p in pairs:
            claim, _ = judged_claim(p["claim"], p.get("question"))
            shown = user.format(passage=one_block(p["passage"]), claim=claim)
            margins.append(llm.yes_no([{"role": "system", "content": system}, {"role": "user", "content": shown}]))
            perf = getattr(llm, "last_judge_perf", {})
            read.append(perf.get("prompt_tokens", 0) - perf.get("prompt_reused", 0))
        row = {"auc": round(auc(margins, labels), 3)}
        for lang in ("fr", "en"):
            row[f"auc_{lang}"] = round(auc(*zip(*((m, y) for m, y, p in zip(margins, labels, pairs)
                                                  if p["lang"] == lang))), 3)
        for limit in (-1.0, -0.4, 0.0):
            row[f"accuracy_at_{limit}"] = round(sum((m > limit) == y for m, y in zip(margins, labels)) / len(pairs), 3)
        row["seconds"] = round(time.monotonic() - t0, 1)
        row["tokens_read_p50"] = sorted(read)[len(read) // 2]
        row["margins"] = [round(m, 3) for m in margins]
        results[name] = row
        print(name, row, flush=True)
    Path(args.out).write_text(json.dumps({"pairs": len(pairs), "ids": [p["id"] for p in pairs], "variants": results},
                                         indent=2) + "\n")


if __name__ == "__main__":
    main()
