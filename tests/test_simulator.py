"""The simulator plays Plivo against real apps: over HTTP on 127.0.0.1 and in-process."""

from __future__ import annotations

import json
import re
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import plivo.utils
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from smsxml.exc import SimulatorError
from smsxml.flow import Flow, FlowProblem
from smsxml.protocol import DEFAULT_ERROR_CODES
from smsxml.simulator import IN_PROCESS_URL, Simulator
from smsxml.simulator.targets import requester_ip
from smsxml.webhook import LocalWebhook, WebhookApp, request_url
from smsxml.xml import Response

TOKEN = "sim-test-TOKEN-5f1c2a9e77"
MAIN = "sim-test-MAIN-token-0b3d8c1f42"
OWN = "12025550000"
PHONE = "14155550100"
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")
LONG = "Thanks for writing! " * 10  # 200 GSM-7 characters: 2 units


# --- a real callback receiver --------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class StatusApp:
    """A callbackUrl endpoint: records every delivery report, checks its signatures with
    the plivo SDK against the URL it was reached at, and answers ``status``."""

    def __init__(self, token: str = TOKEN, main: str | None = None, status: str = "200 OK"):
        self.token, self.main, self.status = token, main, status
        self.calls: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        url = request_url(environ)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        nonce = environ.get("HTTP_X_PLIVO_SIGNATURE_V2_NONCE", "")
        call = {
            "method": environ["REQUEST_METHOD"],
            "url": url,
            "query": dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
            "form": dict(parse_qsl(body.decode(), keep_blank_values=True)),
            "v2_valid": plivo.utils.validate_signature(
                url, nonce, environ.get("HTTP_X_PLIVO_SIGNATURE_V2", ""), self.token
            ),
        }
        if self.main:
            call["ma_valid"] = plivo.utils.validate_signature(
                url, nonce, environ.get("HTTP_X_PLIVO_SIGNATURE_MA_V2", ""), self.main
            )
        call["params"] = {**call["query"], **call["form"]}
        self.calls.append(call)
        start_response(self.status, [("Content-Type", "text/plain")])
        return [b"ok"]


class Server:
    """A real HTTP server on 127.0.0.1 (stdlib wsgiref) serving one WSGI app."""

    def __init__(self, app: Any):
        self.app = app
        self.httpd: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str = "/status/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def status_server() -> Iterator[Server]:
    server = Server(StatusApp(TOKEN, MAIN))
    yield server
    server.stop()


def auto_reply(callback_url: str | None, method: str | None = None, text: str | None = None):
    """A message_url handler answering the sender, with delivery reports to callback_url."""

    def handler(message: Any) -> Response:
        return Response().add_message(
            text if text is not None else f"You said: {message.text}",
            src=message.to,
            dst=message.from_,
            callback_url=callback_url,
            callback_method=method,
        )

    return handler


class Router:
    """One WSGI app serving both the message_url (a WebhookApp) and a callbackUrl."""

    def __init__(self, webhook: WebhookApp, status: StatusApp, status_path: str = "/status/"):
        self.webhook, self.status, self.status_path = webhook, status, status_path
        self.path = webhook.path

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == self.status_path:
            return self.status(environ, start_response)
        return self.webhook(environ, start_response)


def raw_app(status: str, content_type: str, body: str):
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(status, [("Content-Type", content_type)])
        return [body.encode()]

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def codes(flow: Flow) -> list[str]:
    return [p.code for p in flow.problems]


# --- the full flow -------------------------------------------------------------------------


def _comparable(flow: Flow) -> dict[str, Any]:
    """What must not depend on the transport: outbound and reports, URLs left out."""
    data = flow.to_dict()
    for m in data["outbound"]:
        m.pop("callback_url")
    reports = [
        {k: v for k, v in r["request"]["params"].items()} | {"_status": r["status"]}
        for r in data["reports"]
    ]
    return {
        "outbound": data["outbound"],
        "reports": reports,
        "kinds": [e["kind"] for e in data["timeline"] if e["kind"] not in ("problem", "warning")],
    }


def test_full_flow_over_http_and_in_process_agree(status_server: Server) -> None:
    with LocalWebhook(auto_reply(status_server.url()), TOKEN) as hook:
        http = Simulator(TOKEN, seed=3).receive_sms(hook.url, PHONE, OWN, "hello")
        entry = hook.log.last
    assert entry is not None and entry.status == 200 and entry.verdict == "valid V3"
    assert http.reply is not None and http.reply.status == 200
    assert http.reply.content_type == "application/xml"
    assert http.ok and not http.in_process
    # 127.0.0.1 as callbackUrl: Plivo could not reach it — a warning, not an error.
    assert codes(http) == ["callback-unreachable"]
    assert [(m.src, m.dst, m.text, m.status) for m in http.outbound] == [
        (OWN, PHONE, "You said: hello", "delivered")
    ]
    assert [r.status for r in http.reports] == ["queued", "sent", "delivered"]
    assert all(r.response_status == 200 and r.ok and not r.in_process for r in http.reports)
    assert [c["params"]["Status"] for c in status_server.app.calls] == [
        "queued",
        "sent",
        "delivered",
    ]
    assert all(c["v2_valid"] and c["ma_valid"] is False for c in status_server.app.calls)

    status = StatusApp(TOKEN)
    router = Router(WebhookApp(auto_reply("http://testserver/status/"), TOKEN), status)
    local = Simulator(TOKEN, seed=3).receive_sms(router, PHONE, OWN, "hello")
    assert local.in_process and local.inbound.url == "http://testserver/receive_sms/"
    assert router.webhook.log.last.verdict == "valid V3"
    assert all(r.in_process and r.response_status == 200 for r in local.reports)
    assert [c["url"] for c in status.calls] == ["http://testserver/status/"] * 3
    assert all(c["v2_valid"] for c in status.calls)
    assert _comparable(local) == _comparable(http)


def test_wsgi_app_path_and_url_override() -> None:
    app = WebhookApp(auto_reply(None), TOKEN, path="/sms/in")
    flow = Simulator(TOKEN).receive_sms(app, PHONE, OWN, "hi")
    assert flow.inbound.url == "http://testserver/sms/in" and flow.ok
    assert app.log.last.status == 200
    other = WebhookApp(auto_reply(None), TOKEN)
    flow = Simulator(TOKEN).receive_sms(
        other, PHONE, OWN, "hi", url="https://example.test/receive_sms/"
    )
    assert flow.inbound.url == "https://example.test/receive_sms/"
    assert other.log.last.url == "https://example.test/receive_sms/"
    assert IN_PROCESS_URL == "http://testserver/receive_sms/"


def test_callbacks_to_another_host_leave_the_process(status_server: Server) -> None:
    """In-process mode: a callbackUrl on another host is called over HTTP."""
    app = WebhookApp(auto_reply(status_server.url()), TOKEN)
    flow = Simulator(TOKEN).receive_sms(app, PHONE, OWN, "hi")
    assert [r.in_process for r in flow.reports] == [False] * 3
    assert len(status_server.app.calls) == 3 and all(r.ok for r in flow.reports)


def test_seeded_runs_are_identical() -> None:
    def run() -> Flow:
        router = Router(
            WebhookApp(auto_reply("http://testserver/status/"), TOKEN), StatusApp(TOKEN)
        )
        return Simulator(TOKEN, seed=42).receive_sms(router, PHONE, OWN, LONG)

    first, second = run(), run()
    assert first.to_dict() == second.to_dict()
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())
    assert first.sequence_diagram().data == second.sequence_diagram().data
    assert str(first) == str(second) and first._repr_html_() == second._repr_html_()
    assert first.timeline[0].time == "2026-01-01 12:00:00.000000"
    times = [e.time for e in first.timeline]
    assert times == sorted(times)
    other = Simulator(TOKEN, seed=43).receive_sms(
        Router(WebhookApp(auto_reply("http://testserver/status/"), TOKEN), StatusApp(TOKEN)),
        PHONE,
        OWN,
        LONG,
    )
    assert other.outbound[0].message_uuid != first.outbound[0].message_uuid
    assert other.inbound.nonce != first.inbound.nonce


def test_unseeded_runs_use_fresh_randomness_and_real_time() -> None:
    app = WebhookApp(auto_reply(None), TOKEN)
    a = Simulator(TOKEN).receive_sms(app, PHONE, OWN, "hi")
    b = Simulator(TOKEN).receive_sms(app, PHONE, OWN, "hi")
    assert a.inbound.nonce != b.inbound.nonce
    assert a.outbound[0].message_uuid != b.outbound[0].message_uuid
    assert not a.timeline[0].time.startswith("2026-01-01 12:00:00")


def test_bulk_destinations_are_split(status_server: Server) -> None:
    def handler(message: Any) -> Response:
        return Response().add_message(
            "Sale today",
            src=OWN,
            dst=["14155550101", "+14155550102"],
            callback_url=status_server.url(),
        )

    with LocalWebhook(handler, TOKEN) as hook:
        flow = Simulator(TOKEN, seed=1).receive_sms(hook.url, PHONE, OWN, "deals?")
    assert [m.dst for m in flow.outbound] == ["14155550101", "14155550102"]
    assert len({m.message_uuid for m in flow.outbound}) == 2
    to = [c["params"]["To"] for c in status_server.app.calls]
    assert to == ["14155550101", "14155550102"] * 3  # queued both, sent both, delivered both
    assert [r.status for r in flow.reports] == ["queued"] * 2 + ["sent"] * 2 + ["delivered"] * 2


@pytest.mark.parametrize(
    ("text", "units", "encoding"), [(LONG, 2, "GSM-7"), ("Grüße 😀 " * 10, 2, "UCS-2")]
)
def test_a_long_message_has_one_uuid_and_one_report_per_status(
    text: str, units: int, encoding: str
) -> None:
    """Plivo today: ParentMessageUUID = MessageUUID, PartInfo reserved, one report a status."""
    status = StatusApp(TOKEN)
    router = Router(WebhookApp(auto_reply("http://testserver/status/", text=text), TOKEN), status)
    flow = Simulator(TOKEN, seed=5).receive_sms(router, PHONE, OWN, "long one please")
    (message,) = flow.outbound
    assert (message.units, message.encoding) == (units, encoding)
    assert "".join(p.text for p in message.parts) == text
    assert {p.message_uuid for p in message.parts} == {message.message_uuid}
    params = [c["params"] for c in status.calls]
    assert [p["Status"] for p in params] == ["queued", "sent", "delivered"]
    assert {p["MessageUUID"] for p in params} == {message.message_uuid}
    assert {p["ParentMessageUUID"] for p in params} == {message.message_uuid}
    assert {p["PartInfo"] for p in params} == {""}
    assert {p["Units"] for p in params} == {str(units)}
    assert [r.sequence for r in flow.reports] == [1, 2, 3]


@pytest.mark.parametrize(
    ("text", "units", "encoding"), [(LONG, 2, "GSM-7"), ("Grüße 😀 " * 10, 2, "UCS-2")]
)
def test_legacy_reports_report_each_part(text: str, units: int, encoding: str) -> None:
    status = StatusApp(TOKEN)
    router = Router(WebhookApp(auto_reply("http://testserver/status/", text=text), TOKEN), status)
    simulator = Simulator(TOKEN, seed=5, legacy_reports=True)
    flow = simulator.receive_sms(router, PHONE, OWN, "long one please")
    (message,) = flow.outbound
    assert (message.units, message.encoding) == (units, encoding)
    assert len(message.parts) == units
    assert message.message_uuid == message.parts[0].message_uuid
    assert "".join(p.text for p in message.parts) == text
    assert [p.part_info for p in message.parts] == ["1 of 2", "2 of 2"]
    assert message.total_amount == f"{Decimal('0.005') * units:.5f}"
    params = [c["params"] for c in status.calls]
    assert len(params) == 3 * units
    assert {p["ParentMessageUUID"] for p in params} == {message.message_uuid}
    assert {p["MessageUUID"] for p in params} == {p.message_uuid for p in message.parts}
    assert {p["Units"] for p in params} == {str(units)}
    assert {p["TotalAmount"] for p in params} == {message.total_amount}
    assert [p["PartInfo"] for p in params[:2]] == ["1 of 2", "2 of 2"]


def test_a_src_the_account_does_not_own_is_refused(status_server: Server) -> None:
    def handler(message: Any) -> Response:
        return (
            Response()
            .add_message(
                "from a stranger",
                src="14155559999",
                dst=message.from_,
                callback_url=status_server.url(),
            )
            .add_message("from us", src="+" + OWN, dst=message.from_)
        )

    with LocalWebhook(handler, TOKEN) as hook:
        flow = Simulator(TOKEN, numbers=[OWN]).receive_sms(hook.url, PHONE, OWN, "hi")
    assert "src-not-owned" in codes(flow) and not flow.ok
    refused = next(p for p in flow.problems if p.code == "src-not-owned")
    assert isinstance(refused, FlowProblem) and "#1" in refused.message
    assert "14155559999" in str(refused)
    assert [(m.src, m.text) for m in flow.outbound] == [(OWN, "from us")]
    assert status_server.app.calls == [] and flow.reports == []


def test_invalid_reply_xml_sends_nothing(status_server: Server) -> None:
    bad = (
        f'<Response><Message src="{OWN}" dst="{PHONE}" callbackUrl="{status_server.url()}">'
        'ok</Message><message src="1" dst="2">lower case</message></Response>'
    )
    flow = Simulator(TOKEN).receive_sms(raw_app("200 OK", "text/xml", bad), PHONE, OWN, "hi")
    assert flow.reply is not None and flow.reply.text == bad
    assert "nothing-sent" in codes(flow) and len(flow.errors) >= 2
    assert any(p.line == 1 for p in flow.errors)  # the XML problem, with its position
    assert flow.outbound == [] and flow.reports == [] and status_server.app.calls == []
    assert "nothing-sent" in str(flow)


@pytest.mark.parametrize(
    ("status", "content_type", "code"),
    [
        ("500 Internal Server Error", "application/xml", "reply-status"),
        ("302 Found", "application/xml", "reply-status"),
        ("200 OK", "text/html", "reply-content-type"),
        ("200 OK", "", "reply-content-type"),
    ],
)
def test_reply_status_and_content_type_are_checked(
    status: str, content_type: str, code: str
) -> None:
    xml = f'<Response><Message src="{OWN}" dst="{PHONE}">hi</Message></Response>'
    flow = Simulator(TOKEN).receive_sms(raw_app(status, content_type, xml), PHONE, OWN, "x")
    assert codes(flow) == [code] and flow.outbound == [] and not flow.ok


def test_a_wrong_token_over_http_is_a_403_problem() -> None:
    with LocalWebhook(auto_reply(None), "another-token-entirely") as hook:
        flow = Simulator(TOKEN).receive_sms(hook.url, PHONE, OWN, "hi")
        assert hook.log.last.status == 403
    assert codes(flow) == ["reply-status"] and "403" in str(flow.problems[0])
    assert flow.outbound == []


def test_application_xml_and_text_xml_are_both_accepted() -> None:
    xml = f'<Response><Message src="{OWN}" dst="{PHONE}">hi</Message></Response>'
    for kind in ("text/xml; charset=utf-8", "application/xml"):
        flow = Simulator(TOKEN).receive_sms(raw_app("200 OK", kind, xml), PHONE, OWN, "x")
        assert flow.ok and len(flow.outbound) == 1


def test_an_empty_response_sends_nothing_and_is_fine() -> None:
    flow = Simulator(TOKEN).receive_sms(
        raw_app("200 OK", "application/xml", "<Response/>"), PHONE, OWN, "x"
    )
    assert flow.ok and codes(flow) == ["empty-response"] and flow.outbound == []
    assert flow.problems[0].severity == "warning"


def test_app_crash_and_unreachable_message_url() -> None:
    def crash(environ: Any, start_response: Any) -> Any:
        raise RuntimeError("boom")

    flow = Simulator(TOKEN).receive_sms(crash, PHONE, OWN, "x")
    assert flow.reply.status == 500 and codes(flow) == ["reply-status"]
    down = f"http://127.0.0.1:{free_port()}/receive_sms/"
    flow = Simulator(TOKEN).receive_sms(down, PHONE, OWN, "x", timeout=2)
    assert flow.reply is None and codes(flow) == ["message-url-unreachable"]
    assert "connection refused" in str(flow.problems[0])


# --- outcomes ------------------------------------------------------------------------------


def test_outcomes_failed_undelivered_rejected(status_server: Server) -> None:
    dsts = ["14155550101", "14155550102", "14155550103", "14155550104", "14155550105"]

    def handler(message: Any) -> Response:
        return Response().add_message("hi all", src=OWN, dst=dsts, callback_url=status_server.url())

    outcomes = {
        "14155550101": "failed",
        "+14155550102": "undelivered",
        "14155550103": "rejected",
        "14155550104": ("undelivered", 30),
        "14155550105": "sent",
    }
    with pytest.raises(SimulatorError, match="'rejected' is a status of Plivo's older"):
        Simulator(TOKEN, outcomes=outcomes)
    simulator = Simulator(TOKEN, outcomes=outcomes, seed=9, legacy_reports=True)
    with LocalWebhook(handler, TOKEN) as hook:
        flow = simulator.receive_sms(hook.url, PHONE, OWN, "x")
    by_dst = {m.dst: m for m in flow.outbound}
    assert {d: (m.status, m.error_code) for d, m in by_dst.items()} == {
        "14155550101": ("failed", DEFAULT_ERROR_CODES["failed"]),
        "14155550102": ("undelivered", DEFAULT_ERROR_CODES["undelivered"]),
        "14155550103": ("rejected", ""),
        "14155550104": ("undelivered", "30"),
        "14155550105": ("sent", ""),
    }
    assert by_dst["14155550101"].total_amount == "0.00000"  # failed: not charged

    def history(dst: str) -> list[tuple[str, str | None]]:
        return [
            (c["params"]["Status"], c["params"].get("ErrorCode"))
            for c in status_server.app.calls
            if c["params"]["To"] == dst
        ]

    assert history("14155550101") == [("queued", None), ("failed", "900")]
    assert history("14155550102") == [("queued", None), ("sent", None), ("undelivered", "20")]
    assert history("14155550103") == [("queued", None), ("sent", None), ("rejected", None)]
    assert history("14155550104")[-1] == ("undelivered", "30")
    assert history("14155550105") == [("queued", None), ("sent", None)]
    failed = [c["params"] for c in status_server.app.calls if c["params"]["To"] == "14155550101"]
    assert failed[-1]["SentTime"] == "" and failed[-1]["TotalAmount"] == "0.00000"


@pytest.mark.parametrize(
    "outcomes",
    [
        {"14155550101": "lost"},
        {"14155550101": ("rejected", 30)},
        {"14155550101": ("delivered", 20)},
        {"14155550101": ("failed", "abc")},
        {"14155550101": 3},
        ["14155550101"],
    ],
)
def test_bad_outcomes_are_refused(outcomes: Any) -> None:
    with pytest.raises(SimulatorError):
        Simulator(TOKEN, outcomes=outcomes)


def test_bad_simulator_arguments() -> None:
    with pytest.raises(SimulatorError):
        Simulator(TOKEN, numbers=[])
    with pytest.raises(SimulatorError):
        Simulator(TOKEN, rate="cheap")
    with pytest.raises(SimulatorError, match="your own numbers"):
        Simulator(TOKEN).receive_sms(raw_app("200 OK", "text/xml", ""), PHONE, "19998887777", "x")
    with pytest.raises(SimulatorError):
        Simulator(TOKEN).receive_sms(42, PHONE, OWN, "x")
    with pytest.raises(ValueError):  # a bad URL is the user's error, in their terms
        Simulator(TOKEN).receive_sms("not a url", PHONE, OWN, "x")


# --- callbacks ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_callback_methods_and_signatures(status_server: Server, method: str) -> None:
    callback = status_server.url("/status/?account=42&tag=a%20b")
    with LocalWebhook(auto_reply(callback, method=method), TOKEN) as hook:
        flow = Simulator(TOKEN, main_auth_token=MAIN, seed=11).receive_sms(
            hook.url, PHONE, OWN, "hi"
        )
    calls = status_server.app.calls
    assert len(calls) == 3 and [r.request.method for r in flow.reports] == [method] * 3
    for call, report in zip(calls, flow.reports, strict=True):
        assert call["method"] == method
        assert call["v2_valid"] and call["ma_valid"]  # checked by plivo.utils on the server
        assert call["query"]["account"] == "42" and call["query"]["tag"] == "a b"
        if method == "GET":
            assert call["form"] == {} and call["query"]["Status"] == report.status
            assert report.request.url.startswith(callback + "&")
        else:
            assert call["form"]["Status"] == report.status
            assert set(call["query"]) == {"account", "tag"}
    params = calls[0]["params"]
    expected = [
        "MessageUUID",
        "To",
        "From",
        "Type",
        "Status",
        "Units",
        "TotalRate",
        "TotalAmount",
        "MCC",
        "MNC",
        "ParentMessageUUID",
        "PartInfo",
        "Sequence",
        "MessageTime",
        "QueuedTime",
        "SentTime",
        "DeliveryReportTime",
        "PowerpackUUID",
    ]
    assert set(expected) <= set(params) and "ErrorCode" not in params
    assert (params["From"], params["To"], params["Type"]) == (OWN, PHONE, "sms")
    assert params["TotalRate"] == "0.00500" and params["PowerpackUUID"] == ""
    assert (params["MCC"], params["MNC"]) == ("310", "260")


def test_callback_connection_refused_is_recorded() -> None:
    down = f"http://127.0.0.1:{free_port()}/status/"
    with LocalWebhook(auto_reply(down), TOKEN) as hook:
        flow = Simulator(TOKEN).receive_sms(hook.url, PHONE, OWN, "hi", timeout=2)
    assert [r.status for r in flow.reports] == ["queued", "sent", "delivered"]
    assert all(r.response_status is None and not r.ok for r in flow.reports)
    assert all("connection refused" in r.error for r in flow.reports)
    assert flow.outbound[0].status == "delivered"
    assert [e.kind for e in flow.timeline].count("callback-error") == 3
    assert "not delivered" in str(flow)


def test_callbacks_to_the_internet_are_not_sent() -> None:
    app = WebhookApp(auto_reply("https://example.com/sms_status/"), TOKEN)
    flow = Simulator(TOKEN).receive_sms(app, PHONE, OWN, "hi")
    assert [r.status for r in flow.reports] == ["queued", "sent", "delivered"]
    assert all(r.response_status is None and "not sent" in r.error for r in flow.reports)
    assert "example.com" in flow.reports[0].error
    assert not any(e.kind == "callback" for e in flow.timeline)
    assert flow.ok and flow.outbound[0].status == "delivered"


def test_a_callback_answered_with_an_error_is_recorded() -> None:
    status = StatusApp(TOKEN, status="503 Service Unavailable")
    router = Router(WebhookApp(auto_reply("http://testserver/status/"), TOKEN), status)
    flow = Simulator(TOKEN).receive_sms(router, PHONE, OWN, "hi")
    assert [r.response_status for r in flow.reports] == [503] * 3
    assert not any(r.ok for r in flow.reports)


def test_sequence_and_timestamps() -> None:
    status = StatusApp(TOKEN)
    router = Router(WebhookApp(auto_reply("http://testserver/status/", text=LONG), TOKEN), status)
    flow = Simulator(TOKEN, seed=2, legacy_reports=True).receive_sms(router, PHONE, OWN, "hi")
    by_part: dict[str, list[dict[str, str]]] = {}
    for call in status.calls:
        by_part.setdefault(call["params"]["MessageUUID"], []).append(call["params"])
    assert len(by_part) == 2
    for reports in by_part.values():
        assert [r["Sequence"] for r in reports] == ["1", "2", "3"]
        assert [r["Status"] for r in reports] == ["queued", "sent", "delivered"]
        queued, sent, delivered = reports
        for name in ("MessageTime", "QueuedTime"):
            assert STAMP.match(queued[name]) and queued[name] == delivered[name]
        assert queued["SentTime"] == "" and queued["DeliveryReportTime"] == ""
        assert STAMP.match(sent["SentTime"]) and sent["DeliveryReportTime"] == ""
        assert STAMP.match(delivered["DeliveryReportTime"])
        assert queued["QueuedTime"] < sent["SentTime"] < delivered["DeliveryReportTime"]
    assert [r.sequence for r in flow.reports] == [1, 1, 2, 2, 3, 3]


def test_real_time_timestamps_have_the_plivo_format() -> None:
    status = StatusApp(TOKEN)
    router = Router(WebhookApp(auto_reply("http://testserver/status/"), TOKEN), status)
    Simulator(TOKEN).receive_sms(router, PHONE, OWN, "hi")
    last = status.calls[-1]["params"]
    for name in ("MessageTime", "QueuedTime", "SentTime", "DeliveryReportTime"):
        assert STAMP.match(last[name]), name


# --- views ----------------------------------------------------------------------------------


def test_views_never_show_a_token(status_server: Server) -> None:
    with LocalWebhook(auto_reply(status_server.url()), TOKEN, main_auth_token=MAIN) as hook:
        sim = Simulator(TOKEN, main_auth_token=MAIN, seed=4, outcomes={PHONE: "undelivered"})
        flow = sim.receive_sms(hook.url, PHONE, OWN, "hi")
    assert flow.ok and flow.outbound[0].status == "undelivered"
    views = [
        repr(flow),
        str(flow),
        flow._repr_html_(),
        json.dumps(flow.to_dict()),
        flow.sequence_diagram().data,
        repr(sim),
        repr(flow.reports[0]),
        repr(flow.inbound),
    ]
    for text in views:
        assert TOKEN not in text and MAIN not in text
    assert "Ma-V2" in str(flow)


def test_a_token_echoed_by_the_app_is_kept_and_an_exception_scrubbed() -> None:
    """The reply is the app's data, kept as sent; an exception's message is free text from
    outside smsxml, scrubbed of the token."""
    leaky = raw_app("200 OK", "text/html", f"<Response><!-- {TOKEN} --></Response>")

    def crash(environ: Any, start_response: Any) -> Any:
        raise RuntimeError(f"bad token {MAIN}")

    sim = Simulator(TOKEN, main_auth_token=MAIN)
    echoed = sim.receive_sms(leaky, PHONE, OWN, "hi")
    assert echoed.reply is not None and TOKEN in echoed.reply.text
    crashed = sim.receive_sms(crash, PHONE, OWN, "hi")
    assert not crashed.ok
    for text in (
        str(crashed),
        crashed._repr_html_(),
        json.dumps(crashed.to_dict()),
        crashed.sequence_diagram().data,
    ):
        assert TOKEN not in text and MAIN not in text
    assert crashed.reply is not None and "bad token ••••" in crashed.reply.text


def test_str_html_and_diagram_describe_the_flow() -> None:
    router = Router(WebhookApp(auto_reply("http://testserver/status/"), TOKEN), StatusApp(TOKEN))
    flow = Simulator(TOKEN, seed=8).receive_sms(router, PHONE, OWN, "<b>bold & brave</b>")
    text = str(flow)
    assert text.startswith("Flow: SMS from 14155550100 to 12025550000")
    assert "problems: none" in text and "delivered" in text and "timeline:" in text
    html = flow._repr_html_()
    assert "&lt;b&gt;bold &amp; brave&lt;/b&gt;" in html and "<b>bold" not in html
    svg = flow.sequence_diagram(title="auto-reply")
    for name in ("Phone", "Plivo", "Your app", "callbackUrl", "auto-reply"):
        assert f">{name}</text>" in svg.data
    assert "&lt;b&gt;" in svg.data and svg._repr_svg_() == svg.data
    assert len(re.findall("<polygon", svg.data)) == sum(
        1 for e in flow.timeline if e.target is not None
    )
    json.dumps(flow.to_dict())
    no_callbacks = Simulator(TOKEN, seed=8).receive_sms(
        WebhookApp(auto_reply(None), TOKEN), PHONE, OWN, "x"
    )
    assert ">callbackUrl</text>" not in no_callbacks.sequence_diagram().data


@settings(max_examples=examples(40), deadline=None)
@given(st.text(max_size=300))
def test_any_text_from_the_phone_gives_a_complete_flow(text: str) -> None:
    """Whatever is texted, the flow completes, serialises and draws; no exception."""
    router = Router(WebhookApp(auto_reply("http://testserver/status/"), TOKEN), StatusApp(TOKEN))
    flow = Simulator(TOKEN, seed=1).receive_sms(router, PHONE, OWN, text)
    assert flow.inbound.params["Text"] == text
    json.dumps(flow.to_dict())
    ET.fromstring(flow.sequence_diagram().data)
    str(flow), flow._repr_html_()
    if flow.ok:  # the echo could be written as XML: it was sent, and reported
        (message,) = flow.outbound
        assert message.text == f"You said: {text}"
        # one report per status (queued, sent, delivered) for the whole message, whatever
        # its units: Plivo's default (per-part reports are legacy_reports=True)
        assert len(flow.reports) == 3 and {r.part_info for r in flow.reports} == {""}
    else:  # e.g. a control character the handler cannot put in XML: a 500 from the app
        assert codes(flow) == ["reply-status"] and flow.reply.status == 500


# --- MMS and WhatsApp inbound ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mms", "whatsapp"])
def test_an_mms_or_whatsapp_message_reaches_the_app_and_the_reply_is_an_sms(kind: str) -> None:
    photo = "https://media.example.com/photo.jpg"
    seen = []

    def handler(message: Any) -> Response:
        seen.append(message)
        return Response().add_message("Nice photo!", src=message.to, dst=message.from_)

    app = WebhookApp(handler, TOKEN)
    flow = Simulator(TOKEN, numbers=[OWN], seed=3).receive_sms(
        app, PHONE, OWN, "look", type=kind, media=[photo]
    )
    [message] = seen
    assert (message.type, message.text, message.media) == (kind, "look", (photo,))
    assert flow.ok and [m.text for m in flow.outbound] == ["Nice photo!"]
    assert [m.type for m in flow.outbound] == ["sms"]
    [note] = [p for p in flow.problems if p.code == "reply-is-sms"]
    assert note.severity == "warning" and "Send Message API" in note.hint
    kind_name = "WhatsApp" if kind == "whatsapp" else "MMS"
    assert flow.timeline[0].summary.startswith(f"{kind_name} from {PHONE}")
    assert "+ 1 media" in flow.timeline[0].summary


def test_an_sms_reply_to_an_sms_carries_no_such_note() -> None:
    app = WebhookApp(lambda m: Response().add_message("hi", src=m.to, dst=m.from_), TOKEN)
    flow = Simulator(TOKEN, numbers=[OWN], seed=3).receive_sms(app, PHONE, OWN, "hi")
    assert flow.ok and not any(p.code == "reply-is-sms" for p in flow.problems)


def test_reports_carry_requester_ip() -> None:
    """Plivo's reports name the IP a send request came from (here: your app's reply)."""
    status = StatusApp(TOKEN)
    router = Router(WebhookApp(auto_reply("http://testserver/status/"), TOKEN), status)
    Simulator(TOKEN, seed=4).receive_sms(router, PHONE, OWN, "hi")
    assert {c["params"]["requester_ip"] for c in status.calls} == {"127.0.0.1"}
    assert requester_ip("https://203.0.113.7/receive_sms/", None) == "203.0.113.7"
    assert requester_ip("https://[2001:db8::1]/r/", None) == "2001:db8::1"
    assert requester_ip("https://app.example.com/r/", None) == ""


def test_reports_carry_exactly_the_documented_parameters() -> None:
    from smsxml.protocol import DELIVERY_REPORT_PARAMETERS

    status = StatusApp(TOKEN)
    router = Router(WebhookApp(auto_reply("http://testserver/status/"), TOKEN), status)
    outcomes = {PHONE: "undelivered"}
    Simulator(TOKEN, seed=8, outcomes=outcomes).receive_sms(router, PHONE, OWN, "hi")
    always = [k for k, when in DELIVERY_REPORT_PARAMETERS.items() if when == "always"]
    for call in status.calls:
        params = call["params"]
        expected = always + (["ErrorCode"] if params["Status"] == "undelivered" else [])
        assert sorted(params) == sorted(expected), params["Status"]
        assert list(params) == [k for k in DELIVERY_REPORT_PARAMETERS if k in params]  # order


def test_an_unseeded_timeline_is_spread_out_like_a_seeded_one() -> None:
    """Real time, moved on by the simulated steps: the events do not collapse into one ms."""
    app = WebhookApp(auto_reply("http://testserver/status/"), TOKEN)
    seeded = Simulator(TOKEN, seed=1).receive_sms(app, PHONE, OWN, "hi").timeline
    real = Simulator(TOKEN).receive_sms(app, PHONE, OWN, "hi").timeline
    stamps = [e.time for e in real]
    assert stamps == sorted(stamps) and len(set(stamps)) >= len(set(e.time for e in seeded)) - 1
    spread = datetime_of(stamps[-1]) - datetime_of(stamps[0])
    assert spread.total_seconds() >= 2.0  # the delivery receipt comes seconds later, as seeded


def datetime_of(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f")
