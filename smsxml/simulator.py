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
"""

from __future__ import annotations

import ipaddress
import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._hosts import is_loopback, is_private, url_host
from ._text import plural, shorten, url_path
from .exc import DeliveryError, SimulatorError, WrongTypeError
from .flow import (
    DeliveryReport,
    Event,
    Flow,
    FlowProblem,
    OutboundMessage,
    OutboundPart,
    ReplyInfo,
)
from .inbound import SignedRequest, inbound_request, signed_request
from .phone import plivo_number
from .protocol import (
    AUTO_ENCODING_BY_DEFAULT,
    DEFAULT_ERROR_CODES,
    DEFAULT_PORTS,
    STATUS_PATHS,
    XML_MEDIA_TYPES,
    MessageType,
)
from .signature import make_nonce
from .tokens import mask, redact, resolve_token
from .transport import IN_PROCESS_HOST, Reply, resolve_target, send
from .units import send_plan

if TYPE_CHECKING:  # pragma: no cover
    from .xml import Message, Problem

__all__ = [
    "Simulator",
    "PLIVO_TIME_FORMAT",
    "SIMULATED_START",
    "IN_PROCESS_URL",
]

#: Timestamps in delivery reports: ``YYYY-mm-dd HH:MM:SS.SSSSSS`` (UTC here).
PLIVO_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
#: Where the simulated clock of a seeded simulator starts.
SIMULATED_START = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
#: The inbound URL used when the app is a WSGI application called in-process.
IN_PROCESS_URL = f"{IN_PROCESS_HOST}/receive_sms/"

_PATHS = STATUS_PATHS

# Illustrative Mobile Country / Network Codes by country calling code (not a lookup).
_MCC_MNC = {
    "1": ("310", "260"),
    "44": ("234", "10"),
    "49": ("262", "01"),
    "33": ("208", "01"),
    "91": ("404", "10"),
    "61": ("505", "01"),
}

_XML_TYPES = XML_MEDIA_TYPES

# Steps of the simulated clock, in milliseconds.
_STEP = {
    "carrier": 150,  # phone -> Plivo -> your app
    "app": 40,  # your app's answer
    "queue": 5,  # executing one <Message> for one destination
    "callback": 15,  # one delivery report and its answer
    "send": 1200,  # queue -> carrier
    "receipt": 2500,  # carrier -> handset -> delivery receipt
}


# --- the simulator ---------------------------------------------------------------------------


def _digits(number: object, what: str = "a number") -> str:
    """A phone number as Plivo compares it: without spaces and a leading ``+``."""
    if not isinstance(number, str | int) or isinstance(number, bool) or not str(number).strip():
        raise SimulatorError(f"{what} must be a phone number like 12025550000, not {number!r}")
    return plivo_number(number)


class _Clock:
    """A simulated clock (seeded runs: from SIMULATED_START), or real time moved on by the
    same steps (so that the events of one flow do not all fall in the same millisecond)."""

    def __init__(self, simulated: bool):
        self._now = SIMULATED_START if simulated else None
        self._ahead = timedelta()

    def now(self) -> datetime:
        if self._now is not None:
            return self._now
        return datetime.now(timezone.utc) + self._ahead

    def advance(self, milliseconds: float) -> None:
        if self._now is not None:
            self._now += timedelta(milliseconds=milliseconds)
        else:
            self._ahead += timedelta(milliseconds=milliseconds)

    def stamp(self) -> str:
        return self.now().strftime(PLIVO_TIME_FORMAT)


def _outcome(dst: str, value: object, legacy: bool = False) -> tuple[str, str]:
    if isinstance(value, str):
        status, code = value, None
    elif isinstance(value, tuple | list) and len(value) == 2:
        status, code = value
    else:
        raise SimulatorError(
            f"outcomes[{dst!r}] must be a final status like 'failed' or (status, error_code), "
            f"not {value!r}"
        )
    if status not in _PATHS:
        raise SimulatorError(
            f"outcomes[{dst!r}]: {status!r} is not a final status; use one of {', '.join(_PATHS)}"
        )
    if status == "rejected" and not legacy:
        raise SimulatorError(
            f"outcomes[{dst!r}]: 'rejected' is a status of Plivo's older documentation only "
            "(today's reports end in delivered, undelivered, failed or sent); "
            "Simulator(legacy_reports=True) plays that older model"
        )
    if code is None or code == "":
        return status, DEFAULT_ERROR_CODES.get(status, "")
    if status not in DEFAULT_ERROR_CODES:
        raise SimulatorError(
            f"outcomes[{dst!r}]: Plivo sends an ErrorCode only with failed or undelivered, "
            f"not with {status}"
        )
    if not str(code).isdigit():
        raise SimulatorError(f"outcomes[{dst!r}]: an ErrorCode is a number like 20, not {code!r}")
    return status, str(int(code))


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port


def _requester_ip(message_url: str, app: object) -> str:
    """``requester_ip`` of a report: where the request to send came from — here, your app's
    reply. 127.0.0.1 for an app on this machine (or in-process), the address itself for a
    message_url written with one; ``""`` for a host name (the simulator looks nothing up)."""
    host = url_host(message_url)
    if app is not None or is_loopback(host):
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return ""


def _on_this_machine(url: str) -> bool:
    """True for a URL on this machine or the local network (no DNS lookup is made)."""
    return is_private(url_host(url))


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
    """

    def __init__(
        self,
        auth_token: str | None = None,
        *,
        numbers: Iterable[str] = ("12025550000",),
        main_auth_token: str | None = None,
        outcomes: Mapping[str, object] | None = None,
        seed: int | None = None,
        rate: str = "0.00500",
        allow_remote: bool = False,
        legacy_reports: bool = False,
        auto_encoding: bool = AUTO_ENCODING_BY_DEFAULT,
    ):
        self._auth_token = resolve_token(auth_token)
        self._main_auth_token = main_auth_token or None
        if isinstance(numbers, str):
            numbers = (numbers,)
        if not isinstance(numbers, Iterable):
            raise WrongTypeError(f"numbers must be phone numbers (text), not {numbers!r}")
        self.numbers = tuple(_digits(n, "each of numbers") for n in numbers)
        if not self.numbers:
            raise SimulatorError("numbers must name at least one number your account owns")
        self.legacy_reports = bool(legacy_reports)
        if outcomes is not None and not isinstance(outcomes, Mapping):
            raise SimulatorError("outcomes must be a mapping: destination → final status")
        self.outcomes = {
            _digits(dst, "each destination in outcomes"): _outcome(
                str(dst), value, self.legacy_reports
            )
            for dst, value in (outcomes or {}).items()
        }
        try:
            parsed = Decimal(str(rate))
        except InvalidOperation:
            parsed = Decimal(-1)
        if not parsed.is_finite() or parsed < 0:
            raise SimulatorError(f"rate must be a charge per unit like '0.00500', not {rate!r}")
        self.rate = f"{parsed:.5f}"
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise WrongTypeError(f"seed must be a whole number (or None), not {seed!r}")
        self.seed = seed
        self.allow_remote = bool(allow_remote)
        self.auto_encoding = bool(auto_encoding)
        self._rng: random.Random = (
            random.Random(seed) if seed is not None else random.SystemRandom()
        )
        self._clock = _Clock(simulated=seed is not None)

    def __repr__(self) -> str:
        outcomes = (
            f", outcomes={ {k: v[0] for k, v in self.outcomes.items()} }" if self.outcomes else ""
        )
        main = f", main token {mask(self._main_auth_token)}" if self._main_auth_token else ""
        auto = ", auto_encoding=True" if self.auto_encoding else ""
        return (
            f"Simulator(numbers={list(self.numbers)}, token {mask(self._auth_token)}{main}, "
            f"seed={self.seed}, rate={self.rate}{outcomes}{auto})"
        )

    # -- randomness ------------------------------------------------------------------------

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _nonce(self, method: str, url: str, *signs: object) -> str:
        """A fresh nonce; seeded, one bound to what it signs (see make_nonce): the method,
        the URL's path and query (not its host and port, so that a seeded run gives the same
        nonces whatever port a local server got) and the parameters."""
        parts = urlsplit(url)
        return make_nonce(self._rng, binds=(method, parts.path, parts.query, *signs))

    # -- the flow --------------------------------------------------------------------------

    def receive_sms(
        self,
        message_url_or_wsgi_app: str | Callable[..., Any] | Any,
        from_: str,
        to: str,
        text: str,
        method: str = "POST",
        timeout: float = 10.0,
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
        """
        app, inbound_url = self._target(message_url_or_wsgi_app, url)
        if _digits(to, "to (your Plivo number)") not in self.numbers:
            raise SimulatorError(
                f"Plivo only forwards messages sent to your own numbers; {to!r} is not one of "
                f"numbers={list(self.numbers)}"
            )
        clock = self._clock
        request = inbound_request(
            inbound_url,
            self._auth_token,
            from_=from_,
            to=to,
            text=text,
            method=method,
            message_uuid=(uuid := self._uuid()),
            nonce=self._nonce(method, inbound_url, from_, to, text, type, tuple(media), uuid),
            main_auth_token=self._main_auth_token,
            type=type,
            media=media,
        )
        flow = Flow(inbound=request, in_process=app is not None)
        events = flow.timeline
        params = request.params
        events.append(
            Event(
                clock.stamp(),
                "phone",
                "sms-in",
                f"{type.upper() if type != 'whatsapp' else 'WhatsApp'} from {params['From']} "
                f"to {params['To']}: {shorten(text)!r}"
                + (f" + {len(media)} media" if media else ""),
                "Plivo",
                f"{type.upper() if type != 'whatsapp' else 'WhatsApp'} {shorten(text, 20)!r}",
            )
        )
        clock.advance(_STEP["carrier"])
        signed = "V2, V3, Ma-V2, Ma-V3"  # the six headers, as Plivo sends them
        events.append(
            Event(
                clock.stamp(),
                "Plivo",
                "request",
                f"{request.method} {url_path(inbound_url)} (signed {signed})",
                "your app",
                f"{request.method} {shorten(url_path(inbound_url), 24)}",
            )
        )
        try:
            reply = self._deliver(request, app, timeout)
        except DeliveryError as exc:
            self._problem(
                flow,
                FlowProblem(
                    "message-url-unreachable",
                    f"Plivo could not reach your message_url: {exc}",
                    "start your server (or check the URL and port) and try again",
                ),
            )
            return flow
        clock.advance(_STEP["app"])
        flow.reply = ReplyInfo.from_reply(reply)
        count = reply.text.count("<Message")
        events.append(
            Event(
                clock.stamp(),
                "your app",
                "reply",
                f"{reply.status} {reply.content_type or '(no type)'}, {count} <Message>",
                "Plivo",
                f"{reply.status} {reply.content_type or '(no type)'}",
            )
        )
        if self._check_reply(flow, reply):
            self._execute(flow, reply, app, inbound_url, timeout)
        return flow

    def _target(self, given: Any, url: str | None) -> tuple[Callable[..., Any] | None, str]:
        if isinstance(given, str):
            if url is not None and url != given:
                raise SimulatorError("give the URL once: as the first argument or as url=")
            return None, given
        app, given_url = resolve_target(given)
        if app is not None:
            return app, url or given_url or IN_PROCESS_URL
        if given_url is not None:
            return None, url or given_url  # e.g. a LocalWebhook: talk to it over HTTP
        raise SimulatorError(
            "give your app's message URL (like http://127.0.0.1:5000/receive_sms/) or a WSGI "
            f"application, not {type(given).__name__}"
        )

    def _deliver(
        self, request: SignedRequest, app: Callable[..., Any] | None, timeout: float = 10.0
    ) -> Reply:
        """Send ``request`` to ``app`` in-process, or over HTTP when ``app`` is None. An
        exception inside an in-process app is what a server would answer with 500."""
        if app is None:
            return send(request, timeout=timeout)
        try:
            return send(request, app)
        except DeliveryError:
            raise
        except Exception as exc:  # the app crashed: a real server answers 500
            body = self._redact(f"{type(exc).__name__}: {exc}").encode("utf-8", "replace")
            return Reply(500, {"Content-Type": "text/plain; charset=utf-8"}, body, 0.0)

    def _redact(self, text: str) -> str:
        return redact(text, self._auth_token, self._main_auth_token)

    def _problem(self, flow: Flow, problem: Problem | FlowProblem) -> None:
        flow.problems.append(problem)
        flow.timeline.append(
            Event(
                self._clock.stamp(),
                "Plivo",
                "problem" if problem.severity == "error" else "warning",
                str(problem),
                label=f"{problem.severity}: {problem.code}",
            )
        )

    def _check_reply(self, flow: Flow, reply: Reply) -> bool:
        """Plivo's checks before executing anything; False when nothing can be executed."""
        from .xml import validate

        if reply.status != 200:
            hint = (
                "Plivo does not follow redirects: answer at the URL it calls"
                if 300 <= reply.status < 400
                else "answer 200 with an XML <Response> (an empty <Response/> sends nothing)"
            )
            self._problem(
                flow,
                FlowProblem(
                    "reply-status",
                    f"your app answered {reply.status} {reply.reason}".rstrip()
                    + "; Plivo executes XML only from a 200 reply",
                    hint,
                ),
            )
            return False
        if reply.content_type not in _XML_TYPES:
            self._problem(
                flow,
                FlowProblem(
                    "reply-content-type",
                    f"the reply's Content-Type is {reply.content_type or 'missing'!s}; "
                    "Plivo expects text/xml or application/xml",
                    "set Content-Type: application/xml (Flask: Response(xml, "
                    "mimetype='application/xml'))",
                ),
            )
            return False
        problems = validate(reply.body, auto_encoding=self.auto_encoding)
        for problem in problems:
            self._problem(flow, problem)
        if any(p.severity == "error" for p in problems):
            self._problem(
                flow,
                FlowProblem(
                    "nothing-sent",
                    "the reply is not valid Message XML, so Plivo executes none of it",
                    "fix the errors above; smsxml.validate(xml) shows them",
                ),
            )
            return False
        return True

    def _execute(
        self,
        flow: Flow,
        reply: Reply,
        app: Callable[..., Any] | None,
        inbound_url: str,
        timeout: float,
    ) -> None:
        from .xml import parse

        clock = self._clock
        response = parse(reply.body, auto_encoding=self.auto_encoding)
        kind = flow.inbound.params.get("Type", "sms")
        if kind != "sms" and response.messages:
            self._problem(
                flow,
                FlowProblem(
                    "reply-is-sms",
                    f"the inbound message was {kind}, but a <Message> in an XML reply sends an "
                    'SMS (type="sms"): no media goes back this way',
                    "to answer with MMS or WhatsApp, call Plivo's Send Message API from your "
                    "handler instead of (or besides) replying with XML",
                    severity="warning",
                ),
            )
        # 1. Top to bottom: each <Message>, each destination, is queued.
        pending: list[dict[str, Any]] = []
        for number, message in enumerate(response.messages, 1):
            src = message.src or ""
            if not src or _digits(src) not in self.numbers:
                self._problem(
                    flow,
                    FlowProblem(
                        "src-not-owned",
                        f"<Message> #{number}: src {src or '(none)'} is not a number on your "
                        f"account ({', '.join(self.numbers)}); nothing sent for this <Message>",
                        "use one of your Plivo numbers as src — when replying, the To of the "
                        "inbound message",
                    ),
                )
                continue
            for dst in message.dsts:
                clock.advance(_STEP["queue"])
                pending.append(self._queue(flow, message, _digits(src), _digits(dst)))
                self._report(flow, pending[-1], "queued", app, inbound_url, timeout)
        # 2. Plivo hands each to the carrier (sent) — or cannot (failed).
        if pending:
            clock.advance(_STEP["send"])
        for item in pending:
            status = item["path"][1]
            if status == "sent":
                item["times"]["SentTime"] = clock.stamp()
                flow.timeline.append(
                    Event(
                        clock.stamp(),
                        "Plivo",
                        "sms-out",
                        f"SMS to {item['dst']}: {shorten(item['text'])!r}",
                        "phone",
                        f"SMS to {item['dst']}",
                    )
                )
            else:
                item["amount"] = f"{Decimal(0):.5f}"  # Plivo does not charge failed messages
                flow.timeline.append(
                    Event(
                        clock.stamp(),
                        "Plivo",
                        "failed",
                        f"could not hand the SMS to {item['dst']} to a carrier: failed "
                        f"(ErrorCode {item['error_code']})",
                        label=f"{item['dst']}: failed ({item['error_code']})",
                    )
                )
            self._report(flow, item, status, app, inbound_url, timeout)
        # 3. The carrier's delivery receipt comes back.
        receipts = [item for item in pending if len(item["path"]) > 2]
        if receipts:
            clock.advance(_STEP["receipt"])
        for item in receipts:
            status = item["path"][2]
            item["times"]["DeliveryReportTime"] = clock.stamp()
            code = f" (ErrorCode {item['error_code']})" if item["error_code"] else ""
            flow.timeline.append(
                Event(
                    clock.stamp(),
                    "phone",
                    "receipt",
                    f"delivery receipt for {item['dst']}: {status}{code}",
                    "Plivo",
                    f"receipt {item['dst']}: {status}",
                )
            )
            self._report(flow, item, status, app, inbound_url, timeout)
        for item in pending:
            final = item["path"][-1]
            flow.outbound.append(
                OutboundMessage(
                    src=item["src"],
                    dst=item["dst"],
                    text=item["text"],
                    units=item["units"],
                    encoding=item["encoding"],
                    message_uuid=item["parts"][0].message_uuid,
                    parts=item["parts"],
                    type=item["type"],
                    callback_url=item["callback_url"],
                    callback_method=item["callback_method"],
                    status=final,
                    error_code=item["error_code"],
                    total_rate=self.rate,
                    total_amount=item["amount"],
                )
            )

    def _queue(self, flow: Flow, message: Message, src: str, dst: str) -> dict[str, Any]:
        # The same decision validate made (units.send_plan): encoding, units, text sent.
        plan = send_plan(message.text, auto_encoding=self.auto_encoding)
        seg = plan.segments
        first = self._uuid()
        more = seg.units - 1
        uuids = [first] + (
            [self._uuid() for _ in range(more)] if self.legacy_reports else [first] * more
        )
        parts = tuple(
            OutboundPart(u, f"{i} of {seg.units}", t)
            for i, (u, t) in enumerate(zip(uuids, seg.parts, strict=True), 1)
        )
        status, code = self.outcomes.get(dst, ("delivered", ""))
        now = self._clock.stamp()
        flow.timeline.append(
            Event(
                now,
                "Plivo",
                "queued",
                f"queued {src} → {dst}: {plural(seg.units, 'unit')}, {seg.encoding}"
                + (" (automatic encoding)" if plan.replaced_characters else ""),
                label=f"queued → {dst} ({plural(seg.units, 'unit')})",
            )
        )
        return {
            "src": src,
            "dst": dst,
            "text": plan.text,
            "units": seg.units,
            "encoding": seg.encoding,
            "parts": parts,
            "type": message.type or "sms",
            "callback_url": message.callback_url or None,
            "callback_method": (message.callback_method or "POST").upper()
            if message.callback_url
            else None,
            "path": _PATHS[status],
            "error_code": code,
            "amount": f"{Decimal(self.rate) * seg.units:.5f}",
            "times": {
                "MessageTime": now,
                "QueuedTime": now,
                "SentTime": "",
                "DeliveryReportTime": "",
            },
            "sequence": dict.fromkeys((p.message_uuid for p in parts), 0),
        }

    def _report(
        self,
        flow: Flow,
        item: dict[str, Any],
        status: str,
        app: Callable[..., Any] | None,
        inbound_url: str,
        timeout: float,
    ) -> None:
        """Send the status callback for ``item`` (if it has a callbackUrl): one for the
        message, or one for each of its parts with ``legacy_reports``."""
        url = item["callback_url"]
        if not url:
            return
        clock = self._clock
        mcc, mnc = next(
            (
                v
                for k, v in sorted(_MCC_MNC.items(), key=lambda kv: -len(kv[0]))
                if item["dst"].startswith(k)
            ),
            ("", ""),
        )
        times = item["times"]
        first = item["parts"][0].message_uuid
        final_code = item["error_code"] if status in DEFAULT_ERROR_CODES else ""
        reported = item["parts"] if self.legacy_reports else item["parts"][:1]
        for part in reported:
            part_info = part.part_info if self.legacy_reports else ""
            item["sequence"][part.message_uuid] += 1
            sequence = item["sequence"][part.message_uuid]
            params = {
                "MessageUUID": part.message_uuid,
                "To": item["dst"],
                "From": item["src"],
                "Type": item["type"],
                "Status": status,
                "Units": str(item["units"]),
                "TotalRate": self.rate,
                "TotalAmount": item["amount"],
                "MCC": mcc,
                "MNC": mnc,
            }
            if final_code:
                params["ErrorCode"] = final_code
            params.update(
                {
                    "ParentMessageUUID": first,
                    "PartInfo": part_info,
                    "Sequence": str(sequence),
                    "MessageTime": times["MessageTime"],
                    "QueuedTime": times["QueuedTime"],
                    "SentTime": times["SentTime"],
                    "DeliveryReportTime": times["DeliveryReportTime"],
                    "requester_ip": _requester_ip(inbound_url, app),
                    "PowerpackUUID": "",
                }
            )
            request = signed_request(
                item["callback_method"],
                url,
                params,
                self._auth_token,
                nonce=self._nonce(item["callback_method"], url, sorted(params.items())),
                main_auth_token=self._main_auth_token,
            )
            in_process = app is not None and _host_port(url) == _host_port(inbound_url)
            clock.advance(_STEP["callback"] / 3)
            response_status: int | None = None
            error: str | None = None
            if not in_process and not self.allow_remote and not _on_this_machine(url):
                error = (
                    f"not sent: {_host_port(url)[0]} is not on this machine and the "
                    "simulator stays offline (Simulator(allow_remote=True) calls it)"
                )
            else:
                flow.timeline.append(
                    Event(
                        clock.stamp(),
                        "Plivo",
                        "callback",
                        f"{request.method} {url_path(url)} Status={status} "
                        + (f"({part_info}, #{sequence})" if part_info else f"(#{sequence})"),
                        "callbackUrl",
                        f"{request.method} {status} {part_info.replace(' of ', '/')}".rstrip(),
                    )
                )
                try:
                    answer = self._deliver(request, app if in_process else None, timeout)
                    response_status = answer.status
                except DeliveryError as exc:
                    error = str(exc)
            clock.advance(_STEP["callback"] * 2 / 3)
            if error is None:
                flow.timeline.append(
                    Event(
                        clock.stamp(),
                        "callbackUrl",
                        "callback-reply",
                        f"{response_status}",
                        "Plivo",
                    )
                )
            else:
                flow.timeline.append(
                    Event(
                        clock.stamp(),
                        "Plivo",
                        "callback-error",
                        f"delivery report Status={status}"
                        + (f" ({part_info})" if part_info else "")
                        + f" not delivered: {error}",
                        label=f"{status} report " + shorten(error, 44),
                    )
                )
            flow.reports.append(
                DeliveryReport(
                    request=request,
                    status=status,
                    message_uuid=part.message_uuid,
                    parent_message_uuid=first,
                    part_info=part_info,
                    sequence=sequence,
                    response_status=response_status,
                    error=error,
                    in_process=in_process,
                )
            )
