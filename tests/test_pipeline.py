import re

import pytest

from rag.components import Components
from rag.pipeline import Pipeline
from rag.errors import InputError, PromptError
from rag.check.grounding import GroundingChecker
from rag.generate.prompts import render

from conftest import ARTICLE


def _cite(fact_word, reply):
    """A scripted model that cites the passage holding `fact_word`, like a good model would."""
    def answer(messages):
        user = messages[-1]["content"].split("Question")[0]
        for m in re.finditer(r"\[(\d+)\] ((?:(?!\n\n\[\d+\] ).)*)", user, re.S):
            if fact_word in m.group(2):
                return reply.format(n=m.group(1))
        return "Je ne trouve pas la réponse dans les sources."
    return answer


@pytest.fixture
def make(settings, fake_embed, scripted):
    def make(reply):
        a = Assistant(settings, embed=fake_embed, llm=scripted(reply), checker=GroundingChecker())
        a.build([ARTICLE])
        return a
    return make


def test_cited_answer_carries_offsets_and_supporting_span(make):
    a = make(_cite("Strubel", "Le directeur général de l'Anssi est Vincent Strubel [{n}]."))
    ans = a.ask("Qui est le directeur général de l'Anssi ?")
    assert not ans.abstained and "Vincent Strubel" in ans.answer
    c = ans.citations[0]
    src = ARTICLE.read_text()
    assert src[c.start:c.end].replace("\u00a0", " ") == c.text and "Strubel" in c.text
    assert c.span_start >= c.start and c.span_end <= c.end and "Strubel" in c.span_text
    assert ans.sentences[0].supported is True
    d = ans.to_dict()
    assert set(d) >= {"question", "answer", "abstained", "citations", "retrieved", "timings"}
    assert len(d["retrieved"]) >= 10 and {"source", "start", "end", "text", "score"} <= set(d["retrieved"][0])


def test_model_abstention_is_reported(make):
    a = make("Je ne trouve pas la réponse dans les sources.")
    ans = a.ask("Qui préside la région Occitanie ?")
    assert ans.abstained and ans.citations == [] and "ne trouve pas" in ans.answer


def test_unsupported_sentence_is_removed_and_wrong_numbers_abstain(make):
    a = make(_cite("Strubel", "Le directeur général de l'Anssi est Jean Dupont [{n}]."))
    ans = a.ask("Qui est le directeur général de l'Anssi ?")
    assert ans.abstained and ans.sentences[0].supported is False and "dupont" in ans.sentences[0].reason.lower()


def test_citation_to_no_passage_and_uncited_sentence(make):
    a = make(_cite("Strubel", "Vincent Strubel dirige l'Anssi [{n}]. Il aime le jazz [9]. Il habite à Lyon."))
    ans = a.ask("Qui est le directeur général de l'Anssi ?")
    assert not ans.abstained and "jazz" not in ans.answer and "Lyon" not in ans.answer
    verdicts = [s.supported for s in ans.sentences]
    assert verdicts == [True, False, False]


def test_english_question_gets_the_english_prompt(make):
    a = make(lambda m: "I cannot find the answer in the sources.")
    ans = a.ask("Who chairs the Occitanie region?")
    assert ans.lang == "en" and ans.abstained and ans.answer == "I cannot find the answer in the sources."
    assert "Answer in English" in a.llm.calls[0][0]["content"]


@pytest.mark.parametrize("q", ["", "   ", "x" * (MAX_QUESTION_CHARS + 1), None])
def test_bad_questions_are_refused_before_any_work(settings, scripted, q):
    a = Assistant(settings, llm=scripted("unused"))
    with pytest.raises(InputError):
        a.ask(q)
    assert not settings.index_dir.exists()


def test_follow_up_is_rewritten_and_visible(make):
    def model(messages):
        if "Dernière question" in messages[-1]["content"]:
            return "Quand la loi Résilience sera-t-elle présentée ?"
        return _cite("Résilience", "Elle sera présentée au début de l'année 2026 [{n}].")(messages)
    a = make(model)
    ans = a.ask("Et quand sera-t-elle présentée ?", history=[
        {"role": "user", "content": "Quelle loi transpose NIS2 ?"},
        {"role": "assistant", "content": "La loi Résilience [1]."}])
    assert ans.standalone_question == "Quand la loi Résilience sera-t-elle présentée ?"
    assert not ans.abstained and "2026" in ans.answer


def test_prompt_variables_fail_loudly():
    with pytest.raises(PromptError, match=r"missing variables \['question'\].*provided: \['passages'\]"):
        render("{passages} {question}", passages="x")


def test_nothing_relevant_abstains_without_calling_the_model(make):
    a = make("should not be called")
    ans = a.ask("Quelle est la recette du gâteau basque ?")
    assert ans.abstained and a.llm.calls == []
    assert ans.abstain_reason == "nothing in the sources is close to the question"
    assert len(ans.retrieved) >= 3  # the closest passages are still shown


def test_true_but_off_topic_answer_abstains(make):
    # The model answers with a true sentence about something else: it does not answer the question.
    a = make("Vincent Strubel est directeur général de l'Anssi [1].")
    ans = a.ask("Qui dirige la région Occitanie et l'Anssi de Vincent Strubel ?")
    assert ans.abstained and "occitanie" in ans.abstain_reason.lower()
