"""One connection of the webhook server: waitress's channel and tasks, as smsxml answers on
them. A task is answered by its app or by a stopping server, never both (``claim``); the
loop reads ahead on a kept connection while a worker answers, and is woken only when it has
something to do; an answer whose body is one piece goes out with its head in one write; and
the stopping server's 503s for requests a client pipelined behind an answer still on its
way go out after that answer (``farewell``). Used by :mod:`.server`, which runs the loop."""

from __future__ import annotations

import threading
import time
from typing import Any

from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.task import ErrorTask, WSGITask

from ..protocol import TEXT_CONTENT_TYPE
from ._parser import Parser

__all__ = ["COALESCE", "Channel", "RefusedTask", "Task", "serving"]

#: The largest body written in one piece with its head (a copy of it is made to join them).
COALESCE = 65536


class Task(WSGITask):
    """waitress's WSGI task, which either the app or a stopping server answers, never both.

    ``claim()`` (in the environ as ``smsxml.server.claim``, and called before the first byte
    of the answer is written) returns True when the app's answer may go out, False when the
    server has answered the request itself because it stopped."""

    def __init__(self, channel: Any, request: Any):
        super().__init__(channel, request)
        self._lock = threading.Lock()
        self.claimed = False
        self.abandoned = False

    def claim(self) -> bool:
        with self._lock:
            if not self.abandoned:
                self.claimed = True
            return not self.abandoned

    def abandon(self) -> bool:
        """For the stopping server: True when the app had not begun to answer (it never
        will now); False when its answer is on its way."""
        with self._lock:
            if not self.claimed:
                self.abandoned = True
            return self.abandoned

    def get_environment(self) -> Any:
        environ = super().get_environment()
        environ["smsxml.server.claim"] = self.claim
        return environ

    def execute(self) -> None:
        channel: Channel = self.channel
        with channel.stop_lock:
            if channel.abandoned:  # answered by the stopping server while it waited
                raise ClientDisconnected
            channel.task = self
        super().execute()

    def write(self, data: bytes) -> None:
        if not self.wrote_header:
            if not self.claim():
                raise ClientDisconnected  # the server answered it: the app's answer goes nowhere
            if (
                self.complete
                and data
                and len(data) <= COALESCE
                and self.content_length == len(data)
            ):
                self._write_whole(data)
                return
        super().write(data)

    def _write_whole(self, data: bytes) -> None:
        """An answer whose body is ``data``, all of it (its Content-Length): the head and
        the body in one write (one send, one packet), where waitress writes each in turn.
        Otherwise what waitress's ``write`` does: the head, then the body it may carry."""
        head = self.build_response_header()
        self.wrote_header = True
        if self.has_body and not self.chunked_response:
            self.content_bytes_written += len(data)
            self.channel.write_soon(head + data)
            return
        self.channel.write_soon(head)
        super().write(data)  # the head is written: waitress decides what becomes of data


class RefusedTask(ErrorTask):
    """Answers a request waitress refused in smsxml's plain words, and reports it."""

    def execute(self) -> None:
        server: Any = self.channel.server  # (server.py's _TcpServer)
        error = self.request.error
        reason = server.explain(error)
        body = f"{error.code} {reason}\n".encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", TEXT_CONTENT_TYPE))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)
        server.report(self.request, error.code, reason)


#: The channel a worker thread is answering (waitress's workers wake the loop after each
#: answer; this says whether they need to).
serving = threading.local()


class Channel(HTTPChannel):
    parser_class = Parser
    error_task_class = RefusedTask
    task_class = Task

    def __init__(self, *args: Any, **kwargs: Any):
        self.stop_lock = threading.Lock()
        self.abandoned = False
        self.task: Task | None = None
        self.polled_readable = False
        self.client_done = False  # the client closed its side while a worker answered
        # the stopping server's 503s, sent after the answer under way (then the connection
        # closes): ``farewell`` until that answer is done, then ``farewell_due`` until the
        # loop has queued it (it alone writes to the channel once no request is left)
        self.farewell = b""
        self.farewell_due = b""
        super().__init__(*args, **kwargs)

    def readable(self) -> bool:
        # a stopping server reads no new request: it answers the ones it has
        readable = not (self.server.draining or self.client_done) and bool(super().readable())
        self.polled_readable = readable  # what the loop last saw (it alone asks)
        return readable

    def handle_read(self) -> None:
        if not self.requests:
            super().handle_read()
            return
        # A worker is answering, and the loop reads ahead for the next request. A client
        # that has closed its side (having sent all it had) still gets its answer; the
        # connection closes after it (as when waitress read nothing until then).
        try:
            data = self.socket.recv(self.adj.recv_bytes)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.handle_close()
            return
        if data:
            self.last_activity = time.time()
            self.received(data)
            return
        with self.requests_lock:
            self.client_done = True
            if not self.requests:  # answered meanwhile: close once what is left is sent
                self.close_when_flushed = True

    def service(self) -> None:
        serving.channel = self
        try:
            super().service()
        finally:
            serving.channel = None
        with self.requests_lock:  # the client closed its side: that was its last answer
            farewell = self.farewell
            close = (
                (self.client_done or farewell) and not self.requests and not self.close_when_flushed
            )
            if close:
                self.farewell_due = farewell  # queued by the loop (handle_write)
                self.close_when_flushed = True
            if not self.requests:
                self.farewell = b""  # (after close_when_flushed: busy() sees one or the other)
        if close:
            self.server.pull_trigger()

    def write_soon(self, data: bytes) -> int:
        sent = int(super().write_soon(data))
        # waitress wakes the loop with outbuf_lock still held, which writable() then turns
        # down: bytes the socket could not take are announced again, the lock free
        if self.total_outbufs_len and self.requests:
            self.server.pull_trigger()
        return sent

    def handle_write(self) -> None:
        if self.farewell_due:  # the loop thread: with no request left, no worker writes
            self.queue_farewell()
        super().handle_write()

    def queue_farewell(self) -> None:
        """Put ``farewell_due`` behind what the output buffer holds (in the loop thread)."""
        farewell, self.farewell_due = self.farewell_due, b""
        with self.outbuf_lock:
            if self.connected:
                self.outbufs[-1].append(farewell)
                self.current_outbuf_count += len(farewell)
                self.total_outbufs_len += len(farewell)

    def loop_has_nothing_to_do(self) -> bool:
        """After a worker's answer, whether the loop may sleep on: it watches this socket
        for the next request already, and there is nothing to send or close."""
        return bool(
            self.polled_readable
            and not self.total_outbufs_len
            and not (self.will_close or self.close_when_flushed)
            and not self.server.draining
            and self.connected
        )

    def writable(self) -> bool:
        # waitress asks to be woken when the socket can take more bytes whenever its output
        # buffer holds any; while a worker is writing the answer (it sends it itself) the
        # loop then wakes again and again with nothing it may do. It waits for the worker
        # instead, which wakes it (pull_trigger) when the request is done; unless the
        # worker waits for it (output over the high watermark), the channel is closing, or
        # an answer left bytes the socket could not take while no worker writes (a client
        # that pipelines: the worker has gone on to its next request, perhaps a slow one).
        if self.requests and not (self.will_close or self.close_when_flushed):
            if self.total_outbufs_len > self.adj.outbuf_high_watermark:
                return True
            if self.total_outbufs_len and self.outbuf_lock.acquire(False):
                self.outbuf_lock.release()  # free: no worker is writing into it now
                return True
            return False
        return bool(super().writable())

    def busy(self) -> bool:
        """A request received and not yet answered in full (running, queued or flushing)."""
        return bool(
            self.requests
            or self.total_outbufs_len
            or self.close_when_flushed
            or self.farewell
            or self.farewell_due
        )
