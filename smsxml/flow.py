"""What a simulated exchange produced: the :class:`Flow` and its parts (the reply as Plivo
read it, the problems it would have, the outbound messages and their parts, the delivery
reports and the timeline). Plain data with text and HTML views; :mod:`.simulator` makes them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from ._html import Safe, escape, table
from ._text import plural
from .inbound import SignedRequest
from .protocol import Status
from .transport import Reply

if TYPE_CHECKING:  # pragma: no cover
    from .diagram import SVG
    from .xml import Problem

__all__ = [
    "Flow",
    "FlowProblem",
    "ReplyInfo",
    "OutboundMessage",
    "OutboundPart",
    "DeliveryReport",
    "RequestAttempt",
    "Event",
    "timeline_rows",
    "event_status",
    "LIFELINES",
    "FAILED_STATUSES",
    "is_failure",
    "status_html",
]

#: The final statuses of an SMS that mean it did not reach the phone (of Plivo's statuses,
#: :data:`smsxml.protocol.Status`): Plivo could not hand it on (failed), the carrier could
#: not deliver it (undelivered) or refused it (rejected). Shown alike, in red, everywhere.
FAILED_STATUSES = frozenset({"failed", "undelivered", "rejected"})
_FAILURE_COLOUR = "#cf222e"
_SUCCESS_COLOUR = "#1a7f37"


def is_failure(status: str) -> bool:
    """Whether ``status`` (any case) is a failure: see :data:`FAILED_STATUSES`."""
    return status.strip().lower() in FAILED_STATUSES


def status_html(status: str, css: str = "smsxml-status") -> Safe:
    """``status`` as a coloured label that never wraps nor gets cut: red for every failure,
    green for delivered, grey for the statuses on the way (queued, sent)."""
    if is_failure(status):
        colour, kind = _FAILURE_COLOUR, "failure"
    elif status.strip().lower() == "delivered":
        colour, kind = _SUCCESS_COLOUR, "success"
    else:
        colour, kind = "#57606a", "pending"
    return Safe(
        f"<span class='{css} smsxml-status-{kind}' style='display:inline-block;"
        f"white-space:nowrap;color:{colour};font-weight:600'>{escape(status)}</span>"
    )


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowProblem:
    """Something Plivo would object to that is not inside the XML itself (the reply's
    status or content type, a ``src`` you do not own, an unreachable URL…).

    Shaped like :class:`smsxml.xml.Problem` (``line``/``column`` are None), so a list of
    problems can mix both.
    """

    code: str
    message: str
    hint: str = ""
    severity: str = "error"
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        head = f"{self.severity} {self.code}: {self.message}"
        return f"{head} — hint: {self.hint}" if self.hint else head

    def to_dict(self) -> dict[str, Any]:
        return _problem_dict(self)


@dataclass(frozen=True)
class ReplyInfo:
    """What your app answered to the inbound request."""

    status: int
    content_type: str
    headers: dict[str, str] = field(repr=False)
    text: str
    elapsed: float = field(default=0.0, repr=False, compare=False)

    @classmethod
    def from_reply(cls, reply: Reply) -> ReplyInfo:
        return cls(reply.status, reply.content_type, dict(reply.headers), reply.text, reply.elapsed)

    def to_dict(self) -> dict[str, Any]:
        # Headers such as Date and Server change from run to run; they stay out.
        return {"status": self.status, "content_type": self.content_type, "text": self.text}


@dataclass(frozen=True)
class OutboundPart:
    """One unit (part) of an outbound SMS: billed on its own, reported on its own."""

    message_uuid: str
    part_info: str
    text: str


@dataclass(frozen=True)
class OutboundMessage:
    """One SMS Plivo sent: one per (``<Message>``, destination) of the reply.

    ``message_uuid`` is the first part's UUID, which is also every part's
    ParentMessageUUID; ``parts`` has one entry per unit. ``status`` is the final status and
    ``error_code`` its ErrorCode ("" when there is none).
    """

    src: str
    dst: str
    text: str
    units: int
    encoding: str
    message_uuid: str
    parts: tuple[OutboundPart, ...]
    type: str = "sms"
    callback_url: str | None = None
    callback_method: str | None = None
    status: str = "queued"
    error_code: str = ""
    total_rate: str = ""
    total_amount: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "text": self.text,
            "units": self.units,
            "encoding": self.encoding,
            "message_uuid": self.message_uuid,
            "parts": [
                {"message_uuid": p.message_uuid, "part_info": p.part_info, "text": p.text}
                for p in self.parts
            ],
            "type": self.type,
            "callback_url": self.callback_url,
            "callback_method": self.callback_method,
            "status": self.status,
            "error_code": self.error_code,
            "total_rate": self.total_rate,
            "total_amount": self.total_amount,
        }


@dataclass(frozen=True, init=False)
class RequestAttempt:
    """One try at delivering a request (to the message_url, or a report to a callbackUrl):
    when (``time``, on the simulator's clock), the ``request`` sent (its own nonce when
    retries are re-signed), the answer's ``status`` or the ``error`` when none came back
    (``timed_out``: none within the time Plivo waits), and ``retry_reason``, why Plivo tried
    again — None for the attempt whose answer stood."""

    number: int
    time: str
    request: SignedRequest = field(repr=False)
    status: int | None = None
    error: str | None = None
    timed_out: bool = False
    retry_reason: str | None = None

    def __init__(
        self,
        number: int,
        time: str,
        request: SignedRequest,
        status: int | None = None,
        error: str | None = None,
        timed_out: bool = False,
        retry_reason: str | None = None,
    ) -> None:
        # Written out, with the generated one's parameters (a test holds it to them): the
        # __init__ a frozen dataclass is given sets each field with object.__setattr__.
        fields = self.__dict__
        fields["number"], fields["time"], fields["request"] = number, time, request
        fields["status"], fields["error"], fields["timed_out"] = status, error, timed_out
        fields["retry_reason"] = retry_reason

    @property
    def nonce(self) -> str | None:
        """The attempt's ``X-Plivo-Signature-V2-Nonce``."""
        return self.request.nonce

    @property
    def outcome(self) -> str:
        """The answer's status, or what went wrong."""
        return str(self.status) if self.error is None else self.error

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "time": self.time,
            "nonce": self.nonce,
            "status": self.status,
            "error": self.error,
            "timed_out": self.timed_out,
            "retry_reason": self.retry_reason,
        }

    def line(self) -> str:
        """One line for printouts: number, time, outcome, nonce, why retried."""
        retried = f" → retried: {self.retry_reason}" if self.retry_reason else ""
        return f"#{self.number} {self.time[11:23]}  {self.outcome}  nonce {self.nonce}{retried}"


@dataclass(frozen=True, init=False)
class DeliveryReport:
    """One status callback: the signed request Plivo sent and how the server answered
    (``response_status``, or ``error`` when it could not be delivered at all)."""

    request: SignedRequest
    status: str
    message_uuid: str
    parent_message_uuid: str
    part_info: str
    sequence: int
    response_status: int | None = None
    error: str | None = None
    in_process: bool = False
    #: Every try at sending this report, when Plivo retried it (else empty or just one).
    attempts: tuple[RequestAttempt, ...] = field(default=(), repr=False)
    #: True for the second copy of a report (``Simulator(duplicate_reports=True)``).
    duplicate: bool = False

    def __init__(
        self,
        request: SignedRequest,
        status: str,
        message_uuid: str,
        parent_message_uuid: str,
        part_info: str,
        sequence: int,
        response_status: int | None = None,
        error: str | None = None,
        in_process: bool = False,
        attempts: tuple[RequestAttempt, ...] = (),
        duplicate: bool = False,
    ) -> None:
        # Written out, as RequestAttempt's.
        fields = self.__dict__
        fields["request"], fields["status"], fields["message_uuid"] = request, status, message_uuid
        fields["parent_message_uuid"], fields["part_info"] = parent_message_uuid, part_info
        fields["sequence"], fields["response_status"] = sequence, response_status
        fields["error"], fields["in_process"], fields["attempts"] = error, in_process, attempts
        fields["duplicate"] = duplicate

    @property
    def ok(self) -> bool:
        """True when the callback server answered with a 2xx status."""
        return self.response_status is not None and 200 <= self.response_status < 300

    @property
    def sent(self) -> bool:
        """True when the callback was sent (answered or not); False when the simulator kept
        it back (a callbackUrl not on this machine, offline)."""
        return self.response_status is not None or not (self.error or "").startswith("not sent")

    @property
    def outcome(self) -> str:
        if self.error is not None:
            return f"not delivered: {self.error}"
        return str(self.response_status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message_uuid": self.message_uuid,
            "parent_message_uuid": self.parent_message_uuid,
            "part_info": self.part_info,
            "sequence": self.sequence,
            "request": _request_dict(self.request),
            "response_status": self.response_status,
            "error": self.error,
            "in_process": self.in_process,
        } | _retry_dict(self.attempts, self.duplicate)

    @property
    def note(self) -> str:
        """`` (4 attempts)``, `` (duplicate)``: what a printout adds to this report."""
        tries = f" ({len(self.attempts)} attempts)" if len(self.attempts) > 1 else ""
        return tries + (" (duplicate)" if self.duplicate else "")


def _retry_dict(attempts: Iterable[RequestAttempt], duplicate: bool) -> dict[str, Any]:
    """The keys a retried (or duplicated) request adds to its ``to_dict`` (none otherwise,
    so that the data of a conversation without retries stays as it was)."""
    tries = [a.to_dict() for a in attempts]
    return ({"attempts": tries} if len(tries) > 1 else {}) | (
        {"duplicate": True} if duplicate else {}
    )


@dataclass(frozen=True, init=False)
class Event:
    """One line of the timeline: at ``time``, ``actor`` did ``kind`` (to ``target``)."""

    time: str
    actor: str
    kind: str
    summary: str
    target: str | None = None
    label: str = ""  # a short form for the sequence diagram (else the summary)

    def __init__(
        self,
        time: str,
        actor: str,
        kind: str,
        summary: str,
        target: str | None = None,
        label: str = "",
    ) -> None:
        # Written out, as RequestAttempt's: a flow's timeline has a dozen events or more.
        fields = self.__dict__
        fields["time"], fields["actor"], fields["kind"] = time, actor, kind
        fields["summary"], fields["target"], fields["label"] = summary, target, label

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "actor": self.actor,
            "kind": self.kind,
            "summary": self.summary,
            "target": self.target,
            "label": self.label,
        }


#: Lifelines of the sequence diagram, by the actor names events use.
LIFELINES = {
    "phone": "Phone",
    "Plivo": "Plivo",
    "your app": "Your app",
    "callbackUrl": "callbackUrl",
}


_STATUS_IN = {
    "receipt": re.compile(r"receipt for [^:]*:\s*([a-z]+)"),
    "callback": re.compile(r"Status=([a-z]+)"),
    "callback-error": re.compile(r"Status=([a-z]+)"),
}
_STATUSES = frozenset(get_args(Status))

#: How many characters an arrow between neighbouring lifelines shows whole (the diagram
#: cuts a longer label with "…": "receipt 14155550101: undelive…").
_ARROW_CHARS = 30


def event_status(event: Event) -> str | None:
    """The SMS status an event is about (a receipt, a failure, a status callback), or None."""
    if event.kind == "failed":
        return "failed"
    pattern = _STATUS_IN.get(event.kind)
    found = pattern.search(event.summary) if pattern is not None else None
    status = found.group(1) if found else None
    return status if status in _STATUSES else None


def timeline_rows(events: Iterable[Event]) -> list[str]:
    """One line an event: time, "actor → target" padded to one width, summary (so every
    summary starts in the same column). Used by ``str(Flow)`` and the FlowTimeline widget."""
    events = list(events)
    who = [f"{e.actor} → {e.target}" if e.target else e.actor for e in events]
    width = max(map(len, who), default=0)
    return [
        f"{e.time[11:23]}  {name:<{width}}  {e.summary}"
        for e, name in zip(events, who, strict=True)
    ]


@dataclass
class Flow:
    """Everything that happened when someone texted your number, as Plivo saw it."""

    inbound: SignedRequest
    reply: ReplyInfo | None = None
    problems: list[Problem | FlowProblem] = field(default_factory=list)
    outbound: list[OutboundMessage] = field(default_factory=list)
    reports: list[DeliveryReport] = field(default_factory=list)
    timeline: list[Event] = field(default_factory=list)
    in_process: bool = False
    #: Every try at calling the message_url: one, or more when Plivo retried.
    attempts: list[RequestAttempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when Plivo found no error (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[Problem | FlowProblem]:
        return [p for p in self.problems if getattr(p, "severity", "error") == "error"]

    # -- views -----------------------------------------------------------------------------

    def sequence_diagram(self, *, title: str | None = None) -> SVG:
        """The timeline as an SVG sequence diagram (Phone / Plivo / Your app / callbackUrl)."""
        from .diagram import Step, sequence_diagram  # drawn on request: flow stays light

        participants = ["Phone", "Plivo", "Your app"]
        if any(e.actor == "callbackUrl" or e.target == "callbackUrl" for e in self.timeline):
            participants.append("callbackUrl")
        steps = []
        for event in self.timeline:
            source = LIFELINES[event.actor]
            time = event.time[11:23]  # HH:MM:SS.mmm
            label = event.label or event.summary
            status = event_status(event) if event.kind == "receipt" else None
            if status is not None and is_failure(status):
                # A receipt saying the SMS did not arrive is a failure, as "failed" is: a red
                # box (wide enough for the whole status) on the phone's side.
                steps.append(Step(source, source, label, "error", time))
                continue
            if status is not None and len(label) > _ARROW_CHARS:
                label = label.removeprefix("receipt ")  # keep the status whole
            if event.target is None:
                kind = (
                    "error"
                    if event.kind in ("problem", "callback-error", "failed")
                    else "warning"
                    if event.kind == "warning"
                    else "note"
                )
                steps.append(Step(source, source, label, kind, time))
            else:
                kind = "reply" if event.kind in ("reply", "callback-reply", "receipt") else "arrow"
                steps.append(Step(source, LIFELINES[event.target], label, kind, time))
        return sequence_diagram(participants, steps, title=title)

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data (no token: requests carry only signatures)."""
        return {
            "inbound": _request_dict(self.inbound),
            "in_process": self.in_process,
            "reply": self.reply.to_dict() if self.reply else None,
            "problems": [_problem_dict(p) for p in self.problems],
            "outbound": [m.to_dict() for m in self.outbound],
            "reports": [r.to_dict() for r in self.reports],
            "timeline": [e.to_dict() for e in self.timeline],
        } | _retry_dict(self.attempts, False)

    def _headline(self) -> str:
        params = self.inbound.params
        how = "in-process" if self.in_process else "over HTTP"
        return (
            f"SMS from {params.get('From', '?')} to {params.get('To', '?')}: "
            f"{self.inbound.method} {self.inbound.url} ({how})"
        )

    def _reply_line(self) -> str:
        if self.reply is None:
            return "no reply"
        count = self.reply.text.count("<Message")
        return (
            f"{self.reply.status} {self.reply.content_type or '(no content type)'}, "
            f"{len(self.reply.text)} characters, {count} <Message>"
        )

    def _reports_line(self) -> str:
        """The delivery reports (status callbacks to a callbackUrl), counted as sent and
        answered. None without a callbackUrl: the statuses above are then Plivo's own (the
        carrier's receipt goes to Plivo, not to your app)."""
        if not self.reports:
            if not self.outbound:
                return "none (no SMS sent)"
            if not any(m.callback_url for m in self.outbound):
                return "none (no callbackUrl: Plivo sends your app no delivery reports)"
            return "none"
        sent = sum(r.sent for r in self.reports)
        answered = sum(r.ok for r in self.reports)
        line = f"{sent} sent, {answered} answered 2xx"
        held = len(self.reports) - sent
        return line + (f", {held} not sent (the simulator stays offline)" if held else "")

    def __str__(self) -> str:
        lines = [f"Flow: {self._headline()}", f"  reply:    {self._reply_line()}"]
        if len(self.attempts) > 1:
            lines.append(f"  attempts: {len(self.attempts)} (Plivo retried)")
            lines += [f"    {a.line()}" for a in self.attempts]
        if self.problems:
            lines.append(f"  problems: {len(self.problems)}")
            lines += [f"    {p}" for p in self.problems]
        else:
            lines.append("  problems: none")
        lines.append(f"  outbound: {len(self.outbound)} SMS")
        for m in self.outbound:
            code = f" (ErrorCode {m.error_code})" if m.error_code else ""
            lines.append(
                f"    {m.src} → {m.dst}  {plural(m.units, 'unit')} {m.encoding}  {m.status}{code}"
                f"  {m.message_uuid}"
            )
        lines.append(f"  reports:  {self._reports_line()}")
        for r in self.reports:
            lines.append(
                f"    #{r.sequence} {r.status:<11} "
                + (f"{r.part_info:<7} " if r.part_info else "")
                + f"{r.request.method} "
                f"{r.request.url.split('?')[0]} → {r.outcome}{r.note}"
            )
        lines.append("  timeline:")
        lines += [f"    {row}" for row in timeline_rows(self.timeline)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.__str__()

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self, *, headline: bool = True) -> str:
        """The HTML view; ``headline=False`` leaves out the first line (the inbound request's
        URL), for a panel that says itself where the request went."""
        problems = "".join(f"<li><code>{escape(str(p))}</code></li>" for p in self.problems)
        outbound = [
            (m.src, m.dst, m.units, m.encoding, status_html(m.status), m.error_code, m.message_uuid)
            for m in self.outbound
        ]
        events = [
            (e.time[11:23], e.actor, e.target or "", e.kind, e.summary) for e in self.timeline
        ]
        head = f"<b>Flow</b>: {escape(self._headline())}<br>" if headline else ""
        parts = [
            f"<div>{head}reply: {escape(self._reply_line())}",
            f"<br>problems:<ul>{problems}</ul>" if problems else "<br>problems: none",
        ]
        if len(self.attempts) > 1:
            tries = "".join(f"<li><code>{escape(a.line())}</code></li>" for a in self.attempts)
            parts.append(f"<div>attempts (Plivo retried):<ul>{tries}</ul></div>")
        if outbound:
            columns = ("src", "dst", "units", "encoding", "status", "ErrorCode", "MessageUUID")
            parts.append(table(outbound, columns, row_heads=False, cell_style="", header_style=""))
        parts.append(f"<div>reports: {escape(self._reports_line())}</div>")
        header = ("time", "actor", "to", "kind", "what")
        parts.append(table(events, header, row_heads=False, header_style="") + "</div>")
        return "".join(parts)


def _request_dict(request: SignedRequest) -> dict[str, Any]:
    return {
        "method": request.method,
        "url": request.url,
        "headers": dict(request.headers),
        "params": dict(request.params),
        "body": request.body.decode("utf-8", errors="replace"),
    }


def _problem_dict(problem: Problem | FlowProblem) -> dict[str, Any]:
    return {
        name: getattr(problem, name, None)
        for name in ("line", "column", "code", "severity", "message", "hint")
    } | {"text": str(problem)}
