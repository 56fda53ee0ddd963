"""Statuses in the FlowTimeline and in Flow printouts (issue 26): every status whole, every
failure coloured alike, delivery reports counted in one wording. A real, seeded Simulator."""

from __future__ import annotations

import re
from typing import get_args

from smsxml.flow import FAILED_STATUSES, event_status, is_failure, status_html
from smsxml.protocol import STATUS_PATHS, Status
from smsxml.simulator import Simulator
from smsxml.widgets import FlowTimeline
from smsxml.xml import Response

OUTCOMES = {"14155550101": "undelivered", "14155550102": "rejected", "14155550103": "failed"}
DSTS = "14155550100<14155550101<14155550102<14155550103"


def find(panel, css: str):
    found = [w for w in panel.all_widgets() if css in getattr(w, "_dom_classes", ())]
    assert len(found) == 1, f"{css}: {len(found)} widgets"
    return found[0]


def _flow(auth_token, callback_url=None, **options):
    reply = Response().add_message("Hi", src="12025550000", dst=DSTS, callback_url=callback_url)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [reply.to_xml().encode()] if environ["PATH_INFO"] == "/receive_sms/" else [b"OK"]

    sim = Simulator(auth_token, seed=3, legacy_reports=True, outcomes=OUTCOMES, **options)
    return sim.receive_sms(app, "14155550100", "12025550000", "Hi")


def test_every_failing_final_status_of_plivo_is_a_failure():
    finals = {path[-1] for path in STATUS_PATHS.values()}
    assert FAILED_STATUSES <= set(get_args(Status))
    assert FAILED_STATUSES == finals - {"delivered", "sent"}
    assert all(is_failure(s) for s in ("failed", "Undelivered", " rejected "))
    assert not any(is_failure(s) for s in ("queued", "sent", "delivered"))


def test_failures_are_coloured_alike_and_never_cut():
    colour = re.compile(r"color:(#[0-9a-f]{6})")
    failures = {colour.search(status_html(s)).group(1) for s in FAILED_STATUSES}
    assert len(failures) == 1
    assert colour.search(status_html("delivered")).group(1) not in failures
    assert colour.search(status_html("queued")).group(1) not in failures
    assert "white-space:nowrap" in status_html("undelivered")


def test_the_timeline_shows_every_status_whole(auth_token):
    flow = _flow(auth_token)
    t = FlowTimeline(flow)
    outcome = find(t, "smsxml-timeline-outcome").value
    shown = re.findall(r"smsxml-timeline-status smsxml-status-(\w+)'[^>]*>(\w+)</span>", outcome)
    assert shown == [
        ("success", "delivered"),
        ("failure", "undelivered"),
        ("failure", "rejected"),
        ("failure", "failed"),
    ]
    events = find(t, "smsxml-timeline-events").value
    assert "<th>status</th>" in events
    statuses = re.findall(r"smsxml-status-(\w+)'[^>]*>(\w+)</span>", events)
    assert ("failure", "undelivered") in statuses and ("failure", "rejected") in statuses
    assert ("failure", "failed") in statuses and ("success", "delivered") in statuses
    diagram = find(t, "smsxml-timeline-diagram").value
    assert "undelive…" not in diagram and "receipt 14155550101: undelivered" in diagram


def test_the_diagram_draws_every_failure_alike(auth_token):
    svg = str(_flow(auth_token).sequence_diagram())

    def colour_of(text: str) -> str:
        return re.search(rf"fill='(#[0-9a-f]+)' font-weight='normal'>{re.escape(text)}<", svg)[1]

    red = colour_of("14155550103: failed (900)")
    assert colour_of("receipt 14155550101: undelivered") == red
    assert colour_of("receipt 14155550102: rejected") == red
    assert colour_of("receipt 14155550100: delivered") != red


def test_event_status_reads_receipts_callbacks_and_failures(auth_token):
    flow = _flow(auth_token, callback_url="http://testserver/status/")
    found = {(e.kind, event_status(e)) for e in flow.timeline if event_status(e)}
    assert ("receipt", "undelivered") in found and ("failed", "failed") in found
    assert ("callback", "queued") in found and ("callback", "rejected") in found
    assert all(event_status(e) is None for e in flow.timeline if e.kind == "sms-in")


def test_flow_printouts_count_reports_in_one_wording(auth_token):
    # no callbackUrl: no reports at all, and the printout says why (not "0 sent" beside
    # a "delivered" that came from the carrier's receipt)
    plain = str(_flow(auth_token))
    assert "  reports:  none (no callbackUrl: Plivo sends your app no delivery reports)" in plain
    assert "0 sent" not in plain
    # a callbackUrl answered in-process: every report sent and answered
    answered = _flow(auth_token, callback_url="http://testserver/status/")
    assert len(answered.reports) == 11
    assert "  reports:  11 sent, 11 answered 2xx\n" in str(answered)
    assert "reports: 11 sent, 11 answered 2xx" in answered._repr_html_()
    # a callbackUrl the offline simulator does not call: counted as not sent
    held = _flow(auth_token, callback_url="https://example.com/status/")
    assert all(not r.sent for r in held.reports)
    line = "  reports:  0 sent, 0 answered 2xx, 11 not sent (the simulator stays offline)"
    assert line in str(held)
