"""Does a message_url behave as Plivo needs? A conformance run against any running app.

:func:`conformance` plays Plivo against a URL (an app in any language) or a WSGI app: it
sends signed SMS requests (plain, a long Unicode text, STOP and HELP, unknown extra
parameters, an MMS with media), then requests Plivo did not sign (no signature, another
account's token, signed for another URL) and a replayed one. It grades the answers — signed
ones answered 200 with XML Plivo accepts, from a number the account owns, within the time
budget; the others refused with 403 — and says how to fix each failure.

``smsxml check URL`` is the command line for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from ._demo import DEMO_NUMBER, DEMO_PHONE
from ._html import Cell, escape, table
from ._text import plural, shorten
from .exc import AnswerTimeout, DeliveryError, InputError
from .inbound import SignedRequest, inbound_request
from .phone import plivo_number
from .protocol import ANSWER_TIMEOUT, RETRY_DELAYS, XML_MEDIA_TYPES
from .signature.diagnose import diagnose_v2
from .signature.policy import verify
from .tokens import resolve_token
from .transport import Reply, WSGIApp, resolve_target, send
from .webhook.request import public_origin
from .xml import parse, summary, validate

__all__ = ["Case", "Conformance", "conformance"]

Kind = Literal["required", "advice"]

_FROM = DEMO_PHONE
_LONG_UNICODE = "Grüße aus München! Können Sie mir helfen? 😀 " * 6  # 2+ UCS-2 units


class _TimedOut(str):
    """What :meth:`_Grader._send` returns when the app did not answer in time."""


_DELAYS = ", ".join(f"{d:g}" for d in RETRY_DELAYS)
#: What Plivo does with a non-2xx answer (support article 360041344652).
_RETRIED = (
    f"Plivo retries a non-2xx answer {len(RETRY_DELAYS)} more times ({_DELAYS} s apart, "
    "the same MessageUUID, a fresh signature), then gives up on the message"
)
#: What Plivo does with an answer slower than its limit (the same article).
_TOO_SLOW = (
    f"Plivo waits {ANSWER_TIMEOUT:g} s for your message_url, then abandons the attempt and "
    f"retries it ({_DELAYS} s apart, the same MessageUUID): answer within {ANSWER_TIMEOUT:g} s "
    "and do slow work after answering"
)


@dataclass(frozen=True)
class Case:
    """One request and its grade: ``passed``, what happened, and the fix when it failed.
    ``kind`` "advice" marks a good practice Plivo does not require (a replayed nonce)."""

    name: str
    passed: bool
    detail: str
    fix: str = ""
    kind: Kind = "required"

    @property
    def mark(self) -> Literal["pass", "fail", "advice"]:
        """How the case is shown: passed, a required check failed, or advice not taken."""
        return "pass" if self.passed else "fail" if self.kind == "required" else "advice"

    @property
    def failed_required(self) -> bool:
        return self.mark == "fail"

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "passed": self.passed,
            "kind": self.kind,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Conformance:
    """The graded run: one :class:`Case` per request, a table in text and HTML."""

    url: str
    cases: tuple[Case, ...]

    @property
    def passed(self) -> bool:
        """True when every required case passed (advice may fail)."""
        return not any(c.failed_required for c in self.cases)

    def __str__(self) -> str:
        width = max(len(c.name) for c in self.cases)
        lines = [f"conformance of {self.url}"]
        first_with_fix: dict[str, str] = {}  # a fix seen before is named, not repeated
        for c in self.cases:
            mark = c.mark.upper() if c.failed_required else c.mark
            lines.append(f"  {mark:<6} {c.name:<{width}}  {c.detail}")
            if not c.passed and c.fix:
                earlier = first_with_fix.setdefault(c.fix, c.name)
                fix = c.fix if earlier == c.name else f"as for {earlier!r} above"
                lines.append(f"  {'':<6} {'':<{width}}  fix: {fix}")
        failed = sum(c.failed_required for c in self.cases)
        lines.append(
            "all required checks passed"
            if self.passed
            else f"{plural(failed, 'required check')} failed"
        )
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = [
            (c.name, Cell(c.mark, f"color:{'#1a7f37' if c.passed else '#cf222e'}"), c.detail, c.fix)
            for c in self.cases
        ]
        header = ("check", "", "what happened", "fix")
        cases = table(rows, header, row_heads=False, header_style="")
        return f"<div><b>conformance of {escape(self.url)}</b>{cases}</div>"

    def to_json(self) -> str:
        return json.dumps(
            {"url": self.url, "passed": self.passed, "cases": [c.to_dict() for c in self.cases]},
            indent=2,
            ensure_ascii=False,
        )


def conformance(
    target: str | WSGIApp,
    auth_token: str | None = None,
    *,
    public_url: str | None = None,
    method: str = "POST",
    numbers: Iterable[str] = (DEMO_NUMBER,),
    timeout: float = ANSWER_TIMEOUT,
    budget: float = 3.0,
) -> Conformance:
    """Grade the message_url ``target`` (a URL, a LocalWebhook or a WSGI app) as Plivo would
    use it. ``public_url``: the message_url configured at Plivo, when ``target`` is reached
    through a tunnel or proxy (requests are signed for it, sent to ``target``). ``method``:
    the message_method configured (POST or GET). ``numbers``: the account's numbers (the
    first is the one texted; a reply must come from one of them). ``timeout``: how long to
    wait for an answer (Plivo's 8 s by default: later, Plivo abandons the attempt and
    retries). ``budget``: seconds an answer should take (advice under the timeout)."""
    token = resolve_token(auth_token)
    app, url = resolve_target(target)
    if url is None:
        raise DeliveryError(f"give a URL or a WSGI app, not {type(target).__name__}")
    owned = [plivo_number(n) for n in numbers]
    if public_url is not None:
        try:  # the message_url Plivo calls: absolute http(s), no query or fragment
            public_origin(public_url)
        except (TypeError, ValueError) as exc:
            raise InputError(str(exc)) from None
    signed_for = public_url or url
    grade = _Grader(app, url, signed_for, token, owned, method.upper(), timeout, budget)
    return Conformance(url, tuple(grade.run()))


class _Grader:
    def __init__(
        self,
        app: WSGIApp | None,
        url: str,
        signed_for: str,
        token: str,
        owned: list[str],
        method: str,
        timeout: float,
        budget: float,
    ):
        self.app, self.url, self.signed_for, self.token = app, url, signed_for, token
        self.owned, self.method, self.timeout, self.budget = owned, method, timeout, budget

    # -- requests --------------------------------------------------------------------------

    def _request(self, text: str, token: str | None = None, **options: object) -> SignedRequest:
        request = inbound_request(
            self.signed_for,
            token or self.token,
            from_=_FROM,
            to=self.owned[0],
            text=text,
            method=self.method,
            **options,  # type: ignore[arg-type]
        )
        return self._aimed(request)

    def _aimed(self, request: SignedRequest) -> SignedRequest:
        """``request`` (signed for the public URL) sent to the URL actually reached."""
        if self.signed_for == self.url:
            return request
        query = urlsplit(request.url).query
        target = urlsplit(self.url)
        return replace(request, url=urlunsplit(target._replace(query=query)))

    def _genuine(self, request: SignedRequest) -> bool:
        """Whether :func:`smsxml.verify` accepts ``request`` at the URL Plivo called
        (``signed_for``, with the request's query), without replay memory."""
        parts = urlsplit(self.signed_for)._replace(query=urlsplit(request.url).query)
        return verify(
            request.method, urlunsplit(parts), request.headers, request.body, auth_token=self.token
        ).accepted

    def _send(self, request: SignedRequest) -> Reply | str:
        try:
            return send(request, self.app, timeout=self.timeout)
        except AnswerTimeout as exc:
            return _TimedOut(str(exc))
        except DeliveryError as exc:
            return str(exc)

    # -- grading ---------------------------------------------------------------------------

    def run(self) -> list[Case]:
        first = self._request("Hi, is the shop open today?")
        probe = self._send(first)
        if isinstance(probe, str) and not isinstance(probe, _TimedOut):
            raise DeliveryError(probe)  # nothing answers there: one clear error, not ten
        probes = [
            ("long Unicode text", self._request(_LONG_UNICODE)),
            ("STOP keyword", self._request("STOP")),
            ("HELP keyword", self._request("HELP")),
            (
                "unknown extra parameters",
                self._request("Hello", extra={"FutureParameter": "1", "Another": "x"}),
            ),
            (
                "MMS with media",
                self._request("a photo", type="mms", media=["https://media.example.com/p.jpg"]),
            ),
        ]
        genuine = self._request("Send 100 SMS to my friends")
        signature_headers = {k: v for k, v in genuine.headers.items() if "Signature" in k}
        unsigned = replace(
            genuine,
            headers={k: v for k, v in genuine.headers.items() if k not in signature_headers},
        )
        elsewhere = inbound_request(
            "https://elsewhere.example/receive_sms/", self.token, from_=_FROM,
            to=self.owned[0], text="x", method=self.method, nonce=genuine.nonce,
        )  # fmt: skip
        moved = replace(
            unsigned,
            headers={
                **unsigned.headers,
                **{k: v for k, v in elsewhere.headers.items() if "Signature" in k},
            },
        )
        probes += [
            ("no signature headers", unsigned),
            ("another account's token", self._request("x", "not-your-token-0000")),
            ("signed for another URL", moved),
        ]
        # What each request should get is the one policy's verdict on it, as Plivo's side
        # knows it: served (200 and XML) when it accepts it, refused (403) otherwise.
        cases = [self._accepted("signed SMS", first, probe)]
        cases += [
            self._accepted(name, request)
            if self._genuine(request)
            else self._refused(name, request)
            for name, request in probes
        ]
        original = self._request("the same nonce, another body")
        self._send(original)
        cases.append(self._repeat(original))
        cases.append(self._replay(original))
        return cases

    def _accepted(
        self, name: str, request: SignedRequest, reply: Reply | str | None = None
    ) -> Case:
        reply = self._send(request) if reply is None else reply
        if isinstance(reply, _TimedOut):
            return Case(name, False, f"no answer within {self.timeout:g} s", _TOO_SLOW)
        if isinstance(reply, str):
            return Case(name, False, shorten(reply, 120), "start the app, and check the URL")
        problems: list[tuple[str, str]] = []
        if reply.status != 200:
            fix = "answer Plivo's signed requests with 200 and Message XML"
            if reply.status in (401, 403):
                fix = self._why_refused(request)
            return Case(
                name, False, f"answered {reply.status} {shorten(reply.text, 60)!r}",
                f"{fix}; {_RETRIED}",
            )  # fmt: skip
        if reply.content_type not in XML_MEDIA_TYPES:
            problems.append(
                (
                    f"Content-Type is {reply.content_type or 'missing'}",
                    "answer with Content-Type: application/xml (or text/xml)",
                )
            )
        errors = [p for p in validate(reply.body) if p.severity == "error"]
        if errors:
            first = errors[0]
            problems.append(
                (
                    f"the reply has {summary(errors)}{', the first' if len(errors) > 1 else ''}: "
                    f"{first.code} at {first.line}:{first.column}",
                    first.hint or first.message,
                )
            )
        else:
            strangers = [
                m.src
                for m in parse(reply.body).messages
                if plivo_number(m.src or "") not in self.owned
            ]
            if strangers:
                problems.append(
                    (
                        f"a <Message> is sent from {strangers[0]}, not a number of the account",
                        f"use the To of the request ({self.owned[0]}) as src",
                    )
                )
        if reply.elapsed > self.budget:
            problems.append(
                (
                    f"the answer took {reply.elapsed:.1f} s",
                    f"answer within {self.budget:g} s; do slow work after answering",
                )
            )
        if problems:
            return Case(
                name, False, "; ".join(d for d, _ in problems), "; ".join(f for _, f in problems)
            )
        return Case(
            name, True, f"200 {reply.content_type}, valid XML, {reply.elapsed * 1000:.0f} ms"
        )

    def _refused(self, name: str, request: SignedRequest) -> Case:
        reply = self._send(request)
        if isinstance(reply, str):
            return Case(name, False, shorten(reply, 120), "start the app, and check the URL")
        if reply.status == 403:
            return Case(name, True, "refused with 403")
        fix = (
            "check X-Plivo-Signature-V2 (or -V3) against the URL Plivo called and refuse with "
            "403 when it does not validate — a check whose result is ignored protects nothing"
        )
        return Case(name, False, f"answered {reply.status}: the app served someone not Plivo", fix)

    def _repeat(self, request: SignedRequest) -> Case:
        """The same signed request again, byte for byte: a retry, which Plivo may send."""
        return self._advice(
            "identical repeat", self._send(request), 200,
            "the same signed request again was answered {}",
            "answer an identical repeat (a retry) as the first time; refuse only a nonce "
            "reused for another request",
            "the same request again was answered 200",
        )  # fmt: skip

    def _replay(self, request: SignedRequest) -> Case:
        """The V2 headers of a request already sent, without V3, on another body: V2 signs
        no body, so only a memory of nonces can tell."""
        v2_only = {k: v for k, v in request.headers.items() if "V3" not in k}
        forged = replace(request, headers=v2_only, body=request.body + b"&Extra=forged")
        if request.method == "GET":
            forged = replace(request, headers=v2_only, url=request.url + "&Extra=forged")
        return self._advice(
            "replayed nonce", self._send(forged), 403,
            "a nonce already used, on another body, was answered {}",
            "remember each nonce with the request it signed and refuse it for another "
            "(WebhookApp does: reject_replayed_nonces=True, the default)",
            "a nonce reused for another body was refused",
        )  # fmt: skip

    @staticmethod
    def _advice(
        name: str, reply: Reply | str, wanted: int, failed: str, fix: str, passed: str
    ) -> Case:
        """An advice case: passed when ``reply`` has status ``wanted``."""
        if isinstance(reply, str) or reply.status != wanted:
            status = reply if isinstance(reply, str) else reply.status
            return Case(name, False, failed.format(status), fix, "advice")
        return Case(name, True, passed, kind="advice")

    def _why_refused(self, request: SignedRequest) -> str:
        """The app refused a request Plivo signed: diagnose it as the app would see it."""
        if self.signed_for != self.url:
            seen = diagnose_v2(request.url, request.nonce, request.signature, self.token,
                               public_url=self.signed_for)  # fmt: skip
            return f"the app refused a genuine request: {seen}"
        return (
            "the app refused a request Plivo signed: it validates with another auth token or "
            "rebuilds another URL (behind a proxy: check the one Plivo called, --public-url)"
        )
