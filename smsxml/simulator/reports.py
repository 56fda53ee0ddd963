"""Delivery reports: what one says (:class:`StatusUpdate`, turned into Plivo's parameters
by ``to_params``), made from a pending message by :func:`status_update`, and sent to its
callbackUrl by a :class:`ReportSender`."""

from __future__ import annotations

from dataclasses import dataclass

from ..flow import DeliveryReport, Flow, OutboundPart
from ..inbound import SignedRequest
from ..protocol import DELIVERY_REPORT_PARAMETERS, Status
from . import timeline
from .carrier import STATUSES_WITH_ERROR_CODE, mcc_mnc
from .clock import STEPS, Clock
from .delivery import Attempt, attempt
from .pending import PendingMessage
from .signing import Signer
from .targets import Target, offline_refusal

__all__ = ["StatusUpdate", "status_update", "ReportSender"]


@dataclass(frozen=True)
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

    def to_params(self) -> dict[str, str]:
        """The form parameters Plivo sends, in Plivo's order (ErrorCode only when there is
        one; none of WhatsApp's: a reply's ``<Message>`` sends SMS)."""
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
            "ErrorCode": self.error_code,
            "ParentMessageUUID": self.parent_message_uuid,
            "PartInfo": self.part_info,
            "Sequence": str(self.sequence),
            "MessageTime": self.message_time,
            "QueuedTime": self.queued_time,
            "SentTime": self.sent_time,
            "DeliveryReportTime": self.delivery_report_time,
            "requester_ip": self.requester_ip,
            "PowerpackUUID": self.powerpack_uuid,
        }
        if not self.error_code:
            del values["ErrorCode"]
        return {name: values[name] for name in DELIVERY_REPORT_PARAMETERS if name in values}


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


@dataclass
class ReportSender:
    """Sends the delivery reports of one conversation to each message's callbackUrl and
    records them (and their timeline) in ``flow``: in-process when the callbackUrl is the
    ``target`` app's, else over HTTP, which stays on this machine unless ``allow_remote``."""

    flow: Flow
    clock: Clock
    signer: Signer
    target: Target
    timeout: float
    rate: str
    allow_remote: bool = False
    legacy_reports: bool = False

    def report(self, message: PendingMessage, status: Status) -> None:
        """Tell ``message``'s callbackUrl (if it has one) it reached ``status``: one report,
        or one for each of its parts with legacy reports."""
        if not message.callback_url:
            return
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
            self.send(message.callback_url, message.callback_method or "POST", update)

    def send(self, url: str, method: str, update: StatusUpdate) -> DeliveryReport:
        """Sign ``update``, send it to ``url`` once and record how it went."""
        request = self.signer.report(method, url, update.to_params())
        in_process = self.target.serves(url)
        self.clock.advance(STEPS.callback / 3)
        sent = self._attempt(url, request, update, in_process)
        self.clock.advance(STEPS.callback * 2 / 3)
        time = self.clock.stamp()
        if sent.error is None:
            self.flow.timeline.append(timeline.callback_reply(time, sent.status))
        else:
            event = timeline.callback_error(time, update.status, update.part_info, sent.error)
            self.flow.timeline.append(event)
        report = DeliveryReport(
            request=request,
            status=update.status,
            message_uuid=update.message_uuid,
            parent_message_uuid=update.parent_message_uuid,
            part_info=update.part_info,
            sequence=update.sequence,
            response_status=sent.status,
            error=sent.error,
            in_process=in_process,
        )
        self.flow.reports.append(report)
        return report

    def _attempt(
        self, url: str, request: SignedRequest, update: StatusUpdate, in_process: bool
    ) -> Attempt:
        """One try at delivering ``request`` to ``url``: refused when it would leave this
        machine."""
        refusal = None if in_process else offline_refusal(url, self.allow_remote)
        if refusal is not None:
            return Attempt(error=refusal)
        self.flow.timeline.append(
            timeline.callback(
                self.clock.stamp(),
                request.method,
                url,
                update.status,
                update.part_info,
                update.sequence,
            )
        )
        app = self.target.app if in_process else None
        return attempt(request, app, self.timeout, self.signer.redact)
