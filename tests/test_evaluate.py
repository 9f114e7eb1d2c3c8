import json
import re

import pytest

from rag.components import Components
from rag.errors import InputError
from rag.eval.datasets import load_dataset
from rag.eval.metrics import answer_scores, covers, retrieval_scores, token_f1

from rag.eval.suite import evaluate
from rag.pipeline import Pipeline

from conftest import ARTICLE


def run_eval(*args, plots=False, **kw):
    """`rag eval` without the PNG plots (the report test asks for them)."""
    return evaluate(*args, plots=plots, **kw)


def _reply(messages):
    """Cites the passage naming Strubel when asked about the Anssi; abstains otherwise."""
    user = messages[-1]["content"]
    m = re.search(r"\[(\d+)\] [^\[]*Strubel", user)
    if m and "Anssi" in user.rsplit("Question", 1)[-1]:
        return f"Vincent Strubel dirige l'Anssi [{m.group(1)}]."
    return "Je ne trouve pas la réponse dans les sources."


@pytest.fixture
def pipeline(settings, fake_embed, scripted):
    """The default check (the scripted model as judge), on the article."""
    c = Components(settings, embed=fake_embed, llm=scripted(_reply))
    c.build([ARTICLE])
    return Pipeline(c)


@pytest.fixture
def dataset(tmp_path):
    rows = [
        {"id": "q1", "question": "Qui dirige l'Anssi ?", "answers": ["Vincent Strubel"],
         "evidence": ["Vincent Strubel, directeur général de l'Anssi"], "answerable": True, "lang": "fr",
         "category": "factual", "my_note": "kept"},
        {"id": "q2", "question": "Qui préside la région Occitanie ?", "answers": [], "evidence": [],
         "answerable": False, "lang": "fr", "category": "unanswerable"},
    ]
    p = tmp_path / "set.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return p


def test_run_writes_predictions_metrics_report_and_resumes(pipeline, dataset, tmp_path, capsys):
    out = tmp_path / "run"
    report = run_eval(pipeline, dataset, out, plots=True)
    # The read-ahead before the first question is said (minutes on a host's first run: no silent bar at 0).
    err = capsys.readouterr().err
    assert "passages ahead" in err and "read ahead in" in err, err
    preds = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert [p["id"] for p in preds] == ["q1", "q2"]
    assert all(len(p["retrieved"]) >= 10 for p in preds)
    assert preds[1]["abstained"] is True
    m = json.loads((out / "metrics.json").read_text())["ours"]["overall"]
    assert m["abstention_recall"] == 1.0 and m["hit@10"] == 1.0
    assert (out / "scores_by_category.png").stat().st_size > 1000 and (out / "latency.png").exists()
    assert "## Definitions" in report.read_text() and "![latency](latency.png)" in report.read_text()
    calls = pipeline.components.llm.calls
    # The fixed prompts were read before the first question (French, English), as `rag serve` does.
    assert "Question : …" in calls[0][-1]["content"], calls[0]
    calls = len(calls)
    run_eval(pipeline, dataset, out)  # resumes: nothing to recompute (not even the warm-up)
    assert len(pipeline.components.llm.calls) == calls and "read ahead" not in capsys.readouterr().err


def test_an_interrupted_line_is_recomputed(pipeline, dataset, tmp_path):
    out = tmp_path / "run"
    run_eval(pipeline, dataset, out, retrieval_only=True)
    lines = (out / "predictions.jsonl").read_text().splitlines()
    (out / "predictions.jsonl").write_text(lines[0] + "\n" + lines[1][:20])
    run_eval(pipeline, dataset, out, retrieval_only=True)
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 2


def test_retrieval_only_fills_retrieved_without_the_model(pipeline, dataset, tmp_path):
    run_eval(pipeline, dataset, tmp_path / "r", retrieval_only=True)
    preds = [json.loads(x) for x in (tmp_path / "r" / "predictions.jsonl").read_text().splitlines()]
    assert pipeline.components.llm.calls == [] and all(len(p["retrieved"]) >= 10 for p in preds)


def test_squad_file_becomes_a_temporary_index(pipeline, tmp_path):
    squad = {"version": "1", "data": [{"title": "Villes", "paragraphs": [
        {"context": "Lyon est une ville de France. Elle compte 500 000 habitants.",
         "qas": [{"id": "s1", "question": "Combien d'habitants compte Lyon ?",
                  "answers": [{"text": "500 000", "answer_start": 42}]}]},
        {"context": "Paris est la capitale. La tour Eiffel y fut construite en 1889.",
         "qas": [{"id": "s2", "question": "Quand la tour Eiffel fut-elle construite ?",
                  "answers": [{"text": "1889", "answer_start": 57}]}]}]}]}
    p = tmp_path / "squad.json"
    p.write_text(json.dumps(squad))
    run_eval(pipeline, p, tmp_path / "s", retrieval_only=True)
    m = json.loads((tmp_path / "s" / "metrics.json").read_text())["ours"]["overall"]
    assert m["questions"] == 2 and m["hit@10"] == 1.0 and m["context_hit@10"] == 1.0
    assert (tmp_path / "s" / "index" / "manifest.json").exists()


def test_context_hits_count_distinct_sources():
    from rag.eval.metrics import source_scores

    assert source_scores(["a", "a", "b", "c"], "b", ks=(1, 2)) == {"context_hit@1": 0.0, "context_hit@2": 1.0}
    assert source_scores(["a"], "z", ks=(1,)) == {"context_hit@1": 0.0}


def test_unknown_fields_are_kept_and_bad_lines_named(dataset, tmp_path):
    qs = load_dataset(dataset)
    assert qs[0].model_extra["my_note"] == "kept"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": ""}\n')
    with pytest.raises(InputError, match="bad.jsonl:1"):
        load_dataset(bad)


def test_metrics():
    assert covers("… a rappelé Vincent Strubel, directeur général de l'Anssi. Une IA…", "Vincent Strubel, directeur général de l’Anssi")
    assert not covers("La ministre a parlé.", "Vincent Strubel, directeur général de l'Anssi")
    r = retrieval_scores(["rien", "Vincent Strubel, directeur général de l'Anssi"], ["Vincent Strubel, directeur général"])
    assert r["hit@1"] == 0 and r["hit@3"] == 1 and r["rr"] == 0.5
    assert answer_scores("Le maire de 3 000 habitants [2].", ["3.000"])["contains"] == 1
    assert answer_scores("Je ne sais pas.", ["Strubel"])["contains"] == 0
    assert token_f1("Vincent Strubel", "Strubel") == pytest.approx(2 / 3)


def test_answered_contains_counts_only_shown_answers():
    """A shown answer without a gold one counts against "answered contains"; an abstention does not (it counts in
    false abstention), nor does an unanswerable question."""
    from rag.eval.datasets import Question
    from rag.eval.runner import score

    qs = [Question(id=f"q{i}", question="Qui ?", answers=["Strubel"], evidence=[]) for i in range(3)]
    qs.append(Question(id="u", question="Qui ?", answerable=False))
    preds = [{"answer": a, "abstained": ab, "retrieved": [], "citations": []}
             for a, ab in (("Vincent Strubel [1].", False), ("Anne Le Hénanff [1].", False), ("", True), ("", True))]
    m = score(qs, preds)["overall"]
    assert m["answered_contains"] == 0.5 and m["contains"] == pytest.approx(1 / 3, abs=1e-3)
    assert m["false_abstention_rate"] == pytest.approx(1 / 3, abs=1e-3)


@pytest.mark.slow  # the stock llama-index engine: NLTK, scikit-learn and pandas load (~3 s)
def test_baseline_runs_side_by_side(pipeline, dataset, tmp_path):
    out = tmp_path / "run"
    report = run_eval(pipeline, dataset, out, baseline=True)
    base = [json.loads(x) for x in (out / "baseline" / "predictions.jsonl").read_text().splitlines()]
    assert [p["id"] for p in base] == ["q1", "q2"]
    assert all(p["retrieved"] and p["timings"]["total"] > 0 for p in base)
    m = json.loads((out / "metrics.json").read_text())
    assert m["baseline"]["overall"]["questions"] == 2 and m["baseline"]["overall"]["hit@10"] == 1.0
    assert "llama-index baseline" in report.read_text()


@pytest.mark.slow  # the stock llama-index engine: NLTK, scikit-learn and pandas load (~3 s)
def test_baseline_retrieval_only_never_calls_the_model(pipeline, dataset, tmp_path):
    out = tmp_path / "run"
    run_eval(pipeline, dataset, out, retrieval_only=True, baseline=True)
    assert pipeline.components.llm.calls == []
    base = [json.loads(x) for x in (out / "baseline" / "predictions.jsonl").read_text().splitlines()]
    assert all(len(p["retrieved"]) >= 2 and p["answer"] == "" and not p["abstained"] for p in base)
    m = json.loads((out / "metrics.json").read_text())["baseline"]["overall"]
    assert m["hit@10"] == 1.0 and "contains" not in m


def test_scoring_asks_the_judge_each_question_once(pipeline, dataset, tmp_path, monkeypatch):
    asked = []
    judge = pipeline.components.checker.judge

    def counting(claim, passage, *args, **kw):
        # The scorer's calls (the pipeline's name the question); `who`: whom the passage's leading pronoun stands for.
        if len(args) == 2 and kw.get("whole_answer") is False and set(kw) == {"whole_answer", "who"}:
            asked.append((claim, passage))
            assert args[1], "the scorer judges a sentence with its question, as the assistant does"
        return judge(claim, passage, *args, **kw)

    monkeypatch.setattr(pipeline.components.checker, "judge", counting)
    run_eval(pipeline, dataset, tmp_path / "run")
    # q1's one sentence cites one passage: judged together and alone, the same question, asked once.
    assert len(asked) == 1


@pytest.mark.slow  # the stock llama-index engine: NLTK, scikit-learn and pandas load (~3 s)
def test_a_resumed_baseline_run_does_not_rebuild_the_baseline(pipeline, dataset, tmp_path, monkeypatch):
    import rag.eval.baseline

    built = []

    class Counted(rag.eval.baseline.Baseline):
        def __init__(self, *a, **kw):
            built.append(1)
            super().__init__(*a, **kw)

    monkeypatch.setattr(rag.eval.baseline, "Baseline", Counted)
    run_eval(pipeline, dataset, tmp_path / "run", baseline=True)
    run_eval(pipeline, dataset, tmp_path / "run", baseline=True)
    assert len(built) == 1


def test_squad_v2_unanswerable_and_english_questions(tmp_path):
    from rag.eval.datasets import load_squad

    squad = {"version": "v2.0", "data": [{"title": "Cities", "paragraphs": [{
        "context": "Lyon lies on the Rhône. Its mayor is elected.",
        "qas": [{"id": "a", "question": "Which river flows through Lyon?",
                 "answers": [{"text": "Rhône", "answer_start": 17}]},
                {"id": "b", "question": "Who founded Lyon?", "answers": [], "is_impossible": True,
                 "plausible_answers": [{"text": "Lyon", "answer_start": 0}]}]}]}]}
    p = tmp_path / "v2.json"
    p.write_text(json.dumps(squad))
    sources, qs = load_squad(p)
    assert sources[0].text.startswith("Cities\nLyon")
    assert (qs[0].answerable, qs[0].evidence, qs[0].lang) == (True, ["Lyon lies on the Rhône."], "en")
    assert (qs[1].answerable, qs[1].answers, qs[1].evidence) == (False, [], [])


@pytest.mark.parametrize("data", [
    {"data": [{"paragraphs": [{"qas": []}]}]},                                     # no context
    {"data": [{"paragraphs": [{"context": "x", "qas": [{"question": "q?"}]}]}]},   # no id
    {"data": [{"paragraphs": [{"context": "x", "qas": [{"id": 1, "question": ""}]}]}]},
    {"data": [{"paragraphs": [{"context": "x", "qas": [{"id": 1, "question": "a?"},
                                                       {"id": 1, "question": "b?"}]}]}]},
    {"data": []},
    {"data": "nope"},
])
def test_malformed_squad_files_are_refused_clearly(tmp_path, data):
    from rag.eval.datasets import load_squad

    p = tmp_path / "bad.json"
    p.write_text(json.dumps(data))
    with pytest.raises(InputError, match="not a readable SQuAD-format file"):
        load_squad(p)


def test_baseline_citations_by_source_name_are_read_as_numbers():
    from rag.eval.baseline import cite_by_number

    assert cite_by_number("A [068-01]. B [2]. C [x].", ["068-01", "070-00"]) == "A [1]. B [2]. C [x]."
    assert cite_by_number("A [article].", ["article", "article"]) == "A [1][2]."
