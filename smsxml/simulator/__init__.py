"""An offline stand-in for Plivo's side of an SMS conversation.

:class:`Simulator` plays Plivo: someone texts one of your numbers, Plivo calls your
``message_url`` with a signed request, reads the XML your app answers, executes each
``<Message>`` top to bottom and reports every status change to the message's
``callbackUrl``. Everything it did comes back as a :class:`Flow` — the inbound request,
the reply, the problems Plivo would have with it, the SMS sent, the delivery reports and
a timeline you can draw as a sequence diagram.

Your app can be reached two ways, with the same result:

* an **http(s) URL** (a :class:`~smsxml.webhook.LocalWebhook`, Flask, anything listening):
  every request, delivery reports included, goes over real HTTP;
* a **WSGI application** (a :class:`~smsxml.webhook.WebhookApp`, a Flask app…): the
  inbound request goes straight into the app, no socket, at ``http://testserver/…``
  (or ``url=``). Delivery reports whose ``callbackUrl`` has the same host and port as
  that URL go into the same app in-process too; any other ``callbackUrl`` is called
  over HTTP.

Delivery reports go over HTTP only to this machine or the local network unless
``Simulator(allow_remote=True)``: the simulator never reaches the internet by surprise.

With ``seed=`` the nonces, UUIDs and a simulated clock (starting 2026-01-01 12:00:00
UTC, advancing in fixed steps) are reproducible, so a notebook shows byte-identical
output on every run. Without it, real randomness and real time are used.

Plivo waits :data:`~smsxml.protocol.ANSWER_TIMEOUT` (8 s) for an answer and retries a
request answered non-2xx or not in time on the schedule :data:`RETRY_DELAYS` (60, 120,
240 s): the simulator does too, on its own clock (see ``Simulator(retries=)``), so a flow
with retries still takes seconds of real time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .._demo import DEMO_NUMBER
from ..exc import DeliveryError, SimulatorError
from ..flow import Flow, FlowProblem, ReplyInfo
from ..protocol import (
    ANSWER_TIMEOUT,
    AUTO_ENCODING_BY_DEFAULT,
    OPT_OUT_ERROR_CODE,
    TOTAL_RATE,
    MessageType,
)
from ..tokens import mask, resolve_token
from ..transport import Reply
from ..units import planned
from ..xml import Message, Problem
from . import timeline
from .carrier import DELIVERED
from .clock import PLIVO_TIME_FORMAT, SIMULATED_START, STEPS, Clock, plivo_time
from .delivery import Steps, run_steps
from .message_url import call_message_url
from .options import (
    charge_per_unit,
    checked_seed,
    outcomes_by_destination,
    owned_numbers,
    phone_digits,
)
from .optout import OptOutMode, OptOuts, checked_mode
from .pending import PendingMessage, queue_message
from .replies import executable, read_reply, reply_is_sms, src_not_owned, unreachable
from .reports import ReportSender
from .retries import RETRY_DELAYS, ReportOrder, RetryPlan, checked_order, checked_retries
from .signing import Signer
from .targets import IN_PROCESS_URL, Target, resolve

__all__ = [
    "Simulator",
    "RETRY_DELAYS",
    "PLIVO_TIME_FORMAT",
    "SIMULATED_START",
    "IN_PROCESS_URL",
]


class Simulator:
    """Plays Plivo for your app: inbound SMS in, XML executed, delivery reports out.

    ``numbers`` are the numbers your account owns (a ``<Message>`` whose ``src`` is not
    one of them is refused). ``outcomes`` maps a destination to its final status —
    ``"delivered"`` (the default), ``"sent"`` (no delivery receipt), ``"failed"``,
    ``"undelivered"`` or ``"rejected"`` — or to ``(status, error_code)``. ``rate`` is the
    charge per unit reported as TotalRate. ``seed`` makes every run reproducible.

    Delivery reports follow Plivo's documentation of today: a long SMS has one
    ``MessageUUID`` per destination (``Units`` says how many parts it was billed as), one
    report per status change, ``ParentMessageUUID`` equal to ``MessageUUID``, and
    ``PartInfo`` reserved (sent empty). ``legacy_reports=True`` plays the older model
    instead: a UUID and a report per part, ``PartInfo`` like ``"1 of 2"``, and the
    ``rejected`` status.

    Delivery reports are sent only to this machine or the local network (127.0.0.1,
    localhost, private addresses) unless ``allow_remote=True``: a ``callbackUrl`` such as
    ``https://example.com/sms_status/`` is recorded as not sent, so the simulator never
    touches the internet by surprise. (The message URL you pass is always called.)

    ``auto_encoding=True`` plays Plivo's automatic encoding (an account setting, off unless
    turned on): smart quotes, dashes and Unicode spaces are replaced before a text is sent.
    The reply is checked with ``validate(body, auto_encoding=…)`` and each text sent as
    :func:`~smsxml.units.send_plan` decides: one decision for the encoding, the units and
    the limits. A reply ``validate`` finds an error in (a wrong XML declaration, say) is
    executed not at all: the simulator never sends text Plivo would garble.

    Retries, as Plivo makes them: a message_url or callbackUrl that answers anything but
    2xx (a 403 or 404 as much as a 500), or nothing within ``timeout`` (8 s, Plivo's), is
    tried again 60 s after the first attempt, 120 s after that and 240 s after that —
    ``retries=3`` more tries at most (default ``retries=0``: none, as before) — each with
    the same MessageUUID and, with ``resign_retries=True``, a new nonce and signature
    (False: the first attempt's request again, nonce and all; Plivo's pages do not say
    which it does). Only the
    attempt that stands is executed; ``flow.attempts`` (and each report's ``attempts``) has
    them all. An attempt over time is abandoned at once (in-process too) and its late answer
    ignored. A refused connection is not retried. The retries run on the simulator's clock:
    nothing waits in real time (see :meth:`advance`).

    ``duplicate_reports=True`` sends every delivery report twice; ``report_order="reversed"``
    (or ``"shuffled"``, also ``shuffle_reports=True``) holds the reports of a conversation
    back until its last receipt and sends them in that order — so a callback handler can be
    tested against both. Report retries go out after the conversation's other reports, at
    their times on the clock.

    Opt-out (Plivo's DND, support article 360041786171): when a phone texts STOP (or END,
    QUIT, CANCEL, UNSUB, STOP ALL: ``protocol.SIMULATED_DND_KEYWORDS``) to one of your
    numbers, that number's messages to that phone fail (status failed, ErrorCode 200) —
    except one acknowledgement within 5 minutes on the simulator's clock — until the phone
    texts START or UNSTOP; the state lasts across conversations of one simulator, per
    (number, phone) pair. ``opt_out="auto"`` (default) plays it where Plivo does by default,
    for US and Canadian long codes and toll-free numbers; ``"always"`` for any number;
    ``"never"`` not at all. Each blocked message says why on the timeline; Plivo's own
    answer to HELP or INFO is a timeline note, not an SMS in ``flow.outbound``.
    """

    def __init__(
        self,
        auth_token: str | None = None,
        *,
        numbers: Iterable[str] = (DEMO_NUMBER,),
        main_auth_token: str | None = None,
        outcomes: Mapping[str, object] | None = None,
        seed: int | None = None,
        rate: str = TOTAL_RATE,
        allow_remote: bool = False,
        legacy_reports: bool = False,
        auto_encoding: bool = AUTO_ENCODING_BY_DEFAULT,
        retries: int = 3,
        resign_retries: bool = True,
        duplicate_reports: bool = False,
        shuffle_reports: bool = False,
        report_order: ReportOrder = "sent",
        opt_out: OptOutMode = "auto",
    ):
        auth_token = resolve_token(auth_token)
        self.numbers = owned_numbers(numbers)
        self.legacy_reports = bool(legacy_reports)
        self.outcomes = outcomes_by_destination(outcomes, self.legacy_reports)
        self.rate = charge_per_unit(rate)
        self.seed = checked_seed(seed)
        self.allow_remote = bool(allow_remote)
        self.auto_encoding = bool(auto_encoding)
        self._signer = Signer(auth_token, main_auth_token or None, self.seed)
        self._clock = Clock(simulated=self.seed is not None)
        self.retries = checked_retries(retries)
        self.resign_retries = bool(resign_retries)
        self.duplicate_reports = bool(duplicate_reports)
        self.report_order = checked_order(report_order, bool(shuffle_reports))
        self.opt_out = checked_mode(opt_out)
        self._opt_outs = OptOuts(self.opt_out)

    def __repr__(self) -> str:
        outcomes = (
            f", outcomes={ {k: v[0] for k, v in self.outcomes.items()} }" if self.outcomes else ""
        )
        signer = self._signer
        main = f", main token {mask(signer.main_auth_token)}" if signer.main_auth_token else ""
        auto = ", auto_encoding=True" if self.auto_encoding else ""
        return (
            f"Simulator(numbers={list(self.numbers)}, token {mask(signer.auth_token)}{main}, "
            f"seed={self.seed}, rate={self.rate}{outcomes}{auto})"
        )

    def advance(self, seconds: float) -> None:
        """Move the simulator's clock on by ``seconds``: the next conversation starts that
        much later. Seeded, the simulated clock moves; unseeded, the clock reads real time
        plus every ``advance`` so far (timestamps run ahead of the wall clock). Nothing waits
        in real time either way."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise SimulatorError(f"advance takes seconds, 0 or more, not {seconds!r}")
        self._clock.advance(seconds * 1000)

    def _plan(self, timeout: float) -> RetryPlan:
        return RetryPlan(self.retries, self.resign_retries, timeout)

    # -- the conversation ------------------------------------------------------------------

    def receive_sms(
        self,
        message_url_or_wsgi_app: str | Callable[..., Any] | Any,
        from_: str,
        to: str,
        text: str,
        method: str = "POST",
        timeout: float = ANSWER_TIMEOUT,
        *,
        url: str | None = None,
        type: MessageType = "sms",
        media: Sequence[str] = (),
    ) -> Flow:
        """``from_`` texts your number ``to``: play Plivo's part and return the :class:`Flow`.

        ``message_url_or_wsgi_app`` is your app's message URL (or an object with a ``.url``
        such as a LocalWebhook), or a WSGI application to call in-process at ``url``
        (default: ``http://testserver`` + the app's ``.path``, else ``/receive_sms/``).
        ``type="mms"`` or ``"whatsapp"`` with ``media`` (URLs) sends what Plivo sends for
        those; your XML reply still sends SMS (see :func:`~smsxml.inbound.inbound_request`).
        ``timeout`` is how long each attempt (and each delivery report) may take.
        """
        target = resolve(message_url_or_wsgi_app, url)
        if phone_digits(to, "to (your Plivo number)") not in self.numbers:
            raise SimulatorError(
                f"Plivo only forwards messages sent to your own numbers; {to!r} is not one of "
                f"numbers={list(self.numbers)}"
            )
        request = self._signer.inbound(
            target.url, from_=from_, to=to, text=text, method=method, type=type, media=media
        )
        flow = Flow(inbound=request, in_process=target.in_process)
        texted = self._clock.now()
        stamp = plivo_time(texted)
        flow.timeline.append(timeline.text_in(stamp, request.params, type, text, media))
        if type == "sms":
            flow.timeline.extend(
                self._opt_outs.inbound(
                    request.params["From"], request.params["To"], text, texted, stamp
                )
            )
        self._clock.advance(STEPS.carrier)
        flow.timeline.append(
            timeline.message_request(self._clock.stamp(), request.method, target.url)
        )
        # The conversation runs as steps (see .delivery): each request it sends is an
        # attempt given ``timeout`` seconds, made by a worker thread that goes on with it.
        return run_steps(self._conversation(flow, target, timeout), timeout)

    def _conversation(self, flow: Flow, target: Target, timeout: float) -> Steps[Flow]:
        reply = yield from self._call_app(flow, target, timeout)
        if reply is not None:
            yield from self._answer(flow, reply, target, timeout)
        return flow

    def _call_app(self, flow: Flow, target: Target, timeout: float) -> Steps[Reply | None]:
        """Plivo calls your message_url (again, when it retries); None (and a problem) when
        no answer stood."""
        plan = self._plan(timeout)
        reply = yield from call_message_url(flow, target, plan, self._clock, self._signer)
        if isinstance(reply, DeliveryError):
            self._record_problem(flow, unreachable(reply))
            return None
        flow.reply = ReplyInfo.from_reply(reply)
        return reply

    def _answer(self, flow: Flow, reply: Reply, target: Target, timeout: float) -> Steps[None]:
        """Plivo checks your app's reply and, when it can, executes it."""
        problems, messages = read_reply(reply, self.auto_encoding)  # read and checked once
        for problem in problems:
            self._record_problem(flow, problem)
        if executable(problems):
            reports = ReportSender(
                flow,
                self._clock,
                self._signer,
                target,
                timeout,
                self.rate,
                allow_remote=self.allow_remote,
                legacy_reports=self.legacy_reports,
                plan=self._plan(timeout),
                duplicate=self.duplicate_reports,
                order=self.report_order,
            )
            yield from self._execute(flow, messages, reports)
            yield from reports.flush_steps()

    def _record_problem(self, flow: Flow, problem: Problem | FlowProblem) -> None:
        flow.problems.append(problem)
        flow.timeline.append(timeline.problem(self._clock.stamp(), problem))

    # -- executing the XML -----------------------------------------------------------------

    def _execute(
        self, flow: Flow, messages: Sequence[Message], reports: ReportSender
    ) -> Steps[None]:
        """Each ``<Message>`` of a valid reply (as ``parse`` reads it) top to bottom: queued,
        handed to the carrier, its receipt."""
        kind = flow.inbound.params.get("Type", "sms")
        if kind != "sms" and messages:
            self._record_problem(flow, reply_is_sms(kind))
        pending = yield from self._queue_all(flow, messages, reports)
        yield from self._hand_to_carrier(flow, pending, reports)
        yield from self._receive_receipts(flow, pending, reports)
        flow.outbound.extend(message.outbound(self.rate) for message in pending)

    def _queue_all(
        self, flow: Flow, messages: Sequence[Message], reports: ReportSender
    ) -> Steps[list[PendingMessage]]:
        """1. Top to bottom: each <Message>, each destination, is queued."""
        pending: list[PendingMessage] = []
        for number, message in enumerate(messages, 1):
            src = message.src or ""
            if not src or phone_digits(src) not in self.numbers:
                self._record_problem(flow, src_not_owned(number, src, self.numbers))
                continue
            for dst in message.dsts:
                self._clock.advance(STEPS.queue)
                pending.append(self._queue(flow, message, phone_digits(src), phone_digits(dst)))
                yield from reports.report_steps(pending[-1], "queued")
        return pending

    def _queue(self, flow: Flow, message: Message, src: str, dst: str) -> PendingMessage:
        # The same decision validate made (units.send_plan): encoding, units, text sent.
        plan = planned(message.text, self.auto_encoding)
        outcome = self.outcomes.get(dst, DELIVERED)
        blocked = (  # (the time looked up only for a pair that opted out)
            self._opt_outs.check(src, dst, self._clock.now())
            if self._opt_outs.opted_out(src, dst)
            else None
        )
        if blocked is not None:  # Plivo's DND: opted out, past the one acknowledgement
            flow.timeline.append(blocked.event(self._clock.stamp(), dst))
            outcome = ("failed", OPT_OUT_ERROR_CODE)
        queued = queue_message(
            message,
            src,
            dst,
            plan=plan,
            outcome=outcome,
            rate=self.rate,
            now=self._clock.stamp(),
            new_uuid=self._signer.uuid,
            uuid_per_part=self.legacy_reports,
        )
        flow.timeline.append(
            timeline.queued(
                queued.queued_time,
                src,
                dst,
                queued.units,
                queued.encoding,
                replaced=bool(plan.replaced_characters),
            )
        )
        return queued

    def _hand_to_carrier(
        self, flow: Flow, pending: list[PendingMessage], reports: ReportSender
    ) -> Steps[None]:
        """2. Plivo hands each to the carrier (sent) — or cannot (failed)."""
        if pending:
            self._clock.advance(STEPS.send)
        for message in pending:
            now = self._clock.stamp()
            if message.handed_on:
                message.sent_time = now
                flow.timeline.append(timeline.handed_on(now, message.dst, message.text))
            else:
                message.waive_charge()
                flow.timeline.append(timeline.not_handed_on(now, message.dst, message.error_code))
            yield from reports.report_steps(message, message.statuses[1])

    def _receive_receipts(
        self, flow: Flow, pending: list[PendingMessage], reports: ReportSender
    ) -> Steps[None]:
        """3. The carrier's delivery receipt comes back."""
        receipts = [(m, m.receipt_status) for m in pending if m.receipt_status is not None]
        if receipts:
            self._clock.advance(STEPS.receipt)
        for message, status in receipts:
            message.delivery_report_time = now = self._clock.stamp()
            flow.timeline.append(timeline.receipt(now, message.dst, status, message.error_code))
            yield from reports.report_steps(message, status)
