"""Sanity checks for the evaluation data in eval/ (stdlib only, no project imports)."""
import json
import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "article.txt"
QUESTIONS = ROOT / "eval" / "article.jsonl"
PAIRS = ROOT / "eval" / "grounding_pairs.jsonl"

CATEGORIES = {
    "factual", "paraphrase", "multi_passage", "numbers_dates",
    "english", "unanswerable", "false_premise", "injection",
}
SUPPORTED_KINDS = {"entailed", "paraphrase"}
UNSUPPORTED_KINDS = {
    "number", "name", "misattribution", "negation",
    "entity_role", "unrelated", "fabricated",
}

Q_FIELDS = {
    "id": str, "question": str, "answers": list, "evidence": list,
    "answerable": bool, "lang": str, "category": str,
}
P_FIELDS = {
    "id": str, "claim": str, "passage": str, "supported": bool,
    "lang": str, "kind": str,
}


def norm(text):
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def load(path):
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:  # pragma: no cover
                raise AssertionError(f"{path.name}:{n} is not valid JSON: {e}")
    return rows


ART_NORM = norm(ARTICLE.read_text(encoding="utf-8"))
QROWS = load(QUESTIONS)
PROWS = load(PAIRS)


def _check_schema(rows, fields, name):
    ids = [r.get("id") for r in rows]
    assert len(ids) == len(set(ids)), f"duplicate ids in {name}"
    for r in rows:
        assert set(r) >= set(fields), f"{name} {r.get('id')}: missing {set(fields) - set(r)}"
        for key, typ in fields.items():
            assert isinstance(r[key], typ), f"{name} {r['id']}: {key} should be {typ.__name__}"
        assert r["lang"] in ("fr", "en"), f"{name} {r['id']}: bad lang"


def test_questions_schema():
    _check_schema(QROWS, Q_FIELDS, "article.jsonl")
    for r in QROWS:
        assert r["question"].strip()
        assert r["category"] in CATEGORIES, r["id"]
        assert all(isinstance(a, str) and a.strip() for a in r["answers"]), r["id"]
        assert all(isinstance(e, str) and e.strip() for e in r["evidence"]), r["id"]


def test_pairs_schema():
    _check_schema(PROWS, P_FIELDS, "grounding_pairs.jsonl")
    for r in PROWS:
        assert r["claim"].strip()
        allowed = SUPPORTED_KINDS if r["supported"] else UNSUPPORTED_KINDS
        assert r["kind"] in allowed, f"{r['id']}: kind {r['kind']} vs supported={r['supported']}"


def test_evidence_in_article():
    missing = [(r["id"], e) for r in QROWS for e in r["evidence"] if norm(e) not in ART_NORM]
    assert not missing, f"evidence not found in article: {missing[:5]}"


def test_passages_in_article():
    missing = [r["id"] for r in PROWS if norm(r["passage"]) not in ART_NORM]
    assert not missing, f"passages not found in article: {missing[:10]}"


def test_passage_lengths():
    bad = [r["id"] for r in PROWS if not 300 <= len(r["passage"]) <= 700]
    assert not bad, f"passages outside 300-700 chars: {bad[:10]}"


def test_question_counts():
    assert len(QROWS) >= 80
    unanswerable = sum(1 for r in QROWS if not r["answerable"])
    assert unanswerable / len(QROWS) >= 0.20
    present = {r["category"] for r in QROWS}
    assert present == CATEGORIES, f"missing categories: {CATEGORIES - present}"
    hard = sum(1 for r in QROWS if r["category"] in ("unanswerable", "false_premise"))
    assert hard / len(QROWS) >= 0.22


def test_pair_counts():
    assert len(PROWS) >= 150
    unsupported = sum(1 for r in PROWS if not r["supported"])
    assert 0.40 <= unsupported / len(PROWS) <= 0.60
    assert {r["lang"] for r in PROWS} == {"fr", "en"}


def test_answerable_consistency():
    for r in QROWS:
        if r["answerable"]:
            assert r["answers"] and r["evidence"], f"{r['id']}: answerable without answers/evidence"
        else:
            assert r["answers"] == [] and r["evidence"] == [], f"{r['id']}: unanswerable with answers/evidence"
        if r["category"] in ("unanswerable", "false_premise"):
            assert not r["answerable"], r["id"]
        if r["category"] == "english":
            assert r["lang"] == "en", r["id"]


def test_new_user_rounds():
    """The rounds of a new user's questions (eval/round7.jsonl … round30.jsonl) follow article.jsonl's rules, and use
    ids of their own, so a question is never counted in two sets."""
    seen = {r["id"] for r in QROWS}
    for name in (f"round{n}.jsonl" for n in range(7, 35)):
        rows = load(ROOT / "eval" / name)
        _check_schema(rows, Q_FIELDS, name)
        assert len(rows) >= 30 and not seen & {r["id"] for r in rows}, name
        seen |= {r["id"] for r in rows}
        for r in rows:
            assert r["category"] in CATEGORIES, r["id"]
            assert bool(r["answers"]) == bool(r["evidence"]) == r["answerable"], r["id"]
            assert all(norm(e) in ART_NORM for e in r["evidence"]), r["id"]
