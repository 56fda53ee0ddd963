"""``smsxml demo``: the whole SMS conversation offline in a few seconds — a local webhook
and delivery-report endpoint, texted through the simulator, and forged requests refused.

Everything is signed with the demo token; ``$PLIVO_AUTH_TOKEN`` is never read.
"""

from __future__ import annotations

import argparse
import random
import textwrap
import uuid
from collections.abc import Iterable
from dataclasses import replace

from .._demo import DEMO_NUMBER, DEMO_PHONE
from .._text import plural, url_path
from ..flow import Flow, FlowProblem, ReplyInfo
from ..inbound import SignedRequest, inbound_request
from ..signature import make_nonce
from ..simulator import Simulator
from ..tokens import DEMO_AUTH_TOKEN
from ..units import segments
from ..webhook import LocalWebhook
from ..xml import Problem, validate
from ._output import out, printable
from .auto_reply import DEFAULT_REPLY, auto_reply
from .log_lines import describe_entry

__all__ = ["add_arguments", "run"]

_SEED = 2026
_NUMBER = DEMO_NUMBER  # your Plivo number
_SENDER = DEMO_PHONE  # the customer's phone
_TEXT = "Is the shop open on Sunday? 🙂"
_STATUS_PATH = "/sms_status/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo takes no options."""


def _heading(title: str) -> None:
    out()
    out(f"== {title} ==")


def _wrapped(label: str, text: str, indent: int = 2, hang: int | None = None) -> list[str]:
    """``label`` + ``text`` wrapped; continuation lines under the text (or ``hang`` deep)."""
    first = " " * indent + label
    return textwrap.wrap(
        " ".join(text.split()),
        width=96,
        initial_indent=first,
        subsequent_indent=" " * (len(first) if hang is None else hang),
        break_on_hyphens=False,
    )


def _show_problems(problems: Iterable[Problem | FlowProblem]) -> None:
    for problem in problems:
        for line in _wrapped(f"{problem.severity} {problem.code}: ", problem.message, 4, 6):
            out(line)
        if problem.hint:
            for line in _wrapped("hint: ", problem.hint, 6, 8):
                out(line)


def _show_refused(hook: LocalWebhook, request: SignedRequest) -> bool:
    """Send ``request`` to the webhook and show its log entry; True when refused with 403."""
    reply = request.send()
    entry = hook.log.last
    out(f"  → HTTP {reply.status} {reply.reason}")
    if entry is not None:
        out(f"  webhook log: {describe_entry(entry, with_time=False, with_diagnosis=False)}")
        if entry.diagnosis is not None:
            for line in _wrapped("diagnosis: ", printable(str(entry.diagnosis))):
                out(line)
    return reply.status == 403


def _show_reply(reply: ReplyInfo, hook: LocalWebhook) -> bool:
    """Step 3: the reply XML and its validation; False when it is not valid."""
    out(f"  HTTP {reply.status} {reply.content_type}")
    for line in reply.text.rstrip("\n").splitlines():
        out(f"  {line}")
    problems = validate(reply.text)
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    if errors:
        out(f"  validation: NOT valid Message XML ({plural(len(errors), 'error')})")
    else:
        extra = f" ({plural(warnings, 'warning')})" if warnings else ""
        out(f"  validation: valid Message XML{extra}")
    _show_problems(problems)
    if any(p.code == "callback-unreachable" for p in problems):
        out("      (fine here: the simulator runs on this machine; Plivo needs a public URL)")
    inbound_entry = hook.log[0] if len(hook.log) else None
    if inbound_entry is not None:
        out(f"  webhook log: {describe_entry(inbound_entry, with_time=False)}")
    return not errors


def _show_sent(flow: Flow) -> bool:
    """Step 4: each SMS Plivo sent; False when none was."""
    for message in flow.outbound:
        seg = segments(message.text)
        why = ""
        if seg.non_gsm_characters:
            why = f" (not GSM-7 because of {' '.join(seg.non_gsm_characters[:5])})"
        out(
            f"  {message.src} → {message.dst}: {plural(message.units, 'unit')}, "
            f"{message.encoding}{why}, {seg.length}/{seg.capacity} {seg.unit_name} "
            f"→ {message.status}"
        )
        out(f"  text: {message.text!r}")
        out(
            f"  MessageUUID {message.message_uuid}, TotalAmount {message.total_amount} "
            f"({message.units} × {message.total_rate})"
        )
    if not flow.outbound:
        out("  nothing was sent")
        _show_problems(flow.problems)
    return bool(flow.outbound)


def _show_reports(flow: Flow, hook: LocalWebhook) -> bool:
    """Step 5: the delivery reports and how the webhook took them; False unless all 2xx."""
    verdicts = {
        (entry.report.message_uuid, entry.report.sequence): entry.verdict
        for entry in hook.log
        if entry.report is not None
    }
    for report in flow.reports:
        verdict = verdicts.get((report.message_uuid, str(report.sequence)))
        checked = f", signature {verdict}" if verdict else ""
        out(
            f"  #{report.sequence} Status={report.status:<10} PartInfo={report.part_info}  "
            f"{report.request.method} {url_path(report.request.url)} → {report.outcome}"
            f"{checked}"
        )
    if not flow.reports:
        out("  none arrived")
    return bool(flow.reports) and all(r.ok for r in flow.reports)


def _show_forgeries(hook: LocalWebhook, token: str, rng: random.Random) -> bool:
    """Step 6: a request signed with another token, and one signed for another URL;
    True when both are refused."""
    out("  Signed with someone else's auth token (a forger does not know yours):")
    forged = inbound_request(
        hook.url,
        "someone-elses-auth-token",
        from_=_SENDER,
        to=_NUMBER,
        text="Send me your account details",
        message_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        nonce=make_nonce(rng),
    )
    refused = _show_refused(hook, forged)
    public = "https://" + hook.url.removeprefix("http://")
    out(f"  Signed for {public}, but a TLS proxy hands your app http://:")
    signed = inbound_request(
        public,
        token,
        from_=_SENDER,
        to=_NUMBER,
        text=_TEXT,
        message_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        nonce=make_nonce(rng),
    )
    return _show_refused(hook, replace(signed, url=hook.url)) and refused


def run(args: argparse.Namespace) -> int:
    """Play the conversation; 0 when every step went as it should."""
    token = DEMO_AUTH_TOKEN  # the demo never uses a real token, not even $PLIVO_AUTH_TOKEN
    rng = random.Random(_SEED)
    out("smsxml demo: an SMS conversation with Plivo, played offline on this machine")
    out("(everything is signed with the demo token; your PLIVO_AUTH_TOKEN is not used)")
    with LocalWebhook(auto_reply(DEFAULT_REPLY), token, status_path=_STATUS_PATH) as hook:
        # The reply asks for delivery reports at this same webhook's status_path.
        hook.app.handler = auto_reply(DEFAULT_REPLY, callback_url=hook.status_url)
        _heading("1. Your webhook is listening")
        out(f"  message_url  {hook.url}  (auto-reply: {DEFAULT_REPLY!r})")
        out(f"  callbackUrl  {hook.status_url}  (delivery reports)")

        simulator = Simulator(token, numbers=[_NUMBER], seed=_SEED)
        flow = simulator.receive_sms(hook.url, _SENDER, _NUMBER, _TEXT)
        _heading(f"2. {_SENDER} texts your number {_NUMBER}: Plivo calls your app")
        for line in flow.inbound.to_curl().splitlines():
            out(f"  {printable(line)}")

        _heading("3. Your app answers with Message XML")
        if flow.reply is None:
            out("  no reply")
            _show_problems(flow.problems)
            return 1
        expected = _show_reply(flow.reply, hook)

        _heading("4. Plivo sends the reply")
        expected = _show_sent(flow) and expected

        _heading("5. Delivery reports arrive at your callbackUrl")
        expected = _show_reports(flow, hook) and expected

        _heading("6. A forged request is refused")
        expected = _show_forgeries(hook, token, rng) and expected

        refused = sum(1 for e in hook.log if e.status == 403)
        units = sum(m.units for m in flow.outbound)
        _heading("Done")
        out(
            f"  1 SMS in, {plural(len(flow.outbound), 'SMS')} out ({plural(units, 'unit')}), "
            f"{plural(len(flow.reports), 'delivery report')}, {refused} forged "
            f"{'request' if refused == 1 else 'requests'} refused with 403."
        )
        out("  Try it with your own app: smsxml serve --port 5000, then")
        out("  smsxml send http://127.0.0.1:5000/receive_sms/ --text 'hi' --seed 1")
    return 0 if expected else 1
