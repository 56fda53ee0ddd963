"""Build, parse and validate Plivo Message XML.

A message_url answers Plivo with a document like::

    <Response>
      <Message src="12025550000" dst="15671234567" type="sms">Hi</Message>
    </Response>

:class:`Response` and :class:`Message` build it (byte-identical to the plivo SDK's
``ResponseElement.to_string()``), :func:`validate` lists what Plivo would object to as
:class:`Problem` objects, and :func:`parse` turns a document back into a :class:`Response`.

Parsing uses the standard library's expat with DTDs refused outright: no entity is ever
declared or expanded and no external file or URL is ever read. Positions are expat's:
lines start at 1, and columns are reported 1-based (expat's own columns start at 0).
"""

from __future__ import annotations

import re
import xml.parsers.expat as _expat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlsplit

from ._hosts import is_private
from .exc import XMLBuildError, XMLValidationError
from .protocol import MAX_TEXT_LENGTH

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_TEXT_LENGTH",
    "Message",
    "Problem",
    "Response",
    "parse",
    "validate",
]

#: Longest Message text Plivo accepts, in characters.

#: Largest document :func:`validate` reads. A real response is a few KB (even 100 messages
#: of 1,600 characters stay under 1 MB); the cap keeps hostile input cheap to refuse.
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Characters XML 1.0 cannot carry at all, not even as &#…; references (lxml refuses them too).
_ILLEGAL_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --------------------------------------------------------------------------- building


def _describe_char(ch: str) -> str:
    cp = ord(ch)
    if cp < 0x20:
        kind = "a control character"
    elif 0xD800 <= cp <= 0xDFFF:
        kind = "a lone surrogate, half of a broken UTF-16 pair"
    else:
        kind = "a Unicode noncharacter"
    return f"U+{cp:04X} ({kind})"


def _checked(field: str, value: Any, *, optional: bool = False, number: bool = False) -> Any:
    """Return ``value`` as a str fit for XML, or raise a clear error naming ``field``."""
    if isinstance(value, str):
        pass
    elif value is None and optional:
        return None
    elif number and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    else:
        kinds = "a str or an int" if number else "a str"
        raise TypeError(f"Message {field} must be {kinds}, not {type(value).__name__}")
    bad = _ILLEGAL_CHAR.search(value)
    if bad is not None:
        raise XMLBuildError(
            f"Message {field}: {_describe_char(bad.group())} at index {bad.start()} cannot be "
            "written in XML 1.0 (only tab, newline and carriage return are allowed among "
            "control characters); remove or replace it"
        )
    return value


# lxml's escaping, which the SDK's output is made of. Text: & < > and CR; attribute
# values additionally " and the whitespace that attribute normalisation would eat.
def _esc_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _esc_attr(s: str) -> str:
    return (
        s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
        .replace("\r", "&#13;")
    )


@dataclass(frozen=True, init=False, repr=False)
class Message:
    """One ``<Message>``: an SMS Plivo sends when it reads the document.

    ``dst`` may be a list or tuple of numbers (bulk): it is stored joined with ``<``, the
    way Plivo expects it. The builder only refuses what cannot be written as XML; use
    :func:`validate` (or :meth:`Response.validate`) to check Plivo's own rules.
    """

    text: str
    src: str
    dst: str
    type: str | None = "sms"
    callback_url: str | None = None
    callback_method: str | None = None

    def __init__(
        self,
        text: str,
        src: str | int,
        dst: str | int | Sequence[str | int],
        type: str | None = "sms",
        callback_url: str | None = None,
        callback_method: str | None = None,
    ) -> None:
        if isinstance(dst, (list, tuple)):
            dst = "<".join(_checked(f"dst[{i}]", d, number=True) for i, d in enumerate(dst))
        # Fast path (the builder is benchmarked against the SDK): all plain strings, and one
        # search over them all finds no illegal character. Otherwise check field by field.
        if (
            isinstance(text, str)
            and isinstance(src, str)
            and isinstance(dst, str)
            and (type is None or isinstance(type, str))
            and (callback_url is None or isinstance(callback_url, str))
            and (callback_method is None or isinstance(callback_method, str))
            and _ILLEGAL_CHAR.search(
                f"{text}{src}{dst}{type or ''}{callback_url or ''}{callback_method or ''}"
            )
            is None
        ):
            pass
        else:
            text = _checked("text", text)
            src = _checked("src", src, number=True)
            dst = _checked("dst", dst, number=True)
            type = _checked("type", type, optional=True)
            callback_url = _checked("callback_url", callback_url, optional=True)
            callback_method = _checked("callback_method", callback_method, optional=True)
        # Frozen: fields are set once, here, straight into the instance dict.
        self.__dict__.update(
            text=text,
            src=src,
            dst=dst,
            type=type,
            callback_url=callback_url,
            callback_method=callback_method,
        )

    @property
    def dsts(self) -> list[str]:
        """The destination numbers, split on ``<``."""
        return self.dst.split("<")

    def to_xml(self) -> str:
        """This element alone, as the SDK would write it inside a ``<Response>``."""
        cached = self.__dict__.get("_xml")
        if cached is None:
            head = f'<Message src="{_esc_attr(self.src)}" dst="{_esc_attr(self.dst)}"'
            if self.type is not None:
                head += f' type="{_esc_attr(self.type)}"'
            if self.callback_url is not None:
                head += f' callbackUrl="{_esc_attr(self.callback_url)}"'
            if self.callback_method is not None:
                head += f' callbackMethod="{_esc_attr(self.callback_method)}"'
            # lxml writes an element without text as self-closing, so does the SDK.
            cached = f"{head}>{_esc_text(self.text)}</Message>" if self.text else head + "/>"
            self.__dict__["_xml"] = cached  # frozen: fields never change, so this stays true
        return cached

    def __repr__(self) -> str:
        parts = [f"text={self.text!r}", f"src={self.src!r}", f"dst={self.dst!r}"]
        if self.type != "sms":
            parts.append(f"type={self.type!r}")
        if self.callback_url is not None:
            parts.append(f"callback_url={self.callback_url!r}")
        if self.callback_method is not None:
            parts.append(f"callback_method={self.callback_method!r}")
        return f"Message({', '.join(parts)})"


def _parsed_message(text: str, attrs: dict[str, str]) -> Message:
    # Values from expat are already legal XML text: skip the builder's checks (parse speed).
    m = object.__new__(Message)
    m.__dict__.update(
        text=text,
        src=attrs["src"],
        dst=attrs["dst"],
        type=attrs.get("type"),
        callback_url=attrs.get("callbackUrl"),
        callback_method=attrs.get("callbackMethod"),
    )
    return m


class Response:
    """A ``<Response>``: the document a message_url returns, a list of :class:`Message`."""

    __slots__ = ("messages",)
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        self.messages: list[Message] = []
        for m in messages:
            self.add(m)

    def add(self, message: Message) -> Response:
        """Append a :class:`Message`; returns ``self`` so calls chain."""
        if not isinstance(message, Message):
            raise TypeError(f"Response holds Message objects, not {type(message).__name__}")
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

    def to_plivo(self) -> Any:
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

    def validate(self) -> list[Problem]:
        """What Plivo would object to in this document (see :func:`validate`)."""
        return validate(self.to_xml())

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
        from html import escape

        return f'<pre class="smsxml-response">{escape(self.to_xml())}</pre>'

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


# --------------------------------------------------------------------------- problems


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, where it is and what to do about it.

    ``line`` and ``column`` are 1-based; for attribute and text problems they point at the
    start tag of the element concerned.
    """

    line: int
    column: int
    code: str
    severity: Severity
    message: str
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        head = f"{self.line}:{self.column}: {self.severity} {self.code}: {self.message}"
        return f"{head} — hint: {self.hint}" if self.hint else head


# --------------------------------------------------------------------------- vocabulary

_MESSAGE_ATTRS = frozenset({"src", "dst", "type", "callbackUrl", "callbackMethod"})
_ATTR_LIST = "src, dst, type, callbackUrl and callbackMethod"

# Normalised (lower case, no _ or -) spelling → the attribute meant.
_ATTR_ALIASES = {
    **{a.lower(): a for a in _MESSAGE_ATTRS},
    "to": "dst",
    "from": "src",
    "source": "src",
    "destination": "dst",
    "sender": "src",
    "callback": "callbackUrl",
    "statuscallback": "callbackUrl",
    "deliveryurl": "callbackUrl",
    "url": "callbackUrl",
    "action": "callbackUrl",
    "method": "callbackMethod",
    "statuscallbackmethod": "callbackMethod",
}
_TEXT_ATTRS = frozenset({"text", "body", "content", "message"})

# Elements of Plivo's voice XML: valid from an answer_url, never from a message_url.
_VOICE_ELEMENTS = {
    n.lower(): n
    for n in (
        "Conference Dial DTMF GetDigits GetInput Hangup Play PreAnswer Record Redirect Speak "
        "Wait MultiPartyCall Stream Number User"
    ).split()
}
_MESSAGE_LIKE = frozenset({"message", "messages", "msg", "sms", "mms", "text"})
_RESPONSE_LIKE = frozenset({"response", "responses", "resp"})
_XML_SPACE = " \t\r\n"
_NUMBER = re.compile(r"\+?[0-9]+")
_MAX_PROBLEMS = 100

_RESPONSE, _MESSAGE = "response", "message"


def _attr_suggestion(name: str) -> str | None:
    key = name.lower().replace("_", "").replace("-", "")
    found = _ATTR_ALIASES.get(key)
    if found is None and len(name) <= 40:
        import difflib

        close = difflib.get_close_matches(name, sorted(_MESSAGE_ATTRS), n=1, cutoff=0.75)
        found = close[0] if close else None
    return found


def _q(s: str, n: int = 40) -> str:
    """``s`` cut to ``n`` characters for a message: documents can hold megabyte-long values."""
    return s if len(s) <= n else s[: n - 1] + "…"


def _snippet(s: str, n: int = 24) -> str:
    return _q(" ".join(s[: n * 4].split()), n)


@lru_cache(maxsize=4096)
def _number_verdict(digits: str) -> tuple[str, str, str] | None:
    """phonenumbers' opinion of ``+digits``: ``(code, why, hint)`` or None when plausible.

    Cached: parsing with phonenumbers costs tens of µs, the rest of validation a few.
    """
    import phonenumbers  # lazy: loads metadata

    full = "+" + digits
    example = "for example 12025550000 for a US number"
    try:
        num = phonenumbers.parse(full)
    except phonenumbers.NumberParseException:
        return (
            "impossible-number",
            "does not start with a country code phonenumbers knows",
            f"write the number in international format, country code first ({example})",
        )
    reason = phonenumbers.is_possible_number_with_reason(num)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        why = {
            phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "has an unknown country code",
            phonenumbers.ValidationResult.TOO_SHORT: "is too short for its country code",
            phonenumbers.ValidationResult.TOO_LONG: "is too long for its country code",
        }.get(reason, "has a length no number of its country has")
        return (
            "impossible-number",
            f"cannot exist: it {why}",
            f"check for missing or extra digits; write country code then number ({example})",
        )
    if not phonenumbers.is_valid_number(num):
        region = phonenumbers.region_code_for_number(num)
        where = f"in {region}" if region else f"under country code +{num.country_code}"
        return (
            "invalid-number",
            f"is not in any number range in use {where}",
            "check for typos; Plivo refuses numbers that do not exist",
        )
    return None


def _line_col(s: str, index: int) -> tuple[int, int]:
    line = s.count("\n", 0, index) + 1
    return line, index - (s.rfind("\n", 0, index) + 1) + 1


# --------------------------------------------------------------------------- the checker


class _Refused(Exception):
    """Raised inside expat handlers to stop parsing at once (DOCTYPE, entities)."""


class _Checker:
    """One pass of expat over a document: collects problems and the messages found."""

    def __init__(self) -> None:
        self._parser: Any = None  # the expat parser, set by run()
        self.problems: list[Problem] = []
        self.messages: list[Message] = []
        self.fatal: Problem | None = None
        self._suppressed = 0
        self._suppressed_error = False
        self._modes: list[str] = []
        self._names: list[str] = []
        self._skip = 0
        self._children = 0
        self._root_pos = (1, 1)
        self._stray = False
        self._msg_attrs: dict[str, str] = {}
        self._msg_pos = (1, 1)
        self._chunks: list[str] = []

    # -- bookkeeping

    def _add(
        self, pos: tuple[int, int], code: str, severity: Severity, message: str, hint: str
    ) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(pos[0], pos[1], code, severity, message, hint))
        else:
            self._suppressed += 1
            self._suppressed_error = self._suppressed_error or severity == "error"

    def _pos(self) -> tuple[int, int]:
        p = self._parser
        return p.CurrentLineNumber, p.CurrentColumnNumber + 1

    def result(self) -> list[Problem]:
        if self.fatal is not None:
            # Malformed or refused: one problem, nothing the parser saw before it matters.
            return [self.fatal]
        problems = sorted(self.problems, key=lambda p: (p.line, p.column))
        if self._suppressed:
            last = problems[-1]
            problems.append(
                Problem(
                    last.line,
                    last.column,
                    "too-many-problems",
                    "error" if self._suppressed_error else "warning",
                    f"{self._suppressed} more problem(s) not listed",
                    "fix the problems above and validate again",
                )
            )
        return problems

    # -- entry point

    def run(self, xml: object) -> None:
        if isinstance(xml, str):
            if len(xml) > MAX_DOCUMENT_BYTES:  # a character is at least one byte
                self.fatal = _too_large(len(xml), "characters")
                return
            try:
                data = xml.encode("utf-8")
            except UnicodeEncodeError as exc:
                self.fatal = Problem(
                    *_line_col(xml, exc.start),
                    "bad-character",
                    "error",
                    f"{_describe_char(xml[exc.start])} cannot appear in an XML document",
                    "remove it; it usually comes from text cut in the middle of an emoji",
                )
                return
            parser = _expat.ParserCreate("utf-8")  # a str is text already: ignore its encoding=
            from_str = True
        elif isinstance(xml, (bytes, bytearray, memoryview)):
            data = bytes(xml)
            parser = _expat.ParserCreate()  # honours a BOM and the declared encoding
            from_str = False
        else:
            self.fatal = Problem(
                1,
                1,
                "bad-input",
                "error",
                f"expected the XML document as str or bytes, got {type(xml).__name__}",
                "pass the text your message_url returns, e.g. response.to_xml()",
            )
            return
        if len(data) > MAX_DOCUMENT_BYTES:
            self.fatal = _too_large(len(data), "bytes")
            return
        self._parser = parser
        parser.SetParamEntityParsing(_expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.UnparsedEntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._entity
        parser.ProcessingInstructionHandler = self._pi
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        try:
            parser.Parse(data, True)
        except _Refused:
            pass
        except _expat.ExpatError as exc:
            self.fatal = self._malformed(exc, data, from_str)
        except (ValueError, LookupError):
            # pyexpat raises these for encodings it cannot read (multi-byte, unknown).
            self.fatal = self._bad_encoding(data)

    # -- refusals

    def _doctype(self, name: str, *_: object) -> None:
        self.fatal = Problem(
            *self._pos(),
            "doctype-forbidden",
            "error",
            f"the document has a DOCTYPE (<!DOCTYPE {_q(name)} …>); smsxml refuses DTDs, so no "
            "entity is expanded and no external file or URL is read",
            "delete the <!DOCTYPE …> declaration: Plivo Message XML never needs one",
        )
        raise _Refused

    def _entity(self, *_: object) -> int:
        # Unreachable while DOCTYPEs are refused; kept so no entity is ever honoured.
        self.fatal = Problem(
            *self._pos(),
            "entity-forbidden",
            "error",
            "the document declares or references an entity; smsxml refuses them",
            "write the characters themselves, or &amp; &lt; &gt; &quot; &apos;",
        )
        raise _Refused

    def _pi(self, target: str, data: str) -> None:
        self._add(
            self._pos(),
            "processing-instruction",
            "warning",
            f"<?{_q(target)} …?> is a processing instruction; Plivo ignores it",
            'remove it: only the <?xml version="1.0" …?> declaration belongs in the document',
        )

    # -- elements

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self._names.append(name)
        if self._skip:
            self._skip += 1
            return
        self._stray = False
        pos = self._pos()
        lower = name.lower()
        if not self._modes:
            self._root(name, lower, attrs, pos)
            return
        if self._modes[-1] == _MESSAGE:
            self._skip = 1
            hint = "escape < as &lt; if it was meant as text, or remove the element"
            if lower == "body":
                hint = "Plivo's <Message> holds its text directly; <Body> is TwiML, drop it"
            self._add(
                pos,
                "misplaced-content",
                "error",
                f"<{_q(name)}> inside <Message>: a Message holds only its text, no elements",
                hint,
            )
            return
        self._children += 1
        if name == "Message":
            self._begin_message(attrs, pos)
        elif lower in _MESSAGE_LIKE:
            self._add(
                pos,
                "unknown-element",
                "error",
                f"<{_q(name)}> is not a Plivo element (element names are case-sensitive)",
                "did you mean <Message>?",
            )
            self._begin_message(attrs, pos)
        elif lower in _VOICE_ELEMENTS:
            self._skip = 1
            proper = _VOICE_ELEMENTS[lower]
            self._add(
                pos,
                "voice-element",
                "error",
                f"<{_q(name)}> is a Plivo voice element"
                + ("" if name == proper else f" (spelt <{proper}>)")
                + "; from a message_url only <Message> is allowed",
                "remove it; voice XML belongs to an application's answer_url",
            )
        elif lower in _RESPONSE_LIKE:
            self._skip = 1
            self._add(
                pos,
                "misplaced-content",
                "error",
                f"<{_q(name)}> inside <Response>: there is exactly one <Response>, the root",
                "move its <Message> elements into the outer <Response>",
            )
        else:
            self._skip = 1
            import difflib

            close = len(name) <= 40 and difflib.get_close_matches(name, ["Message"], cutoff=0.6)
            self._add(
                pos,
                "unknown-element",
                "error",
                f"<{_q(name)}> is not a Plivo element",
                "did you mean <Message>?"
                if close
                else "inside <Response> only <Message> elements are allowed",
            )

    def _root(self, name: str, lower: str, attrs: dict[str, str], pos: tuple[int, int]) -> None:
        self._root_pos = pos
        if name == "Response" or lower in _RESPONSE_LIKE:
            if name != "Response":
                self._add(
                    pos,
                    "wrong-root",
                    "error",
                    f"the root element is <{_q(name)}>; Plivo needs <Response> "
                    "(element names are case-sensitive)",
                    "did you mean <Response>?",
                )
            for attr in attrs:
                self._add(
                    pos,
                    "unknown-attribute",
                    "error",
                    f"<Response> takes no attributes, but has {_q(attr)}",
                    f"remove {_q(attr)}=…",
                )
            self._modes.append(_RESPONSE)
            self._children = 0
        elif name == "Message" or lower in _MESSAGE_LIKE:
            self._add(
                pos,
                "wrong-root",
                "error",
                f"the root element is <{_q(name)}>; Plivo needs <Response> around it",
                "wrap it: <Response><Message …>…</Message></Response>",
            )
            self._begin_message(attrs, pos)
        else:
            self._skip = 1
            self._add(
                pos,
                "wrong-root",
                "error",
                f"the root element is <{_q(name)}>; Plivo Message XML starts with <Response>",
                'write <Response><Message src="…" dst="…">text</Message></Response>',
            )

    def _end(self, name: str) -> None:
        self._names.pop()
        if self._skip:
            self._skip -= 1
            return
        self._stray = False
        if self._modes.pop() == _MESSAGE:
            self._end_message()
        elif self._children == 0:
            self._add(
                self._root_pos,
                "empty-response",
                "warning",
                "the <Response> has no <Message>: it sends nothing",
                'add a <Message src="…" dst="…">text</Message>, unless silence is intended',
            )

    def _chars(self, data: str) -> None:
        if self._skip or not self._modes:
            return
        if self._modes[-1] == _MESSAGE:
            self._chunks.append(data)
        elif not self._stray and data.strip(_XML_SPACE):
            self._stray = True
            self._add(
                self._pos(),
                "misplaced-content",
                "error",
                f"text {_snippet(data)!r} directly inside <Response>; only <Message> elements "
                "belong there",
                'put the text inside <Message src="…" dst="…">…</Message>',
            )

    # -- <Message>

    def _begin_message(self, attrs: dict[str, str], pos: tuple[int, int]) -> None:
        self._modes.append(_MESSAGE)
        self._msg_attrs = attrs
        self._msg_pos = pos
        self._chunks = []
        self._check_attrs(attrs, pos)

    def _end_message(self) -> None:
        text = "".join(self._chunks)
        pos = self._msg_pos
        # Length counts the text exactly as an XML parser hands it to Plivo: characters
        # (code points), entities resolved, with no whitespace stripped. The SDK does not
        # strip either, and we cannot know that Plivo does.
        if not text.strip():
            what = "no text" if not text else "only whitespace"
            self._add(
                pos,
                "empty-text",
                "error",
                f"the <Message> has {what}: there is nothing to send",
                "put the SMS text between <Message …> and </Message>",
            )
        else:
            if len(text) > MAX_TEXT_LENGTH:
                self._add(
                    pos,
                    "text-too-long",
                    "error",
                    f"the text is {len(text):,} characters; Plivo accepts at most "
                    f"{MAX_TEXT_LENGTH:,}",
                    "shorten it or split it into several <Message> elements",
                )
            lead = text[: len(text) - len(text.lstrip(_XML_SPACE))]
            trail = text[len(text.rstrip(_XML_SPACE)) :]
            if "\n" in lead or "\n" in trail:
                self._add(
                    pos,
                    "text-whitespace",
                    "warning",
                    "the text starts or ends with a line break and indentation; Plivo gets "
                    "the text exactly as written, so these may be sent (and counted) too",
                    "write the text right after <Message …> and close </Message> right after it",
                )
        attrs = self._msg_attrs
        if "src" in attrs and "dst" in attrs:
            self.messages.append(_parsed_message(text, attrs))

    def _check_attrs(self, attrs: dict[str, str], pos: tuple[int, int]) -> None:
        meant: set[str] = set()
        for name in attrs:
            if name in _MESSAGE_ATTRS:
                continue
            if name.lower() in _TEXT_ATTRS:
                self._add(
                    pos,
                    "unknown-attribute",
                    "error",
                    f"<Message> has no {_q(name)} attribute: the SMS text is the element's content",
                    'write <Message src="…" dst="…">your text</Message>',
                )
                continue
            suggestion = _attr_suggestion(name)
            if suggestion is not None:
                meant.add(suggestion)
                self._add(
                    pos,
                    "unknown-attribute",
                    "error",
                    f"{_q(name)} is not a <Message> attribute (attribute names are case-sensitive "
                    "and camelCased)",
                    f"did you mean {suggestion}?",
                )
            else:
                self._add(
                    pos,
                    "unknown-attribute",
                    "error",
                    f"<Message> has no attribute {_q(name)}",
                    f"<Message> takes only {_ATTR_LIST}; remove {_q(name)}",
                )

        src = attrs.get("src")
        dst = attrs.get("dst")
        for attr, value, what in (
            ("src", src, "the Plivo number sending the SMS"),
            ("dst", dst, "the number(s) to send it to"),
        ):
            if value is None and attr not in meant:
                self._add(
                    pos,
                    "missing-attribute",
                    "error",
                    f"<Message> has no {attr}: it needs {what}",
                    f'add {attr}="…", e.g. {attr}="12025550000"',
                )
        if src is not None:
            if "<" in src:
                self._add(
                    pos,
                    "bad-number",
                    "error",
                    f"src {_q(src)!r} lists several numbers; a message has one sender",
                    "only dst takes several numbers separated by <",
                )
            else:
                self._check_number("src", src, pos)
        if dst is not None:
            self._check_dst(dst, src, pos)

        kind = attrs.get("type")
        if kind is not None and kind != "sms":
            self._add(
                pos,
                "bad-type",
                "error",
                f'type="{_q(kind)}" is not allowed: Message XML sends SMS only',
                'values are case-sensitive: write type="sms"'
                if kind.lower() == "sms"
                else 'use type="sms", or leave type out (sms is the default)',
            )
        method = attrs.get("callbackMethod")
        if method is not None and method not in ("GET", "POST"):
            self._add(
                pos,
                "bad-callback-method",
                "error",
                f'callbackMethod="{_q(method)}" is not allowed: only GET or POST',
                f'values are case-sensitive: write callbackMethod="{method.upper()}"'
                if method.upper() in ("GET", "POST")
                else 'use "GET" or "POST" (POST is the default)',
            )
        url = attrs.get("callbackUrl")
        if url is not None:
            self._check_url(url, pos)
        elif method is not None and "callbackUrl" not in meant:
            self._add(
                pos,
                "unused-callback-method",
                "warning",
                "callbackMethod has no effect without callbackUrl",
                'add callbackUrl="https://…" for delivery reports, or drop callbackMethod',
            )

    def _check_number(self, attr: str, value: str, pos: tuple[int, int], label: str = "") -> bool:
        """Check one number's form (error) and plausibility (warning); True if well-formed."""
        label = label or attr
        if _NUMBER.fullmatch(value) is None:
            if not value.strip():
                message, hint = f"{label} is empty", f'write the number, e.g. {attr}="12025550000"'
            else:
                cleaned = re.sub(r"[\s\-().]", "", value)
                if _NUMBER.fullmatch(cleaned):
                    hint = f'write digits only, no spaces, dashes or brackets: "{cleaned}"'
                else:
                    hint = "a phone number in international format: digits, optionally a leading +"
                message = f"{label} {_q(value)!r} is not a phone number"
            self._add(pos, "bad-number", "error", message, hint)
            return False
        digits = value.lstrip("+")
        if len(digits) > 15:
            verdict: tuple[str, str, str] | None = (
                "impossible-number",
                f"cannot exist: it has {len(digits):,} digits, and phone numbers have at most 15",
                "check for extra digits; to send to several numbers separate them with <",
            )
        else:
            verdict = _number_verdict(digits)
        if verdict is not None:
            code, why, hint = verdict
            self._add(pos, code, "warning", f"{label} {_q(value)} {why}", hint)
        return True

    def _check_dst(self, dst: str, src: str | None, pos: tuple[int, int]) -> None:
        pieces = dst.split("<")
        bulk = len(pieces) > 1
        if bulk and "" in pieces:
            self._add(
                pos,
                "bulk-empty",
                "error",
                f"dst {_q(dst)!r} has an empty place between, before or after its < separators",
                "separate numbers with a single < and do not start or end with one",
            )
        seen: dict[str, int] = {}
        for i, piece in enumerate(pieces):
            if bulk and piece == "":
                continue
            label = f"dst number {i + 1}" if bulk else "dst"
            if self._check_number("dst", piece, pos, label):
                key = piece.lstrip("+")
                seen[key] = seen.get(key, 0) + 1
        for number, count in seen.items():
            if count > 1:
                self._add(
                    pos,
                    "bulk-duplicate",
                    "warning",
                    f"{_q(number)} appears {count} times in dst",
                    "list each destination once, or it may get the SMS more than once",
                )
        if src is not None and src.lstrip("+") in seen:
            self._add(
                pos,
                "src-in-dst",
                "warning",
                f"the sender {_q(src)} is also a destination: it would text itself",
                "remove src's number from dst",
            )

    def _check_url(self, url: str, pos: tuple[int, int]) -> None:
        def bad(message: str, hint: str) -> None:
            self._add(pos, "bad-callback-url", "error", message, hint)

        example = "e.g. https://example.com/sms_status/"
        if not url or any(c.isspace() for c in url):
            what = "is empty" if not url else "contains spaces"
            bad(f"callbackUrl {what}", f"write an absolute URL without spaces ({example})")
            return
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018  # raises ValueError for a bad port
        except ValueError:
            bad(f"callbackUrl {_q(url)!r} is not a valid URL", f"write an absolute URL ({example})")
            return
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            if not scheme or not parts.netloc:
                bad(f"callbackUrl {_q(url)!r} is not absolute", f"write the full URL ({example})")
            else:
                bad(f"callbackUrl uses {_q(scheme)}:, Plivo calls only http and https", example)
            return
        if not host:
            bad(f"callbackUrl {_q(url)!r} has no host", f"write the full URL ({example})")
            return
        if _is_local(host):
            self._add(
                pos,
                "callback-unreachable",
                "warning",
                f"callbackUrl points at {_q(host)}, which Plivo cannot reach from the internet",
                "use a public URL, e.g. through a tunnel such as ngrok",
            )

    # -- malformed documents

    def _malformed(self, exc: _expat.ExpatError, data: bytes, from_str: bool) -> Problem:
        errors = _expat.errors
        code_of = errors.codes
        line, col = exc.lineno, exc.offset + 1
        where = self._parser.ErrorByteIndex
        ch = _char_at(data, where, from_str)
        reason = errors.messages.get(exc.code, str(exc))
        code, message = "malformed", "not well-formed XML"
        hint = "check that every < starts a tag, every tag is closed and values are quoted"
        if exc.code == code_of[errors.XML_ERROR_NO_ELEMENTS]:
            if not self._names:
                code, message = "empty-document", "the document has no element at all"
                hint = "a message_url must return <Response>…</Response>"
            else:
                message = f"the document ends before <{_q(self._names[-1])}> is closed"
                hint = f"add </{_q(self._names[-1])}>"
        elif exc.code in (
            code_of[errors.XML_ERROR_INVALID_TOKEN],
            code_of[errors.XML_ERROR_BAD_CHAR_REF],
        ):
            if ch is not None and ch != "&" and _bare_ampersand_before(data, where):
                ch = "&"  # expat points past a bare & (at the space or char that ends it)
            if ch is None:
                code, message, hint = _encoding_problem(data, from_str)
            elif ch == "<":
                message = "a < that does not start a tag"
                hint = (
                    "in text and attribute values write < as &lt; (bulk dst: "
                    "12025551111&lt;12025552222)"
                )
            elif ch == "&" and exc.code == code_of[errors.XML_ERROR_BAD_CHAR_REF]:
                code, message = "bad-character", "a &#…; reference to a character XML forbids"
                hint = "remove it: XML 1.0 has no control characters other than tab, LF and CR"
            elif ch == "&":
                message = "a bare & that does not start an entity"
                hint = "write & as &amp;"
            elif _ILLEGAL_CHAR.match(ch):
                code = "bad-character"
                message = f"{_describe_char(ch)} is not allowed in XML 1.0"
                hint = "remove it: XML has no control characters other than tab, LF and CR"
            elif where > 0 and data[where - 1 : where] == b"=":
                message = "an attribute value without quotes"
                hint = 'quote attribute values: name="value"'
        elif exc.code == code_of[errors.XML_ERROR_TAG_MISMATCH]:
            start = data.rfind(b"</", 0, where + 2) if where >= 0 else -1
            m = re.match(rb"</\s*([^\s>]*)", data[start:]) if start >= 0 else None
            closing = _q(m.group(1)[:200].decode("utf-8", "replace")) if m else "?"
            opened = _q(self._names[-1]) if self._names else "?"
            message = f"</{closing}> does not close the open <{opened}>"
            hint = f"close elements in reverse order: </{opened}> comes next"
            if closing.lower() == opened.lower():
                hint += " (names are case-sensitive)"
        elif exc.code == code_of[errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]:
            message = "content after the root element ends: a document has exactly one root"
            hint = "put every <Message> inside the one <Response>…</Response>"
        elif exc.code == code_of[errors.XML_ERROR_UNDEFINED_ENTITY]:
            message = "an &name; entity XML does not define"
            hint = "write & as &amp;; XML knows only &amp; &lt; &gt; &quot; &apos;"
        elif exc.code == code_of[errors.XML_ERROR_DUPLICATE_ATTRIBUTE]:
            message = "an attribute appears twice in one element"
            hint = "keep one of them"
        elif exc.code == code_of[errors.XML_ERROR_MISPLACED_XML_PI]:
            message = "the <?xml …?> declaration is not at the very start of the document"
            hint = "remove everything before <?xml, even spaces or a blank line"
        elif exc.code == code_of[errors.XML_ERROR_UNCLOSED_TOKEN]:
            message = "a tag is not finished (missing >)"
            hint = "close the tag with > (or /> for an empty element)"
        elif exc.code in (
            code_of[errors.XML_ERROR_PARTIAL_CHAR],
            code_of[errors.XML_ERROR_INCORRECT_ENCODING],
            code_of[errors.XML_ERROR_UNKNOWN_ENCODING],
        ):
            code, message, hint = _encoding_problem(data, from_str)
        return Problem(line, col, code, "error", f"{message} (parser: {reason})", hint)

    def _bad_encoding(self, data: bytes) -> Problem:
        declared = _declared_encoding(data) or "?"
        return Problem(
            1,
            1,
            "encoding",
            "error",
            f"the document declares encoding {declared!r}, which the XML parser cannot read",
            'save it as UTF-8 with encoding="UTF-8" (or pass a str instead of bytes)',
        )


def _too_large(size: int, unit: str) -> Problem:
    return Problem(
        1,
        1,
        "too-large",
        "error",
        f"the document is {size:,} {unit}, over the {MAX_DOCUMENT_BYTES // 2**20} MiB smsxml "
        "reads; a real Plivo response is a few KB",
        "return fewer or shorter messages per response",
    )


def _char_at(data: bytes, index: int, from_str: bool) -> str | None:
    """The character at byte ``index``; None if those bytes are not UTF-8 (an encoding issue)."""
    if index < 0 or index >= len(data):
        return ""
    byte = data[index]
    if byte < 0x80:
        return chr(byte)
    for size in (2, 3, 4):
        try:
            return data[index : index + size].decode("utf-8")[0]
        except UnicodeDecodeError:
            continue
    return "\ufffd" if from_str else None


def _bare_ampersand_before(data: bytes, index: int) -> bool:
    amp = data.rfind(b"&", max(0, index - 40), index + 1)
    return amp >= 0 and re.fullmatch(rb"&#?[\w.\-]*", data[amp:index]) is not None


def _declared_encoding(data: bytes) -> str | None:
    m = re.match(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)""", data[:200])
    return m.group(1).decode("ascii") if m else None


def _encoding_problem(data: bytes, from_str: bool) -> tuple[str, str, str]:
    if from_str:
        return ("bad-character", "a character XML cannot carry", "remove it")
    encoding = _declared_encoding(data) or "UTF-8"
    return (
        "encoding",
        f"bytes that are not valid {encoding}",
        f'save the document as {encoding}, or declare its real encoding in <?xml … encoding="…"?>',
    )


_is_local = is_private


# --------------------------------------------------------------------------- public API


def _check(xml: object) -> _Checker:
    checker = _Checker()
    checker.run(xml)
    return checker


def validate(xml: str | bytes) -> list[Problem]:
    """Everything Plivo would object to in ``xml``, as :class:`Problem` objects.

    Never raises: anything that is not a readable Plivo Message XML document, including
    arbitrary bytes, comes back as problems. An empty list means the document is fine.
    A ``str`` is taken as text (its declared encoding is ignored); ``bytes`` are decoded
    as the XML declaration or byte-order mark says, UTF-8 by default.
    """
    try:
        return _check(xml).result()
    except Exception as exc:  # pragma: no cover - a safety net, not a code path
        return [
            Problem(
                1,
                1,
                "internal-error",
                "error",
                f"smsxml could not check this document ({type(exc).__name__})",
                "please report this as a bug in smsxml",
            )
        ]


def parse(xml: str | bytes) -> Response:
    """Read a document into a :class:`Response`, or raise :class:`XMLValidationError`.

    Raises when :func:`validate` reports any error, not for warnings; the exception's
    ``.problems`` is the full list :func:`validate` returns. Message text is kept exactly
    as Plivo receives it: nothing is stripped, so ``<Message …>\\n  Hi\\n</Message>``
    has the text ``"\\n  Hi\\n"``. ``parse(r.to_xml()) == r`` for every valid ``r``.
    """
    checker = _check(xml)
    problems = checker.result()
    if any(p.severity == "error" for p in problems):
        raise XMLValidationError(problems)
    return Response(checker.messages)
