"""Which saved model states the GGUF backend keeps (the policy alone; the real model is in test_integration)."""

from __future__ import annotations

from rag.generate.backends import _PrefixStates

F = _PrefixStates.FAMILY_TOKENS


def key(family: int, n: int) -> tuple[int, ...]:
    return (family,) * F + (n,)


def test_a_family_keeps_its_newest_states():
    states = _PrefixStates(per_family=2, max_items=8)
    for n in range(5):
        states.keep(key(1, n), b"x")
    assert list(states.items) == [key(1, 3), key(1, 4)]


def test_many_calls_of_one_family_never_push_out_another():
    """The judge's calls of one answer used to push out every state holding the answer prompt."""
    states = _PrefixStates(per_family=2, max_items=4)
    states.keep(key(1, 0), b"answer")
    for n in range(10):
        states.keep(key(2, n), b"judge")
    assert key(1, 0) in states.items and len(states.items) == 3


def test_past_the_limit_a_familys_last_state_goes_only_when_every_family_has_one():
    states = _PrefixStates(per_family=2, max_items=3)
    states.keep(key(1, 0), b"")
    states.keep(key(2, 0), b"")
    states.keep(key(2, 1), b"")
    states.keep(key(3, 0), b"")  # four states: family 2's older one goes, not family 1's only one
    assert list(states.items) == [key(1, 0), key(2, 1), key(3, 0)]
    states.keep(key(4, 0), b"")  # every family down to one: the oldest of all goes
    assert list(states.items) == [key(2, 1), key(3, 0), key(4, 0)]


def test_saving_a_state_again_makes_it_the_newest():
    states = _PrefixStates(per_family=2, max_items=8)
    states.keep(key(1, 0), b"a")
    states.keep(key(1, 1), b"b")
    states.keep(key(1, 0), b"c")
    states.keep(key(1, 2), b"d")
    assert states.items == {key(1, 0): b"c", key(1, 2): b"d"}


def test_saving_a_large_state_copies_it_whole_and_at_c_speed(monkeypatch):
    """An answer prompt's state is ~17 MB here; copying it through a list of ints took 0.7 s after every answer
    and judge call (`bytes(buf[:n])`)."""
    import ctypes
    import time
    from types import SimpleNamespace

    import llama_cpp

    size = 17_000_000
    pattern = bytes(range(256)) * (size // 256)
    monkeypatch.setattr(llama_cpp, "llama_state_get_size", lambda ctx: size + 100)  # the bound, not the size

    def get_data(ctx, buf, cap):
        ctypes.memmove(buf, pattern, len(pattern))
        return len(pattern)

    monkeypatch.setattr(llama_cpp, "llama_state_get_data", get_data)
    llm = SimpleNamespace(n_tokens=3, _ctx=SimpleNamespace(ctx=None),
                          _input_ids=SimpleNamespace(tolist=lambda: [1, 2, 3]))
    states = _PrefixStates()
    t = time.perf_counter()
    states.save(llm)
    states.save(llm, pinned=True)
    spent = time.perf_counter() - t
    assert states.items[(1, 2, 3)] == pattern and states.pinned[(1, 2, 3)] == pattern
    assert spent < 0.3, f"two saves of 17 MB took {spent:.2f} s"


# -- passages kept as movable blocks (`_Blocks`): finding them in a prompt ------------------------------------
def _blocks(*keys):
    from rag.generate.backends import _Blocks

    b = _Blocks()
    for start, key in keys:
        b.items[tuple(key)] = (start, b"cells")
    b._index()
    return b


def test_a_block_is_found_where_a_prompt_repeats_it_whole_or_in_part():
    passage = list(range(100, 160))  # 60 tokens
    b = _blocks((300, passage))
    prompt = [1, 2, 3] + passage + [7, 8, 9]
    assert b._match(prompt, 3) == (tuple(passage), 0, 60)
    # What overlap removal leaves of a passage ("… the rest"): the run from its 20th token is moved in.
    trimmed = [1, 2, 3] + passage[20:] + [7]
    assert b._match(trimmed, 3) == (tuple(passage), 20, 40)
    assert b._match(prompt, 0) is None  # no block starts with the prompt's own words


def test_a_short_run_is_read_not_moved_and_the_prompts_last_token_is_always_read():
    passage = list(range(100, 160))
    b = _blocks((300, passage))
    assert b._match([1] + passage[:15] + [2], 1) is None  # under MIN_RUN tokens: moving it saves nothing
    # A prompt that ends with the passage: its last token stays to be read, for fresh scores of the next word.
    assert b._match([1] + passage, 1) == (tuple(passage), 0, 59)


def test_the_longest_run_wins_when_two_blocks_share_words():
    a, c = list(range(100, 140)), list(range(100, 120)) + list(range(500, 540))
    b = _blocks((300, a), (300, c))
    assert b._match([0] + c + [9], 1) == (tuple(c), 0, 60)
    assert b._match([0] + a + [9], 1) == (tuple(a), 0, 40)
