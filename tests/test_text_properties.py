"""Properties of normalisation, sentence splitting and passage splitting, over generated text (hypothesis).

The offsets these functions keep are what citations and highlights point at: they must hold for any text,
not only for the article. Kept fast (a few hundred examples each, no deadline) for the fast suite."""

from __future__ import annotations

import hashlib

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rag.ingest import normalise, split_passages, split_sentences  # noqa: E402
from rag.types import Source  # noqa: E402

FAST = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# Text that exercises what the functions care about: combining marks, no-break spaces, sentence ends,
# quotes, line breaks, abbreviations, headings, and any other character now and then.
_PIECES = ["e", "\u0301", "\u0327", "\u0308", "é", "A", "Z", "É", "1", " ", "  ", "\u00a0", "\u202f", "\u2007",
           ".", "!", "?", "…", "»", "«", "\"", "“", "”", "(", ")", "\n", "\n\n", "\r\n", "\t", "# ", "M.", "Mme.",
           "etc.", "n°", "Le directeur. ", "Il a dit : « Non. » ", "Qui ? Elle ! ", "## Titre\n", "\u1100\u1161",
           "\ufb2c", "\u0344", "\u2028", "\x1c", "\x85", "\u0958"]
texts = st.lists(st.one_of(st.sampled_from(_PIECES), st.characters(blacklist_categories=("Cs",))),
                 max_size=80).map("".join)


def _source(text: str, name: str = "doc.txt") -> Source:
    return Source(name=name, text=text, sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())


@FAST
@given(texts)
@example("e\u0301\u00a0A.")
@example("\u0301abc")
@example("")
def test_normalise_offsets_map_back_into_the_original(text):
    norm, offsets = normalise(text)
    assert len(offsets) == len(norm) + 1
    assert offsets[-1] == len(text)
    assert all(0 <= o < len(text) for o in offsets[:-1])  # every character comes from an original one
    assert all(a <= b for a, b in zip(offsets, offsets[1:]))  # in order
    if text:
        assert offsets[0] == 0
    # Every original character is accounted for: normalising the stretch each output run comes from gives
    # that run back, and the stretches tile the original.
    starts = sorted(set(offsets[:-1]))
    bounds = starts + [len(text)]
    rebuilt = "".join(normalise(text[a:b])[0] for a, b in zip(bounds, bounds[1:]))
    assert rebuilt == norm
    if starts:
        assert starts[0] == 0


@FAST
@given(texts)
@example("Le directeur. Il part.")
@example("M. Dupont arrive. Puis ?  \n")
def test_sentence_spans_are_ordered_trimmed_and_within_bounds(text):
    spans = split_sentences(text)
    prev_end = 0
    for s, e in spans:
        assert 0 <= prev_end <= s < e <= len(text)
        seg = text[s:e]
        assert seg == seg.strip() and seg  # trimmed, never empty
        prev_end = e
    # Nothing but whitespace is left out.
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


@FAST
@given(texts, st.sampled_from(["doc.txt", "doc.md"]), st.integers(20, 300), st.integers(0, 2))
@example("Titre\nLe directeur. Il part.\n", "doc.txt", 20, 0)
@example("# T\n\ne\u0301t\u00e9. Oui.", "doc.md", 20, 1)
def test_passages_cover_the_text_with_exact_offsets(text, name, max_chars, overlap):
    if not text.strip():
        return  # a source without text is refused before splitting (load_source)
    src = _source(text, name)
    passages = split_passages(src, max_chars, overlap)
    norm, offsets = normalise(text)
    assert passages
    for p in passages:
        assert 0 <= p.start < p.end <= len(text)
        assert p.source == name
        # The passage is the normalised text of the original stretch it points at.
        assert p.text == normalise(text[p.start:p.end])[0]
        assert p.text and p.text == p.text.strip()
    # Every sentence of the source lies within some passage (the same split split_passages makes: per line).
    pos = 0
    for line in norm.splitlines(keepends=True):
        for s, e in split_sentences(line):
            a, b = offsets[pos + s], offsets[pos + e]
            assert any(p.start <= a and b <= p.end for p in passages), (line[s:e], a, b)
        pos += len(line)
    # Passages come in order of the text.
    assert [p.start for p in passages] == sorted(p.start for p in passages)
