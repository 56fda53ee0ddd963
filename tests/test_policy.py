"""One verification policy: a table of requests, each with the verdict it must get, run
through every entry point that decides whether a request came from Plivo.

Entry points: :func:`smsxml.verify` itself, WebhookApp in-process, LocalWebhook over
HTTP, the Flask decorator, the proxy's verdict column; and, for the rows that are one request
on its own (no replay memory needed), ``smsxml replay``'s "recorded: signature …" column,
``smsxml verify`` and the signature explorer (V2 rows: they take a V2 signature apart).
"""

from __future__ import annotations

import dataclasses
import random
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import flask
import pytest

import smsxml
from smsxml.cli import main
from smsxml.inbound import SignedRequest, inbound_request
from smsxml.integrations.flask import plivo_webhook
from smsxml.proxy import ProxyApp
from smsxml.recording import RecordedRequest
from smsxml.signature import MemoryNonceStore, sign_v3
from smsxml.signature.policy import verify
from smsxml.webhook import LocalWebhook, WebhookApp
from smsxml.xml import Response

NEW = "MApolicyTOKEN-new-0b1c2d3e4f5a6b7c"
OLD = "MApolicyTOKEN-old-9f8e7d6c5b4a3928"
MAIN = "MApolicyTOKEN-main-1122334455667788"
ELSE = "MAsomeoneELSE-000000000000000000"  # another account's token
FROM, TO = "14155550100", "12025550000"
ROOT = Path(__file__).resolve().parent.parent


def echo(message: smsxml.InboundMessage) -> Response:
    return Response().add_message(f"got {message.text}", src=message.to, dst=message.from_)


# --- the table ---------------------------------------------------------------------------------


def _signed(url: str, token: str = NEW, main: str = MAIN, **options: Any) -> SignedRequest:
    options.setdefault("text", "hello")
    options.setdefault("nonce", f"{random.randrange(10**20):020d}")
    return inbound_request(url, token, from_=FROM, to=TO, main_auth_token=main, **options)


def _only(request: SignedRequest, *names: str) -> SignedRequest:
    """``request`` keeping, of the signature headers, only those whose name ends with one of
    ``names`` (e.g. "-V2", "-V2-Nonce")."""
    headers = {
        k: v
        for k, v in request.headers.items()
        if "Signature" not in k or any(k.endswith(n) for n in names)
    }
    return dataclasses.replace(request, headers=headers)


def _with(request: SignedRequest, **headers: str) -> SignedRequest:
    changed = {k.replace("_", "-"): v for k, v in headers.items()}
    return dataclasses.replace(request, headers={**request.headers, **changed})


def _body(request: SignedRequest, extra: bytes) -> SignedRequest:
    return dataclasses.replace(request, body=request.body + extra)


V2 = ("Signature-V2", "Signature-V2-Nonce", "Signature-Ma-V2")
V3 = ("Signature-V3", "Signature-V3-Nonce", "Signature-Ma-V3")
Expected = tuple[bool, str]


@dataclass(frozen=True)
class Row:
    name: str
    make: Callable[[str], list[SignedRequest]]  # the requests, for the URL of the entry point
    expected: list[Expected]  # (accepted, verdict) for each request in turn
    single: bool = True  # one request, judged on its own (no memory needed)
    v2_only: bool = False  # a V2 signature alone: smsxml verify and the explorer take it


def _letter_nonce(url: str) -> list[SignedRequest]:
    """V3 signed correctly over a nonce of letters (the only V3 sent): refused anyway."""
    genuine = _only(_signed(url), *V3)
    nonce = "abcdef"
    signature = sign_v3("POST", url, nonce, NEW, genuine.params)
    return [
        _with(
            genuine,
            X_Plivo_Signature_V3_Nonce=nonce,
            X_Plivo_Signature_V3=signature,
            X_Plivo_Signature_Ma_V3=signature,
        )
    ]


def _put(url: str) -> list[SignedRequest]:
    return [dataclasses.replace(_signed(url), method="PUT")]


ROWS = [
    Row("genuine V2", lambda u: [_only(_signed(u), *V2)], [(True, "valid V2")], v2_only=True),
    Row("genuine V3", lambda u: [_only(_signed(u), *V3)], [(True, "valid V3")]),
    Row("V2 and V3", lambda u: [_signed(u)], [(True, "valid V3")]),
    Row(
        "V2 with a bad V3",
        lambda u: [_with(_signed(u), X_Plivo_Signature_V3="AAAA" * 11, X_Plivo_Signature_Ma_V3="")],
        [(False, "invalid")],
    ),
    Row(
        "stripped V3, changed body",
        lambda u: [(r := _signed(u)), _body(_only(r, *V2), b"&Amount=1000")],
        [(True, "valid V3"), (False, "replayed nonce")],
        single=False,
    ),
    Row(
        "identical repeat",
        lambda u: [(r := _signed(u)), r],
        [(True, "valid V3"), (True, "valid V3")],
        single=False,
    ),
    Row(
        "same nonce, changed body",
        lambda u: [(r := _signed(u)), _body(r, b"&Amount=1000")],
        [(True, "valid V3"), (False, "invalid")],
        single=False,
    ),
    Row("letter nonce", _letter_nonce, [(False, "invalid")]),
    Row("wrong token", lambda u: [_signed(u, ELSE, ELSE)], [(False, "invalid")]),
    Row(
        "wrong token, V2 only",
        lambda u: [_only(_signed(u, ELSE, ELSE), "Signature-V2", "V2-Nonce")],
        [(False, "invalid")],
        v2_only=True,
    ),
    Row("old token in rotation", lambda u: [_signed(u, OLD)], [(True, "valid V3")]),
    Row(
        "old token, V2 only",
        lambda u: [_only(_signed(u, OLD), "Signature-V2", "V2-Nonce")],
        [(True, "valid V2")],
        v2_only=True,
    ),
    Row("new token in rotation", lambda u: [_signed(u, NEW)], [(True, "valid V3")]),
    Row(
        "Ma-V2 only",
        lambda u: [_only(_signed(u, "MAsub-account-token-7777"), "Ma-V2", "V2-Nonce")],
        [(True, "valid Ma-V2")],
    ),
    Row(
        "Ma-V3 only",
        lambda u: [_only(_signed(u, "MAsub-account-token-7777"), "Ma-V3", "V3-Nonce")],
        [(True, "valid Ma-V3")],
    ),
    Row("PUT", _put, [(False, "method not allowed")]),
    Row("GET with a query", lambda u: [_signed(u, method="GET")], [(True, "valid V3")]),
]
IDS = [row.name for row in ROWS]


# --- the entry points ------------------------------------------------------------------------


def _app(**options: Any) -> WebhookApp:
    return WebhookApp(echo, (NEW, OLD), main_auth_token=MAIN, **options)


def _by_verify(row: Row) -> list[Expected]:
    url, store = "http://testserver/receive_sms/", MemoryNonceStore()
    results = [
        verify(
            r.method,
            r.url,
            r.headers,
            r.body,
            auth_token=(NEW, OLD),
            main_auth_token=MAIN,
            nonces=store,
        )  # fmt: skip
        for r in row.make(url)
    ]
    return [(r.accepted, r.verdict) for r in results]


def _by_webhook_app(row: Row) -> list[Expected]:
    app = _app()
    seen = []
    for request in row.make("http://testserver/receive_sms/"):
        reply = request.send(target=app)
        seen.append((reply.status == 200, app.log.last.verdict))
    return seen


def _by_local_webhook(row: Row) -> list[Expected]:
    seen = []
    with LocalWebhook(_app()) as hook:
        for request in row.make(hook.url):
            reply = request.send()
            seen.append((reply.status == 200, hook.log.last.verdict))
    return seen


def _by_flask(row: Row) -> list[Expected]:
    app = flask.Flask(__name__)
    verdicts: list[str] = []

    @app.route("/receive_sms/", methods=["GET", "POST", "PUT"])
    @plivo_webhook((NEW, OLD), main_auth_token=MAIN)
    def receive_sms() -> Response:
        return Response()

    @app.after_request
    def note(response: Any) -> Any:
        verdicts.append(flask.g.plivo_signature.verdict)
        return response

    client, seen = app.test_client(), []
    for request in row.make("http://localhost/receive_sms/"):
        path = request.url.split("localhost", 1)[1]
        reply = client.open(path, method=request.method, data=request.body, headers=request.headers)
        seen.append((reply.status_code == 200, verdicts[-1]))
    return seen


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """An app that answers 200 to anything: the proxy's verdict is the proxy's own."""

    def ok(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b"<Response/>"]

    server = make_server("127.0.0.1", 0, ok, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _by_proxy(row: Row, upstream: str) -> list[Expected]:
    proxy = ProxyApp(upstream, (NEW, OLD), main_auth_token=MAIN)
    seen = []
    for request in row.make("http://testserver/receive_sms/"):
        request.send(target=proxy)
        verdict = proxy.exchanges[-1].verdict.removesuffix(" (duplicate)")
        seen.append((verdict.startswith("valid"), verdict))
    return seen


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_every_entry_point_gives_the_tables_verdict(row: Row, upstream: str) -> None:
    assert _by_verify(row) == row.expected
    assert _by_webhook_app(row) == row.expected
    assert _by_local_webhook(row) == row.expected
    assert _by_flask(row) == row.expected
    assert _by_proxy(row, upstream) == row.expected


@pytest.mark.parametrize("row", [r for r in ROWS if r.single], ids=lambda r: r.name)
def test_replay_judges_a_recording_by_the_same_policy(
    row: Row, tmp_path: Path, capsys: Any
) -> None:
    """``smsxml replay`` prints each recorded request's verdict: the policy's."""
    (request,) = row.make("http://testserver/receive_sms/")
    recorded = RecordedRequest(request.method, request.url, request.headers,
                               request.params, request.body.decode())  # fmt: skip
    path = tmp_path / "one.jsonl"
    path.write_text(recorded.to_json() + "\n", encoding="utf-8")
    argv = ["replay", str(path), "--url", "http://127.0.0.1:9/receive_sms/", "--no-resign",
            "--auth-token", NEW, "--old-auth-token", OLD, "--main-auth-token", MAIN]  # fmt: skip
    main(argv)  # port 9: nothing answers; the line still says what was recorded
    ((accepted, verdict),) = row.expected
    assert f"signature {verdict}  →" in capsys.readouterr().out


@pytest.mark.parametrize("row", [r for r in ROWS if r.v2_only], ids=lambda r: r.name)
def test_smsxml_verify_and_the_explorer_agree_on_v2_rows(row: Row, capsys: Any) -> None:
    from smsxml.widgets import SignatureExplorer

    (request,) = row.make("https://example.com/receive_sms/")
    ((accepted, _),) = row.expected
    argv = ["verify", "--url", request.url, "--nonce", request.nonce or "",
            "--signature", request.signature or "", "--auth-token", NEW,
            "--old-auth-token", OLD]  # fmt: skip
    assert main(argv) == (0 if accepted else 1)
    assert capsys.readouterr().out.startswith("valid" if accepted else "invalid")
    # the explorer takes one token apart: the one that should validate this row
    token = OLD if row.name.startswith("old token") else NEW
    explorer = SignatureExplorer(request.url, request.nonce, token, request.signature)
    assert explorer.valid is accepted


# --- what the policy says besides the verdict ---------------------------------------------------


def test_rotation_says_which_token_validated() -> None:
    url = "http://testserver/receive_sms/"
    for token, index in ((NEW, 0), (OLD, 1)):
        r = _signed(url, token)
        result = verify("POST", url, r.headers, r.body, auth_token=(NEW, OLD))
        assert result.accepted and result.token_index == index


def test_an_identical_repeat_is_marked_a_duplicate_in_the_log() -> None:
    app = _app()
    request = _signed("http://testserver/receive_sms/")
    assert [request.send(target=app).status for _ in "ab"] == [200, 200]
    assert [e.detail for e in app.log] == ["", "duplicate"]
    assert "valid V3 (duplicate)" in str(app.log.last)


def test_a_letter_nonce_is_refused_with_its_reason() -> None:
    (request,) = _letter_nonce("http://testserver/receive_sms/")
    result = verify("POST", request.url, request.headers, request.body, auth_token=NEW)
    assert not result.accepted and "not digits" in result.reason


def test_warn_mode_lets_v2_decide_and_says_so() -> None:
    url = "http://testserver/receive_sms/"
    request = _with(_signed(url), X_Plivo_Signature_V3="AAAA" * 11, X_Plivo_Signature_Ma_V3="")
    result = verify("POST", url, request.headers, request.body, auth_token=NEW, v3_mismatch="warn")
    assert result.accepted and result.verdict == "valid V2"
    assert any("warn mode" in note for note in result.notes)
    app = _app(v3_mismatch="warn")
    assert request.send(target=app).status == 200 and "warn mode" in app.log.last.detail


def test_strict_v3_refuses_v2_alone_everywhere(upstream: str) -> None:
    url = "http://testserver/receive_sms/"
    v2_alone = _only(_signed(url), *V2)
    app = _app(signature_versions=("V3",))
    assert v2_alone.send(target=app).status == 403 and app.log.last.verdict == "missing"
    result = verify("POST", url, v2_alone.headers, v2_alone.body, auth_token=NEW,
                    versions=("V3",))  # fmt: skip
    assert not result.accepted


def test_a_seeded_simulator_run_twice_is_never_refused() -> None:
    """The same seed against one app: the same texts are duplicates, other texts get other
    nonces; nothing is refused."""
    app = _app(status_path="/sms_status/")
    for texts in (["hi", "hello"], ["hi", "hello"], ["hello", "something else"]):
        simulator = smsxml.Simulator(NEW, seed=5)
        for text in texts:
            flow = simulator.receive_sms(app, FROM, TO, text)
            assert flow.reply is not None and flow.reply.status == 200, flow
    assert {e.status for e in app.log} == {200}
    assert sum(e.detail == "duplicate" for e in app.log) >= 2


# --- the docs say what the code does ---------------------------------------------------------


def test_the_nonce_shift_case_of_the_docs() -> None:
    """docs/signature-v3.md: a "." in the nonce lets one signature vouch for another text."""
    token = "MAdocsTOKEN-0123456789abcdef"
    genuine = "https://example.com/receive_sms/?Text=hi.there"
    shifted = "https://example.com/receive_sms/?Text=hi"
    signature = sign_v3("GET", genuine, "12345", token)
    assert sign_v3("GET", shifted, "there.12345", token) == signature
    docs = (ROOT / "docs" / "signature-v3.md").read_text(encoding="utf-8")
    assert "there.12345" in docs and "not digits" in docs
    headers = {"X-Plivo-Signature-V3": signature, "X-Plivo-Signature-V3-Nonce": "there.12345"}
    result = verify("GET", shifted, headers, auth_token=token)
    assert not result.accepted and result.reason in " ".join(docs.split())
    headers["X-Plivo-Signature-V3-Nonce"] = "12345"
    assert verify("GET", genuine, headers, auth_token=token).accepted


def test_the_readme_names_exactly_the_proxy_flags_its_help_lists(capsys: Any) -> None:
    assert main(["proxy", "--help"]) == 0
    helped = set(re.findall(r"--[a-z][a-z-]+", capsys.readouterr().out)) - {"--help"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = (
        next(block for block in readme.split("```") if "smsxml proxy --to" in block)
        .split("smsxml proxy --to", 1)[1]
        .split("smsxml replay", 1)[0]
    )
    named = set(re.findall(r"--[a-z][a-z-]+", usage)) | {"--to"}
    assert named <= helped, named - helped
    assert helped - {"--auth-token", "--main-auth-token"} <= named, helped - named
