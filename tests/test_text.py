import pytest

from rag.errors import SourceError
from rag.ingest import load_source, normalise, split_passages, split_sentences
from rag.types import Source

from conftest import ARTICLE


def test_normalise_keeps_offsets_through_nbsp_and_nfc():
    original = "Cafe\u0301 à\u00a0Paris : 3\u00a0000 €"  # decomposed é, no-break spaces
    norm, offsets = normalise(original)
    assert norm == "Café à Paris : 3 000 €"
    assert len(offsets) == len(norm) + 1
    i = norm.index("Paris")
    assert original[offsets[i]:offsets[i + 5]] == "Paris"
    assert original[offsets[3]] == "e"  # é maps back to the start of its decomposed run


def test_sentences_ignore_abbreviations():
    text = "M. Dupont est venu. Il a parlé de l'IA ! Puis il est parti."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "M. Dupont est venu.", "Il a parlé de l'IA !", "Puis il est parti."]


def test_article_passages_map_back_to_the_original():
    src = load_source(ARTICLE)
    passages = split_passages(src, max_chars=600)
    assert len(passages) > 10
    for p in passages:
        assert len(p.text) <= 600 or "." not in p.text[:-1]
        # The passage is the original text, no-break spaces aside.
        assert src.text[p.start:p.end].replace("\u00a0", " ") == p.text
    # Every sentence of the article is in some passage, whole (never cut between two passages).
    norm, offsets = normalise(src.text)
    sentences, pos = [], 0
    for line in norm.splitlines(keepends=True):
        sentences += [(offsets[pos + s], offsets[pos + e]) for s, e in split_sentences(line)]
        pos += len(line)
    assert len(sentences) > 40
    covered = set()
    for p in passages:
        covered.update(range(p.start, p.end))
    assert [src.text[s:e] for s, e in sentences if not set(range(s, e)) <= covered] == []
    assert [src.text[s:e] for s, e in sentences if not any(p.start <= s and e <= p.end for p in passages)] == []
    assert [i for i, ch in enumerate(src.text) if not ch.isspace() and i not in covered] == []
    assert "Vincent Strubel" in " ".join(p.text for p in passages)
    assert any(p.heading.startswith("Une transposition de NIS2") for p in passages)


def test_overlap_repeats_sentences():
    text = " ".join(f"Phrase numéro {i} assez longue pour compter." for i in range(30))
    src = Source("t.txt", text, "x")
    plain = split_passages(src, 200, 0)
    over = split_passages(src, 200, 1)
    assert len(over) > len(plain)
    assert over[1].start < over[0].end


@pytest.mark.parametrize("name,content,match", [
    ("a.pdf", b"%PDF", "unsupported file type"),
    ("a.txt", b"", "holds no text"),
    ("a.txt", b"\xff\xfe\x00bad", "not UTF-8"),
])
def test_bad_sources_are_refused(tmp_path, name, content, match):
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(SourceError, match=match):
        load_source(f)


def test_missing_source(tmp_path):
    with pytest.raises(SourceError, match="cannot read"):
        load_source(tmp_path / "nope.txt")


def test_a_sentence_ends_before_markup():
    from rag.generate.draft import parse_sentences

    got = parse_sentences('Le marché ouvre le 5 décembre [1]. <img src="http://example.invalid/a.png"> Il y aura '
                          'des crêpes [9].')
    assert [x.text for x in got] == ["Le marché ouvre le 5 décembre.",
                                     '<img src="http://example.invalid/a.png"> Il y aura des crêpes.']
    assert [x.citations for x in got] == [[1], [9]]
