"""Settings: one explicit object, built at the edge and passed in. It is the only home of tunables.

`settings_from_env` is the one function that reads `RAG_*` variables: the CLI, the tests and the benches
all build their Settings with it, so they agree on where the models and the index are.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping

import platformdirs

from .errors import InputError

__all__ = ["Settings", "Thresholds", "settings_from_env", "env_name", "PACKAGE_DIR", "resource_path", "DEFAULT_CORPUS"]

PACKAGE_DIR = Path(__file__).resolve().parent
ENV_PREFIX = "RAG_"
DEFAULT_CORPUS = "article.txt"


def resource_path(name: str) -> Path:
    """A folder shipped with the package (prompts/, corpus/, ui/): inside the wheel, or at the repo root
    in an editable checkout."""
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.exists():
            return candidate
    return PACKAGE_DIR / name


@dataclass(frozen=True)
class Thresholds:
    """The grounding check's decision points, set on the even half of eval/grounding_pairs.jsonl
    (bench/grounding_pairs.py --split even)."""
    coverage: float = 0.6  # share of a claim's content words in the passage window to accept it on words
    dense: float = 0.62  # embedding similarity that accepts a same-language paraphrase
    dense_cross: float = 0.55  # the same, claim and passage in different languages
    # The least similarity, across languages, of a claim to its passage for the model judge's yes to count.
    dense_cross_judged: float = 0.58
    coverage_floor: float = 0.2  # below it a claim is refused without asking the model
    llm_margin: float = -1.0  # log P(YES) - log P(NO) above which the model judge accepts
    llm_margin_cross: float = -1.0
    # A short answer (at most six words: "Orange.") is judged as "question — answer", and the judge leans to yes
    # wherever the name merely stands in the passage: on the article runs v3–v8 and PIAF v6, every short answer it
    # accepted below -0.4 was wrong (3 on the article, 1 on PIAF), every right one scored above -0.1.
    llm_margin_bare: float = -0.4
    # A claim with words that neither its passage nor its question holds is held to the bare margin for one such
    # word and to this one for two or more: of the sentences the judge accepted in article-v24 and PIAF seeds 0–7,
    # none with one such word and a margin below -0.5 was right (0 of 12), and 4 of the 17 French ones with two or
    # more below 0.5 (against 63% of those with none).
    llm_margin_unheard: float = 0.5
    # The quoted-answer fallback: margin above which the model judges that a passage's sentence answers the
    # question, and the least share of the question's content words that sentence must hold to be asked about.
    quote_margin: float = 1.0
    quote_overlap: float = 0.3
    # An answer resting on a prompt sentence less close to the question (cosine, the embedding model's query and
    # STS vectors) than the closest one by more than this answers another question (`rag.index.sentences.closest_gap`;
    # bench/closest_sentence.py over the stored runs, session 48: above 0.2, 1 of 245 right answers against 4 of 54
    # wrong and 0 of 24 unanswerable ones on rounds 7-26, the article and the injection set; 0 of 179 right against
    # 12 of 146 without a gold answer on PIAF seeds 24-28).
    closest_gap: float = 0.2


@dataclass(frozen=True)
class Settings:
    # Where verified model files live: HOME/models (RAG_HOME).
    home: Path = field(default_factory=lambda: Path(platformdirs.user_cache_dir("rag")))
    # Where the index persists (RAG_INDEX_DIR).
    index_dir: Path = Path("index")
    # A provisioned model name, a local directory, or a sentence-transformers id (RAG_EMBED_MODEL).
    embed_model: str = "embeddinggemma-300m"
    # A provisioned model name or a path to a .gguf file (RAG_LLM_MODEL).
    llm_model: str = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    # An OpenAI-compatible server (http://host:port/v1) used instead of the local GGUF (RAG_LLM_URL).
    llm_url: str | None = None
    # Questions answered at once through that server (RAG_LLM_PARALLEL): its engine batches or queues them. The
    # local GGUF always answers one at a time (llama.cpp is not thread-safe).
    llm_parallel: int = 4
    # Indexing: passage size in characters (RAG_CHUNK_CHARS), and overlap in sentences.
    chunk_chars: int = 400
    chunk_overlap: int = 1
    # The largest source file accepted, in bytes (RAG_MAX_SOURCE_BYTES).
    max_source_bytes: int = 50_000_000
    # Retrieval: passages given to the model (RAG_TOP_K), passages kept in the Answer, each retriever's depth
    # in the fusion, and the reciprocal-rank constant.
    top_k: int = 3
    retrieve_k: int = 10
    retrieve_depth: int = 50
    rrf_k: int = 60
    # Weight of the BM25 ranking in the fusion (the dense ranking weighs 1). Set on PIAF dev
    # (bench/retrieval_piaf.py): 0.3 gave the best R@5 there; names and numbers still get through BM25.
    bm25_weight: float = 0.3
    # Below both, no retrieved passage is about the question (set on eval/article.jsonl: the lowest
    # answerable question scored 0.26 dense; several unanswerable ones scored under 0.2 with no word in common).
    min_dense: float = 0.22
    min_bm25: float = 1.5
    # The vector index (RAG_VECTOR_INDEX): "auto" is exact search (faiss flat) under 50,000 passages and HNSW
    # (approximate, recall@10 >= .95 in bench/ann.py) from there; "flat", "hnsw" or "ivf" force one. Read when
    # an index is built.
    vector_index: Literal["auto", "flat", "hnsw", "ivf"] = "auto"
    # Where passages and vectors live (RAG_STORE): empty for FAISS on local disk (index_dir), or a Milvus
    # collection, `milvus://HOST:PORT/COLLECTION` (a server) or `milvus-lite:PATH.db/COLLECTION` (Milvus Lite);
    # the manifest and sources stay in index_dir. Parsed by rag.index.milvus.parse_store.
    store: str = ""
    # Generation (RAG_THREADS for the model's CPU threads).
    threads: int = 2
    n_ctx: int = 4096
    max_tokens: int = 320
    temperature: float = 0.0
    # Prompt lookup decoding (RAG_LOOKUP_DRAFTS): when writing greedily, up to this many tokens copied from the
    # prompt are proposed at each step and the model keeps those it would have written (same words, written
    # ~1.4x faster on the article; bench/latency.py). 0: off.
    lookup_drafts: int = 8
    # Passages whose prompt state the local model keeps (RAG_PASSAGE_STATES): when the index has at most this
    # many, each is read once after the fixed instructions, as the first passage of a prompt, so a question
    # whose best passage it is skips reading it; so is the judge's prompt when it is shown whole passages
    # (about 17 MB of memory a passage, both states). 0: none.
    passage_states: int = 64
    # ... and kept on disk, in HOME/states, for the next process on this host, model, build and mode
    # (RAG_STATE_CACHE_MB, at most that many MB, the least recently used dropped first; 0.75 GB for the article
    # without pairs, ~1.4 GB with them): a restart puts them back in seconds rather than reading them again
    # (minutes on a slow host). 0: kept in memory only.
    state_cache_mb: int = 2048
    # A question whose passages this process has not read ahead yet (just after a start; `rag ask`) first has what
    # is kept on disk for them put back, reading nothing (RAG_PUT_BACK; `Pipeline.put_back`). Off: the bench's
    # reference (bench/first_question.py).
    put_back: bool = True
    # Passages read ahead are also kept as movable blocks (RAG_PASSAGE_BLOCKS): where a question's prompt lists
    # one second or third, its attention cells are moved in rather than read again (~4 MB a passage). Off: on the
    # article set it made answers ~1.6x faster but 4 of 72 fewer right (the moved cells never saw the passages
    # now before them, and the 1.5B model then mixes up who said what more often).
    passage_blocks: bool = False
    # For each passage read ahead, the passages likeliest to be listed second after it (RAG_PASSAGE_PAIRS, by
    # retrieval on the passage's own text) are read after it too, and what they add kept (~2.4 MB a pair): a question
    # whose two best passages are such a pair reads only its third passage and itself (the same numbers as
    # reading them; bench/latency.py). 6 rather than 4 since session 44: 19 of the bench's 24 questions had their
    # pair against 15, the first checked sentence 2.69 s against 3.08 s p50, the same drafts. 0: none.
    passage_pairs: int = 6
    # A passage that speaks of someone by a pronoun before naming anyone ("Sur la loi Résilience…, il reconnaît…")
    # is shown to the model with whom it stands for, as the check reads it (`antecedent`): "(Ici, « il » désigne
    # Vincent Strubel.)" (RAG_PRONOUN_NOTES). Off: the passage alone, and the model, which cannot see the passages
    # before it, wrote "Le conseil municipal a affirmé…" (its prompt example's subject) for "Qui a affirmé…?".
    pronoun_notes: bool = True
    # The server reads a question's prompt while it is still being typed (RAG_PREFILL): the widget (with the
    # conversation) and the chat window (a first question) send it once it ends with "?" (POST /v1/prefill), and the
    # model, if idle, reads it (never ahead of a question; a follow-up rewritten first). Asked unchanged, the answer
    # starts at once: the same answer, ~1 s sooner (~2-4 s for a follow-up). Off: nothing is read before Enter.
    prefill: bool = True
    # ... and, the prompt read, it goes on answering while the asker finishes typing (RAG_ANSWER_AHEAD; only with
    # prefill, only while nothing else waits): asked unchanged, the question joins that answer where it has got to
    # (its checked sentences at once); anything else asked stops it at its next token (~0.05 s). Off: only read.
    answer_ahead: bool = True
    # The server keeps its last answers to first questions (RAG_ANSWER_CACHE, how many): the same question asked
    # again on the same index version gets the same answer at once, as the model would write it again word for word
    # (temperature 0). 0: none; never with a temperature above 0. `rag ask` and `rag eval` never use it.
    answer_cache: int = 256
    # Grounding check: "model" adds the local model as a judge of claims that words alone cannot settle;
    # "fast" uses words, facts and embeddings only (RAG_CHECK).
    check: Literal["model", "fast"] = "model"
    # What the model judge is shown with a claim (RAG_JUDGE_READS): the whole cited passage, whose state is kept
    # when passages are read ahead (the judge then reads only the claim), or the few sentences that support it.
    # On eval/grounding_pairs.jsonl the whole passage judged better (accuracy .941 against .927).
    judge_reads: Literal["passage", "window"] = "passage"
    thresholds: Thresholds = field(default_factory=Thresholds)
    # The local model runs in a supervised child process. "auto" starts it in safe mode (no extra buffer
    # types) on hosts where it crashed before; "on" / "off" force it (RAG_SAFE_MODE).
    safe_mode: Literal["auto", "on", "off"] = "auto"
    # Longest a model request may take before its process is stopped and restarted (RAG_MODEL_TIMEOUT).
    model_timeout: float = 120.0
    # Address-space cap of the model process in MB, 0 for none (RAG_MODEL_MEMORY_MB).
    model_memory_mb: int = 8192
    # Questions: longest accepted, and turns of history a follow-up is rewritten with.
    max_question_chars: int = 1000
    max_history_turns: int = 6
    # Serving: seconds a question waits for the model before a 503 (RAG_WAIT_TIMEOUT).
    wait_timeout: float = 90.0
    # Questions allowed to wait behind the one being answered (RAG_MAX_WAITING); one more gets a 503 at once,
    # with a Retry-After estimated from recent answer times. This bound is also what bounds the memory held
    # by waiting requests.
    max_waiting: int = 4
    # Longest a question may take from its arrival, waiting included (RAG_QUESTION_DEADLINE): past it the
    # client gets a 503 and the generation stops at its next token.
    question_deadline: float = 120.0
    # The API token (RAG_API_TOKEN): when set, the API, the chat window and the evaluation files need it
    # (`Authorization: Bearer …`, or the cookie of the sign-in page). Never shown in a repr.
    api_token: str | None = field(default=None, repr=False)
    # The address this server gives of itself in pages and snippets (RAG_PUBLIC_URL), never the request's
    # Host header; `rag serve` defaults it to http://HOST:PORT.
    public_url: str | None = None
    # Largest request body in bytes, refused with a 413 before it is read (RAG_MAX_BODY_BYTES).
    max_body_bytes: int = 262_144
    # What an API request may carry besides its question: history messages, and characters in each message
    # (the same limit holds for a feedback's answer and comment).
    max_history_messages: int = 20
    max_message_chars: int = 4000
    # Requests per client, in the `limits` notation ("20/minute", "5/second;100/hour"; "off" for none):
    # questions (RAG_RATE_LIMIT_ASK), and every other API call (RAG_RATE_LIMIT_API).
    rate_limit_ask: str = "20/minute"
    rate_limit_api: str = "240/minute"
    # The feedback file stops growing at this many bytes: further verdicts get a 507 (RAG_FEEDBACK_MAX_BYTES).
    feedback_max_bytes: int = 10_000_000
    # Debugging only: stream the model's unchecked draft and return Answer.draft (RAG_DEBUG_DRAFTS=1).
    debug_drafts: bool = False
    # Provision missing default models on first use (off with RAG_NO_AUTO_INSTALL=1).
    auto_install: bool = True

    def replace(self, **changes) -> "Settings":
        """A copy with the given fields changed; None values are ignored (an option not given)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def models_dir(self) -> Path:
        return self.home / "models"


def env_name(field_name: str) -> str:
    return ENV_PREFIX + ("NO_AUTO_INSTALL" if field_name == "auto_install" else field_name.upper())


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _parse(name: str, kind, raw: str):
    var = env_name(name)
    origin = typing.get_origin(kind)
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if origin is Literal:
        if raw not in typing.get_args(kind):
            raise InputError(f"{var}={raw!r} is not one of {', '.join(typing.get_args(kind))}")
        return raw
    if args and origin is not None:  # X | None
        kind = args[0]
    if kind is bool:
        low = raw.strip().lower()
        if low not in _TRUE | _FALSE:
            raise InputError(f"{var}={raw!r} is not a yes/no value (1, 0, true, false)")
        return low in _TRUE
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise InputError(f"{var}={raw!r} is not a valid {kind.__name__}") from None


def settings_from_env(environ: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Settings from `RAG_*` variables (every scalar field; RAG_NO_AUTO_INSTALL turns auto-install off),
    then `overrides` (options given on a command line; None means not given)."""
    env = os.environ if environ is None else environ
    hints = typing.get_type_hints(Settings)
    values: dict = {}
    for f in dataclasses.fields(Settings):
        raw = env.get(env_name(f.name))
        if raw is None or f.name == "thresholds":
            continue
        if f.name == "auto_install":
            values[f.name] = not _parse(f.name, bool, raw)
        elif raw.strip() or f.name == "llm_url":
            values[f.name] = _parse(f.name, hints[f.name], raw) if raw.strip() else None
    return Settings(**values).replace(**overrides)
