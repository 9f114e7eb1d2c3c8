"""The real default models on the article (select with -m integration; they are part of the full run).

Settings come from the real RAG_* variables, as the CLI reads them (`conftest.real_settings`): the models are
the ones `rag models install` put under $RAG_HOME (default: the platform's cache folder). Only the index is
moved to a temporary folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.check.facts import claim_facts
from rag.check.grounding import judge_messages
from rag.components import Components
from rag.generate.prompts import load_template, render
from rag.index.search import retrieve
from rag.pipeline import Pipeline
from rag.types import Hit

from conftest import real_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    # A generous model timeout: these tests are about what is answered; a shared machine may be slow.
    settings = real_settings(index_dir=tmp_path_factory.mktemp("real") / "index", model_timeout=600.0)
    p = Pipeline(Components(settings))
    p.components.embed.load()  # outside the timed build: loading the weights is not indexing
    t = time.perf_counter()
    p.components.build([])
    p.build_seconds = time.perf_counter() - t
    yield p
    if p.components.state()["llm"] and hasattr(p.components.llm, "close"):
        p.components.llm.close()  # the model's child process: its memory back before the next module


def test_the_models_are_the_installed_ones(real):
    """The models come from $RAG_HOME/models, as `rag models install` and `rag models list` see them."""
    from rag.provision import DEFAULT_MODELS, status

    s = real.settings
    c = real.components
    assert s.home == real_settings().home
    if s.embed_model in DEFAULT_MODELS:
        assert Path(c.embed.model_path) == status(DEFAULT_MODELS[s.embed_model], s.models_dir).path
    if not s.llm_url and s.llm_model in DEFAULT_MODELS:
        assert c.llm.path == status(DEFAULT_MODELS[s.llm_model], s.models_dir).path
    listed = subprocess.run([sys.executable, "-m", "rag", "models", "list", "--json"], capture_output=True,
                            text=True, env=os.environ, timeout=600)
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    for name in (s.embed_model, s.llm_model):
        if name in rows:
            assert rows[name]["present"] and Path(rows[name]["path"]).parent == s.models_dir


def test_the_article_indexes_quickly(real):
    index = real.components.index
    assert len(index.passages) > 15
    assert index.manifest["dimension"] == 768
    assert real.build_seconds < 60  # target 30 s on an idle machine (bench/latency.py); CI may be loaded


def test_factual_question_is_answered_with_the_right_citation(real):
    ans = real.ask("Qui est le directeur général de l'Anssi ?")
    assert not ans.abstained, ans.draft
    assert "Strubel" in ans.answer
    assert ans.citations and any("Strubel" in c.text for c in ans.citations)
    c = next(c for c in ans.citations if "Strubel" in c.text)
    article = real.components.index.sources["article.txt"]
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
    passage = next(p.text for p in real.components.index.passages if "Vincent Strubel, directeur" in p.text)
    judge = real.components.checker.judge
    assert judge("Vincent Strubel est le directeur général de l'Anssi.", passage).supported
    assert not judge("Guillaume Poupard est le directeur général de l'Anssi.", passage).supported
    assert not judge("Vincent Strubel n'est pas le directeur général de l'Anssi.", passage).supported


def test_the_answer_prompts_instructions_are_read_once_whatever_the_judge_did(real):
    """The fixed instructions of the answer prompt are read once (`prime`), then reused by every question, even
    after many judge calls in between (they used to push the saved state out: one question in five read them
    again)."""
    llm, judge = real.components.llm, real.components.checker.model
    real.prime()
    passages = real.components.index.passages[:3]
    tpl = load_template("judge", "en")
    for p in passages:  # more judge calls than the states kept
        judge.yes_no([{"role": "system", "content": tpl["system"]},
                      {"role": "user", "content": render(tpl["user"], passage=p.text, claim="A minister spoke.")}])
    messages = real.messages("Qui est le directeur général de l'Anssi ?", [Hit(passages[0], 1.0, None, None)], "fr")
    "".join(llm.stream(messages, max_tokens=1))
    assert llm.last_perf["prompt_reused"] >= 200, llm.last_perf  # the French instructions: about 260 tokens


def test_a_passage_read_ahead_is_not_read_again(real):
    """A question whose best passage was read ahead (`warm_passages`, as `rag serve` does once ready) reads only
    what follows it: the kept prompt ends with that passage."""
    s, question = real.settings, "Qui est le directeur général de l'Anssi ?"
    hits = retrieve(real.components.index, question, k=s.retrieve_k, depth=s.retrieve_depth, rrf_k=s.rrf_k,
                    weights=(1.0, s.bm25_weight))
    assert real.warm_passages(passages=[hits[0].passage]) == 1
    llm = real.components.llm
    "".join(llm.stream(real.messages(question, hits[: s.top_k], "fr"), max_tokens=1))
    reused, total = llm.last_perf["prompt_reused"], llm.last_perf["prompt_tokens"]
    assert reused >= 300 and total - reused < 250, llm.last_perf  # instructions ~260 tokens, a passage ~100
    # The judge reads the claim only: its instructions and the passage were read ahead too.
    judge = real.components.checker.model
    judge.yes_no(judge_messages(hits[0].passage.text, "Vincent Strubel dirige l'Anssi."))
    perf = judge.last_judge_perf
    assert perf["prompt_tokens"] - perf["prompt_reused"] < 40 < perf["prompt_reused"], perf


def test_passages_read_ahead_are_moved_in_where_they_are_listed_later(real):
    """Each passage read ahead is also kept as a block: a prompt that lists it second or third gets its cells moved
    in, so the model reads only the numbers between passages and the question; the draft still holds the answer."""
    s, question = real.settings, "Qui est le directeur général de l'Anssi ?"
    hits = retrieve(real.components.index, question, k=s.retrieve_k, depth=s.retrieve_depth, rrf_k=s.rrf_k,
                    weights=(1.0, s.bm25_weight))[: s.top_k]
    on = Pipeline(real.components)  # the same model process, with the setting on (off by default)
    on.settings = real.settings.replace(passage_blocks=True)
    assert on.warm_passages(passages=[h.passage for h in hits]) == len(hits)
    llm = real.components.llm
    listed = [hits[1], hits[0], *hits[2:]]  # an order no earlier test asked, so no kept prompt holds it
    draft = "".join(llm.stream(real.messages(question, listed, "fr"), max_tokens=40))
    perf = llm.last_perf
    read = perf["prompt_tokens"] - perf["prompt_reused"] - perf["prompt_placed"]
    assert perf["prompt_placed"] >= 60 and read < 60, perf  # a passage ~100 tokens; the question ~30
    assert "Strubel" in draft, draft


def test_writing_with_drafts_from_the_prompt_keeps_the_words_in_fewer_passes(real):
    """Prompt lookup decoding (on by default): a reply that copies the prompt is written in fewer passes than
    tokens, and its words are the ones written a token a pass. The model in this process, so both ways start from
    the same empty state."""
    from rag.generate.backends import LlamaCppModel, _PrefixStates

    worker = real.components.llm
    model = LlamaCppModel(worker.path, n_ctx=real.settings.n_ctx, threads=real.settings.threads, safe=worker.safe)
    sentence = ("Vincent Strubel, directeur général de l'Anssi, a affirmé que la cybersécurité n'est pas "
                "seulement une affaire de technique mais aussi de comportements humains.")
    msgs = [{"role": "user", "content": f"Recopie exactement cette phrase, sans rien ajouter :\n{sentence}"}]
    replies = {}
    for lookup in (0, 8):
        model.lookup, model._states = lookup, _PrefixStates()
        model.llm.reset()
        replies[lookup] = ("".join(model.stream(msgs, max_tokens=60)), dict(model.last_perf))
    (plain, _), (drafted, perf) = replies[0], replies[8]
    assert "comportements humains" in drafted and drafted == plain, replies
    assert perf["accepted"] >= 10 and perf["steps"] < perf["pieces"] / 2, perf
    del model
    # The pipeline's own model (its child process) drafts too: the setting (RAG_LOOKUP_DRAFTS, 8) reaches it, unless
    # its passes so far showed that drafting loses on this host (`_PassCosts`; safe mode on session 30's host).
    assert "comportements humains" in "".join(worker.stream(msgs, max_tokens=60))
    assert worker.last_perf["accepted"] >= 10 or not worker.last_perf["drafting_pays"], worker.last_perf


def test_a_question_gets_the_same_scores_whatever_was_read_before(real):
    """A prompt is read in its own chunks whatever state the model keeps, so a question asked first, again (its
    whole prompt kept), after another one, or once its best passage was read ahead, gets bit for bit the same
    scores for its first word, hence the same answer. (Reading only the last token after a kept state, as before,
    changed the scores by up to ~0.5 and this very answer: "Orange [3]." against "La start-up française Mistral…")."""
    import numpy as np
    import llama_cpp

    from rag.generate.backends import LlamaCppModel

    s, worker = real.settings, real.components.llm
    model = LlamaCppModel(worker.path, n_ctx=s.n_ctx, threads=s.threads, safe=worker.safe)
    llm = model.llm

    def prompt(question):
        hits = retrieve(real.components.index, question, k=s.retrieve_k, depth=s.retrieve_depth, rrf_k=s.rrf_k,
                        weights=(1.0, s.bm25_weight))[: s.top_k]
        return hits, real.messages(question, hits, "fr")

    def scores(messages):
        reused = model._read(llm, model._prompt_tokens(messages))
        row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),))
        return row.copy(), reused

    question = "Quelle entreprise a conçu le modèle conversationnel testé auprès des agents publics ?"
    hits, messages = prompt(question)
    first, reused = scores(messages)
    assert reused == 0
    again, reused = scores(messages)  # the live state holds this whole prompt
    assert reused > 300 and np.array_equal(first, again)
    scores(prompt("Qui est le directeur général de l'Anssi ?")[1])  # another question in between
    model._states.save(llm)
    after, _ = scores(messages)
    assert np.array_equal(first, after)
    # Its best passage read ahead, as `rag serve` does: the kept passage is a whole chunk of the prompt.
    model._states = type(model._states)()
    llm.reset()
    cut = messages[-1]["content"].index("[2]")
    model.remember([*messages[:-1], {**messages[-1], "content": messages[-1]["content"][:cut]}])
    ahead, reused = scores(messages)
    assert reused == len(model._states.pinned and next(iter(model._states.pinned))) and np.array_equal(first, ahead)
    # Its second passage read ahead after the first (a pair, `warm_passages`): its cells are put back, not read,
    # and the scores are still the same, in either mode (the prompt is always cut after its second passage).
    content = messages[-1]["content"]
    tail = model.remember([*messages[:-1], {**messages[-1], "content": content[:content.index("[3]")]}], tail=True)
    llm.reset()  # not the live state the tail was read in: the first passage's kept state, then the tail put back
    paired, reused = scores(messages)
    assert tail > 10 and model._paired == tail and reused > len(next(iter(model._states.pinned)))
    assert np.array_equal(first, paired)
    llm.reset()  # no state kept beside the first passage's: the tail is not used
    model._states = type(model._states)()
    again, _ = scores(messages)
    assert model._paired == 0 and np.array_equal(first, again)
    # Read whole while it is typed (`prefill`), another question read after it: put back, nothing read, the same
    # scores (the state holds those of the prompt's last position).
    assert model.prefill(messages) > 0 and model.prefill(messages) == 0  # the second time: already kept
    scores(prompt("Qui est le directeur général de l'Anssi ?")[1])
    primed, reused = scores(messages)
    assert model._prefilled and reused == len(model._prompt_tokens(messages)) and np.array_equal(first, primed)
    del model


def test_states_read_ahead_are_put_back_by_the_next_process(real, tmp_path):
    """A passage and a pair read ahead (`remember`) are kept on disk (`StateFiles`): the next process on this host
    puts them back rather than reading them, and a question then gets bit for bit the same scores as in the process
    that read them. A damaged file is read again, not loaded. Asked to put back only what is kept (`kept_only`, as
    `Pipeline.put_back` does for a question whose passages were not read ahead yet), a model finds the same on disk,
    and where nothing is kept it reads nothing."""
    import numpy as np
    import llama_cpp

    from rag.generate.backends import LlamaCppModel

    s, worker = real.settings, real.components.llm
    question = "Quelle entreprise a conçu le modèle conversationnel testé auprès des agents publics ?"
    hits = retrieve(real.components.index, question, k=s.retrieve_k, depth=s.retrieve_depth, rrf_k=s.rrf_k,
                    weights=(1.0, s.bm25_weight))[: s.top_k]
    messages = real.messages(question, hits, "fr")
    content = messages[-1]["content"]
    first = [*messages[:-1], {**messages[-1], "content": content[:content.index("[2]")]}]
    pair = [*messages[:-1], {**messages[-1], "content": content[:content.index("[3]")]}]

    def run(kept_only=False, where=tmp_path):
        model = LlamaCppModel(worker.path, n_ctx=s.n_ctx, threads=s.threads, safe=worker.safe,
                              state_dir=where, state_cap=1 << 30)
        llm = model.llm
        kept = (model.remember(first, kept_only=kept_only), model.remember(pair, tail=True, kept_only=kept_only))
        if kept_only and not any(kept):
            return model, kept, llm.n_tokens, None
        llm.reset()  # from the kept states, as a later question would
        reused = model._read(llm, model._prompt_tokens(messages))
        row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),))
        return model, kept, reused, row.copy()

    a, kept_a, reused_a, scores_a = run()
    assert a.files.loaded == 0 and a.files.written == 2  # the state, and the tail
    b, kept_b, reused_b, scores_b = run(kept_only=True)
    assert b.files.loaded == 2 and b.files.written == 0 and b._reused == reused_a and b._paired == a._paired
    assert kept_b == kept_a and reused_b == reused_a > 300 and np.array_equal(scores_a, scores_b)
    assert a._paired > 10
    # Held in memory already: given as kept, with nothing read from disk again.
    assert (b.remember(first, kept_only=True), b.remember(pair, tail=True, kept_only=True)) == kept_b
    assert b.files.loaded == 2
    del a, b
    state = next(tmp_path.glob("*/*.state"))
    state.write_bytes(state.read_bytes()[:-100])  # torn, as by a crash while it was copied
    c, kept_c, reused_c, scores_c = run()
    assert c.files.loaded == 1 and c.files.written == 1 and np.array_equal(scores_a, scores_c)
    del c
    d, kept_d, read_d, _ = run(kept_only=True, where=tmp_path / "empty")
    assert kept_d == (0, 0) and read_d == 0 and d.files.loaded == d.files.written == 0  # nothing kept: nothing read
    del d


def test_a_question_read_while_it_is_typed_gets_the_same_answer_at_once(real):
    """`Pipeline.prefill` (the widget and the chat window send a first question once it ends with "?"): the model
    process reads the prompt then; asked, the question reads nothing and gets the same answer, sooner."""
    q = "Quel poste occupe Vincent Strubel ?"
    plain = real.ask(q)
    assert real.prefill(q)
    # Someone else's question answered in between (and judged): the model's last scores are no longer the prompt's.
    real.ask("Comment s'appelle l'outil d'IA interne d'Orange ?")
    primed = real.ask(q)
    assert primed.timings["prompt_prefilled"] and not plain.timings["prompt_prefilled"]
    # The same answer; on a host whose arithmetic depends on how the prompt was cut into reads (session 29's AVX2
    # host, in a full run: "…est directeur…" against "…est le directeur…"), a one-token difference at a near tie, with
    # the same facts, the same citations, and both verified.
    same = primed.draft == plain.draft and primed.answer == plain.answer
    assert same or (not primed.abstained and not plain.abstained
                    and [c.n for c in primed.citations] == [c.n for c in plain.citations]
                    and claim_facts(primed.answer) == claim_facts(plain.answer)
                    and len(primed.answer.split()) - len(plain.answer.split()) in (-1, 0, 1)), (primed.answer, plain.answer)
    assert primed.timings["first_token"] < 0.5 < plain.timings["first_token"]


def test_cli_ask_json(real, tmp_path):
    # The real RAG_* variables are in os.environ for an integration test (conftest); the index is this module's.
    env = {**os.environ, "RAG_INDEX_DIR": str(real.settings.index_dir)}
    out = subprocess.run([sys.executable, "-m", "rag", "ask", "--json", "Quand la loi Résilience sera-t-elle présentée ?"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert {"question", "answer", "abstained", "citations", "retrieved", "timings"} <= set(d)
    assert not d["abstained"] and "2026" in d["answer"]
    assert len(d["retrieved"]) >= 10 and all({"source", "start", "end", "text", "score"} <= set(r) for r in d["retrieved"])


def test_real_models_through_the_server(tmp_path):
    """The default models (their real home), the index in tmp: the first question answers with its source."""
    import httpx

    from rag.serve.app import create_app
    from test_server import ASK, running_server

    # (No kept answers: the same question goes to the model again below.)
    settings = real_settings(index_dir=tmp_path / "index", model_timeout=600.0, answer_cache=0)  # slow machines
    app = create_app(settings, warm_up=False, chat_ui=False, feedback_path=tmp_path / "fb.jsonl")
    with running_server(app) as url:
        r = httpx.post(f"{url}/v1/ask", json=ASK, timeout=600)
        assert r.status_code == 200, r.text
        a = r.json()
        assert not a["abstained"] and "Strubel" in a["answer"] and re.search(r"\[\d+\]", a["answer"])
        assert any("Strubel" in c["text"] for c in a["citations"])
        # A question read while it was typed (the widget's POST /v1/prefill) and answered ahead, then asked: the
        # same answer, joined (nothing read after Enter), and /healthz counts it.
        q = {"question": "Quel poste occupe Vincent Strubel ?"}
        plain = httpx.post(f"{url}/v1/ask", json=q, timeout=600).json()
        assert httpx.post(f"{url}/v1/prefill", json=q, timeout=600).json() == {"read": True}
        primed = httpx.post(f"{url}/v1/ask", json=q, timeout=600).json()
        assert primed["answer"] == plain["answer"] and primed["timings"]["prompt_prefilled"]
        assert "ahead_s" in primed["timings"]
        assert httpx.get(f"{url}/healthz", timeout=10).json()["prefill"] == {
            "on": True, "read": 1, "answers": 1, "ahead": {"on": True, "started": 1, "joined": 1}}
        # Another question asked while one typed is answered ahead: that answer stops, the question asked gets the
        # answer it gets alone (the model's state left halfway is not carried into it).
        assert httpx.post(f"{url}/v1/prefill", json={"question": "Qui dirige l'Anssi ?"}, timeout=600).json()["read"]
        again = httpx.post(f"{url}/v1/ask", json=q, timeout=600).json()
        assert again["answer"] == plain["answer"] and "ahead_s" not in again["timings"]
