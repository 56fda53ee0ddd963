"""Serving until Ctrl-C (SIGINT) or SIGTERM, for the commands that serve (``serve``,
``proxy``).

The main thread waits in short steps, never for good: the kernel may hand a signal to any
thread of the process (a server's, say), and then Python only notes it for the main thread
to act on when it next runs, which a main thread blocked in a wait without a timeout never
does, so the command would not stop."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

__all__ = ["until_stopped"]

_SignalHandler = Callable[[int, FrameType | None], object] | int | None


def until_stopped(tick: Callable[[], None] = lambda: None, every: float = 0.1) -> None:
    """Call ``tick`` every ``every`` seconds until Ctrl-C or SIGTERM, then return. (Off the
    main thread, where no signal handler can be set, until Ctrl-C.)"""
    stopped: list[int] = []  # the handler only appends: it may run at any bytecode
    restore = _on_stop_signals(stopped)
    try:
        while not stopped:
            time.sleep(every)
            if not stopped:
                tick()
    except KeyboardInterrupt:  # no handler could be set: not the main thread
        pass
    finally:
        restore()


def _on_stop_signals(stopped: list[int]) -> Callable[[], None]:
    """Ctrl-C (SIGINT) and SIGTERM append to ``stopped`` (a lock taken in a handler could be
    the one the main thread holds where the handler interrupts it); returns a function
    restoring the handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[signal.Signals, _SignalHandler] = {}

    def handle(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handle)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
