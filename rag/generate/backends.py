"""Language models behind one small interface: `stream(messages, max_tokens)` yields text pieces.

`LlamaCppModel` runs a GGUF file in-process with llama-cpp-python (loaded on first use);
`OpenAICompatModel` talks to any OpenAI-compatible server the user runs (llama-server, vLLM…).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Iterator, Protocol, runtime_checkable

from ..errors import GenerationError, ModelError, ModelUnavailable

__all__ = ["ChatModel", "Judge", "LlamaCppModel", "OpenAICompatModel"]


@runtime_checkable
class ChatModel(Protocol):
    """What answering needs of a language model."""
    name: str
    # Figures of the last `stream` (prompt tokens, how many were reused from a saved state, seconds to the
    # first piece, pieces written, seconds writing them); {} when the backend cannot tell.
    last_perf: dict

    @property
    def loaded(self) -> bool: ...

    def load(self) -> None: ...

    def stream(self, messages: list[dict], max_tokens: int, temperature: float = 0.0,
               stop: list[str] | None = None) -> Iterator[str]: ...


@runtime_checkable
class Judge(Protocol):
    """A model that can grade a YES/NO question from its first token's scores (the grounding judge)."""

    def yes_no(self, messages: list[dict]) -> float: ...


class LlamaCppModel:
    """A GGUF model in this process. `safe` loads it without llama.cpp's extra buffer types (weight
    repacking, AMX tiles): slower, but it runs on hosts that advertise instructions they cannot execute."""

    CHUNK_MIN = 32  # fewest tokens between two cuts of a prompt in chunks (`_bounds`)

    def __init__(self, path: Path, n_ctx: int = 4096, threads: int = 2, seed: int = 0, safe: bool = False,
                 lookup: int = 8, state_dir: Path | None = None, state_cap: int = 0):
        self.path, self.n_ctx, self.threads, self.seed, self.safe = Path(path), n_ctx, threads, seed, safe
        # States `remember`ed, kept on disk for the next process (`StateFiles`); None: kept in memory only.
        self._state_dir, self._state_cap = (Path(state_dir), state_cap) if state_dir and state_cap > 0 else (None, 0)
        self.files = None
        self.lookup = lookup  # most tokens drafted from the prompt per step when writing greedily; 0: none
        self._breaks: dict[int, str] = {}  # token id -> where it cuts a prompt in chunks (`_bounds`)
        self._reused = 0  # tokens the last `_read` did not read again
        self._paired = 0  # of those, the tokens a kept tail held (`_Tails`: a passage read ahead as the second)
        # `prefill`: a whole prompt read; the model's state after it; the scores of its last position (a state put
        # back does not bring back scores: llama.cpp keeps those of the last pass it made)
        self._primed: tuple[tuple[int, ...], bytes, bytes] | None = None
        self._prefilled = False  # the last `_read` took its prompt whole from `prefill`
        self.last_perf: dict = {}
        self.last_judge_perf: dict = {}  # the last `yes_no`: its prompt tokens, how many were not read again
        self.name = self.path.stem
        self._llm = None
        self._passes = _PassCosts()  # whether drafting from the prompt pays on this host, from the passes made
        # llama.cpp contexts are not thread-safe: one generation at a time per process.
        self.lock = threading.Lock()

    @property
    def llm(self):
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError as e:
                raise ModelError("llama-cpp-python is not installed: reinstall the project (`pip install -e .`)") from e
            try:
                with _without_extra_buffers(self.safe), _two_sequences() as movable:
                    llm = Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.threads,
                                n_threads_batch=self.threads, seed=self.seed, verbose=False)
            except Exception as e:  # noqa: BLE001
                raise ModelError(f"cannot load the GGUF model {self.path}: {e}. Run `rag models install` "
                                 "or choose another with --llm-model.") from e
            self._llm = llm
            self._states = _PrefixStates()
            self._blocks = _Blocks() if movable else None
            self._tails = _Tails() if movable else None
            if self._state_dir is not None:
                from .state_files import StateFiles, identity

                self.files = StateFiles(self._state_dir, identity(self.path, safe=self.safe, n_ctx=self.n_ctx,
                                                                   threads=self.threads), self._state_cap)
                found = self.files.get("passes", [])
                if found is not None:  # what an earlier process found drafting worth here, from its start
                    self._passes = _PassCosts.from_json(found[1])
        return self._llm

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def load(self) -> None:
        self.llm

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False))

    def _prompt_tokens(self, messages: list[dict]) -> list[int]:
        toks = self.llm.tokenize(self.format(messages).encode("utf-8"), add_bos=False, special=True)
        if len(toks) >= self.n_ctx:
            raise GenerationError(f"the question and passages are too long for the model's context ({len(toks)} "
                                  f"tokens, at most {self.n_ctx}): lower --top-k or --chunk-chars")
        return toks

    def stream(self, messages, max_tokens, temperature=0.0, stop=None):
        with self.lock:
            llm = self.llm
            toks = self._prompt_tokens(messages)
            start, first, n = time.perf_counter(), None, 0
            if self._is_primed(toks):
                # Read while typed (`prefill`): `_read` puts that state back whole; no kept prefix to put back first.
                reused, placed = len(toks), 0
            else:
                self._states.restore(llm, toks)
                reused = llm.longest_token_prefix(llm._input_ids.tolist(), toks)
                placed = self._blocks.place(llm, toks, min(reused, len(toks) - 1)) if self._blocks else 0
            self._reused = 0
            greedy = temperature == 0 and not stop and _can_draft(llm)
            drafts = _LookupDrafts(max(self.lookup, 0), self._passes)
            try:
                if greedy:
                    pieces = self._greedy(llm, toks, max_tokens, drafts)
                else:  # sampling: llama-cpp-python's own loop, after the prompt is read as everywhere else
                    self._read(llm, toks)
                    pieces = (c["choices"][0]["text"] for c in llm.create_completion(
                        toks, max_tokens=max_tokens, temperature=temperature, stop=stop, stream=True))
                for piece in pieces:
                    if first is None:
                        first = time.perf_counter()
                    n += 1
                    if piece:
                        yield piece
            except ValueError as e:  # llama-cpp raises ValueError when the prompt exceeds the context
                raise GenerationError(f"the model could not answer: {e}") from e
            finally:
                end = time.perf_counter()
                self.last_perf = {"prompt_tokens": len(toks),
                                  "prompt_reused": min(reused, len(toks) - 1, self._reused),
                                  "prompt_placed": placed, "prompt_paired": self._paired,
                                  "prompt_prefilled": self._prefilled,
                                  "first_piece_s": round((first or end) - start, 3), "pieces": n,
                                  "writing_s": round(end - (first or end), 3),
                                  "drafted": drafts.drafted, "accepted": drafts.accepted, "steps": drafts.steps,
                                  "drafting_pays": self._passes.pays()}
                # Only the prompt's cells, read in its own chunks, are kept (see `_read`); create_completion read
                # the prompt's last token again on its own.
                self._truncate(llm, len(toks) if greedy else max([0, *self._bounds(llm, toks[:-1])]))
                self._states.save(llm)
                if self.files is not None and drafts.steps and self._passes.measured():
                    self.files.put("passes", [], self._passes.to_json())

    def _greedy(self, llm, toks: list[int], max_tokens: int, drafts: "_LookupDrafts"):
        """Greedy writing with prompt lookup decoding: answers copy runs of words from the passages, so the
        tokens that followed the last ones written where they stand earlier in the prompt are proposed, the model
        scores them all in one pass, and those it would have chosen itself are kept, with its own choice after
        them. A pass over k+1 tokens costs far less than k+1 passes on a CPU. Only those positions are scored
        (llama-cpp-python's own version scores every prompt position, which cost more than the drafts saved).
        Not bit-identical to writing one token a pass: a pass over several tokens sums in another order (scores
        differ by up to ~0.5 here), so where the model's two best tokens are that close it may pick the other
        (1 or 2 of 24 bench drafts; reading a prompt in other chunks did the same before `_read` fixed the
        chunks). Yields each token's text, a character cut between tokens held until whole."""
        import numpy as np
        import llama_cpp

        vocab = llm._model.vocab
        self._read(llm, toks)
        budget = min(max_tokens, self.n_ctx - len(toks))
        chosen = [int(np.argmax(np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),))))]
        written, held = list(toks), b""
        while True:
            for tok in chosen:
                if len(written) - len(toks) >= budget or llama_cpp.llama_vocab_is_eog(vocab, tok):
                    return
                written.append(tok)
                text, held = _whole_utf8(held + llm.detokenize([tok]))
                yield text
            room = min(budget - (len(written) - len(toks)), self.n_ctx - len(written))
            if room <= 0:
                return
            guess = drafts.propose(written, room - 1)
            t = time.perf_counter()
            best = self._best_next(llm, [written[-1], *guess])  # the last token chosen is read with the guess
            seconds = time.perf_counter() - t
            kept = 0
            while kept < len(guess) and guess[kept] == best[kept]:
                kept += 1
            drafts.tally(len(guess), kept, seconds)
            self._truncate(llm, len(written) + kept)  # the cells of the guessed tokens not chosen are dropped
            chosen = [*guess[:kept], int(best[kept])]

    def _best_next(self, llm, run: list[int]):
        """Read `run` after the live state in one pass; the model's best next token after each of its positions."""
        import numpy as np

        n_past, batch = llm.n_tokens, llm._batch.batch
        llm._ctx.kv_cache_seq_rm(0, n_past, -1)
        batch.n_tokens = len(run)
        for i, tok in enumerate(run):  # each position in sequence 0, each scored
            batch.token[i], batch.pos[i], batch.seq_id[i][0], batch.n_seq_id[i] = tok, n_past + i, 0, 1
            batch.logits[i] = True
        try:
            llm._ctx.decode(llm._batch)
        except RuntimeError as e:  # llama_decode's status, e.g. no room left in the attention cache
            raise GenerationError(f"the model could not answer: {e}") from e
        llm.input_ids[n_past:n_past + len(run)] = run
        llm.n_tokens = n_past + len(run)
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(len(run), llm.n_vocab())).argmax(axis=1)

    def remember(self, messages: list[dict], block: str | None = None, tail: bool = False,
                 kept_only: bool = False) -> int:
        """Read the prompt of `messages` up to the end of the last message's text (not what the chat template
        adds after it) and keep the model state there for good: a prompt that starts the same way (the fixed
        instructions, then a passage listed first) skips reading that part. With `block` (the text that ends the
        last message, a passage), the attention cells of its words are also kept apart, to be moved into a later
        prompt wherever the same words stand (`_Blocks`). With `tail` (the text ends with a second passage after
        one remembered), only the cells read past the kept state are kept (`_Tails`: ~2.4 MB, not a 10 MB state).
        With `kept_only`, nothing is read: a state held already (in memory, or on disk from an earlier process) is
        put back, else 0.
        Returns the tokens kept."""
        mark = "\u2063\u2063"  # invisible separators: where the last message's text ends in the prompt
        with self.lock:
            llm = self.llm
            text = self.format([*messages[:-1], {**messages[-1], "content": messages[-1]["content"] + mark}])
            text = text[: text.index(mark)]
            toks = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
            if kept_only:  # already in memory: nothing to put back
                held = self._tails.items.get(tuple(toks)) if tail and self._tails is not None else None
                if held is not None:
                    return len(toks) - held[0]
                if not tail and tuple(toks) in self._states.pinned:
                    return len(toks)
            if tail:
                return self._remember_tail(llm, toks, kept_only)
            blocks = bool(block and self._blocks is not None)  # cells kept apart from the live read: read it
            found = self.files.get("state", toks) if self.files is not None and not blocks else None
            if found is not None:
                self._states.pin(tuple(toks), found[1])  # put back when a prompt starts this way, as if read
                return len(toks)
            if kept_only:
                return 0
            self._read(llm, toks)
            data = self._states.save(llm, pinned=True)
            if self.files is not None and data is not None:
                self.files.put("state", toks, data)
            body = text.rstrip("\n")  # the blank line after a passage belongs to no block
            if blocks and body.endswith(block):
                lead = llm.tokenize(body[: -len(block)].encode("utf-8"), add_bos=False, special=True)
                # The block's first token may merge with the words before it, its last with what follows.
                self._blocks.keep(llm, llm.longest_token_prefix(lead, toks), len(toks) - 1)
            return len(toks)

    def prefill(self, messages: list[dict]) -> int:
        """Read the whole prompt of `messages` before it is asked (its question is still being typed) and keep
        that state and the scores of the prompt's last position: `stream` on the same prompt then reads nothing
        and writes at once. Read by `_read`, so in the same chunks, hence the same numbers, as when asked. One
        prompt is kept (the latest). Returns the tokens read (0: this prompt is the one kept)."""
        with self.lock:
            llm = self.llm
            toks = self._prompt_tokens(messages)
            if self._is_primed(toks):
                return 0
            self._primed = None
            kept = self._read(llm, toks)
            scores = ctypes.string_at(llm._ctx.get_logits_ith(-1), 4 * llm.n_vocab())
            self._primed = (tuple(toks), self._states.snapshot(llm), scores)
            return len(toks) - kept

    def _is_primed(self, toks: list[int]) -> bool:
        """Is `toks` the prompt `prefill` read and kept?"""
        return self._primed is not None and self._primed[0] == tuple(toks)

    def _put_back_primed(self, llm, toks: list[int]) -> bool:
        """The state `prefill` kept for exactly `toks`, and the scores of its last position where the model's
        last scores are read; False (and nothing put back, or only cells the prompt's reading reuses) if not."""
        if not self._is_primed(toks):
            return False
        key, state, scores = self._primed
        if not self._states.load(llm, key, state):
            return False
        out = llm._ctx.get_logits_ith(-1)  # the last pass's last row (NULL: none)
        if not out:
            return False
        ctypes.memmove(out, scores, len(scores))
        return True

    def _remember_tail(self, llm, toks: list[int], kept_only: bool = False) -> int:
        """Read `toks` (a prompt up to the blank line after its second passage) as `_read` does, from the state
        kept after its first passage, and keep the cells it read as a tail. A prompt that continues the same way
        has them put back in place rather than reading that passage: the same numbers as reading it, as `_read`
        cuts a prompt after its second passage too (`_bounds`), so the passage is read in the same pass either way.
        (Session 31 checked instead that a pass split anywhere computes the same numbers: weight repacking does not,
        so hosts in normal mode kept no tails.)"""
        if self._tails is None:
            return 0
        found = self.files.get("tail", toks) if self.files is not None else None
        if found is not None:  # kept by an earlier process on this host, model and mode
            self._tails.put(tuple(toks), *found)
            return len(toks) - found[0]
        if kept_only:
            return 0
        start = self._read(llm, toks)
        if not start or start != max([0, *self._bounds(llm, toks)]) or len(toks) - start < 2:
            return 0  # no state kept after the first passage: nothing a prompt would continue from
        self._tails.keep(llm, start, len(toks))
        kept = self._tails.items.get(tuple(toks))
        if self.files is not None and kept is not None:
            self.files.put("tail", toks, kept[1], start=start)
        return len(toks) - start

    def format(self, messages: list[dict]) -> str:
        """The prompt text of `messages` under the model's own chat template."""
        return self._formatter(messages=messages).prompt

    @functools.cached_property
    def _formatter(self):
        """The chat template, compiled once (compiling it took 17 ms, a twentieth of a judge call)."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llm = self.llm
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{self.path.name} has no chat template; use an instruction-tuned GGUF")
        eos = llm.detokenize([llm.token_eos()]).decode("utf-8", "ignore")
        bos = llm.detokenize([llm.token_bos()]).decode("utf-8", "ignore") if llm.token_bos() >= 0 else ""
        return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)

    def yes_no(self, messages: list[dict]) -> float:
        """log P("YES") - log P("NO") for the reply's first token: a graded verdict from one forward pass."""
        import numpy as np
        import llama_cpp

        with self.lock:
            llm = self.llm
            toks = self._prompt_tokens(messages)
            # No cut after a second paragraph: a judge's prompt holds no pair, and a cut would cost a pass and
            # move the margins its limits were measured with.
            self.last_judge_perf = {"prompt_tokens": len(toks), "prompt_reused": self._read(llm, toks, third=False)}
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits(llm._ctx.ctx), shape=(llm.n_vocab(),))
            self._states.save(llm)
            ids = self._answer_ids()
            return float(max(logits[i] for i in ids["yes"]) - max(logits[i] for i in ids["no"]))

    def _read(self, llm, toks: list[int], third: bool = True) -> int:
        """Have the model read `toks` from the best kept state: only what follows the longest prefix already read
        (the last token at least, so its scores are fresh). Returns how many tokens it did not read again.

        Always in the prompt's own chunks (`_bounds`: the instructions, the first passage, the second, the rest), a kept
        prefix cut back to the last chunk it holds whole: a pass over some tokens sums
        in another order than a pass over others, and the 1.5B model's choice between two close words follows
        (one prompt read whole, or its last token alone after a kept state, gave "Orange [3]." or "La start-up
        française Mistral…"). Read the same way whatever was read before, a question gets the same scores, so the
        same answer, whether asked first, again, or after others. A passage read ahead is remembered with the blank
        line that follows it in every prompt, so it ends a chunk and is kept whole. (Not with passages moved in as
        blocks, RAG_PASSAGE_BLOCKS: approximate by design, they are kept whatever the chunks.)
        The prompt `prefill` read, whole, is not read at all: its state holds the last position's scores."""
        self._prefilled = False
        if self._put_back_primed(llm, toks):
            self._paired, self._reused, self._prefilled = 0, len(toks), True
            return len(toks)
        self._states.restore(llm, toks)
        shared = min(llm.longest_token_prefix(llm._input_ids.tolist(), toks), len(toks) - 1)
        # Passages moved in as blocks (RAG_PASSAGE_BLOCKS) are approximate anyway: all they hold is kept.
        moved = self._blocks is not None and bool(self._blocks.items)
        bounds = [] if moved else self._bounds(llm, toks, third)
        # A chunk boundary depends only on the tokens before it, so the kept state was cut there too (every state
        # kept holds a prompt read by this method, cut back to it after writing). No cut: read whole.
        keep = shared if moved else max([0, *(b for b in bounds if b <= shared)])
        llm.n_tokens = keep  # eval() drops the cached state past this point
        self._paired = 0
        if not moved and self._tails is not None and len(bounds) > 1 and keep == bounds[1]:
            # The second passage as read ahead after this first one: its cells put back, the same numbers. It ends
            # at the third cut (`_bounds`); none, no tail (a judge's prompt, or nothing after the second passage).
            self._paired = self._tails.place(llm, toks, keep, bounds[2] if len(bounds) > 2 else None)
            keep += self._paired
        for start, end in itertools.pairwise([keep, *(b for b in bounds if keep < b < len(toks)), len(toks)]):
            llm.eval(toks[start:end])
        self._reused = keep
        return keep

    def _kind(self, llm, tok: int) -> str:
        """"control" (a chat-template token), "break" (its text ends with a blank line) or ""."""
        kind = self._breaks.get(tok)
        if kind is None:
            plain = llm.detokenize([tok]).decode("utf-8", "ignore")
            kind = ("control" if not plain and llm.detokenize([tok], special=True) else
                    "break" if plain.rstrip(" \t").endswith("\n\n") else "")
            self._breaks[tok] = kind
        return kind

    def _next_break(self, llm, toks: list[int], at: int) -> int | None:
        """Just past the first blank line at or after `at` (where a passage listed there ends), before the end."""
        return next((i + 1 for i in range(at, len(toks) - 1) if self._kind(llm, toks[i]) == "break"), None)

    def _bounds(self, llm, toks: list[int], third: bool = True) -> list[int]:
        """Where a prompt is cut in chunks: before its first chat-template control token (the instructions'
        message ends there), and after the first paragraph break that follows (a token that ends with a blank
        line, "\\n\\n" or ".\\n\\n"…: the first passage ends there), each at least `CHUNK_MIN` tokens after the
        last cut; then, where this model keeps tails, after the next break (the second passage ends there).
        A function of the tokens before each place only, so two prompts that share a beginning are cut the same
        way there. The third cut makes a tail read ahead exactly the chunk a question would read: the same numbers
        on every host, where weight repacking computes a pass split elsewhere differently (session 31's AMD host in
        normal mode). Not with `third` False (the judge's prompts: no pair there, and a prompt kind never shares
        more than its first cut with another, so each kind is still cut alike). No more cuts: each costs a pass over
        the model's weights (~0.1 s here)."""
        out, last = [], 0
        for i, tok in enumerate(toks):
            kind = self._kind(llm, tok)
            at = i if kind == "control" and not out else i + 1 if kind == "break" and out else None
            if at is not None and at - last >= self.CHUNK_MIN:
                out.append(at)
                last = at
                if len(out) == 2:
                    break
        if third and len(out) == 2 and self._tails is not None:
            end = self._next_break(llm, toks, out[1])
            out += [end] if end is not None else []
        return out

    @staticmethod
    def _truncate(llm, n: int) -> None:
        """Drop the model's cells past position `n`."""
        if llm.n_tokens > n:
            llm._ctx.kv_cache_seq_rm(0, n, -1)
            llm.n_tokens = n

    def _answer_ids(self) -> dict:
        if not hasattr(self, "_ids"):
            tok = lambda w: self.llm.tokenize(w.encode(), add_bos=False, special=False)[0]  # noqa: E731
            self._ids = {"yes": {tok(w) for w in ("YES", "Yes", " YES")}, "no": {tok(w) for w in ("NO", "No", " NO")}}
        return self._ids


class _LookupDrafts:
    """Prompt lookup decoding's proposals (the tokens that followed the last `LONGEST` to `SHORTEST` tokens
    written, at their latest earlier place) and their tally. The length adapts: doubled up to twice `most` while
    every proposed token is kept, cut to just past what was kept otherwise (a rejected token costs a little)."""

    LONGEST, SHORTEST = 3, 2

    def __init__(self, most: int, passes: "_PassCosts | None" = None):
        self.most, self.size = most, most
        self.steps = self.drafted = self.accepted = 0
        self.passes = passes if passes is not None else _PassCosts()

    def propose(self, tokens: list[int], room: int) -> list[int]:
        k = min(self.size, room)
        if k <= 0 or not self.passes.draft_now():
            return []
        for n in range(self.LONGEST, self.SHORTEST - 1, -1):
            tail = tokens[-n:]
            for i in range(len(tokens) - n - 1, -1, -1):
                if tokens[i:i + n] == tail:
                    return tokens[i + n:i + n + k]
        return []

    def tally(self, proposed: int, kept: int, seconds: float | None = None) -> None:
        self.steps += 1
        self.drafted += proposed
        self.accepted += kept
        if proposed:
            self.size = min(2 * self.most, self.size * 2) if kept == proposed else max(2, kept + 1)
        if seconds is not None:
            self.passes.add(proposed, kept, seconds)


class _PassCosts:
    """Whether drafting from the prompt pays on this host, read from the model's own passes: tokens written per
    second by passes that read a proposal with the last token, against passes that read the last token alone.
    It pays where llama.cpp reads a few tokens in one pass for little more than one (weights repacked for the CPU:
    18 against 13 tokens/s on session 11's host) and loses where such a pass costs much more than one over the last
    token alone (safe mode on session 30's AMD host: 10 against 16 tokens/s, the same prompts in one process). Until
    each kind has `LEAST` passes it drafts; once drafting loses it stops, and drafts one pass in `PROBE` so that a
    host whose load changes is read again. With states kept on disk, the next model process on this host starts from
    these tallies, scaled down (`to_json`, `from_json`)."""

    LEAST, PROBE = 24, 64

    def __init__(self):
        self.plain = [0, 0.0]  # passes, seconds
        self.drafted = [0, 0.0, 0]  # passes, seconds, tokens written (those kept and the model's own after them)
        self._since = 0  # passes without a proposal since drafting was found to lose

    def add(self, proposed: int, kept: int, seconds: float) -> None:
        if proposed:
            self.drafted[0] += 1
            self.drafted[1] += seconds
            self.drafted[2] += kept + 1
        else:
            self.plain[0] += 1
            self.plain[1] += seconds

    def measured(self) -> bool:
        return self.plain[0] >= self.LEAST and self.drafted[0] >= self.LEAST

    def pays(self) -> bool:
        if not self.measured():
            return True
        return self.drafted[2] * self.plain[1] >= self.plain[0] * self.drafted[1]

    def to_json(self) -> bytes:
        return json.dumps({"plain": self.plain, "drafted": self.drafted}).encode()

    @classmethod
    def from_json(cls, data: bytes, most: int = 4 * LEAST) -> "_PassCosts":
        """Tallies an earlier process kept (`to_json`), scaled down to `most` passes a kind so that this process's
        own passes soon weigh as much; unreadable: none."""
        costs = cls()
        try:
            d = json.loads(data)
            plain, drafted = [float(x) for x in d["plain"]], [float(x) for x in d["drafted"]]
        except (ValueError, KeyError, TypeError):
            return costs
        for old, new in ((plain, costs.plain), (drafted, costs.drafted)):
            if len(old) != len(new) or not old[0] > 0 or not all(0 <= x < float("inf") for x in old):
                return cls()
            scale = min(1.0, most / old[0])
            new[:] = [round(old[0] * scale), old[1] * scale, *([round(old[2] * scale)] if len(old) > 2 else [])]
        return costs

    def draft_now(self) -> bool:
        if self.pays():
            return True
        self._since += 1
        if self._since >= self.PROBE:
            self._since = 0
            return True
        return False


def _can_draft(llm) -> bool:
    """Whether this llama-cpp-python has the internals `_greedy` drives (they moved between releases); if not,
    the model writes through `create_completion`, a token a pass."""
    import llama_cpp

    return (hasattr(llama_cpp, "llama_vocab_is_eog") and hasattr(getattr(llm, "_model", None), "vocab")
            and hasattr(getattr(llm, "_batch", None), "batch")
            and all(hasattr(getattr(llm, "_ctx", None), f)
                    for f in ("get_logits", "get_logits_ith", "kv_cache_seq_rm", "decode")))


def _whole_utf8(data: bytes) -> tuple[str, bytes]:
    """The text of `data` up to a character cut at its end (a token may hold part of one), and that cut part."""
    for cut in range(min(3, len(data)) + 1):
        try:
            return data[:len(data) - cut].decode("utf-8"), data[len(data) - cut:]
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace"), b""


@contextlib.contextmanager
def _default_params(function: str, **fields):
    """`Llama()` takes its parameters from llama.cpp's `llama_*_default_params()` and exposes no switch for some
    fields: while active, `function` returns its defaults with `fields` set."""
    import llama_cpp.llama_cpp as lib

    original = getattr(lib, function)

    def params():
        p = original()
        for name, value in fields.items():
            setattr(p, name, value)
        return p

    setattr(lib, function, params)
    try:
        yield
    finally:
        setattr(lib, function, original)


@contextlib.contextmanager
def _without_extra_buffers(active: bool):
    """While `active`, the model is loaded with extra buffer types (weight repacking, AMX tiles) off."""
    if not active:
        yield
        return
    with _default_params("llama_model_default_params", use_extra_bufts=False):
        yield


@contextlib.contextmanager
def _two_sequences():
    """`Llama()` creates its context with one sequence; `_Blocks` needs a second one as scratch space, in the same
    (unified) attention cache. Yields whether this llama.cpp build can move blocks at all."""
    import llama_cpp.llama_cpp as lib

    needed = ("llama_get_memory", "llama_memory_seq_add", "llama_memory_seq_cp", "llama_memory_seq_rm",
              "llama_state_seq_get_data", "llama_state_seq_set_data")
    if not all(hasattr(lib, f) for f in needed) or "kv_unified" not in dict(lib.llama_context_default_params()._fields_):
        yield False
        return
    with _default_params("llama_context_default_params", n_seq_max=2, kv_unified=True):
        yield True


def _cells(llm, start: int, end: int) -> bytes | None:
    """The attention cells of positions [start, end) of the live sequence, as llama.cpp saves a sequence (copied
    through the second sequence, the scratch space `_two_sequences` provides); None if it saved nothing."""
    import llama_cpp.llama_cpp as lib

    ctx = llm._ctx.ctx
    mem = lib.llama_get_memory(ctx)
    lib.llama_memory_seq_rm(mem, 1, -1, -1)
    lib.llama_memory_seq_cp(mem, 0, 1, start, end)
    size = lib.llama_state_seq_get_size(ctx, 1)
    buf = (ctypes.c_uint8 * int(size))()
    n = lib.llama_state_seq_get_data(ctx, buf, size, 1)
    lib.llama_memory_seq_rm(mem, 1, -1, -1)
    return ctypes.string_at(buf, n) if n else None


class _Blocks:
    """Passages the model has read once, kept as movable blocks of attention cells: a prompt that lists the same
    passage second or third (or the part of it left after overlap is removed) gets those cells moved into place
    instead of reading the words again. Reading the prompt is the main cost on a CPU (~35 tokens/s here), and
    the passages after the first are most of what is left to read once the fixed instructions are kept.

    A block is computed as the first passage after the fixed instructions; moved, its cells keep their relative
    positions (llama.cpp shifts the rotary positions) but were not computed beside the passages now before it.
    The words between blocks (the "[2]" that numbers a passage, the question) are read as usual, so they see
    every passage before them. Answers can differ from reading the whole prompt: measured in docs/measurements.md."""

    GRAM, MIN_RUN = 4, 16  # blocks are found by their 4-token runs; fewer than 16 tokens are read, not moved

    def __init__(self, max_items: int = 128):
        self.max_items = max_items
        self.items: "OrderedDict[tuple[int, ...], tuple[int, bytes]]" = OrderedDict()  # tokens -> (first pos, cells)
        self.grams: dict[tuple[int, ...], list[tuple[tuple[int, ...], int]]] = {}

    def keep(self, llm, start: int, end: int) -> None:
        """Keep the cells of positions [start, end) of the live sequence as a block."""
        key = tuple(llm._input_ids[start:end].tolist())
        if len(key) < self.MIN_RUN or key in self.items:
            return
        cells = _cells(llm, start, end)
        if cells is None:
            return
        self.items[key] = (start, cells)
        while len(self.items) > self.max_items:
            self.items.popitem(last=False)
        self._index()

    def _index(self) -> None:
        self.grams = {}
        for key in self.items:
            for j in range(len(key) - self.GRAM + 1):
                self.grams.setdefault(key[j:j + self.GRAM], []).append((key, j))

    def _match(self, toks: list[int], i: int) -> tuple[tuple[int, ...], int, int] | None:
        """The longest run of a block's tokens that `toks` repeats from position i: (block, offset, length)."""
        best = None
        for key, j in self.grams.get(tuple(toks[i:i + self.GRAM]), ()):
            m = 0
            while j + m < len(key) and i + m < len(toks) - 1 and key[j + m] == toks[i + m]:
                m += 1
            if m >= self.MIN_RUN and (best is None or m > best[2]):
                best = (key, j, m)
        return best

    def place(self, llm, toks: list[int], at: int) -> int:
        """Move into the live sequence every block that `toks` repeats past `at` (what the model already holds of
        them, at most all but the last token), reading the words between them. Returns how many tokens were moved,
        not read (0 when nothing is left to do or a block would not load: the rest is then read as usual)."""
        import llama_cpp.llama_cpp as lib

        if not self.items:
            return 0
        ctx = llm._ctx.ctx
        mem = lib.llama_get_memory(ctx)
        i, placed = at, 0
        while i < len(toks) - self.MIN_RUN:
            found = self._match(toks, i)
            if found is None:
                i += 1
                continue
            key, j, m = found
            llm.n_tokens = at
            if i > at:
                llm.eval(toks[at:i])  # the words before the block, read
            lib.llama_memory_seq_rm(mem, -1, i, -1)
            start, data = self.items[key]
            self.items.move_to_end(key)
            buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
            if lib.llama_state_seq_set_data(ctx, buf, len(data), 1) != len(data):
                lib.llama_memory_seq_rm(mem, 1, -1, -1)
                llm.n_tokens = i
                return placed
            lib.llama_memory_seq_rm(mem, 1, -1, start + j)  # only the run the prompt repeats
            lib.llama_memory_seq_rm(mem, 1, start + j + m, -1)
            lib.llama_memory_seq_add(mem, 1, -1, -1, i - (start + j))
            lib.llama_memory_seq_cp(mem, 1, 0, -1, -1)
            lib.llama_memory_seq_rm(mem, 1, -1, -1)
            llm.input_ids[i:i + m] = toks[i:i + m]
            llm.n_tokens = at = i = i + m
            placed += m
        return placed


class _Tails:
    """Second passages read ahead: the attention cells a prompt adds, past the state kept after its first passage
    (instructions and passage P), when it lists passage Q next. A question whose two best passages are P then Q
    gets Q's cells put back where they were computed (same positions, same passage before them: the same numbers
    as reading Q, which `LlamaCppModel._read` reads as a chunk of its own) and reads only the third passage and
    the question. Keyed by the prompt's tokens up to the blank line after Q (overlap removal makes Q's text depend
    on P)."""

    def __init__(self, max_items: int = 384):
        # RAG_PASSAGE_STATES' 64 passages x RAG_PASSAGE_PAIRS' 6: ~0.9 GB at most; past it (new index versions)
        # the least recently used go.
        self.max_items = max_items
        self.items: "OrderedDict[tuple[int, ...], tuple[int, bytes]]" = OrderedDict()  # tokens -> (start, cells)

    def keep(self, llm, start: int, end: int) -> None:
        """Keep the cells of positions [start, end) of the live sequence, keyed by its tokens up to `end`."""
        cells = _cells(llm, start, end)
        if cells is None:
            return
        self.put(tuple(llm._input_ids[:end].tolist()), start, cells)

    def put(self, key: tuple[int, ...], start: int, cells: bytes) -> None:
        self.items.pop(key, None)
        self.items[key] = (start, cells)
        while len(self.items) > self.max_items:
            self.items.popitem(last=False)

    def place(self, llm, toks: list[int], at: int, end: int | None) -> int:
        """Put back the tail that continues `toks` from `at` (the live state holds toks[:at]) up to `end`.
        Returns how many tokens it holds (0: none kept, or it would not load: the prompt is then read)."""
        import llama_cpp.llama_cpp as lib

        key = tuple(toks[:end]) if end else None
        found = self.items.get(key) if key else None
        if found is None or found[0] != at:
            return 0
        ctx = llm._ctx.ctx
        mem = lib.llama_get_memory(ctx)
        lib.llama_memory_seq_rm(mem, -1, at, -1)
        data = found[1]
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if lib.llama_state_seq_set_data(ctx, buf, len(data), 1) != len(data):
            lib.llama_memory_seq_rm(mem, 1, -1, -1)
            return 0
        lib.llama_memory_seq_cp(mem, 1, 0, -1, -1)
        lib.llama_memory_seq_rm(mem, 1, -1, -1)
        self.items.move_to_end(key)
        llm.input_ids[at:end] = toks[at:end]
        llm.n_tokens = end
        return end - at


class _PrefixStates:
    """A few saved model states (the attention cache after a prompt), so the fixed instructions of the
    answer, judge and rewrite prompts are read once even though those calls alternate: reading the
    prompt is the main cost on a CPU. (llama-cpp-python's own cache also copies the logits of every
    position, hundreds of MB a state, uncounted in its size limit.)

    States are kept per prompt family (the same first `FAMILY_TOKENS` tokens: the answer prompt in one
    language, the judge, the rewrite), at most `per_family` each: one plain LRU let the judge's calls of one
    answer push out every state holding the answer prompt's instructions, so one question in five read them
    again (about 260 tokens, several seconds here). Past `max_items`, a family's last state is dropped only
    when every family is down to one."""

    FAMILY_TOKENS = 24

    def __init__(self, per_family: int = 2, max_items: int = 8, max_pinned: int = 128):
        self.per_family, self.max_items, self.max_pinned = per_family, max_items, max_pinned
        self.items: "OrderedDict[tuple[int, ...], bytes]" = OrderedDict()
        self.pinned: "OrderedDict[tuple[int, ...], bytes]" = OrderedDict()  # `remember`ed: never pushed out by use

    @staticmethod
    def snapshot(llm) -> bytes:
        """The model's state now: its attention cells. (`load` does not bring back the scores of the last
        position read: llama.cpp keeps those of its last pass, whatever state is put back.)"""
        import llama_cpp

        size = llama_cpp.llama_state_get_size(llm._ctx.ctx)
        buf = (ctypes.c_uint8 * int(size))()
        n = llama_cpp.llama_state_get_data(llm._ctx.ctx, buf, size)
        # string_at copies the bytes at C speed; `bytes(buf[:n])` made a list of n ints first: 0.7 s for the
        # 17 MB state of an answer prompt, paid after every answer and every judge call.
        return ctypes.string_at(buf, n)

    @staticmethod
    def load(llm, key: tuple[int, ...], data: bytes) -> bool:
        """Put back a state taken after reading `key`; False (the live state untouched) if llama.cpp refuses it."""
        import llama_cpp

        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_set_data(llm._ctx.ctx, buf, len(data)) != len(data):
            return False
        llm.input_ids[: len(key)] = key
        llm.n_tokens = len(key)
        return True

    def save(self, llm, pinned: bool = False) -> bytes | None:
        """Keep the live state (`pinned`: for good); returns its bytes."""
        if llm.n_tokens == 0:
            return None
        data = self.snapshot(llm)
        key = tuple(llm._input_ids.tolist())
        if pinned:
            self.pin(key, data)
        else:
            self.keep(key, data)
        return data

    def pin(self, key: tuple[int, ...], data: bytes) -> None:
        self.pinned.pop(key, None)
        self.pinned[key] = data
        while len(self.pinned) > self.max_pinned:
            self.pinned.popitem(last=False)

    def keep(self, key: tuple[int, ...], data: bytes) -> None:
        """Store a state as the newest; drop the oldest of its family past `per_family`, then the oldest of
        all past `max_items`."""
        self.items.pop(key, None)
        self.items[key] = data
        family = [k for k in self.items if k[:self.FAMILY_TOKENS] == key[:self.FAMILY_TOKENS]]
        for k in family[:-self.per_family]:
            del self.items[k]
        while len(self.items) > self.max_items:
            # The oldest state whose family keeps another one; a family's last state goes only when all are last.
            count = Counter(k[:self.FAMILY_TOKENS] for k in self.items)
            del self.items[next((k for k in self.items if count[k[:self.FAMILY_TOKENS]] > 1), next(iter(self.items)))]

    def restore(self, llm, tokens: list[int]) -> None:
        """Load the saved state sharing the longest prefix with `tokens`, when it beats the live one."""
        best, best_len = None, llm.longest_token_prefix(llm._input_ids.tolist(), tokens)
        for key in [*self.pinned, *self.items]:
            n = llm.longest_token_prefix(key, tokens)
            if n > best_len:
                best, best_len = key, n
        if best is None:
            return
        store = self.pinned if best in self.pinned else self.items
        data = store[best]
        store.move_to_end(best)
        self.load(llm, best, data)  # refused: the live state stays valid, and the prompt is just read in full


class OpenAICompatModel:
    """Streams from `{url}/chat/completions` of an OpenAI-compatible server (local by intent: llama_cpp.server,
    llama-server, vLLM, or a gateway in front of a pool of them).

    It is also a `Judge`: `yes_no` asks for one token with its `top_logprobs` (llama_cpp.server and vLLM return
    them). A server that returns no log-probabilities cannot judge: the answer then fails with a GenerationError
    that says to use `--check fast` (RAG_CHECK=fast), rather than being checked less than asked without a word.

    A server that is down or silent past `timeout` raises ModelUnavailable (a 503 from the API: another try, or
    another replica of the server, may work); one that answers something else raises GenerationError (a 502)."""

    loaded = True  # nothing to load in this process
    last_perf: dict = {}  # the server keeps its own figures
    TOP_LOGPROBS = 20  # candidates of the judge's first token; YES or NO is among them for a sane prompt

    def __init__(self, url: str, model: str = "default", timeout: float = 120.0):
        self.url, self.name, self.timeout = url.rstrip("/"), model, timeout

    def load(self) -> None:
        pass

    def _post(self, body: dict):
        req = urllib.request.Request(self.url + "/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        return urllib.request.urlopen(req, timeout=self.timeout)

    @contextlib.contextmanager
    def _errors(self, kind: str):
        """The server's failures as errors that say what to do (no traceback for a user)."""
        not_a_reply = (f"the model server at {self.url} sent something that is not an OpenAI chat-completion "
                       f"{kind}; is --llm-url the server's /v1 address?")
        try:
            yield not_a_reply
        except urllib.error.HTTPError as e:
            cls = ModelUnavailable if e.code in (502, 503, 504) else GenerationError  # overloaded or restarting
            raise cls(f"the model server at {self.url} answered HTTP {e.code} {e.reason}: "
                      "check --llm-url and --llm-model") from e
        except (urllib.error.URLError, OSError) as e:
            reason = e.reason if isinstance(e, urllib.error.URLError) else e
            if isinstance(reason, TimeoutError):
                raise ModelUnavailable(f"the model server at {self.url} timed out (nothing for {self.timeout:g} s): "
                                       "it is overloaded or stuck; try again, or raise RAG_MODEL_TIMEOUT") from e
            raise ModelUnavailable(f"the model server at {self.url} failed: {reason}. Is it running?") from e
        except (ValueError, LookupError, TypeError, AttributeError) as e:  # JSON of another shape
            raise GenerationError(f"{not_a_reply} ({type(e).__name__}: {e})") from e

    def stream(self, messages, max_tokens, temperature=0.0, stop=None):
        body = {"model": self.name, "messages": messages, "max_tokens": max_tokens,
                "temperature": temperature, "stop": stop, "stream": True}
        # The socket timeout bounds each silence; this bounds the whole reply (a server trickling bytes).
        deadline = time.monotonic() + self.timeout
        with self._errors("stream") as not_a_stream, self._post(body) as resp:
            events, finished = 0, False
            for raw in resp:
                if time.monotonic() > deadline:
                    raise TimeoutError("whole reply")
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                events += 1
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                choice = json.loads(data)["choices"][0]
                finished = finished or bool(choice.get("finish_reason"))
                piece = choice.get("delta", {}).get("content")
                if piece:
                    yield piece
            if not events:
                raise GenerationError(not_a_stream + " (no `data:` line)")
            if not finished:  # a cut reply must not pass for a whole one
                raise GenerationError(
                    f"the model server at {self.url} ended the reply without finishing it (no finish_reason). "
                    "llama_cpp.server does that to a reply when another request arrives unless it was started "
                    "with `--interrupt_requests False`")

    def yes_no(self, messages: list[dict]) -> float:
        """log P(YES) - log P(NO) for the reply's first token, from the server's top log-probabilities. A side
        missing from the top candidates counts at the lowest one listed (an upper bound of its own)."""
        body = {"model": self.name, "messages": messages, "max_tokens": 1, "temperature": 0.0,
                "logprobs": True, "top_logprobs": self.TOP_LOGPROBS}
        with self._errors("reply"), self._post(body) as resp:
            reply = json.loads(resp.read(1 << 20))
            lp = reply["choices"][0].get("logprobs")
            if not lp or not lp.get("content"):
                raise GenerationError(
                    f"the model server at {self.url} returns no log-probabilities, which the grounding check's "
                    "model judge needs: use --check fast (RAG_CHECK=fast), or a server that returns them "
                    "(llama_cpp.server, vLLM)")
            top = {c["token"]: float(c["logprob"]) for c in lp["content"][0]["top_logprobs"]}
        floor = min(top.values(), default=0.0)

        def best(word: str) -> float | None:
            # "YES", "Yes", " yes", or the first piece of one ("Y") when the tokenizer splits it
            return max((v for t, v in top.items() if t.strip() and word.startswith(t.strip().upper())), default=None)
        yes, no = best("YES"), best("NO")
        if yes is None:  # not among the top candidates: at most the lowest listed; no verdict at all is a refusal
            return floor - no if no is not None else -100.0
        return yes - (floor if no is None else no)
