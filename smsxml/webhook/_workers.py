"""The webhook server's worker threads: waitress's thread pool, waking a worker only when
one is needed, and its queue warning made only when someone will see it (issue 30, "a
lean webhook"). Used by :mod:`smsxml.webhook.server`."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from waitress.task import ThreadedTaskDispatcher

__all__ = ["Workers"]

# waitress warns (e.g. "Task queue depth is 2") through its own loggers; without a handler
# of their own those lines would reach stderr through logging's last resort. They still
# propagate to any handler the user configures. (Here, where its queue logger is wrapped.)
logging.getLogger("waitress").addHandler(logging.NullHandler())


class _HeardOnly:
    """waitress's queue logger (``Task queue depth is 2``, for a request that waits for a
    worker), making its record only when someone will see it: a handler other than a
    NullHandler, or a filter, on the way up from it (or none at all, when logging's last
    resort would print it). Otherwise the record would go to NullHandlers alone (smsxml's),
    and making one (the caller's frame found, the time, the thread) costs more than the
    request it is about waits. The record, when made, is the one waitress makes: the same
    logger, message and arguments, from the dispatcher's ``add_task`` (``stacklevel``)."""

    def __init__(self, logger: logging.Logger):
        self.logger = logger

    def warning(self, msg: str, *args: object) -> None:
        if _heard(self.logger, logging.WARNING):
            self.logger.warning(msg, *args, stacklevel=2)


def _heard(logger: logging.Logger, level: int) -> bool:
    """Whether a record of ``level`` logged to ``logger`` would reach anything but a
    NullHandler (logging's own walk up the loggers, in :meth:`logging.Logger.callHandlers`)."""
    if not logger.isEnabledFor(level):
        return False
    if logger.filters:
        return True  # a filter sees every record logged here: it may count or keep them
    found = False
    current: logging.Logger | None = logger
    while current is not None:  # (the filters of the loggers above are not asked)
        for handler in current.handlers:
            if not isinstance(handler, logging.NullHandler):
                return True
            found = True
        if not current.propagate:
            break
        current = current.parent
    return not found  # no handler at all: logging.lastResort writes it to stderr


class Workers(ThreadedTaskDispatcher):
    """waitress's thread pool, with threads named after the port they serve, waking a
    worker only when one is needed.

    waitress wakes an idle worker for every request, even while another is busy and about
    to come back for the next one; the workers then take turns with the GIL and with the
    cores, and a busy server spends about a tenth of its time handing over. Here a request
    queued while some worker is busy waits for that one, for at most :attr:`WAKE_AFTER`
    seconds; then the loop (:meth:`wake_overdue`) wakes an idle worker, as it must when the
    busy ones are stuck in a slow app. When no worker is busy, or each busy one has been
    answering its request for :attr:`SLOW_AFTER` already, one is woken at once; and when
    the server stops, every queued request gets one (``eager``)."""

    queue_logger = _HeardOnly(ThreadedTaskDispatcher.queue_logger)
    #: Seconds a queued request may wait for a busy worker before an idle one is woken.
    WAKE_AFTER = 0.005
    #: Seconds after which a worker still answering one request is taken to be in a slow
    #: app: a request queued then wakes an idle worker at once.
    SLOW_AFTER = 0.05

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.eager = False
        self._woken = 0  # workers woken that have not run yet
        self._began: dict[int, float] = {}  # worker → when it began the request it answers
        # when each request in the queue was queued (the last len(queue) of these: the
        # workers take from the front of the queue, in order)
        self._queued_at: deque[float] = deque()

    def add_task(self, task: Any) -> None:
        now = time.monotonic()
        with self.lock:
            self.queue.append(task)
            self._queued_at.append(now)
            self._forget_taken()
            # a worker that began its request a moment ago will likely come back for this
            # one first; one busy for longer is in a slow app: wake another now
            fresh = any(now - began < self.SLOW_AFTER for began in self._began.values())
            if self.eager or not (fresh or self._woken):
                self._wake()
            waiting = len(self.queue) - (len(self.threads) - self.stop_count - self.active_count)
            if waiting > 0:  # as waitress: requests no idle worker is left for
                self.queue_logger.warning("Task queue depth is %d", waiting)

    def wake_overdue(self, now: float) -> float | None:
        """Wake an idle worker if the oldest queued request has waited :attr:`WAKE_AFTER`
        for a busy one. Returns in how many seconds to look again (None: no need, the queue
        is empty or no worker is idle: a worker that finishes takes the next request)."""
        with self.lock:  # idle: waiting, and not woken already
            idle = len(self.threads) - self.stop_count - self.active_count - self._woken
            if not self.queue or idle <= 0:
                return None
            self._forget_taken()
            due = self._queued_at[0] + self.WAKE_AFTER - now
            if due > 0:
                return due
            self._wake()
            return 0.001  # the next one may be overdue too

    def _forget_taken(self) -> None:
        """Drop the times of requests the workers have taken (with the lock held)."""
        while len(self._queued_at) > len(self.queue):
            self._queued_at.popleft()

    def _wake(self) -> None:
        """Wake a worker that waits and has not been woken yet, if there is one (with the
        lock held)."""
        if len(self.threads) - self.stop_count - self.active_count - self._woken > 0:
            self._woken += 1  # until it runs: not woken twice for one request
            self.queue_cv.notify()

    def handler_thread(self, thread_no: int) -> None:
        """waitress's worker loop, counting itself out of the woken when it wakes."""
        while True:
            with self.lock:
                self._began.pop(thread_no, None)
                while not self.queue and self.stop_count == 0:
                    self.active_count -= 1
                    self.queue_cv.wait()
                    self.active_count += 1
                    self._woken = max(self._woken - 1, 0)
                if self.stop_count > 0:
                    self.active_count -= 1
                    self.stop_count -= 1
                    self.threads.discard(thread_no)
                    self.thread_exit_cv.notify()
                    break
                task = self.queue.popleft()
                self._began[thread_no] = time.monotonic()
            try:
                task.service()
            except BaseException:
                self.logger.exception("Exception when servicing %r", task)

    def wake_all(self) -> None:
        """From now on, wake a worker for every request (the server is stopping)."""
        with self.lock:
            self.eager = True
            self.queue_cv.notify(len(self.queue))

    def start_new_thread(self, target: Callable[[int], None], thread_no: int) -> None:
        thread = threading.Thread(
            target=target, name=f"{self.name}-worker-{thread_no}", args=(thread_no,), daemon=True
        )
        thread.start()
