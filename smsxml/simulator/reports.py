"""Delivery reports: what one says (:class:`StatusUpdate`, turned into Plivo's parameters
by ``to_params``), made from a pending message by :func:`status_update`, and sent to its
callbackUrl by a :class:`ReportSender`."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ..flow import DeliveryReport, Flow, OutboundPart, RequestAttempt
from ..inbound import SignedRequest
from ..protocol import Status
from . import timeline
from .carrier import STATUSES_WITH_ERROR_CODE, mcc_mnc
from .clock import STEPS, Clock
from .delivery import Attempt, Delivery, Steps, attempt_steps, run_steps
from .pending import PendingMessage
from .retries import ReportOrder, RetryPlan, retry_reason
from .signing import Signer
from .targets import Target, offline_refusal

__all__ = ["StatusUpdate", "status_update", "ReportSender"]


@dataclass(frozen=True, init=False)
class StatusUpdate:
    """What one delivery report says about one message (or, with legacy reports, one part):
    Plivo's parameters, typed. ``error_code`` is ``""`` when the report carries none."""

    message_uuid: str
    to: str
    from_: str
    type: str
    status: Status
    units: int
    total_rate: str
    total_amount: str
    mcc: str
    mnc: str
    error_code: str
    parent_message_uuid: str
    part_info: str
    sequence: int
    message_time: str
    queued_time: str
    sent_time: str
    delivery_report_time: str
    requester_ip: str
    powerpack_uuid: str = ""

    def __init__(
        self,
        message_uuid: str,
        to: str,
        from_: str,
        type: str,
        status: Status,
        units: int,
        total_rate: str,
        total_amount: str,
        mcc: str,
        mnc: str,
        error_code: str,
        parent_message_uuid: str,
        part_info: str,
        sequence: int,
        message_time: str,
        queued_time: str,
        sent_time: str,
        delivery_report_time: str,
        requester_ip: str,
        powerpack_uuid: str = "",
    ) -> None:
        # Written out, with the generated one's parameters (a test holds it to them): the
        # __init__ a frozen dataclass is given sets each of these 20 fields with
        # object.__setattr__, four times the cost, for every report.
        fields = self.__dict__
        fields["message_uuid"], fields["to"], fields["from_"] = message_uuid, to, from_
        fields["type"], fields["status"], fields["units"] = type, status, units
        fields["total_rate"], fields["total_amount"] = total_rate, total_amount
        fields["mcc"], fields["mnc"], fields["error_code"] = mcc, mnc, error_code
        fields["parent_message_uuid"], fields["part_info"] = parent_message_uuid, part_info
        fields["sequence"], fields["message_time"] = sequence, message_time
        fields["queued_time"], fields["sent_time"] = queued_time, sent_time
        fields["delivery_report_time"], fields["requester_ip"] = delivery_report_time, requester_ip
        fields["powerpack_uuid"] = powerpack_uuid

    def to_params(self) -> dict[str, str]:
        """The form parameters Plivo sends, in Plivo's order (DELIVERY_REPORT_PARAMETERS'; a
        test holds them to it): ErrorCode only when there is one; none of WhatsApp's (a
        reply's ``<Message>`` sends SMS)."""
        values = {
            "MessageUUID": self.message_uuid,
            "To": self.to,
            "From": self.from_,
            "Type": self.type,
            "Status": self.status,
            "Units": str(self.units),
            "TotalRate": self.total_rate,
            "TotalAmount": self.total_amount,
            "MCC": self.mcc,
            "MNC": self.mnc,
        }
        if self.error_code:
            values["ErrorCode"] = self.error_code
        values["ParentMessageUUID"] = self.parent_message_uuid
        values["PartInfo"] = self.part_info
        values["Sequence"] = str(self.sequence)
        values["MessageTime"] = self.message_time
        values["QueuedTime"] = self.queued_time
        values["SentTime"] = self.sent_time
        values["DeliveryReportTime"] = self.delivery_report_time
        values["requester_ip"] = self.requester_ip
        values["PowerpackUUID"] = self.powerpack_uuid
        return values


def status_update(
    message: PendingMessage,
    part: OutboundPart,
    status: Status,
    *,
    sequence: int,
    rate: str,
    requester_ip: str,
    legacy_reports: bool,
) -> StatusUpdate:
    """The report that ``message`` (``part`` of it, with legacy reports) reached ``status``:
    its ``sequence``-th; an ErrorCode only with the statuses Plivo sends one with."""
    mcc, mnc = mcc_mnc(message.dst)
    return StatusUpdate(
        message_uuid=part.message_uuid,
        to=message.dst,
        from_=message.src,
        type=message.type,
        status=status,
        units=message.units,
        total_rate=rate,
        total_amount=message.amount,
        mcc=mcc,
        mnc=mnc,
        error_code=message.error_code if status in STATUSES_WITH_ERROR_CODE else "",
        parent_message_uuid=message.message_uuid,
        part_info=part.part_info if legacy_reports else "",
        sequence=sequence,
        message_time=message.queued_time,
        queued_time=message.queued_time,
        sent_time=message.sent_time,
        delivery_report_time=message.delivery_report_time,
        requester_ip=requester_ip,
    )


@dataclass(order=True)
class _Retry:
    """A report to try again at ``due``: which report (its index in ``flow.reports``), to
    where, and its attempts so far."""

    due: datetime
    index: int
    url: str = field(compare=False)
    update: StatusUpdate = field(compare=False)
    start: datetime = field(compare=False)
    attempts: list[RequestAttempt] = field(compare=False)


@dataclass
class ReportSender:
    """Sends the delivery reports of one conversation to each message's callbackUrl and
    records them (and their timeline) in ``flow``: in-process when the callbackUrl is the
    ``target`` app's, else over HTTP, which stays on this machine unless ``allow_remote``.

    A report answered non-2xx, or not within ``timeout``, is tried again as ``plan`` says,
    on the clock, once the conversation's other reports are out (call :meth:`flush`).
    ``duplicate`` sends every report twice; ``order`` ``"reversed"`` or ``"shuffled"`` holds
    the reports back until :meth:`flush` and sends them in that order."""

    flow: Flow
    clock: Clock
    signer: Signer
    target: Target
    timeout: float
    rate: str
    allow_remote: bool = False
    legacy_reports: bool = False
    plan: RetryPlan = field(default_factory=RetryPlan)
    duplicate: bool = False
    order: ReportOrder = "sent"
    _held: list[tuple[str, str, StatusUpdate, bool]] = field(default_factory=list, init=False)
    _retries: list[_Retry] = field(default_factory=list, init=False)

    def report(self, message: PendingMessage, status: Status) -> None:
        """Tell ``message``'s callbackUrl (if it has one) it reached ``status``: one report,
        or one for each of its parts with legacy reports."""
        run_steps(self.report_steps(message, status), self.timeout)

    def flush(self) -> None:
        """Send the reports held back (in the order asked for), then every retry due, in
        the order of their times on the clock."""
        run_steps(self.flush_steps(), self.timeout)

    def send(
        self, url: str, method: str, update: StatusUpdate, *, duplicate: bool = False
    ) -> DeliveryReport:
        """Sign ``update``, send it to ``url`` once and record how it went (a retry, when
        one is due, waits for :meth:`flush`)."""
        return run_steps(self.send_steps(url, method, update, duplicate=duplicate), self.timeout)

    # -- the same, as steps of a conversation (see .delivery) -------------------------------

    def report_steps(self, message: PendingMessage, status: Status) -> Steps[None]:
        """:meth:`report`, as steps of a conversation."""
        if not message.callback_url:
            return
        method = message.callback_method or "POST"
        parts = message.parts if self.legacy_reports else message.parts[:1]
        for part in parts:
            update = status_update(
                message,
                part,
                status,
                sequence=message.next_sequence(part.message_uuid),
                rate=self.rate,
                requester_ip=self.target.requester_ip,
                legacy_reports=self.legacy_reports,
            )
            for copy in range(2 if self.duplicate else 1):
                if self.order == "sent":
                    url = message.callback_url
                    yield from self.send_steps(url, method, update, duplicate=copy > 0)
                else:
                    self._held.append((message.callback_url, method, update, copy > 0))

    def flush_steps(self) -> Steps[None]:
        """:meth:`flush`, as steps of a conversation."""
        held, self._held = self._held, []
        if self.order == "reversed":
            held.reverse()
        elif self.order == "shuffled":
            self.signer.shuffle(held)
        for url, method, update, duplicate in held:
            yield from self.send_steps(url, method, update, duplicate=duplicate)
        while self._retries:
            yield from self._retry(heapq.heappop(self._retries))

    def send_steps(
        self, url: str, method: str, update: StatusUpdate, *, duplicate: bool = False
    ) -> Steps[DeliveryReport]:
        """:meth:`send`, as steps of a conversation."""
        request = self.signer.report(method, url, update.to_params())
        mark = self.clock.mark()
        tried = yield from self._try(url, request, update, 1)
        report = DeliveryReport(
            request=request,
            status=update.status,
            message_uuid=update.message_uuid,
            parent_message_uuid=update.parent_message_uuid,
            part_info=update.part_info,
            sequence=update.sequence,
            response_status=tried.status,
            error=tried.error,
            in_process=self.target.serves(url),
            attempts=(tried,),
            duplicate=duplicate,
        )
        self.flow.reports.append(report)
        if retry_reason(tried.status, tried.timed_out, self.timeout) is None:
            return report  # it stands: nothing to schedule
        start = self.clock.moment(mark)
        retry = _Retry(start, len(self.flow.reports) - 1, url, update, start, [tried])
        self._schedule(retry)
        if retry.attempts[0] is not tried:  # it will be retried: the record says why
            self._record(retry)
        return self.flow.reports[-1]

    def _schedule(self, retry: _Retry) -> None:
        """Queue ``retry`` for its next attempt when its last one did not stand (and say why
        on the timeline and in the attempt)."""
        last = retry.attempts[-1]
        reason = retry_reason(last.status, last.timed_out, self.timeout)
        offsets = self.plan.offsets
        done = len(retry.attempts)
        if reason is None or done >= len(offsets):
            return
        retry.attempts[-1] = replace(last, retry_reason=reason)
        wait = offsets[done] - offsets[done - 1]
        self.flow.timeline.append(timeline.retry(self.clock.stamp(), last.number, reason, wait))
        retry.due = retry.start + timedelta(seconds=offsets[done])
        heapq.heappush(self._retries, retry)

    def _record(self, retry: _Retry) -> None:
        """Its attempts so far in the report's record; the last one's answer as its answer."""
        last = retry.attempts[-1]
        self.flow.reports[retry.index] = replace(
            self.flow.reports[retry.index],
            request=last.request,
            response_status=last.status,
            error=last.error,
            attempts=tuple(retry.attempts),
        )

    def _retry(self, retry: _Retry) -> Steps[None]:
        """The next attempt of a report that did not stand."""
        self.clock.move_to(retry.due)
        first = retry.attempts[0].request
        request = (
            self.signer.sign(first.method, retry.url, first.params) if self.plan.resign else first
        )
        number = len(retry.attempts) + 1
        retry.attempts.append((yield from self._try(retry.url, request, retry.update, number)))
        self._schedule(retry)
        self._record(retry)

    def _try(
        self, url: str, request: SignedRequest, update: StatusUpdate, number: int
    ) -> Steps[RequestAttempt]:
        """Attempt ``number`` at delivering ``request`` to ``url``, on the timeline."""
        in_process = self.target.serves(url)
        self.clock.advance(STEPS.callback / 3)
        time = self.clock.stamp()
        sent = yield from self._attempt(url, request, update, in_process, number, time)
        if sent.timed_out:
            self.clock.advance(self.timeout * 1000)
        self.clock.advance(STEPS.callback * 2 / 3)
        now = self.clock.stamp()
        if sent.error is None:
            self.flow.timeline.append(timeline.callback_reply(now, sent.status))
        else:
            event = timeline.callback_error(now, update.status, update.part_info, sent.error)
            self.flow.timeline.append(event)
        return RequestAttempt(
            number, time, request, sent.status, sent.error, timed_out=sent.timed_out
        )

    def _attempt(
        self,
        url: str,
        request: SignedRequest,
        update: StatusUpdate,
        in_process: bool,
        number: int,
        time: str,
    ) -> Steps[Attempt]:
        """One try at delivering ``request`` to ``url`` at ``time``: refused when it would
        leave this machine."""
        refusal = None if in_process else offline_refusal(url, self.allow_remote)
        if refusal is not None:
            return Attempt(error=refusal)
        self.flow.timeline.append(
            timeline.callback(
                time,
                request.method,
                url,
                update.status,
                update.part_info,
                update.sequence,
                number,
            )
        )
        app = self.target.app if in_process else None
        return (yield from attempt_steps(Delivery(request, app, self.signer.redact)))
