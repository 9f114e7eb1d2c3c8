"""An answer that rests on another sentence of its passages than the one closest to the question answers another
question (`Pipeline.rests_elsewhere`); the sentence vectors that rule reads are stored with the index when it is built
(`rag.index.sentences`), so answering embeds nothing more."""

import json

import numpy as np
import pytest

from rag.components import Components
from rag.config import Thresholds
from rag.index.sentences import closest_gap, passage_sentences
from rag.pipeline import Pipeline
from rag.types import Answer, Sentence, SentenceEvent

from conftest import ARTICLE, cite_reply as _cite, fake_vector

QUESTION = "Qu'a confirmé la ministre sur la loi Résilience et l'Assemblée nationale ?"
RIGHT = "La loi Résilience sera présentée à l'Assemblée nationale au début de l'année 2026 [{n}]."
# True, in the words of the passage the loi Résilience is in: but of the overseas regions, not of what the minister
# confirmed of the law.
OTHER = "Les régions ultramarines devront également bénéficier d'un accompagnement renforcé [{n}]."


@pytest.fixture
def make(settings, fake_embed, scripted):
    def make(reply, judge=None, **changes):
        c = Components(settings.replace(**changes), embed=fake_embed, llm=scripted(_cite("Résilience", reply),
                                                                                      judge=judge))
        c.build([ARTICLE])
        return Pipeline(c)
    return make


# -- the gap ------------------------------------------------------------------------------------
LAW = ["La loi Résilience sera présentée au début de l'année 2026.",
       "Une transposition de NIS2 est prévue au début de l'année 2026.",
       "Le texte précisera le rôle des équipes régionales."]


def test_a_claim_rests_on_the_sentence_sharing_most_of_its_words():
    claim = "La loi Résilience sera présentée au début de l'année 2026."
    assert closest_gap(claim, [LAW], np.array([0.8, 0.5, 0.3])) == (0.0, LAW[0])
    gap, closest = closest_gap(claim, [LAW], np.array([0.5, 0.9, 0.3]))
    assert closest == LAW[1] and gap == pytest.approx(0.4)


def test_of_sentences_sharing_as_many_words_the_claim_rests_on_the_closest():
    # "début", "année", "2026" in the first two: the benefit of the doubt.
    claim = "Au début de l'année 2026, tout change."
    assert closest_gap(claim, [LAW], np.array([0.5, 0.9, 0.3])) == (0.0, LAW[1])
    assert closest_gap(claim, [LAW], np.array([0.9, 0.5, 0.3])) == (0.0, LAW[0])


FIBRE = "93 % des locaux français sont raccordables à la fibre, deux tiers grâce à Orange."


@pytest.mark.parametrize("after, one", [
    ("C'est unique en Europe, s'est félicité Jérôme Hénique.", True),
    ("\"Une IA, c'est très compliqué à analyser, encore plus à corriger.\"", True),
    ("Le directeur s'est félicité de ce résultat unique en Europe.", False)])
def test_a_sentence_that_goes_on_with_the_one_before_is_one_statement_with_it(after, one):
    # "Qu'est-ce qui est unique en Europe selon Jérôme Hénique ?" answered with the figures "C'est" stands for
    # (round 10, r1011); an attribution, then the words it quotes.
    passages = [[FIBRE, after, "Il défend une IA utile et maîtrisée, citant 300 projets."]]
    gap, closest = closest_gap(FIBRE, passages, np.array([0.2, 0.6, 0.1]))
    assert closest == after and (gap == 0.0) == one
    # Either way round: "La souveraineté, ce n'est pas tout refaire." then "C'est reprendre la main…" (a135).
    assert (closest_gap(after, [[FIBRE, after]], np.array([0.6, 0.2]))[0] == 0.0) == one


def test_sentences_go_on_in_pairs_within_a_passage_not_in_chains_or_across_passages():
    chain = [["Le président a ouvert la séance du conseil régional.", "Il a salué les élus présents ce matin.",
              "Il a ensuite présenté le budget numérique de la région."]]
    claim = "Le président a ouvert la séance du conseil régional."
    assert closest_gap(claim, chain, np.array([0.2, 0.3, 0.7]))[0] == pytest.approx(0.4)
    apart = [["Le président a ouvert la séance du conseil régional."], ["Il a présenté le budget numérique ce matin."]]
    assert closest_gap(claim, apart, np.array([0.2, 0.7]))[0] == pytest.approx(0.5)


def test_a_title_or_a_short_line_is_never_the_closest():
    passages = [["Algèbre nouvelle", "Le projet de formalisation date de 1591.", "Abonnez-vous à Localtis !",
                 "Il vise une écriture algébrique nouvelle."]]
    gap, closest = closest_gap("Le projet de formalisation date de 1591.", passages, np.array([0.9, 0.3, 0.8, 0.1]))
    assert (gap, closest) == (0.0, passages[0][1])
    assert closest_gap("Algèbre nouvelle ici.", [["Algèbre nouvelle", "Abonnez-vous !"]], np.array([0.9, 0.8])) == (
        0.0, "")


def test_a_sentence_the_question_restates_is_never_the_closest():
    # Round 26, r2628: the question restates one sentence and asks for what follows it.
    question = "Constance Nebbula admet que certains outils resteront sous Gafam : quel est alors l'enjeu ?"
    passages = [["Certains outils resteront sous Gafam.", "L'enjeu, c'est de bâtir des solutions souveraines ouvertes.",
                 "En Pays de la Loire, nous avons lancé un data center public."]]
    claim = "L'enjeu est de bâtir des solutions souveraines ouvertes."
    sims = np.array([0.8, 0.5, 0.2])
    assert closest_gap(claim, passages, sims)[0] == pytest.approx(0.3)  # without the question: refused
    assert closest_gap(claim, passages, sims, question) == (0.0, passages[0][1])


def test_passage_sentences_leave_out_scraps():
    assert passage_sentences("Photo : X.\nLa ministre a ouvert les Assises le 4 novembre. Fin.") == [
        "La ministre a ouvert les Assises le 4 novembre."]


# -- the rule in the pipeline -------------------------------------------------------------------
def test_a_true_sentence_answering_another_question_is_refused_and_not_shown_early(make):
    p = make(OTHER)
    events = list(p.stream(QUESTION))
    answer = events[-1].answer
    assert answer.abstained and answer.abstain_code == "off_topic", answer
    assert "answers another question" in answer.abstain_reason and "Assemblée nationale" in answer.abstain_reason
    assert not any(isinstance(e, SentenceEvent) for e in events)


def test_the_sentence_closest_to_the_question_is_kept(make):
    answer = make(RIGHT).ask(QUESTION)
    assert not answer.abstained and "2026" in answer.answer, answer


def test_the_rule_is_a_setting(make):
    answer = make(OTHER, thresholds=Thresholds(closest_gap=2.0)).ask(QUESTION)
    assert not answer.abstained and "ultramarines" in answer.answer


def test_the_closest_sentence_may_be_quoted_instead(make):
    # A judge that agrees: the sentence of the passages that answers is quoted, cited.
    answer = make(OTHER, judge=3.0).ask(QUESTION)
    assert not answer.abstained and answer.quoted and "Assemblée nationale" in answer.answer, answer


def test_short_answers_empty_prompts_and_other_languages_are_left_alone(make):
    p = make(OTHER)
    context = p.retrieve(QUESTION)[0][:3]
    asked = Answer(question=QUESTION, answer="", abstained=False, lang="fr", standalone_question=QUESTION)
    long = Sentence(text=OTHER.format(n=1)[:-5] + ".", citations=[1])
    assert "Assemblée nationale" in p.rests_elsewhere(asked, long, context)
    assert p.rests_elsewhere(asked, Sentence(text="Les régions ultramarines bénéficieront.", citations=[1]),
                             context) == ""
    assert p.rests_elsewhere(asked, long, context[:0]) == ""
    # A name with its title is a bare name too (session 56, a017: "Vincent Strubel, directeur général de l'Anssi [1]."
    # to "Qui a affirmé que la cybersécurité n'est pas de la magie noire ?"); a name then what it says is not.
    titled = Sentence(text="Anne Le Hénanff, ministre déléguée chargée des régions ultramarines exposées [1].",
                      citations=[1])
    assert p.rests_elsewhere(asked, titled, context) == ""
    said = Sentence(text="Anne Le Hénanff, les régions ultramarines devront bénéficier d'un accompagnement [1].",
                    citations=[1])
    assert "Assemblée nationale" in p.rests_elsewhere(asked, said, context)
    # Asked in English, of French passages: what the claim rests on cannot be told by its words.
    english = Answer(question="What did the minister confirm?", answer="", abstained=False, lang="en")
    assert p.rests_elsewhere(english, long, context) == ""


def test_the_question_is_embedded_once_and_the_sentences_not_at_all(make, fake_embed, monkeypatch):
    p = make(RIGHT)
    asked = []
    real = fake_embed._get_query_embedding
    monkeypatch.setattr(type(fake_embed), "_get_query_embedding", lambda self, q: asked.append(q) or real(q))
    p.ask(QUESTION)
    assert asked == [QUESTION]
    assert p.components.index.sentences.embedded_now == 0  # every prompt sentence was in the store


# -- the store ----------------------------------------------------------------------------------
def test_the_index_stores_every_passage_sentence_once(settings, fake_embed):
    index, stats = Components(settings, embed=fake_embed).build([ARTICLE])
    every = {x for p in index.passages for x in passage_sentences(p.text)}
    m = json.loads((settings.index_dir / "manifest.json").read_text())
    assert m["sentences"]["count"] == stats["sentences"] == stats["sentences_embedded"] == len(every) > 50
    assert {"sentences.npy", "sentences.json"} <= set(m["files"])
    some = sorted(every)[:5]
    stored = index.sentences.vectors(some)
    assert np.allclose(stored, [fake_vector(x, translate=True) for x in some], atol=2e-3)
    assert index.sentences.embedded_now == 0


def test_a_new_source_embeds_only_its_own_sentences(settings, fake_embed, tmp_path):
    c = Components(settings, embed=fake_embed)
    c.build([ARTICLE])
    other = tmp_path / "note.md"
    other.write_text("# Note\n\nLe budget numérique de la commune est de 12 000 euros. Il sera voté en mars.\n")
    before = fake_embed.similarity_calls
    _, stats = c.build([ARTICLE, other])
    assert stats["sentences_embedded"] == 2 == fake_embed.similarity_calls - before


def test_an_index_built_before_the_store_embeds_sentences_when_asked(settings, fake_embed):
    c = Components(settings, embed=fake_embed)
    c.build([ARTICLE])
    d = settings.index_dir
    m = json.loads((d / "manifest.json").read_text())
    del m["sentences"]
    m["files"] = [f for f in m["files"] if not f.startswith("sentences.")]
    (d / "manifest.json").write_text(json.dumps(m))
    for f in ("sentences.npy", "sentences.json"):
        (d / f).unlink()
    index = c.open_index()
    assert len(index.sentences) == 0
    pool = passage_sentences(index.passages[5].text)
    before = fake_embed.similarity_calls
    first = index.sentences.vectors(pool)
    again = index.sentences.vectors(pool)
    assert fake_embed.similarity_calls - before == len(set(pool)) and np.array_equal(first, again)
    assert index.sentences.embedded_now == len(set(pool))
    _, stats = c.build([ARTICLE])  # `rag index` then stores them
    assert stats["sentences"] > 50 and len(c.open_index().sentences) == stats["sentences"]


def test_an_embedding_without_similarity_vectors_stores_none_and_leaves_answers_alone(settings, scripted):
    # Any llama-index embedding may be plugged in; only ours has the STS vectors the rule reads.
    from llama_index.core.embeddings import BaseEmbedding

    class Plain(BaseEmbedding):
        model_path: str = "plain"

        def _get_query_embedding(self, query):
            return fake_vector(query)

        async def _aget_query_embedding(self, query):
            return fake_vector(query)

        def _get_text_embedding(self, text):
            return fake_vector(text)

    c = Components(settings, embed=Plain(model_name="plain"), llm=scripted(_cite("Résilience", OTHER), judge=None))
    index, stats = c.build([ARTICLE])
    assert stats["sentences"] == 0 and len(index.sentences) == 0
    answer = Pipeline(c).ask(QUESTION)
    assert not answer.abstained and "ultramarines" in answer.answer


def test_a_quotation_over_several_sentences_is_one_statement_of_whom_its_opening_names():
    """Session 53, round 31's r3128: "Comment le DG de l'Anssi caractérise-t-il la difficulté d'une IA… ?" is closest to
    the sentence naming him, and answered by the quotation it opens, whose third sentence a claim may rest on."""
    passages = [["La sécurité doit rester la condition de tout déploiement de l'IA, a rappelé Vincent Strubel.",
                 "\"Une IA, c'est très compliqué à analyser, encore plus à corriger.",
                 "On peut passer des semaines sans savoir s'il y a un problème de sécurité.",
                 "Il faut donc penser la résilience à l'échelle du système d'information\".",
                 "Le DG de l'Anssi appelle aussi à démystifier le numérique auprès des élus."]]
    sims = np.array([0.8, 0.3, 0.2, 0.1, 0.1])
    for inside in passages[0][2:4]:
        assert closest_gap(inside, passages, sims)[0] == 0.0
    # After the quotation closes, a sentence is a statement of its own again.
    assert closest_gap(passages[0][4], passages, sims)[0] == pytest.approx(0.7)
    # A passage cut inside a quotation: who opened it is not in the passage, nothing carries over (only the pair
    # "On peut…", "Il faut…" is one statement, as before).
    cut = [passages[0][2:]]
    assert closest_gap(cut[0][1], cut, np.array([0.2, 0.1, 0.8]))[0] == pytest.approx(0.6)
