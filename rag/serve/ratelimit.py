"""Per-client rate limits, counted in memory with the `limits` library (moving windows).

Two buckets: "ask" (questions: the API's /v1/ask and the chat window's) and "api" (every other API call,
the sign-in form, the chat window's calls). A client is its address as uvicorn sees it (behind a local
reverse proxy, uvicorn takes it from X-Forwarded-For)."""

from __future__ import annotations

import math
import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ..errors import InputError
from .errors import RateLimited

__all__ = ["RateLimiter"]

_OFF = {"", "off", "none", "0", "unlimited"}


def _parse(name: str, spec: str):
    if spec.strip().lower() in _OFF:
        return []
    try:
        return parse_many(spec)
    except ValueError as e:
        raise InputError(f"RAG_RATE_LIMIT_{name.upper()}={spec!r} is not a rate limit such as '20/minute' "
                         f"or '5/second;100/hour' ({e})") from None


class RateLimiter:
    def __init__(self, ask: str, api: str):
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.items = {"ask": _parse("ask", ask), "api": _parse("api", api)}
        self.specs = {"ask": ask, "api": api}

    def check(self, bucket: str, client: str) -> None:
        """Count one request of `client` in `bucket`; RateLimited (a 429) when over the limit."""
        items = self.items[bucket]
        if not items:
            return
        if all(self._limiter.test(item, bucket, client) for item in items):
            for item in items:
                self._limiter.hit(item, bucket, client)
            return
        reset = max(self._limiter.get_window_stats(item, bucket, client).reset_time for item in items
                    if not self._limiter.test(item, bucket, client))
        wait = max(1, math.ceil(reset - time.time()))
        what = "questions" if bucket == "ask" else "requests"
        raise RateLimited(f"too many {what} from this client (limit {self.specs[bucket]}): try again in {wait} s",
                          retry_after=wait)
