"""How long a start takes to read the index's passages ahead, the first time and the next, and whether answers change.

    python bench/warm_start.py [--questions 6] [--out bench/results/warm-start.json]

Two processes' worth of start, one after the other in this command, each as `rag serve` warms up (the model in its
supervised child, the fixed instructions read, then `Pipeline.warm_passages`: every article passage read ahead for
the answer and the judge, and the likeliest pairs as tails): `cold` with no states on disk (it reads them all and
keeps them, `RAG_STATE_CACHE_MB`), `warm` a new model process that finds them. Each then answers the first N
questions of eval/article.jsonl. Reported: the seconds to load (index, both models), to prime (the fixed
instructions; "ready" after it) and to read the passages ahead, in each, and the ratios warm/cold (the figures: they
depend less on the machine's speed than the seconds), the states kept on disk, and whether every answer, its
citations and verdicts are the same in both. A temporary RAG_HOME (its `models` a link to the real ones, the
recorded runtime mode copied) keeps the user's own states out of it. RAG_* settings are read as the CLI reads them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from rag.components import Components
from rag.config import settings_from_env
from rag.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent


def start(settings, questions: list[str]) -> dict:
    c = Components(settings)
    pipeline = Pipeline(c)
    t = time.perf_counter()
    c.warm_up()  # the index and both models loaded
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    pipeline.prime()  # the fixed instructions: `rag serve` says "ready" after this
    prime_s = time.perf_counter() - t
    t = time.perf_counter()
    warmed = pipeline.warm_passages()
    warm_s = time.perf_counter() - t
    answers = []
    for q in questions:
        t = time.perf_counter()
        a = pipeline.ask(q)
        answers.append({"question": q, "answer": a.answer, "abstained": a.abstained,
                        "seconds": round(time.perf_counter() - t, 2), "citations": [x.n for x in a.citations],
                        "verdicts": [x.supported for x in a.sentences]})
    safe = c.llm.safe  # (from this start's RAG_HOME, which is gone once the command ends)
    c.llm.close()
    return {"safe_mode": safe, "load_s": round(load_s, 2), "prime_s": round(prime_s, 2), "read_ahead_s": round(warm_s, 2), "passages": warmed,
            "pairs": pipeline.pairs_read, "answers": answers}


def scratch_home(tmp: Path, real) -> Path:
    """A RAG_HOME under `tmp` for a bench's starts: its `models` a link to the real ones, the recorded runtime mode
    copied, no states: the user's own states stay out of it."""
    home = tmp / "home"
    home.mkdir()
    os.symlink(real.models_dir, home / "models")
    if (real.home / "runtime.json").exists():
        shutil.copy(real.home / "runtime.json", home / "runtime.json")
    return home


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=6)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "warm-start.json")
    args = ap.parse_args()
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "article.jsonl").open()][: args.questions]
    real = settings_from_env()
    with tempfile.TemporaryDirectory() as tmp:
        home = scratch_home(Path(tmp), real)
        s = settings_from_env(home=home, index_dir=Path(tmp) / "index")
        c = Components(s)
        c.embed.load()
        c.build([])
        runs = {}
        for name in ("cold", "warm"):
            runs[name] = start(s, questions)
            print(name, {k: v for k, v in runs[name].items() if k != "answers"}, flush=True)
        files = list((home / "states").glob("*/*"))
        kept = {"files": len(files), "mb": round(sum(f.stat().st_size for f in files) / 2**20, 1)}
    same = [a == b for a, b in ((dict(x, seconds=0), dict(y, seconds=0))
                                for x, y in zip(runs["cold"]["answers"], runs["warm"]["answers"]))]
    result = {"command": "python bench/warm_start.py " + f"--questions {args.questions}",
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "safe_mode": runs["cold"]["safe_mode"],
              "states_on_disk": kept, "runs": runs,
              "prime_ratio": round(runs["warm"]["prime_s"] / max(runs["cold"]["prime_s"], 1e-9), 4),
              "read_ahead_ratio": round(runs["warm"]["read_ahead_s"] / max(runs["cold"]["read_ahead_s"], 1e-9), 4),
              "answers_same": same}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("states_on_disk", "prime_ratio", "read_ahead_ratio",
                                                "answers_same")}))


if __name__ == "__main__":
    main()
