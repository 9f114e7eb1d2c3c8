"""What the surfaces (API, chat window) share, one job per class:

- `Answerer`: access to the model, one answer at a time (llama.cpp is not thread-safe), behind a bounded queue,
  each question with a deadline; `Run`: one answer on its own thread, its events handed to the event loop;
- `Health`: the start-up step by step (in the background) and the `/healthz` report;
- `SourceCatalog`: the indexed sources, their titles and credits (from the index manifest);
- `FeedbackStore` (feedback.py), `Reports` (reports.py), `RateLimiter` (ratelimit.py);
- `Services`: the bundle the routers and the chat window are built on.

Everything here goes through the public accessors of `Pipeline` and `Components`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import math
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator

from ..config import Settings
from ..errors import GenerationError, RagError
from ..generate.doctor import check_host, needs_check
from ..types import Answer, AnswerEvent, Event, final_answer
from .errors import Busy, DeadlineExceeded
from .feedback import FeedbackStore
from .ratelimit import RateLimiter
from .reports import Reports

__all__ = ["Answerer", "Run", "Health", "SourceCatalog", "Services", "build_services"]

log = logging.getLogger("rag.server")


class _Waiter:
    """One request waiting for the model: woken through its event loop (API routes) or a threading.Event (the
    chat window's worker threads, the warm-up)."""

    __slots__ = ("what", "loop", "future", "event", "granted")

    def __init__(self, what: str, loop: asyncio.AbstractEventLoop | None = None):
        self.what, self.loop, self.granted = what, loop, False
        self.future = loop.create_future() if loop is not None else None
        self.event = threading.Event() if loop is None else None


def _wake(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(True)


class _Ahead:
    """A question answered while it is still being typed (`Answerer.prefill`), on a thread of its own that holds
    the model: its events are recorded for the one who asks it (`Answerer.join`), who gets them from the first,
    then as they come. Stopped (`stop`) at its next event when anything else wants the model before it is asked."""

    def __init__(self, key: tuple, index, deadline_at: float):
        self.key, self.index, self.deadline_at = key, index, deadline_at
        self.started = time.monotonic()
        self.events: list = []  # the pipeline's events, then the error that ended them if one did
        self.done = False
        self.joined = False  # asked: only its asker (leaving) or its deadline stops it now
        self.asked: float | None = None
        self.unkept: Answer | None = None  # its answer, written before it was asked (kept once it is)
        self.stop = threading.Event()
        self._news = threading.Condition()

    def add(self, item) -> None:
        with self._news:
            self.events.append(item)
            self._news.notify_all()

    def finish(self) -> None:
        with self._news:
            self.done = True
            self._news.notify_all()

    @property
    def answered(self) -> bool:
        return any(isinstance(e, AnswerEvent) for e in self.events)

    def replay(self) -> Iterator[Event]:
        """Every event so far, then the next ones as they come (an error recorded is raised); leaving before the
        end stops the answer."""
        i = 0
        try:
            while True:
                with self._news:
                    while i >= len(self.events) and not self.done:
                        self._news.wait()
                    if i >= len(self.events):
                        return
                    item = self.events[i]
                i += 1
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, AnswerEvent) and self.asked is not None:
                    # How long it had been answered before it was asked (its other timings count from then): on a
                    # copy, as the answering thread may be keeping the recorded one meanwhile.
                    answer = copy.copy(item.answer)
                    answer.timings = {**item.answer.timings, "ahead_s": round(self.asked - self.started, 3)}
                    item = AnswerEvent(answer)
                yield item
        finally:
            if not self.done:
                self.stop.set()


class Answerer:
    """The model's answering slots, with a bounded queue in front of them: one slot for the local GGUF
    (llama.cpp is not thread-safe), `llm_parallel` for a served model (the serving engine batches or queues them).

    At most `max_waiting` questions wait behind the ones being answered, first come first served; one more is
    refused at once (`Busy`, a 503 whose Retry-After is estimated from recent answer times). A waiting request
    holds no thread: the API waits on its event loop (`acquire_async`), and only the chat window's worker
    threads and the warm-up wait in a thread (`acquire`). A question has `deadline` seconds from its arrival,
    waiting included."""

    DEFAULT_ANSWER_S = 10.0  # the estimate before any answer was timed

    def __init__(self, pipeline, wait_timeout: float, max_waiting: int = 4, deadline: float = 120.0,
                 slots: int = 1):
        self.pipeline = pipeline
        self.wait_timeout = wait_timeout
        self.max_waiting = max(0, int(max_waiting))
        self.deadline = deadline
        self.slots = max(1, int(slots))
        self._mutex = threading.Lock()  # guards the fields below; never held while waiting
        # (what, since) per slot taken, oldest first: "question", "warm-up"…
        self._holders: deque[tuple[str, float]] = deque()
        self._waiters: deque[_Waiter] = deque()
        self._times: deque[float] = deque(maxlen=20)  # recent answer times, for Retry-After
        self.starting: str | None = None  # the start-up step, while the warm-up holds the model
        self.answered = 0  # answers produced (a start-up that failed is overcome once one is)
        self.prefills = 0  # questions whose prompt was read while typed (`prefill`)
        self.prefilled_answers = 0  # answers that found their prompt read that way (the rest were asked otherwise)
        settings = getattr(pipeline, "settings", None)
        self.answer_ahead = bool(getattr(settings, "answer_ahead", False)) and self.slots == 1
        self._latest: _Ahead | None = None  # the latest question answered while typed, asked or not
        self.ahead_started = 0  # answers begun while typed
        self.ahead_joined = 0  # … that their question, asked, joined
        self.cache_size = (settings.answer_cache if settings is not None and not settings.temperature else 0)
        self._answers: OrderedDict[str, Answer] = OrderedDict()  # validated first question -> its answer
        self._answers_index = None  # the index version those answers came from
        self._cache_lock = threading.Lock()
        self.cached_answers = 0  # answers given from `_answers`
        # Called when a question found a new index version, while that question holds the model: it must not wait
        # for a turn itself (the server starts a thread that reads the new passages ahead, each in a turn of its own).
        self.on_new_index: Callable[[], None] | None = None

    # -- state ------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Every slot is taken: a new question would wait (not for an answer begun while typed and not yet asked:
        that one gives way at its next token)."""
        a = self._latest
        giving_way = a is not None and not a.joined and not a.done  # unasked, running or stopped: a token from free
        return len(self._holders) >= self.slots and not giving_way

    @property
    def answering(self) -> int:
        return len(self._holders)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def answer_time(self) -> float:
        """Typical seconds one answer holds the model (the median of recent ones)."""
        times = sorted(self._times)
        return times[len(times) // 2] if times else self.DEFAULT_ANSWER_S

    def estimate(self, position: int | None = None) -> int:
        """Seconds until a request at `position` in the queue (default: one more than waits now) gets a
        slot: the rest of the oldest answer, then one typical answer per `slots` requests ahead of it."""
        typical = self.answer_time()
        ahead = self.waiting if position is None else position
        holders = list(self._holders)  # (a snapshot: other threads take and give back slots)
        left = max(1.0, typical - (time.monotonic() - holders[0][1])) if len(holders) >= self.slots else 0.0
        return max(1, min(3600, math.ceil(left + typical * (ahead // self.slots))))

    def validate(self, question) -> str:
        """The question cleaned, or an InputError: refused at once, before waiting for the model."""
        return self.pipeline.validate(question)

    # -- the slot ---------------------------------------------------------------------------------------
    def _busy(self, message: str | None = None, position: int | None = None) -> Busy:
        after = self.estimate(position)
        if self.starting:
            return Busy(f"the assistant is starting ({self.starting}): try again in {after} s", after)
        return Busy(message or "the assistant is busy answering other questions and the wait ran out: try again "
                               f"in a moment (about {after} s)", after)

    def _enter(self, waiter: _Waiter, bounded: bool, wait_limit: float | None = None) -> bool:
        """Take the model at once (True), or join the queue (False). Busy, at once, when the queue is full, or
        when the answers ahead would outlast `wait_limit` (what is left of the wait and of the deadline): a
        question that cannot be answered in time is not kept waiting for nothing."""
        with self._mutex:
            if len(self._holders) < self.slots and not self._waiters:
                self._holders.append((waiter.what, time.monotonic()))
                return True
            self._stop_ahead()  # an answer nobody asked for yet gives way at its next token
            if bounded and len(self._waiters) >= self.max_waiting:
                raise self._busy(f"the assistant is busy: {len(self._waiters)} questions are already waiting for "
                                 f"the model; try again in {self.estimate()} s")
            if bounded and wait_limit is not None and self._times and self.estimate() > wait_limit:
                raise self._busy(f"the assistant is busy: the questions ahead would take about {self.estimate()} s, "
                                 f"longer than this one may wait; try again in {self.estimate()} s")
            self._waiters.append(waiter)
            return False

    def _leave(self, waiter: _Waiter) -> bool:
        """A waiter gives up (its wait ran out, or its client left): True if the model was handed to it
        meanwhile (it is then the holder), else it leaves the queue."""
        with self._mutex:
            if waiter.granted:
                return True
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            return False

    def _wait_time(self, timeout: float | None, deadline_at: float | None) -> float:
        wait = self.wait_timeout if timeout is None else timeout
        if deadline_at is not None:
            wait = min(wait, deadline_at - time.monotonic())
        return max(0.0, wait)

    def _wait_limit(self, timeout: float | None, deadline_at: float | None) -> float:
        """How long the answers ahead may take for this question still to be answered in time: its wait, and its
        deadline less one typical answer."""
        limit = self.wait_timeout if timeout is None else timeout
        if deadline_at is not None:
            limit = min(limit, deadline_at - time.monotonic() - self.answer_time())
        return limit

    def acquire(self, timeout: float | None = None, *, deadline_at: float | None = None, what: str = "question",
                bounded: bool = True) -> None:
        """Take the model, waiting in this thread (the chat window's workers, the warm-up)."""
        waiter = _Waiter(what)
        if self._enter(waiter, bounded, self._wait_limit(timeout, deadline_at)):
            return
        if waiter.event.wait(self._wait_time(timeout, deadline_at)) or self._leave(waiter):
            return
        raise self._busy()

    async def acquire_async(self, timeout: float | None = None, *, deadline_at: float | None = None,
                            what: str = "question") -> None:
        """Take the model, waiting on the event loop: a waiting request holds no thread."""
        waiter = _Waiter(what, asyncio.get_running_loop())
        if self._enter(waiter, True, self._wait_limit(timeout, deadline_at)):
            return
        try:
            await asyncio.wait_for(waiter.future, self._wait_time(timeout, deadline_at))
        except asyncio.TimeoutError:
            if self._leave(waiter):
                return
            raise self._busy() from None
        except BaseException:  # cancelled: the client left while waiting
            if self._leave(waiter):
                self.release()
            raise

    def release(self) -> None:
        """Give a slot to the first waiter, or free it. (Slots carry no owner: the oldest is the one given
        back, which times answers well enough for Retry-After estimates.)"""
        with self._mutex:
            if not self._holders:
                return
            what, since = self._holders.popleft()
            if what == "question":
                self._times.append(time.monotonic() - since)
            while self._waiters:
                waiter = self._waiters.popleft()
                waiter.granted = True
                if waiter.loop is None:
                    waiter.event.set()
                else:
                    try:
                        waiter.loop.call_soon_threadsafe(_wake, waiter.future)
                    except RuntimeError:  # its event loop is gone: nobody is waiting there any more
                        waiter.granted = False
                        continue
                self._holders.append((waiter.what, time.monotonic()))
                return

    @contextlib.contextmanager
    def turn(self, timeout: float | None = None, **kw):
        """Hold the model for the block."""
        self.acquire(timeout, **kw)
        try:
            yield
        finally:
            self.release()

    # -- answers kept --------------------------------------------------------------------------------------
    def _cache_key(self, question: str, history: list[dict] | None = None) -> str | None:
        """The key of a first question's answer (its text as validated), or None when answers are not kept (none
        for a follow-up: its answer depends on its conversation)."""
        if not self.cache_size or history:
            return None
        try:
            return self.validate(question)
        except RagError:
            return None  # the pipeline says what is wrong with it

    def kept(self, question: str, history: list[dict] | None = None) -> Answer | None:
        """The answer kept for this first question on the index version loaded now, as given again (a copy whose
        timings say so), or None. Asked before taking the model: a kept answer never waits for it."""
        t0 = time.perf_counter()
        answer = self._cached(self._cache_key(question, history))
        if answer is not None:
            self.answered += 1
            self.cached_answers += 1
            answer.timings = {"cached": 1, "total": round(time.perf_counter() - t0, 3)}
            if not answer.abstained:
                answer.timings["first_checked"] = answer.timings["total"]
        return answer

    def _cached(self, key: str | None) -> Answer | None:
        """A copy of the answer kept for `key` on the index version loaded now (a new version drops them all)."""
        if key is None:
            return None
        index = getattr(self.pipeline.components, "loaded_index", None)
        with self._cache_lock:
            answer = self._answers_of(index).get(key)
            if answer is None:
                return None
            self._answers.move_to_end(key)
            return copy.deepcopy(answer)

    def _answers_of(self, index) -> OrderedDict:
        """The kept answers, once those of any other index version than `index` are dropped (None: none loaded, so
        none kept). Called with `_cache_lock` held."""
        if index is not self._answers_index:
            self._answers.clear()
            self._answers_index = index
        return self._answers

    def _keep(self, key: str | None, answer: Answer, index) -> None:
        """Keep `answer`, given from `index` (None: the question loaded the index itself), if that version is still
        the one loaded: the answers of an older version go."""
        if key is None:
            return
        loaded = getattr(self.pipeline.components, "loaded_index", None)
        if loaded is None or (index is not None and index is not loaded):
            return  # a new version landed while it was answered: its answers are not mixed with the next ones
        with self._cache_lock:
            self._answers_of(loaded)[key] = copy.deepcopy(answer)
            while len(self._answers) > self.cache_size:
                self._answers.popitem(last=False)

    @staticmethod
    def _ahead_key(question: str, history: list[dict] | None) -> tuple:
        return question, tuple((m.get("role"), m.get("content")) for m in history or ())

    @property
    def _ahead(self) -> _Ahead | None:
        """The question answered while typed that may still be joined: the latest, neither asked nor stopped."""
        a = self._latest
        return a if a is not None and not a.joined and not a.stop.is_set() else None

    def _stop_ahead(self) -> _Ahead | None:
        """Stop the answer begun while typed unless it is asked already or over; the one stopped, if any. Called
        with `_mutex` held."""
        a = self._ahead
        if a is None or a.done:
            return None
        a.stop.set()
        return a

    def prefill(self, question: str, history: list[dict] | None = None) -> bool:
        """Have the model read `question`'s prompt now if it is idle (nothing answering, waiting or starting):
        never waits, never delays a question beyond the read already begun (~1 s; a follow-up's rewrite too, ~1 s
        more). True if it was read. With `answer_ahead`, the model then goes on to answer it on a thread of its own
        (`join`), until it is asked or anything else wants the model; a question typed anew stops the answer of
        the one typed before."""
        try:
            question = self.validate(question)
        except RagError:
            return False  # the question itself, asked, says what is wrong with it
        key = self._cache_key(question, history)
        index = getattr(self.pipeline.components, "loaded_index", None)
        with self._cache_lock:
            if key in self._answers_of(index):
                return False  # asked, it will be answered without the model (a kept answer of an older version won't)
        ahead_key = self._ahead_key(question, history)
        with self._mutex:
            a = self._ahead
            if a is not None and a.key == ahead_key and a.index is index and (a.answered or not a.done):
                return False  # being answered already, or answered (a failed answer, or one of an older index, again)
            stopped = self._stop_ahead()
            last = self._latest
        # The answer of the question typed before, stopped, gives the model back within a token; one whose answer is
        # out (asked) within moments.
        for a in (stopped, last if last is not None and last.answered else None):
            if a is not None:
                with a._news:
                    a._news.wait_for(lambda: a.done, timeout=2.0)
        with self._mutex:
            if self._holders or self._waiters or self.starting:
                return False
            self._holders.append(("prefill", time.monotonic()))
        handed = False
        try:
            read = self.pipeline.prefill(question, history or None)
            self.prefills += read
            if read and self.answer_ahead:
                handed = self._answer_ahead(ahead_key, question, history)
            return read
        except RagError as e:  # a question too long for the model's context…: the real question will say so
            log.info("prefill skipped: %s", e)
            return False
        finally:
            if not handed:
                self.release()

    def _answer_ahead(self, key: tuple, question: str, history: list[dict] | None) -> bool:
        """Go on answering `question` on a thread that takes over the prefill's turn, unless a question waits
        already. True if it did (the thread gives the model back)."""
        index = getattr(self.pipeline.components, "loaded_index", None)  # (the prefill may have loaded it)
        ahead = _Ahead(key, index, self.deadline_at())

        def work():
            try:
                # The deadline is read at each event: joined, it is its asker's (`join`).
                for event in self.events(question, history, ahead.stop, lambda: ahead.deadline_at, asked=False):
                    ahead.add(event)
                    if isinstance(event, AnswerEvent):
                        self._keep_ahead(ahead, event.answer)
            except BaseException as e:  # noqa: BLE001 - recorded for its asker, who reports it
                ahead.add(e)
            finally:
                self.release()
                ahead.finish()

        thread = threading.Thread(target=work, name="rag-answer-ahead", daemon=True)
        with self._mutex:
            if self._waiters:
                return False
            try:
                thread.start()  # (before it is published: a question never joins an answer that never starts)
            except RuntimeError as e:  # no thread to be had: only read
                log.warning("answer ahead not started: %s", e)
                return False
            self._latest = ahead
            self.ahead_started += 1
        return True

    def join(self, question: str, history: list[dict] | None = None) -> _Ahead | None:
        """The answer begun while `question` was typed, now asked (with this very conversation, on the index
        version loaded now): its events are the answer's, from the first (`_Ahead.replay`). None if there is
        none; the answer of another question begun while typed is then stopped, as it would be for a turn."""
        try:
            question = self.validate(question)
        except RagError:
            return None  # answered, it says what is wrong with it
        key = self._ahead_key(question, history)
        index = getattr(self.pipeline.components, "loaded_index", None)
        with self._mutex:
            a = self._ahead
            if a is None or a.key != key or a.index is not index or (a.done and not a.answered):
                self._stop_ahead()
                return None
            a.joined, a.asked = True, time.monotonic()
            a.deadline_at = max(a.deadline_at, self.deadline_at())  # its asker's, as if asked now
            self.ahead_joined += 1
            answer, a.unkept = a.unkept, None
        if answer is not None:
            self._asked_ahead(a, answer)
        return a

    def _asked_ahead(self, ahead: _Ahead, answer: Answer) -> None:
        """An answer written ahead is out and was asked: counted and kept as an answer to a question asked."""
        self.answered += 1
        self.prefilled_answers += 1  # (begun only once its prompt was read)
        self._keep(self._cache_key(ahead.key[0], ahead.key[1]), answer, ahead.index)

    def _keep_ahead(self, ahead: _Ahead, answer: Answer) -> None:
        """Keep the answer begun while typed if it has been asked; else it waits for `join`: a question never
        sent leaves nothing among the kept answers."""
        with self._mutex:
            if not ahead.joined:
                ahead.unkept = answer
                return
        self._asked_ahead(ahead, answer)

    # -- answering --------------------------------------------------------------------------------------
    def deadline_at(self) -> float:
        """The monotonic time by which a question arriving now must be answered."""
        return time.monotonic() + self.deadline

    def deadline_error(self) -> DeadlineExceeded:
        return DeadlineExceeded(f"the answer was not ready within {self.deadline:g} s (waiting included) and was "
                                f"stopped: try again in a moment", self.estimate())

    def events(self, question: str, history: list[dict] | None = None,
               cancel: threading.Event | None = None, deadline_at: float | Callable[[], float] | None = None,
               asked: bool = True) -> Iterator[Event]:
        """The pipeline's events for one question; the caller holds the model. Setting `cancel` stops the
        generation at the next event; past `deadline_at` (monotonic; a function is read at each event) it stops
        with DeadlineExceeded. (`asked`: false for an answer begun while typed, counted and kept only once asked:
        `join`.)"""
        refresh = getattr(self.pipeline.components, "refresh_index", None)
        # A new index version landed (another replica's or a build job's): answer from it, and have its new
        # passages read ahead once this question is answered (each in a turn of its own).
        if refresh is not None and refresh() and self.on_new_index is not None:
            self.on_new_index()
        key = self._cache_key(question, history)
        index = getattr(self.pipeline.components, "loaded_index", None)  # the version this answer comes from
        stream = self.pipeline.stream(question, history or None)
        try:
            for event in stream:
                if cancel is not None and cancel.is_set():
                    return
                if isinstance(event, AnswerEvent):
                    if asked:  # (a finished answer is given even a little past the deadline)
                        self.answered += 1
                        self.prefilled_answers += bool(event.answer.timings.get("prompt_prefilled"))
                        self._keep(key, event.answer, index)
                elif deadline_at is not None and time.monotonic() > (
                        deadline_at() if callable(deadline_at) else deadline_at):
                    raise self.deadline_error()
                yield event
        finally:
            stream.close()

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        """Answer in this thread (waiting in it for the model)."""
        self.validate(question)
        kept = self.kept(question, history)
        if kept is not None:
            return kept
        answer = final_answer(self.asked_events(question, history))
        if answer is None:
            raise GenerationError("the assistant produced no answer: try again")
        return answer

    def asked_events(self, question: str, history: list[dict] | None = None) -> Iterator[Event]:
        """The events of `question` asked now, in this thread: those of its answer begun while typed (`join`), or
        its own once it has the model (waiting for it here)."""
        ahead = self.join(question, history)
        if ahead is not None:
            yield from ahead.replay()
            return
        deadline_at = self.deadline_at()
        with self.turn(deadline_at=deadline_at):
            yield from self.events(question, history, deadline_at=deadline_at)

    def start(self, question: str, history: list[dict] | None = None, deadline_at: float | None = None,
              ahead: _Ahead | None = None) -> "Run":
        """Start answering on a thread of its own, now (the caller holds the model: `acquire_async`). The model
        is released when that thread ends, whether or not anyone reads the events. With `ahead` (`join`), the
        answer begun while typed is followed instead: its own thread holds the model."""
        return Run(self, question, history, self.deadline_at() if deadline_at is None else deadline_at, ahead)

    async def ask_async(self, question: str, history: list[dict] | None = None) -> Answer:
        """Validate, wait on the event loop for the model (bounded queue, deadline), answer on a thread."""
        self.validate(question)
        kept = self.kept(question, history)
        if kept is not None:
            return kept
        deadline_at = self.deadline_at()
        ahead = self.join(question, history)
        if ahead is None:
            await self.acquire_async(deadline_at=deadline_at)
        answer, error = None, None
        async for item in self.start(question, history, deadline_at, ahead).events():
            if isinstance(item, BaseException):
                error = item  # the last item: the stream ends after it
            elif isinstance(item, AnswerEvent):
                answer = item.answer
        if error is not None:
            raise error
        if answer is None:
            raise GenerationError("the assistant produced no answer: try again")
        return answer


class Run:
    """One question being answered on its own thread, holding the model, its events handed to the event loop.

    `events()` yields the pipeline's events, then the error that ended them if one did (a RagError,
    DeadlineExceeded past the deadline, or anything unexpected), and None after every `tick` seconds without
    news (for keep-alives). Leaving it, or `cancel()`, stops the generation at its next event."""

    _END = object()

    def __init__(self, answerer: Answerer, question: str, history: list[dict] | None, deadline_at: float,
                 ahead: _Ahead | None = None):
        self.answerer, self.deadline_at, self.ahead = answerer, deadline_at, ahead
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue = asyncio.Queue()
        self._cancel = threading.Event() if ahead is None else ahead.stop
        self.thread = threading.Thread(target=self._work, args=(question, history), name="rag-answer", daemon=True)
        try:
            self.thread.start()
        except BaseException:
            self.cancel() if ahead is not None else answerer.release()
            raise

    def _put(self, item) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # the loop is gone (shutdown)
            self._cancel.set()

    def _work(self, question: str, history: list[dict] | None) -> None:
        try:
            events = (self.ahead.replay() if self.ahead is not None
                      else self.answerer.events(question, history, self._cancel, self.deadline_at))
            for event in events:
                if self._cancel.is_set():
                    return
                self._put(event)
        except BaseException as e:  # noqa: BLE001 - handed to the reader, which reports it
            self._put(e)
        finally:
            if self.ahead is None:  # (the answer begun while typed gives the model back itself)
                self.answerer.release()
            self._put(self._END)

    def cancel(self) -> None:
        self._cancel.set()

    async def events(self, tick: float | None = None) -> AsyncIterator[Event | BaseException | None]:
        try:
            while True:
                left = self.deadline_at - time.monotonic() + 0.5
                try:
                    item = await asyncio.wait_for(self.queue.get(), max(0.0, min(left, tick or left)))
                except asyncio.TimeoutError:
                    if time.monotonic() < self.deadline_at + 0.5:
                        yield None
                        continue
                    yield self.answerer.deadline_error()  # nothing from the model by the deadline: a stall
                    return
                if item is self._END:
                    return
                yield item
                if isinstance(item, BaseException):
                    return
        finally:
            self.cancel()  # the reader left or the deadline passed: stop at the next event


def _title(text: str) -> str:
    return text.strip().split("\n", 1)[0].lstrip("# ").strip()[:200]


class SourceCatalog:
    """The indexed sources as the surfaces show them: name, length, title and credit. Titles and credits come
    from the index manifest (written at index time from each source's `<name>.meta.json`), else the first line.

    Cheap enough for /healthz on the event loop: from memory once the index is loaded; before that, from the
    manifest read at most once every `MANIFEST_TTL` seconds."""

    MANIFEST_TTL = 5.0

    def __init__(self, components, settings: Settings):
        self.components = components
        self.settings = settings
        self._manifest: tuple[float, dict] | None = None  # (when read, manifest) while the index is not loaded
        self._listed: tuple[object, list[dict]] | None = None  # (what it was built from, list)

    def _read_manifest(self) -> dict:
        index = self.components.loaded_index
        if index is not None:
            return index.manifest
        now = time.monotonic()
        if self._manifest is None or now - self._manifest[0] > self.MANIFEST_TTL:
            try:
                from ..index.store import read_manifest

                manifest = read_manifest(self.settings.index_dir)
            except (RagError, OSError, ValueError):
                manifest = {}
            self._manifest = (now, manifest)
        return self._manifest[1]

    def list(self) -> list[dict]:
        """Without loading anything: from memory when the index is loaded, else from its (cached) manifest."""
        index = self.components.loaded_index
        manifest = self._read_manifest()
        key = (id(index), id(manifest))
        if self._listed is not None and self._listed[0] == key:
            return [dict(s) for s in self._listed[1]]
        texts = index.sources if index is not None else {}
        out = []
        for s in manifest.get("sources") or []:
            name = s.get("name")
            text = texts.get(name)
            out.append({"name": name, "chars": len(text) if text is not None else s.get("chars"),
                        "title": s.get("title") or (_title(text) if text else None), "credit": s.get("credit")})
        self._listed = (key, out)
        return [dict(s) for s in out]

    def credits(self) -> dict[str, str]:
        return {s["name"]: s["credit"] for s in self.list() if s.get("credit")}

    def texts(self) -> dict[str, str]:
        """Name -> original text, when the index is loaded (empty otherwise: nothing is loaded for it)."""
        index = self.components.loaded_index
        return dict(index.sources) if index is not None else {}

    def get(self, name: str) -> dict:
        """One source with its text (loads the index); KeyError when there is none of that name."""
        index = self.components.index
        if name not in index.sources:
            raise KeyError(name)
        info = next((s for s in self.list() if s["name"] == name), {})
        text = index.sources[name]
        return {"name": name, "chars": len(text), "title": info.get("title") or _title(text),
                "credit": info.get("credit"), "text": text}

    def passages(self) -> int | None:
        index = self.components.loaded_index
        if index is not None:
            return len(index.passages)
        return self._read_manifest().get("passages")


# The start-up steps, in order ("building the index" replaces "loading the index" on first use).
STEPS = ("fetching models", "loading the embedding model", "loading the index", "loading the language model",
         "warming up")


class Health:
    """The start-up (models fetched and loaded, index built or loaded, a warm-up question) in the background,
    step by step, and the health report, which never waits for anything.

    `state` is "idle" (no warm-up: the first question loads what it needs), "starting" (with the current
    `step`), "ready", or "failed" (with `error`). `on_step(step, info)` is called as each step starts
    (`rag serve` prints it), then with "ready" or "failed"; within "loading the language model", with "checking the
    model" and "model checked" (`mode`, `reason`) on a host with no mode recorded (`check_host`)."""

    def __init__(self, answerer: Answerer, components, catalog: SourceCatalog, settings: Settings):
        self.answerer, self.components, self.catalog, self.settings = answerer, components, catalog, settings
        self.state = "idle"
        self.step: str | None = None
        self.detail: str | None = None  # e.g. a download's progress
        self.steps: list[dict] = []  # the steps done: {"step", "seconds"}
        self.error: str | None = None
        self.started = time.time()
        self.ready_after: float | None = None  # seconds from start to ready
        self._step_t = time.monotonic()
        self._total = len(STEPS)
        self._answered_at_failure = 0
        self.on_step: Callable[[str, dict], None] | None = None

    # -- the warm-up ------------------------------------------------------------------------------------
    def _emit(self, what: str, **info) -> None:
        if self.on_step is not None:
            try:
                self.on_step(what, info)
            except Exception:  # noqa: BLE001 - reporting must not stop the start-up
                log.exception("start-up reporter failed")

    def _end_step(self) -> None:
        if self.step is not None:
            self.steps.append({"step": self.step, "seconds": round(time.monotonic() - self._step_t, 2)})
        self.step = None

    def _begin(self, step: str) -> None:
        self._end_step()
        self.step, self.detail, self._step_t = step, None, time.monotonic()
        self.answerer.starting = step
        self._emit(step, number=len(self.steps) + 1, of=self._total)

    def _models_to_fetch(self) -> list[str]:
        from ..provision import DEFAULT_MODELS, status

        s, c = self.settings, self.components
        if not s.auto_install:
            return []  # nothing will be fetched: a missing model is an error of the next step
        wanted = []
        if getattr(c, "_embed", None) is None:
            wanted.append(s.embed_model)
        if getattr(c, "_llm", None) is None and not s.llm_url:
            wanted.append(s.llm_model)
        try:
            return [n for n in wanted if n in DEFAULT_MODELS and not status(DEFAULT_MODELS[n], s.models_dir).present]
        except OSError:
            return []

    def _index_to_build(self) -> bool:
        if self.components.loaded_index is not None:
            return False
        path = Path(self.settings.index_dir)
        try:
            return not path.exists() and not path.is_symlink() or path.is_dir() and not any(path.iterdir())
        except OSError:
            return False

    def _watch_downloads(self) -> None:
        """Show download progress in /healthz (and keep printing it where it was printed)."""
        c = self.components
        before = c.progress

        def progress(what: str, done: int, total: int) -> None:
            self.detail = f"{what}: {done}/{total}"
            if before is not None:
                before(what, done, total)

        c.progress = progress

    def warm_up(self) -> None:
        """Each start-up step in turn, holding the model: questions that come meanwhile wait in the queue (or are
        told the server is starting), then are answered."""
        c = self.components
        self.state, self.steps, self.error, t0 = "starting", [], None, time.monotonic()
        try:
            with self.answerer.turn(timeout=24 * 3600, what="warm-up", bounded=False):
                self._watch_downloads()
                fetch = self._models_to_fetch()
                self._total = len(STEPS) if fetch else len(STEPS) - 1
                if fetch:
                    self._begin("fetching models")
                    self.detail = ", ".join(fetch)
                    c.embed  # resolving a model's path fetches it
                    if not self.settings.llm_url:
                        c.llm
                self._begin("loading the embedding model")
                embed = c.embed
                if callable(getattr(embed, "load", None)):
                    embed.load()
                self._begin("building the index" if self._index_to_build() else "loading the index")
                c.index
                self._begin("loading the language model")
                if needs_check(c.llm):  # no mode recorded for this CPU and build: which one runs, and faster
                    self.detail = "checking how the model runs on this host (normal and safe mode)"
                    self._emit("checking the model", detail=self.detail)
                    report = check_host(c.llm, self.settings)
                    self._emit("model checked", mode=report["mode"], reason=report["reason"])
                    self.detail = None
                c.llm.load()
                self._begin("warming up")  # the checker and the corpus words it is given, one retrieval through
                c.checker                  # the whole question path, and the fixed part of the prompts read once
                c.vocabulary               # (kept by the model): none of it left for the first question
                for _ in self.answerer.pipeline.stream("warm-up", retrieval_only=True):
                    pass
                self.answerer.pipeline.prime()
                self._end_step()
            self.state = "ready"
            self.ready_after = round(time.monotonic() - t0, 2)
            self._emit("ready", seconds=self.ready_after, steps=list(self.steps))
            # Ready: the passages are read as first passages of a prompt one by one, each in a turn of its own,
            # so questions that come meanwhile wait for one passage at most (a few seconds), not for all.
            self.answerer.starting = None
            self._warm_passages()
            self.answerer.on_new_index = lambda: threading.Thread(target=self._warm_passages, name="rag-read-ahead",
                                                                  daemon=True).start()
        except RagError as e:
            self._failed(str(e))
            log.warning("start-up failed: %s", e)
        except Exception as e:  # noqa: BLE001 - reported on /healthz; requests will say it again
            self._failed(f"{type(e).__name__}: {e}")
            log.exception("start-up failed")
        finally:
            self.answerer.starting = None

    def _warm_passages(self) -> None:
        """After "ready", and after a new index version was loaded (only its passages not read yet): a failure here
        costs speed only, so it is logged, and the server stays ready."""
        t = time.monotonic()
        try:
            warmed = self.answerer.pipeline.warm_passages(
                lambda: self.answerer.turn(timeout=24 * 3600, what="warm-up", bounded=False))
        except Exception as e:  # noqa: BLE001
            log.warning("reading the passages ahead stopped: %s", e)
            return
        if warmed:
            self._emit("passages kept", passages=warmed, pairs=self.answerer.pipeline.pairs_read,
                       seconds=round(time.monotonic() - t, 2))

    def _failed(self, message: str) -> None:
        self.state, self.error = "failed", message
        self._answered_at_failure = self.answerer.answered
        self._emit("failed", step=self.step, error=message)

    def start(self) -> threading.Thread:
        self.state = "starting"
        t = threading.Thread(target=self.warm_up, name="rag-warm-up", daemon=True)
        t.start()
        return t

    # -- the report -------------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        if self.state == "ready":
            return True
        if self.state == "starting":
            return False
        if self.state == "failed":  # until a question is answered: what failed may be needed by every answer
            return self.answerer.answered > self._answered_at_failure
        loaded = self.components.state()
        return self.components.loaded_index is not None and loaded["llm"] and loaded["embedding"]

    def report(self) -> dict:
        """Cheap, and never waits: attributes in memory, and the manifest cached by the catalog."""
        loaded = self.components.state()
        index_loaded = self.components.loaded_index is not None
        s, a = self.settings, self.answerer
        llm = getattr(self.components, "_llm", None)
        state = "ready" if self.ready else self.state
        return {
            "status": "ok",
            "ready": self.ready,
            "state": state,
            "step": self.step if self.state in ("starting", "failed") else None,
            "detail": self.detail if self.state == "starting" else None,
            "steps_done": list(self.steps),
            "error": self.error if self.state == "failed" else None,
            "busy": a.busy,
            "queue": {"answering": a.answering, "slots": a.slots, "waiting": a.waiting, "max_waiting": a.max_waiting,
                      "answer_s": round(a.answer_time(), 2), "retry_after_s": a.estimate() if a.busy else 0},
            "prefill": {"on": s.prefill, "read": a.prefills, "answers": a.prefilled_answers,
                        "ahead": {"on": s.prefill and a.answer_ahead, "started": a.ahead_started,
                                  "joined": a.ahead_joined}},
            "answer_cache": {"kept": len(a._answers), "max": a.cache_size, "answers": a.cached_answers},
            "warmup": {"state": {"starting": "running", "ready": "done"}.get(self.state, self.state),
                       "error": self.error, "seconds": self.ready_after},
            "index": {"loaded": index_loaded, "path": str(s.index_dir), "passages": self.catalog.passages(),
                      "sources": self.catalog.list()},
            "models": {"embedding": {"name": s.embed_model, "loaded": loaded["embedding"]},
                       "llm": {"name": self.components.llm_name(), "loaded": loaded["llm"],
                               "restarts": getattr(llm, "restarts", 0),
                               "last_crash": getattr(llm, "last_crash", None)}},
            "uptime_s": round(time.time() - self.started, 1),
        }


@dataclass
class Services:
    settings: Settings
    pipeline: object
    answerer: Answerer
    health: Health
    sources: SourceCatalog
    feedback: FeedbackStore
    reports: Reports
    limiter: RateLimiter
    public_url: str

    def answer_json(self, answer: Answer) -> dict:
        """The Answer as the API sends it: without the unchecked draft unless `debug_drafts` asks for it."""
        from .schemas import answer_dict

        return answer_dict(answer, self.settings.debug_drafts)


def build_services(settings: Settings, pipeline=None, *, feedback_path: Path | None = None,
                   eval_dir: Path | None = None, wait_timeout: float | None = None) -> Services:
    if pipeline is None:
        from ..components import Components
        from ..pipeline import Pipeline

        pipeline = Pipeline(Components(settings))
    components = pipeline.components
    answerer = Answerer(pipeline, settings.wait_timeout if wait_timeout is None else wait_timeout,
                        max_waiting=settings.max_waiting, deadline=settings.question_deadline,
                        slots=settings.llm_parallel if settings.llm_url else 1)
    catalog = SourceCatalog(components, settings)
    return Services(
        settings=settings, pipeline=pipeline, answerer=answerer,
        health=Health(answerer, components, catalog, settings), sources=catalog,
        feedback=FeedbackStore(Path(feedback_path or Path("feedback") / "feedback.jsonl"), settings.feedback_max_bytes),
        reports=Reports(Path(eval_dir or Path("eval") / "runs")),
        limiter=RateLimiter(settings.rate_limit_ask, settings.rate_limit_api),
        public_url=(settings.public_url or "http://127.0.0.1:8000").rstrip("/"))
