"""smsxml.integrations.flask.plivo_webhook: Flask's real test client, and a real werkzeug server."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import flask
import plivo.utils
from werkzeug.serving import make_server

import smsxml.integrations.flask
import smsxml.webhook
from smsxml.inbound import inbound_request
from smsxml.integrations.flask import plivo_webhook
from smsxml.xml import Response, parse

FROM, TO = "14155550100", "14155550199"
ROOT = Path(smsxml.__file__).resolve().parent.parent


def make_app(auth_token, **options):
    """The seed's Flask example, with the signature check enforced."""
    app = flask.Flask(__name__)
    calls = []

    @app.route("/receive_sms/", methods=["GET", "POST"])
    @plivo_webhook(auth_token, **options)
    def receive_sms():
        calls.append(flask.g.plivo_signature.verdict)
        values = flask.request.values
        if values.get("Text") == "plain":
            return "Text received"
        return Response().add_message(
            f"got: {values.get('Text', values.get('Body'))}", src=values["To"], dst=values["From"]
        )

    return app, calls


def send_with_client(app, req):
    """Send a SignedRequest through Flask's test client (base URL http://localhost/)."""
    path = req.url.split("localhost", 1)[1]
    return app.test_client().open(path, method=req.method, data=req.body, headers=req.headers)


def inbound(url, token, text="hi", **kwargs):
    return inbound_request(url, token, from_=FROM, to=TO, text=text, **kwargs)


def test_valid_signature_calls_view_and_sends_xml(auth_token):
    app, calls = make_app(auth_token)
    req = inbound("http://localhost/receive_sms/", auth_token, text="hello")
    assert plivo.utils.validate_signature(req.url, req.nonce, req.signature, auth_token)
    reply = send_with_client(app, req)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert parse(reply.data).messages[0].text == "got: hello"
    assert calls == ["valid V3"]


def test_get_and_plain_views_pass_through(auth_token):
    app, calls = make_app(auth_token)
    reply = send_with_client(
        app, inbound("http://localhost/receive_sms/", auth_token, text="plain", method="GET")
    )
    assert (reply.status_code, reply.data) == (200, b"Text received")
    assert calls == ["valid V3"]


def test_bad_or_missing_signature_is_403_and_view_not_called(auth_token):
    app, calls = make_app(auth_token)
    forged = inbound("http://localhost/receive_sms/", "wrong-token")
    assert not plivo.utils.validate_signature(
        forged.url, forged.nonce, forged.signature, auth_token
    )
    reply = send_with_client(app, forged)
    assert reply.status_code == 403
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert reply.text == "403 invalid X-Plivo-Signature-V3 signature\n"
    unsigned = app.test_client().post("/receive_sms/", data={"From": "1", "To": "2", "Text": "x"})
    assert unsigned.status_code == 403 and "missing" in unsigned.text
    assert calls == []
    assert auth_token not in reply.text + unsigned.text


def test_main_account_signature(auth_token, main_token):
    app, calls = make_app(auth_token, main_auth_token=main_token)
    req = inbound("http://localhost/receive_sms/", "another-subaccount", main_auth_token=main_token)
    assert send_with_client(app, req).status_code == 200
    assert calls == ["valid Ma-V3"]


def test_trust_proxy(auth_token):
    req = inbound("https://public.example/receive_sms/", auth_token)
    headers = {**req.headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example"}
    for trust, status in ((False, 403), (True, 200)):
        app, _ = make_app(auth_token, trust_proxy=trust)
        reply = app.test_client().post("/receive_sms/", data=req.body, headers=headers)
        assert reply.status_code == status


def test_bare_decorator_uses_env_token(monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "env-token-xyz")
    app = flask.Flask(__name__)

    @app.post("/receive_sms/")
    @plivo_webhook
    def receive_sms():
        return Response(), 201

    assert receive_sms.__name__ == "receive_sms"
    reply = send_with_client(app, inbound("http://localhost/receive_sms/", "env-token-xyz"))
    assert reply.status_code == 201 and reply.content_type == "application/xml; charset=utf-8"


def test_one_policy_serves_flask_and_webhook():
    assert smsxml.integrations.flask.verify is smsxml.signature.policy.verify
    assert smsxml.integrations.flask.request_url is smsxml.webhook.request_url


def test_real_werkzeug_server(auth_token):
    app, calls = make_app(auth_token)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.port}/receive_sms/"
        reply = inbound(url, auth_token, text="over http").send()
        assert reply.status == 200 and parse(reply.body).messages[0].text == "got: over http"
        assert inbound(url, "forged").send().status == 403
        assert calls == ["valid V3"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_import_without_flask_names_the_extra():
    code = (
        "import sys; sys.modules['flask'] = None\n"
        "try:\n    import smsxml.integrations.flask\n"
        "except ImportError as exc:\n    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=ROOT
    )
    assert 'pip install "smsxml[flask]"' in out.stdout, out.stderr


def test_public_url_is_checked_instead_of_the_host_the_app_sees(auth_token):
    """Behind a tunnel: Plivo signs https://abc.ngrok.app/receive_sms/, Flask sees
    http://localhost/receive_sms/. With public_url the decorator checks what Plivo called."""
    public = "https://abc.ngrok.app/receive_sms/"
    app, calls = make_app(auth_token, public_url=public)
    signed = inbound(public, auth_token)
    reply = app.test_client().post("/receive_sms/", data=signed.body, headers=signed.headers)
    assert reply.status_code == 200 and calls == ["valid V3"]
    local = inbound("http://localhost/receive_sms/", auth_token)
    assert send_with_client(app, local).status_code == 403
    assert calls == ["valid V3"]


def test_mms_and_whatsapp_reach_a_flask_view(auth_token):
    app, calls = make_app(auth_token)
    for kind in ("mms", "whatsapp"):
        req = inbound(
            "http://localhost/receive_sms/", auth_token, text="pic", type=kind,
            media=["https://media.example.com/p.jpg"],
        )  # fmt: skip
        values = dict(req.params)
        assert "Text" not in values and values["Body"] == "pic"
        reply = app.test_client().post("/receive_sms/", data=req.body, headers=req.headers)
        assert reply.status_code == 200
    assert calls == ["valid V3", "valid V3"]
