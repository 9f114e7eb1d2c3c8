"""Does the judge's wording matter? Raw YES-minus-NO margins on eval/grounding_pairs.jsonl under prompt variants.

    python bench/judge_prompts.py [--out bench/results/judge-prompts.json]

Each pair's claim (a bare answer put after its question, as the check does) is put to the model with each variant
of the judge prompt, no rule of the check before it: the AUC of supported over unsupported pairs, per claim language,
and the accuracy at three margins. `en` is prompts/judge.en.txt as shipped; `fr` the same in French (the answer
words stay YES/NO, the tokens the margin reads); `en_paraphrase` tells the judge a claim may use other words.
Session 26 measured it (README, "Session 26"): no variant ranks better, so the shipped prompt stays.
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
    return {"en": (system, en["user"]), "fr": _FR,
            "en_paraphrase": (system[:cut] + _PARAPHRASE + system[cut:], en["user"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", default="eval/grounding_pairs.jsonl")
    ap.add_argument("--out", default="bench/results/judge-prompts.json")
    args = ap.parse_args()
    pairs = sorted((json.loads(x) for x in Path(args.pairs).read_text().splitlines() if x.strip()),
                   key=lambda p: p["passage"])  # the same passage in a row: its read state is kept
    labels = [p["supported"] for p in pairs]
    llm = Components(settings_from_env()).llm
    results = {}
    for name, (system, user) in variants().items():
        t0, margins = time.monotonic(), []
        for p in pairs:
            claim, _ = judged_claim(p["claim"], p.get("question"))
            shown = user.format(passage=one_block(p["passage"]), claim=claim)
            margins.append(llm.yes_no([{"role": "system", "content": system}, {"role": "user", "content": shown}]))
        row = {"auc": round(auc(margins, labels), 3)}
        for lang in ("fr", "en"):
            row[f"auc_{lang}"] = round(auc(*zip(*((m, y) for m, y, p in zip(margins, labels, pairs)
                                                  if p["lang"] == lang))), 3)
        for limit in (-1.0, -0.4, 0.0):
            row[f"accuracy_at_{limit}"] = round(sum((m > limit) == y for m, y in zip(margins, labels)) / len(pairs), 3)
        row["seconds"] = round(time.monotonic() - t0, 1)
        results[name] = row
        print(name, row, flush=True)
    Path(args.out).write_text(json.dumps({"pairs": len(pairs), "variants": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
