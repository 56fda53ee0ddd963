"""`smsxml check` against apps no one here wrote the smsxml way: a Flask app in the seed's
style (it validates and ignores the result), a stdlib http.server app answering text/html,
an app behind a TLS proxy, a Node app when node is installed — and a correct one.
Every app runs as a real server on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import flask
import plivo.utils
import pytest

from smsxml.cli import main
from smsxml.cli.auto_reply import auto_reply
from smsxml.conformance import conformance
from smsxml.exc import InputError
from smsxml.webhook import LocalWebhook, WebhookApp

TOKEN = "MAconformanceTOKEN-3b9d2c"


def failed(result) -> dict[str, str]:
    return {c.name: c.fix for c in result.cases if not c.passed}


def test_a_correct_app_passes_every_check() -> None:
    with LocalWebhook(auto_reply(), TOKEN) as hook:  # replay memory on by default
        result = conformance(hook.url, TOKEN)
    assert result.passed and failed(result) == {}, str(result)
    assert len(result.cases) == 11 and "all required checks passed" in str(result)
    assert hook.log[-2].detail == "duplicate" and hook.log[-1].verdict == "replayed nonce"


def test_a_replay_is_advice_not_a_failure() -> None:
    with LocalWebhook(auto_reply(), TOKEN, reject_replayed_nonces=False) as hook:
        result = conformance(hook.url, TOKEN)
    assert result.passed and list(failed(result)) == ["replayed nonce"]
    assert "reject_replayed_nonces=True" in failed(result)["replayed nonce"]


def test_refusing_an_identical_repeat_is_advice() -> None:
    """An app that refuses any nonce seen before also refuses Plivo's retries."""
    seen: set[str] = set()

    def strict(environ, start_response):
        nonce = environ.get("HTTP_X_PLIVO_SIGNATURE_V2_NONCE", "")
        if not nonce or nonce in seen:
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"no"]
        seen.add(nonce)
        return app(environ, start_response)

    app = WebhookApp(auto_reply(), TOKEN)
    strict.path = app.path  # type: ignore[attr-defined]  # where conformance sends
    result = conformance(strict, TOKEN)
    assert result.passed and list(failed(result)) == ["identical repeat"]


@pytest.fixture
def seed_style_flask(serve_wsgi) -> Iterator[str]:
    """The seed's Flask example: validates the signature, prints the result, ignores it."""
    app = flask.Flask("seed")

    @app.route("/receive_sms/", methods=["GET", "POST"])
    def signature():
        uri = flask.url_for("signature", _external=True)
        try:
            app.logger.info(plivo.utils.validate_signature(
                uri, flask.request.headers.get("X-Plivo-Signature-V2-Nonce"),
                flask.request.headers.get("X-Plivo-Signature-V2"), TOKEN,
            ))  # fmt: skip
        except Exception as exc:  # the SDK raises on a missing header; the seed would 500
            app.logger.info(exc)
        return "Text received"

    with serve_wsgi(app) as base:
        yield f"{base}/receive_sms/"


def test_a_flask_app_that_ignores_the_signature_check_is_caught(seed_style_flask: str) -> None:
    result = conformance(seed_style_flask, TOKEN)
    problems = failed(result)
    assert not result.passed
    for refused in ("no signature headers", "another account's token", "signed for another URL"):
        assert "a check whose result is ignored protects nothing" in problems[refused]
    assert "application/xml" in problems["signed SMS"]  # Flask answers text/html
    assert "Content-Type is text/html" in str(result)


@pytest.fixture
def html_server() -> Iterator[str]:
    """A plain http.server app answering every request 200 text/html."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"<html><body>thanks</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sms"
    finally:
        server.shutdown()
        server.server_close()


def test_an_app_answering_html_is_caught(html_server: str) -> None:
    result = conformance(html_server, TOKEN)
    first = result.cases[0]
    assert "Content-Type is text/html" in first.detail
    assert "the reply has 1 XML error: wrong-root at 1:1" in first.detail
    # Both things to fix, not only the first: the media type and the document.
    assert first.fix == (
        "answer with Content-Type: application/xml (or text/xml); "
        'write <Response><Message src="…" dst="…">text</Message></Response>'
    )
    assert not result.passed
    # The report says a fix once and names it where it repeats; counts are worded.
    text = str(result)
    assert text.count("fix: answer with Content-Type") == 1
    assert text.count("fix: as for 'signed SMS' above") == 5
    assert text.count("refuse with 403 when it does not validate") == 1
    assert text.count("fix: as for 'no signature headers' above") == 2
    assert text.endswith("9 required checks failed")


def test_an_app_behind_a_tls_proxy_is_explained() -> None:
    """Plivo signs https://public…; the app (http inside) checks its own URL and refuses."""
    public = "https://public.example.com/receive_sms/"
    with LocalWebhook(auto_reply(), TOKEN) as hook:
        result = conformance(hook.url, TOKEN, public_url=public)
    fix = failed(result)["signed SMS"]
    assert "refused a genuine request" in fix and "public URL" in fix
    with LocalWebhook(auto_reply(), TOKEN, public_url=public) as fixed:
        assert conformance(fixed.url, TOKEN, public_url=public).passed


def test_check_on_the_command_line(seed_style_flask: str, capsys) -> None:
    assert main(["check", seed_style_flask, "--auth-token", TOKEN, "--json"]) == 1
    out = capsys.readouterr().out
    report = json.loads(out)
    assert report["passed"] is False and len(report["cases"]) == 11
    assert TOKEN not in out
    with LocalWebhook(auto_reply(), TOKEN, reject_replayed_nonces=False) as hook:
        assert main(["check", hook.url, "--auth-token", TOKEN]) == 0
    text = capsys.readouterr().out
    assert "all required checks passed" in text and "advice replayed nonce" in text


NODE_APP = r"""
const http = require('http');
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    // Answers every POST, checking nothing: the mistake `check` must catch.
    res.writeHead(200, {'Content-Type': 'application/xml'});
    res.end('<Response><Message src="12025550000" dst="14155550100">hi</Message></Response>');
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed here")
def test_a_node_app_that_checks_nothing_is_caught(tmp_path: Path) -> None:
    script = tmp_path / "app.js"
    script.write_text(NODE_APP)
    proc = subprocess.Popen(["node", str(script)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())  # type: ignore[union-attr]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        result = conformance(f"http://127.0.0.1:{port}/receive_sms/", TOKEN)
    finally:
        proc.terminate()
        proc.wait(10)
    assert result.cases[0].passed  # valid XML, right Content-Type
    assert not result.passed and "no signature headers" in failed(result)


def test_nothing_listening_is_one_clear_error(capsys) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["check", f"http://127.0.0.1:{port}/receive_sms/", "--auth-token", TOKEN]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "connection refused" in err and TOKEN not in err


@pytest.mark.parametrize("public", ["nope", "https://a.example/x?x=1", "ftp://a.example/x"])
def test_a_public_url_plivo_cannot_call_is_refused(public: str) -> None:
    with pytest.raises(InputError, match="public_url"):
        conformance(WebhookApp(auto_reply(), TOKEN), TOKEN, public_url=public)


def test_a_slow_app_fails_naming_plivos_8_s_limit() -> None:
    """An answer later than the timeout (Plivo's 8 s by default) is a failure that says what
    Plivo does then: abandons the attempt and retries."""
    import time

    def slow(message):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        return auto_reply()(message)

    with LocalWebhook(slow, TOKEN) as hook:
        result = conformance(hook.url, TOKEN, timeout=0.25)
    assert not result.passed
    fixes = failed(result)
    assert "signed SMS" in fixes and "waits 8 s" in fixes["signed SMS"]
    assert "retries" in fixes["signed SMS"] and "no answer within 0.25 s" in str(result)


def test_a_failing_app_is_told_plivo_retries_it() -> None:
    def broken(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"boom"]

    broken.path = "/receive_sms/"  # type: ignore[attr-defined]
    result = conformance(broken, TOKEN)
    fix = failed(result)["signed SMS"]
    assert "retries a non-2xx answer 3 more times (60, 120, 240 s apart" in fix


def test_check_waits_plivos_8_s_by_default() -> None:
    import inspect

    assert inspect.signature(conformance).parameters["timeout"].default == 8.0
