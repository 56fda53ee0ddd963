"""The lines the simulator writes on a flow's timeline, one function each: what was said,
by whom, to whom (and the short label the sequence diagram shows)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from .._text import plural, shorten, url_path
from ..flow import Event, FlowProblem
from ..transport import Reply
from ..xml import Problem

__all__ = [
    "text_in",
    "message_request",
    "app_reply",
    "problem",
    "queued",
    "handed_on",
    "not_handed_on",
    "receipt",
    "callback",
    "callback_reply",
    "callback_error",
    "timed_out",
    "retry",
]

#: The signature headers of a request, as the timeline names them.
_SIGNED = "V2, V3, Ma-V2, Ma-V3"


@functools.lru_cache(maxsize=256)
def _cached_path(url: str) -> str:
    return url_path(url)


def _path(url: str) -> str:
    """:func:`url_path`; cached for the URLs of every day (a flow names the same few), not
    for a hostile reply's megabyte callbackUrl."""
    return _cached_path(url) if len(url) <= 2048 else url_path(url)


def _kind_name(type: str) -> str:
    return type.upper() if type != "whatsapp" else "WhatsApp"


def text_in(
    time: str, params: Mapping[str, str], type: str, text: str, media: Sequence[str]
) -> Event:
    """The phone texts your number."""
    return Event(
        time,
        "phone",
        "sms-in",
        f"{_kind_name(type)} from {params['From']} to {params['To']}: {shorten(text)!r}"
        + (f" + {len(media)} media" if media else ""),
        "Plivo",
        f"{_kind_name(type)} {shorten(text, 20)!r}",
    )


def _attempt(number: int) -> str:
    return f" — attempt {number}" if number > 1 else ""


def message_request(time: str, method: str, url: str, attempt: int = 1) -> Event:
    """Plivo calls your message_url (``attempt`` > 1: again, a retry)."""
    return Event(
        time,
        "Plivo",
        "request",
        f"{method} {_path(url)} (signed {_SIGNED}){_attempt(attempt)}",
        "your app",
        f"{method} {shorten(_path(url), 24)}",
    )


def app_reply(time: str, reply: Reply) -> Event:
    """Your app answers."""
    kind = reply.content_type or "(no type)"
    count = reply.text.count("<Message")
    return Event(
        time,
        "your app",
        "reply",
        f"{reply.status} {kind}, {count} <Message>",
        "Plivo",
        f"{reply.status} {kind}",
    )


def problem(time: str, found: Problem | FlowProblem) -> Event:
    """Plivo objects to something (an error) or would warn about it."""
    return Event(
        time,
        "Plivo",
        "problem" if found.severity == "error" else "warning",
        str(found),
        label=f"{found.severity}: {found.code}",
    )


def queued(time: str, src: str, dst: str, units: int, encoding: str, replaced: bool) -> Event:
    """Plivo queues one SMS (``replaced``: automatic encoding changed its text)."""
    return Event(
        time,
        "Plivo",
        "queued",
        f"queued {src} → {dst}: {plural(units, 'unit')}, {encoding}"
        + (" (automatic encoding)" if replaced else ""),
        label=f"queued → {dst} ({plural(units, 'unit')})",
    )


def handed_on(time: str, dst: str, text: str) -> Event:
    """Plivo hands an SMS to the carrier."""
    return Event(
        time, "Plivo", "sms-out", f"SMS to {dst}: {shorten(text)!r}", "phone", f"SMS to {dst}"
    )


def not_handed_on(time: str, dst: str, error_code: str) -> Event:
    """Plivo cannot hand an SMS to a carrier: it fails."""
    return Event(
        time,
        "Plivo",
        "failed",
        f"could not hand the SMS to {dst} to a carrier: failed (ErrorCode {error_code})",
        label=f"{dst}: failed ({error_code})",
    )


def receipt(time: str, dst: str, status: str, error_code: str) -> Event:
    """The carrier's delivery receipt comes back to Plivo."""
    code = f" (ErrorCode {error_code})" if error_code else ""
    return Event(
        time,
        "phone",
        "receipt",
        f"delivery receipt for {dst}: {status}{code}",
        "Plivo",
        f"receipt {dst}: {status}",
    )


def callback(
    time: str,
    method: str,
    url: str,
    status: str,
    part_info: str,
    sequence: int,
    attempt: int = 1,
) -> Event:
    """Plivo sends a delivery report to a callbackUrl (``attempt`` > 1: again, a retry)."""
    which = f"({part_info}, #{sequence})" if part_info else f"(#{sequence})"
    return Event(
        time,
        "Plivo",
        "callback",
        f"{method} {_path(url)} Status={status} {which}{_attempt(attempt)}",
        "callbackUrl",
        f"{method} {status} {part_info.replace(' of ', '/')}".rstrip(),
    )


def callback_reply(time: str, response_status: int | None) -> Event:
    """The callbackUrl answers a delivery report."""
    return Event(time, "callbackUrl", "callback-reply", f"{response_status}", "Plivo")


def callback_error(time: str, status: str, part_info: str, error: str) -> Event:
    """A delivery report did not get through (or was not sent)."""
    return Event(
        time,
        "Plivo",
        "callback-error",
        f"delivery report Status={status}"
        + (f" ({part_info})" if part_info else "")
        + f" not delivered: {error}",
        label=f"{status} report " + shorten(error, 44),
    )


def timed_out(time: str, timeout: float) -> Event:
    """No answer came within the time Plivo waits: the attempt is abandoned."""
    return Event(
        time,
        "Plivo",
        "timeout",
        f"no answer within {timeout:g} s: the attempt is abandoned (a late answer is ignored)",
        label=f"no answer in {timeout:g} s",
    )


def retry(time: str, number: int, reason: str, seconds: float) -> Event:
    """Plivo will try again: attempt ``number`` did not stand, for ``reason``."""
    return Event(
        time,
        "Plivo",
        "retry",
        f"attempt {number} failed ({reason}): Plivo tries again in {seconds:g} s",
        label=f"retry in {seconds:g} s",
    )
