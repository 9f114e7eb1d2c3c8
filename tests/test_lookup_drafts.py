"""Prompt lookup decoding's proposals and the UTF-8 holding of the greedy writer (the policy alone; the real model
writes with it in test_integration)."""

from __future__ import annotations

from rag.generate.backends import _LookupDrafts, _PassCosts, _whole_utf8


def test_the_tokens_after_the_latest_earlier_place_of_the_last_words_are_proposed():
    drafts = _LookupDrafts(4)
    #         an earlier place of (7, 8) is followed by 9 10 11 12; a later one by 20 21: the later one wins
    tokens = [1, 7, 8, 9, 10, 11, 12, 5, 7, 8, 20, 21, 3, 7, 8]
    assert drafts.propose(tokens, room=10) == [20, 21, 3, 7]


def test_the_longest_match_wins_and_a_single_shared_token_proposes_nothing():
    drafts = _LookupDrafts(3)
    # (6, 7, 8) stands once earlier (followed by 30); (7, 8) alone later (followed by 40)
    assert drafts.propose([6, 7, 8, 30, 31, 1, 7, 8, 40, 41, 2, 6, 7, 8], room=10) == [30, 31, 1]
    assert drafts.propose([5, 1, 2, 3, 9, 5], room=10) == []  # one token in common is too weak a sign
    assert drafts.propose([1, 2, 3, 4], room=10) == []


def test_the_proposal_fits_the_room_left():
    drafts = _LookupDrafts(8)
    tokens = [1, 2, 3, 4, 5, 6, 7, 1, 2]
    assert drafts.propose(tokens, room=2) == [3, 4]
    assert drafts.propose(tokens, room=0) == []


def test_the_length_grows_while_all_is_kept_and_shrinks_past_a_miss():
    drafts = _LookupDrafts(4)
    drafts.tally(4, 4)
    assert drafts.size == 8
    drafts.tally(8, 8)
    assert drafts.size == 8  # at most twice the setting
    drafts.tally(8, 1)
    assert drafts.size == 2
    drafts.tally(0, 0)  # nothing proposed: the length stays
    assert drafts.size == 2
    assert (drafts.steps, drafts.drafted, drafts.accepted) == (4, 20, 13)


def test_a_character_cut_between_tokens_is_held_until_whole():
    e_acute = "é".encode()
    assert _whole_utf8(b"caf" + e_acute[:1]) == ("caf", e_acute[:1])
    assert _whole_utf8(e_acute[:1] + e_acute[1:] + b"s") == ("és", b"")
    assert _whole_utf8("👍".encode()[:3]) == ("", "👍".encode()[:3])
    assert _whole_utf8(b"") == ("", b"")


def test_a_llama_cpp_python_without_the_internals_writes_a_token_a_pass():
    from types import SimpleNamespace

    from rag.generate.backends import _can_draft

    assert not _can_draft(SimpleNamespace())  # nothing it needs: create_completion is used
    ctx = SimpleNamespace(get_logits=1, get_logits_ith=1, kv_cache_seq_rm=1, decode=1)
    whole = SimpleNamespace(_model=SimpleNamespace(vocab=1), _batch=SimpleNamespace(batch=1), _ctx=ctx)
    import llama_cpp  # noqa: F401 - installed with the project

    assert _can_draft(whole)
    assert not _can_draft(SimpleNamespace(_model=whole._model, _batch=whole._batch, _ctx=SimpleNamespace(decode=1)))


def test_a_passage_is_shown_with_no_blank_line_inside():
    from rag.generate.prompts import one_block

    assert one_block("Un.\n\nDeux.\n \n\t\nTrois.\nQuatre.") == "Un.\nDeux.\nTrois.\nQuatre."
    assert one_block("Sans saut.") == "Sans saut."


class _Reader:
    """A stand-in for llama_cpp.Llama as `LlamaCppModel._read` drives it: tokens are their own text; 0 is a
    control token, 9 a blank line; `eval` records the chunks it is given."""

    def __init__(self):
        self.input_ids, self.n_tokens, self.chunks = [], 0, []

    @property
    def _input_ids(self):
        import numpy as np

        return np.array(self.input_ids[: self.n_tokens])

    def detokenize(self, toks, special=False):
        return b"".join(b"" if t == 0 and not special else b"<c>" if t == 0 else b"x.\n\n" if t == 9 else b"w"
                        for t in toks)

    @staticmethod
    def longest_token_prefix(a, b):
        n = 0
        for x, y in zip(a, b):
            if x != y:
                break
            n += 1
        return n

    def eval(self, toks):
        self.chunks.append(len(toks))
        self.input_ids[self.n_tokens:] = list(toks)
        self.n_tokens += len(toks)


def _model():
    from rag.generate.backends import LlamaCppModel, _PrefixStates

    m = LlamaCppModel.__new__(LlamaCppModel)
    m._breaks, m._blocks, m._states, m._reused = {}, None, _PrefixStates(), 0
    m._tails, m._paired = None, 0
    m._primed, m._prefilled = None, False
    return m


def test_a_prompt_read_ahead_whole_is_not_read_again():
    """`prefill` kept the whole prompt's state and its last scores: asked with exactly that prompt, `_read` has
    them put back (`_put_back_primed`, on the real model in tests/test_integration.py) and reads nothing; any
    other prompt is read as always."""
    m, llm = _model(), _Reader()
    prompt = [0] + [1] * 40 + [0] + [2] * 40 + [9] + [3] * 20

    def put_back(reader, toks):
        if toks != prompt:
            return False
        reader.input_ids, reader.n_tokens = list(toks), len(toks)
        return True

    m._put_back_primed = put_back
    assert m._read(llm, prompt) == len(prompt) and llm.chunks == [] and m._prefilled
    other = prompt[:-1] + [4]
    assert m._read(llm, other) == 83 and llm.chunks == [20] and not m._prefilled  # the kept cut, then the rest


def test_a_prompt_is_read_in_the_same_chunks_whatever_is_kept():
    m, llm = _model(), _Reader()
    prompt = [0] + [1] * 40 + [0] + [2] * 40 + [9] + [3] * 20  # instructions, first passage, the rest
    assert m._bounds(llm, prompt) == [41, 83]  # before the control token; after the blank line
    assert m._read(llm, prompt) == 0 and llm.chunks == [41, 42, 20]
    llm.chunks = []
    assert m._read(llm, prompt) == 83 and llm.chunks == [20]  # asked again: the last chunk read again, whole


def test_a_prompt_with_no_cut_is_read_whole_whatever_is_kept():
    m, llm = _model(), _Reader()
    prompt = [1] * 20
    assert m._bounds(llm, prompt) == []
    m._read(llm, prompt)
    llm.chunks = []
    assert m._read(llm, prompt) == 0 and llm.chunks == [20]  # not its last token alone: other sums, other scores


def test_a_second_passage_kept_as_a_tail_is_put_back_not_read():
    """`_Tails`: where the model holds a prompt up to the end of its first passage (the last cut), the cells of a
    second passage read ahead after it are put back up to the blank line that ends it, and only the rest is read.
    Nowhere else: not from a state cut earlier, not past the prompt's last token."""
    m, llm = _model(), _Reader()
    calls = []

    class Tails:
        def place(self, reader, toks, at, end):
            calls.append((at, end))
            reader.input_ids[at:end] = toks[at:end]
            reader.n_tokens = end
            return end - at

    m._tails = Tails()
    prompt = [0] + [1] * 40 + [0] + [2] * 40 + [9] + [4] * 30 + [9] + [3] * 20  # instructions, two passages, the rest
    # Nothing kept: all read, cut after the second passage too, so the tail is read in the pass it is kept from.
    assert m._read(llm, prompt) == 0 and calls == [] and llm.chunks == [41, 42, 31, 20]
    llm.chunks = []  # asked again: the live state holds the second passage too (no tail needed)
    assert m._read(llm, prompt) == 114 and calls == [] and llm.chunks == [20] and m._paired == 0
    llm.n_tokens, llm.chunks = 83, []  # the state kept after the first passage: the tail is put back
    assert m._read(llm, prompt) == 114 and calls == [(83, 114)] and llm.chunks == [20] and m._paired == 31
    llm.n_tokens, llm.chunks, calls[:] = 41, [], []  # only the instructions kept: no tail starts there
    assert m._read(llm, prompt) == 41 and calls == [] and llm.chunks == [42, 31, 20] and m._paired == 0
    # The tail's own prompt (up to the blank line after the second passage) ends with the chunk it keeps.
    assert m._bounds(llm, prompt[:114]) == [41, 83]
    assert m._bounds(llm, prompt, third=False) == [41, 83]  # a judge's prompt: no pair to read as a chunk
    m._tails = None  # a model that keeps no tails: no third cut (each costs a pass over the weights)
    assert m._bounds(llm, prompt) == [41, 83]
    short = [0] + [1] * 40 + [0] + [2] * 40 + [9] + [4] * 30 + [9]  # nothing after the second passage
    assert m._next_break(llm, short, 83) is None and m._next_break(llm, prompt, 83) == 114


def _passes(plain_s: float, drafted_s: float, kept: int = 4) -> _PassCosts:
    passes = _PassCosts()
    for _ in range(_PassCosts.LEAST):
        passes.add(0, 0, plain_s)
        passes.add(8, kept, drafted_s)
    return passes


def test_drafting_stops_where_its_passes_write_fewer_tokens_a_second_and_is_probed_again():
    """Session 30's AMD host in safe mode: a pass reading a proposal cost about a pass per token, so drafting wrote
    10 tokens/s against 16 without. Each drafted pass below writes 5 tokens in 0.5 s (10/s), a plain one 1 in 0.06 s."""
    passes = _passes(0.06, 0.5)
    assert not passes.pays()
    drafts = _LookupDrafts(8, passes)
    tokens = [1, 2, 3, 4, 5, 6, 7, 1, 2]
    proposals = [drafts.propose(tokens, room=10) for _ in range(2 * _PassCosts.PROBE)]
    assert sum(1 for x in proposals if x) == 2 and proposals[_PassCosts.PROBE - 1] == [3, 4, 5, 6, 7, 1, 2]
    # A probe that writes fast again counts: drafting resumes once it pays.
    for _ in range(200):
        passes.add(8, 8, 0.1)
    assert passes.pays() and drafts.propose(tokens, room=10)


def test_drafting_goes_on_where_it_pays_and_until_both_kinds_of_pass_are_measured():
    passes = _passes(0.06, 0.12)  # 5 tokens in 0.12 s: 42/s against 17/s
    assert passes.pays()
    young = _PassCosts()
    for _ in range(_PassCosts.LEAST - 1):
        young.add(8, 0, 1.0)  # slow, but not yet measured against plain passes
    assert young.pays()
    drafts = _LookupDrafts(8)
    drafts.tally(8, 2, 0.3)
    drafts.tally(0, 0, 0.05)
    assert drafts.passes.drafted == [1, 0.3, 3] and drafts.passes.plain == [1, 0.05]


def test_what_drafting_was_found_worth_carries_over_to_the_next_process_scaled_down():
    """Kept on disk with the states read ahead (`StateFiles`, "passes"): the next model process starts from the
    last one's verdict rather than drafting through its first answers again, and its own passes soon outweigh it."""
    many = _PassCosts()
    for _ in range(10 * _PassCosts.LEAST):
        many.add(0, 0, 0.06)
        many.add(8, 4, 0.5)
    carried = _PassCosts.from_json(many.to_json())
    assert carried.measured() and not carried.pays()
    assert carried.plain[0] == carried.drafted[0] == 4 * _PassCosts.LEAST
    for _ in range(8 * _PassCosts.LEAST):  # this process's passes: drafting now pays here
        carried.add(8, 8, 0.1)
    assert carried.pays()
    for damaged in (b"", b"{}", b'{"plain": [0, 0.0], "drafted": [3, 1.0, 9]}', b'{"plain": "x", "drafted": []}',
                    b'{"plain": [Infinity, 1.0], "drafted": [30, 1.0, 90]}'):
        fresh = _PassCosts.from_json(damaged)
        assert (fresh.plain, fresh.drafted) == ([0, 0.0], [0, 0.0, 0]) and fresh.pays()
