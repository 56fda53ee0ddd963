"""The webhook's fast path (issue 30, "a lean webhook"): what it remembers between requests
(header names, paths, content types; never a value from a request), what it reads once
instead of twice (the form of a V3-signed body), how the server writes an answer (head and
body in one piece) and when its loop waits for a worker; each against the plain reading it
replaced, so that nothing it answers changed.
"""

from __future__ import annotations

import http.client
import io
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode
from wsgiref.headers import Headers

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

import smsxml._http as http_module
import smsxml.webhook._incoming as incoming_module
from smsxml._headers import header_index, header_map
from smsxml._http import environ_headers, parse_form
from smsxml.inbound import inbound_request
from smsxml.protocol import SIGNATURE_HEADERS
from smsxml.signature.policy import verify
from smsxml.webhook import RequestLog, WebhookApp
from smsxml.webhook.request import wsgi_path
from smsxml.webhook.server import Server
from smsxml.xml import Response

TOKEN = "MAfastPATHtoken-0e5d1c2b9a8f7"
FROM, TO = "14155550100", "12025550000"
URL = "http://127.0.0.1:8000/receive_sms/"


# --- the plain readings the fast path replaced (as they were) -------------------------------

_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def plain_parse_form(data: bytes) -> dict[str, str]:
    params: dict[str, str] = {}
    for number, piece in enumerate(data.split(b"&"), start=1):
        if not piece:
            continue
        if _BAD_PERCENT.search(piece):
            raise ValueError(
                f"bad percent-encoding in field {number}: '%' must be followed by two hex digits"
            )
        name, _, value = piece.partition(b"=")
        try:
            key = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
            text = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"field {number} is not UTF-8 text") from None
        params.setdefault(key, text)
    return params


def plain_environ_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key
        else:
            continue
        if value in ("", None) and not key.startswith("HTTP_"):
            continue
        headers["-".join(part.capitalize() for part in name.split("_"))] = str(value)
    return headers


def outcome(func: Callable[[], object]) -> object:
    try:
        return func()
    except ValueError as exc:
        return ("ValueError", str(exc))


# --- form data -----------------------------------------------------------------------------

FORM_BYTES = st.lists(
    st.sampled_from(
        [
            b"a",
            b"B",
            b"=",
            b"&",
            b"+",
            b"%",
            b"%4",
            b"%41",
            b"%e9",
            b"\xc3\xa9",
            b"\xff",
            b"\xe2\x82",
            b"~",
            b" ",
        ]
    ),
    max_size=24,
).map(b"".join)


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(FORM_BYTES, st.binary(max_size=60)))
def test_parse_form_answers_as_the_field_by_field_reading_did(data: bytes) -> None:
    assert outcome(lambda: parse_form(data)) == outcome(lambda: plain_parse_form(data))


@settings(max_examples=examples(200), deadline=None)
@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=8))
def test_parse_form_reads_what_urlencode_writes_with_or_without_percent_signs(
    params: dict[str, str],
) -> None:
    data = urlencode(params).encode()
    assert parse_form(data) == plain_parse_form(data) == params


def test_a_body_that_is_not_utf8_is_refused_naming_its_field_on_either_path() -> None:
    with pytest.raises(ValueError, match="field 2 is not UTF-8"):
        parse_form(b"a=1&b=\xff")  # no "%": the one-pass reading falls back to say which
    with pytest.raises(ValueError, match="field 2 is not UTF-8"):
        parse_form(b"a=%41&b=\xff")


# --- headers -------------------------------------------------------------------------------

ENVIRON_KEYS = st.sampled_from(
    [
        "HTTP_HOST",
        "HTTP_X_PLIVO_SIGNATURE_V2",
        "HTTP_x_plivo_signature_v2",
        "HTTP_",
        "HTTP_A__B",
        "HTTP_ACCEPT",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "REQUEST_METHOD",
        "PATH_INFO",
        "wsgi.input",
        "HTTP",
    ]
)
ENVIRON_VALUES = st.one_of(st.none(), st.just(""), st.text(max_size=8), st.integers())


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(st.one_of(ENVIRON_KEYS, st.text(max_size=12)), ENVIRON_VALUES))
def test_environ_headers_answer_as_the_plain_reading_did(environ: dict[str, Any]) -> None:
    assert environ_headers(environ) == plain_environ_headers(environ)


def test_header_names_are_remembered_values_never() -> None:
    for value in ("one", "two", "three"):  # the same keys, request after request
        environ = {"HTTP_X_PLIVO_SIGNATURE_V2": value, "CONTENT_LENGTH": value}
        assert environ_headers(environ) == {
            "X-Plivo-Signature-V2": value,
            "Content-Length": value,
        }
    assert environ_headers({"CONTENT_LENGTH": ""}) == {}


def test_the_memory_of_header_names_is_bounded() -> None:
    for i in range(3000):  # a client inventing a header name per request
        environ_headers({f"HTTP_X_INVENTED_{i}": "1"})
    info = http_module._header_name.cache_info()
    assert info.maxsize is not None and info.currsize <= info.maxsize


@pytest.mark.parametrize("name", SIGNATURE_HEADERS)
@pytest.mark.parametrize("spelling", [str.lower, str.upper, str])
def test_signature_headers_keep_plivos_spelling_however_they_were_sent(
    name: str, spelling: Callable[[str], str]
) -> None:
    """WebhookApp looks the signature headers up in environ_headers' dict by Plivo's
    spelling: every spelling a client may send must arrive under that name."""
    sent = spelling(name)
    environ = {"HTTP_" + sent.upper().replace("-", "_"): "v"}
    assert environ_headers(environ) == {name: "v"}


PAIRS = st.lists(
    st.tuples(
        st.sampled_from(["X-Plivo-Signature-V2", "x-plivo-signature-v2", "HOST", "Host", "a"]),
        st.text(max_size=4),
    ),
    max_size=8,
)


@settings(max_examples=examples(200), deadline=None)
@given(PAIRS)
def test_header_index_finds_what_header_map_finds(pairs: list[tuple[str, str]]) -> None:
    index, headers = header_index(pairs), header_map(pairs)
    for name in ("X-Plivo-Signature-V2", "host", "A", "absent"):
        assert index.get(name.lower()) == headers.get(name)


def test_header_index_refuses_what_header_map_refuses() -> None:
    for bad in (3, [("a",)], [("a", "b", "c")]):
        kinds = []
        for build in (header_index, header_map):
            with pytest.raises((TypeError, ValueError)) as raised:
                build(bad)  # type: ignore[arg-type]
            kinds.append(type(raised.value))
        assert kinds[0] is kinds[1]
    assert isinstance(header_map([]), Headers)


def test_verify_takes_the_first_of_two_spellings_of_a_header() -> None:
    req = inbound_request(URL, TOKEN, from_=FROM, to=TO, text="hi")
    v2 = {k: v for k, v in req.headers.items() if "V3" not in k and "Ma" not in k}
    good = v2["X-Plivo-Signature-V2"]
    first_bad = [("x-plivo-signature-v2", "bad" + good[3:]), *v2.items()]
    first_good = [*v2.items(), ("x-plivo-signature-v2", "bad" + good[3:])]
    assert verify("POST", URL, first_bad, req.body, auth_token=TOKEN).verdict == "invalid"
    assert verify("POST", URL, first_good, req.body, auth_token=TOKEN).verdict == "valid V2"


# --- the app: remembered paths and content types, a body read and parsed once --------------


def call(app: WebhookApp, path: str, body: bytes, headers: dict[str, str]) -> tuple[str, bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000",
    }
    for name, value in headers.items():
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    answered: list[str] = []
    chunks = app(environ, lambda status, _headers: answered.append(status))
    return answered[0], b"".join(chunks)


def echo(message: Any) -> Response:
    return Response().add_message(f"re: {message.text}", src=message.to, dst=message.from_)


def test_paths_and_content_types_are_judged_afresh_however_often_they_come() -> None:
    app = WebhookApp(echo, TOKEN)
    for round_ in range(3):
        for path, content_type, expected in (
            ("/receive_sms/", "application/x-www-form-urlencoded", "200"),
            ("/elsewhere/", "application/x-www-form-urlencoded", "404"),
            ("/receive_sms/", "text/plain", "415"),
            ("/receive_sms/", "application/x-www-form-urlencoded; charset=latin-1", "415"),
            ("/r%C3%A9/", "application/x-www-form-urlencoded", "404"),
            ("/receive_sms/", "Application/X-WWW-Form-Urlencoded; charset=UTF-8", "200"),
        ):
            req = inbound_request(URL, TOKEN, from_=FROM, to=TO, text=f"{round_} {path}")
            headers = {**req.headers, "Content-Type": content_type}
            status, _ = call(app, path, req.body, headers)
            assert status.startswith(expected), (path, content_type, status)
    pep3333 = "/ré/".encode().decode("latin-1")  # how a server hands the path over
    assert [wsgi_path(p) for p in (pep3333, pep3333, "/a b/")] == ["/r%C3%A9/"] * 2 + ["/a%20b/"]


@pytest.mark.parametrize("versions", [("V2", "V3"), ("V2",), ("V3",)])
def test_a_signed_body_is_parsed_once_and_its_content_type_still_checked(
    versions: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[bytes] = []
    real = incoming_module.parse_form

    def counting(data: bytes) -> dict[str, str]:
        parsed.append(data)
        return real(data)

    monkeypatch.setattr(incoming_module, "parse_form", counting)
    app = WebhookApp(echo, TOKEN, signature_versions=versions)
    req = inbound_request(URL, TOKEN, from_=FROM, to=TO, text="once")
    status, body = call(app, "/receive_sms/", req.body, dict(req.headers))
    assert status.startswith("200") and b"re: once" in body
    assert parsed.count(req.body) == 1  # the query string (empty) is the other reading
    assert app.log.last is not None and app.log.last.params["Text"] == "once"
    other = inbound_request(URL, TOKEN, from_=FROM, to=TO, text="typed")
    status, _ = call(app, "/receive_sms/", other.body, {**other.headers, "Content-Type": "text/x"})
    assert status.startswith("415")


def test_the_log_wakes_its_waiters_and_only_them() -> None:
    log = RequestLog(10)
    woke = threading.Event()

    def waiter() -> None:
        if log.wait_for(2, timeout=5):
            woke.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    app = WebhookApp(echo, TOKEN)
    for text in ("a", "b"):
        req = inbound_request(URL, TOKEN, from_=FROM, to=TO, text=text)
        call(app, "/receive_sms/", req.body, dict(req.headers))
        assert app.log.last is not None
        log.append(app.log.last)
    thread.join(5)
    assert woke.is_set() and log.total == 2
    assert not log.wait_for(3, timeout=0.05)  # no one appends: times out, as before


# --- the server: one write per answer, and the loop waits for a worker -----------------------


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[..., Any]], int]]:
    servers: list[Server] = []

    def start(app: Callable[..., Any]) -> int:
        server = Server(app)
        servers.append(server)
        return server.port

    yield start
    for server in servers:
        server.stop()


def app_answering(status: str, headers: list[tuple[str, str]], chunks: Iterable[bytes]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read()
        start_response(status, headers)
        return chunks() if callable(chunks) else list(chunks)

    return app


def raw_exchange(port: int, request: bytes, *, wait: float = 0.0) -> bytes:
    """Send ``request``, wait ``wait`` s before reading, read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(request)
        time.sleep(wait)
        chunks = []
        while chunk := s.recv(1 << 20):
            chunks.append(chunk)
    return b"".join(chunks)


GET = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


@pytest.mark.parametrize(
    ("status", "headers", "chunks", "expected_body", "expected_length"),
    [
        ("200 OK", [("Content-Length", "5")], [b"hello"], b"hello", b"5"),
        ("200 OK", [], [b"hello"], b"hello", b"5"),  # waitress counts a single chunk
        ("200 OK", [("Content-Length", "3")], [b"hello"], b"hel", b"3"),  # cut to its length
        ("304 Not Modified", [("Content-Length", "5")], [b"hello"], b"", None),
        ("200 OK", [("Content-Length", "10")], [b"hello", b"world"], b"helloworld", b"10"),
    ],
)
def test_answers_are_what_waitress_writes(
    serve: Callable[[Callable[..., Any]], int],
    status: str,
    headers: list[tuple[str, str]],
    chunks: list[bytes],
    expected_body: bytes,
    expected_length: bytes | None,
) -> None:
    port = serve(app_answering(status, headers, chunks))
    head, _, body = raw_exchange(port, GET).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == f"HTTP/1.1 {status}".encode()
    fields = dict(line.split(b": ", 1) for line in lines[1:])
    assert fields.get(b"Content-Length") == expected_length
    assert fields[b"Server"] == b"waitress" and b"Date" in fields
    assert body == expected_body


def test_a_streamed_answer_without_length_is_chunked(
    serve: Callable[[Callable[..., Any]], int],
) -> None:
    def parts() -> Iterator[bytes]:
        yield b"one"
        yield b"two"

    port = serve(app_answering("200 OK", [], parts))
    answer = raw_exchange(port, GET)
    assert b"Transfer-Encoding: chunked" in answer and answer.endswith(b"0\r\n\r\n")


def test_keep_alive_connections_carry_answer_after_answer(
    serve: Callable[[Callable[..., Any]], int],
) -> None:
    port = serve(app_answering("200 OK", [("Content-Type", "text/plain")], [b"same"]))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for _ in range(20):
            conn.request("GET", "/")
            response = conn.getresponse()
            assert response.status == 200 and response.read() == b"same"
    finally:
        conn.close()


def test_an_answer_bigger_than_the_socket_takes_arrives_whole_to_a_late_reader(
    serve: Callable[[Callable[..., Any]], int],
) -> None:
    big = bytes(range(256)) * (32 * 1024)  # 8 MB: the worker cannot send it all at once
    port = serve(app_answering("200 OK", [("Content-Length", str(len(big)))], [big]))
    _, _, body = raw_exchange(port, GET, wait=0.5).partition(b"\r\n\r\n")
    assert body == big


def test_a_stream_past_the_high_watermark_does_not_stall_the_worker(
    serve: Callable[[Callable[..., Any]], int],
) -> None:
    """Past waitress's high watermark (16 MB unsent) a worker waits for the server's loop to
    send; the loop must still be woken for such a channel while its request runs."""
    chunk = b"z" * (1 << 20)

    def parts() -> Iterator[bytes]:
        for _ in range(40):
            yield chunk

    port = serve(app_answering("200 OK", [("Content-Length", str(40 * len(chunk)))], parts))
    started = time.monotonic()
    _, _, body = raw_exchange(port, GET, wait=0.5).partition(b"\r\n\r\n")
    assert len(body) == 40 * len(chunk) and set(body) == {ord("z")}
    assert time.monotonic() - started < 15


def test_a_webhook_reply_larger_than_the_socket_takes_arrives_whole() -> None:
    text = "x" * 1500

    def many(message: Any) -> Response:
        reply = Response()
        for _ in range(2000):  # about 3.3 MB of XML
            reply.add_message(text, src=message.to, dst=message.from_)
        return reply

    from smsxml.webhook import LocalWebhook

    with LocalWebhook(many, TOKEN) as hook:
        req = inbound_request(hook.url, TOKEN, from_=FROM, to=TO, text="many")
        head = "".join(f"{k}: {v}\r\n" for k, v in req.headers.items())
        request = (
            f"POST /receive_sms/ HTTP/1.1\r\nHost: 127.0.0.1:{hook.port}\r\n{head}"
            f"Content-Length: {len(req.body)}\r\nConnection: close\r\n\r\n"
        ).encode() + req.body
        answer = raw_exchange(hook.port, request, wait=0.3)
        assert answer.startswith(b"HTTP/1.1 200")
        _, _, body = answer.partition(b"\r\n\r\n")
        assert body.count(b"<Message") == 2000 and body.rstrip().endswith(b"</Response>")
        assert hook.log.total == 1 and hook.log.last is not None
        assert hook.log.last.reply is not None
        assert len(hook.log.last.reply.encode()) == len(body)


# --- the server reads header lines in one pass: what waitress reads, refused as it refuses -----

REQUEST_LINES = st.sampled_from(
    [
        b"GET /p?q=1 HTTP/1.1",
        b"GET /p HTTP/1.0",
        b"POST /receive_sms/ HTTP/1.1",
        b"GET /a\rb HTTP/1.1",
        b"BAD",
    ]
)
HEADER_LINES = st.tuples(
    st.sampled_from(
        [
            b"Host",
            b"X-A",
            b"x-a",
            b"X_A",
            b"Content-Type",
            b"Connection",
            b"Bad Name",
            b"",
            b"A\x80",
        ]
        + [b"Transfer-Encoding", b"Content-Length", b"User-Agent"]
    ),
    st.sampled_from([b":", b": ", b":\t", b" :", b"", b":  "]),
    st.sampled_from(
        [b"v", b" v ", b"a\tb", b"", b"\x80\xff", b"gzip", b"identity", b"0", b"x1", b"close"]
        + [b"keep-alive", b"a\rb", b"a\nb", b"a \x7f b"]
    ),
    st.sampled_from([b"\r\n"] * 6 + [b"\n", b"\r\n ", b"\r\n\t", b"\r"]),
)


def waitress_reading(raw: bytes) -> tuple[int, bytes]:
    """What the server answers ``raw`` with, as waitress's own parser reads it: its refusal
    (status and smsxml's plain words), or 200 and the headers the echo app below sees."""
    from waitress.adjustments import Adjustments
    from waitress.parser import HTTPRequestParser

    parser = HTTPRequestParser(
        Adjustments(max_request_header_size=16384, max_request_body_size=65537)
    )
    data = raw
    while data and not parser.completed:
        data = data[parser.received(data) :]
    error = parser.error
    if error is not None:
        reason = str(error.body).strip() or error.reason
        return error.code, f"{error.code} {reason}\n".encode()
    renamed = {"CONTENT_LENGTH": "CONTENT_LENGTH", "CONTENT_TYPE": "CONTENT_TYPE"}
    seen = [(renamed.get(k, "HTTP_" + k), v) for k, v in parser.headers.items()]
    return 200, repr(seen).encode()


def header_echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    seen = [
        (k, v)
        for k, v in environ.items()
        if k.startswith("HTTP_") or k in ("CONTENT_LENGTH", "CONTENT_TYPE")
    ]
    body = repr(seen).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def echo_port() -> Iterator[int]:
    server = Server(header_echo)
    yield server.port
    server.stop()


def answer_of(port: int, raw: bytes) -> tuple[int, bytes]:
    """The first answer to ``raw`` (what follows the first request is not waited for)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    return int(head.split(b" ", 2)[1]), rest[:length]


@pytest.mark.parametrize(
    "fields",
    [
        b"Host: x\r\nX-A:  padded \t\r\nx-a: again\r\nX_A: dropped\r\nEmpty:\r\n",
        b"Host: x\r\nObs: \x80\xff\r\nTabbed: a\tb\r\nUser-Agent: a b  c\r\n",
        b"Host: x\r\nFolded: a\r\n b\r\n",  # obs-fold: waitress joins the lines
        b"Host: x\r\n\tFolded: a\r\n",
        b"Host: x\r\nBare: a\rb\r\n",
        b"Host: x\r\nBare: a\nb\r\n",
        b"Host: x\r\nBare: a\n\r\n",  # a regex's "$" matches before that LF: refused all the same
        b"Host: x\r\nBare: a\r\r\n",
        b"Host: x\r\nBad Name: a\r\n",
        b"Host: x\r\nSpaced : a\r\n",
        b"Host: x\r\nNo colon\r\n",
        b"Host: x\r\nTransfer-Encoding: gzip\r\n",
        b"Host: x\r\nContent-Length: x1\r\n",
        b"Host: x\r\nContent-Length: 0\r\nConnection: close\r\n",
    ],
)
@pytest.mark.parametrize("line", [b"GET /p?q=1 HTTP/1.1", b"GET /a\rb HTTP/1.1", b"BAD"])
def test_these_header_lines_are_read_as_waitress_reads_them(
    echo_port: int, line: bytes, fields: bytes
) -> None:
    raw = line + b"\r\n" + fields + b"\r\n"
    assert answer_of(echo_port, raw) == waitress_reading(raw)


def test_a_refused_request_line_is_logged_with_the_headers_waitress_had_read() -> None:
    from smsxml.webhook import LocalWebhook

    with LocalWebhook(echo, TOKEN) as hook:
        for line, fields in (
            (b"GET /a\rb HTTP/1.1", b"Host: x\r\nX-Seen: 1\r\n"),  # before its headers
            (b"GET / HTTP/1.1", b"Host: x\r\nX-Seen: 1\r\nContent-Length: x1\r\n"),  # after
        ):
            raw = line + b"\r\n" + fields + b"\r\n"
            status, _ = answer_of(hook.port, raw)
            assert status == 400 and hook.log.wait_for(1)
            from waitress.adjustments import Adjustments
            from waitress.parser import HTTPRequestParser

            reference = HTTPRequestParser(Adjustments())
            reference.received(raw)
            expected = {k.replace("_", "-").title(): v for k, v in reference.headers.items()}
            assert hook.log.last is not None and hook.log.last.headers == expected
            hook.log.clear()
    assert expected  # the second request's headers were read before its refusal


@settings(max_examples=examples(100), deadline=None)
@given(REQUEST_LINES, st.lists(HEADER_LINES, max_size=6))
def test_header_lines_are_read_and_refused_as_waitress_reads_and_refuses_them(
    echo_port: int, line: bytes, fields: list[tuple[bytes, bytes, bytes, bytes]]
) -> None:
    raw = line + b"\r\n" + b"".join(n + sep + v + eol for n, sep, v, eol in fields) + b"\r\n"
    if b"\r\n\r\n" not in raw:  # an odd last line: end the head all the same
        raw += b"\r\n\r\n"
    assert answer_of(echo_port, raw) == waitress_reading(raw)


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("raw sockets on 127.0.0.1 only")
