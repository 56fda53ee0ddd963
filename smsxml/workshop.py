"""Graded checks for the workshop (``notebooks/06_workshop_exercises.ipynb``).

Each exercise has a ``check_…()`` function. It runs your code the way Plivo would — a
signed request from the offline :class:`~smsxml.simulator.Simulator` into your handler or
app, in-process — and returns a :class:`CheckResult`: ``passed``, and ``messages`` saying
in plain words what is wrong and how to fix it (or what passed). A check never raises
because of your code: a crash is reported as a message. Checks are deterministic (seeded
simulator, no ports, no times) and never show the auth token.

=====  ==========================================  =============================================
 ex.   check                                       what you give it
=====  ==========================================  =============================================
 (a)   :func:`check_language_reply`                ``handler(message) -> Response``
 (b)   :func:`check_bulk_notify`                   ``handler(message) -> Response``
 (c)   :func:`check_refuses_unsigned`              a WSGI app (``WebhookApp``, Flask…)
 (d)   :func:`check_fixed_xml`                     the repaired XML document (``str``)
 (e)   :func:`check_one_unit`                      ``fit(text) -> str``
 (f)   :func:`check_delivery_reports`              ``on_report(report) -> int`` and its list
=====  ==========================================  =============================================

The data the exercises use (numbers, replies, the broken document…) is defined here, so
the exercise and solution notebooks and the tests share it.
"""

from __future__ import annotations

import html
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ._text import plural, shorten
from .inbound import StatusReport
from .tokens import redact, resolve_token
from .transport import IN_PROCESS_HOST, resolve_target

if TYPE_CHECKING:  # pragma: no cover
    from .flow import Flow
    from .webhook import LogEntry
    from .xml import Message

__all__ = [
    "CheckResult",
    "OUR_NUMBER",
    "CUSTOMER",
    "MANAGER",
    "TEAM",
    "REPLIES",
    "GREETINGS",
    "BROKEN_XML",
    "ORDER_UPDATE",
    "STATUS_PATH",
    "ADVICE",
    "TO_GSM",
    "CUT_RULE",
    "check_language_reply",
    "check_bulk_notify",
    "check_refuses_unsigned",
    "check_fixed_xml",
    "check_one_unit",
    "check_delivery_reports",
    "Score",
    "score",
]

#: Your Plivo number in every exercise (the simulator's default number).
OUR_NUMBER = "12025550000"
#: A customer who texts you.
CUSTOMER = "14155550100"
#: The manager who texts your number to alert the team (exercise b).
MANAGER = "14155550199"
#: The team to notify (exercise b); the first two also receive the code in (d) and (f).
TEAM = ("14155550101", "14155550102", "14155550103")

#: The reply for each language (exercise a): send one of these, word for word.
REPLIES = {
    "en": "Hello! How can we help you today?",
    "es": "¡Hola! ¿En qué podemos ayudarte hoy?",
    "fr": "Bonjour ! Comment pouvons-nous vous aider aujourd'hui ?",
}
#: Greeting words that say which language a message is in (exercise a).
GREETINGS = {
    "es": ("hola", "buenos", "buenas"),
    "fr": ("bonjour", "bonsoir", "salut"),
}

#: The document to repair (exercise d): four mistakes, each one Plivo would refuse.
BROKEN_XML = """<response>
  <Message src="12025550000" dst="14155550101,14155550102" type="sms"
    callbackurl="https://example.com/sms_status/">Your code is 4821 & it expires in 10 minutes</Message>
</response>
"""  # noqa: E501 (the document as a learner sees it: no line wrapped)
_FIXED_TEXT = "Your code is 4821 & it expires in 10 minutes"
_FIXED_CALLBACK = "https://example.com/sms_status/"

#: An order update that costs more than one SMS unit as written (exercise e).
ORDER_UPDATE = (
    "Your order “#4821” has shipped 🚚 and should arrive on Thursday. "
    "Track it at https://example.com/t/4821"
)
_SHORT_TEXT = "Your order #4821 has shipped."
_LONG_TEXT = (
    "Reminder: your appointment with Dr. Rivera is on Thursday 14 March at 10:30, "
    "221 Baker Street, 2nd floor. Please bring your insurance card and arrive 10 minutes "
    "early. Reply C to confirm or R to reschedule."
)
_EURO_TEXT = (
    "Winter sale at Rivera & Sons: jackets from 49€, boots from 79€, scarves from 9€ and "
    "gloves from 5€. Today only, in store and online. Reply STOP to opt out now."
)

#: Typographic characters and their GSM-7 equivalents (exercise e): the swap its hint names.
TO_GSM = {"“": '"', "”": '"', "’": "'", "…": "..."}
_TO_GSM_SHOWN = ", ".join(f"{k} → {v}" for k, v in TO_GSM.items())

#: What (e) requires of a text that must be cut, as the exercise and the check say it.
CUT_RULE = (
    "keep its first 100 characters as they are, cut the rest short so that it ends with "
    "'...', and use at least 140 of the unit's 160 septets"
)

#: The code each hint, nudge and note of the workshop tells you to write, word for word.
#: The checks' messages and the notebooks quote these; the tests write each one into its
#: exercise and make sure the check then passes.
ADVICE: dict[str, str] = {
    "a-words": "re.findall(r'\\w+', message.text.lower())",
    "a-direction": "src=message.to, dst=message.from_",
    "b-solution": "Response().add_message(message.text, src=message.to, dst=TEAM)",
    "b-one-message": "dst=TEAM",
    "b-one-message-joined": "dst='<'.join(TEAM)",
    "b-commas": "dst=TEAM",
    "b-missing": "dst=TEAM",
    "b-extra": "dst=TEAM",
    "b-text": "message.text",
    "c-validate": "smsxml.validate_v2(url, nonce, signature, TOKEN)",
    "c-wrap": "WebhookApp(handler)",
    "c-same-token": "WebhookApp(handler)",
    "c-forbidden": "403 Forbidden",
    "c-not-an-app": "WebhookApp(handler)",
    "d-ampersand": "&amp;",
    "e-gsm": _TO_GSM_SHOWN,
    "e-measure": "smsxml.segments(text).length",
    "f-append": "received.append(report)",
    "f-return": "return 200",
    "f-error-code": "report.error_code",
}

#: Where the delivery reports of exercise (f) go, on the same (in-process) host.
STATUS_PATH = "/sms_status/"
_MESSAGE_PATH = "/receive_sms/"
_HOST = IN_PROCESS_HOST
_LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French"}


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``passed``, and ``messages`` in plain words.

    ``str()`` (and the text shown in a notebook) starts with "✓ Passed" or "✗ Not yet",
    then one line per message. It is the same on every run for the same code.
    """

    exercise: str
    passed: bool
    messages: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = f"✓ Passed — {self.exercise}" if self.passed else f"✗ Not yet — {self.exercise}"
        return "\n".join([head] + [f"  • {m}" for m in self.messages])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#cf222e"
        mark = "✓ Passed" if self.passed else "✗ Not yet"
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages)
        return (
            f"<div class='smsxml-check'><b style='color:{colour}'>{mark}</b> — "
            f"{html.escape(self.exercise)}<ul>{items}</ul></div>"
        )


def _result(exercise: str, problems: Sequence[str], success: str) -> CheckResult:
    if problems:
        _FAILURES[exercise] = _FAILURES.get(exercise, 0) + 1
        return CheckResult(exercise, False, tuple(problems))
    _FAILURES.pop(exercise, None)
    return CheckResult(exercise, True, (success,))


# --------------------------------------------------------------------------- plumbing


@dataclass
class _Run:
    """One simulated inbound SMS through a handler: the flow and the webhook's log entry."""

    flow: Flow
    entry: LogEntry | None

    @property
    def reply_failed(self) -> str | None:
        """Why the handler's reply could not be used, in plain words (None when it could)."""
        entry, flow = self.entry, self.flow
        if entry is not None and entry.status == 500:
            error = entry.error or entry.reason
            error = error.replace("the handler", "your function", 1)
            return f"{error}."
        if flow.reply is None or flow.reply.status != 200:
            status = flow.reply.status if flow.reply is not None else "no reply"
            return f"the webhook answered {status} instead of 200 with XML."
        if flow.errors:
            return "Plivo would refuse your reply: " + "; ".join(
                str(p) for p in flow.errors if getattr(p, "code", "") != "nothing-sent"
            )
        return None

    def messages(self) -> list[Message]:
        from .xml import parse

        reply = self.flow.reply
        try:
            return [] if reply is None else parse(reply.text).messages
        except Exception:
            return []


def _run(
    handler: Callable[..., Any],
    text: str,
    *,
    from_: str = CUSTOMER,
    seed: int = 6,
    outcomes: Mapping[str, object] | None = None,
) -> _Run:
    from .simulator import Simulator
    from .webhook import WebhookApp

    token = resolve_token(None)
    app = WebhookApp(handler, token, path=_MESSAGE_PATH)
    simulator = Simulator(token, numbers=(OUR_NUMBER,), seed=seed, outcomes=outcomes)
    flow = simulator.receive_sms(app, from_=from_, to=OUR_NUMBER, text=text)
    return _Run(flow, app.log.last)


def _quote(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


def _error(exc: BaseException) -> str:
    return redact(f"{type(exc).__name__}: {exc}", resolve_token(None))


# --------------------------------------------------------------------------- (a) language

_WORD = re.compile(r"\w+")


def _language(text: str) -> str:
    words = set(_WORD.findall(text.lower()))
    for language, greetings in GREETINGS.items():
        if words & set(greetings):
            return language
    return "en"


#: The messages the check sends, with a hint for the reply a typical slip gives.
_LANGUAGE_CASES = (
    ("Hello there!", ""),
    ("Hola, ¿tienen envío gratis?", "It starts with the Spanish greeting 'hola' (GREETINGS)."),
    ("Bonjour, je voudrais de l'aide", "It starts with the French greeting 'bonjour'."),
    (
        "¡HOLA!",
        "The greeting is in capitals and stuck to '¡' and '!': compare whole words "
        f"in lower case, e.g. words = {ADVICE['a-words']}.",
    ),
    ("Buenas tardes", "'buenas' is a Spanish greeting too (GREETINGS['es'])."),
    ("salut !", "'salut' is a French greeting too (GREETINGS['fr'])."),
    (
        "Any news about my scholarship?",
        "'scholarship' contains 'hola' but is no greeting: match whole words, not pieces of words.",
    ),
)
_SHOWN = 3  # failing cases listed before "… and N more"


def check_language_reply(handler: Callable[..., Any]) -> CheckResult:
    """(a) ``handler(message)`` answers in the sender's language: ``REPLIES["es"]`` when the
    text has a Spanish greeting word from ``GREETINGS``, ``REPLIES["fr"]`` for French,
    else ``REPLIES["en"]`` — one ``<Message>`` from your number to the sender."""
    exercise = "(a) reply in the sender's language"
    if not callable(handler):
        return CheckResult(
            exercise, False, (f"give your handler function itself (got {type(handler).__name__}).",)
        )
    problems: list[str] = []
    for number, (text, hint) in enumerate(_LANGUAGE_CASES, 1):
        run = _run(handler, text, seed=number)
        messages = run.messages()
        backwards = len(messages) == 1 and (messages[0].src, messages[0].dst) == (
            CUSTOMER,
            OUR_NUMBER,
        )
        failed = run.reply_failed
        if failed and not backwards:
            problems.append(f"For {_quote(text)}: {failed}")
            continue
        if len(messages) != 1:
            problems.append(
                f"For {_quote(text)}: your reply has {len(messages)} <Message> elements; "
                "send exactly one."
            )
            continue
        message = messages[0]
        if message.src != OUR_NUMBER or message.dst != CUSTOMER:
            problems.append(
                f"For {_quote(text)}: the reply goes from {message.src} to {message.dst}; "
                f"send it from your number ({OUR_NUMBER}) to the sender ({CUSTOMER}): "
                f"{ADVICE['a-direction']}."
            )
            continue
        expected = _language(text)
        got = next((k for k, v in REPLIES.items() if v == message.text), None)
        if got is None:
            problems.append(
                f"For {_quote(text)}: you replied {_quote(message.text)}; reply with "
                f"REPLIES[{expected!r}] word for word."
            )
        elif got != expected:
            problems.append(
                f"For {_quote(text)}: you replied in {_LANGUAGE_NAMES[got]}; expected "
                f"{_LANGUAGE_NAMES[expected]} (REPLIES[{expected!r}]). {hint}".rstrip()
            )
    if len(problems) > _SHOWN:
        problems[_SHOWN:] = [f"… and {plural(len(problems) - _SHOWN, 'more message')} like these."]
    return _result(
        exercise,
        problems,
        f"{len(_LANGUAGE_CASES)} messages, each answered in the sender's language "
        "(English, Spanish, French), from your number to the sender.",
    )


# --------------------------------------------------------------------------- hints

#: How many times in a row each exercise's check has failed in this kernel.
_FAILURES: dict[str, int] = {}


def _nudge(exercise: str, nudge: str, solution: str) -> str:
    """A nudge the first time an exercise fails; the solution from the second time on."""
    if _FAILURES.get(exercise, 0) < 1:
        return nudge
    return f"{nudge} Still stuck? {solution}"


# --------------------------------------------------------------------------- (b) bulk


def check_bulk_notify(handler: Callable[..., Any]) -> CheckResult:
    """(b) when the manager texts your number, ``handler(message)`` forwards the text to
    every number in ``TEAM`` with ONE bulk ``<Message>`` (``dst`` joined with ``<``)."""
    exercise = "(b) notify a list with one bulk Message"
    if not callable(handler):
        return CheckResult(
            exercise, False, (f"give your handler function itself (got {type(handler).__name__}).",)
        )
    problems: list[str] = []
    for number, text in enumerate(("Stand-up moved to 10:30 today", "Server room is locked"), 1):
        run = _run(handler, text, from_=MANAGER, seed=10 + number)
        failed = run.reply_failed
        if failed:
            if "bad-number" in failed and "," in failed:
                failed += (
                    ". Several numbers in one dst are separated by '<' (written &lt; "
                    f"inside XML): pass the numbers themselves, {ADVICE['b-commas']}, and "
                    "the builder does it."
                )
            problems.append(f"For {_quote(text)}: {failed}")
            break
        messages = run.messages()
        if not messages:
            problems.append(
                _nudge(
                    exercise,
                    "Your reply has no <Message>, so nothing was sent. Build ONE <Message> "
                    "that goes to every number in TEAM at once (what can dst be?).",
                    f"Return {ADVICE['b-solution']}: a list (or tuple) of numbers for dst "
                    "becomes one bulk <Message>.",
                )
            )
            break
        if len(messages) > 1:
            problems.append(
                f"Your reply has {len(messages)} <Message> elements, one per person. Send "
                f"ONE <Message> with every number in dst ({ADVICE['b-one-message']}, or "
                f"{ADVICE['b-one-message-joined']}): one element, and Plivo sends the copies."
            )
            break
        reached = [m.dst for m in run.flow.outbound]
        missing = [n for n in TEAM if n not in reached]
        extra = [n for n in reached if n not in TEAM]
        if missing:
            problems.append(
                f"{', '.join(missing)} did not get the alert: put every number of TEAM in "
                f"dst, {ADVICE['b-missing']}."
            )
        if extra:
            problems.append(
                f"{', '.join(extra)} is not on the team but got the alert "
                f"(the manager is {MANAGER}): send only to TEAM, {ADVICE['b-extra']}."
            )
        wrong = [m for m in run.flow.outbound if text not in m.text]
        if wrong:
            problems.append(
                f"The team got {_quote(wrong[0].text)}; forward the manager's text "
                f"({_quote(text)}) — use {ADVICE['b-text']}."
            )
        if problems:
            break
    return _result(
        exercise,
        problems,
        f"One <Message> reached all {len(TEAM)} team members "
        f"({', '.join(TEAM)}) with the manager's text.",
    )


# --------------------------------------------------------------------------- (c) signatures


def _target(app: Any) -> tuple[Any, str]:
    """(WSGI app or None, message URL) for what the learner gave."""
    wsgi, url = resolve_target(app)
    if url is not None and wsgi is None:
        return None, url
    path = getattr(app, "path", None)
    path = path if isinstance(path, str) and path.startswith("/") else _MESSAGE_PATH
    return app, _HOST + path


def _looks_like_handler(app: Any) -> bool:
    try:
        params = inspect.signature(app).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) == 1


def _send(request: Any, wsgi: Any) -> tuple[int | None, str]:
    from .transport import send

    try:
        reply = send(request, wsgi)
    except Exception as exc:
        return None, _error(exc)
    return reply.status, reply.text.strip()


def check_refuses_unsigned(app: Any) -> CheckResult:
    """(c) ``app`` (a WSGI app such as ``WebhookApp`` or a Flask app, or a LocalWebhook)
    answers a correctly signed request with 200 and XML, and refuses with 403 a request
    without signature headers, one signed with another token and one signed for another
    URL. It must use the same auth token as the check (leave the token out: the
    ``$PLIVO_AUTH_TOKEN`` or demo token)."""
    from .inbound import inbound_request
    from .simulator import Simulator

    exercise = "(c) refuse unsigned requests"
    if app is None or not callable(app) and not isinstance(getattr(app, "url", None), str):
        return CheckResult(
            exercise,
            False,
            (f"Give a WSGI application, e.g. {ADVICE['c-not-an-app']}; got {type(app).__name__}.",),
        )
    if _looks_like_handler(app):
        return CheckResult(
            exercise,
            False,
            (
                "This looks like a handler (a function of the message), not an app: wrap it, "
                f"{ADVICE['c-wrap']}, which checks signatures for you.",
            ),
        )
    wsgi, url = _target(app)
    token = resolve_token(None)
    problems: list[str] = []

    def simulate(auth_token: str) -> tuple[int | None, str]:
        simulator = Simulator(auth_token, numbers=(OUR_NUMBER,), seed=21)
        target = wsgi if wsgi is not None else url
        try:
            flow = simulator.receive_sms(
                target,
                from_=CUSTOMER,
                to=OUR_NUMBER,
                text="Is my order ready?",
                url=url if wsgi is not None else None,
            )
        except Exception as exc:
            return None, _error(exc)
        if flow.reply is None:
            return None, "; ".join(str(p) for p in flow.problems)
        return flow.reply.status, flow.reply.text.strip()

    status, body = simulate(token)
    if status != 200:
        problems.append(
            f"A request Plivo signed correctly got {status} {_quote(body)}; it should get "
            "200 with your XML. Does the app use the same auth token? Leave it out, as in "
            f"{ADVICE['c-same-token']}, to use $PLIVO_AUTH_TOKEN or the demo token like the "
            f"check. And does it answer at {_MESSAGE_PATH}?"
        )
    nonce = "12345678901234567890"
    request = inbound_request(
        url,
        token,
        from_=CUSTOMER,
        to=OUR_NUMBER,
        text="Send 100 SMS to my friends",
        nonce=nonce,
        message_uuid="00000000-0000-4000-8000-000000000000",
    )
    elsewhere = inbound_request(
        "https://example.com/receive_sms/",
        token,
        from_=CUSTOMER,
        to=OUR_NUMBER,
        text="x",
        nonce=nonce,
    )

    def signature_headers(headers: Mapping[str, str]) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k.lower().startswith("x-plivo-signature")}

    unsigned = {
        k: v for k, v in request.headers.items() if k not in signature_headers(request.headers)
    }
    cases = [
        (
            "A request without X-Plivo-Signature-V2 headers",
            _send(replace(request, headers=unsigned), wsgi),
        ),
        (
            "A request signed with another account's auth token",
            simulate("some-other-account-token"),
        ),
        (
            "A request signed for another URL (https://example.com/receive_sms/)",
            _send(replace(request, headers=unsigned | signature_headers(elsewhere.headers)), wsgi),
        ),
    ]
    for what, (got, text) in cases:
        if got == 403:
            continue
        if got == 200:
            problems.append(
                f"{what} was answered 200: your app served someone who is not Plivo. "
                "Check X-Plivo-Signature-V2 and its nonce against the URL the request was "
                f"made to, and answer 403 unless {ADVICE['c-validate']} is true (or wrap "
                f"your handler: {ADVICE['c-wrap']} does it for you)."
            )
        elif got is None:
            problems.append(f"{what} could not be delivered: {text}.")
        else:
            problems.append(
                f"{what} got {got}; refuse it with {ADVICE['c-forbidden']}, as Plivo's docs "
                "and smsxml do."
            )
    return _result(
        exercise,
        problems,
        "Signed by Plivo → 200; unsigned, wrong token, signed for another URL → 403.",
    )


# --------------------------------------------------------------------------- (d) broken XML


def check_fixed_xml(xml: Any) -> CheckResult:
    """(d) ``xml`` is ``BROKEN_XML`` repaired: valid Message XML that still sends the same
    text from ``OUR_NUMBER`` to the first two ``TEAM`` numbers with the same callbackUrl."""
    from .xml import parse, validate

    exercise = "(d) fix a broken XML document"
    if not isinstance(xml, str | bytes):
        return CheckResult(
            exercise, False, (f"Give the repaired document as a string; got {type(xml).__name__}.",)
        )
    problems = [p for p in validate(xml) if p.severity == "error"]
    if problems:
        lines = []
        for p in problems[:5]:
            line = str(p)
            if p.code == "bad-number" and "," in p.message and "&lt;" not in line:
                line += (
                    " — several numbers in one dst are separated by '<', which inside "
                    "an attribute is written &lt;"
                )
            lines.append(f"Plivo would refuse it: {line}")
        lines.append("Fix, then run the check again: fixing one error can reveal the next.")
        return CheckResult(exercise, False, tuple(lines))
    messages = parse(xml).messages
    wanted = list(TEAM[:2])
    found: list[str] = []
    if len(messages) != 1:
        found.append(
            f"The document has {len(messages)} <Message> elements; keep the one "
            "<Message> (one element can send to several numbers)."
        )
    else:
        m = messages[0]
        if m.text != _FIXED_TEXT:
            found.append(
                f"The text reads {_quote(m.text)}; it should still read "
                f"{_quote(_FIXED_TEXT)} — write & as {ADVICE['d-ampersand']} rather than "
                "removing it."
            )
        if m.src != OUR_NUMBER:
            found.append(f"src is {m.src!r}; keep {OUR_NUMBER}.")
        if m.dsts != wanted:
            found.append(
                f"dst gives {m.dsts}; it should send to {' and '.join(wanted)} — "
                "one dst, numbers separated by &lt;."
            )
        if m.callback_url != _FIXED_CALLBACK:
            found.append(
                f"callbackUrl is {m.callback_url!r}; keep {_FIXED_CALLBACK} "
                "(attribute names are camelCased: callbackUrl)."
            )
    if not found:
        run = _run(lambda _message: xml, "CODE", seed=31)
        failed = run.reply_failed
        sent = [o.dst for o in run.flow.outbound]
        if failed:
            found.append(f"Through the simulator: {failed}")
        elif sent != wanted:
            found.append(f"Through the simulator it sent to {sent}, not {wanted}.")
    return _result(
        exercise,
        found,
        "Valid, and through the simulator it sends the code to "
        f"{' and '.join(wanted)} with its callbackUrl.",
    )


# --------------------------------------------------------------------------- (e) one unit


def _unit_problem(label: str, text: str) -> str | None:
    from .units import segments

    seg = segments(text)
    if seg.units == 1:
        return None
    if seg.encoding == "UCS-2":
        shown = " ".join(seg.non_gsm_characters[:6])
        return (
            f"{label}: your text needs {seg.units} units — it is UCS-2 because of "
            f"{shown}, and one UCS-2 unit holds only 70 characters. Replace them with "
            f"GSM-7 characters ({ADVICE['e-gsm']}) and drop those with no equivalent "
            "(emoji): then one unit holds 160."
        )
    if seg.extension_characters:
        shown = " ".join(seg.extension_characters)
        return (
            f"{label}: {len(text)} characters but {seg.length} septets, so "
            f"{seg.units} units: {shown} count twice (escape + character). Measure with "
            f"{ADVICE['e-measure']} (≤ 160), not len(text)."
        )
    return (
        f"{label}: {seg.length} characters, {seg.units} units; one GSM-7 unit holds 160 "
        f"— cut it: {CUT_RULE}."
    )


def check_one_unit(fit: Callable[[str], str]) -> CheckResult:
    """(e) ``fit(text)`` returns a text that costs ONE SMS unit: a text that already fits
    comes back unchanged; ``ORDER_UPDATE`` keeps its order number and tracking link; a
    text that must be cut follows :data:`CUT_RULE`: it keeps its first 100 characters,
    ends with ``...`` and uses at least 140 septets."""
    from .xml import Response

    exercise = "(e) keep a reply within one SMS unit"
    if not callable(fit):
        return CheckResult(
            exercise, False, (f"give your function itself (got {type(fit).__name__}).",)
        )
    cases = [
        ("A short text", _SHORT_TEXT),
        ("ORDER_UPDATE", ORDER_UPDATE),
        ("A long reminder", _LONG_TEXT),
        ("A sale text with €", _EURO_TEXT),
    ]
    problems: list[str] = []
    for number, (label, text) in enumerate(cases, 1):
        seen: dict[str, Any] = {}

        def handler(message: Any, seen: dict[str, Any] = seen) -> Any:
            try:
                seen["out"] = fit(message.text)
            except Exception as exc:
                seen["error"] = _error(exc)
                raise
            if not isinstance(seen["out"], str):
                return Response()
            return Response().add_message(seen["out"], src=message.to, dst=message.from_)

        run = _run(handler, text, seed=40 + number)
        if "error" in seen:
            problems.append(f"{label}: your function raised {seen['error']}.")
            continue
        out = seen.get("out")
        if not isinstance(out, str):
            problems.append(
                f"{label}: your function returned {type(out).__name__}; return "
                "the text to send (a str)."
            )
            continue
        if not out.strip():
            problems.append(f"{label}: your function returned an empty text.")
            continue
        failed = run.reply_failed
        if failed:
            problems.append(f"{label}: {failed}")
            continue
        unit = _unit_problem(label, out)
        if unit:
            problems.append(unit)
            continue
        if label == "A short text":
            if out != text:
                problems.append(
                    f"{label} {_quote(text)} already fits one unit; return it "
                    f"unchanged (got {_quote(out)})."
                )
        elif label == "ORDER_UPDATE":
            lost = [bit for bit in ("#4821", "https://example.com/t/4821") if bit not in out]
            if lost:
                problems.append(
                    f"{label}: {' and '.join(lost)} got lost ({_quote(out, 80)}). Replace "
                    f"its typographic characters first ({ADVICE['e-gsm']}) and drop the "
                    "emoji: then it fits one unit whole, with nothing to cut."
                )
        else:
            problems.extend(_cut_problems(label, text, out))
    return _result(
        exercise, problems, f"All {len(cases)} replies cost one unit, with nothing lost that fits."
    )


def _cut_problems(label: str, text: str, out: str) -> list[str]:
    """What breaks :data:`CUT_RULE` in ``out``, a cut version of ``text``: one problem per
    part of the rule, each saying what was found."""
    from .units import segments

    problems = []
    if not out.startswith(text[:100]):
        at = next(
            (i for i, (a, b) in enumerate(zip(out, text[:100], strict=False)) if a != b),
            min(len(out), 100),
        )
        problems.append(
            f"{label} must be cut: keep its first 100 characters as they are; yours "
            f"differs from character {at + 1} on ({_quote(out[at:], 40)} instead of "
            f"{_quote(text[at:100], 40)}). Cut at the end, not in the middle."
        )
    if not out.endswith("..."):
        problems.append(f"{label} must be cut: end it with '...' to show that it was.")
    length = segments(out).length
    if length < 140:
        problems.append(
            f"{label} must be cut, but not that much: use at least 140 of the 160 septets "
            f"(yours has {length})."
        )
    return problems


# --------------------------------------------------------------------------- (f) reports


class _StatusApp:
    """/receive_sms/ replies with a 2-number <Message> whose callbackUrl is /sms_status/;
    /sms_status/ passes each (signature-checked) report to the learner's function.

    Not ``WebhookApp(status_path=..., on_status=...)``: that hands ``on_status`` a
    StatusReport, ignores what it returns and always answers 200 OK, while the exercise's
    point is that the learner's ``on_report(report: dict) -> int`` *is* the answer Plivo
    gets (None or 404 must reach the simulator as such)."""

    def __init__(self, on_report: Callable[..., Any]):
        from .webhook import WebhookApp
        from .xml import Response

        self.on_report = on_report
        self.token = resolve_token(None)
        self.outcomes: list[tuple[str, str]] = []  # (Status, what happened) per report
        self.messages = WebhookApp(
            lambda m: Response().add_message(
                "Your code is 4821", src=m.to, dst=list(TEAM[:2]), callback_url=_HOST + STATUS_PATH
            ),
            self.token,
            path=_MESSAGE_PATH,
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        from .webhook import check_signature, parse_form, request_url

        if environ.get("PATH_INFO") != STATUS_PATH:
            return self.messages(environ, start_response)
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        check = check_signature(request_url(environ), headers, self.token)
        if not check.valid:  # pragma: no cover - the simulator always signs
            return self._answer(start_response, 403, "unsigned")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        query = environ.get("QUERY_STRING", "").encode("latin-1")
        report = StatusReport.from_params({**parse_form(query), **parse_form(body)})
        try:
            status = self.on_report(report)
        except Exception as exc:
            self.outcomes.append((report.status, f"raised {_error(exc)}"))
            return self._answer(start_response, 500, "error")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status < 600:
            self.outcomes.append((report.status, f"returned {status!r}"))
            return self._answer(start_response, 500, "bad return value")
        self.outcomes.append((report.status, f"answered {status}"))
        return self._answer(start_response, status, "")

    @staticmethod
    def _answer(start_response: Callable[..., Any], status: int, text: str) -> list[bytes]:
        from http import HTTPStatus

        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Status"
        body = text.encode()
        start_response(
            f"{status} {phrase}",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]


def check_delivery_reports(on_report: Callable[..., Any], received: list[Any]) -> CheckResult:
    """(f) ``on_report(report)`` is called with each delivery report (a
    :class:`~smsxml.inbound.StatusReport`: ``status``, ``message_uuid``, ``to``,
    ``error_code`` — set only for failed/undelivered —, every other parameter in
    ``params``); it
    appends the report to ``received`` and returns 200. The check texts ``TEAM[0]`` (delivered)
    and ``TEAM[1]`` (undelivered, ErrorCode 20): six reports in all."""
    from .simulator import Simulator

    exercise = "(f) acknowledge delivery reports"
    if not callable(on_report):
        return CheckResult(
            exercise, False, (f"give your function itself (got {type(on_report).__name__}).",)
        )
    if not isinstance(received, list):
        return CheckResult(
            exercise,
            False,
            (f"give the list your function appends to (got {type(received).__name__}).",),
        )
    start = len(received)
    app = _StatusApp(on_report)
    simulator = Simulator(
        app.token, numbers=(OUR_NUMBER,), seed=51, outcomes={TEAM[1]: "undelivered"}
    )
    flow = simulator.receive_sms(
        app, from_=CUSTOMER, to=OUR_NUMBER, text="CODE", url=_HOST + _MESSAGE_PATH
    )
    reports = flow.reports
    total = len(reports)
    problems: list[str] = []
    bad = [(status, what) for status, what in app.outcomes if what != "answered 200"]
    if bad:
        status, what = bad[0]
        problem = (
            f"{len(bad)} of {total} reports were not answered 200 — first, "
            f"Status={status}: your function {what}."
        )
        if "not subscriptable" in what or "has no attribute 'get'" in what:
            problem += (
                " A report is a StatusReport, not a dict: read report.status, "
                f"report.to, {ADVICE['f-error-code']} (empty unless failed or undelivered)."
            )
        elif "returned" in what:
            problem += (
                f" End with {ADVICE['f-return']} (the HTTP status, an int) so Plivo knows "
                "it arrived."
            )
        elif "answered" in what:
            problem += f" Answer 200 ({ADVICE['f-return']}) so Plivo knows the report arrived."
        problems.append(problem)
    new = received[start:]
    expected = [(r.message_uuid, r.status) for r in reports]
    statuses = ", ".join(r.status for r in reports)
    if not new:
        problems.append(
            f"Nothing was appended to received: append each report ({ADVICE['f-append']})."
        )
    elif len(new) != total:
        problems.append(
            f"received got {plural(len(new), 'new report')}, but Plivo sent {total} ({statuses}): "
            f"append every report — one per status change — not only some: "
            f"{ADVICE['f-append']} for each."
        )
    elif not all(isinstance(r, StatusReport) for r in new):
        kind = next(type(r).__name__ for r in new if not isinstance(r, StatusReport))
        problems.append(
            f"received holds {kind} items; append the reports themselves "
            f"(the StatusReport your function is given): {ADVICE['f-append']}."
        )
    elif [(r.message_uuid, r.status) for r in new] != expected:
        problems.append(
            "received does not hold the reports as they came (MessageUUID and "
            f"Status, in order): append each report unchanged, {ADVICE['f-append']}."
        )
    return _result(
        exercise,
        problems,
        f"{total} delivery reports ({statuses}) recorded in order, each answered 200.",
    )


# --------------------------------------------------------------------------- all six


#: What each exercise's check is given, by the names the workshop notebook defines.
_EXERCISES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("(a) reply in the sender's language", ("reply_in_language",)),
    ("(b) notify a list with one bulk Message", ("notify_team",)),
    ("(c) refuse unsigned requests", ("build_app",)),
    ("(d) fix a broken XML document", ("fixed_xml",)),
    ("(e) keep a reply within one SMS unit", ("fit_one_sms",)),
    ("(f) acknowledge delivery reports", ("on_delivery_report", "received")),
)


@dataclass(frozen=True)
class Score:
    """All six checks at once, as a table (for an instructor, or a learner's last cell)."""

    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    def __str__(self) -> str:
        width = max(len(r.exercise) for r in self.results)
        rows = [
            f"{r.exercise:<{width}}  {'✓ passed' if r.passed else '✗ not yet'}"
            + ("" if r.passed or not r.messages else f"  — {shorten(r.messages[0], 60)}")
            for r in self.results
        ]
        return "\n".join([*rows, f"{self.passed} of {len(self.results)} passed"])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td style='text-align:left'>{html.escape(r.exercise)}</td>"
            f"<td style='color:{'#1a7f37' if r.passed else '#cf222e'}'>"
            f"{'✓ passed' if r.passed else '✗ not yet'}</td>"
            f"<td style='text-align:left'>{'' if r.passed else html.escape(r.messages[0])}</td>"
            "</tr>"
            for r in self.results
        )
        return (
            f"<table class='smsxml-score'><tr><th>exercise</th><th>result</th><th>first thing "
            f"to fix</th></tr>{rows}</table><p><b>{self.passed} of {len(self.results)} "
            "passed</b></p>"
        )


def score(namespace: Mapping[str, Any]) -> Score:
    """Run the six checks on what a workshop notebook defines: ``score(globals())``.

    An exercise whose names are not defined yet (``reply_in_language``, ``notify_team``,
    ``build_app``, ``fixed_xml``, ``fit_one_sms``, ``on_delivery_report`` and ``received``)
    is "not yet", with the name to define."""
    checks: tuple[Callable[..., CheckResult], ...] = (
        check_language_reply,
        check_bulk_notify,
        lambda build: check_refuses_unsigned(build()),
        check_fixed_xml,
        check_one_unit,
        check_delivery_reports,
    )
    results = []
    for (exercise, names), check in zip(_EXERCISES, checks, strict=True):
        missing = [name for name in names if name not in namespace]
        if missing:
            results.append(CheckResult(exercise, False, (f"define {missing[0]} first.",)))
            continue
        try:
            results.append(check(*(namespace[name] for name in names)))
        except Exception as exc:  # e.g. build_app() itself raising
            results.append(CheckResult(exercise, False, (f"it raised {_error(exc)}.",)))
    return Score(tuple(results))
