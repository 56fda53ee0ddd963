"""The conversation commands of the ``smsxml`` command line: serve, send, replay, demo.

* ``smsxml serve`` runs an auto-reply webhook on this machine and prints one line per
  request (status, signature verdict, why a request was refused) until Ctrl-C.
* ``smsxml send URL`` plays Plivo against any message_url (the offline
  :class:`~smsxml.simulator.Simulator`) and prints the whole flow.
* ``smsxml replay FILE --url URL`` sends recorded requests again, re-signed or as recorded.
* ``smsxml demo`` shows the whole conversation offline in a few seconds.

They are registered through :data:`CLI_COMMANDS` (see :mod:`smsxml.cli`). No auth token
is ever printed: the demo uses the demo token and never reads ``$PLIVO_AUTH_TOKEN``.
"""

from __future__ import annotations

import argparse
import re
import signal
import string
import sys
import textwrap
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from ._hosts import is_loopback
from ._text import shorten as _short
from ._text import url_path as _path
from .cli import (
    PROG,
    CliError,
    Command,
    add_auth_token_argument,
    add_timeout_argument,
    auth_token_from,
)
from .protocol import MAX_TEXT_LENGTH
from .tokens import DEMO_AUTH_TOKEN, redact

__all__ = ["CLI_COMMANDS", "DEFAULT_REPLY", "REPLY_FIELDS", "auto_reply", "describe_entry"]

#: What ``smsxml serve`` answers by default. ``{text}``, ``{from}`` and ``{to}`` are
#: replaced by the incoming message's Text, From and To.
DEFAULT_REPLY = "Thanks, we got your message: {text}"
REPLY_FIELDS = ("text", "from", "to")

_MAX_TEXT = MAX_TEXT_LENGTH
# Characters that would let a request rewrite the terminal (escapes, bidi overrides…).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters XML 1.0 cannot carry (a reply echoing them could not be written).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PHONE = re.compile(r"\+?[\d\s().-]*\d[\d\s().-]*")


# --- small helpers ----------------------------------------------------------------------------


def _printable(text: str) -> str:
    """``text`` on one line, with control characters shown as ``\\xNN`` instead of obeyed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _out(text: str = "") -> None:
    """Print to stdout at once (a reader on a pipe sees each line as it happens)."""
    print(text, flush=True)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535; 0: any free)")
    return port


def _at_least_one(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is below 1")
    return number


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"{value} is not above 0 seconds")
    return number


_is_loopback = is_loopback


# --- the auto-reply handler ---------------------------------------------------------------------


def _number(value: str) -> str:
    """A phone number as Plivo writes it (digits only: ``+1 (415) 555-0100`` → 14155550100);
    anything else (an alphanumeric sender ID) is kept as it is."""
    value = _NOT_XML.sub("", value).strip()
    if _PHONE.fullmatch(value):
        return re.sub(r"\D", "", value)
    return value


def _check_template(template: str) -> None:
    """Refuse a ``--reply`` template naming anything but {text}, {from} and {to}."""
    allowed = ", ".join("{" + f + "}" for f in REPLY_FIELDS)
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise CliError(
            f"the reply text is not a valid template ({exc}); use {allowed}, and write "
            "{{ and }} for literal braces"
        ) from None
    for name in fields:
        if name not in REPLY_FIELDS:
            shown = "{" + name + "}"
            raise CliError(
                f"the reply text names {shown}; only {allowed} can be filled in (write "
                "{{ and }} for literal braces)"
            )


def auto_reply(
    template: str = DEFAULT_REPLY,
    *,
    callback_url: str | None = None,
    callback_method: str | None = None,
) -> Callable[[Any], Any]:
    """A webhook handler answering every SMS with ``template`` filled in ({text}, {from},
    {to}), sent from the number texted to the sender — and an empty ``<Response/>`` (no
    SMS) when the filled-in text is empty. ``callback_url`` asks for delivery reports."""
    if not isinstance(template, str):
        raise CliError(f"the reply text must be a string, not {type(template).__name__}")
    _check_template(template)

    def auto_reply(message: Any) -> Any:
        from .xml import Response

        values = {
            "text": _NOT_XML.sub("", message.text),
            "from": _number(message.from_),
            "to": _number(message.to),
        }
        text = template.format_map(values)
        if not text:
            return Response()
        if len(text) > _MAX_TEXT:
            text = text[: _MAX_TEXT - 1] + "…"
        return Response().add_message(
            text,
            src=values["to"],
            dst=values["from"],
            callback_url=callback_url,
            callback_method=callback_method,
        )

    return auto_reply


# --- one line per webhook request ------------------------------------------------------------


def _short_diagnosis(diagnosis: Any) -> str:
    """The gist of a signature diagnosis: what was signed vs seen, and the cause's headline."""
    causes = tuple(getattr(diagnosis, "causes", ()) or ())
    message = " ".join(str(diagnosis).split())
    if causes == ("unknown",):
        return (
            "no usual cause fits: most likely it was signed with another auth token "
            "(or for another URL)"
        )
    before, found, _ = message.partition("Cause: ")
    if not found:
        return _short(message.split(". ")[0].rstrip("."), 200)
    from .diagnose import CAUSES

    headlines = [CAUSES[c].partition(": ")[0] for c in causes if c in CAUSES]
    lead = f"{before.strip()} " if before.strip() else ""
    return f"{lead}cause: {'; '.join(headlines)}" if headlines else _short(message, 200)


def describe_entry(entry: Any, *, with_time: bool = True, with_diagnosis: bool = True) -> str:
    """One line for a webhook :class:`~smsxml.webhook.LogEntry`: time, method, path, status,
    signature verdict, and what happened (the reply, or why the request was refused, with
    the gist of the signature diagnosis)."""
    fields = []
    if with_time:
        fields.append(entry.time.astimezone().strftime("%H:%M:%S"))
    fields += [f"{entry.method} {entry.path}", str(entry.status), f"signature {entry.verdict}"]
    message = entry.message
    if entry.status == 200 and message is not None:
        count = (entry.reply or "").count("<Message")
        detail = f"from {message.from_}: {_short(message.text, 40)!r} → {_plural(count, 'SMS')}"
        errors = sum(1 for p in entry.problems if getattr(p, "severity", "error") == "error")
        warnings = len(entry.problems) - errors
        if errors:
            detail += f", reply XML has {_plural(errors, 'error')}"
        elif warnings:
            detail += f" ({_plural(warnings, 'XML warning')})"
    else:
        detail = entry.reason or entry.error or ""
        if entry.diagnosis is not None and with_diagnosis and entry.verdict != "missing":
            detail += f" — {_short_diagnosis(entry.diagnosis)}"
    return _printable("  ".join(fields) + (f"  {detail}" if detail else ""))


# --- serve ------------------------------------------------------------------------------------


def _add_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    parser.add_argument(
        "--port", type=_port, default=5000, help="port to listen on (default: 5000; 0: any free)"
    )
    parser.add_argument(
        "--path", default="/receive_sms/", help="the message_url path (default: /receive_sms/)"
    )
    parser.add_argument(
        "--reply",
        default=DEFAULT_REPLY,
        metavar="TEXT",
        help=f"the auto-reply; {{text}}, {{from}}, {{to}} are filled in (default: "
        f"{DEFAULT_REPLY!r}; '' sends no SMS)",
    )
    parser.add_argument(
        "--record", metavar="FILE", help="append every request to FILE (JSON lines, for replay)"
    )
    parser.add_argument(
        "--no-signature",
        action="store_true",
        help="accept requests without a valid X-Plivo-Signature-V2 (not for production)",
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the message_url configured at Plivo, when a tunnel or proxy forwards to this "
        "server (e.g. https://abc.ngrok.app/receive_sms/): signatures are checked against it",
    )
    limits = parser.add_argument_group("limits (what the server holds at most)")
    limits.add_argument("--threads", type=_at_least_one, default=4,
                        help="worker threads running the handler (default: 4)")
    limits.add_argument("--connection-limit", type=_at_least_one, metavar="N",
                        help="open connections (default: 1000, fewer if the fd limit is low)")
    limits.add_argument("--max-body", type=_at_least_one, default=65536, metavar="BYTES",
                        help="largest request body (default: 65536; 413 beyond)")
    limits.add_argument("--request-timeout", type=_seconds, default=10.0, metavar="SECONDS",
                        help="time a request may take to arrive in full (default: 10; 408 beyond)")
    add_auth_token_argument(parser, main=True)


def _on_stop_signals(stop: threading.Event) -> Callable[[], None]:
    """Ctrl-C (SIGINT) and SIGTERM set ``stop``; returns a function restoring the handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Any] = {}

    def handle(signum: int, frame: Any) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handle)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def _new_entries(entries: list[Any], last: Any) -> list[Any]:
    """The entries after ``last`` (all of them if ``last`` is None or has left the log)."""
    if last is not None:
        for index in range(len(entries) - 1, -1, -1):
            if entries[index] is last:
                return entries[index + 1 :]
    return entries


def _run_serve(args: argparse.Namespace) -> int:
    from .webhook import LocalWebhook, ServerLimits

    if not args.path.startswith("/"):
        raise CliError(f"--path must start with '/', like /receive_sms/; got {args.path!r}")
    handler = auto_reply(args.reply)
    token = auth_token_from(args)
    secrets = (token, args.main_auth_token)
    host = args.host.strip("[]")
    if not _is_loopback(host):
        print(
            f"{PROG} serve: warning: listening on {host or 'every interface'}: anyone who can "
            "reach this machine can call the webhook (use --host 127.0.0.1 to keep it local)",
            file=sys.stderr,
        )
    if args.no_signature:
        print(
            f"{PROG} serve: warning: signatures are not checked (--no-signature): the webhook "
            "answers anyone, not only Plivo",
            file=sys.stderr,
        )
    if args.record:
        try:
            open(args.record, "a", encoding="utf-8").close()
        except OSError as exc:
            raise CliError(f"cannot record to {args.record}: {exc.strerror or exc}") from None
    limits = ServerLimits(threads=args.threads, request_timeout=args.request_timeout)
    if args.connection_limit:
        limits = replace(limits, connection_limit=args.connection_limit)
    try:
        hook = LocalWebhook(
            handler,
            token,
            host=host,
            port=args.port,
            path=args.path,
            main_auth_token=args.main_auth_token,
            require_signature=not args.no_signature,
            public_url=args.public_url,
            record_to=args.record,
            max_body=args.max_body,
            limits=limits,
        )
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{args.port}: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a --public-url that is not a URL
        raise CliError(str(exc)) from None
    stop = threading.Event()
    restore = _on_stop_signals(stop)
    last = None

    def flush() -> None:
        nonlocal last
        new = _new_entries(list(hook.log), last)
        for entry in new:
            _out(redact(describe_entry(entry), *secrets))
        if new:
            last = new[-1]

    try:
        _out(f"{PROG} serve: message_url {hook.url}  (Ctrl-C to stop)")
        if args.public_url:
            _out(f"{PROG} serve: signatures are checked for {hook.app.public_url}")
        if args.record:
            print(f"{PROG} serve: recording requests to {args.record}", file=sys.stderr)
        while not stop.wait(0.1):
            flush()
    except KeyboardInterrupt:  # no signal handler could be installed (not the main thread)
        pass
    finally:
        hook.stop()
        restore()
    flush()
    print(f"{PROG} serve: stopped after {_plural(hook.log.total, 'request')}", file=sys.stderr)
    return 0


# --- send -------------------------------------------------------------------------------------


def _add_send(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="your app's message_url")
    parser.add_argument(
        "--from",
        dest="from_",
        default="14155550100",
        metavar="NUMBER",
        help="the sender's number (default: 14155550100)",
    )
    parser.add_argument(
        "--to",
        default="12025550000",
        metavar="NUMBER",
        help="your Plivo number, the one texted (default: 12025550000); the simulated account "
        "owns it",
    )
    parser.add_argument("--text", required=True, help="the message text")
    parser.add_argument("--get", action="store_true", help="call the URL with GET, not POST")
    parser.add_argument(
        "--number",
        action="append",
        default=[],
        metavar="NUMBER",
        help="another number the account owns (a src your app may send from); repeatable",
    )
    parser.add_argument(
        "--seed", type=int, metavar="N", help="reproducible nonces, UUIDs and timestamps"
    )
    add_timeout_argument(parser, "each reply")
    add_auth_token_argument(parser, main=True)


def _run_send(args: argparse.Namespace) -> int:
    from .simulator import Simulator

    token = auth_token_from(args)
    simulator = Simulator(
        token,
        numbers=(args.to, *args.number),
        main_auth_token=args.main_auth_token,
        seed=args.seed,
    )
    flow = simulator.receive_sms(
        args.url,
        args.from_,
        args.to,
        args.text,
        method="GET" if args.get else "POST",
        timeout=args.timeout,
    )
    lines = [str(flow)]
    if flow.reply is not None and flow.reply.text.strip():
        lines.append("  reply body:")
        lines += [f"    {line}" for line in flow.reply.text.rstrip("\n").splitlines()]
    _out(_printable_lines(redact("\n".join(lines), token, args.main_auth_token)))
    return 0 if flow.ok else 1


def _printable_lines(text: str) -> str:
    return "\n".join(_printable(line) for line in text.split("\n"))


# --- replay -----------------------------------------------------------------------------------


def _add_replay(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a recording (smsxml serve --record FILE)")
    parser.add_argument("--url", required=True, help="where to send the requests")
    parser.add_argument(
        "--no-resign",
        action="store_true",
        help="send the recorded signatures unchanged (default: sign each request anew for URL)",
    )
    add_timeout_argument(parser, "each reply")
    add_auth_token_argument(parser)


def _run_replay(args: argparse.Namespace) -> int:
    from .playback import replay
    from .recording import load
    from .webhook import check_signature

    token = auth_token_from(args)
    entries = load(args.file)
    if not entries:
        raise CliError(f"{args.file} holds no recorded requests")
    results = replay(entries, args.url, token, resign=not args.no_resign, timeout=args.timeout)
    how = "as recorded" if args.no_resign else "re-signed for it"
    _out(f"Replaying {_plural(len(results), 'request')} from {args.file} to {args.url} ({how})")
    for number, result in enumerate(results, 1):
        original = result.original
        recorded = check_signature(original.url, original.headers, token).verdict
        text = original.params.get("Text")
        shown = f" {_short(text, 30)!r}" if text is not None else ""
        if result.reply is None:
            now = f"not delivered: {result.error}"
        else:
            now = f"{result.reply.status} {result.reply.reason}".rstrip()
            body = result.reply.text.strip().splitlines()
            if not result.ok and body:
                reason = body[0].removeprefix(str(result.reply.status)).strip()
                now += f" ({_short(reason, 80)})"
        line = (
            f"#{number} {original.method} {_path(original.url)}{shown}  recorded "
            f"{original.time}: signature {recorded}  →  now: {now}"
        )
        _out(_printable(redact(line, token)))
    answered = sum(r.ok for r in results)
    _out(f"{answered} of {len(results)} answered 2xx")
    return 0 if answered == len(results) else 1


# --- demo -------------------------------------------------------------------------------------

_DEMO_SEED = 2026
_DEMO_NUMBER = "12025550000"  # your Plivo number
_DEMO_SENDER = "14155550100"  # the customer's phone
_DEMO_TEXT = "Is the shop open on Sunday? 🙂"
_DEMO_STATUS_PATH = "/sms_status/"


def _heading(title: str) -> None:
    _out()
    _out(f"== {title} ==")


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


def _show_problems(problems: Iterable[Any]) -> None:
    for problem in problems:
        for line in _wrapped(f"{problem.severity} {problem.code}: ", problem.message, 4, 6):
            _out(line)
        if problem.hint:
            for line in _wrapped("hint: ", problem.hint, 6, 8):
                _out(line)


def _show_refused(hook: Any, request: Any) -> bool:
    """Send ``request`` to the webhook and show its log entry; True when refused with 403."""
    reply = request.send()
    entry = hook.log.last
    _out(f"  → HTTP {reply.status} {reply.reason}")
    if entry is not None:
        _out(f"  webhook log: {describe_entry(entry, with_time=False, with_diagnosis=False)}")
        if entry.diagnosis is not None:
            for line in _wrapped("diagnosis: ", _printable(str(entry.diagnosis))):
                _out(line)
    return reply.status == 403


def _run_demo(args: argparse.Namespace) -> int:
    import random
    import uuid
    from dataclasses import replace

    from .inbound import inbound_request
    from .signature import make_nonce
    from .simulator import Simulator
    from .units import segments
    from .webhook import LocalWebhook
    from .xml import validate

    token = DEMO_AUTH_TOKEN  # the demo never uses a real token, not even $PLIVO_AUTH_TOKEN
    rng = random.Random(_DEMO_SEED)
    _out("smsxml demo: an SMS conversation with Plivo, played offline on this machine")
    _out("(everything is signed with the demo token; your PLIVO_AUTH_TOKEN is not used)")
    expected = True
    with LocalWebhook(auto_reply(DEFAULT_REPLY), token, status_path=_DEMO_STATUS_PATH) as hook:
        # The reply asks for delivery reports at this same webhook's status_path.
        hook.app.handler = auto_reply(DEFAULT_REPLY, callback_url=hook.status_url)
        _heading("1. Your webhook is listening")
        _out(f"  message_url  {hook.url}  (auto-reply: {DEFAULT_REPLY!r})")
        _out(f"  callbackUrl  {hook.status_url}  (delivery reports)")

        simulator = Simulator(token, numbers=[_DEMO_NUMBER], seed=_DEMO_SEED)
        flow = simulator.receive_sms(hook.url, _DEMO_SENDER, _DEMO_NUMBER, _DEMO_TEXT)
        _heading(f"2. {_DEMO_SENDER} texts your number {_DEMO_NUMBER}: Plivo calls your app")
        for line in flow.inbound.to_curl().splitlines():
            _out(f"  {_printable(line)}")

        _heading("3. Your app answers with Message XML")
        if flow.reply is None:
            _out("  no reply")
            _show_problems(flow.problems)
            return 1
        _out(f"  HTTP {flow.reply.status} {flow.reply.content_type}")
        for line in flow.reply.text.rstrip("\n").splitlines():
            _out(f"  {line}")
        problems = validate(flow.reply.text)
        errors = [p for p in problems if p.severity == "error"]
        warnings = len(problems) - len(errors)
        if errors:
            _out(f"  validation: NOT valid Message XML ({_plural(len(errors), 'error')})")
            expected = False
        else:
            extra = f" ({_plural(warnings, 'warning')})" if warnings else ""
            _out(f"  validation: valid Message XML{extra}")
        _show_problems(problems)
        if any(p.code == "callback-unreachable" for p in problems):
            _out("      (fine here: the simulator runs on this machine; Plivo needs a public URL)")
        inbound_entry = hook.log[0] if len(hook.log) else None
        if inbound_entry is not None:
            _out(f"  webhook log: {describe_entry(inbound_entry, with_time=False)}")

        _heading("4. Plivo sends the reply")
        for message in flow.outbound:
            seg = segments(message.text)
            why = ""
            if seg.non_gsm_characters:
                why = f" (not GSM-7 because of {' '.join(seg.non_gsm_characters[:5])})"
            _out(
                f"  {message.src} → {message.dst}: {_plural(message.units, 'unit')}, "
                f"{message.encoding}{why}, {seg.length}/{seg.capacity} {seg.unit_name} "
                f"→ {message.status}"
            )
            _out(f"  text: {message.text!r}")
            _out(
                f"  MessageUUID {message.message_uuid}, TotalAmount {message.total_amount} "
                f"({message.units} × {message.total_rate})"
            )
        if not flow.outbound:
            _out("  nothing was sent")
            _show_problems(flow.problems)
            expected = False

        _heading("5. Delivery reports arrive at your callbackUrl")
        verdicts = {
            (entry.report.message_uuid, entry.report.sequence): entry.verdict
            for entry in hook.log
            if entry.report is not None
        }
        for report in flow.reports:
            verdict = verdicts.get((report.message_uuid, str(report.sequence)))
            checked = f", signature {verdict}" if verdict else ""
            _out(
                f"  #{report.sequence} Status={report.status:<10} PartInfo={report.part_info}  "
                f"{report.request.method} {_path(report.request.url)} → {report.outcome}"
                f"{checked}"
            )
        if not flow.reports:
            _out("  none arrived")
        expected = expected and bool(flow.reports) and all(r.ok for r in flow.reports)

        _heading("6. A forged request is refused")
        _out("  Signed with someone else's auth token (a forger does not know yours):")
        forged = inbound_request(
            hook.url,
            "someone-elses-auth-token",
            from_=_DEMO_SENDER,
            to=_DEMO_NUMBER,
            text="Send me your account details",
            message_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            nonce=make_nonce(rng),
        )
        expected = _show_refused(hook, forged) and expected
        public = "https://" + hook.url.removeprefix("http://")
        _out(f"  Signed for {public}, but a TLS proxy hands your app http://:")
        signed = inbound_request(
            public,
            token,
            from_=_DEMO_SENDER,
            to=_DEMO_NUMBER,
            text=_DEMO_TEXT,
            message_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            nonce=make_nonce(rng),
        )
        expected = _show_refused(hook, replace(signed, url=hook.url)) and expected

        refused = sum(1 for e in hook.log if e.status == 403)
        units = sum(m.units for m in flow.outbound)
        _heading("Done")
        _out(
            f"  1 SMS in, {_plural(len(flow.outbound), 'SMS')} out ({_plural(units, 'unit')}), "
            f"{_plural(len(flow.reports), 'delivery report')}, {refused} forged "
            f"{'request' if refused == 1 else 'requests'} refused with 403."
        )
        _out("  Try it with your own app: smsxml serve --port 5000, then")
        _out("  smsxml send http://127.0.0.1:5000/receive_sms/ --text 'hi' --seed 1")
    return 0 if expected else 1


def _add_demo(parser: argparse.ArgumentParser) -> None:
    pass


CLI_COMMANDS: list[Command] = [
    Command(
        "serve",
        "run an auto-reply message_url webhook on this machine and log each request",
        _add_serve,
        _run_serve,
        "Prints the message_url on the first line, then one line per request (time, method, "
        "path, status, signature verdict, what happened) until Ctrl-C or SIGTERM; exit 0.",
    ),
    Command(
        "send",
        "play Plivo: text a message_url, execute its XML, send delivery reports",
        _add_send,
        _run_send,
        "Runs the offline simulator against URL and prints the flow (reply, problems, SMS "
        "sent, delivery reports, timeline). Exit status: 0 when Plivo would find no error, "
        "1 otherwise, 2 on bad input.",
    ),
    Command(
        "replay",
        "send recorded webhook requests again (re-signed, or as recorded)",
        _add_replay,
        _run_replay,
        "One line per request: the recorded request and its signature vs the status it gets "
        "now. Exit status: 0 when every reply is 2xx, 1 otherwise, 2 on bad input.",
    ),
    Command(
        "demo",
        "the whole SMS flow offline in a few seconds (no token needed)",
        _add_demo,
        _run_demo,
        "Starts a local webhook and a delivery-report endpoint, texts it through the "
        "simulator, and shows the request, the reply XML, the SMS sent, the delivery reports "
        "and forged requests being refused.",
    ),
]
