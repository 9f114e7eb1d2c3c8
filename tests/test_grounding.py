import pytest

from rag.check.facts import claim_facts, fact_index, has_fact, vocabulary_of
from rag.check.grounding import GroundingChecker
from rag.config import Thresholds

PASSAGE = ("Lors de son passage, la ministre a aussi eu l'occasion de confirmer que la loi Résilience — transposant "
           "la directive européenne NIS2 — sera présentée à l'Assemblée nationale au début de l'année 2026. "
           "\"Ces territoires sont parfois directement la cible d'actes de cybermalveillance\", a souligné Vincent Strubel.")


@pytest.fixture
def judge():
    return GroundingChecker().judge


def test_supported_claim(judge):
    v = judge("La loi Résilience sera présentée à l'Assemblée nationale au début de l'année 2026.", PASSAGE)
    assert v.supported and PASSAGE[v.window[0]:v.window[1]].startswith("Lors de son passage")


@pytest.mark.parametrize("claim", [
    "La loi Résilience sera présentée à l'Assemblée nationale au début de l'année 2027.",  # number
    "La loi Résilience sera présentée au Sénat au début de l'année 2026.",  # name
    "Anne Le Hénanff a souligné que ces territoires sont la cible d'actes de cybermalveillance.",  # wrong person
    "La loi Résilience ne sera pas présentée à l'Assemblée nationale en 2026.",  # negation
])
def test_hard_negatives_are_caught(judge, claim):
    assert not judge(claim, PASSAGE).supported


def test_facts():
    assert claim_facts("Le maire de 3.000 habitants, selon Vincent Strubel, le 4 novembre") >= {
        "#3000", "vincent", "strubel", "novembre", "#4"}


def test_fact_lookup_and_vocabulary():
    nums, words = fact_index("Le 4 novembre 2025 : 3.000 habitants à Saint-Brieuc.")
    assert {"#4", "#2025", "#3000", "#3"} <= nums
    assert has_fact("#3000", nums, words) and not has_fact("#3001", nums, words)
    assert has_fact("saint-brieuc", nums, words) and has_fact("novembre", nums, words)
    assert not has_fact("rennes", nums, words)
    vocab = vocabulary_of(["Vincent Strubel", "l'Anssi"])
    assert " strubel " in vocab and " anssi " in vocab


class _Margin:
    """A judge with a fixed verdict: log P(YES) - log P(NO)."""

    def __init__(self, margin):
        self.margin, self.asked = margin, []

    def yes_no(self, messages):
        self.asked.append(messages)
        return self.margin


@pytest.mark.parametrize("margin,threshold,supported", [(0.0, -1.0, True), (-2.0, -1.0, False),
                                                          (0.0, 0.5, False), (1.0, 0.5, True)])
def test_model_verdict_follows_the_margin_threshold(margin, threshold, supported):
    judge = _Margin(margin)
    checker = GroundingChecker(model=judge, thresholds=Thresholds(llm_margin=threshold))
    v = checker.judge("Selon la ministre, la loi Résilience arrivera devant l'Assemblée nationale en 2026.", PASSAGE)
    assert v.supported is supported and len(judge.asked) == 1 and checker.llm_calls == 1
    assert "(model check)" in v.reason


def test_the_model_is_not_asked_what_facts_or_words_settle():
    judge = _Margin(10.0)
    checker = GroundingChecker(model=judge)
    assert not checker.judge("La loi Résilience sera présentée au Sénat en 2026.", PASSAGE).supported  # a fact
    assert not checker.judge("Les boulangers aiment le pain chaud du matin.", PASSAGE).supported  # no words
    v = checker.judge("la loi Résilience — transposant la directive européenne NIS2 — sera présentée", PASSAGE)
    assert v.supported and v.reason == "the passage says it in the same words"
    assert judge.asked == []


def test_thresholds_are_settings():
    claim = "La ministre confirme que la loi Résilience sera présentée en 2026 aux députés."
    strict = GroundingChecker(thresholds=Thresholds(coverage=0.99)).judge(claim, PASSAGE)
    lenient = GroundingChecker(thresholds=Thresholds(coverage=0.3)).judge(claim, PASSAGE)
    assert lenient.supported and not strict.supported


INSTITUTE = "La direction de l'institution est assurée par Olivier Meslay depuis août 2016."


@pytest.mark.parametrize("heading,supported", [
    ("Clark Art Institute", True),  # the passage's topic: "l'institution" is the Clark Art Institute
    ("", False),
    ("Le Clark Art Institute « change de cap », annonce Olivier Meslay dans un long entretien", False),  # a headline
])
def test_a_passage_is_read_under_its_topic_heading_for_the_questions_names(heading, supported):
    claim = "Olivier Meslay est directeur du Clark Art Institute depuis août 2016."
    question = "Depuis quand Olivier Meslay est-il directeur du Clark Art Institute ?"
    judge = _Margin(2.0)
    v = GroundingChecker(model=judge).judge(claim, INSTITUTE, question=question, heading=heading)
    assert v.supported is supported, v.reason
    if supported:  # the judge read the heading with the words
        assert "Clark Art Institute\n" in judge.asked[0][1]["content"]


def test_a_heading_does_not_vouch_for_names_the_question_did_not_bring():
    v = GroundingChecker(model=_Margin(2.0)).judge(
        "Olivier Meslay dirige le Clark Art Institute depuis août 2016.", INSTITUTE,
        question="Depuis quand Olivier Meslay dirige-t-il ce musée ?", heading="Clark Art Institute")
    assert not v.supported and v.code == "missing_facts"


def test_fractions_are_facts():
    """A false premise seen on the article: "only half of French premises" from a passage giving 93 %."""
    fibre = "\"93% des locaux français sont raccordables à la fibre, deux tiers grâce à Orange."
    assert "#1/2" in claim_facts("Only half of French premises can get fibre.")
    judge = GroundingChecker(model=_Margin(5.0)).judge  # a judge that says yes to anything
    v = judge("Jérôme Hénique said that only half of French premises can get fibre.", fibre)
    assert not v.supported and v.code == "missing_facts" and "1/2" in v.reason
    assert judge("Two thirds of the premises that can get fibre owe it to Orange.", fibre).supported
    assert judge("Deux tiers des locaux raccordables le sont grâce à Orange.", fibre).supported
