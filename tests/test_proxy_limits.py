"""The proxy under bad input: one-line refusals, bounded memory, Plivo's 8 s limit in all.

Real sockets on 127.0.0.1 throughout: a hostile client, a dripping upstream, a huge answer.
"""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from smsxml.protocol import ANSWER_TIMEOUT
from smsxml.proxy import Proxy, ProxyApp


def _raw(
    port: int, data: bytes, chunks: Iterator[bytes] | None = None, timeout: float = 10
) -> bytes:
    """Send ``data`` then ``chunks`` on one connection; the whole answer (until closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        try:
            for chunk in chunks or ():
                sock.sendall(chunk)
        except OSError:  # the proxy refused and closed while we were still sending
            pass
        answer = b""
        try:
            while True:
                got = sock.recv(65536)
                if not got:
                    break
                answer += got
        except OSError:
            pass
    return answer


class _Upstream:
    """A tiny HTTP server on 127.0.0.1 whose answer is made by ``respond(conn)``."""

    def __init__(self, respond: Any):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.respond = respond
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            try:
                self.respond(conn)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def ok_upstream() -> Iterator[_Upstream]:
    def ok(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")

    upstream = _Upstream(ok)
    yield upstream
    upstream.close()


def test_plivos_8_s_is_the_default_timeout() -> None:
    assert ANSWER_TIMEOUT == 8.0 and ProxyApp("http://127.0.0.1:9").timeout == 8.0


@pytest.mark.parametrize(
    ("header", "status"),
    [("Content-Length: -5\r\n", b"400"), ("Content-Length: ten\r\n", b"400"), ("", b"400")],
)
def test_a_bad_content_length_gets_400_in_one_line(
    ok_upstream: _Upstream, header: str, status: bytes
) -> None:
    with Proxy(f"http://127.0.0.1:{ok_upstream.port}") as proxy:
        head = f"POST /receive_sms/ HTTP/1.1\r\nHost: x\r\n{header}Connection: close\r\n\r\n"
        answer = _raw(proxy.port, head.encode())
    status_line, _, rest = answer.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    assert status_line.split()[1] == status, answer
    assert body.count(b"\n") <= 1 and b"Traceback" not in body, body
    assert b"Content-Length" in body or b"content-length" in body.lower(), body


def test_a_100_mb_body_is_refused_without_memory_growing(ok_upstream: _Upstream) -> None:
    with Proxy(f"http://127.0.0.1:{ok_upstream.port}") as proxy:
        head = (
            b"POST /receive_sms/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        megabyte = b"x" * (1 << 20)
        tracemalloc.start()
        try:
            answer = _raw(proxy.port, head, (megabyte for _ in range(100)))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"65536" in answer  # the limit is named
    assert peak < 4 * (1 << 20), f"peak {peak / 2**20:.1f} MB"
    assert not proxy.exchanges or proxy.exchanges[-1].status == 413


def test_an_upstream_that_drips_is_cut_off_at_the_timeout() -> None:
    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"x")
            time.sleep(1.0)

    upstream = _Upstream(drip)
    try:
        with Proxy(f"http://127.0.0.1:{upstream.port}", timeout=2.0) as proxy:
            started = time.monotonic()
            request = b"GET /receive_sms/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            answer = _raw(proxy.port, request, timeout=10)
            took = time.monotonic() - started
    finally:
        upstream.close()
    assert answer.startswith(b"HTTP/1.1 504"), answer[:200]
    assert b"within 2 s" in answer
    assert 1.9 < took < 3.5, took


def test_a_50_mb_answer_is_refused_with_its_limit_named() -> None:
    def huge(conn: socket.socket) -> None:
        size = 50 * (1 << 20)
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        chunk = b"y" * (1 << 20)
        for _ in range(50):
            conn.sendall(chunk)

    upstream = _Upstream(huge)
    try:
        with Proxy(f"http://127.0.0.1:{upstream.port}") as proxy:
            tracemalloc.start()
            try:
                request = b"GET /receive_sms/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                answer = _raw(proxy.port, request)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    finally:
        upstream.close()
    assert answer.startswith(b"HTTP/1.1 502"), answer[:200]
    assert b"1048576 byte limit" in answer
    assert peak < 8 * (1 << 20), f"peak {peak / 2**20:.1f} MB"


def test_host_reaches_the_app_unchanged_and_forwarded_headers_only_when_asked() -> None:
    seen: list[bytes] = []

    def record(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    class _Recording(_Upstream):
        def _one(self, conn: socket.socket) -> None:
            with conn:
                seen.append(conn.recv(65536))
                record(conn)

    upstream = _Recording(record)
    try:
        for forwarded in (False, True):
            with Proxy(f"http://127.0.0.1:{upstream.port}", forwarded_headers=forwarded) as proxy:
                _raw(proxy.port, b"GET /receive_sms/ HTTP/1.1\r\nHost: abc.example:443\r\n"
                     b"Connection: close\r\n\r\n")  # fmt: skip
    finally:
        upstream.close()
    plain, with_forwarded = (request.decode("latin-1") for request in seen)
    assert "\r\nHost: abc.example:443\r\n" in plain and "X-Forwarded" not in plain
    assert "\r\nX-Forwarded-For: 127.0.0.1\r\n" in with_forwarded
    assert "\r\nX-Forwarded-Host: abc.example:443\r\n" in with_forwarded


def test_bad_upstream_urls_and_ports_are_clear_errors() -> None:
    for bad in ("nope", "http://[::1", "ftp://example.com", 5000):
        with pytest.raises(ValueError, match="upstream"):
            ProxyApp(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="port must be a whole number"):
        Proxy("http://127.0.0.1:5000", port=70000)


def test_a_password_in_the_upstream_url_is_never_shown() -> None:
    with Proxy("http://user:s3cretPASS@127.0.0.1:9") as proxy:  # nothing listens on 9
        answer = _raw(proxy.port, b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        views = [repr(proxy), repr(proxy.app), str(proxy.exchanges[-1]), answer.decode()]
    assert answer.startswith(b"HTTP/1.1 502")
    for view in views:
        assert "s3cretPASS" not in view and "user:••••@" in view, view
