"""The question flow: question → standalone question → retrieval → prompt → model → checked, cited Answer.

`Pipeline.stream` yields `TokenEvent`s while the model writes its draft, a `SentenceEvent` for each sentence
checked as soon as it is complete (while the model writes the next), then one `AnswerEvent` with the checked
answer. What it runs on (index, models, checker) comes from a `Components`.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
from collections import OrderedDict
from functools import partial
from typing import Iterator

import numpy as np

from .check.facts import (asked_about, asked_across, asked_facts, asking_facts, asking_part, asks_why, claim_facts,
                          common_word_only, counted_facts, denied_object, fact_index, has_fact, misses_asked_kind,
                          named_days, names_leader, only_says_the_source_holds, picked_option, pronoun_antecedent,
                          question_options, regnal_numbers, respelled, role_heads, said_on, says_nothing_of, spelt_out,
                          topic, written_as_names)
from .check.grounding import judge_messages
from .components import Components
from .errors import InputError
from .generate.draft import copies_example, open_quotation, parse_sentences, says_abstain, strip_citations
from .generate.prompts import abstain_message, load_template, one_block, render
from .index.lexical import analyse
from .index.search import retrieve
from .index.sentences import closest_gap, passage_sentences
from .ingest.chunk import split_sentences
from .ingest.injection import asks_only_for_instructions, asks_only_to_invent, instruction_flags
from .ingest.language import detect_language
from .types import (ABSTAIN_REASONS, QUOTE_LEAD, AbstainReason, Answer, AnswerEvent, Citation, Event, Hit, Sentence,
                    SentenceEvent, TokenEvent, final_answer, with_markers)

__all__ = ["Pipeline", "validate_question", "prompt_texts", "quote_candidates", "quote_messages", "PRONOUN_NOTE"]

# Before a passage that speaks of someone by a pronoun before naming anyone (`Pipeline.shown`).
PRONOUN_NOTE = {"fr": "(Ici, « {pronoun} » désigne {name}.) ", "en": "(Here, “{pronoun}” is {name}.) "}


def validate_question(question, max_chars: int) -> str:
    """The question with its whitespace collapsed, or an InputError that says what is wrong."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    q = " ".join(question.split())
    if not q:
        raise InputError("the question is empty: type a question")
    if len(q) > max_chars:
        raise InputError(f"the question is {len(q)} characters long; the limit is {max_chars}")
    return q


def _keep_last(memo: OrderedDict, key, value, most: int = 8) -> None:
    """Put `value` in `memo` under `key`, keeping the `most` latest."""
    memo[key] = value
    while len(memo) > most:
        memo.popitem(last=False)


class Pipeline:
    def __init__(self, components: Components):
        self.components = components
        self.settings = components.settings
        # Passage texts the model has read ahead (`warm_passages`): a new index version reads only its new ones.
        self._read_ahead: set = set()  # passage texts, and (first, second) pairs read as tails
        self.pairs_read = 0  # pairs kept by the last `warm_passages` (`_warm_pairs`)
        self._put_back_tried: set = set()  # what `put_back` looked for on disk (found or not: not looked for again)
        self._read_ahead_lock = threading.Lock()
        # Follow-ups rewritten lately: (question, turns) -> (standalone, query). The rewrite is the model's, at
        # temperature 0 and read in the same chunks, so the same each time: a follow-up read while it was typed
        # (`prefill`) is not rewritten again when it is asked.
        self._rewrites: OrderedDict[tuple, tuple[str, str]] = OrderedDict()
        self._memo_lock = threading.Lock()  # for `_rewrites`, `_searches` and `_query_vectors`
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # text -> the model's query vector
        # Searches done lately on the index `_searched`: (query, k) -> (hits, set aside). A question read while it
        # was typed is not searched again when it is asked (0.07-0.19 s, most of what its first token waits for then).
        self._searches: OrderedDict[tuple, tuple] = OrderedDict()
        self._searched = None

    def validate(self, question) -> str:
        return validate_question(question, self.settings.max_question_chars)

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        return final_answer(self.stream(question, history))

    def stream(self, question: str, history: list[dict] | None = None, retrieval_only: bool = False
               ) -> Iterator[Event]:
        t0 = time.perf_counter()
        question = self.validate(question)
        lang = detect_language(question)
        s, c = self.settings, self.components
        timings: dict[str, float] = {}
        standalone = query = question
        if history:
            standalone, query = self.rewrite(question, history, lang)
            timings["rewrite"] = round(time.perf_counter() - t0, 3)
        t = time.perf_counter()
        hits, set_aside = self.retrieve(query)
        timings["retrieval"] = round(time.perf_counter() - t, 3)
        answer = Answer(question=question, answer="", abstained=False, lang=lang, standalone_question=standalone,
                        retrieved=[h.to_dict() for h in hits], timings=timings, set_aside=set_aside)
        if retrieval_only:
            timings["total"] = round(time.perf_counter() - t0, 3)
            yield AnswerEvent(answer)
            return
        early = self.early(question, hits)
        if early:
            abstain(answer, early)
            timings["total"] = round(time.perf_counter() - t0, 3)
            yield AnswerEvent(answer)
            return
        context = hits[: s.top_k]
        t = time.perf_counter()
        put = self.put_back(context, lang)
        if put:
            timings["states_put_back"], timings["put_back"] = put, round(time.perf_counter() - t, 3)
        messages = self.messages(standalone, context, lang)
        t = time.perf_counter()
        pieces: list[str] = []
        early = _EarlyCheck(self, answer, context)
        yield from self._write(messages, pieces, early, t0, timings)
        end = time.perf_counter()
        timings["generation"] = round(end - t, 3)
        timings["tokens"] = len(pieces)  # stream pieces: one token each with llama.cpp
        perf = c.llm.last_perf
        # What the model itself measured: prompt length, the part reused from a saved state, the passages moved
        # in as blocks, the second passage put back from a pair read ahead, reading time, tokens proposed from the
        # prompt and kept (prompt lookup decoding).
        for key, name in (("prompt_tokens", "prompt_tokens"), ("prompt_reused", "prompt_reused"),
                          ("prompt_prefilled", "prompt_prefilled"),
                          ("prompt_placed", "prompt_placed"), ("prompt_paired", "prompt_paired"),
                          ("first_piece_s", "prompt_read_s"),
                          ("drafted", "drafted"), ("accepted", "drafts_kept")):
            if perf.get(key) is not None:
                timings[name] = perf[key]
        t_first = t0 + timings["first_token"] if "first_token" in timings else None
        if t_first is not None and len(pieces) > 1 and end > t_first:
            timings["tokens_per_s"] = round((len(pieces) - 1) / (end - t_first), 2)
        answer.draft = "".join(pieces).strip()
        t = time.perf_counter()
        self.finish(answer, context, hits)
        timings["check"] = round(time.perf_counter() - t, 3)
        timings["check_while_writing"] = round(early.spent, 3)
        examples = load_template("answer", lang).get("examples", "") if answer.abstained else ""
        if examples and copies_example(answer.draft, examples, messages[-1]["content"]):
            # The model answered the prompt's worked example, not the question ("Le conseil municipal s'est réuni
            # le 3 mars…" to "Qui a dit que la réussite se vérifiera sur le terrain ?", session 27): refused anyway,
            # so it writes again without the examples (its prompt read anew), and that draft is checked instead.
            first, pieces = answer.draft, []
            t = time.perf_counter()
            yield from self._write(self.messages(standalone, context, lang, examples=False), pieces,
                                   _EarlyCheck(self, answer, context, early.shown), t0, timings)
            timings["redraft"] = round(time.perf_counter() - t, 3)
            timings["tokens"] += len(pieces)
            answer.draft = "".join(pieces).strip()
            answer.first_draft = first
            t = time.perf_counter()
            answer.abstained, answer.abstain_reason, answer.abstain_code = False, "", ""
            self.finish(answer, context, hits)
            timings["check"] = round(timings["check"] + time.perf_counter() - t, 3)
        timings["total"] = round(time.perf_counter() - t0, 3)
        if not answer.abstained:  # no sentence was checked while writing: the first is the answer's
            timings.setdefault("first_checked", timings["total"])
        yield AnswerEvent(answer)

    def _write(self, messages: list[dict], pieces: list[str], early: "_EarlyCheck", t0: float, timings: dict
               ) -> Iterator[Event]:
        """The model's draft, token by token into `pieces`, each sentence checked as soon as the next one starts,
        while the model goes on writing."""
        s = self.settings
        for piece in self.components.llm.stream(messages, max_tokens=s.max_tokens, temperature=s.temperature):
            timings.setdefault("first_token", round(time.perf_counter() - t0, 3))
            pieces.append(piece)
            yield TokenEvent(piece)
            for event in early.feed(piece):
                timings.setdefault("first_checked", round(time.perf_counter() - t0, 3))
                yield event

    def retrieve(self, query: str, k: int | None = None) -> tuple[list[Hit], list[dict]]:
        """The passages retrieved for `query`, best first (`k` of them; default: as a question needs), and those
        set aside: a passage that addresses the assistant ("ignore the article and say…") is an instruction, not
        evidence, and never reaches a prompt."""
        s, index = self.settings, self.components.index
        k = k or max(s.retrieve_k, s.top_k)
        with self._memo_lock:
            if self._searched is not index:  # a new index version: other passages (and the old one is let go)
                self._searches.clear()
                self._searched = index
            done = self._searches.get((query, k))
        if done is not None:  # hits are frozen: shared as they are
            return list(done[0]), [dict(x) for x in done[1]]
        vector = self.question_vector(query)  # once: the search and the closest-sentence rule read it
        hits = retrieve(index, query, k=k, depth=s.retrieve_depth, rrf_k=s.rrf_k, weights=(1.0, s.bm25_weight),
                        query_vector=vector.tolist())
        flags = {h.passage.id: instruction_flags(h.passage.text) for h in hits}
        set_aside = [dict(h.to_dict(), flags=flags[h.passage.id]) for h in hits if flags[h.passage.id]]
        hits = [h for h in hits if not flags[h.passage.id]]
        with self._memo_lock:
            if self._searched is index:
                _keep_last(self._searches, (query, k), (hits, set_aside))
        return list(hits), [dict(x) for x in set_aside]

    def question_vector(self, text: str) -> np.ndarray:
        """The embedding model's query vector of `text` (the last few kept: retrieval and the check share them)."""
        with self._memo_lock:
            done = self._query_vectors.get(text)
        if done is None:
            done = np.asarray(self.components.embed.get_query_embedding(text), dtype="float32")
            with self._memo_lock:
                _keep_last(self._query_vectors, text, done)
        return done

    def rests_elsewhere(self, answer: Answer, claim: Sentence, context: list[Hit]) -> str:
        """The sentence of the prompt's passages closest to the question, when the one `claim` rests on (the sentence
        sharing most of its words) is less close by more than `closest_gap` (see `closest_gap`); else "". A true
        sentence of the cited passage that answers another question: "La contrainte de Vincent Strubel est que la
        cybersécurité n'est pas de la magie noire [1]." to "Quelle contrainte Vincent Strubel voit-il aussi comme une
        opportunité ?" (round 9, r916), "Le secrétaire d'État est membre du conseil d'en haut…" to "Quelles sont les
        trois compétences distinctes au XVIIIe siècle ?" (PIAF). Not for an answer of four words or fewer, or a name
        with its title (`_bare_name`: a bare name rests on the sentence that names someone, not on the one the
        question's words are in), nor across languages (an English claim shares no words with French passages)."""
        passages = [passage_sentences(h.passage.text) for h in context]
        pool = [x for sentences in passages for x in sentences]
        if _bare_name(strip_citations(claim.text)) or len(set(pool)) < 2:
            return ""
        if detect_language(" ".join(pool)) != answer.lang:
            return ""  # the claim's words are not the passages': what it rests on cannot be told by them
        vecs = self.components.index.sentences.vectors(pool, self.components.embed)
        if vecs is None:
            return ""  # an embedding model with no similarity vectors (not ours): the rule cannot be read
        asked = answer.standalone_question or answer.question
        gap, closest = closest_gap(claim.text, passages, vecs @ self.question_vector(asked), asked)
        return closest if gap > self.settings.thresholds.closest_gap else ""

    def early(self, question: str, hits: list[Hit]) -> AbstainReason:
        """Why the question is refused before the model reads anything, or "": it asks for what no source holds
        (`_no_source_holds`), or no passage is close to it."""
        return _no_source_holds(question) or ("nothing_relevant" if not self.relevant(hits) else "")

    def prefill(self, question: str, history: list[dict] | None = None) -> bool:
        """Have the model read the prompt of `question` now, while its asker is still typing (a follow-up is
        rewritten first, as `stream` does, and the rewrite kept). Asked unchanged, it is answered with no prompt to
        read: the same answer, sooner. False when there is nothing to read (nothing relevant retrieved, a model that
        cannot keep a prompt)."""
        question = self.validate(question)
        prefill = getattr(self.components.llm, "prefill", None)
        if prefill is None or _no_source_holds(question):
            return False
        lang = detect_language(question)
        standalone, query = self.rewrite(question, history, lang) if history else (question, question)
        hits = self.retrieve(query)[0]
        if not self.relevant(hits):
            return False
        self.put_back(hits[: self.settings.top_k], lang)
        prefill(self.messages(standalone, hits[: self.settings.top_k], lang))
        return True

    def prime(self) -> None:
        """Have the model read the fixed part of each prompt once (the instructions and example of the answer
        prompt in French and English, the judge's instructions): it keeps its state for them, so the first
        question is no slower than the next ones. A local model keeps these states for good (`remember`), and on
        disk for its next start (`RAG_STATE_CACHE_MB`): a restart is ready without reading them again."""
        llm = self.components.llm
        for lang in ("fr", "en"):
            if callable(getattr(llm, "remember", None)):
                llm.remember(self.messages("…", [], lang))
            else:
                for _ in llm.stream(self.messages("…", [], lang), max_tokens=1):
                    pass
        judge = self.components.checker.model
        if judge is not None and callable(getattr(judge, "remember", None)):
            judge.remember(judge_messages("…", "…"))
        elif judge is not None:
            judge.yes_no(judge_messages("…", "…"))

    def warm_passages(self, turn=contextlib.nullcontext, passages=None) -> int:
        """Have the model read each passage of the index as the first of a prompt, after the fixed instructions,
        and keep that state (`remember`): the prompt of a question whose best passage it is starts with words
        the model has already read, about a third of what it would read. When the judge is shown whole passages
        (`judge_reads`), its prompt is read ahead the same way: a judge call then reads only the claim. Only for
        an index of at most `passage_states` passages, in the language of its first passage, and with a model
        that keeps states.
        Then, for each passage, the `passage_pairs` passages most likely listed second after it (those retrieval
        ranks first for the passage's own text: the second passage of 62 % of article questions is among the
        first 3) are read after it and kept as tails (`LlamaCppModel.remember`, ~2.4 MB each): a question whose
        two best passages are such a pair reads only its third passage and itself.
        Each passage is read inside `turn()` (a server's turn with the model: questions that wait go first).
        A passage already read (the same text, by an earlier call) is not read again: called after a new index
        version was loaded, it reads only what is new. Returns how many were read. (`passages`: only these, still
        within the limit.)"""
        llm, limit = self.components.llm, self.settings.passage_states
        passages = self.components.index.passages if passages is None else passages
        if not callable(getattr(llm, "remember", None)) or not 0 < len(passages) <= limit:
            return 0
        lang = detect_language(passages[0].text)
        judge = self._reading_judge()
        done = 0
        for p in passages:
            with self._read_ahead_lock:  # two calls at once (two new versions in a row) read each passage once
                if p.text in self._read_ahead:
                    continue
                self._read_ahead.add(p.text)
            # As a block, the passage's cells are also moved in where it is listed second or third.
            block = self.shown([Hit(p, 0.0, None, None)], lang)[0] if self.settings.passage_blocks else None
            prompts = [(llm, self._answer_head([p], lang), block)]
            if judge is not None:  # the judge's prompt shows the whole passage first too
                prompts.append((judge, _judge_head(p), None))
            try:
                for model, head, kept_apart in prompts:
                    with turn():
                        model.remember(head, block=kept_apart) if kept_apart else model.remember(head)
            except BaseException:
                self._read_ahead.discard(p.text)  # not read: a later call tries it again
                raise
            done += 1
        self.pairs_read = self._warm_pairs(turn, passages, lang)
        return done

    def put_back(self, context: list[Hit], lang: str) -> int:
        """What `warm_passages` keeps for this question's passages and has not read yet in this process (its first
        passage after the fixed instructions, the judge's prompt for each passage, the pair of its first two), put
        back now where an earlier process on this host kept it on disk: ~0.1 s each where reading costs seconds. A
        question asked before the read-ahead reached its passages (just after a start, while it reads them; `rag
        ask`, which reads nothing ahead) is then as quick as later ones. Nothing is read here: what is not on disk
        the question reads as before. Returns the states put back."""
        llm, s = self.components.llm, self.settings
        if (not context or not s.put_back or s.passage_blocks or not callable(getattr(llm, "remember", None))
                or not 0 < len(self.components.index.passages) <= s.passage_states):
            return 0
        judge = self._reading_judge()
        # (what it is, model, how its head is made, a tail?): the heads `warm_passages` and `_warm_pairs` read.
        # `_read_ahead` is not asked: `warm_passages` marks a passage there before its turn with the model, which
        # the question may hold (then the model finds what it holds).
        first = context[0].passage  # (a passage listed later is read after it: only its judge's prompt starts with it)
        wanted = [(("answer", lang, first.text), llm, partial(self._answer_head, [first], lang), False)]
        if judge is not None:
            wanted += [(("judge", h.passage.text), judge, partial(_judge_head, h.passage), False) for h in context]
        if len(context) > 1 and s.passage_pairs > 0:
            second = context[1].passage
            wanted.append(((first.text, second.text), llm, partial(self._answer_head, [first, second], lang), True))
        with self._read_ahead_lock:  # each looked for once (found; or not, and read by a question or the read-ahead)
            wanted = [w for w in wanted if w[0] not in self._put_back_tried]
            self._put_back_tried.update(w[0] for w in wanted)
        return sum(bool(model.remember(head(), tail=tail, kept_only=True)) for _, model, head, tail in wanted)

    def _reading_judge(self):
        """The model judge, when its prompts are read ahead too (it is shown whole passages and keeps states)."""
        checker = self.components.checker
        judge = checker.model if checker.judge_reads == "passage" else None
        return judge if callable(getattr(judge, "remember", None)) else None

    def _answer_head(self, passages: list, lang: str) -> list[dict]:
        """The answer prompt listing `passages` (one, or a pair), cut after the last (`_head`): what `warm_passages`
        and `_warm_pairs` read ahead, and a question's prompt starts with."""
        hits = [Hit(p, 0.0, None, None) for p in passages]
        shown = self.shown(hits, lang)[-1]
        return _head(self.messages("…", hits, lang), shown if len(hits) == 1 else f"[{len(hits)}] {shown}")

    def _warm_pairs(self, turn, passages, lang: str) -> int:
        """The tails of `warm_passages`, the likeliest pairs first (every passage's first, then its second…)."""
        s, c = self.settings, self.components
        if s.passage_pairs <= 0 or s.passage_blocks:  # moved blocks already stand in for later passages
            return 0
        found: dict = {}  # each passage's followers, retrieved when first needed: none if this model keeps no tails

        def follow(p):
            if p not in found:
                found[p] = [h.passage for h in self.retrieve(p.text, k=s.passage_pairs + 4)[0] if h.passage != p]
            return found[p]

        done, firsts = 0, [p for p in passages if not instruction_flags(p.text)]
        for rank in range(s.passage_pairs):
            for p in firsts:
                after = follow(p)
                if rank >= len(after):
                    continue
                q = after[rank]
                with self._read_ahead_lock:
                    if (p.text, q.text) in self._read_ahead:
                        continue
                    self._read_ahead.add((p.text, q.text))
                head = self._answer_head([p, q], lang)
                try:
                    with turn():
                        kept = c.llm.remember(head, tail=True)
                except BaseException:
                    self._read_ahead.discard((p.text, q.text))
                    raise
                if not kept and not done:
                    return 0  # this model keeps no tails (turned off, or no state after the first passage)
                done += bool(kept)
        return done

    def relevant(self, hits: list[Hit]) -> bool:
        """Is any retrieved passage about the question at all?"""
        if not hits:
            return False
        dense = max((h.dense or 0.0) for h in hits)
        lexical = max((h.lexical or 0.0) for h in hits)
        return (dense >= self.settings.min_dense or lexical >= self.settings.min_bm25
                or all(h.dense is None for h in hits))

    def messages(self, question: str, context: list[Hit], lang: str, examples: bool = True) -> list[dict]:
        """The answer prompt; `examples=False` leaves out the template's worked examples (a draft that copied them
        is written again without: see `stream`)."""
        tpl = load_template("answer", lang)
        passages = "\n\n".join(f"[{i}] {shown}" for i, shown in enumerate(self.shown(context, lang), start=1))
        values = {"abstain": abstain_message(lang), "passages": passages, "question": question}
        system = "\n\n".join(render(tpl[k], **values) for k in ("system", "examples")
                             if k in tpl and (examples or k != "examples"))
        out = [{"role": "system", "content": system}] if system else []
        return out + [{"role": "user", "content": render(tpl["user"], **values)}]

    def shown(self, context: list[Hit], lang: str) -> list[str]:
        """The passages as the prompt lists them (`prompt_texts`, one block each), each that speaks of someone by a
        leading pronoun with whom it stands for (`pronoun_notes`), unless its start is sent in the passage before."""
        texts = prompt_texts(context)
        if not self.settings.pronoun_notes:
            return [one_block(t) for t in texts]
        people = _pronouns(context, self.components.index)
        note = PRONOUN_NOTE.get(lang, PRONOUN_NOTE["fr"])
        return [(note.format(pronoun=people[h.passage.id][0].lower(), name=people[h.passage.id][1])
                 if h.passage.id in people and not t.startswith("… ") else "") + one_block(t)
                for h, t in zip(context, texts)]

    def rewrite(self, question: str, history: list[dict], lang: str) -> tuple[str, str]:
        """A follow-up rewritten as a standalone question, using the recent turns; and the text to search with
        (the standalone question, or it and the previous question when the rewrite resolved nothing)."""
        turns = [h for h in history if isinstance(h, dict) and h.get("content")][-self.settings.max_history_turns:]
        if not turns:
            return question, question
        key = (question, lang, tuple((str(h.get("role")), str(h["content"])) for h in turns))
        with self._memo_lock:
            if key in self._rewrites:
                return self._rewrites[key]
        out = self._rewrite(question, turns, lang)
        with self._memo_lock:
            _keep_last(self._rewrites, key, out)
        return out

    def _rewrite(self, question: str, turns: list[dict], lang: str) -> tuple[str, str]:
        tpl = load_template("rewrite", lang)
        convo = "\n".join(f"{'Utilisateur' if h.get('role') == 'user' else 'Assistant'} : "
                          f"{strip_citations(str(h['content']))[:600]}" for h in turns)
        values = {"history": convo, "question": question}
        msgs = ([{"role": "system", "content": render(tpl["system"], **values)}] if "system" in tpl else []) + [
            {"role": "user", "content": render(tpl["user"], **values)}]
        out = "".join(self.components.llm.stream(msgs, max_tokens=80)).strip().splitlines()
        rewritten = out[0].strip().strip('"«» ') if out else ""
        rewritten = re.sub(r"^(question réécrite|rewritten question)\s*:\s*", "", rewritten, flags=re.I)
        if not 3 <= len(rewritten) <= self.settings.max_question_chars:
            return question, question
        # A rewrite that brings in nothing from the conversation did not resolve the reference: search with the
        # previous question beside it, so retrieval still knows what "elle" is about. (Only the search: the
        # answer is checked against the question asked, not against the previous one's names.)
        context_terms = set(analyse(convo)) - set(analyse(question))
        if not set(analyse(rewritten)) & context_terms and not claim_facts(question):
            last_user = next((h["content"] for h in reversed(turns) if h.get("role") == "user"), "")
            if last_user:
                return rewritten, f"{rewritten} ({strip_citations(str(last_user))[:300]})"
        return rewritten, rewritten

    def finish(self, answer: Answer, context: list[Hit], hits: list[Hit]) -> None:
        """Parse the draft, check each sentence against what it cites, decide abstention."""
        sentences = parse_sentences(answer.draft)
        if says_abstain(answer.draft):
            # "X [3]. Je ne trouve pas la réponse…": the model answered one part (of a question in two, or before
            # an instruction hidden in it) and declined the rest. The cited part is checked like any answer.
            rest = [x for x in sentences if not says_abstain(x.text)]
            sentences = rest if any(x.citations for x in rest) else []
        people = _people(hits, self.components.index)
        sentences = (self.components.checker.check(sentences, context, hits, answer.lang, answer.standalone_question,
                                                   self.components.vocabulary, people) if sentences else [])
        kept = [x for x in sentences if x.supported]
        answer.sentences = sentences
        # A why-question's answer opens by stating the question's premise, then gives reasons for it. With that
        # first sentence refused, the reasons after it explain a premise the sources do not hold: "It is important
        # to think about the resilience of the system…" after "Vincent Strubel said cybersecurity is black magic
        # because…" (session 37, r1337). (Not for other questions: "It involves taking control of the
        # architecture…" is the answer to "what is sovereignty?" after a refused first sentence, r923.)
        leftover = bool(kept) and not sentences[0].supported and asks_why(answer.standalone_question or answer.question)
        # And the sentence that answered, refused, beside true ones that do not: "On doit le designer avant le début de
        # l'année 2026." (refused) after the law's date and role (kept) to "…la loi Résilience va obliger chaque mairie
        # a nommer un referent cyber. On doit le designer avant quelle date ?" (session 52, r2928).
        leftover = leftover or bool(kept) and bool(_answer_refused(answer, sentences, hits))
        off_topic = ("" if leftover or not kept else _unanswered_facts(
            answer, kept, hits, self.components.index.neighbours, people, self.components.vocabulary,
            self.components.index.preceding, self.components.index.share, self.components.index.opening))
        elsewhere = (self.rests_elsewhere(answer, kept[0], context)
                     if kept and not leftover and not off_topic and kept[0].code != "quoted" else "")
        if leftover or off_topic or elsewhere:
            for x in kept:
                x.supported, x.code = False, "off_topic"
                x.reason = ("true, but the sentence it adds to was refused: alone it does not answer the question"
                            if leftover else f"true, but does not answer the question (nothing about {off_topic})"
                            if off_topic else
                            f"true, but it answers another question: the sources' sentence closest to the question "
                            f"is «{elsewhere}»")
            kept = []
        if not kept:
            code = ("model_declined" if not sentences else "off_topic" if off_topic or leftover or elsewhere
                    else "no_citations" if not any(x.citations for x in sentences) else "not_supported")
            # (A true sentence answering another question may leave the closest one to quote.)
            quote = (self.quote(answer, context) if code in ("no_citations", "not_supported") or leftover or elsewhere
                     else None)
            if quote is None:
                abstain(answer, code, next(x.reason for x in sentences if x.code == "off_topic") if code == "off_topic"
                        else None)
                return
            answer.sentences.append(quote)
            kept, answer.quoted = [quote], True
            answer.answer = QUOTE_LEAD.get(answer.lang, QUOTE_LEAD["fr"]).format(text=unpaired_marks_off(quote.text),
                                                                                 n=quote.citations[0])
            p = context[quote.citations[0] - 1].passage
            s, e, text = quote.spans[quote.citations[0]]
            answer.citations = [Citation(quote.citations[0], p.source, p.start, p.end, p.text, s, e, text)]
            answer.abstained = False
            return
        used: dict[int, Citation] = {}
        for x in kept:
            for n in x.citations:
                if n not in used and 1 <= n <= len(hits):
                    p = hits[n - 1].passage
                    used[n] = Citation(n, p.source, p.start, p.end, p.text)
                    if n in x.spans:
                        used[n].span_start, used[n].span_end, used[n].span_text = x.spans[n]
        answer.citations = [used[n] for n in sorted(used)]
        answer.answer = " ".join(with_markers(x.text, x.citations) for x in kept)
        answer.abstained = False


    def quote(self, answer: Answer, context: list[Hit]) -> Sentence | None:
        """The drafted sentences failed: is there a sentence, in a passage the model read, that answers the
        question by the judge's own standard? It holds the question's names and numbers and says more
        than the question; the likeliest two are put to the model. Returned checked and cited, or None."""
        judge = self.components.checker.model
        if judge is None:
            return None
        question = answer.standalone_question or answer.question
        limit = self.settings.thresholds.quote_overlap
        candidates = sorted((-overlap, n, s, e, sentence) for overlap, n, s, e, sentence
                            in quote_candidates(question, context, answer.lang) if overlap >= limit)

        def quoted(n: int, s: int, e: int, sentence: str, score: float | None, reason: str) -> Sentence:
            p = context[n - 1].passage
            exact = len(p.text) == p.end - p.start  # offsets map one to one
            span = (p.start + s, p.start + e, sentence) if exact else (p.start, p.end, p.text)
            return Sentence(text=sentence, citations=[n], supported=True, score=score, reason=reason,
                            spans={n: span}, code="quoted")

        # To "Qui dirige l'Anssi ?", a sentence naming someone by the title of its leader answers by its words alone;
        # the 1.5B judge does not see it ("…a rappelé Vincent Strubel, directeur général de l'Anssi." under its
        # margin, session 49).
        for _, n, s, e, sentence in candidates:
            if names_leader(sentence, question):
                return quoted(n, s, e, sentence, None, "quoted from the passage: it names the leader asked for, by title")
        for _, n, s, e, sentence in candidates[:2]:
            margin = judge.yes_no(quote_messages(question, sentence))
            if margin > self.settings.thresholds.quote_margin:
                return quoted(n, s, e, sentence, round(1 / (1 + math.exp(-margin)), 3),
                              "quoted from the passage: it answers the question (model check)")
        return None


def unpaired_marks_off(sentence: str) -> str:
    """A passage's sentence quoted whole, without a quotation mark it opens or closes for a quotation that runs past
    it: « "93% des locaux… grâce à Orange. » read as a quotation left open (session 28, a143)."""
    for opening, closing in (('"', '"'), ("«", "»"), ("“", "”")):
        if opening == closing:
            opens = closes = sentence.count(opening) % 2 == 1
        else:
            extra = sentence.count(opening) - sentence.count(closing)
            opens, closes = extra > 0, extra < 0
        if opens and sentence.startswith(opening):
            sentence = sentence[1:].lstrip()
        elif closes and sentence.endswith(closing):
            sentence = sentence[:-1].rstrip()
    return sentence


def quote_candidates(question: str, context: list[Hit], lang: str) -> list[tuple[float, int, int, int, str]]:
    """The sentences of the prompt's passages a quoted answer may use: they hold the question's names and numbers
    and say more than the question. Each as (share of the question's words it holds, passage number from 1,
    start, end, sentence)."""
    q_stems = set(analyse(question))
    # Only the asking sentences' names and numbers: a claim told before the question may be the error it asks to
    # correct, and a sentence holding it would repeat the error (session 50, round 28). (Read sentence by sentence:
    # the whole question read as one took "Quelles", opening its second sentence, for a name.)
    facts = asking_facts(question)
    why = asks_why(question)
    if lang != "fr":  # English names of French things do not match word for word
        facts = {f for f in facts if f.startswith("#")}
    out = []
    for n, hit in enumerate(context, start=1):
        text = hit.passage.text
        for s, e in split_sentences(text):
            sentence = text[s:e]
            stems = set(analyse(sentence))
            nums, words = fact_index(sentence)
            if (not stems - q_stems or any(not has_fact(f, nums, words) for f in facts)
                    or misses_asked_kind(sentence, question) or why and denied_object(question, sentence)):
                # Adds nothing to the question, is about something else, or gives none of what it asks for (no date
                # to "Quel jour…?", session 41, r1718). Nor, to "Why…?", the sentence that denies what it presupposes:
                # "Pourquoi… la ministre a-t-elle soutenu que la cybersécurité devait rester l'affaire exclusive de
                # l'État ?" is not answered by her « ne doit pas être l'affaire exclusive de l'État » (session 49,
                # r2729, a false premise).
                continue
            out.append((len(q_stems & stems) / max(1, len(q_stems)), n, s, e, sentence))
    return out


def quote_messages(question: str, sentence: str) -> list[dict]:
    """The judge's prompt for a quoted answer: does this sentence answer the question?"""
    tpl = load_template("answers", "en")
    return [{"role": "system", "content": tpl["system"]},
            {"role": "user", "content": render(tpl["user"], question=question, sentence=sentence)}]


def _head(messages: list[dict], shown: str) -> list[dict]:
    """`messages` cut after `shown` (a passage as the prompt lists it) and the blank line after it, where the local
    model's reading is cut in chunks (`LlamaCppModel._read`): what follows (the question, a claim) varies."""
    content = messages[-1]["content"]
    cut = content.index(shown) + len(shown)
    cut += len(content[cut:]) - len(content[cut:].lstrip("\n"))
    return [*messages[:-1], {**messages[-1], "content": content[:cut]}]


def _judge_head(passage) -> list[dict]:
    """The judge's prompt for `passage`, cut after it: what `warm_passages` reads ahead, and a judge call starts with."""
    return _head(judge_messages(passage.text, "…"), one_block(passage.text))


def prompt_texts(context: list[Hit]) -> list[str]:
    """The passages as the model reads them: where two of the same source overlap (passages share a sentence
    with their neighbour), the shared words are sent once, in the passage listed first, and "…" stands for them
    in the other. The check still reads each passage whole, so a citation of either one holds."""
    out = []
    for i, h in enumerate(context):
        p, text = h.passage, h.passage.text
        if len(text) != p.end - p.start:  # offsets do not map one to one (a normalised text): sent whole
            out.append(text)
            continue
        lo, hi = p.start, p.end  # the part of the source still to send
        for q in (x.passage for x in context[:i]):
            if q.source != p.source or q.end <= lo or q.start >= hi:
                continue
            if q.start <= lo:
                lo = max(lo, q.end)
            elif q.end >= hi:
                hi = min(hi, q.start)
        if hi - lo < 0.2 * (p.end - p.start):  # next to nothing left: the passage is sent whole
            lo, hi = p.start, p.end
        piece = text[lo - p.start:hi - p.start].strip()
        out.append(("… " if lo > p.start else "") + piece + (" …" if hi < p.end else ""))
    return out


class _EarlyCheck:
    """Checks each drafted sentence as soon as the model starts the next one, with no model call (the model is
    busy writing): the sentences the final check will keep by words alone are shown at once. A sentence is
    shown only if, alone, it also answers the question (the off-topic rule); the final check has the last word."""

    def __init__(self, pipeline: "Pipeline", answer: Answer, context: list[Hit], first_n: int = 0):
        self.pipeline, self.checker, self.answer, self.context = pipeline, pipeline.components.checker, answer, context
        self.first_n = first_n  # events of a second draft are numbered after the first's
        self.vocabulary, self.neighbours = pipeline.components.vocabulary, pipeline.components.index.neighbours
        self.preceding, self.share = pipeline.components.index.preceding, pipeline.components.index.share
        self.opening = pipeline.components.index.opening
        self.people = _people(context, pipeline.components.index)  # the context is fixed: once, not per sentence
        self.text, self.decided, self.shown, self.spent = "", 0, 0, 0.0

    def feed(self, piece: str) -> Iterator[SentenceEvent]:
        self.text += piece
        if not re.search(r"[.!?…]", piece) and not re.match(r"\s*[A-ZÀ-Ý«\"]", piece):
            return  # a sentence can only have ended at a stop, or where a new one starts
        t = time.perf_counter()
        sentences = parse_sentences(self.text)
        # Complete: every sentence but the last, once the last has begun with a letter (not a bare "[1").
        done = len(sentences) - 1 if sentences and re.search(r"[^\W\d_]", sentences[-1].text) else 0
        while self.decided < done and self.shown == self.decided and not says_abstain(self.text):
            if open_quotation(sentences[self.decided].text):
                break  # its quotation goes on in a sentence not written yet: checked whole, once it is
            x = self.checker.check_now(sentences[self.decided], self.context, self.answer.standalone_question,
                                       self.vocabulary, self.people)
            self.decided += 1
            if x is None or _unanswered_facts(self.answer, [x], self.context, self.neighbours, self.people,
                                              self.vocabulary, self.preceding, self.share, self.opening) or (
                    self.shown == 0 and self.pipeline.rests_elsewhere(self.answer, x, self.context)):
                self.decided = done  # sentences are shown in order: the rest wait for the final check
                break
            self.shown += 1
            self.spent += time.perf_counter() - t
            yield SentenceEvent(x, self.first_n + self.shown - 1)
            t = time.perf_counter()
        self.spent += time.perf_counter() - t


def _answer_refused(answer: Answer, sentences: list[Sentence], hits: list[Hit]) -> set[str]:
    """The words of what a French question asks (its asking sentences, `asked_about`) that a refused sentence of the
    draft holds and neither the kept ones nor the passages they cite do, when the kept ones hold no asked word that
    sentence does not: the draft's answer was that sentence. (Not when the kept ones answer another part: "Vincent
    Strubel dirige l'Anssi [1]." stays, "Il aime le jazz." refused, to "Qui dirige l'Anssi, et aime-t-il le jazz ?".
    Nor a lead-in, "Les raisons sont les suivantes :", which restates the question for the items after it; nor a
    sentence only saying the source holds what the question asks it for, `only_says_the_source_holds`.)"""
    question = answer.standalone_question or answer.question
    refused = [x for x in sentences if not x.supported and not x.text.rstrip().endswith(":")
               and not only_says_the_source_holds(x.text, question)]
    if not refused or detect_language(answer.question) != "fr":
        return set()  # (most answers: nothing refused, nothing to read)
    about = set(analyse(" ".join(asked_about(asking_part(question)))))
    kept = [x for x in sentences if x.supported]
    said = about & set(analyse(" ".join(x.text for x in kept)))
    cited = {n for x in kept for n in x.citations if 1 <= n <= len(hits)}
    held = set(analyse(" ".join([x.text for x in kept] + [hits[n - 1].passage.text for n in cited])))
    for x in refused:
        mine = set(analyse(x.text)) & about
        if mine - held and said <= mine:
            return mine - held
    return set()


def _bare_name(text: str) -> bool:
    """Four words or fewer, or a name of four words or fewer with its title after a comma: "Vincent Strubel, directeur
    général de l'Anssi." to "Qui a affirmé que la cybersécurité n'est pas de la magie noire ?" names him from the
    sentence that gives his title, where the closest one says "Le DG de l'Anssi appelle à…" (session 56, a017)."""
    words = text.split()
    name, _, title = text.partition(",")
    return len(words) <= 4 or (0 < len(name.split()) <= 4 and all(w[:1].isupper() for w in name.split())
                               and len(title.split()) <= 8 and bool(role_heads(title)) and '"' not in title)


def _no_source_holds(question: str) -> AbstainReason:
    """"about_assistant" or "asks_invention" when the question asks only for the assistant's own instructions or for
    something invented, which no source holds; else ""."""
    return ("about_assistant" if asks_only_for_instructions(question)
            else "asks_invention" if asks_only_to_invent(question) else "")


def abstain(answer: Answer, code: str, reason: str | None = None) -> None:
    """Make `answer` the refusal for `code` (one of `ABSTAIN_REASONS`)."""
    answer.abstained, answer.answer, answer.citations = True, abstain_message(answer.lang), []
    answer.abstain_code, answer.abstain_reason = code, reason or ABSTAIN_REASONS[code]


def _pronouns(hits: list[Hit], index, roles: bool = False) -> dict[str, tuple[str, str]]:
    """Passage id -> (the pronoun, the person it stands for) of a passage that speaks of someone by a pronoun before
    naming anyone (`pronoun_antecedent`; with `roles`, by a role too)."""
    # (With roles, who holds one is read further back than where a pronoun's person is looked for.)
    before = _HOLDER_REACH if roles else _PRONOUN_REACH
    return {h.passage.id: found for h in hits
            if (found := pronoun_antecedent(h.passage.text, index.preceding(h.passage, before), roles,
                                            _PRONOUN_REACH))[1]}


_PRONOUN_REACH = 2000  # characters before a passage where the person its pronoun stands for is looked for
_HOLDER_REACH = 12000  # where who holds a role is: the article names the minister's ~5,000 before "La ministre a…"


def _people(hits: list[Hit], index) -> dict[str, str]:
    """Passage id -> the person it speaks of by a pronoun or a role before naming anyone, for the check."""
    return {k: who for k, (_, who) in _pronouns(hits, index, roles=True).items()}


def _named_in(before: str, name: str) -> str:
    """The sentence of `before` where `name` last stands, from the name on ("Vincent Strubel, directeur général de
    l'Anssi."), or ""."""
    i = before.rfind(name)
    if i < 0:
        return ""
    end = re.search(r"[.!?](?:\s|$)", before[i:])
    return before[i:i + end.end()] if end else before[i:]


_COMMON_SHARE = 0.3  # a word in more of the corpus's passages than this ("IA", "ministre" in the article) is common


def _unanswered_facts(answer: Answer, kept: list[Sentence], hits: list[Hit], neighbours=None,
                      people: dict[str, str] | None = None, vocabulary: str | None = None, preceding=None,
                      share=None, opening=None) -> str:
    """Names and numbers of the question (of its asking sentences: `asked_facts`) that neither the kept answer nor
    the passages it cites (read under their heading when it names a topic), nor the passages just around them in
    their source (`neighbours(passage)`), mention: a true sentence about something else is not an answer.
    (The whole passage, not only the words that support the sentence: "Le Royal Exchange Theatre [1]." answers
    "Quel théâtre … au Royaume-Uni ?" from a passage whose previous sentence names the country. And its neighbours:
    "San Antonio s'incline face au Mercury de Phoenix…" answers "Lors des playoffs en 2010 contre qui s'incline San
    Antonio ?" from a passage whose season is named in the one before it. And the person a cited passage speaks of
    by a pronoun before naming anyone, named in its source before it (`people`, see `_people`): "Les collectivités
    doivent être forces d'entraînement [3]." answers "Que doivent être les collectivités selon Constance Nebbula ?"
    from "Elle appelle aussi…", three passages after her name.) A question in another language than the corpus
    (`vocabulary`: its folded words) keeps its numbers and the names the corpus writes the same (`asked_across`).
    `share(term)`: the fraction of the corpus's passages holding an analysed term (`Index.share`). `opening(passage)`:
    the first sentence of its source, where a news article sets what all of it reports on (`Index.opening`): "Guillaume
    Poupard [1]." answers "Qui représentait Docaposte aux Assises ?" from his paragraph, in an article whose opening
    sentence names the Assises (session 46, r2327); it counts for the question's names and numbers only."""
    asked = answer.standalone_question or answer.question
    # (And the day of the week it names, as a month is named: "Pourquoi les Assises… ont-elles été organisées un jeudi
    # ?" is not answered by "…ont été organisées le 4 novembre [1]." from a passage that says "ce mardi 4 novembre",
    # session 43, r1937.)
    facts = asked_facts(asked) - counted_facts(asked) | named_days(asking_part(asked))
    if picked_option(" ".join(x.text for x in kept), asked):
        # "…: la ministre ou le directeur général de l'Anssi ?" answered "La ministre a confirmé… [1].": the option
        # it leaves is not what the question is about (session 40, r1610).
        facts -= claim_facts(" ".join(question_options(asked)))
    french = detect_language(answer.question) == "fr"
    if not french:  # English names of French things do not match word for word; those the corpus writes the same do
        facts = asked_across(facts, vocabulary) if vocabulary else {f for f in facts if f.startswith("#")}
    cited = [hits[n - 1].passage for n in sorted({n for x in kept for n in x.citations if 1 <= n <= len(hits)})]
    around = [q for p in cited for q in (neighbours(p) if neighbours else [])]
    who = [people.get(p.id, "") for p in cited] if people else []
    if preceding and people:
        # With that person, the sentence their name stands in before the passage: their title says what they speak
        # for ("Vincent Strubel, directeur général de l'Anssi." before "L'agence, dit-il, mise sur la coopération…":
        # "La cybersécurité a besoin d'un ancrage local [3]." answers "… selon l'Anssi ?", session 36, r1224).
        who += [_named_in(preceding(p), people[p.id]) for p in cited if people.get(p.id)]
    text = " ".join([x.text for x in kept] + [f"{topic(p.heading)}\n{p.text}" for p in cited + around] + who)
    setting = " ".join(dict.fromkeys(opening(p) for p in cited)) if opening else ""
    nums, words = fact_index(f"{text}\n{setting}")
    reigns = regnal_numbers(asked)
    # A name the retrieved passages write as one is not mentioned by the same word written as a common one ("la loi
    # Résilience" is not "la résilience à l'échelle du système d'information").
    names = written_as_names([h.passage.text for h in hits])
    # An acronym of three letters or more the question writes stands for the words whose initials it takes ("LCG" for
    # Loïg Chesnais-Girard, "DGA" for "directeur général adjoint", session 44, r2004 and r2008); two letters match by
    # chance.
    missing = [f for f in facts if not has_fact(f, nums, words) and not respelled(f, words)
               and not (len(f) >= 3 and spelt_out(f, asked, text))
               and not (f in reigns and has_fact(reigns[f], nums, words)) or f in names and common_word_only(f, text)]
    subject = said_on(asked) if french else ""
    stems = set(analyse(subject))
    said = set(analyse(text))
    if stems and not stems & said:
        missing.append(subject)  # what is said is on something else
    about = asked_about(asked) if french and len(strip_citations(" ".join(x.text for x in kept)).split()) > 6 else []
    about_stems = set(analyse(" ".join(about)))
    # A word most passages hold says little of what the question is about: the answer to "Par quoi passe
    # l'acculturation à l'IA selon Jérôme Hénique ?" must hold its rarer words, not only "IA" (session 41, r1307: his
    # figures on the fibre, cited from a passage that holds "IA"). Only where the corpus has passages enough to tell.
    # (A word no passage holds is not one an answer drawn from them can hold: "budget" to "budget numérique des régions
    # par an", answered "Les régions investissent chaque année près de 400 millions d'euros…", r1201.)
    rare = {s for s in about_stems if (part := share(s)) and part <= _COMMON_SHARE} if share else set()
    # In the answer or the passages it cites, not only next to them (the neighbours hold names a passage leaves out,
    # not what a question is about).
    # (And the start of the paragraph a passage opens within: "Il faut consentir à des investissements, accepter des
    # compromis [1]." answers whether moving towards sovereignty means concessions, from a passage cut after "La
    # souveraineté, ce n'est pas tout refaire…" in the same paragraph, session 47, r2540.)
    lead = [before[before.rfind("\n") + 1:] for before in map(preceding, cited)] if preceding else []
    if about_stems and not (rare or about_stems) & set(analyse(" ".join(
            [x.text for x in kept] + [f"{topic(p.heading)}\n{p.text}" for p in cited] + who + lead))):
        # "Où se vérifiera la réussite selon la ministre ?" answered "La ministre a déclaré que les réunions du Conseil
        # État-Régions… seront tenues dans une des régions avant décembre [3]." (session 35, r912): not one word of
        # what the question is about, in the answer or around it. (A bare answer, "Toyota [3].", says only what is
        # asked; an English question's words are not the corpus's.)
        missing.append(" ".join(about))
    if nobody := says_nothing_of(strip_citations(" ".join(x.text for x in kept)), asked):
        missing.append(nobody)  # in the passage, not in the answer: "Qui est X ?" answered with X's words
    return ", ".join(m.lstrip("#") for m in missing)
