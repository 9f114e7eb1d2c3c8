"""`rag eval`: wires the runner to an Assistant (and the baseline), with a progress bar."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from . import evaluate
from .index import build_index, reusable_index

__all__ = ["run_eval"]


def _bar(label: str):
    return click.progressbar(length=1, label=label, file=sys.stderr, show_pos=True, show_eta=True)


def run_eval(assistant, dataset: Path, out_dir: Path, limit=None, sample_seed=None, retrieval_only=False,
             baseline=False, command: str = "") -> Path:
    prep = evaluate.prepare(dataset, limit, sample_seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = prep.squad_sources
    if sources is not None:
        # A SQuAD file's contexts become an index of the run's own; kept in the run folder so a resumed
        # run does not embed them again.
        with _bar("indexing contexts") as bar:
            def progress(done, total):
                bar.length = max(total, 1)
                bar.update(done - bar.pos)
            s, info = assistant.settings, assistant.embed_info()
            index, _ = build_index(sources, out_dir / "index", assistant.embed, info, s.chunk_chars, s.chunk_overlap,
                                   progress, reusable_index(out_dir / "index", assistant.embed, info))
        assistant._index = index
    else:
        sources = [_source(n, t) for n, t in assistant.index.sources.items()]

    def ours(q):
        ans = None
        for ev in assistant.stream(q.question, retrieval_only=retrieval_only):
            if ev["type"] == "answer":
                ans = ev["answer"]
        return ans.to_dict()

    with _bar("questions") as bar:
        preds = evaluate.run(ours, prep.questions, out_dir, _updater(bar))
    # The ALCE scores ask the same (claim, passages) question several times (a lone citation is judged
    # alone and together): each is asked of the model once.
    judge = None if retrieval_only else functools.cache(
        lambda claim, passage: assistant.checker.judge(claim, passage).supported)
    metrics = evaluate.score(prep.questions, preds, judge, retrieval_only)
    base_metrics = None
    if baseline:
        from .baseline import Baseline

        # Built on first need: a resumed run with every baseline answer done does not embed the corpus again.
        build = functools.cache(lambda: Baseline(sources, assistant.embed, assistant.llm, assistant.settings.n_ctx))
        with _bar("baseline") as bar:
            bpreds = evaluate.run(lambda q: build().answer(q.question, retrieval_only), prep.questions,
                                  out_dir / "baseline", _updater(bar))
        base_metrics = evaluate.score(prep.questions, bpreds, judge, retrieval_only)
    title = f"Evaluation of {Path(dataset).name}" + (" (retrieval only)" if retrieval_only else "")
    return evaluate.write_report(out_dir, metrics, title, base_metrics, command)


def _updater(bar):
    def progress(done, total):
        bar.length = total
        bar.update(done - bar.pos)
    return progress


def _source(name: str, text: str):
    import hashlib

    from .text import Source

    return Source(name, text, hashlib.sha256(text.encode()).hexdigest())
