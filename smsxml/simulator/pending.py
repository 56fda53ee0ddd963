"""An SMS between queued and its final status: :class:`PendingMessage`, and how a
``<Message>`` for one destination becomes one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ..flow import OutboundMessage, OutboundPart
from ..protocol import Status
from ..units import SendPlan
from ..xml import Message
from .carrier import Outcome, status_path

__all__ = ["PendingMessage", "queue_message"]


@dataclass
class PendingMessage:
    """One SMS Plivo has queued: what goes out, where to, the statuses it will go through,
    what it costs, when each status came and the Sequence of each part's reports."""

    src: str
    dst: str
    text: str
    units: int
    encoding: str
    parts: tuple[OutboundPart, ...]
    statuses: tuple[Status, ...]
    error_code: str
    amount: str
    queued_time: str  # also its MessageTime
    type: str = "sms"
    callback_url: str | None = None
    callback_method: str | None = None
    sent_time: str = ""
    delivery_report_time: str = ""
    sequences: dict[str, int] = field(default_factory=dict)

    @property
    def message_uuid(self) -> str:
        """The first part's UUID: the message's, and every part's ParentMessageUUID."""
        return self.parts[0].message_uuid

    @property
    def handed_on(self) -> bool:
        """True when Plivo hands it to a carrier (sent), False when it fails first."""
        return self.statuses[1] == "sent"

    @property
    def receipt_status(self) -> Status | None:
        """What the carrier's delivery receipt will say; None when no receipt comes."""
        return self.statuses[2] if len(self.statuses) > 2 else None

    def waive_charge(self) -> None:
        """Charge nothing: Plivo does not charge a message that failed."""
        self.amount = f"{Decimal(0):.5f}"

    def next_sequence(self, message_uuid: str) -> int:
        """The Sequence of the next report about the part ``message_uuid`` (1, 2, …)."""
        self.sequences[message_uuid] = self.sequences.get(message_uuid, 0) + 1
        return self.sequences[message_uuid]

    def outbound(self, rate: str) -> OutboundMessage:
        """The SMS as the flow records it, at its final status."""
        return OutboundMessage(
            src=self.src,
            dst=self.dst,
            text=self.text,
            units=self.units,
            encoding=self.encoding,
            message_uuid=self.message_uuid,
            parts=self.parts,
            type=self.type,
            callback_url=self.callback_url,
            callback_method=self.callback_method,
            status=self.statuses[-1],
            error_code=self.error_code,
            total_rate=rate,
            total_amount=self.amount,
        )


def queue_message(
    message: Message,
    src: str,
    dst: str,
    *,
    plan: SendPlan,
    outcome: Outcome,
    rate: str,
    now: str,
    new_uuid: Callable[[], str],
    uuid_per_part: bool,
) -> PendingMessage:
    """``message`` for ``dst``, queued at ``now`` as ``plan`` (units.send_plan) decided it:
    one UUID for the message, or one a part with ``uuid_per_part`` (legacy reports)."""
    segments = plan.segments
    first = new_uuid()
    more = segments.units - 1
    uuids = [first] + ([new_uuid() for _ in range(more)] if uuid_per_part else [first] * more)
    parts = tuple(
        OutboundPart(uuid, f"{i} of {segments.units}", text)
        for i, (uuid, text) in enumerate(zip(uuids, segments.parts, strict=True), 1)
    )
    status, error_code = outcome
    return PendingMessage(
        src=src,
        dst=dst,
        text=plan.text,
        units=segments.units,
        encoding=segments.encoding,
        parts=parts,
        statuses=status_path(status),
        error_code=error_code,
        amount=f"{Decimal(rate) * segments.units:.5f}",
        queued_time=now,
        type=message.type or "sms",
        callback_url=message.callback_url or None,
        callback_method=(message.callback_method or "POST").upper()
        if message.callback_url
        else None,
        sequences=dict.fromkeys((part.message_uuid for part in parts), 0),
    )
