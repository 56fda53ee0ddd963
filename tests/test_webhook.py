"""WebhookApp / LocalWebhook: real HTTP on 127.0.0.1, plus the in-process WSGI path."""

from __future__ import annotations

import base64
import gc
import hashlib
import hmac
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit
from wsgiref.validate import validator

import plivo.utils
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

import smsxml.webhook
from smsxml.exc import WebhookError
from smsxml.inbound import InboundMessage, inbound_request, signed_request
from smsxml.webhook import (
    LocalWebhook,
    RequestLog,
    SignatureCheck,
    WebhookApp,
    check_signature,
    demo_app,
    parse_form,
    request_url,
)
from smsxml.xml import Response, parse

FORM = "application/x-www-form-urlencoded"
FROM, TO = "14155550100", "14155550199"


# --- helpers -------------------------------------------------------------------------------


def inbound(url: str, token: str, text: str = "hello", **kwargs):
    return inbound_request(url, token, from_=FROM, to=TO, text=text, **kwargs)


def sdk_valid(req, token: str, header: str = "X-Plivo-Signature-V2") -> bool:
    """The official plivo SDK's opinion of a request's signature."""
    return plivo.utils.validate_signature(
        req.url, req.headers["X-Plivo-Signature-V2-Nonce"], req.headers[header], token
    )


def post(url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(url, data=body, headers=headers, timeout=5)


def signed_headers(url: str, token: str, **kwargs) -> dict[str, str]:
    """V2 headers for a POST to ``url`` (V2 signs no body, so any body goes with them)."""
    headers = signed_request("POST", url, {}, token, **kwargs).headers
    return {name: value for name, value in headers.items() if "V3" not in name}


def raw_http(port: int, data: bytes, *, close_write: bool = True, timeout: float = 5.0):
    """Send bytes as they are over a socket; (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if close_write:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def call_wsgi(
    app,
    environ_extra=None,
    *,
    method="POST",
    url="http://example.com/receive_sms/",
    headers=None,
    body=b"",
    validate=True,
):
    """Call a WSGI app in-process (wrapped in wsgiref's PEP 3333 validator)."""
    parts = urlsplit(url)
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname,
        "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": parts.netloc,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    environ.update(environ_extra or {})
    got = {}

    def start_response(status, response_headers, exc_info=None):
        got["status"], got["headers"] = status, dict(response_headers)
        return lambda data: None

    result = (validator(app) if validate else app)(environ, start_response)
    try:
        data = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return int(got["status"].split()[0]), got["headers"], data


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


# --- happy paths ---------------------------------------------------------------------------


def test_post_signed_request_gets_xml_reply(hook, auth_token):
    req = inbound(hook.url, auth_token, text="hello there")
    assert sdk_valid(req, auth_token)  # signed as the official SDK expects
    reply = req.send()
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/xml; charset=utf-8"
    answer = parse(reply.body)
    assert [(m.src, m.dst, m.text) for m in answer.messages] == [(TO, FROM, "echo: hello there")]
    entry = hook.log.last
    assert entry.verdict == "valid V3" and entry.status == 200 and entry.problems == ()
    assert entry.message == InboundMessage(
        from_=FROM,
        to=TO,
        text="hello there",
        type="sms",
        message_uuid=req.params["MessageUUID"],
        params=entry.message.params,
    )
    assert "From" not in entry.message.params and entry.message.params["Units"] == "1"
    assert entry.params["Text"] == "hello there"
    assert entry.reply == reply.text
    assert re.fullmatch(r"POST /receive_sms/ 200 valid V3 \d+\.\d ms", str(entry))
    assert 0 < entry.latency < 1


def test_get_signed_request_is_checked_without_query(hook, auth_token):
    req = inbound(hook.url, auth_token, text="via GET & more", method="GET")
    assert "?" in req.url and sdk_valid(req, auth_token)
    reply = req.send()
    assert reply.status == 200
    assert parse(reply.body).messages[0].text == "echo: via GET & more"
    entry = hook.log.last
    assert entry.method == "GET" and entry.verdict == "valid V3"
    assert entry.url == req.url and entry.message.text == "via GET & more"


def test_handler_may_return_str_or_bytes_and_problems_are_logged(hook, auth_token):
    reply = inbound(hook.url, auth_token, text="bad xml").send()
    assert reply.status == 200  # still sent: validation is advice
    assert reply.text == "<Response><Message dst='x'>no src</Message></Response>"
    codes = {p.code for p in hook.log.last.problems}
    assert "missing-attribute" in codes
    assert str(hook.log.last).endswith(" — 2 XML errors")  # no src, dst "x"
    reply = inbound(hook.url, auth_token, text="bytes").send()
    assert (reply.status, reply.body) == (200, b"<Response/>")
    assert [p.severity for p in hook.log.last.problems] == ["warning"]


def test_in_process_path_is_pep3333_compliant(auth_token, handler):
    app = WebhookApp(handler, auth_token)
    req = inbound("http://example.com/receive_sms/", auth_token, text="in process")
    status, headers, body = call_wsgi(app, headers=req.headers, body=req.body)
    assert status == 200 and parse(body).messages[0].text == "echo: in process"
    assert headers["Content-Length"] == str(len(body))
    # and through smsxml.transport's in-process delivery
    assert req.send(target=app).status == 200
    assert app.log.last.verdict == "valid V3" and len(app.log) == 2
    status, headers, body = call_wsgi(app, method="PUT", headers=req.headers)
    assert status == 405 and headers["Allow"] == "GET, POST"


def test_require_signature_false_accepts_unsigned(handler):
    app = WebhookApp(handler, "t0k", require_signature=False)
    status, _, body = call_wsgi(app, headers={"Content-Type": FORM}, body=b"From=1&To=2&Text=hi")
    assert status == 200 and b"echo: hi" in body
    assert app.log.last.verdict == "not checked"


def test_inbound_message_repr_and_params():
    msg = InboundMessage.from_params(
        {"From": "1", "To": "2", "Text": "x" * 100, "Units": "1", "MessageIntent": ""}
    )
    assert msg.type == "sms" and msg.message_uuid == ""
    assert msg.params == {"Units": "1", "MessageIntent": ""}
    assert msg.all_params["From"] == "1"
    text = repr(msg)
    assert text.startswith("InboundMessage(from_='1', to='2', text='xxx") and "+2 params" in text
    assert len(text) < 150
    with pytest.raises(KeyError):
        InboundMessage.from_params({"From": "1", "To": "2"})


# --- refusals -----------------------------------------------------------------------------


def test_missing_signature_is_403_with_diagnosis(hook):
    body = b"From=1&To=2&Text=hi"
    reply = post(hook.url, body, {"Content-Type": FORM})
    assert reply.status_code == 403
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "missing" in reply.text
    entry = hook.log.last
    assert (entry.status, entry.verdict) == (403, "missing")
    assert entry.diagnosis.causes == ("missing-signature",)
    assert entry.message is None  # the handler never saw it


def test_forged_signature_is_403_and_sdk_agrees(hook, auth_token):
    req = inbound(hook.url, "not-the-token")
    assert not sdk_valid(req, auth_token)
    reply = req.send()
    assert reply.status == 403 and reply.text == "403 invalid X-Plivo-Signature-V3 signature\n"
    assert hook.log.last.verdict == "invalid"
    assert hook.log.last.diagnosis.causes == ("unknown",)
    tampered = inbound(hook.url, auth_token)
    reversed_signature = tampered.signature[::-1]
    tampered.headers["X-Plivo-Signature-V2"] = reversed_signature
    assert tampered.send().status == 200  # Ma-V2 is still valid: any valid one is enough
    tampered.headers["X-Plivo-Signature-Ma-V2"] = reversed_signature
    assert tampered.send().status == 200  # and so are V3 and Ma-V3
    tampered.headers["X-Plivo-Signature-V3"] = reversed_signature
    tampered.headers["X-Plivo-Signature-Ma-V3"] = reversed_signature
    assert tampered.send().status == 403
    no_nonce = inbound(hook.url, auth_token)
    del no_nonce.headers["X-Plivo-Signature-V2-Nonce"]
    assert no_nonce.send().status == 200  # V3 still proves it
    del no_nonce.headers["X-Plivo-Signature-V3-Nonce"]
    assert no_nonce.send().status == 403
    assert hook.log.last.verdict == "missing"


def test_signature_for_another_url_is_diagnosed(hook, auth_token):
    https_url = hook.url.replace("http://", "https://")
    req = inbound(https_url, auth_token)
    reply = post(hook.url, req.body, req.headers)
    assert reply.status_code == 403
    assert "scheme" in hook.log.last.diagnosis.causes


def test_main_account_signature(auth_token, main_token, handler):
    url = "http://example.com/receive_sms/"
    app = WebhookApp(handler, auth_token, main_auth_token=main_token, signature_versions="V2")
    # V2 made with another subaccount's token, Ma-V2 with the main token: Ma-V2 accepted
    req = inbound(url, "someone-elses-subaccount-token", main_auth_token=main_token)
    assert sdk_valid(req, main_token, "X-Plivo-Signature-Ma-V2")
    assert call_wsgi(app, headers=req.headers, body=req.body)[0] == 200
    assert app.log.last.verdict == "valid Ma-V2"
    # only the Ma-V2 header, checked with auth_token when no main token is given
    only_ma = inbound(url, "x", main_auth_token=main_token)
    del only_ma.headers["X-Plivo-Signature-V2"]
    app2 = WebhookApp(handler, main_token, signature_versions="V2")
    assert call_wsgi(app2, headers=only_ma.headers, body=only_ma.body)[0] == 200
    assert app2.log.last.verdict == "valid Ma-V2"
    # a forged Ma-V2 is refused, and the diagnosis was given the main token too
    forged = inbound(url, auth_token, main_auth_token="wrong-main")
    forged.headers["X-Plivo-Signature-V2"] = "AAAA"
    assert call_wsgi(app, headers=forged.headers, body=forged.body)[0] == 403
    # V2 signed with the main token: diagnosed as the subaccount/main mix-up
    mixed = inbound(url, main_token)
    del mixed.headers["X-Plivo-Signature-Ma-V2"]
    assert call_wsgi(app, headers=mixed.headers, body=mixed.body)[0] == 403
    assert app.log.last.diagnosis.causes == ("main-token",)


def test_main_account_signature_over_http(main_token, handler):
    with LocalWebhook(handler, "sub-token", main_auth_token=main_token) as server:
        req = inbound(server.url, "other-sub", main_auth_token=main_token)
        assert req.send().status == 200
        assert server.log.last.verdict == "valid Ma-V3"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"From=%zz&To=2&Text=hi", "bad percent-encoding"),
        (b"From=1&To=2&Text=%4", "bad percent-encoding"),
        (b"From=1&To=2&Text=%ff%fe", "not UTF-8"),
        (b"From=1&To=2&Text=caf\xe9", "not UTF-8"),
        (b"To=2&Text=hi", "missing From"),
        (b"From=1&Text=hi", "missing To"),
        (b"From=1&To=2", "missing Text"),
        (b"", "missing From"),
        (b"From=&To=2&Text=hi", "empty From"),
        (b"From=1&To=&Text=hi", "empty To"),
    ],
)
def test_malformed_bodies_are_400(hook, auth_token, body, why):
    reply = post(hook.url, body, signed_headers(hook.url, auth_token))
    assert reply.status_code == 400, reply.text
    assert why in reply.text
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert hook.log.last.status == 400 and hook.log.last.verdict == "valid V2"


def test_malformed_query_is_400(hook, auth_token):
    url = hook.url + "?From=1&To=2&Text=%C3%28"
    req = signed_request("GET", url, {}, auth_token)
    reply = requests.get(req.url, headers=req.headers, timeout=5)
    assert reply.status_code == 400 and "query string" in reply.text


def test_unknown_paths_are_404(hook, auth_token):
    base = hook.url.rsplit("/receive_sms/", 1)[0]
    reply = inbound(base + "/elsewhere/", auth_token).send()
    assert reply.status == 404 and "no webhook at /elsewhere/" in reply.text
    reply = inbound(base + "/receive_sms", auth_token).send()
    assert reply.status == 404 and "trailing slash" in reply.text
    assert hook.log.last.path == "/receive_sms"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
def test_other_methods_are_405(hook, auth_token, method):
    reply = requests.request(
        method, hook.url, headers=signed_headers(hook.url, auth_token), timeout=5
    )
    assert reply.status_code == 405
    assert reply.headers["Allow"] == "GET, POST"
    assert hook.log.last.method == method and hook.log.last.status == 405


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        None,
        f"{FORM}; charset=iso-8859-1",
    ],
)
def test_wrong_content_types_are_415(hook, auth_token, content_type):
    headers = signed_headers(hook.url, auth_token)
    del headers["Content-Type"]
    if content_type:
        headers["Content-Type"] = content_type
    reply = post(hook.url, b"From=1&To=2&Text=hi", headers)
    assert reply.status_code == 415
    assert "application/x-www-form-urlencoded" in reply.text or "UTF-8" in reply.text


def test_form_content_type_with_utf8_charset_is_fine(hook, auth_token):
    headers = signed_headers(hook.url, auth_token)
    headers["Content-Type"] = f"{FORM}; charset=UTF-8"
    assert post(hook.url, b"From=1&To=2&Text=hi", headers).status_code == 200


def test_oversized_body_is_413_over_http(hook, auth_token):
    body = b"From=1&To=2&Text=" + b"x" * 65536
    reply = post(hook.url, body, signed_headers(hook.url, auth_token))
    assert reply.status_code == 413 and "65536" in reply.text
    assert hook.log.last.status == 413


def raw_bytes(port: int, data: bytes, *, timeout: float = 5.0) -> bytes:
    """Send bytes and half-close; everything the server sent back before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_lying_content_length_over_http(auth_token, handler):
    calls = []

    def counting(message):
        calls.append(message)
        return handler(message)

    with LocalWebhook(counting, auth_token, max_body=1000, request_timeout=0.3) as server:
        head = "".join(f"{k}: {v}\r\n" for k, v in signed_headers(server.url, auth_token).items())
        request = f"POST /receive_sms/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{head}"
        body = b"From=1&To=2&Text=hi"
        # says 11 bytes, sends 5000: only 11 are the body (the rest is a garbage request)
        status, _, reply = raw_http(
            server.port, f"{request}Content-Length: 11\r\n\r\n".encode() + body + b"y" * 5000
        )
        assert status == 400 and b"missing Text" in reply
        assert server.log.last.params == {"From": "1", "To": "2"}
        logged = len(server.log)
        # says 500, sends fewer and hangs up: not a whole request, so no answer at all
        assert (
            raw_bytes(server.port, f"{request}Content-Length: 500\r\n\r\n".encode() + body) == b""
        )
        # a header block that never ends, then FIN: not answered as if it were complete
        assert raw_bytes(server.port, request.encode()) == b""
        assert len(server.log) == logged and calls == []
        # says 500, sends fewer and goes silent: answered 408 at the request timeout, logged
        status, _, reply = raw_http(
            server.port, f"{request}Content-Length: 500\r\n\r\n".encode() + body, close_write=False
        )
        assert status == 408 and b"within 0.3 s" in reply
        assert wait_until(lambda: server.log.last.status == 408)
        # says too much: refused before reading, in plain words, and logged
        status, _, reply = raw_http(
            server.port, f"{request}Content-Length: 1001\r\n\r\n".encode() + b"z" * 1001
        )
        assert status == 413 and b"1000 byte limit" in reply
        assert wait_until(lambda: server.log.last.status == 413)
        assert calls == []
        assert inbound(server.url, auth_token).send().status == 200  # still serving


class _Endless(io.RawIOBase):
    """A request body that never ends; counts what was read."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.read_bytes += len(buffer)
        buffer[:] = b"x" * len(buffer)
        return len(buffer)


def test_body_read_is_bounded_without_or_with_lying_content_length(auth_token, handler):
    # one set of headers for several bodies: replay memory off, to reach the body checks
    app = WebhookApp(handler, auth_token, max_body=1000, reject_replayed_nonces=False)
    url = "http://example.com/receive_sms/"
    headers = signed_headers(url, auth_token)
    endless = _Endless()
    status, _, body = call_wsgi(  # chunked body, the server marks its end (like gunicorn)
        app,
        {"wsgi.input": endless, "wsgi.input_terminated": True},
        headers=headers,
        validate=False,
    )
    assert status == 413 and endless.read_bytes == 1001
    endless = _Endless()
    status, _, _ = call_wsgi(
        app, {"wsgi.input": endless, "CONTENT_LENGTH": "50"}, headers=headers, validate=False
    )
    assert status == 400 and endless.read_bytes == 50
    status, _, body = call_wsgi(
        app, {"CONTENT_LENGTH": "ten"}, headers=headers, body=b"x", validate=False
    )
    assert status == 400 and b"not a number" in body
    # no Content-Length and no end marker: no body (PEP 3333), so From is missing
    status, _, body = call_wsgi(app, {"wsgi.input": _Endless()}, headers=headers, validate=False)
    assert status == 400 and b"missing From" in body


def test_signature_is_checked_before_the_body_is_read(auth_token):
    called = []
    app = WebhookApp(called.append, auth_token, max_body=10)
    endless = _Endless()
    status, _, _ = call_wsgi(
        app,
        {"wsgi.input": endless, "CONTENT_LENGTH": "99"},
        headers={"Content-Type": "application/json"},
        validate=False,
    )
    assert status == 403 and endless.read_bytes == 0 and called == []
    # a refused body within max_body is read afterwards, for the log
    app = WebhookApp(called.append, auth_token, max_body=100)
    status, _, _ = call_wsgi(app, headers={"Content-Type": FORM}, body=b"From=1&To=2&Text=x")
    assert status == 403 and called == []
    assert app.log.last.params == {"From": "1", "To": "2", "Text": "x"}


# --- the handler misbehaving ----------------------------------------------------------------


def test_handler_that_raises_gives_500_without_traceback(hook, auth_token):
    reply = inbound(hook.url, auth_token, text="raise").send()
    assert reply.status == 500
    assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    assert "ValueError" in reply.text
    assert "Traceback" not in reply.text and "holding" not in reply.text
    entry = hook.log.last
    assert "Traceback" in entry.traceback and "reply_handler" in entry.traceback
    assert auth_token not in entry.traceback and "••••••••" in entry.traceback
    assert "ValueError" in entry.error


@pytest.mark.parametrize(
    ("text", "words"), [("garbage", "returned a int"), ("none", "returned None")]
)
def test_handler_returning_garbage_gives_500_in_plain_words(hook, auth_token, text, words):
    reply = inbound(hook.url, auth_token, text=text).send()
    assert reply.status == 500 and words in reply.text
    assert "Response, an XML string or bytes" in reply.text
    assert hook.log.last.error == reply.text.split(" ", 1)[1].strip()


def test_handler_returning_non_utf8_bytes_is_500(auth_token):
    app = WebhookApp(lambda m: b"\xff<Response/>", auth_token)
    req = inbound("http://example.com/receive_sms/", auth_token)
    status, _, body = call_wsgi(app, headers=req.headers, body=req.body)
    assert status == 500 and b"not UTF-8" in body


def test_slow_handler_does_not_block_others(hook, auth_token):
    slow = {}

    def send_slow():
        slow["reply"] = inbound(hook.url, auth_token, text="sleep").send()

    sleeper = threading.Thread(target=send_slow)
    sleeper.start()
    time.sleep(0.05)
    started = time.perf_counter()
    for _ in range(5):
        assert inbound(hook.url, auth_token).send().status == 200
    assert time.perf_counter() - started < 0.4
    assert "reply" not in slow  # the slow one was still running meanwhile
    sleeper.join(5)
    assert slow["reply"].status == 200 and slow["reply"].elapsed >= 0.5


def test_server_survives_everything(hook, auth_token):
    for text in ("raise", "garbage", "none", "bad xml"):
        inbound(hook.url, auth_token, text=text).send()
    assert inbound(hook.url, auth_token).send().status == 200


# --- proxies, replays ------------------------------------------------------------------------


def test_trust_proxy_off_and_on(auth_token, handler):
    for trust, expected in ((False, 403), (True, 200)):
        with LocalWebhook(handler, auth_token, trust_proxy=trust) as server:
            public = server.url.replace("http://", "https://")
            req = inbound(public, auth_token)
            headers = {**req.headers, "X-Forwarded-Proto": "https"}
            assert post(server.url, req.body, headers).status_code == expected
            entry = server.log.last
            if trust:
                assert entry.url == public and entry.verdict == "valid V3"
            else:
                assert entry.url == server.url
                assert entry.diagnosis.causes == ("scheme",)
    # X-Forwarded-Host too, in-process
    app = WebhookApp(handler, auth_token, trust_proxy=True)
    req = inbound("https://public.example.org/receive_sms/", auth_token)
    headers = {
        **req.headers,
        "X-Forwarded-Proto": "https, http",
        "X-Forwarded-Host": "public.example.org",
    }
    status, _, _ = call_wsgi(
        app, url="http://10.0.0.5:8000/receive_sms/", headers=headers, body=req.body
    )
    assert status == 200


def test_a_nonce_reused_for_another_body_is_refused_an_identical_repeat_served(auth_token, handler):
    with LocalWebhook(handler, auth_token) as server:  # replay memory is on by default
        req = inbound(server.url, auth_token)
        assert req.send().status == 200
        again = req.send()  # a retry, byte for byte: served, marked
        assert again.status == 200 and server.log.last.detail == "duplicate"
        stripped = {k: v for k, v in req.headers.items() if "V3" not in k}  # V3 covers the body
        forged = post(server.url, req.body + b"&Extra=1", stripped)
        assert forged.status_code == 403
        assert forged.text == "403 nonce already used for a different request (V2)\n"
        assert server.log.last.verdict == "replayed nonce"
        assert inbound(server.url, auth_token).send().status == 200  # a fresh nonce is fine
    app = WebhookApp(handler, auth_token, reject_replayed_nonces=False)  # memory off
    req = inbound("http://example.com/receive_sms/", auth_token)
    other, v2_only = req.body + b"&Extra=1", {k: v for k, v in req.headers.items() if "V3" not in k}
    statuses = [call_wsgi(app, headers=v2_only, body=body)[0] for body in (req.body, other)]
    assert statuses == [200, 200]


# --- URLs and signatures ---------------------------------------------------------------------


def test_request_url_reconstruction():
    base = {
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "srv",
        "SERVER_PORT": "80",
        "PATH_INFO": "/receive_sms/",
    }
    assert request_url(base) == "http://srv/receive_sms/"
    assert request_url({**base, "SERVER_PORT": "8080"}) == "http://srv:8080/receive_sms/"
    assert request_url({**base, "wsgi.url_scheme": "https", "SERVER_PORT": "443"}) == (
        "https://srv/receive_sms/"
    )
    env = {
        **base,
        "HTTP_HOST": "example.com:5000",
        "SCRIPT_NAME": "/app",
        "PATH_INFO": "/a b/\xc3\xa4",
        "QUERY_STRING": "x=1",
    }
    assert request_url(env) == "http://example.com:5000/app/a%20b/%C3%A4?x=1"
    proxied = {**env, "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "pub.example"}
    assert request_url(proxied).startswith("http://example.com:5000/")
    assert request_url(proxied, trust_proxy=True) == "https://pub.example/app/a%20b/%C3%A4?x=1"


def test_quoted_paths_and_script_name_validate(auth_token, handler):
    app = WebhookApp(handler, auth_token, path="/hooks/ä b/")
    url = "http://example.com/hooks/%C3%A4%20b/"
    req = inbound(url, auth_token)
    status, _, _ = call_wsgi(
        app, {"PATH_INFO": "/hooks/\xc3\xa4 b/"}, url=url, headers=req.headers, body=req.body
    )
    assert status == 200
    mounted = WebhookApp(handler, auth_token)
    req = inbound("http://example.com/app/receive_sms/", auth_token)
    status, _, _ = call_wsgi(
        mounted,
        {"SCRIPT_NAME": "/app", "PATH_INFO": "/receive_sms/"},
        url=req.url,
        headers=req.headers,
        body=req.body,
    )
    assert status == 200 and mounted.log.last.url == "http://example.com/app/receive_sms/"


_url_part = st.text("abcxyz019-._~", min_size=1, max_size=8)


@settings(max_examples=examples(150), deadline=None)
@given(
    scheme=st.sampled_from(["http", "https"]),
    host=_url_part,
    path=st.lists(_url_part, max_size=3).map(lambda p: "/" + "/".join(p)),
    query=st.sampled_from(["", "?a=1", "?x=%20&y"]),
    nonce=st.text("0123456789", min_size=1, max_size=20),
    token=st.text(min_size=1, max_size=30).filter(lambda t: "\x00" not in t),
    signed_path_suffix=st.sampled_from(["", "/", "x"]),
    header=st.sampled_from(["X-Plivo-Signature-V2", "X-Plivo-Signature-Ma-V2"]),
)
def test_check_signature_agrees_with_the_sdk(
    scheme, host, path, query, nonce, token, signed_path_suffix, header
):
    url = f"{scheme}://{host}.example{path}{query}"
    signed_for = f"{scheme}://{host}.example{path}{signed_path_suffix}"
    digest = hmac.new(token.encode(), (signed_for + nonce).encode(), hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    headers = {header: signature, "X-Plivo-Signature-V2-Nonce": nonce}
    check = check_signature(url, headers, token)
    assert check.valid == plivo.utils.validate_signature(url, nonce, signature, token)
    assert check.valid == (signed_path_suffix == "")
    if check.valid:
        assert check.verdict == ("valid Ma-V2" if "Ma" in header else "valid V2")
    else:
        assert check.verdict == "invalid" and check.diagnosis is not None


def test_check_signature_headers_any_case(auth_token):
    req = inbound("http://example.com/receive_sms/", auth_token)
    lowered = {k.lower(): v for k, v in req.headers.items()}
    check = check_signature(req.url, lowered, auth_token)
    assert isinstance(check, SignatureCheck) and check.valid and str(check) == "valid V2"
    assert check_signature(req.url, {}, auth_token).verdict == "missing"


@settings(max_examples=examples(200), deadline=None)
@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=6))
def test_parse_form_round_trips_urlencode(params):
    from urllib.parse import urlencode

    assert parse_form(urlencode(params).encode()) == params


@given(st.binary(max_size=40))
def test_parse_form_never_crashes_unexpectedly(data):
    try:
        parse_form(data)
    except ValueError as exc:
        assert "percent-encoding" in str(exc) or "UTF-8" in str(exc)


# --- the log ---------------------------------------------------------------------------------


def test_request_log_is_bounded_and_thread_safe_api(auth_token, handler):
    app = WebhookApp(handler, auth_token, log_size=5)
    url = "http://example.com/receive_sms/"
    for i in range(8):
        req = inbound(url, auth_token, text=f"m{i}")
        call_wsgi(app, headers=req.headers, body=req.body)
    log = app.log
    assert isinstance(log, RequestLog)
    assert len(log) == 5 and log.total == 8
    assert [e.message.text for e in log] == ["m3", "m4", "m5", "m6", "m7"]
    assert log[0].message.text == "m3" and log[-1] is log.last
    assert [e.message.text for e in log[1:3]] == ["m4", "m5"]
    assert repr(log).startswith("<RequestLog 5 entries (keeps 5), last: POST /receive_sms/ 200")
    html = log._repr_html_()
    assert html.count("<tr>") == 6 and "m7" in html
    assert log.wait_for(5, timeout=0) is True
    assert log.wait_for(5, timeout=0.01) is True
    with pytest.raises(ValueError, match="at most 5"):
        log.wait_for(6)
    log.clear()
    assert len(log) == 0 and log.last is None and log.wait_for(1, timeout=0.01) is False
    assert "no requests" in log._repr_html_()
    with pytest.raises(ValueError):
        WebhookApp(handler, log_size=0)


def test_wait_for_blocks_until_requests_arrive(hook, auth_token):
    hook.log.clear()
    threading.Timer(0.1, lambda: inbound(hook.url, auth_token).send()).start()
    assert hook.log.wait_for(1, timeout=5)
    assert hook.log.last.status == 200


def test_log_entry_html_and_text(hook, auth_token):
    inbound(hook.url, "forged").send()
    entry = hook.log.last
    html = entry._repr_html_()
    assert "diagnosis" in html and "invalid" in html and "<table>" in html
    assert re.fullmatch(
        r"POST /receive_sms/ 403 invalid \d+\.\d ms — invalid X-Plivo.*", str(entry)
    )
    assert repr(entry) == f"<LogEntry {entry}>"


def test_thousand_requests_from_8_threads_all_logged_exactly_once(auth_token, handler):
    with LocalWebhook(handler, auth_token, log_size=1000) as server:
        requests_ = [inbound(server.url, auth_token, text=f"n{i}") for i in range(1000)]
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda r: r.send().status, requests_))
        assert statuses == [200] * 1000
        assert server.log.wait_for(1000, timeout=5)
        logged = [e.message.message_uuid for e in server.log]
        assert len(logged) == 1000 and server.log.total == 1000
        assert sorted(logged) == sorted(r.params["MessageUUID"] for r in requests_)


# --- LocalWebhook lifecycle ------------------------------------------------------------------


def test_fifty_start_stop_cycles_leak_nothing(auth_token, handler):
    gc.collect()
    already, fds = set(threading.enumerate()), fd_count()
    for i in range(50):
        server = LocalWebhook(handler, auth_token)
        if i % 10 == 0:
            assert inbound(server.url, auth_token).send().status == 200
        server.stop()
        server.stop()  # idempotent
    gc.collect()
    # Threads this test started, by identity: another test's thread may end meanwhile
    # (the process's count once fell from 14 to 13), which must not hide a leak here.
    assert wait_until(lambda: not set(threading.enumerate()) - already)
    assert fd_count() <= fds


def test_restart_on_same_port_replaces_the_old_server(auth_token, handler):
    first = LocalWebhook(handler, auth_token)
    second = LocalWebhook(handler, auth_token, port=first.port)  # a re-run notebook cell
    try:
        assert not first.running and second.running and second.port == first.port
        assert inbound(second.url, auth_token).send().status == 200
        assert len(second.log) == 1 and len(first.log) == 0
    finally:
        second.stop()
    with LocalWebhook(second.app, port=second.port) as third:  # a ready app, same port again
        assert inbound(third.url, auth_token).send().status == 200
        assert len(third.log) == 2
    assert "stopped" in repr(third)


def test_server_is_silent_on_stderr(capsys, auth_token, handler):
    with LocalWebhook(handler, auth_token) as server:
        inbound(server.url, auth_token).send()
        inbound(server.url, auth_token, text="raise").send()
        requests.get(server.url.replace("/receive_sms/", "/x"), timeout=5)
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(b"GARBAGE\r\n\r\n")
            s.recv(1000)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_stop_all_and_stop_at_exit():
    # in a subprocess, so as not to stop this session's servers
    code = (
        "from smsxml.webhook import LocalWebhook\n"
        "a, b = LocalWebhook(str), LocalWebhook(str)\n"
        "LocalWebhook.stop_all()\n"
        "assert not a.running and not b.running\n"
        "c = LocalWebhook(str)\n"  # left running: stopped at exit
        "print('ok', c.port)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(smsxml.__file__)))
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and done.stdout.startswith("ok"), done.stderr


def test_inbound_messages_are_hashable():
    message = InboundMessage("1", "2", "hi", params={"Units": "1"})
    assert hash(message) == hash(InboundMessage("1", "2", "hi"))


def test_reply_that_cannot_be_xml_is_500(auth_token):
    class Broken(Response):
        def to_xml(self, pretty=True, declaration=False):
            raise ValueError("cannot")

    app = WebhookApp(lambda m: Broken(), auth_token)
    req = inbound("http://example.com/receive_sms/", auth_token)
    status, _, body = call_wsgi(app, headers=req.headers, body=req.body)
    assert status == 500 and b"could not be written as XML" in body
    assert "cannot" in app.log.last.error


def test_port_held_by_another_program_is_a_clear_error(handler):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(OSError, match="in use by another program"):
            LocalWebhook(handler, port=port)


def test_local_webhook_repr_and_options(hook, auth_token, handler):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/receive_sms/", hook.url)
    assert hook.app.log is hook.log and hook.port == int(hook.url.split(":")[2].split("/")[0])
    text = repr(hook)
    assert text.startswith(f"<LocalWebhook {hook.url} running") and auth_token not in text
    assert auth_token not in repr(hook.app)
    with pytest.raises(WebhookError, match="ready app"):  # options beside a ready app
        LocalWebhook(WebhookApp(handler, auth_token), auth_token)
    with LocalWebhook(handler, auth_token, path="/sms/") as other:
        assert other.url.endswith("/sms/")


def test_demo_app_auto_replies(monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "env-token-123")
    app = demo_app()
    req = inbound("http://example.com/receive_sms/", "env-token-123", text="ping")
    status, _, body = call_wsgi(app, headers=req.headers, body=req.body)
    assert status == 200
    assert parse(body) == Response().add_message("Thanks! You said: ping", src=TO, dst=FROM)


# --- no token anywhere -----------------------------------------------------------------------


def test_a_reply_is_sent_as_the_handler_wrote_it(hook, auth_token):
    """Hiding a token never changes data: a reply that holds it is the handler's own text."""
    reply = inbound(hook.url, auth_token, text="leak").send()
    assert reply.status == 200 and auth_token in reply.text
    assert hook.log.last.reply == reply.text and not hook.log.last.error


def test_token_never_appears_in_the_log(handler, auth_token):
    # genuine requests, a handler that fails, an unsigned one: nothing smsxml writes holds
    # the token, because it is never put there
    with LocalWebhook(handler, auth_token) as hook:
        _exercise_and_check_log(hook, auth_token)


def _exercise_and_check_log(hook: LocalWebhook, auth_token: str) -> None:
    inbound(hook.url, auth_token, text="ping").send()
    inbound(hook.url, auth_token, text="raise").send()
    requests.get(hook.url + "?x=1", timeout=5)
    post(hook.url, b"From=1&To=2&Text=x", {"X-Plivo-Signature-V2": "bad", "X-Note": "n"})
    assert len(hook.log) == 4
    renderings = [repr(hook.log), hook.log._repr_html_(), repr(hook), repr(hook.app)]
    for entry in hook.log:
        renderings += [
            repr(entry),
            str(entry),
            entry._repr_html_(),
            repr(entry.headers),
            repr(entry.params),
            str(entry.traceback),
            repr(entry.message),
            str(entry.diagnosis),
            repr(entry.diagnosis),
            str(entry.reply),
        ]
    for text in renderings:
        assert auth_token not in text
    assert any("X-Note" in e.headers for e in hook.log)


def test_the_log_keeps_what_a_client_sent(hook, auth_token):
    """A client's data is logged as sent, even when it holds the token's text."""
    post(
        hook.url,
        f"From=1&To=2&Text={auth_token}".encode(),
        {**signed_headers(hook.url, auth_token), "X-Note": auth_token},
    )
    entry = hook.log.last
    assert entry.params["Text"] == auth_token and entry.headers["X-Note"] == auth_token


# --- delivery reports at status_path -----------------------------------------------------


def _auto_reply_with_callback(callback_url: str):
    def handler(message: InboundMessage) -> Response:
        return Response().add_message(
            "ok", src=message.to, dst=message.from_, callback_url=callback_url
        )

    return handler


def test_delivery_reports_arrive_at_status_path_over_http(auth_token) -> None:
    from smsxml.simulator import Simulator

    received = []
    with LocalWebhook(
        lambda m: Response(), auth_token, status_path="/sms_status/", on_status=received.append
    ) as hook:
        hook.app.handler = _auto_reply_with_callback(hook.status_url)
        flow = Simulator(auth_token, numbers=(TO,), seed=3).receive_sms(
            hook.url, from_=FROM, to=TO, text="hi"
        )
        assert hook.status_url == hook.url.replace("/receive_sms/", "/sms_status/")
        assert [r.response_status for r in flow.reports] == [200, 200, 200]
        assert [r.status for r in received] == ["queued", "sent", "delivered"]
        assert {r.message_uuid for r in received} == {flow.outbound[0].message_uuid}
        reports = [e for e in hook.log if e.report is not None]
        assert [e.verdict for e in reports] == ["valid V3"] * 3
        assert [e.report for e in reports] == received
        assert "delivery report: delivered" in str(reports[-1])
        assert "delivery report: delivered" in hook.log._repr_html_()


def test_forged_or_incomplete_reports_are_refused_and_never_reach_on_status(auth_token) -> None:
    received = []
    app = WebhookApp(
        lambda m: Response(), auth_token, status_path="/sms_status/", on_status=received.append
    )
    url = "http://testserver/sms_status/"
    params = {"MessageUUID": "u-1", "Status": "delivered", "To": FROM}
    forged = signed_request("POST", url, params, "not-the-token")
    assert forged.send(target=app).status == 403
    assert (
        signed_request("POST", url, {"Status": "sent"}, auth_token).send(target=app).status == 400
    )
    reply = signed_request("GET", url, params, auth_token).send(target=app)
    assert reply.status == 200 and reply.body == b"OK\n"
    assert reply.content_type.startswith("text/plain")
    assert [r.status for r in received] == ["delivered"]
    assert "missing MessageUUID" in app.log[1].reason
    assert app.log[0].diagnosis is not None


def test_on_status_and_handlers_that_exit_get_a_500_and_a_log_entry(auth_token) -> None:
    import sys as _sys

    def boom(report) -> None:
        _sys.exit(3)

    app = WebhookApp(lambda m: _sys.exit(4), auth_token, status_path="/s/", on_status=boom)
    report = signed_request(
        "POST", "http://testserver/s/", {"MessageUUID": "u", "Status": "sent"}, auth_token
    )
    assert report.send(target=app).status == 500
    assert inbound("http://testserver/receive_sms/", auth_token).send(target=app).status == 500
    assert [e.status for e in app.log] == [500, 500]
    assert "on_status raised SystemExit" in app.log[0].error
    assert "the handler raised SystemExit" in app.log[1].error


def test_status_path_must_be_a_separate_path(auth_token) -> None:
    with pytest.raises(ValueError, match="status_path"):
        WebhookApp(lambda m: Response(), auth_token, status_path="/receive_sms/")
    with pytest.raises(ValueError, match="status_path"):
        WebhookApp(lambda m: Response(), auth_token, status_path="sms_status")
    with pytest.raises(TypeError, match="on_status"):
        WebhookApp(lambda m: Response(), auth_token, status_path="/s/", on_status=42)


def test_a_reply_with_a_lone_surrogate_is_a_500_in_plain_words(auth_token) -> None:
    app = WebhookApp(lambda m: "<Response>\ud800</Response>", auth_token)
    reply = inbound("http://testserver/receive_sms/", auth_token).send(target=app)
    assert reply.status == 500
    assert "U+D800 at index 10" in reply.text
    assert app.log.last.error.startswith("the reply holds U+D800")


def test_log_entries_show_a_huge_reply_cut_short(auth_token) -> None:
    huge = "<Response>" + "x" * 1_000_000 + "</Response>"
    app = WebhookApp(lambda m: huge, auth_token)
    inbound("http://testserver/receive_sms/", auth_token).send(target=app)
    shown = app.log.last._repr_html_()
    assert len(shown) < 10_000
    assert "more characters" in shown
    assert app.log.last.reply == huge  # kept whole; only the view is cut


def test_a_report_is_logged_as_sent(auth_token) -> None:
    app = WebhookApp(lambda m: Response(), auth_token, status_path="/s/")
    report = signed_request(
        "POST",
        "http://testserver/s/",
        {"MessageUUID": auth_token, "Status": "sent", "X": auth_token},
        auth_token,
    )
    assert report.send(target=app).status == 200
    entry = app.log.last
    assert entry.report.all_params == {"MessageUUID": auth_token, "Status": "sent", "X": auth_token}
    assert "reports at /s/" in repr(app)


# --- MMS and WhatsApp reach the handler --------------------------------------------------

PHOTO = "https://media.example.com/photo.jpg"


@pytest.mark.parametrize(("kind", "text"), [("mms", "my cat"), ("whatsapp", ""), ("mms", "")])
def test_mms_and_whatsapp_reach_the_handler_over_http(auth_token, kind, text):
    seen = []

    def handler(message: InboundMessage):
        seen.append(message)
        return Response().add_message(f"got {len(message.media)} media", src=message.to,
                                      dst=message.from_)  # fmt: skip

    with LocalWebhook(handler, auth_token) as server:
        request = inbound(server.url, auth_token, text=text, type=kind, media=[PHOTO])
        reply = request.send()
        assert reply.status == 200, reply.text
        assert parse(reply.body).messages[0].text == "got 1 media"
        assert server.log.last.status == 200 and server.log.last.message == seen[0]
    [message] = seen
    assert (message.type, message.text, message.media) == (kind, text, (PHOTO,))


def test_an_sms_without_text_is_still_400(hook, auth_token):
    body = b"From=14155550100&To=14155550199&Type=sms"
    headers = {**signed_headers(hook.url, auth_token), "Content-Type": FORM}
    answer = post(hook.url, body, headers)
    assert answer.status_code == 400 and "missing Text parameter" in answer.text


@pytest.mark.parametrize("token", [42, b"bytes-token", [42]])
def test_a_token_that_is_not_text_is_refused_at_once(handler, token):
    with pytest.raises(TypeError, match="an auth token is text"):
        WebhookApp(handler, token)
    with pytest.raises(TypeError, match="an auth token is text"):
        LocalWebhook(handler, token)
