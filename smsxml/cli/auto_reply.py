"""The handler behind ``smsxml serve`` and ``smsxml demo``: answer every SMS with a
template filled in from the message, sent back to the sender."""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from ..exc import CliError
from ..inbound import InboundMessage
from ..phone import plivo_number
from ..protocol import MAX_TEXT_LENGTH
from ..xml import Response

__all__ = ["DEFAULT_REPLY", "REPLY_FIELDS", "auto_reply"]

#: What ``smsxml serve`` answers by default. ``{text}``, ``{from}`` and ``{to}`` are
#: replaced by the incoming message's Text, From and To.
DEFAULT_REPLY = "Thanks, we got your message: {text}"
REPLY_FIELDS = ("text", "from", "to")

# Characters XML 1.0 cannot carry (a reply echoing them could not be written).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _number(value: str) -> str:
    """A number from a request as Plivo writes it (``+1 (415) 555-0100`` → 14155550100),
    without the characters XML cannot carry; a sender ID (``ACME``) is kept as it is."""
    return plivo_number(_NOT_XML.sub("", value))


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
) -> Callable[[InboundMessage], Response]:
    """A webhook handler answering every SMS with ``template`` filled in ({text}, {from},
    {to}), sent from the number texted to the sender — and an empty ``<Response/>`` (no
    SMS) when the filled-in text is empty. ``callback_url`` asks for delivery reports."""
    if not isinstance(template, str):
        raise CliError(f"the reply text must be a string, not {type(template).__name__}")
    _check_template(template)

    def auto_reply(message: InboundMessage) -> Response:
        values = {
            "text": _NOT_XML.sub("", message.text),
            "from": _number(message.from_),
            "to": _number(message.to),
        }
        text = template.format_map(values)
        if not text:
            return Response()
        if len(text) > MAX_TEXT_LENGTH:
            text = text[: MAX_TEXT_LENGTH - 1] + "…"
        return Response().add_message(
            text,
            src=values["to"],
            dst=values["from"],
            callback_url=callback_url,
            callback_method=callback_method,
        )

    return auto_reply
