"""The question-answering flow: question → retrieval → prompt → local model → cited, checked Answer.

Dependencies (index, embedding, model, checker) are passed in or built lazily from `Settings` on
first use; nothing is loaded at import.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable, Iterator

from .answer import Answer, Citation, Sentence, detect_language, parse_sentences, strip_citations
from .config import DEFAULT_CORPUS, Settings, resource_path
from .errors import InputError
from .index import Index, build_index, load_index, reusable_index
from .lexical import analyse, fold
from .models import DEFAULT_MODELS, resolve_embed_path, resolve_llm_path
from .prompts import abstain_message, load_template, render
from .retrieve import Hit, retrieve
from .text import load_source

__all__ = ["Assistant", "MAX_QUESTION_CHARS", "default_corpus_paths", "validate_question"]

MAX_QUESTION_CHARS = 1000
MAX_HISTORY_TURNS = 6


def default_corpus_paths() -> list[Path]:
    return [resource_path("corpus") / DEFAULT_CORPUS]


def validate_question(question) -> str:
    if not isinstance(question, str):
        raise InputError("the question must be text")
    q = " ".join(question.split())
    if not q:
        raise InputError("the question is empty: type a question")
    if len(q) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(q)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return q


class Assistant:
    def __init__(self, settings: Settings, *, index: Index | None = None, llm=None, embed=None, checker=None,
                 progress: Callable[[str, int, int], None] | None = None):
        self.settings = settings
        self._index, self._llm, self._embed = index, llm, embed
        self._checker = checker
        self.progress = progress

    # -- dependencies, built on first use ---------------------------------------------------
    @property
    def embed(self):
        if self._embed is None:
            from .embed import SentenceEmbedding

            s = self.settings
            path = resolve_embed_path(s.embed_model, s.models_dir, s.auto_install, self.progress)
            self._embed = SentenceEmbedding(path, model_name=s.embed_model)
        return self._embed

    def embed_info(self) -> dict:
        from .embed import model_fingerprint

        return {"name": self.settings.embed_model, "hash": model_fingerprint(self.embed.model_path)}

    @property
    def llm(self):
        if self._llm is None:
            s = self.settings
            if s.llm_url:
                from .llm import OpenAICompatModel

                self._llm = OpenAICompatModel(s.llm_url, s.llm_model)
            else:
                from .llm import LlamaCppModel

                path = resolve_llm_path(s.llm_model, s.models_dir, s.auto_install, self.progress)
                self._llm = LlamaCppModel(path, n_ctx=s.n_ctx, threads=s.threads)
        return self._llm

    @property
    def checker(self):
        if self._checker is None:
            from .grounding import GroundingChecker

            judge = self.llm if self.settings.check == "model" and hasattr(self.llm, "yes_no") else None
            self._checker = GroundingChecker(embed=self.embed, model=judge)
        return self._checker

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = self.open_index(auto_build=True)
        return self._index

    def open_index(self, auto_build: bool = False) -> Index:
        """Load the index; on first use with no index at all, build it from the default corpus."""
        path = self.settings.index_dir
        if not (path / "manifest.json").exists() and auto_build and not (path.exists() and any(path.iterdir())):
            return self.build([])[0]
        return load_index(path, self.embed, self.embed_info())

    def build(self, paths: list[Path], rebuild: bool = False, progress: Callable[[int, int], None] | None = None):
        """Index `paths` (the default corpus when empty) into the index directory."""
        paths = [Path(p) for p in paths] or default_corpus_paths()
        files: list[Path] = []
        for p in paths:
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".txt", ".md"))
                         if p.is_dir() else [p])
        if not files:
            raise InputError(f"no .txt or .md file under {', '.join(map(str, paths))}")
        names = [f.name for f in files]
        sources = [load_source(f, f.name if names.count(f.name) == 1 else str(f)) for f in files]
        previous = None if rebuild else reusable_index(self.settings.index_dir, self.embed, self.embed_info())
        index, stats = build_index(sources, self.settings.index_dir, self.embed, self.embed_info(),
                                   self.settings.chunk_chars, self.settings.chunk_overlap, progress, previous)
        self._index = index
        return index, stats

    # -- answering --------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        answer = None
        for event in self.stream(question, history):
            if event["type"] == "answer":
                answer = event["answer"]
        return answer

    def stream(self, question: str, history: list[dict] | None = None, retrieval_only: bool = False
               ) -> Iterator[dict]:
        """Yields {"type": "token", "text"} while the model writes, then {"type": "answer", "answer"}."""
        t0 = time.perf_counter()
        question = validate_question(question)
        lang = detect_language(question)
        s = self.settings
        timings: dict[str, float] = {}
        standalone = question
        if history:
            standalone = self.rewrite(question, history, lang)
            timings["rewrite"] = round(time.perf_counter() - t0, 3)
        t = time.perf_counter()
        hits = retrieve(self.index, standalone, k=max(s.retrieve_k, s.top_k), weights=(1.0, s.bm25_weight))
        timings["retrieval"] = round(time.perf_counter() - t, 3)
        answer = Answer(question=question, answer="", abstained=False, lang=lang, standalone_question=standalone,
                        retrieved=[h.to_dict() for h in hits], timings=timings)
        if retrieval_only:
            timings["total"] = round(time.perf_counter() - t0, 3)
            yield {"type": "answer", "answer": answer}
            return
        if not _relevant(hits):
            answer.abstained, answer.answer = True, abstain_message(lang)
            answer.abstain_reason = "nothing in the sources is close to the question"
            timings["total"] = round(time.perf_counter() - t0, 3)
            yield {"type": "answer", "answer": answer}
            return
        context = hits[: s.top_k]
        messages = self.messages(standalone, context, lang)
        t = time.perf_counter()
        pieces: list[str] = []
        t_first = None
        for piece in self.llm.stream(messages, max_tokens=s.max_tokens, temperature=s.temperature):
            if t_first is None:
                t_first = time.perf_counter()
                timings["first_token"] = round(t_first - t0, 3)
            pieces.append(piece)
            yield {"type": "token", "text": piece}
        end = time.perf_counter()
        timings["generation"] = round(end - t, 3)
        timings["tokens"] = len(pieces)  # stream pieces: one token each with llama.cpp
        if t_first is not None and len(pieces) > 1 and end > t_first:
            timings["tokens_per_s"] = round((len(pieces) - 1) / (end - t_first), 2)
        answer.draft = "".join(pieces).strip()
        t = time.perf_counter()
        self.finish(answer, context, hits)
        timings["check"] = round(time.perf_counter() - t, 3)
        timings["total"] = round(time.perf_counter() - t0, 3)
        yield {"type": "answer", "answer": answer}

    def messages(self, question: str, context: list[Hit], lang: str) -> list[dict]:
        tpl = load_template("answer", lang)
        passages = "\n\n".join(f"[{i}] {h.passage.text}" for i, h in enumerate(context, start=1))
        values = {"abstain": abstain_message(lang), "passages": passages, "question": question}
        out = [{"role": "system", "content": render(tpl["system"], **values)}] if "system" in tpl else []
        return out + [{"role": "user", "content": render(tpl["user"], **values)}]

    def rewrite(self, question: str, history: list[dict], lang: str) -> str:
        """A follow-up rewritten as a standalone question, using the recent turns."""
        turns = [h for h in history if isinstance(h, dict) and h.get("content")][-MAX_HISTORY_TURNS:]
        if not turns:
            return question
        tpl = load_template("rewrite", lang)
        convo = "\n".join(f"{'Utilisateur' if h.get('role') == 'user' else 'Assistant'} : "
                          f"{strip_citations(str(h['content']))[:600]}" for h in turns)
        values = {"history": convo, "question": question}
        msgs = ([{"role": "system", "content": render(tpl["system"], **values)}] if "system" in tpl else []) + [
            {"role": "user", "content": render(tpl["user"], **values)}]
        out = "".join(self.llm.stream(msgs, max_tokens=80)).strip().splitlines()
        rewritten = out[0].strip().strip('"«» ') if out else ""
        rewritten = re.sub(r"^(question réécrite|rewritten question)\s*:\s*", "", rewritten, flags=re.I)
        if not 3 <= len(rewritten) <= MAX_QUESTION_CHARS:
            return question
        # A rewrite that brings in nothing from the conversation did not resolve the reference: keep the
        # previous question beside it, so retrieval still knows what "elle" is about.
        from .grounding import claim_facts

        context_terms = set(analyse(convo)) - set(analyse(question))
        if not set(analyse(rewritten)) & context_terms and not claim_facts(question):
            last_user = next((h["content"] for h in reversed(turns) if h.get("role") == "user"), "")
            return f"{rewritten} ({strip_citations(str(last_user))[:300]})" if last_user else rewritten
        return rewritten

    def finish(self, answer: Answer, context: list[Hit], hits: list[Hit]) -> None:
        """Parse the draft, check each sentence against what it cites, decide abstention."""
        abstain = abstain_message(answer.lang)
        draft = answer.draft
        said_abstain = _says_abstain(draft, answer.lang)
        sentences = [] if said_abstain else parse_sentences(draft)
        sentences = (self.checker.check(sentences, context, hits, answer.lang, answer.standalone_question)
                     if sentences else [])
        kept = [x for x in sentences if x.supported]
        answer.sentences = sentences
        off_topic = _unanswered_facts(answer, kept) if kept else ""
        if kept and off_topic:
            for x in kept:
                x.supported, x.reason = False, f"true, but does not answer the question (nothing about {off_topic})"
            kept = []
        if not kept:
            answer.abstained = True
            answer.answer = abstain
            answer.citations = []
            answer.abstain_reason = (
                "the model found no answer in the sources" if said_abstain or not sentences
                else sentences[0].reason if off_topic
                else "no sentence of the draft is supported by the passages it cites")
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
        answer.answer = " ".join(f"{x.text[:-1] if x.text[-1:] in '.!?' else x.text} "
                                 f"{''.join(f'[{n}]' for n in x.citations)}{x.text[-1] if x.text[-1:] in '.!?' else '.'}"
                                 for x in kept)
        answer.abstained = False


# Below both, no retrieved passage is about the question (set on eval/article.jsonl: the lowest
# answerable question scored 0.26 dense; several unanswerable ones scored under 0.2 with no word in common).
MIN_DENSE, MIN_BM25 = 0.22, 1.5


def _relevant(hits: list[Hit]) -> bool:
    if not hits:
        return False
    dense = max((h.dense or 0.0) for h in hits)
    lexical = max((h.lexical or 0.0) for h in hits)
    return dense >= MIN_DENSE or lexical >= MIN_BM25 or all(h.dense is None for h in hits)


def _unanswered_facts(answer: Answer, kept: list[Sentence]) -> str:
    """Names and numbers of the question that neither the kept answer nor the words it cites mention:
    a true sentence about something else is not an answer."""
    from .grounding import claim_facts, fact_index, has_fact

    facts = claim_facts(answer.standalone_question or answer.question)
    if detect_language(answer.question) != "fr":  # English names of French things do not match word for word
        facts = {f for f in facts if f.startswith("#")}
    text = " ".join([x.text for x in kept] + [span[2] for x in kept for span in x.spans.values()])
    nums, words = fact_index(text)
    missing = [f for f in facts if not has_fact(f, nums, words)]
    return ", ".join(m.lstrip("#") for m in missing)


def _says_abstain(draft: str, lang: str) -> bool:
    d = fold(draft)
    cues = ["ne trouve pas la reponse", "pas dans les sources", "ne contiennent pas", "ne precisent pas",
            "ne mentionnent pas", "cannot find the answer", "not in the sources", "do not contain", "does not contain",
            "not mentioned", "ne sont pas mentionn", "n'est pas mentionn", "aucune information"]
    return not draft.strip() or any(c in d for c in cues)
