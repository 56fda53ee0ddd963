"""Delivering signed requests: into an in-process app, or over HTTP — each attempt given at
most ``timeout`` seconds, as Plivo gives your URL (:data:`~smsxml.protocol.ANSWER_TIMEOUT`):
an attempt that takes longer is abandoned and its late answer ignored.

A conversation is written as *steps*: a generator that yields a :class:`Delivery` for each
attempt and is sent the :class:`~smsxml.transport.Reply` (or has :class:`TimedOut` or a
:class:`~smsxml.exc.DeliveryError` thrown in). :func:`run_steps` runs one: in a worker
thread, which makes each attempt itself and goes on with the conversation when the answer
comes, while the caller waits. Only when an attempt runs past its time does the caller step
in: it leaves that worker to its late answer and hands the rest of the conversation, told
:class:`TimedOut`, to another. So a conversation of any number of attempts costs the caller
one hand-over, not one a request; and the workers are kept for the next one (at most
:data:`IDLE_WORKERS` wait). In the browser, with no threads, everything runs in the caller,
each attempt to its end."""

from __future__ import annotations

import contextvars
import os
import queue
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from .._runtime import in_browser
from ..exc import DeliveryError
from ..inbound import SignedRequest
from ..protocol import TEXT_CONTENT_TYPE
from ..transport import Reply, WSGIApp, send

__all__ = [
    "Attempt",
    "Delivery",
    "Steps",
    "TimedOut",
    "attempt",
    "attempt_steps",
    "deliver",
    "run_steps",
    "HTTP_GRACE",
    "IDLE_WORKERS",
]

#: Seconds an HTTP request may run past the deadline before the connection itself gives up
#: (the attempt is abandoned at the deadline; this only lets the abandoned thread end).
HTTP_GRACE = 1.0
#: How many worker threads may wait for the next conversation (more end once they are done).
IDLE_WORKERS = 4

T = TypeVar("T")


class TimedOut(DeliveryError):
    """No answer within the time Plivo waits: the attempt was abandoned."""


@dataclass(frozen=True)
class Attempt:
    """How one delivery went: the server's ``status``, or ``error`` when nothing came back
    (``timed_out`` when that was because no answer came in time)."""

    status: int | None = None
    error: str | None = None
    timed_out: bool = False


@dataclass(frozen=True)
class Delivery:
    """One attempt a conversation asks for: ``request`` to the WSGI ``app`` in-process, or
    over HTTP when ``app`` is None; the message of a crash in the app passed through
    ``redact``."""

    request: SignedRequest
    app: WSGIApp | None
    redact: Callable[[str], str]


#: A conversation: yields each attempt it makes, is sent each reply, returns its result.
Steps = Generator[Delivery, Reply, T]


def _deliver_now(delivery: Delivery, timeout: float) -> Reply:
    if delivery.app is None:
        return send(delivery.request, timeout=timeout + HTTP_GRACE)
    try:
        return send(delivery.request, delivery.app)
    except DeliveryError:
        raise
    except Exception as exc:  # the app crashed: a real server answers 500
        body = delivery.redact(f"{type(exc).__name__}: {exc}").encode("utf-8", "replace")
        return Reply(500, {"Content-Type": TEXT_CONTENT_TYPE}, body, 0.0)


def deliver(
    request: SignedRequest,
    app: WSGIApp | None,
    timeout: float,
    redact: Callable[[str], str],
) -> Reply:
    """Send ``request`` to ``app`` in-process, or over HTTP when ``app`` is None (raising
    DeliveryError when it cannot). An exception inside an in-process app is what a server
    would answer with 500 (its message passed through ``redact``). Past ``timeout`` seconds
    the attempt is abandoned (left to finish on its own, its answer ignored) and
    :class:`TimedOut` raised."""
    return run_steps(_one(Delivery(request, app, redact)), timeout)


def _one(delivery: Delivery) -> Steps[Reply]:
    return (yield delivery)


def attempt(
    request: SignedRequest,
    app: WSGIApp | None,
    timeout: float,
    redact: Callable[[str], str],
) -> Attempt:
    """:func:`deliver` once, the answer's status kept, a failure to deliver as its error."""
    return run_steps(attempt_steps(Delivery(request, app, redact)), timeout)


def attempt_steps(delivery: Delivery) -> Steps[Attempt]:
    """:func:`attempt`, as a step of a conversation."""
    try:
        reply = yield delivery
    except TimedOut as exc:
        return Attempt(error=str(exc), timed_out=True)
    except DeliveryError as exc:
        return Attempt(error=str(exc))
    return Attempt(status=reply.status)


# --- running a conversation ---------------------------------------------------------------


def run_steps(steps: Steps[T], timeout: float) -> T:
    """Run the conversation ``steps``, each attempt given ``timeout`` seconds: its result,
    or what it raised. (See the module's docstring for who does what.)"""
    if in_browser():
        return _run_here(steps, timeout)
    run = _Run(steps, timeout)
    _workers.submit(partial(_drive, run, run.hand, None, False))
    try:
        run.wait()
    except BaseException:  # e.g. KeyboardInterrupt: the worker makes no further attempt
        run.cancelled = True
        raise
    result: T = run.result()
    return result


def _run_here(steps: Steps[T], timeout: float) -> T:
    value: Any = None
    thrown = False
    while True:
        try:
            delivery = steps.throw(value) if thrown else steps.send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value, thrown = _answer(delivery, timeout, contextvars.copy_context())


def _answer(delivery: Delivery, timeout: float, context: contextvars.Context) -> tuple[Any, bool]:
    """One attempt made here, in a copy of ``context``: (the reply, False), or (what it
    raised, True)."""
    try:
        return context.copy().run(_deliver_now, delivery, timeout), False
    except BaseException as exc:  # thrown into the conversation at its attempt
        return exc, True


class _Run:
    """One conversation under way: whose hand drives it (``hand``: bumped when an attempt
    is abandoned, so that its worker lets go), when the attempt under way started, and
    how it ended."""

    def __init__(self, steps: Steps[Any], timeout: float):
        self.steps = steps
        self.timeout = timeout
        self.context = contextvars.copy_context()  # the caller's, for the app to see
        self.lock = threading.Lock()
        self.hand = 0
        self.started: float | None = None  # time.monotonic() of the attempt under way
        self.cancelled = False
        self.outcome: list[tuple[Any, BaseException | None]] = []
        self._ended = threading.Lock()
        self._ended.acquire()  # released when the conversation has ended

    def end(self, value: Any, error: BaseException | None) -> None:
        self.outcome.append((value, error))
        self._ended.release()

    def result(self) -> Any:
        value, error = self.outcome[0]
        if error is not None:
            raise error
        return value

    def wait(self) -> None:
        """Wait for the end, waking only when an attempt under way may be past its time
        (none that starts later can be before ``timeout`` from now): that one is
        abandoned, and the conversation goes on in another worker, told TimedOut."""
        while True:
            with self.lock:
                started = self.started
            # (a timeout of a millisecond or less is waited for a millisecond at least
            # between attempts: the caller does not spin while the conversation goes on)
            due = self.timeout + (
                time.monotonic() + max(0.001 - self.timeout, 0) if started is None else started
            )
            if self._ended.acquire(True, max(due - time.monotonic(), 0)):
                return
            with self.lock:
                overdue = (
                    self.started is not None
                    and time.monotonic() - self.started >= self.timeout
                    and not self.outcome
                )
                if overdue:
                    self.hand += 1
                    self.started = None
                hand = self.hand
            if overdue:
                late = TimedOut(f"no answer within {self.timeout:g} s")
                _workers.submit(partial(_drive, self, hand, late, True))


def _drive(run: _Run, hand: int, value: Any, thrown: bool) -> None:
    """In a worker: go on with ``run`` (sent ``value``, or ``value`` thrown in), making
    each attempt here, until it ends, or until an attempt of it is abandoned (then let go:
    the caller has handed the rest to another worker)."""
    steps = run.steps
    while True:
        try:
            delivery = run.context.run(steps.throw if thrown else steps.send, value)
        except StopIteration as stop:
            run.end(stop.value, None)
            return
        except BaseException as exc:  # the caller raises it
            run.end(None, exc)
            return
        with run.lock:
            if run.cancelled:
                return
            run.started = time.monotonic()
        value, thrown = _answer(delivery, run.timeout, run.context)
        with run.lock:
            if run.hand != hand:
                return  # abandoned: its late answer is ignored
            run.started = None


class _Workers:
    """The kept worker threads: a job goes to one that waits, else to a new one."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting for a job that no job queued is meant for yet

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        self._jobs.put(job)
        if start:
            threading.Thread(target=self._work, name="smsxml-attempt", daemon=True).start()

    def _work(self) -> None:
        while True:
            self._jobs.get()()  # a job hands anything it raises to its caller
            with self._lock:
                if self._idle >= IDLE_WORKERS:
                    return
                self._idle += 1


_workers = _Workers()


def _after_fork() -> None:  # the workers did not come along: start afresh
    global _workers
    _workers = _Workers()


if hasattr(os, "register_at_fork"):  # pragma: no branch
    os.register_at_fork(after_in_child=_after_fork)
