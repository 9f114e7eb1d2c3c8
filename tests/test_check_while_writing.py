"""Sentences checked while the model writes: shown as soon as the words alone decide, never before the check,
and the final answer has the last word."""

import re

import pytest

from rag.components import Components
from rag.config import Thresholds
from rag.pipeline import Pipeline
from rag.types import AnswerEvent, SentenceEvent, TokenEvent, withdrawn_sentences

from conftest import ARTICLE

# Word for word from the article (a copy needs no model call), then a paraphrase (only the judge can tell).
COPY = ("La sécurité doit rester la condition de tout déploiement de l'IA, a effectivement rappelé Vincent Strubel, "
        "directeur général de l'Anssi [{n}].")
PARAPHRASE = "Selon lui, on peut passer des semaines sans savoir qu'une IA a un problème de sécurité [{n}]."
QUESTION = "Qu'a rappelé Vincent Strubel, directeur général de l'Anssi, sur la sécurité de l'IA ?"


def _citing(reply):
    def answer(messages):
        user = messages[-1]["content"]
        m = re.search(r"\[(\d+)\] [^\[]*Strubel", user)
        return reply.format(n=m.group(1) if m else 1)
    return answer


@pytest.fixture
def pipeline(settings, fake_embed, scripted):
    # The fake vectors are no model's: the rule on the sentence closest to the question (tested on its own in
    # test_closest_sentence.py) is off here, where the order in which sentences are shown is tested.
    settings = settings.replace(thresholds=Thresholds(closest_gap=2.0))

    def make(reply, judge=3.0):
        llm = scripted(_citing(reply), judge=judge)
        c = Components(settings, embed=fake_embed, llm=llm)
        c.build([ARTICLE])
        return Pipeline(c)
    return make


def _events(p, question=QUESTION):
    return list(p.stream(question))


def test_a_sentence_in_the_passage_words_is_shown_while_the_model_still_writes(pipeline):
    p = pipeline(f"{COPY} {PARAPHRASE}")
    events = _events(p)
    kinds = [type(e) for e in events]
    first = kinds.index(SentenceEvent)
    assert TokenEvent in kinds[first + 1:], "shown before the model finished writing"
    shown = events[first]
    assert shown.n == 0 and shown.sentence.supported and shown.sentence.code == "same_words"
    assert "Strubel" in shown.sentence.text and shown.sentence.citations and shown.sentence.spans
    assert [type(e) for e in events].count(SentenceEvent) == 1  # the paraphrase waits for the judge
    answer = events[-1].answer
    assert isinstance(events[-1], AnswerEvent) and not answer.abstained
    assert [x.text for x in answer.sentences if x.supported][0] == shown.sentence.text
    assert withdrawn_sentences([shown.sentence], answer) == []
    t = answer.timings
    assert 0 < t["first_checked"] <= t["total"] and t["check_while_writing"] >= 0


def test_a_sentence_only_the_judge_can_decide_is_not_shown_early(pipeline):
    p = pipeline(f"{PARAPHRASE} {COPY}")
    events = _events(p)
    assert not any(isinstance(e, SentenceEvent) for e in events)  # in order: the copy waits behind it
    answer = events[-1].answer
    assert not answer.abstained and answer.timings["first_checked"] == answer.timings["total"]


def test_nothing_unsupported_is_ever_shown(pipeline):
    # A changed number and an uncited sentence: neither is shown, and the judge refusing leaves an abstention.
    p = pipeline("L'Anssi compte 9 000 agents selon Vincent Strubel [{n}]. Il faut penser la résilience. Fin.",
                 judge=-3.0)
    events = _events(p)
    assert not any(isinstance(e, SentenceEvent) for e in events)
    assert events[-1].answer.abstained and "first_checked" not in events[-1].answer.timings


def _shown_early_then_refused(pipeline, monkeypatch):
    """A paraphrase the judge refuses, shown early as if the word rules had passed it. No rule of today's check
    drops at the end what it showed early (the final check reruns the same rules on the same passages), but the
    final check has the last word, and a withdrawal must be visible: simulated here."""
    import copy

    p = pipeline(f"{PARAPHRASE} Fin.", judge=-3.0)
    def passed(sentence, hits, question=None, vocabulary=None, people=None):
        x = copy.deepcopy(sentence)
        x.supported, x.code = True, "same_words"
        return x
    monkeypatch.setattr(p.components.checker, "check_now", passed)
    return p


def test_a_sentence_shown_early_and_dropped_by_the_final_check_is_reported_withdrawn(pipeline, monkeypatch):
    events = _events(_shown_early_then_refused(pipeline, monkeypatch))
    shown = [e.sentence for e in events if isinstance(e, SentenceEvent)]
    answer = events[-1].answer
    assert len(shown) == 1 and answer.abstained
    assert withdrawn_sentences(shown, answer) == shown


def test_a_sentence_shown_early_stays_when_the_model_then_declines_the_rest(pipeline):
    # "X [1]. Les sources ne précisent pas la suite.": X is checked like any answer and kept; the decline is
    # dropped (it was once the whole draft's refusal, and withdrew X).
    p = pipeline(f"{COPY} Les sources ne précisent pas la suite.")
    events = _events(p)
    shown = [e.sentence for e in events if isinstance(e, SentenceEvent)]
    answer = events[-1].answer
    assert len(shown) == 1 and not answer.abstained and withdrawn_sentences(shown, answer) == []
    assert "Strubel" in answer.answer and "précisent" not in answer.answer


def test_a_sentence_that_does_not_answer_alone_is_not_shown_early(pipeline):
    # True and in the passage's words, but the question's name (Nebbula) is in none of it: off topic alone.
    p = pipeline(f"{COPY} Fin.")
    events = _events(p, "Qu'a dit Constance Nebbula de la sécurité de l'IA ?")
    assert not any(isinstance(e, SentenceEvent) for e in events)


def test_the_cli_prints_each_sentence_once_checked_and_never_twice(pipeline, capsys):
    from rag.cli import _stream_answer

    answer = _stream_answer(pipeline(f"{COPY} {PARAPHRASE}"), QUESTION, None, live=False, prompt="assistant")
    out = capsys.readouterr().out
    first, rest = out.split("\n", 1)
    assert first.startswith("assistant > La sécurité doit rester") and first.endswith("✓")
    said, sources = out.split("Sources :")
    assert said.count("a effectivement rappelé") == 1 and "passer des semaines" in said.split("\n", 1)[1]
    assert "Strubel" in sources and not answer.abstained


def test_the_cli_says_what_the_final_check_withdrew(pipeline, capsys, monkeypatch):
    from rag.cli import _stream_answer

    answer = _stream_answer(_shown_early_then_refused(pipeline, monkeypatch), QUESTION, None, live=False)
    out = capsys.readouterr().out
    assert answer.abstained and "Retiré par la vérification finale" in out and "ne trouve pas" in out.lower()


# -- fewer tokens to read: overlapping passages sent once -------------------------------------------------------
def test_overlapping_passages_of_a_source_are_sent_once(settings, fake_embed, scripted):
    from rag.pipeline import prompt_texts
    from rag.types import Hit

    c = Components(settings, embed=fake_embed, llm=scripted("x"))
    index, _ = c.build([ARTICLE])
    ps = sorted(index.passages, key=lambda p: p.start)
    a, b = next((a, b) for a, b in zip(ps, ps[1:]) if b.start < a.end)  # neighbours share a sentence
    for first, second in ((a, b), (b, a)):  # whichever the retriever ranked first keeps the shared words
        texts = prompt_texts([Hit(first, 0.9, None, None), Hit(second, 0.8, None, None)])
        assert texts[0] == first.text and texts[1] != second.text
        shared = a.text[b.start - a.start:].strip()  # (the passage text is the source's, normalised)
        assert shared in texts[0] and shared not in texts[1] and "…" in texts[1]
        assert len(texts[1]) < len(second.text)
    # Passages that do not overlap, or of another source, are sent whole.
    far = ps[-1]
    assert prompt_texts([Hit(a, 0.9, None, None), Hit(far, 0.8, None, None)]) == [a.text, far.text]


def test_a_quotation_cut_by_its_full_stop_is_shown_whole_with_its_marker_after_it(pipeline):
    """`rag ask "Quel est le slogan de Jérôme Hénique ?"` showed 'Le slogan … est "93% … grâce à Orange [1]. C'est
    unique en Europe" [1].': the full stop inside the quotation cut it in two sentences, each given its marker. The
    quotation is one sentence again, and nothing of it is shown before it closes."""
    quoted = ("\"Une IA, c’est très compliqué à analyser, encore plus à corriger. On peut passer des semaines sans savoir "
              "s'il y a un problème de sécurité\" [{n}]. " + COPY)
    events = _events(pipeline(quoted))
    shown = [e.sentence for e in events if isinstance(e, SentenceEvent)]
    assert shown and all(x.text.count('"') % 2 == 0 for x in shown), [x.text for x in shown]
    answer = events[-1].answer
    assert not answer.abstained and withdrawn_sentences(shown, answer) == []
    assert re.match(r"^\"Une IA[^\[]*corriger\. On peut[^\[]*sécurité\" \[\d\]\. La sécurité", answer.answer), answer.answer
