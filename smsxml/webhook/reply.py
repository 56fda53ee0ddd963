"""The handler and its reply: call it, turn what it returned into the XML text answered,
and check that text (problems are logged; the reply is still sent). A reply that cannot be
sent, or a handler that raised, is answered 500 and explained in the log."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from ..inbound import InboundMessage
from ..xml import Response, validate
from ._incoming import Exchange, Refused

__all__ = ["Handler", "answer", "handler_failed", "reply_text"]

Handler = Callable[[InboundMessage], Any]
Redact = Callable[[str], str]


def answer(ex: Exchange, handler: Handler, redact: Redact) -> bytes:
    """Run ``handler`` on the exchange's message; the reply's UTF-8 bytes, checked.
    ``redact`` takes the app's tokens out of error text."""
    assert ex.message is not None
    try:
        result = handler(ex.message)
    except BaseException as exc:  # a learner's sys.exit() must not kill the thread
        handler_failed(ex, "the handler", exc, redact)
    try:
        xml = reply_text(result, ex)
    except Refused:
        raise
    except Exception as exc:  # e.g. a Response whose to_xml() refuses a value
        ex.error = redact(
            f"the handler's reply could not be written as XML: {type(exc).__name__}: {exc}"
        )
        ex.traceback = redact(traceback.format_exc())
        raise Refused(
            500, "the handler's reply could not be written as XML (see the log)"
        ) from None
    ex.reply = xml
    try:
        data = xml.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(xml[exc.start])
        ex.error = (
            f"the reply holds U+{code:04X} at index {exc.start}, which cannot be "
            "sent as UTF-8 (a lone surrogate)"
        )
        raise Refused(500, ex.error) from None
    try:
        ex.problems = tuple(validate(xml))
    except Exception as exc:  # validation is advice: a bug there must not drop the reply
        ex.error = redact(f"could not validate the reply: {type(exc).__name__}: {exc}")
    return data


def handler_failed(ex: Exchange, who: str, exc: BaseException, redact: Redact) -> NoReturn:
    """Log what ``who`` (the handler, on_status) raised, and refuse with 500."""
    ex.error = redact(f"{who} raised {type(exc).__name__}: {exc}")
    ex.traceback = redact(traceback.format_exc())
    raise Refused(500, f"{who} raised {type(exc).__name__} (see the log)") from None


def reply_text(result: Any, ex: Exchange) -> str:
    """What the handler returned as XML text, or a refusal (500) saying what it was."""
    if isinstance(result, Response):
        return result.to_xml()
    if isinstance(result, str):
        return result
    if isinstance(result, bytes | bytearray):
        try:
            return bytes(result).decode("utf-8")
        except UnicodeDecodeError:
            reason = "the handler returned bytes that are not UTF-8 text"
    elif result is None:
        reason = (
            "the handler returned None; return a Response, an XML string or bytes "
            "(Response() to send no SMS)"
        )
    else:
        kind = type(result).__name__
        hint = (
            " (call .to_string() on a plivo ResponseElement)"
            if hasattr(result, "to_string")
            else ""
        )
        reason = f"the handler returned a {kind}, not a Response, an XML string or bytes{hint}"
    ex.error = reason
    raise Refused(500, reason)
