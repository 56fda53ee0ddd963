"""Delivery over real HTTP (a wsgiref server on 127.0.0.1) and in-process to the same WSGI
app must give the same reply; the server checks signatures with the plivo SDK."""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Iterator
from urllib.parse import parse_qs
from wsgiref.util import request_uri
from wsgiref.validate import validator

import pytest

from smsxml.exc import DeliveryError
from smsxml.inbound import inbound_request, signed_request
from smsxml.transport import Reply, send, wsgi_environ

TOKEN = "SUBACCOUNT-token-for-tests-7f3a"
MAIN = "MAIN-account-token-for-tests-91c2"


def echo_app(environ, start_response):
    """Answers with what it saw, and whether the signatures check out (plivo SDK)."""
    from plivo.utils import validate_signature

    path = environ["PATH_INFO"]
    if path == "/redirect/":
        start_response("302 Found", [("Location", "/elsewhere/"), ("Content-Length", "0")])
        return [b""]
    if path == "/slow/":
        time.sleep(0.6)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    url = request_uri(environ, include_query=True)
    nonce = environ.get("HTTP_X_PLIVO_SIGNATURE_V2_NONCE", "")
    seen = {
        "method": environ["REQUEST_METHOD"],
        "url": url,
        "path": path,
        "query": environ.get("QUERY_STRING", ""),
        "scheme": environ["wsgi.url_scheme"],
        "host": environ.get("HTTP_HOST"),
        # (not SERVER_NAME: wsgiref puts its FQDN there, e.g. "localhost")
        "port": environ["SERVER_PORT"],
        "content_type": environ.get("CONTENT_TYPE") if environ["REQUEST_METHOD"] == "POST" else "",
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "form": parse_qs(body.decode("utf-8"), keep_blank_values=True),
        "args": parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        "valid_v2": validate_signature(
            url, nonce, environ.get("HTTP_X_PLIVO_SIGNATURE_V2", ""), TOKEN
        ),
        "valid_ma": validate_signature(
            url, nonce, environ.get("HTTP_X_PLIVO_SIGNATURE_MA_V2", ""), MAIN
        ),
    }
    data = json.dumps(seen, sort_keys=True).encode("utf-8")
    start_response(
        "201 Created",
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("X-Echo", "yes"),
        ],
    )
    return [data]


@pytest.fixture
def server(serve_wsgi) -> Iterator[str]:
    """The echo app served on 127.0.0.1 (a free port); yields its base URL."""
    with serve_wsgi(echo_app) as base:
        yield base


def _app_headers(reply: Reply) -> dict[str, str]:
    """The headers the app set (the server adds Date and Server)."""
    return {k: v for k, v in reply.headers.items() if k.lower() not in ("date", "server")}


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_http_and_in_process_give_the_same_reply(server: str, method: str) -> None:
    request = inbound_request(
        f"{server}/sms/caf%C3%A9/?account=a%201&x=",
        TOKEN,
        from_="14155550100",
        to="14155550111",
        text="Hé 😀 & = ? ' \"",
        method=method,
        main_auth_token=MAIN,
    )
    over_http = send(request)
    in_process = send(request, echo_app)
    assert over_http.status == in_process.status == 201
    assert _app_headers(over_http) == _app_headers(in_process)
    assert over_http.body == in_process.body
    seen = json.loads(in_process.body)
    assert seen["valid_v2"] is True and seen["valid_ma"] is True
    assert seen["method"] == method
    assert seen["url"] == request.url
    assert seen["path"] == "/sms/caf\u00c3\u00a9/"  # PEP 3333: latin-1 decoded bytes
    assert seen["user_agent"].startswith("PlivoHTTP/")
    assert seen["port"] == server.rsplit(":", 1)[1]
    params = seen["form"] if method == "POST" else seen["args"]
    assert {k: v[-1] for k, v in params.items() if k in request.params} == request.params
    if method == "POST":
        assert seen["content_type"] == "application/x-www-form-urlencoded"
        assert seen["query"] == "account=a%201&x="
    else:
        assert seen["form"] == {} and seen["args"]["account"] == ["a 1"]


def test_environ_passes_the_pep3333_validator(server: str) -> None:
    for method in ("POST", "GET"):
        request = signed_request(method, f"{server}/sms/", {"Text": "hi"}, TOKEN)
        reply = send(request, validator(echo_app))
        assert reply.status == 201
        assert json.loads(reply.body)["valid_v2"] is True


def test_environ_fields() -> None:
    request = signed_request("POST", "https://user:pw@example.com/a%20b/?q=1", {"A": "1"}, TOKEN)
    env = wsgi_environ(request)
    assert env["wsgi.url_scheme"] == "https"
    assert (env["SERVER_NAME"], env["SERVER_PORT"]) == ("example.com", "443")
    assert env["HTTP_HOST"] == "example.com"
    assert env["PATH_INFO"] == "/a b/" and env["QUERY_STRING"] == "q=1"
    assert env["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert env["CONTENT_LENGTH"] == str(len(request.body)) == "3"
    assert env["HTTP_X_PLIVO_SIGNATURE_V2"] == request.signature
    assert env["HTTP_X_PLIVO_SIGNATURE_V2_NONCE"] == request.nonce
    assert env["HTTP_AUTHORIZATION"].startswith("Basic ")
    assert "HTTP_CONTENT_TYPE" not in env


def test_redirects_are_not_followed(server: str) -> None:
    request = signed_request("POST", f"{server}/redirect/", {"A": "1"}, TOKEN)
    for reply in (send(request), send(request, echo_app)):
        assert reply.status == 302
        assert reply.header("location") == "/elsewhere/"


def test_connection_refused_is_a_clear_delivery_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = signed_request("POST", f"http://127.0.0.1:{port}/sms/", {"A": "1"}, TOKEN)
    with pytest.raises(DeliveryError, match="connection refused") as info:
        send(request)
    assert f"127.0.0.1:{port}" in str(info.value)
    assert TOKEN not in str(info.value)


def test_timeout_is_a_delivery_error(server: str) -> None:
    request = signed_request("GET", f"{server}/slow/", {}, TOKEN)
    with pytest.raises(DeliveryError, match="no reply .* within 0.2 s"):
        send(request, timeout=0.2)


def test_password_in_url_is_masked_in_errors() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = signed_request("GET", f"http://me:hunter2@127.0.0.1:{port}/", {}, TOKEN)
    with pytest.raises(DeliveryError) as info:
        request.send()
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(request)


def test_wsgi_iterable_is_closed_and_write_works() -> None:
    closed = []

    class Body:
        def __iter__(self):
            yield b"b"
            yield b"c"

        def close(self) -> None:
            closed.append(True)

    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/xml")])
        write(b"a")
        return Body()

    reply = send(signed_request("GET", "http://x.test/", {}, TOKEN), app)
    assert reply.body == b"abc" and closed == [True]
    assert reply.content_type == "text/xml" and reply.ok


def test_wsgi_misbehaving_apps_give_clear_errors() -> None:
    request = signed_request("GET", "http://x.test/", {}, TOKEN)

    def gives_str(environ, start_response):
        start_response("200 OK", [])
        return ["text"]

    def never_starts(environ, start_response):
        return [b""]

    with pytest.raises(DeliveryError, match="not bytes"):
        send(request, gives_str)
    with pytest.raises(DeliveryError, match="start_response"):
        send(request, never_starts)
    with pytest.raises(DeliveryError, match="WSGI application"):
        send(request, "http://x.test/")  # type: ignore[arg-type]


def test_flask_app_in_process_sees_the_same_url_and_form() -> None:
    flask = pytest.importorskip("flask")
    from plivo.utils import validate_signature

    app = flask.Flask(__name__)

    @app.route("/sms/", methods=["GET", "POST"])
    def receive():
        r = flask.request
        # base_url, not url: the SDK crashes (UnicodeDecodeError) on Flask's r.url when
        # the query holds non-ASCII text, as a GET with Text="hé" does.
        ok = validate_signature(
            r.base_url,
            r.headers["X-Plivo-Signature-V2-Nonce"],
            r.headers["X-Plivo-Signature-V2"],
            TOKEN,
        )
        return flask.Response(
            f"{ok}|{r.values['From']}|{r.values['Text']}", content_type="text/plain"
        )

    for method in ("POST", "GET"):
        request = inbound_request(
            "http://127.0.0.1:5000/sms/",
            TOKEN,
            from_="+14155550100",
            to="1",
            text="hé",
            method=method,
        )
        reply = request.send(target=app.wsgi_app)
        assert reply.text == "True|14155550100|hé"


def test_reply_helpers() -> None:
    reply = Reply(200, {"content-type": 'text/xml; charset="latin-1"'}, "é".encode("latin-1"), 0.01)
    assert reply.header("Content-Type") == 'text/xml; charset="latin-1"'
    assert reply.header("X-Missing") is None
    assert reply.content_type == "text/xml" and reply.charset == "latin-1"
    assert reply.text == "é"
    assert repr(reply) == "Reply(200 OK, text/xml, 1 bytes, 10.0 ms)"
    odd = Reply(599, {}, b"\xff", 0.0)
    assert not odd.ok and odd.reason == "" and odd.content_type == "" and odd.text == "\ufffd"


def test_importing_transport_does_not_import_requests() -> None:
    import subprocess

    code = (
        "import sys, smsxml.transport, smsxml.inbound, smsxml.units, smsxml.cli;"
        "bad = [m for m in ('requests', 'plivo', 'ipywidgets') if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
