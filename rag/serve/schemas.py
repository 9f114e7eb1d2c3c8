"""Request bodies (pydantic: outside input is validated here) and the Answer as the API sends it.

Responses are dataclasses: the answer's schema is `rag.types.Answer` itself, so `/openapi.json` shows every
field the API returns. The bodies' limits are the Settings defaults (the pipeline enforces the configured
values again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, TypeAdapter

from ..config import Settings
from ..types import Answer

__all__ = ["AskRequest", "PrefillRequest", "Turn", "Prefilled", "FeedbackRequest", "FeedbackStored", "ErrorModel",
           "answer_dict", "DRAFT_FIELDS"]

_D = Settings()
# What only `debug_drafts` lets out: the model's unchecked text.
DRAFT_FIELDS = {"draft", "first_draft"}
_ANSWER = TypeAdapter(Answer)


class Turn(BaseModel):
    role: Literal["user", "assistant"] = Field(description="who said it")
    content: str = Field(max_length=_D.max_message_chars,
                         description="what was said (an answer may keep its [n] markers)")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=_D.max_question_chars,
                          examples=["Qui est le directeur général de l'Anssi ?"])
    history: list[Turn] = Field(default_factory=list, max_length=_D.max_history_messages,
                                description="earlier turns, oldest first, for follow-up questions")
    stream: bool = Field(False, description="answer as Server-Sent Events (progress…, then answer)")


class PrefillRequest(BaseModel):
    question: str = Field(min_length=1, max_length=_D.max_question_chars,
                          description="a question as typed so far, before it is asked")
    history: list[Turn] = Field(default_factory=list, max_length=_D.max_history_messages,
                                description="the conversation it follows, as /v1/ask will be sent it")


@dataclass
class Prefilled:
    read: bool  # the model read its prompt now; false when it was busy, prefill is off, or nothing is relevant


class FeedbackRequest(BaseModel):
    question: str = Field(min_length=1, max_length=_D.max_question_chars)
    answer: str = Field(max_length=_D.max_message_chars)
    useful: bool
    comment: str | None = Field(None, max_length=_D.max_message_chars)
    lang: str | None = Field(None, max_length=8)
    citations: list[int] | None = Field(None, max_length=50, description="the [n] the answer carried")


@dataclass
class FeedbackStored:
    stored: bool
    file: str  # the local file the verdict was appended to


@dataclass
class ErrorModel:
    error: str  # a sentence that says what is wrong


def answer_dict(answer: Answer, with_draft: bool = False) -> dict:
    """The Answer as JSON-ready data, exactly as `/v1/ask` returns it (`response_model=Answer`)."""
    return _ANSWER.dump_python(answer, mode="json", exclude=None if with_draft else DRAFT_FIELDS)
