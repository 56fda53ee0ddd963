"""The webhook as an attacker meets it: real waitress servers on 127.0.0.1, raw sockets.

Host-header signature confusion, slow clients (slowloris, trickled bodies), odd
Content-Length values, stop() while under attack, and the cost of a forged request.
Loops are bounded; every socket is closed in ``finally``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from smsxml.exc import SignatureError
from smsxml.inbound import inbound_request
from smsxml.signature import make_nonce, sign_v2
from smsxml.webhook import (
    LocalWebhook,
    Refusal,
    ServerLimits,
    WebhookApp,
    public_origin,
    request_url,
)
from smsxml.webhook.server import Server
from smsxml.xml import Response

TOKEN = "MAserverTOKEN-sub-7a1c55e0d9"
FROM, TO = "14155550100", "12025550000"


def server_threads(port: int) -> list[threading.Thread]:
    """The threads of the server on ``port`` (its loop and workers are named after it)."""
    prefix = f"smsxml-webhook-{port}"
    return [t for t in threading.enumerate() if t.name.startswith(prefix) and t.is_alive()]


class Handler:
    """Echoes; counts the messages that reached it (thread-safe)."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, message: object) -> Response:
        with self._lock:
            self.calls += 1
        return Response().add_message("ok", src=TO, dst=FROM)


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def webhook(handler: Handler) -> Iterator[LocalWebhook]:
    with LocalWebhook(handler, TOKEN, status_path="/sms_status/") as hook:
        yield hook


def signed_head(
    signed_for: str,
    *,
    host: str,
    target: str = "/receive_sms/",
    body: bytes = b"From=1&To=2&Text=hi",
    extra: str = "",
) -> bytes:
    """A POST to ``target`` with ``Host: host``, signed (V2) for the URL ``signed_for``."""
    nonce = make_nonce()
    return (
        f"POST {target} HTTP/1.1\r\nHost: {host}\r\n{extra}"
        f"X-Plivo-Signature-V2: {sign_v2(signed_for, nonce, TOKEN)}\r\n"
        f"X-Plivo-Signature-V2-Nonce: {nonce}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1") + body


def exchange(port: int, data: bytes, *, timeout: float = 5.0) -> tuple[int | None, bytes]:
    """Send ``data``, half-close, read to the end: (status or None if no answer, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    if not answer:
        return None, b""
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")


# --- 1. the Host header cannot change the signed path ---------------------------------------

HOSTILE_HOSTS = [
    "{h}/sms_status/?",  # the attack from the issue: the signed path moves into Host
    "{h}/sms_status/",
    "{h}/sms_status/#",
    "{h}?x=",
    "{h}#x",
    "evil@{h}",
    "{h}@evil",
    "{h} ",  # waitress strips trailing whitespace; a space inside is refused
    "127.0.0.1 :{p}",
    "{h}:{p}",
    "{h},{h}",
    "hôst:{p}",
    "{h}\\",
    "[::1:{p}",
    "{h}:123456",
]


@pytest.mark.parametrize("template", HOSTILE_HOSTS)
def test_a_host_that_is_not_host_port_is_400_and_never_reaches_the_handler(
    webhook: LocalWebhook, handler: Handler, template: str
) -> None:
    host = template.format(h=f"127.0.0.1:{webhook.port}", p=webhook.port)
    # the signature is made for whatever URL the hostile Host would spell
    signed_for = f"http://{host.strip()}/receive_sms/"
    if "/sms_status/" in host:
        signed_for = f"http://127.0.0.1:{webhook.port}/sms_status/"
    try:
        request = signed_head(signed_for, host=host)
    except SignatureError:  # not even a URL: sign for the real one
        request = signed_head(webhook.url, host=host)
    status, body = exchange(webhook.port, request)
    if template == "{h} ":  # trailing whitespace is not part of a header value (RFC 9110)
        assert status == 200
        return
    assert status == 400, body
    assert b"is not a host[:port]" in body
    assert handler.calls == 0
    assert webhook.log.last is not None and webhook.log.last.status == 400


def test_two_host_headers_are_400(webhook: LocalWebhook, handler: Handler) -> None:
    url = f"http://127.0.0.1:{webhook.port}/receive_sms/"
    request = signed_head(
        url,
        host=f"127.0.0.1:{webhook.port}",
        extra=f"Host: 127.0.0.1:{webhook.port}/sms_status/?\r\n",
    )
    status, body = exchange(webhook.port, request)
    assert status == 400 and b"Host header" in body and handler.calls == 0


def test_plain_hosts_are_accepted_and_the_path_comes_from_the_request_line(
    webhook: LocalWebhook, handler: Handler
) -> None:
    port = webhook.port
    for host in (
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        f"[::1]:{port}",
        "example.com",
        "my_app.internal:8080",
        "example.com.",
    ):
        status, body = exchange(port, signed_head(f"http://{host}/receive_sms/", host=host))
        assert status == 200, (host, body)
    # a valid host with a signature for another path of the same app: 403, not the handler
    calls = handler.calls
    status, _ = exchange(
        port, signed_head(f"http://127.0.0.1:{port}/sms_status/", host=f"127.0.0.1:{port}")
    )
    assert status == 403 and handler.calls == calls
    assert webhook.log.last is not None and webhook.log.last.verdict == "invalid"


def test_x_forwarded_headers_with_trust_proxy_off_and_on(handler: Handler) -> None:
    public = "https://public.example.com/receive_sms/"
    proxied = "X-Forwarded-Proto: https\r\nX-Forwarded-Host: public.example.com\r\n"
    smuggled = "X-Forwarded-Host: public.example.com/sms_status/?\r\n"
    for trust in (False, True):
        with LocalWebhook(handler, TOKEN, trust_proxy=trust) as hook:
            host = f"127.0.0.1:{hook.port}"
            local = f"http://{host}/receive_sms/"
            # signed for the public URL, forwarded by a proxy
            status, _ = exchange(hook.port, signed_head(public, host=host, extra=proxied))
            assert status == (200 if trust else 403)
            if not trust:  # the forwarded URL is only a hint for the diagnosis
                assert hook.log.last is not None
                assert "public-url" in hook.log.last.diagnosis.causes
            # signed for the local URL, with forwarded headers anyone can send
            status, _ = exchange(hook.port, signed_head(local, host=host, extra=proxied))
            assert status == (403 if trust else 200)
            # a forwarded host that tries to carry a path
            status, body = exchange(
                hook.port,
                signed_head("http://public.example.com/sms_status/", host=host, extra=smuggled),
            )
            assert status == (400 if trust else 403), body
            if trust:
                assert b"X-Forwarded-Host header" in body


def test_public_url_says_what_plivo_called_and_no_header_can_change_it(
    handler: Handler,
) -> None:
    public = "https://abc.ngrok.app/receive_sms/"
    with LocalWebhook(handler, TOKEN, public_url=public, status_path="/sms_status/") as hook:
        host = f"127.0.0.1:{hook.port}"
        forwarded = "X-Forwarded-Proto: http\r\nX-Forwarded-Host: elsewhere.example\r\n"
        # signed for the public URL: valid whatever Host and X-Forwarded-* say
        for extra in ("", forwarded):
            status, _ = exchange(hook.port, signed_head(public, host=host, extra=extra))
            assert status == 200
        assert hook.log.last is not None and hook.log.last.url == public
        # signed for the local URL, or for the public URL of another path: 403
        for signed_for in (hook.url, "https://abc.ngrok.app/sms_status/"):
            status, _ = exchange(hook.port, signed_head(signed_for, host=host))
            assert status == 403
        # the status path is checked against the same public origin
        status, _ = exchange(
            hook.port,
            signed_head(
                "https://abc.ngrok.app/sms_status/",
                host=host,
                target="/sms_status/",
                body=b"MessageUUID=u&Status=delivered",
            ),
        )
        assert status == 200
    assert handler.calls == 2


@pytest.mark.parametrize(
    ("public", "origin"),
    [
        ("https://abc.ngrok.app/receive_sms/", "https://abc.ngrok.app"),
        ("https://abc.ngrok.app", "https://abc.ngrok.app"),
        ("https://example.com:8443/app/receive_sms/", "https://example.com:8443/app"),
        ("http://example.com/app/", "http://example.com/app"),
    ],
)
def test_public_origin_drops_the_app_path(public: str, origin: str) -> None:
    assert public_origin(public, ("/receive_sms/", None)) == origin


@pytest.mark.parametrize(
    "public",
    [
        "abc.ngrok.app/receive_sms/",
        "ftp://x/receive_sms/",
        "https:///receive_sms/",
        "https://x/receive_sms/?a=1",
        "https://x/receive_sms/#f",
        "https://a b/",
        42,
    ],
)
def test_a_public_url_that_is_not_one_is_refused_at_once(public: object) -> None:
    with pytest.raises((ValueError, TypeError), match="public_url|URL"):
        WebhookApp(Handler(), TOKEN, public_url=public)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1:1/sms_status/?", "a b", "x@y", "h\u00e9", "[::1"])
def test_request_url_refuses_such_hosts_in_any_wsgi_server(host: str) -> None:
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": host, "PATH_INFO": "/receive_sms/"}
    with pytest.raises(ValueError, match="not a host"):
        request_url(environ)
    app = WebhookApp(Handler(), TOKEN)
    got: list[str] = []
    body = b"".join(app({**environ, "REQUEST_METHOD": "POST"}, lambda s, h: got.append(s)))
    assert got == ["400 Bad Request"] and b"not a host[:port]" in body


# --- 2. slow clients hold a socket, not a thread ----------------------------------------------


@contextlib.contextmanager
def slowloris(port: int, count: int, *, interval: float = 0.2) -> Iterator[list[socket.socket]]:
    """``count`` connections that send a request line, then one header byte in turn."""
    sockets: list[socket.socket] = []
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(interval):
            for s in list(sockets):
                with contextlib.suppress(OSError):
                    s.send(b"X")

    worker = threading.Thread(target=trickle, daemon=True)
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"POST /receive_sms/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            sockets.append(s)
        worker.start()
        yield sockets
    finally:
        stop.set()
        if worker.is_alive():
            worker.join(5)
        for s in sockets:
            s.close()


def signed_requests(url: str, n: int) -> list[bytes]:
    out = []
    for i in range(n):
        req = inbound_request(url, TOKEN, from_=FROM, to=TO, text=f"hi {i}")
        head = "".join(f"{k}: {v}\r\n" for k, v in req.headers.items())
        out.append(
            f"POST /receive_sms/ HTTP/1.1\r\nHost: 127.0.0.1:{url.split(':')[2].split('/')[0]}"
            f"\r\n{head}Content-Length: {len(req.body)}\r\nConnection: close\r\n\r\n".encode()
            + req.body
        )
    return out


def timed_exchanges(
    port: int, requests: list[bytes], clients: int
) -> list[tuple[int | None, float]]:
    lock = threading.Lock()
    queue = iter(requests)
    results: list[tuple[int | None, float]] = []

    def client() -> None:
        while True:
            with lock:
                data = next(queue, None)
            if data is None:
                return
            started = time.perf_counter()
            try:
                status, _ = exchange(port, data)
            except OSError:
                status = None
            with lock:
                results.append((status, time.perf_counter() - started))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.load
def test_500_slow_connections_do_not_delay_200_signed_requests(handler: Handler) -> None:
    """The issue's slowloris: 500 connections trickling headers while 200 signed requests
    come in. Each is answered within a second, and the server's threads stay at its cap."""
    baseline = threading.active_count()
    with LocalWebhook(handler, TOKEN) as hook, slowloris(hook.port, 500):
        before = len(server_threads(hook.port))
        results = timed_exchanges(hook.port, signed_requests(hook.url, 200), clients=8)
        during = len(server_threads(hook.port))
        process_threads = threading.active_count()
    assert [s for s, _ in results] == [200] * 200
    slowest = max(latency for _, latency in results)
    assert slowest < 1.0, f"slowest answer under attack took {slowest:.2f} s"
    cap = hook.limits.threads + 1  # the workers and the loop
    assert before == during == cap
    assert process_threads <= baseline + cap + 1 + 8  # + the trickler and the 8 clients
    assert handler.calls == 200


def test_slowloris_connections_are_cut_at_the_request_timeout(handler: Handler) -> None:
    """waitress alone only times out silence; a client trickling a byte every 50 ms is cut
    (answered 408, closed) at the request timeout, and each cut is logged once."""
    with LocalWebhook(handler, TOKEN, request_timeout=0.5) as hook:
        with slowloris(hook.port, 20, interval=0.05) as sockets:
            started = time.monotonic()
            for s in sockets:  # the server closes each one (a reset, as the client still sends)
                with contextlib.suppress(ConnectionResetError):
                    while s.recv(65536):
                        pass
            took = time.monotonic() - started
        assert took < 3.0
        assert hook.log.wait_for(20)
        assert [e.status for e in hook.log] == [408] * 20
        assert all(e.method == "POST" and e.path == "/receive_sms/" for e in hook.log)
        assert handler.calls == 0


def test_a_silent_half_request_is_answered_408_in_plain_words(handler: Handler) -> None:
    with LocalWebhook(handler, TOKEN, request_timeout=0.5) as hook:
        with socket.create_connection(("127.0.0.1", hook.port), timeout=5) as s:
            s.sendall(b"POST /receive_sms/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
        assert data.endswith(b"\r\n\r\n408 the request did not arrive in full within 0.5 s\n")


def test_a_trickled_forged_body_does_not_pin_the_only_worker(handler: Handler) -> None:
    """One worker thread. A forged request whose 2 KB body trickles in at 1 KB/s is held by
    the asynchronous front end; meanwhile signed requests are answered at once; when the
    body is complete it is refused 403 without the handler."""
    limits = ServerLimits(threads=1)
    with LocalWebhook(handler, TOKEN, limits=limits) as hook:
        body = b"From=1&To=2&Text=" + b"x" * (2048 - 17)
        head = signed_head(
            "http://elsewhere.example/receive_sms/", host=f"127.0.0.1:{hook.port}", body=b""
        )
        head = head.replace(b"Content-Length: 0", f"Content-Length: {len(body)}".encode())
        answer: list[tuple[int | None, bytes]] = []

        def forger() -> None:
            with socket.create_connection(("127.0.0.1", hook.port), timeout=10) as s:
                s.sendall(head)
                for i in range(0, len(body), 100):
                    s.sendall(body[i : i + 100])
                    time.sleep(0.1)
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
                answer.append((int(data.split(b" ", 2)[1]), data))

        thread = threading.Thread(target=forger)
        thread.start()
        time.sleep(0.3)
        results = timed_exchanges(hook.port, signed_requests(hook.url, 20), clients=2)
        trickling = thread.is_alive()
        thread.join(10)
    assert trickling, "the forged body should still be arriving while others are served"
    assert [s for s, _ in results] == [200] * 20
    assert max(latency for _, latency in results) < 1.0
    assert answer and answer[0][0] == 403
    assert handler.calls == 20


def test_a_body_trickled_past_the_request_timeout_is_408(handler: Handler) -> None:
    with LocalWebhook(handler, TOKEN, request_timeout=0.5) as hook:
        head = signed_head(hook.url, host=f"127.0.0.1:{hook.port}", body=b"")
        head = head.replace(b"Content-Length: 0", b"Content-Length: 5000")
        with socket.create_connection(("127.0.0.1", hook.port), timeout=5) as s:
            s.sendall(head)
            started = time.monotonic()
            with contextlib.suppress(OSError):
                for _ in range(50):
                    s.sendall(b"x" * 10)
                    time.sleep(0.05)
            data = b""
            with contextlib.suppress(OSError):
                while chunk := s.recv(65536):
                    data += chunk
            took = time.monotonic() - started
        assert data.startswith(b"HTTP/1.1 408 ") and b"within 0.5 s" in data
        assert took < 3.0
        assert hook.log.wait_for(1) and hook.log.last.status == 408
        assert hook.log.last.method == "POST" and hook.log.last.path == "/receive_sms/"
        assert handler.calls == 0


# --- 3. strict HTTP parsing --------------------------------------------------------------------


@pytest.mark.parametrize(
    "lengths",
    [
        ["5", "7"],
        ["5", "5"],
        ["1\xb9"],
        ["\u0661"],
        ["+5"],
        ["-1"],
        ["0x10"],
        ["1e3"],
        ["5 5"],
    ],
)
def test_odd_or_conflicting_content_length_is_400(
    webhook: LocalWebhook, handler: Handler, lengths: list[str]
) -> None:
    url = webhook.url
    head = signed_head(url, host=f"127.0.0.1:{webhook.port}", body=b"")
    cl = "".join(f"Content-Length: {v}\r\n" for v in lengths)
    data = head.replace(b"Content-Length: 0\r\n", cl.encode("utf-8")) + b"From=1&To=2&Text=hi"
    status, body = exchange(webhook.port, data)
    assert status == 400, body
    assert handler.calls == 0
    assert webhook.log.wait_for(1) and webhook.log.last.status == 400
    assert len(webhook.log) == 1


@pytest.mark.parametrize("value", ["5, 7", "1\xb9", "\u0661", "\uff15", "+5", " -1", "1" * 5000])
def test_odd_content_length_is_400_or_413_in_the_wsgi_app_itself(value: str) -> None:
    """The same under any WSGI server (gunicorn hands over what it was sent)."""
    app = WebhookApp(Handler(), TOKEN)
    url = "http://example.com/receive_sms/"
    nonce = make_nonce()
    environ = {
        "REQUEST_METHOD": "POST",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "example.com",
        "PATH_INFO": "/receive_sms/",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": value,
        "HTTP_X_PLIVO_SIGNATURE_V2": sign_v2(url, nonce, TOKEN),
        "HTTP_X_PLIVO_SIGNATURE_V2_NONCE": nonce,
    }
    got: list[str] = []
    body = b"".join(app(environ, lambda s, h: got.append(s)))
    expected = "413 Content Too Large" if value.isascii() and value.isdigit() else "400 Bad Request"
    assert got == [expected], body
    assert app.log.last is not None and app.log.last.status == int(expected[:3])


def test_double_slash_path_is_404(webhook: LocalWebhook, handler: Handler) -> None:
    status, body = exchange(
        webhook.port,
        signed_head(webhook.url, host=f"127.0.0.1:{webhook.port}", target="//receive_sms/"),
    )
    assert status == 404 and b"//receive_sms/" in body and handler.calls == 0


def test_headers_over_the_limit_are_431_in_plain_words_and_logged(handler: Handler) -> None:
    with LocalWebhook(handler, TOKEN, limits=ServerLimits(max_header=2048)) as hook:
        data = signed_head(
            hook.url, host=f"127.0.0.1:{hook.port}", extra=f"X-Big: {'a' * 4000}\r\n"
        )
        status, body = exchange(hook.port, data)
        assert status == 431 and b"2048 byte limit" in body
        assert hook.log.wait_for(1) and hook.log.last.status == 431
        assert handler.calls == 0


def test_refusals_by_the_server_log_what_was_sent(handler: Handler) -> None:
    """A refusal is logged as it arrived: hiding a token never rewrites what a client sent,
    even a path or header that holds the token's text."""
    with LocalWebhook(handler, TOKEN, limits=ServerLimits(max_header=2048)) as hook:
        exchange(
            hook.port,
            f"POST /{TOKEN} HTTP/1.1\r\nHost: x\r\nX-T: {TOKEN}\r\n"
            f"Content-Length: 1, 2\r\n\r\n".encode(),
        )
        assert hook.log.wait_for(1)
        entry = hook.log.last
        assert entry is not None and entry.status == 400
        assert entry.url == f"/{TOKEN}" and entry.headers["X-T"] == TOKEN
        assert f"/{TOKEN}" in repr(entry)


# --- 4. a forger costs the server what an honest caller costs ---------------------------------


def test_a_forged_request_is_not_diagnosed_until_someone_reads_it(webhook: LocalWebhook) -> None:
    port = webhook.port
    status, _ = exchange(
        port, signed_head("https://elsewhere.example/receive_sms/", host=f"127.0.0.1:{port}")
    )
    assert status == 403
    entry = webhook.log.last
    assert entry is not None and entry.signature is not None
    assert not entry.signature.diagnosed
    assert entry.diagnosis is not None and entry.signature.diagnosed
    assert entry.diagnosis is entry.diagnosis  # worked out once
    assert entry.diagnosis.causes == ("unknown",)


# --- 5. a non-ASCII signature is diagnosed, not a crash --------------------------------------


def test_a_non_ascii_signature_is_403_with_a_diagnosis(webhook: LocalWebhook) -> None:
    nonce = make_nonce()
    data = (
        f"POST /receive_sms/ HTTP/1.1\r\nHost: 127.0.0.1:{webhook.port}\r\n"
        f"X-Plivo-Signature-V2: s\xefgn\xe9\r\nX-Plivo-Signature-V2-Nonce: {nonce}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n"
    ).encode("latin-1")
    status, _ = exchange(webhook.port, data)
    assert status == 403
    diagnosis = webhook.log.last.diagnosis
    assert type(diagnosis).__name__ == "Diagnosis" and diagnosis.causes == ("bad-signature",)


# --- stopping, under attack --------------------------------------------------------------------


@pytest.mark.load
@needs_proc
def test_stop_under_attack_returns_within_a_second_and_leaves_nothing(handler: Handler) -> None:
    before_fds, before_threads = fds(), set(threading.enumerate())
    hook = LocalWebhook(handler, TOKEN)
    port = hook.port
    with slowloris(port, 200):
        busy = threading.Thread(
            target=timed_exchanges, args=(port, signed_requests(hook.url, 50), 4)
        )
        busy.start()
        time.sleep(0.2)
        started = time.perf_counter()
        hook.stop()
        took = time.perf_counter() - started
        assert not server_threads(hook.port)
    busy.join(30)
    assert took < 1.0, f"stop() took {took:.2f} s"
    assert not hook.running
    assert not set(threading.enumerate()) - before_threads
    time.sleep(0.1)
    assert fds() <= before_fds
    with socket.socket() as s:  # the port is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_stop_returns_promptly_while_a_handler_is_still_busy() -> None:
    entered, release = threading.Event(), threading.Event()

    def slow(message: object) -> Response:
        entered.set()
        release.wait(10)
        return Response()

    hook = LocalWebhook(slow, TOKEN)
    request = inbound_request(hook.url, TOKEN, from_=FROM, to=TO, text="hi")
    client = threading.Thread(target=_send_quietly, args=(request,))
    client.start()
    assert entered.wait(5)
    started = time.perf_counter()
    hook.stop(timeout=0.5)
    took = time.perf_counter() - started
    release.set()
    client.join(10)
    # stop's timeout and its 0.25 s grace (0.81 s on an idle machine), never the handler's
    # 10 s; the rest is room for a machine busy with other tests (1.04 s seen under -n 4)
    assert took < 2.0


def _send_quietly(request: object) -> None:
    with contextlib.suppress(Exception):
        request.send()  # type: ignore[attr-defined]


def test_server_limits_are_checked_and_shown() -> None:
    with pytest.raises(ValueError, match="threads must be a whole number"):
        ServerLimits(threads=0)
    with pytest.raises(ValueError, match="request_timeout must be a number of seconds"):
        ServerLimits(request_timeout=0)
    limits = ServerLimits(threads=2, request_timeout=3)
    server = Server(lambda environ, start: [b""], limits=limits)
    try:
        assert "threads=2" in repr(server) and "request_timeout=3" in repr(server)
        assert len(server.threads()) == 3
    finally:
        server.stop()
    assert server.threads() == [] and "stopped" in repr(server)


# --- stop() while a request is in flight: what the client gets is what is logged --------------


class _SlowHandler:
    """Answers after ``release`` is set (or ``delay`` seconds), saying when it started."""

    def __init__(self, delay: float = 10.0) -> None:
        self.entered, self.release, self.delay = threading.Event(), threading.Event(), delay

    def __call__(self, message: object) -> Response:
        self.entered.set()
        self.release.wait(self.delay)
        return Response().add_message("late", src=TO, dst=FROM)


def _client(hook: LocalWebhook, outcome: dict[str, object]) -> threading.Thread:
    """A real client thread sending one signed message; ``outcome`` gets its reply or error."""
    request = inbound_request(hook.url, TOKEN, from_=FROM, to=TO, text="hi")

    def run() -> None:
        try:
            outcome["reply"] = request.send(timeout=10)
        except Exception as exc:  # what the client saw, whatever it is
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_stop_waits_for_a_slow_handler_and_the_client_gets_its_answer() -> None:
    slow = _SlowHandler(delay=0.4)
    hook = LocalWebhook(slow, TOKEN)
    outcome: dict[str, object] = {}
    client = _client(hook, outcome)
    assert slow.entered.wait(5)
    started = time.perf_counter()
    hook.stop(timeout=3.0)
    took = time.perf_counter() - started
    client.join(10)
    assert "error" not in outcome, outcome
    reply = outcome["reply"]
    assert reply.status == 200 and b"late" in reply.body  # type: ignore[attr-defined]
    assert [e.status for e in hook.log] == [200]  # logged once, as the client saw it
    assert took < 2.0, f"stop() took {took:.2f} s for a handler that needed 0.4 s"
    assert not hook.running
    with pytest.raises(OSError):  # no longer listening
        socket.create_connection(("127.0.0.1", hook.port), timeout=1).close()


def test_a_handler_still_busy_at_stops_timeout_is_answered_503_and_logged_so() -> None:
    slow = _SlowHandler()
    hook = LocalWebhook(slow, TOKEN)
    outcome: dict[str, object] = {}
    client = _client(hook, outcome)
    try:
        assert slow.entered.wait(5)
        started = time.perf_counter()
        hook.stop(timeout=0.3)
        took = time.perf_counter() - started
        client.join(10)
        assert "error" not in outcome, outcome  # not "connection aborted"
        reply = outcome["reply"]
        assert reply.status == 503  # type: ignore[attr-defined]
        assert b"the server stopped before the app answered" in reply.body  # type: ignore[attr-defined]
        assert [(e.status, e.method, e.path) for e in hook.log] == [(503, "POST", "/receive_sms/")]
        assert "stopped before the app answered" in hook.log[0].reason
        # about 0.55 s (the timeout and the grace); the handler itself never ends on its own
        assert took < 2.0, f"stop(timeout=0.3) took {took:.2f} s"
    finally:
        slow.release.set()


def test_the_late_answer_of_a_handler_the_server_gave_up_on_is_not_logged_again() -> None:
    slow = _SlowHandler()
    hook = LocalWebhook(slow, TOKEN)
    outcome: dict[str, object] = {}
    client = _client(hook, outcome)
    assert slow.entered.wait(5)
    hook.stop(timeout=0.2)
    client.join(10)
    slow.release.set()
    time.sleep(0.3)  # the handler returns now, after the server answered 503 for it
    assert [e.status for e in hook.log] == [503]


def test_a_request_queued_behind_a_busy_worker_at_the_timeout_is_answered_503_once(
    tmp_path: os.PathLike[str],
) -> None:
    slow = _SlowHandler()
    record = os.path.join(tmp_path, "rec.jsonl")
    hook = LocalWebhook(slow, TOKEN, limits=ServerLimits(threads=1), record_to=record)
    first: dict[str, object] = {}
    second: dict[str, object] = {}
    clients = [_client(hook, first)]
    try:
        assert slow.entered.wait(5)
        clients.append(_client(hook, second))  # waits for the only worker
        time.sleep(0.3)
        hook.stop(timeout=0.3)
        for client in clients:
            client.join(10)
        assert first["reply"].status == 503 and second["reply"].status == 503  # type: ignore[attr-defined]
        assert [e.status for e in hook.log] == [503, 503]
        from smsxml.recording import load

        # the running one was recorded by the app; the queued one, which the app never saw,
        # by the refusal: each once
        assert len(load(record)) == 2
    finally:
        slow.release.set()


# --- requests the server answers itself are all logged once, and recorded ------------------------

REFUSED_AT_THE_REQUEST_LINE = [
    (b"GARBAGE\r\n\r\n", "GARBAGE", "?"),
    (b"G@T /receive_sms/ HTTP/1.1\r\nHost: x\r\n\r\n", "G@T", "/receive_sms/"),
    (b"GET /receive_sms/ HTTP/1.1\r\nBad Header\r\n\r\n", "GET", "/receive_sms/"),
    (b"\r\n\r\nGET  / HTTP/1.1\r\n\r\n", "GET", " /"),
]


@pytest.mark.parametrize(("data", "method", "target"), REFUSED_AT_THE_REQUEST_LINE)
def test_a_request_line_waitress_refuses_is_answered_400_logged_once_and_recorded(
    tmp_path: os.PathLike[str], handler: Handler, data: bytes, method: str, target: str
) -> None:
    record = os.path.join(tmp_path, "rec.jsonl")
    with LocalWebhook(handler, TOKEN, record_to=record) as hook:
        status, body = exchange(hook.port, data)
        assert status == 400 and body.startswith(b"400 ")
        assert hook.log.wait_for(1, timeout=5)
        time.sleep(0.1)  # nothing more comes
        assert [(e.status, e.method, e.url) for e in hook.log] == [(400, method, target)]
    from smsxml.recording import load

    recorded = load(record)
    assert [(r.method, r.url) for r in recorded] == [
        (method, f"http://127.0.0.1:{hook.port}{target}" if target.startswith("/") else target)
    ]
    assert handler.calls == 0


def test_refusals_of_every_kind_are_recorded_once(
    tmp_path: os.PathLike[str], handler: Handler
) -> None:
    record = os.path.join(tmp_path, "rec.jsonl")
    limits = ServerLimits(max_header=2048)
    with LocalWebhook(handler, TOKEN, limits=limits, record_to=record) as hook:
        big = f"GET /receive_sms/ HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 4000}\r\n\r\n".encode()
        two = (
            b"POST /receive_sms/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
            b"Content-Length: 2\r\n\r\nab"
        )
        statuses = [exchange(hook.port, data)[0] for data in (big, two)]
        assert hook.log.wait_for(2, timeout=5)
    from smsxml.recording import load

    assert statuses == [431, 400]
    assert sorted(e.status for e in hook.log) == [400, 431]
    assert len(load(record)) == 2


# --- reading ahead: the loop watches a kept connection while a worker answers -------------


def _slow_path_echo(environ: dict[str, object], start_response: object) -> list[bytes]:
    time.sleep(0.3)
    body = str(environ["PATH_INFO"]).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])  # type: ignore[operator]
    return [body]


@pytest.mark.parametrize("requests", [1, 2], ids=["one", "two-pipelined"])
def test_a_client_that_closes_its_side_gets_every_answer_then_the_close(requests: int) -> None:
    """The server reads ahead while a worker answers; a client that sent its last request
    and closed its side (``printf … | nc -N``) still gets every answer, then the close."""
    server = Server(_slow_path_echo)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
            client.sendall(b"".join(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % n
                                    for n in range(requests)))  # fmt: skip
            client.shutdown(socket.SHUT_WR)
            got = b""
            while chunk := client.recv(65536):  # ends when the server closes
                got += chunk
    finally:
        server.stop()
    assert got.count(b"HTTP/1.1 200 OK\r\n") == requests
    assert got.endswith(b"\r\n\r\n/%d" % (requests - 1))


def test_at_stops_deadline_a_request_read_ahead_is_answered_503_not_run_and_cut_off() -> None:
    """stop()'s timeout comes while an app streams its answer (it began: it may finish, in
    the grace) and the client has pipelined a second request behind it. That one is not
    handed to its app (the grace waits only for answers on their way: its answer would be
    cut off while its app logged it answered): it is answered 503, after the first, and
    reported. (The first answer ends as soon as the second is reported: in the grace.)"""
    ran: list[str] = []
    refused: list[tuple[str, int]] = []
    reported, go_on = threading.Event(), threading.Event()

    def on_refused(refusal: Refusal) -> None:
        refused.append((refusal.target, refusal.status))
        reported.set()

    def app(environ: dict[str, object], start_response: object) -> Iterator[bytes]:
        path = str(environ["PATH_INFO"])
        ran.append(path)
        start_response("200 OK", [("Content-Length", "10")])  # type: ignore[operator]
        if path == "/stream":
            yield b"12345"  # the answer has begun...
            go_on.wait(10)  # ...and ends after stop's timeout, in the grace
            yield b"67890"
        else:
            yield b"second----"

    server = Server(app, on_refused=on_refused)
    stopping = threading.Thread(target=server.stop, kwargs={"timeout": 0.05})
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(
            b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        got = client.recv(65536)
        while b"12345" not in got:
            got += client.recv(65536)
        stopping.start()
        reported.wait(5)  # stop's timeout has passed (the old code never reports it)
        go_on.set()
        while chunk := client.recv(65536):  # until the server closes
            got += chunk
    stopping.join(10)
    assert ran == ["/stream"]  # the second request's app never ran
    assert refused == [("/second", 503)]
    first, _, second = got.partition(b"1234567890")
    assert first.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 10" in first
    assert second.startswith(b"HTTP/1.1 503 ") and b"stopped before the app answered" in second


def test_at_stops_deadline_a_503_waits_behind_the_unsent_end_of_the_answer_before_it() -> None:
    """A client pipelines a 4 MB request and a slow one, and reads late: at stop's timeout
    the slow one's app has not begun to answer, and the end of the first answer still
    waits in the server's buffer. The 503 goes out after that end, not into it."""
    size = 4_000_000
    reported, release = threading.Event(), threading.Event()

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        if environ["PATH_INFO"] == "/slow":
            release.wait(10)  # slow: until the test is done
            body = b"slow\n"
        else:
            body = b"x" * size
        start_response("200 OK", [("Content-Length", str(len(body)))])  # type: ignore[operator]
        return [body]

    server = Server(app, on_refused=lambda refusal: reported.set())
    stopping = threading.Thread(target=server.stop, kwargs={"timeout": 0.05})
    try:
        with socket.socket() as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            client.settimeout(10)
            client.connect(("127.0.0.1", server.port))
            client.sendall(
                b"GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            time.sleep(0.3)  # not reading: the first answer's end waits in the server's buffer
            stopping.start()
            assert reported.wait(5)  # stop's timeout: the slow request is answered 503
            got = b""
            while chunk := client.recv(262144):  # until the server closes
                got += chunk
    finally:
        release.set()
        stopping.join(10)
    head, _, rest = got.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and f"Content-Length: {size}".encode() in head
    assert rest[:size] == b"x" * size  # whole, with nothing spliced into it
    assert rest[size:].startswith(b"HTTP/1.1 503 ") and b"stopped before the app" in rest[size:]


def _arrived_before_the_app_ended() -> float:
    """Seconds from a request until 4 MB of its answer arrived, the app writing them at
    once and then waiting (until they are in) to write its last 5 bytes; the client reads
    from 0.2 s on."""
    release = threading.Event()

    def app(environ: dict[str, object], start_response: object) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Length", str(4_000_005))])  # type: ignore[operator]
        yield b"b" * 4_000_000
        release.wait(5)
        yield b"done!"

    server = Server(app)
    try:
        with socket.socket() as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            client.settimeout(10)
            client.connect(("127.0.0.1", server.port))
            time.sleep(0.1)  # the loop, having taken the connection, waits on it
            started = time.monotonic()
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.2)
            got = b""
            while len(got.partition(b"\r\n\r\n")[2]) < 4_000_000:
                chunk = client.recv(262144)
                assert chunk, "the server closed the connection"
                got += chunk
            return time.monotonic() - started
    finally:
        release.set()
        server.stop()


def test_what_the_socket_could_not_take_goes_out_as_soon_as_it_can() -> None:
    """An answer larger than the socket takes at once, from an app still at work on the
    rest: its bytes go out as the client reads them (about 0.25 s here), not at the loop's
    next tick (1 s) because the wake-up came while the worker held the buffer. (The median
    of 3: a loaded machine may slow one.)"""
    took = sorted(_arrived_before_the_app_ended() for _ in range(3))
    assert took[1] < 0.75, f"4 MB arrived after {took} s"


def _big_then_slow(release: threading.Event) -> Callable[..., list[bytes]]:
    """/big: 8 MB at once (more than the kernel's buffers take: the rest waits in the
    server's); /small: 100 bytes; /slow: a line once ``release`` is set."""

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        if environ["PATH_INFO"] == "/slow":
            release.wait(10)
            body = b"slow\n"
        else:
            body = b"x" * (8_000_000 if environ["PATH_INFO"] == "/big" else 100)
        start_response("200 OK", [("Content-Length", str(len(body)))])  # type: ignore[operator]
        return [body]

    return app


@pytest.mark.parametrize("first", ["big", "small"])
def test_a_pipelined_answer_goes_out_while_the_next_request_runs(first: str) -> None:
    """A client that pipelines (sends its next request before reading the answer) gets
    each answer when it is ready: the rest of a first answer that the socket could not
    take at once does not wait for the slow app answering the second request."""
    size = 8_000_000 if first == "big" else 100
    release = threading.Event()
    server = Server(_big_then_slow(release))
    try:
        with socket.socket() as client:
            # a bounded window (256 KB): the server cannot hand the kernel 8 MB at once
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 262144)
            client.settimeout(3)  # the old code: the rest waited for the second app, for ever
            client.connect(("127.0.0.1", server.port))
            client.sendall(
                b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                % first.encode()
            )
            time.sleep(0.2)  # the client reads late: the kernel's buffers fill meanwhile
            got = b""
            # the whole first answer, while the second request's app waits for release
            while b"\r\n\r\n" not in got or len(got.split(b"\r\n\r\n", 1)[1]) < size:
                try:
                    chunk = client.recv(262144)
                except TimeoutError:
                    pytest.fail("the rest of the first answer waited for the second's app")
                assert chunk, "the server closed the connection"
                got += chunk
            release.set()
            rest = got.split(b"\r\n\r\n", 1)[1][size:]
            while not rest.endswith(b"slow\n"):
                chunk = client.recv(65536)
                assert chunk, "the server closed the connection"
                rest += chunk
    finally:
        release.set()
        server.stop()
    assert got.startswith(b"HTTP/1.1 200 OK\r\n") and rest.count(b"HTTP/1.1 200 OK\r\n") == 1


def test_each_next_request_on_a_kept_connection_is_read_at_once() -> None:
    """A worker that has answered does not wake the server's loop when the loop already
    watches the connection for the next request; so that request must still be read at
    once, not at the loop's next tick (up to a second): 30 in a row take well under 6 s."""
    import http.client

    def fast(environ: dict[str, object], start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "2")])  # type: ignore[operator]
        return [b"ok"]

    server = Server(fast, limits=ServerLimits(threads=1))
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        started = time.monotonic()
        for _ in range(30):
            connection.request("GET", "/")
            answer = connection.getresponse()
            assert (answer.status, answer.read()) == (200, b"ok")
        elapsed = time.monotonic() - started
    finally:
        connection.close()
        server.stop()
    assert elapsed < 6.0, f"30 requests on one connection took {elapsed:.1f} s"


# --- workers woken when needed: one at a time while they keep up, more for a slow app ----


def test_slow_requests_still_run_side_by_side_on_every_worker() -> None:
    """A request queued while a worker is busy waits for that one only briefly: when the
    busy ones are stuck in a slow app, idle workers are woken, so 4 requests of 1 s each
    on 4 connections take about 1 s together, not 4 s. (The bound leaves 1.5 s for a loaded
    machine.)"""
    import http.client

    def slow(environ: dict[str, object], start_response: object) -> list[bytes]:
        time.sleep(1.0)
        start_response("200 OK", [("Content-Length", "2")])  # type: ignore[operator]
        return [b"ok"]

    server = Server(slow, limits=ServerLimits(threads=4))
    statuses: list[int] = []

    def one() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            connection.request("GET", "/")
            statuses.append(connection.getresponse().status)
        finally:
            connection.close()

    try:
        clients = [threading.Thread(target=one) for _ in range(4)]
        started = time.monotonic()
        for client in clients:
            client.start()
        for client in clients:
            client.join(10)
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert statuses == [200] * 4
    assert elapsed < 2.5, f"4 slow requests on 4 workers took {elapsed:.2f} s"
