"""Build Message XML: :class:`Response` (its :class:`Message` objects are :mod:`.message`'s),
and :func:`parse`, which reads a document back into one.

The output is byte-identical to the plivo SDK's ``plivoxml.ResponseElement.to_string()``
(lxml's escaping included). The builder refuses only what cannot be written as XML 1.0
(:class:`~smsxml.exc.XMLBuildError`); Plivo's own rules are :func:`~smsxml.xml.validate`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from .._html import escape
from ..exc import WrongTypeError, XMLValidationError
from ..protocol import AUTO_ENCODING_BY_DEFAULT
from .check import read_document, validate
from .message import ILLEGAL_CHAR, Message, describe_char, parsed_message

if TYPE_CHECKING:  # pragma: no cover
    from plivo.xml import ResponseElement

    from .problems import Problem

# ILLEGAL_CHAR, describe_char and parsed_message live in .message, named here as before.
__all__ = ["ILLEGAL_CHAR", "Message", "Response", "describe_char", "parse", "parsed_message"]

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


class _Printer(Protocol):
    """The part of IPython's pretty printer ``_repr_pretty_`` uses."""

    def text(self, obj: str) -> None: ...


class Response:
    """A ``<Response>``: the document a message_url returns, a list of :class:`Message`."""

    __slots__ = ("messages",)
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        self.messages: list[Message] = []
        if isinstance(messages, Message) or not isinstance(messages, Iterable):
            raise WrongTypeError(
                f"Response takes a list of Message objects, not {type(messages).__name__}"
            )
        for m in messages:
            self.add(m)

    def add(self, message: Message) -> Response:
        """Append a :class:`Message`; returns ``self`` so calls chain."""
        if not isinstance(message, Message):
            raise WrongTypeError(f"Response holds Message objects, not {type(message).__name__}")
        self.messages.append(message)
        return self

    def add_message(
        self,
        text: str,
        src: str | int,
        dst: str | int | Sequence[str | int],
        type: str | None = "sms",
        callback_url: str | None = None,
        callback_method: str | None = None,
    ) -> Response:
        """Append a ``<Message>`` built from these values; returns ``self`` so calls chain."""
        self.messages.append(Message(text, src, dst, type, callback_url, callback_method))
        return self

    def to_xml(self, pretty: bool = True, declaration: bool = False) -> str:
        """The document, byte-identical to plivoxml's ``ResponseElement.to_string(pretty)``.

        ``declaration=True`` prepends ``<?xml version="1.0" encoding="UTF-8"?>`` and a newline.
        """
        if not self.messages:
            body = "<Response/>\n" if pretty else "<Response/>"
        elif pretty:
            body = (
                "<Response>\n  "
                + "\n  ".join([m.to_xml() for m in self.messages])
                + "\n</Response>\n"
            )
        else:
            body = "<Response>" + "".join([m.to_xml() for m in self.messages]) + "</Response>"
        return _DECLARATION + body if declaration else body

    def to_plivo(self) -> ResponseElement:
        """The same document as a plivo SDK ``plivoxml.ResponseElement``."""
        from plivo import plivoxml  # lazy: the SDK pulls in lxml and requests

        response = plivoxml.ResponseElement()
        for m in self.messages:
            response.add(
                plivoxml.MessageElement(
                    m.text,
                    src=m.src,
                    dst=m.dst,
                    type=m.type,
                    callback_url=m.callback_url,
                    callback_method=m.callback_method,
                )
            )
        return response

    def validate(self, *, auto_encoding: bool = AUTO_ENCODING_BY_DEFAULT) -> list[Problem]:
        """What Plivo would object to in this document (see :func:`validate`)."""
        return validate(self.to_xml(), auto_encoding=auto_encoding)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Response):
            return NotImplemented
        return self.messages == other.messages

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages)

    def __repr__(self) -> str:
        return f"Response({self.messages!r})"

    def _repr_html_(self) -> str:
        return f'<pre class="smsxml-response">{escape(self.to_xml())}</pre>'

    def _repr_pretty_(self, p: _Printer, cycle: bool) -> None:
        p.text(repr(self))


def parse(xml: str | bytes, *, auto_encoding: bool = AUTO_ENCODING_BY_DEFAULT) -> Response:
    """Read a document into a :class:`Response`, or raise :class:`XMLValidationError`.

    Raises when :func:`validate` (with the same ``auto_encoding``) reports any error, not
    for warnings; the exception's ``.problems`` is the full list :func:`validate` returns.
    Message text is kept exactly as written: nothing is stripped or replaced, so
    ``<Message …>\\n  Hi\\n</Message>`` has the text ``"\\n  Hi\\n"``.
    ``parse(r.to_xml()) == r`` for every valid ``r``.
    """
    problems, messages = read_document(xml, auto_encoding)
    if any(p.severity == "error" for p in problems):
        raise XMLValidationError(problems)
    return Response(messages)
