"""Plivo's opt-out (DND) block, played by the simulator (support article 360041786171): after
a STOP one acknowledgement within five minutes is delivered, every other message from that
number to that phone fails with ErrorCode 200, until the phone texts START."""

from __future__ import annotations

import pytest

from smsxml.exc import SimulatorError
from smsxml.flow import Flow
from smsxml.inbound import InboundMessage, StatusReport, message_intent
from smsxml.protocol import (
    DND_KEYWORD_LISTS,
    DND_SOURCES,
    HELP_AUTO_REPLY,
    OPT_OUT_ACK_WINDOW,
    OPTOUT_KEYWORDS,
    SIMULATED_DND_KEYWORDS,
)
from smsxml.simulator import Simulator
from smsxml.simulator.optout import dnd_by_default, dnd_keyword
from smsxml.webhook import WebhookApp
from smsxml.xml import Response

TOKEN = "optout-test-TOKEN-3f9a1c7e55"
OWN = "12025550000"  # a US long code
OTHER_OWN = "12025550001"
UK_OWN = "442071838750"
PHONE = "14155550100"
STATUS = "http://testserver/sms_status/"


class App:
    """A real WebhookApp: answers every text with one reply from ``src`` (or from the number
    texted), its delivery reports to ``/sms_status/`` kept in ``reports``."""

    def __init__(self, src: str | None = None):
        self.src = src
        self.reports: list[StatusReport] = []
        self.app = WebhookApp(
            self.reply, TOKEN, status_path="/sms_status/", on_status=self.reports.append
        )

    def reply(self, message: InboundMessage) -> Response:
        return Response().add_message(
            f"re: {message.text}",
            src=self.src or message.to,
            dst=message.from_,
            callback_url=STATUS,
        )

    def final_report(self, flow: Flow) -> StatusReport:
        uuid = flow.outbound[0].message_uuid
        return [r for r in self.reports if r.message_uuid == uuid][-1]


def simulator(**options: object) -> Simulator:
    return Simulator(TOKEN, numbers=(OWN, OTHER_OWN, UK_OWN), seed=29, **options)  # type: ignore[arg-type]


def outcome(flow: Flow) -> tuple[str, str]:
    (sms,) = flow.outbound
    return sms.status, sms.error_code


def opt_out_notes(flow: Flow) -> list[str]:
    return [e.summary for e in flow.timeline if e.kind == "opt-out"]


def test_stop_allows_one_acknowledgement_then_blocks_with_error_code_200() -> None:
    sim, app = simulator(), App()
    ack = sim.receive_sms(app.app, PHONE, OWN, "STOP")
    assert outcome(ack) == ("delivered", "")
    assert app.final_report(ack).status == "delivered"
    (note,) = opt_out_notes(ack)  # Plivo's own confirmation, on the timeline (not an SMS of yours)
    assert "opted out (STOP)" in note and "unsubscribed" in note and "5 minutes" in note

    second = sim.receive_sms(app.app, PHONE, OWN, "are you there?")  # within the 5 minutes
    assert outcome(second) == ("failed", "200")

    sim.advance(360)
    later = sim.receive_sms(app.app, PHONE, OWN, "hello again")
    assert outcome(later) == ("failed", "200")
    report = app.final_report(later)
    assert (report.status, report.error_code, report.to) == ("failed", "200", PHONE)
    assert "Source number blocked by STOP" in report.explain()
    assert (
        f"{PHONE} opted out (STOP at 12:00:00): Plivo blocks {OWN} → {PHONE}, ErrorCode 200"
        in "\n".join(opt_out_notes(later))
    )


def test_the_block_is_per_pair_another_src_still_delivers() -> None:
    sim = simulator()
    sim.receive_sms(App().app, PHONE, OWN, "stop")
    sim.advance(360)
    other = App(src=OTHER_OWN)
    flow = sim.receive_sms(other.app, PHONE, OWN, "hi")  # texted OWN, answered from OTHER_OWN
    assert outcome(flow) == ("delivered", "")
    assert other.final_report(flow).status == "delivered"
    assert opt_out_notes(flow) == []
    assert outcome(sim.receive_sms(App().app, PHONE, OWN, "hi")) == ("failed", "200")


def test_an_acknowledgement_after_five_minutes_is_blocked() -> None:
    sim = simulator()
    sim.receive_sms(App().app, PHONE, OWN, "QUIT", timeout=8)  # the app acknowledges at once
    sim.advance(OPT_OUT_ACK_WINDOW + 1)
    assert outcome(sim.receive_sms(App().app, PHONE, OWN, "x")) == ("failed", "200")


def test_start_lifts_the_block() -> None:
    sim, app = simulator(), App()
    sim.receive_sms(app.app, PHONE, OWN, "STOP")
    sim.advance(360)
    assert outcome(sim.receive_sms(app.app, PHONE, OWN, "x")) == ("failed", "200")
    back = sim.receive_sms(app.app, PHONE, OWN, " start ")
    assert outcome(back) == ("delivered", "")
    assert app.final_report(back).status == "delivered"
    assert any("opted in again (START)" in note for note in opt_out_notes(back))
    assert outcome(sim.receive_sms(app.app, PHONE, OWN, "x")) == ("delivered", "")


def test_never_never_blocks_and_always_blocks_any_number() -> None:
    never = simulator(opt_out="never")
    never.receive_sms(App().app, PHONE, OWN, "STOP")
    never.advance(360)
    assert outcome(never.receive_sms(App().app, PHONE, OWN, "x")) == ("delivered", "")

    always = simulator(opt_out="always")
    always.receive_sms(App().app, PHONE, UK_OWN, "STOP")
    always.advance(360)
    assert outcome(always.receive_sms(App().app, PHONE, UK_OWN, "x")) == ("failed", "200")


def test_auto_does_not_block_a_number_outside_the_us_and_canada() -> None:
    sim = simulator()
    flow = sim.receive_sms(App().app, PHONE, UK_OWN, "STOP")
    assert any("DND is off" in note for note in opt_out_notes(flow))
    sim.advance(360)
    assert outcome(sim.receive_sms(App().app, PHONE, UK_OWN, "x")) == ("delivered", "")


@pytest.mark.parametrize(
    ("number", "on"),
    [
        ("12025550000", True),  # US long code
        ("14165550100", True),  # Canadian long code
        ("18005550100", True),  # US toll-free
        ("442071838750", False),  # UK
        ("12345", False),  # short code: only through Plivo support
    ],
)
def test_dnd_is_on_by_default_for_us_and_canada_long_codes_and_toll_free(
    number: str, on: bool
) -> None:
    assert dnd_by_default(number) is on


def test_the_simulated_keyword_list_is_the_documented_one() -> None:
    played = DND_KEYWORD_LISTS[SIMULATED_DND_KEYWORDS]
    assert played.optout == {"STOP", "END", "QUIT", "CANCEL", "UNSUB", "STOP ALL"}
    assert played.optin == {"START", "UNSTOP"}
    assert DND_KEYWORD_LISTS["concept"].optout < played.optout
    assert all(kw.source for kw in DND_KEYWORD_LISTS.values())
    assert all(DND_SOURCES.values())
    for text in ("STOP", "stop", "STOP  \n", "Stop All", "stop\nall", "unsub"):
        assert dnd_keyword(text) == "optout", text
    for text in ("Stop it!", "Hey, can you stop texting me?", "STOPPED", ""):
        assert dnd_keyword(text) == "", text
    assert dnd_keyword("Unstop") == "optin"
    # MessageIntent keeps the longest list (the older page's); the simulator acts on fewer.
    assert "UNSUBSCRIBE" in OPTOUT_KEYWORDS and message_intent("unsubscribe") == "optout"
    assert dnd_keyword("unsubscribe") == ""


def test_stop_all_blocks_stop_it_does_not_and_unsubscribe_is_noted() -> None:
    sim = simulator()
    sim.receive_sms(App().app, PHONE, OWN, "Stop it!")
    sim.advance(360)
    assert outcome(sim.receive_sms(App().app, PHONE, OWN, "x")) == ("delivered", "")

    noted = sim.receive_sms(App().app, PHONE, OWN, "UNSUBSCRIBE")
    assert any("not on the keyword list" in note for note in opt_out_notes(noted))
    sim.advance(360)
    assert outcome(sim.receive_sms(App().app, PHONE, OWN, "x")) == ("delivered", "")

    sim.receive_sms(App().app, PHONE, OWN, "STOP ALL")
    sim.advance(360)
    assert outcome(sim.receive_sms(App().app, PHONE, OWN, "x")) == ("failed", "200")


def test_help_is_answered_by_plivo_on_the_timeline_not_as_an_sms() -> None:
    flow = simulator().receive_sms(App().app, PHONE, OWN, "help")
    notes = opt_out_notes(flow)
    assert any(HELP_AUTO_REPLY in note for note in notes)
    assert [sms.dst for sms in flow.outbound] == [PHONE]  # only the app's own reply


def test_opt_out_must_be_auto_always_or_never() -> None:
    with pytest.raises(SimulatorError, match="opt_out"):
        simulator(opt_out="sometimes")
