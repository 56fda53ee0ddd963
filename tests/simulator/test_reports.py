"""Delivery reports: a pending message's status as Plivo's parameters, and their sending."""

from __future__ import annotations

from typing import Any

from smsxml.flow import Flow
from smsxml.inbound import signed_request
from smsxml.protocol import DELIVERY_REPORT_PARAMETERS
from smsxml.simulator.clock import Clock
from smsxml.simulator.pending import PendingMessage, queue_message
from smsxml.simulator.reports import ReportSender, status_update
from smsxml.simulator.signing import Signer
from smsxml.simulator.targets import Target
from smsxml.units import send_plan
from smsxml.xml import Message

TOKEN = "reports-test-TOKEN-3c9d"
LONG = "Thanks for writing! " * 10  # 2 units


def _pending(outcome: tuple[str, str] = ("delivered", ""), legacy: bool = False) -> PendingMessage:
    message = Message(LONG, src="12025550000", dst="447700900000", callback_url="http://t/s/")
    uuids = iter(f"uuid-{n}" for n in range(1, 10))
    return queue_message(
        message,
        "12025550000",
        "447700900000",
        plan=send_plan(LONG),
        outcome=outcome,
        rate="0.00500",
        now="2026-01-01 12:00:00.000000",
        new_uuid=lambda: next(uuids),
        uuid_per_part=legacy,
    )


def test_a_queued_message_is_typed_data() -> None:
    pending = _pending(("undelivered", "20"))
    assert (pending.units, pending.amount, pending.callback_method) == (2, "0.01000", "POST")
    assert pending.statuses == ("queued", "sent", "undelivered")
    assert pending.handed_on and pending.receipt_status == "undelivered"
    assert [p.message_uuid for p in pending.parts] == ["uuid-1", "uuid-1"]
    assert [p.message_uuid for p in _pending(legacy=True).parts] == ["uuid-1", "uuid-2"]
    assert [pending.next_sequence("uuid-1") for _ in range(3)] == [1, 2, 3]
    pending.waive_charge()
    assert pending.outbound("0.00500").total_amount == "0.00000"


def test_a_report_turns_into_plivos_parameters_in_plivos_order() -> None:
    pending = _pending(("undelivered", "20"))
    part = pending.parts[0]
    queued = status_update(
        pending, part, "queued", sequence=1, rate="0.00500", requester_ip="", legacy_reports=False
    )
    params = queued.to_params()
    documented = [n for n, when in DELIVERY_REPORT_PARAMETERS.items() if when == "always"]
    assert list(params) == documented
    assert (params["MCC"], params["MNC"], params["PartInfo"]) == ("234", "10", "")
    final = status_update(
        pending,
        part,
        "undelivered",
        sequence=3,
        rate="0.00500",
        requester_ip="",
        legacy_reports=True,
    ).to_params()
    assert list(final) == [
        n for n in DELIVERY_REPORT_PARAMETERS if n in documented or n == "ErrorCode"
    ]
    assert (final["ErrorCode"], final["PartInfo"], final["Sequence"]) == ("20", "1 of 2", "3")


def _status(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _sender(target: Target, allow_remote: bool = False) -> ReportSender:
    inbound = signed_request("POST", target.url, {}, TOKEN)
    signer = Signer(TOKEN, None, seed=1)
    return ReportSender(Flow(inbound), Clock(True), signer, target, 1.0, "0.00500", allow_remote)


def test_a_report_to_the_in_process_app_is_answered_and_timed() -> None:
    sender = _sender(Target(_status, "http://t/receive_sms/"))
    sender.report(_pending(), "queued")
    (report,) = sender.flow.reports
    assert report.ok and report.in_process and report.sequence == 1
    assert [e.kind for e in sender.flow.timeline] == ["callback", "callback-reply"]
    assert sender.clock.stamp() == "2026-01-01 12:00:00.015000"


def test_a_report_that_would_leave_this_machine_is_recorded_not_sent() -> None:
    sender = _sender(Target(None, "https://example.com/receive_sms/"))
    pending = _pending()
    pending.callback_url = "https://example.com/sms_status/"
    sender.report(pending, "queued")
    (report,) = sender.flow.reports
    assert not report.sent and report.response_status is None
    assert [e.kind for e in sender.flow.timeline] == ["callback-error"]
