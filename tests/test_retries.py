"""Plivo's retries, played by the simulator on its own clock (Plivo support article
360041344652): a non-2xx answer or none within 8 s is tried again at 60, 180 and 420 s,
each try signed afresh with the same MessageUUID; status callbacks alike."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest

from smsxml.exc import SimulatorError
from smsxml.flow import Flow, RequestAttempt
from smsxml.simulator import RETRY_DELAYS, Simulator
from smsxml.simulator.clock import PLIVO_TIME_FORMAT
from smsxml.webhook import LocalWebhook, WebhookApp
from smsxml.xml import Response

TOKEN = "retry-test-TOKEN-8d2e4f6a10"
OTHER = "retry-test-OTHER-token-77c1"
OWN = "12025550000"
PHONE = "14155550100"
CALLBACK = "http://testserver/status/"


class Recorder:
    """A WSGI app: the message_url answers ``statuses`` in turn (then the last one again;
    200 answers with one <Message> to the sender, reports to ``/status/``), ``/status/``
    answers ``report_status``. Every call is kept: path, nonce, parameters."""

    def __init__(self, *statuses: int, report_status: int = 200, sleep_first: float = 0.0):
        self.statuses = list(statuses) or [200]
        self.report_status = report_status
        self.sleep_first = sleep_first
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        params = dict(parse_qsl(environ["wsgi.input"].read(length).decode()))
        path = environ["PATH_INFO"]
        with self._lock:
            self.calls.append(
                {"path": path, "nonce": environ.get("HTTP_X_PLIVO_SIGNATURE_V2_NONCE"), **params}
            )
            inbound = [c for c in self.calls if c["path"] != "/status/"]
        if path == "/status/":
            start_response(f"{self.report_status} X", [("Content-Type", "text/plain")])
            return [b"ok"]
        if len(inbound) == 1 and self.sleep_first:
            time.sleep(self.sleep_first)
            xml = Response().add_message("late", src=OWN, dst=PHONE).to_xml()
            start_response("200 OK", [("Content-Type", "application/xml")])
            return [xml.encode()]
        status = self.statuses[min(len(inbound), len(self.statuses)) - 1]
        if status != 200:
            start_response(f"{status} X", [("Content-Type", "text/plain")])
            return [b"no"]
        xml = Response().add_message(
            f"reply {len(inbound)}", src=OWN, dst=PHONE, callback_url=CALLBACK
        )
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [xml.to_xml().encode()]

    def inbound(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["path"] != "/status/"]

    def reports(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["path"] == "/status/"]


def seconds_after_first(attempts: list[RequestAttempt] | tuple[RequestAttempt, ...]) -> list[float]:
    times = [datetime.strptime(a.time, PLIVO_TIME_FORMAT) for a in attempts]
    return [(t - times[0]).total_seconds() for t in times]


def test_the_schedule_is_plivos() -> None:
    assert RETRY_DELAYS == (60.0, 120.0, 240.0)


def test_a_500_app_is_called_four_times_on_the_simulated_clock() -> None:
    app = Recorder(500)
    started = time.perf_counter()
    flow = Simulator(TOKEN, retries=3, seed=1).receive_sms(app, PHONE, OWN, "hi")
    assert time.perf_counter() - started < 5
    calls = app.inbound()
    assert len(calls) == 4 and len({c["MessageUUID"] for c in calls}) == 1
    assert len({c["nonce"] for c in calls}) == 4
    assert [a.nonce for a in flow.attempts] == [c["nonce"] for c in calls]
    assert seconds_after_first(flow.attempts) == [0, 60, 180, 420]
    assert [a.status for a in flow.attempts] == [500] * 4
    reasons = [a.retry_reason for a in flow.attempts]
    assert reasons == ["500: Plivo retries a non-2xx answer"] * 3 + [None]
    assert [p.code for p in flow.problems] == ["reply-status"]  # the last answer's, once
    assert [e.kind for e in flow.timeline].count("retry") == 3
    assert "attempts: 4 (Plivo retried)" in str(flow) and "attempts" in flow.to_dict()


def test_a_403_app_over_http_is_called_four_times() -> None:
    handler = lambda message: Response()  # noqa: E731 - never reached: the token is wrong
    with LocalWebhook(handler, OTHER) as hook:
        started = time.perf_counter()
        flow = Simulator(TOKEN, retries=3, seed=2).receive_sms(hook.url, PHONE, OWN, "hi")
        assert time.perf_counter() - started < 5
        assert [e.status for e in hook.log] == [403] * 4
    assert [a.status for a in flow.attempts] == [403] * 4
    assert len({a.nonce for a in flow.attempts}) == 4
    assert len({a.request.params["MessageUUID"] for a in flow.attempts}) == 1
    assert seconds_after_first(flow.attempts) == [0, 60, 180, 420]


def test_a_retry_that_succeeds_is_the_reply_executed() -> None:
    app = Recorder(500, 200)
    flow = Simulator(TOKEN, retries=3, seed=3).receive_sms(app, PHONE, OWN, "hi")
    assert [a.status for a in flow.attempts] == [500, 200]
    assert flow.ok and flow.reply is not None and flow.reply.status == 200
    assert [m.text for m in flow.outbound] == ["reply 2"]


def test_retries_0_calls_once_and_resign_false_repeats_the_nonce() -> None:
    once = Recorder(500)
    flow = Simulator(TOKEN, seed=4, retries=0).receive_sms(once, PHONE, OWN, "hi")
    assert len(once.inbound()) == 1 and len(flow.attempts) == 1
    same = Recorder(500)
    flow = Simulator(TOKEN, retries=3, seed=4, resign_retries=False).receive_sms(
        same, PHONE, OWN, "hi"
    )
    assert len({c["nonce"] for c in same.inbound()}) == 1 and len(same.inbound()) == 4
    assert len({a.nonce for a in flow.attempts}) == 1
    with pytest.raises(SimulatorError):
        Simulator(TOKEN, retries=4)


def test_an_app_answering_200_sees_no_retry() -> None:
    app = Recorder(200)
    flow = Simulator(TOKEN, retries=3, seed=5).receive_sms(app, PHONE, OWN, "hi")
    assert len(app.inbound()) == 1 and len(flow.attempts) == 1
    assert "attempts" not in flow.to_dict() and "attempts:" not in str(flow)
    assert all(len(r.attempts) == 1 for r in flow.reports)


def test_a_callback_answering_500_gets_each_report_four_times() -> None:
    app = Recorder(200, report_status=500)
    flow = Simulator(TOKEN, retries=3, seed=6).receive_sms(app, PHONE, OWN, "hi")
    reports = app.reports()
    assert [r.status for r in flow.reports] == ["queued", "sent", "delivered"]
    for status in ("queued", "sent", "delivered"):
        got = [r for r in reports if r["Status"] == status]
        assert len(got) == 4 and len({r["nonce"] for r in got}) == 4
    for report in flow.reports:
        assert [a.status for a in report.attempts] == [500] * 4
        assert seconds_after_first(report.attempts) == [0, 60, 180, 420]
        assert report.response_status == 500 and "(4 attempts)" in str(flow)
    # Plivo's retries are on their own schedule: the later reports go out before them.
    assert [r["Status"] for r in reports[:3]] == ["queued", "sent", "delivered"]


def test_duplicate_and_out_of_order_reports() -> None:
    app = Recorder(200)
    flow = Simulator(TOKEN, retries=3, seed=7, duplicate_reports=True).receive_sms(
        app, PHONE, OWN, "hi"
    )
    statuses = [r["Status"] for r in app.reports()]
    assert statuses == ["queued", "queued", "sent", "sent", "delivered", "delivered"]
    assert [r.duplicate for r in flow.reports] == [False, True] * 3
    assert len({r["nonce"] for r in app.reports()}) == 6

    app = Recorder(200)
    Simulator(TOKEN, retries=3, seed=7, report_order="reversed").receive_sms(app, PHONE, OWN, "hi")
    assert [r["Status"] for r in app.reports()] == ["delivered", "sent", "queued"]
    assert [r["Sequence"] for r in app.reports()] == ["3", "2", "1"]

    orders = set()
    for seed in range(8):
        app = Recorder(200)
        Simulator(TOKEN, retries=3, seed=seed, shuffle_reports=True).receive_sms(
            app, PHONE, OWN, "hi"
        )
        orders.add(tuple(r["Status"] for r in app.reports()))
    assert len(orders) > 1 and all(sorted(o) == ["delivered", "queued", "sent"] for o in orders)
    with pytest.raises(SimulatorError):
        Simulator(TOKEN, shuffle_reports=True, report_order="reversed")


def test_advance_moves_the_clock() -> None:
    simulator = Simulator(TOKEN, retries=3, seed=8)
    first = simulator.receive_sms(Recorder(200), PHONE, OWN, "hi")
    simulator.advance(3600)
    second = simulator.receive_sms(Recorder(200), PHONE, OWN, "hi")
    gap = [datetime.strptime(f.timeline[0].time, PLIVO_TIME_FORMAT) for f in (first, second)]
    assert 3600 < (gap[1] - gap[0]).total_seconds() < 3610
    with pytest.raises(SimulatorError):
        simulator.advance(-1)


@pytest.mark.load
def test_a_handler_over_8_s_is_abandoned_and_the_retry_answers() -> None:
    app = Recorder(200, sleep_first=9.0)
    webhook_flow: Flow
    started = time.perf_counter()
    webhook_flow = Simulator(TOKEN, retries=3, seed=9).receive_sms(app, PHONE, OWN, "hi")
    first_done = webhook_flow.attempts[0]
    assert time.perf_counter() - started < 8.5 + 1.0  # the rest of the flow is quick
    assert first_done.timed_out and first_done.retry_reason == "no answer within 8 s"
    assert [a.status for a in webhook_flow.attempts] == [None, 200]
    assert [m.text for m in webhook_flow.outbound] == ["reply 2"]  # not the late "late"
    assert seconds_after_first(webhook_flow.attempts) == [0, 60]
    assert any(e.kind == "timeout" for e in webhook_flow.timeline)


@pytest.mark.load
def test_a_webhook_app_handler_over_8_s_over_http_is_abandoned() -> None:
    calls: list[float] = []

    def handler(message: Any) -> Response:
        calls.append(time.perf_counter())
        if len(calls) == 1:
            time.sleep(9)
        return Response().add_message(f"answer {len(calls)}", src=OWN, dst=PHONE)

    app = WebhookApp(handler, TOKEN)
    with LocalWebhook(app) as hook:
        started = time.perf_counter()
        flow = Simulator(TOKEN, retries=3, seed=10).receive_sms(hook.url, PHONE, OWN, "hi")
        elapsed = time.perf_counter() - started
    assert calls[1] - calls[0] < 8.5 and elapsed < 9.5
    assert [m.text for m in flow.outbound] == ["answer 2"]
