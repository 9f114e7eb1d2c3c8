"""An evaluation run end to end: a question set through the pipeline (and the baseline), scored, reported.

`rag eval` calls `evaluate`; progress shows on stderr."""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click

from ..check.facts import antecedent
from ..index.store import build_index, reusable_index
from ..pipeline import Pipeline
from ..types import Source, final_answer
from . import runner
from .report import write_report

__all__ = ["evaluate"]


def _bar(label: str):
    return click.progressbar(length=1, label=label, file=sys.stderr, show_pos=True, show_eta=True)


def index_contexts(c, sources: list[Source], index_dir: Path, progress=None) -> None:
    """A SQuAD file's contexts as a run's own index in `index_dir` (vectors already there are reused), which the
    components `c` use from then on: `evaluate`'s, and `bench/replay_check.py`'s for a run whose folder has none."""
    s, info = c.settings, c.embed_info()
    # With a Milvus store, the run's index gets a collection of its own beside the configured one.
    store = f"{s.store}_eval" if s.store else ""
    index, _ = build_index(sources, index_dir, c.embed, info, s.chunk_chars, s.chunk_overlap, progress,
                           reusable_index(index_dir, c.embed, info, store), store=store)
    c.use_index(index)


def evaluate(pipeline: Pipeline, dataset: Path, out_dir: Path, limit=None, sample_seed=None, retrieval_only=False,
             baseline=False, command: str = "", plots: bool = True) -> Path:
    c = pipeline.components
    prep = runner.prepare(dataset, limit, sample_seed)
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
            index_contexts(c, sources, out_dir / "index", progress)
    else:
        sources = [_source(n, t) for n, t in c.index.sources.items()]

    primed = []

    def ours(q):
        if not primed and not retrieval_only:
            # Warm, as `rag serve` is once ready: the first question's times are not a cold start, and (for a
            # small corpus) each passage was read ahead as the first of a prompt.
            # (Minutes on a host's first run, with nothing kept on disk yet: said, so the bar standing still at 0
            # is not taken for a hang.)
            n = len(c.index.passages)
            what = f" and the {n} passages" if n <= c.settings.passage_states else ""
            click.echo(f"\nreading the prompts' fixed part{what} ahead (kept on disk: minutes on this host's first "
                       "run, seconds after)…", err=True)
            t0 = time.monotonic()
            pipeline.prime()
            pipeline.warm_passages()
            click.echo(f"read ahead in {time.monotonic() - t0:.0f} s", err=True)
            primed.append(True)
        return final_answer(pipeline.stream(q.question, retrieval_only=retrieval_only)).to_dict()

    with _bar("questions") as bar:
        preds = runner.run(ours, prep.questions, out_dir, _updater(bar))
    # The ALCE scores ask the same (claim, passages) question several times (a lone citation is judged
    # alone and together): each is asked of the model once. Judged as the assistant judges a sentence of an answer:
    # with the corpus words and the question, whose own premises ("according to the minister") a sentence may repeat,
    # without asking each sentence to answer it alone.
    # And with the person a passage speaks of by a leading pronoun (`antecedent`), as the assistant reads it.
    by_text = {p.text: p for p in c.index.passages}

    def who(passage: str) -> str:  # (several cited passages are judged joined: the first one's)
        p = by_text.get(passage) or next((q for t, q in by_text.items() if passage.startswith(t + "\n")), None)
        return antecedent(p.text, c.index.preceding(p)) if p else ""

    judge = None if retrieval_only else functools.cache(
        lambda claim, passage, question=None: c.checker.judge(claim, passage, c.vocabulary, question,
                                                              whole_answer=False, who=who(passage)).supported)
    metrics = runner.score(prep.questions, preds, judge, retrieval_only, c.settings.top_k)
    base_metrics = None
    if baseline:
        from .baseline import Baseline

        # Built on first need: a resumed run with every baseline answer done does not embed the corpus again.
        build = functools.cache(lambda: Baseline(sources, c.embed, c.llm, c.settings.n_ctx))
        with _bar("baseline") as bar:
            bpreds = runner.run(lambda q: build().answer(q.question, retrieval_only), prep.questions,
                                  out_dir / "baseline", _updater(bar))
        base_metrics = runner.score(prep.questions, bpreds, judge, retrieval_only, c.settings.top_k)
    title = f"Evaluation of {Path(dataset).name}" + (" (retrieval only)" if retrieval_only else "")
    return write_report(out_dir, metrics, title, base_metrics, command, plots)


def _updater(bar):
    def progress(done, total):
        bar.length = total
        bar.update(done - bar.pos)
    return progress


def _source(name: str, text: str):
    import hashlib

    return Source(name, text, hashlib.sha256(text.encode()).hexdigest())
