from rag.generate.draft import copies_example, parse_sentences, strip_citations
from rag.types import with_markers
from rag.ingest.language import detect_language


def test_markers_after_the_period_belong_to_the_sentence_before():
    s = parse_sentences("Vincent Strubel dirige l'Anssi. [1] La loi sera présentée en 2026 [2][3].")
    assert [(x.text, x.citations) for x in s] == [
        ("Vincent Strubel dirige l'Anssi.", [1]), ("La loi sera présentée en 2026.", [2, 3])]


def test_lists_and_missing_citations():
    s = parse_sentences("Première phrase [1, 2]. Deuxième sans source.")
    assert s[0].citations == [1, 2] and s[1].citations == []


def test_strip_and_language():
    assert strip_citations("Oui [1]. Non [2, 3].") == "Oui. Non."
    assert strip_citations("Loïg Chesnais-Girard [2] préside la région [3].") == "Loïg Chesnais-Girard préside la région."
    assert strip_citations("Deux régions\n- la Bretagne [1]\n- les Pays de la Loire [2]") == (
        "Deux régions\n- la Bretagne\n- les Pays de la Loire")
    # French spacing is the writer's, inside a quotation above all (session 27: "numérique : la" was shown as
    # "numérique: la", a quotation the passage does not hold word for word).
    assert strip_citations('Il appelle à "démystifier le numérique : la cybersécurité" [1].') == (
        'Il appelle à "démystifier le numérique : la cybersécurité".')
    assert strip_citations("Deux constats [2] : la sécurité ; la formation [3] .") == (
        "Deux constats : la sécurité ; la formation.")
    assert strip_citations("Pourquoi pas ? Parce que [1], dit-il.") == "Pourquoi pas ? Parce que, dit-il."
    assert detect_language("Who leads the agency?") == "en"
    assert detect_language("Qui dirige l'agence ?") == "fr"
    # A name is in no language (session 22: "Anne Le Hénanff warned…" was read as French, its "Le" and accent the
    # name's, and the claim was held to the same-language rules against a French passage).
    assert detect_language("Anne Le Hénanff warned about cyberattacks sponsored from abroad.") == "en"
    assert detect_language("Who is Loïg Chesnais-Girard?") == "en"
    assert detect_language("Qui est Anne Le Hénanff ?") == "fr"
    assert detect_language("Le numérique est-il un gros mot ?") == "fr"


def test_every_surface_writes_a_checked_sentence_the_same_way():
    assert with_markers("La loi sera présentée en 2026.", [1, 3]) == "La loi sera présentée en 2026 [1][3]."
    assert with_markers("Sans point final", [2]) == "Sans point final [2]."
    assert with_markers("Faut-il s'en emparer ?", [2]) == "Faut-il s'en emparer [2]?"
    assert with_markers("Et ainsi de suite…", [1]) == "Et ainsi de suite [1]…"


def test_a_draft_that_copies_the_prompts_example():
    from rag.generate.prompts import load_template
    examples = load_template("answer", "fr")["examples"]
    data = "Extraits :\n[1] En clôture, Anne Le Hénanff a insisté… Question : Qui a dit que la réussite se vérifiera ?"
    assert copies_example("Le conseil municipal s'est réuni le 3 mars. Le maire, Paul Martin, a présenté le budget. [1]",
                          examples, data)
    assert not copies_example("Anne Le Hénanff l'a dit en clôture [1].", examples, data)
    assert not copies_example("Je ne trouve pas la réponse dans les sources.", examples, data)
    # Words the data holds too are the data's: a passage about a town council's budget may be copied.
    assert not copies_example("Le maire, Paul Martin, a présenté le budget [1].", examples,
                              "[1] Le 3 mars, le maire, Paul Martin, a présenté le budget de la ville.")
    # Or one of its names, put in an answer about something else (PIAF seeds 3 and 7).
    assert copies_example("Le historien relevant une abondance d'évenements perturbants est Paul Martin [1].",
                          examples, data)
    assert copies_example("Albert Rivera est le dirigeant de la société lyonnaise Vélo+.", examples, data)
    assert not copies_example("Martin Luther a affiché ses thèses [1].", examples, "[1] Martin Luther…")
    assert "Paul Martin" in load_template("answer", "en")["examples"]
