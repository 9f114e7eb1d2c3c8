from rag.index.lexical import BM25, analyse, fold


def test_analysis_folds_accents_elisions_and_stop_words():
    assert analyse("l’Anssi") == analyse("ANSSI")
    assert analyse("régions") == analyse("region")
    assert "le" not in analyse("le directeur de la région")
    assert fold("Hénanff") == "henanff"


def test_bm25_ranks_the_matching_passage_first():
    docs = ["La ministre a ouvert les assises des régions.",
            "Vincent Strubel dirige l'Agence nationale de la sécurité des systèmes d'information.",
            "Le data center public des Pays de la Loire garantit la souveraineté."]
    bm = BM25([analyse(d) for d in docs])
    assert bm.top(analyse("Qui dirige l'agence de sécurité ?"), 3)[0][0] == 1
    assert bm.top(analyse("centre de données public"), 3)[0][0] == 2
    assert bm.top(analyse("zzz inconnu"), 3) == []
