import pytest

from rag.check.facts import claim_facts
from rag.check.grounding import GroundingChecker

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
