"""The real default models on the article (select with -m integration; they are part of the full run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.components import Components
from rag.pipeline import Pipeline
from rag.config import Settings

pytestmark = pytest.mark.integration

REAL_HOME = Settings().home  # where `rag models install` put the models (RAG_HOME is redirected per test)


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    settings = Settings(home=REAL_HOME, index_dir=tmp_path_factory.mktemp("real") / "index", auto_install=False)
    a = Assistant(settings)
    t = time.perf_counter()
    index, stats = a.build([])
    a.build_seconds = time.perf_counter() - t
    return a


def test_the_article_indexes_quickly(real):
    assert len(real.index.passages) > 15
    assert real.index.manifest["dimension"] == 768
    assert real.build_seconds < 60  # target 30 s on an idle machine (bench/latency.py); CI may be loaded


def test_factual_question_is_answered_with_the_right_citation(real):
    ans = real.ask("Qui est le directeur général de l'Anssi ?")
    assert not ans.abstained, ans.draft
    assert "Strubel" in ans.answer
    assert ans.citations and any("Strubel" in c.text for c in ans.citations)
    c = next(c for c in ans.citations if "Strubel" in c.text)
    article = real.index.sources["article.txt"]
    assert article[c.start:c.end].replace("\u00a0", " ") == c.text
    assert c.span_text and "Strubel" in article[c.span_start:c.span_end]


def test_out_of_scope_question_is_abstained(real):
    ans = real.ask("Qui préside la région Occitanie ?")
    assert ans.abstained, ans.answer
    assert ans.citations == [] and ans.retrieved


def test_english_question_gets_an_english_answer(real):
    ans = real.ask("Who is the director general of ANSSI?")
    assert not ans.abstained and "Strubel" in ans.answer and ans.lang == "en"


def test_a_corrupted_fact_is_flagged(real):
    passage = next(p.text for p in real.index.passages if "Vincent Strubel, directeur" in p.text)
    judge = real.checker.judge
    assert judge("Vincent Strubel est le directeur général de l'Anssi.", passage).supported
    assert not judge("Guillaume Poupard est le directeur général de l'Anssi.", passage).supported
    assert not judge("Vincent Strubel n'est pas le directeur général de l'Anssi.", passage).supported


def test_cli_ask_json(real, tmp_path):
    env = {**os.environ, "RAG_HOME": str(REAL_HOME), "RAG_INDEX_DIR": str(real.settings.index_dir)}
    out = subprocess.run([sys.executable, "-m", "rag", "ask", "--json", "Quand la loi Résilience sera-t-elle présentée ?"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert {"question", "answer", "abstained", "citations", "retrieved", "timings"} <= set(d)
    assert not d["abstained"] and "2026" in d["answer"]
    assert len(d["retrieved"]) >= 10 and all({"source", "start", "end", "text", "score"} <= set(r) for r in d["retrieved"])
