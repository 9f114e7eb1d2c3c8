"""The passages' sentences, embedded when the index is built (the model's STS prompt), so that an answer can be
compared with the sentence of its prompt closest to the question without embedding anything while answering
(embedding a prompt's sentences then costs ~0.08 s each on a 2-core CPU).

Stored beside the index, FAISS or Milvus: `sentences.npy` (one float16 row per distinct sentence) and
`sentences.json` (the rows' keys, a hash of each sentence's text). A sentence the store lacks (an index written
before it had one) is embedded when first asked for and kept in memory: slower, never wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path
from typing import Callable

import numpy as np

from ..ingest.chunk import split_sentences
from .lexical import analyse

__all__ = ["SentenceVectors", "passage_sentences", "sentence_key", "embed_sentences", "save_sentences",
           "load_sentences", "closest_gap",
           "SENTENCE_FILES", "SENTENCE_PROMPT"]

SENTENCE_MATRIX, SENTENCE_KEYS = "sentences.npy", "sentences.json"
SENTENCE_FILES = frozenset({SENTENCE_MATRIX, SENTENCE_KEYS})
SENTENCE_PROMPT = "STS"  # what `embed_for_similarity` encodes with; a store made otherwise is not read
MIN_CHARS = 16  # shorter "sentences" (a dateline, "Photo : …") are no evidence
_EXTRA_MOST = 20_000  # sentences embedded while answering, kept in memory (~15 MB at 768 dimensions)


def passage_sentences(text: str) -> list[str]:
    """The sentences of a passage, stripped, of MIN_CHARS or more."""
    return [text[s:e].strip() for s, e in split_sentences(text) if e - s >= MIN_CHARS]


# A sentence opening on these, or on a quotation mark, goes on with the one before it: "93 % des locaux… grâce à
# Orange." then "C'est unique en Europe", s'est félicité Jérôme Hénique. — or an attribution, then the words quoted.
_GOES_ON = re.compile(r"""^(?:["«“]|(?:c'|c’)est\b|cela\b|ça\b|ce\b|ces\b|cette\b|cet\b|celui\b|celle\b
                          |il\b|ils\b|elle\b|elles\b|it\b|this\b|that\b|these\b|he\b|she\b|they\b)""", re.I | re.X)
_TITLE = re.compile(r"[.!?…][\W]*$")  # a sentence ends so; a title ("Algèbre nouvelle") does not


def closest_gap(claim: str, passages: list[list[str]], similarity: np.ndarray, question: str = "",
                restated: float = 0.75) -> tuple[float, str]:
    """How much closer to the question the closest sentence of the passages (`passages[j]`: passage j's sentences in
    order; `similarity`: each one's to the question, passage after passage) is than the one `claim` rests on, and
    the closest sentence. A claim rests on the sentence sharing most of its words; of several sharing as many, on
    the closest of them (a heading that repeats three of its words is not what a sentence holding all four rests on).
    A sentence and the next one that goes on with it (`_GOES_ON`) are one statement: each is as close as the closer
    of the two (pairs, not chains: "Il…" after "Il…" does not carry a whole paragraph). A title, a line of four
    words or fewer ("Abonnez-vous à Localtis !"), or a sentence the question restates (`restated`: the share of its
    words in `question`; "Certains outils resteront sous Gafam." to "Constance Nebbula admet que certains outils
    resteront sous Gafam : quel est alors l'enjeu ?", round 26, r2628) is never the closest: the question's words
    with nothing said of them."""
    pool = [x for sentences in passages for x in sentences]
    if len(set(pool)) < 2:
        return 0.0, ""
    start = np.cumsum([0] + [len(x) for x in passages])[:-1]
    close = np.asarray(similarity, dtype="float64").copy()
    for j, sentences in enumerate(passages):
        for k in range(1, len(sentences)):
            if _GOES_ON.match(sentences[k].lstrip()):
                i = start[j] + k
                close[i - 1], close[i] = max(close[i - 1], similarity[i]), max(close[i], similarity[i - 1])
    # And a quotation running over several sentences is one statement of whoever the sentence opening it names: "…a
    # rappelé Vincent Strubel, directeur général de l'Anssi." then « Une IA, c'est très compliqué à analyser… On peut
    # passer des semaines… Il faut donc penser la résilience… » (session 53, r3128).
    for j, sentences in enumerate(passages):
        inside, opened = False, None
        for k, x in enumerate(sentences):
            i = start[j] + k
            if inside and opened is not None:
                close[i] = max(close[i], close[opened])
            after = _inside_quote_after(x, inside)
            opened = (opened if inside else i) if after else None
            inside = after
    stems = [set(analyse(x)) for x in pool]
    words = set(analyse(claim))
    shared = [len(words & mine) for mine in stems]
    most = max(shared)
    rests_on = max((i for i, n in enumerate(shared) if n == most), key=lambda i: close[i])
    asked = set(analyse(question))
    statements = [i for i, x in enumerate(pool) if _TITLE.search(x) and len(x.split()) > 4
                  and not (asked and _share_in(stems[i], asked) >= restated)]
    if not statements:
        return 0.0, ""
    closest = max(statements, key=lambda i: similarity[i])
    return float(similarity[closest] - close[rests_on]), pool[closest]


def _inside_quote_after(sentence: str, inside: bool) -> bool:
    """Whether a quotation is still open at the end of `sentence`, given whether one was at its start. A straight
    mark after a space (or at the start) opens one, after a word or a stop closes it."""
    for m in re.finditer(r"[\"«»“”]", sentence):
        mark, before = m.group(), sentence[m.start() - 1] if m.start() else " "
        inside = mark in "«“" or mark == '"' and (before.isspace() or before in "([—–-:")
    return inside


def _share_in(mine: set[str], words: set[str]) -> float:
    return len(mine & words) / len(mine) if mine else 1.0


def sentence_key(sentence: str) -> str:
    return hashlib.blake2b(sentence.strip().encode("utf-8"), digest_size=12).hexdigest()


class SentenceVectors:
    """Sentence -> unit vector, from the store or, for a sentence it lacks, embedded now (`embed`) and kept."""

    def __init__(self, keys: list[str], matrix: np.ndarray, embed=None):
        self.rows = {k: i for i, k in enumerate(keys)}
        self.matrix = matrix
        self.embed = embed
        self._extra: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @classmethod
    def empty(cls, embed=None) -> "SentenceVectors":
        """A store holding nothing: every sentence is embedded when asked for."""
        return cls([], np.zeros((0, 0), dtype="float16"), embed)

    def __len__(self) -> int:
        return len(self.rows)

    def vectors(self, sentences: list[str], embed=None) -> np.ndarray | None:
        """One float32 row per sentence; those the store lacks are embedded with its model, else `embed`. None when
        neither can give similarity vectors (a llama-index embedding that is not `SentenceEmbedding`)."""
        if not sentences:
            return np.zeros((0, self.matrix.shape[1] if self.matrix.size else 0), dtype="float32")
        keys = [sentence_key(s) for s in sentences]
        with self._lock:
            todo = list(dict.fromkeys(s.strip() for s, k in zip(sentences, keys)
                                      if k not in self.rows and k not in self._extra))
        if todo:
            model = next((m for m in (self.embed, embed) if hasattr(m, "embed_for_similarity")), None)
            if model is None:
                return None
            fresh = np.asarray(model.embed_for_similarity(todo), dtype="float32")
            with self._lock:
                if len(self._extra) + len(todo) > _EXTRA_MOST:
                    self._extra.clear()
                self._extra.update((sentence_key(s), v) for s, v in zip(todo, fresh))
        dim = self.matrix.shape[1] if self.matrix.size else len(next(iter(self._extra.values())))
        out = np.empty((len(keys), dim), dtype="float32")
        with self._lock:
            for i, (s, k) in enumerate(zip(sentences, keys)):
                row = self.rows.get(k)
                out[i] = self.matrix[row] if row is not None else self._extra[k]
        return out

    @property
    def embedded_now(self) -> int:
        """Sentences embedded while answering (the store lacked them)."""
        return len(self._extra)


def embed_sentences(texts: list[str], embed, previous: SentenceVectors | None = None
                    ) -> tuple[list[str], np.ndarray, int]:
    """Keys and float16 matrix of the distinct sentences of `texts` (passages), in order; the vectors `previous`
    holds are reused, the rest embedded. Returns (keys, matrix, sentences embedded)."""
    order: dict[str, str] = {}
    for text in texts:
        for s in passage_sentences(text):
            order.setdefault(sentence_key(s), s)
    keys = list(order) if hasattr(embed, "embed_for_similarity") else []  # (a model with none: no store)
    old = previous.rows if previous is not None else {}
    todo = [k for k in keys if k not in old]
    fresh: dict[str, np.ndarray] = {}
    batch = 32
    for i in range(0, len(todo), batch):
        part = todo[i:i + batch]
        fresh.update(zip(part, np.asarray(embed.embed_for_similarity([order[k] for k in part]), dtype="float32")))
    if not keys:
        return [], SentenceVectors.empty().matrix, 0
    matrix = np.stack([fresh[k] if k in fresh else previous.matrix[old[k]] for k in keys]).astype("float16")
    return keys, matrix, len(todo)


def save_sentences(folder: Path, keys: list[str], matrix: np.ndarray) -> dict:
    """Write the store into a build folder; returns what the manifest says of it."""
    np.save(folder / SENTENCE_MATRIX, matrix, allow_pickle=False)
    (folder / SENTENCE_KEYS).write_text(json.dumps(keys))
    return {"count": len(keys), "dimension": int(matrix.shape[1]) if matrix.size else 0, "dtype": str(matrix.dtype),
            "prompt": SENTENCE_PROMPT, "min_chars": MIN_CHARS, "files": sorted(SENTENCE_FILES)}


def load_sentences(path: Path, manifest: dict, embed, corrupted: Callable[[str], Exception]) -> SentenceVectors:
    """The store the manifest lists, checked; an empty one (every sentence embedded when asked for) for an index
    written without it or with other sentences or another prompt."""
    info = manifest.get("sentences")
    if not isinstance(info, dict) or info.get("prompt") != SENTENCE_PROMPT or info.get("min_chars") != MIN_CHARS:
        return SentenceVectors.empty(embed)
    try:
        matrix = np.load(path / SENTENCE_MATRIX, mmap_mode="r", allow_pickle=False)
        keys = json.loads((path / SENTENCE_KEYS).read_text())
    except (OSError, ValueError) as e:
        raise corrupted(f"sentence vectors unreadable: {e}") from e
    if (not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or matrix.ndim != 2
            or len(keys) != matrix.shape[0] or len(keys) != info.get("count")
            or (keys and matrix.shape[1] != manifest.get("dimension"))):
        raise corrupted("the sentence vectors do not match their keys or the manifest")
    return SentenceVectors(keys, matrix, embed)
