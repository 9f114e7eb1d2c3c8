"""Evaluation sets: our JSONL format (unknown fields kept), and SQuAD-format files read directly."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError
from ..ingest.chunk import split_sentences
from ..ingest.language import detect_language
from ..types import Source

__all__ = ["Question", "load_dataset", "load_squad", "is_squad"]


class Question(BaseModel):
    """One evaluation question. Extra fields (category, notes…) are kept and written back."""

    model_config = ConfigDict(extra="allow")
    id: str
    question: str = Field(min_length=1)
    answers: list[str] = []
    evidence: list[str] = []
    answerable: bool = True
    lang: str = "fr"


def is_squad(path: Path) -> bool:
    if path.suffix.lower() != ".json":
        return False
    with path.open(encoding="utf-8") as f:
        head = f.read(4096)
    return '"data"' in head or '"version"' in head


def load_dataset(path: Path) -> list[Question]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read the dataset {path}: {e}") from e
    out, seen = [], set()
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            q = Question.model_validate(json.loads(line))
        except ValidationError as e:
            raise InputError(f"{path}:{i}: not a valid question ({_first_error(e)})") from e
        except ValueError as e:
            raise InputError(f"{path}:{i}: not a JSON object ({e})") from e
        if q.id in seen:
            raise InputError(f"{path}:{i}: duplicate id {q.id}")
        seen.add(q.id)
        out.append(q)
    if not out:
        raise InputError(f"{path} holds no question")
    return out


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    return f"{'.'.join(map(str, err['loc'])) or 'line'}: {err['msg']}"


def _sentence_at(context: str, pos: int) -> str:
    for s, e in split_sentences(context):
        if s <= pos < e:
            return context[s:e]
    return context


def load_squad(path: Path) -> tuple[list[Source], list[Question]]:
    """Contexts become sources (named `<article>-<paragraph>`, titled by the article); each question's
    evidence is the sentence holding its first answer."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
        return _squad(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        detail = _first_error(e) if isinstance(e, ValidationError) else (str(e).splitlines()[0] if str(e)
                                                                         else type(e).__name__)
        raise InputError(f"{path} is not a readable SQuAD-format file: {detail}") from e


def _squad(data: list) -> tuple[list[Source], list[Question]]:

    sources, questions, seen = [], [], set()
    for a, article in enumerate(data):
        title = re.sub(r"<[^>]+>", "", str(article.get("title", ""))).strip()
        for p, para in enumerate(article.get("paragraphs", [])):
            ctx = para["context"]
            name = f"{a:03d}-{p:02d}"
            # The title is the first line, so passages know their topic (the heading) as SQuAD's pages did.
            text = f"{title}\n{ctx}" if title else ctx
            offset = len(title) + 1 if title else 0
            sources.append(Source(name, text, hashlib.sha256(text.encode()).hexdigest()))
            for qa in para.get("qas", []):
                qid = str(qa["id"])
                if qid in seen:
                    raise ValueError(f"duplicate question id {qid}")
                seen.add(qid)
                # SQuAD 2.0 marks unanswerable questions `is_impossible` (their `plausible_answers` are not gold).
                impossible = bool(qa.get("is_impossible", False))
                golds = [] if impossible else [x for x in qa.get("answers", []) if x.get("text")]
                ev = []
                if golds:
                    first = golds[0]
                    start = int(first.get("answer_start", -1))
                    if ctx[start:start + len(first["text"])] != first["text"]:
                        start = ctx.find(first["text"])  # some answer_start values are off by one
                    ev = [_sentence_at(ctx, start)] if start >= 0 else [first["text"]]
                question = str(qa["question"])
                questions.append(Question(id=qid, question=question, answers=[x["text"] for x in golds], evidence=ev,
                                          answerable=bool(golds), lang=detect_language(question),
                                          source=name, context_offset=offset))
    if not questions:
        raise ValueError("it holds no question")
    return sources, questions
