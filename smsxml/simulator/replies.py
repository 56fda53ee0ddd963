"""What Plivo objects to in a conversation outside the XML itself: the reply's status and
content type (before executing anything), and what it meets while executing."""

from __future__ import annotations

from collections.abc import Sequence

from ..flow import FlowProblem
from ..protocol import XML_MEDIA_TYPES
from ..transport import Reply
from ..xml import Message, Problem
from ..xml.check import checked_document

__all__ = [
    "read_reply",
    "reply_problems",
    "executable",
    "unreachable",
    "reply_is_sms",
    "src_not_owned",
]


def reply_problems(reply: Reply, auto_encoding: bool) -> list[Problem | FlowProblem]:
    """Plivo's checks of your app's reply, in order; an error among them means nothing of
    it is executed (see :func:`executable`)."""
    return read_reply(reply, auto_encoding)[0]


def read_reply(
    reply: Reply, auto_encoding: bool
) -> tuple[list[Problem | FlowProblem], list[Message]]:
    """:func:`reply_problems`, and the ``<Message>`` elements Plivo executes when none of
    them is an error (empty otherwise): the reply's XML is read and checked in one pass."""
    if reply.status != 200:
        hint = (
            "Plivo does not follow redirects: answer at the URL it calls"
            if 300 <= reply.status < 400
            else "answer 200 with an XML <Response> (an empty <Response/> sends nothing)"
        )
        return [
            FlowProblem(
                "reply-status",
                f"your app answered {reply.status} {reply.reason}".rstrip()
                + "; Plivo executes XML only from a 200 reply",
                hint,
            )
        ], []
    if reply.content_type not in XML_MEDIA_TYPES:
        return [
            FlowProblem(
                "reply-content-type",
                f"the reply's Content-Type is {reply.content_type or 'missing'!s}; "
                "Plivo expects text/xml or application/xml",
                "set Content-Type: application/xml (Flask: Response(xml, "
                "mimetype='application/xml'))",
            )
        ], []
    found, messages = checked_document(reply.body, auto_encoding=auto_encoding)
    problems: list[Problem | FlowProblem] = list(found)
    if not executable(problems):
        problems.append(
            FlowProblem(
                "nothing-sent",
                "the reply is not valid Message XML, so Plivo executes none of it",
                "fix the errors above; smsxml.validate(xml) shows them",
            )
        )
        return problems, []
    return problems, messages


def executable(problems: Sequence[Problem | FlowProblem]) -> bool:
    """True when Plivo executes a reply with these problems: none is an error."""
    return not any(p.severity == "error" for p in problems)


def unreachable(error: Exception) -> FlowProblem:
    """Plivo could not call the message_url at all."""
    return FlowProblem(
        "message-url-unreachable",
        f"Plivo could not reach your message_url: {error}",
        "start your server (or check the URL and port) and try again",
    )


def reply_is_sms(kind: str) -> FlowProblem:
    """The inbound message was MMS or WhatsApp, but an XML reply answers with SMS."""
    return FlowProblem(
        "reply-is-sms",
        f"the inbound message was {kind}, but a <Message> in an XML reply sends an "
        'SMS (type="sms"): no media goes back this way',
        "to answer with MMS or WhatsApp, call Plivo's Send Message API from your "
        "handler instead of (or besides) replying with XML",
        severity="warning",
    )


def src_not_owned(number: int, src: str, numbers: Sequence[str]) -> FlowProblem:
    """``<Message>`` #``number`` sends from a number the account does not own."""
    return FlowProblem(
        "src-not-owned",
        f"<Message> #{number}: src {src or '(none)'} is not a number on your "
        f"account ({', '.join(numbers)}); nothing sent for this <Message>",
        "use one of your Plivo numbers as src — when replying, the To of the inbound message",
    )
