"""Read and check Message XML: :func:`validate` lists problems, :func:`parse` builds a Response.

One pass of expat over the document does both. Parsing refuses DTDs outright: no entity is
ever declared or expanded and no external file or URL is ever read. Positions are expat's:
lines start at 1, and columns are reported 1-based (expat's own columns start at 0).

Every text a problem carries comes from :data:`~smsxml.xml.problems.CATALOGUE`; this module
decides which code and case apply and fills in what depends on the document.
"""

from __future__ import annotations

import codecs
import re
import xml.parsers.expat as expat
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from .._hosts import is_private
from ..exc import XMLValidationError
from ..phone import plivo_number
from ..protocol import AUTO_ENCODING_BY_DEFAULT
from ..units import UCS2, send_plan
from .build import ILLEGAL_CHAR, Message, Response, describe_char, parsed_message
from .problems import (
    CATALOGUE,
    MAX_DOCUMENT_BYTES,
    MAX_PROBLEMS,
    Problem,
    ProblemCode,
    problem_at,
)

__all__ = ["parse", "validate"]

# --------------------------------------------------------------------------- vocabulary

_MESSAGE_ATTRS = frozenset({"src", "dst", "type", "callbackUrl", "callbackMethod"})

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
_PUNCTUATION = re.compile(r"[\s\-().]")
_SPACE = re.compile(r"\s")  # the characters str.isspace() accepts

Position = tuple[int, int]
_Mode = Literal["response", "message"]


def _q(s: str, n: int = 40) -> str:
    """``s`` cut to ``n`` characters for a message: documents can hold megabyte-long values."""
    return s if len(s) <= n else s[: n - 1] + "…"


def _snippet(s: str, n: int = 24) -> str:
    return _q(" ".join(s[: n * 4].split()), n)


def _close_to(name: str, candidates: list[str], cutoff: float) -> str | None:
    """The candidate ``name`` was probably meant as (difflib), or None; long names never match."""
    if len(name) > 40:
        return None
    import difflib  # lazy: only documents with mistakes need it

    close = difflib.get_close_matches(name, candidates, n=1, cutoff=cutoff)
    return close[0] if close else None


def _attr_suggestion(name: str) -> str | None:
    key = name.lower().replace("_", "").replace("-", "")
    return _ATTR_ALIASES.get(key) or _close_to(name, sorted(_MESSAGE_ATTRS), 0.75)


# --------------------------------------------------------------------------- numbers


class _Verdict(NamedTuple):
    """What is wrong with a well-formed number: a catalogue code, case and fields."""

    code: ProblemCode
    case: str
    fields: Mapping[str, object] = {}


@lru_cache(maxsize=4096)
def _number_verdict(digits: str) -> _Verdict | None:
    """phonenumbers' opinion of ``+digits``, or None when the number is plausible.

    Cached: parsing with phonenumbers costs tens of µs, the rest of validation a few.
    """
    import phonenumbers  # lazy: loads metadata

    try:
        num = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return _Verdict("impossible-number", "no_country_code")
    reason = phonenumbers.is_possible_number_with_reason(num)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        case = {
            phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown_country_code",
            phonenumbers.ValidationResult.TOO_SHORT: "too_short",
            phonenumbers.ValidationResult.TOO_LONG: "too_long",
        }.get(reason, "no_such_length")
        return _Verdict("impossible-number", case)
    if not phonenumbers.is_valid_number(num):
        region = phonenumbers.region_code_for_number(num)
        if region:
            return _Verdict("invalid-number", "region", {"region": region})
        return _Verdict("invalid-number", "country_code", {"country_code": num.country_code})
    return None


# --------------------------------------------------------------------------- the checker


class _Refused(Exception):
    """Raised inside expat handlers to stop parsing at once (DOCTYPE, entities)."""


class _Checker:
    """One pass of expat over a document: collects problems and the messages found."""

    def __init__(self, parser: expat.XMLParserType, auto_encoding: bool) -> None:
        self._parser = parser
        self._auto_encoding = auto_encoding
        self.problems: list[Problem] = []
        self.messages: list[Message] = []
        self.fatal: Problem | None = None
        self.declaration: Problem | None = None  # found before parsing (see _declaration)
        self._suppressed = 0
        self._suppressed_error = False
        self._modes: list[_Mode] = []  # what each open element is, unless skipped
        self._names: list[str] = []  # every open element's name
        self._skip = 0  # depth inside an element already reported (its content is not read)
        self._children = 0
        self._root_pos: Position = (1, 1)
        self._stray = False
        self._msg_attrs: dict[str, str] = {}
        self._msg_pos: Position = (1, 1)
        self._chunks: list[str] = []
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.UnparsedEntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._entity
        parser.ProcessingInstructionHandler = self._pi
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars

    # -- bookkeeping

    def _report(self, pos: Position, code: ProblemCode, case: str = "", **fields: object) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem_at(pos[0], pos[1], code, case, fields))
        else:
            self._suppressed += 1
            self._suppressed_error = self._suppressed_error or CATALOGUE[code].severity == "error"

    def _pos(self) -> Position:
        p = self._parser
        return p.CurrentLineNumber, p.CurrentColumnNumber + 1

    def run(self, data: bytes, from_str: bool) -> None:
        try:
            self._parser.Parse(data, True)
        except _Refused:
            pass
        except expat.ExpatError as exc:
            self.fatal = _malformed(exc, data, from_str, self._names, self._parser.ErrorByteIndex)
        except (ValueError, LookupError):
            # pyexpat raises these for encodings it cannot read (multi-byte, unknown).
            declared = _declared_encoding(data) or "?"
            self.fatal = problem_at(1, 1, "encoding", "unreadable", {"declared": declared})

    def result(self) -> list[Problem]:
        first = [self.declaration] if self.declaration is not None else []
        if self.fatal is not None:
            # Malformed or refused: one problem, nothing the parser saw before it matters.
            return [*first, self.fatal]
        problems = first + sorted(self.problems, key=lambda p: (p.line, p.column))
        if self._suppressed:
            last = problems[-1]
            count = {"count": self._suppressed}
            more = problem_at(last.line, last.column, "too-many-problems", "", count)
            # An error when any problem it stands for is one (as the catalogue lists it).
            problems.append(more if self._suppressed_error else replace(more, severity="warning"))
        return problems

    # -- refusals

    def _doctype(self, name: str, *_: object) -> None:
        self.fatal = problem_at(*self._pos(), "doctype-forbidden", "", {"name": _q(name)})
        raise _Refused

    def _entity(self, *_: object) -> int:
        # Unreachable while DOCTYPEs are refused; kept so no entity is ever honoured.
        self.fatal = problem_at(*self._pos(), "entity-forbidden")
        raise _Refused

    def _pi(self, target: str, data: str) -> None:
        self._report(self._pos(), "processing-instruction", target=_q(target))

    # -- elements

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self._names.append(name)
        if self._skip:
            self._skip += 1
            return
        self._stray = False
        pos = self._pos()
        if not self._modes:
            self._root(name, attrs, pos)
        elif self._modes[-1] == "message":
            self._skip = 1
            case = "body_in_message" if name.lower() == "body" else "in_message"
            self._report(pos, "misplaced-content", case, name=_q(name))
        else:
            self._children += 1
            self._child_of_response(name, attrs, pos)

    def _root(self, name: str, attrs: dict[str, str], pos: Position) -> None:
        self._root_pos = pos
        lower = name.lower()
        if name == "Response" or lower in _RESPONSE_LIKE:
            if name != "Response":
                self._report(pos, "wrong-root", "response_case", name=_q(name))
            for attr in attrs:
                self._report(pos, "unknown-attribute", "on_response", name=_q(attr))
            self._modes.append("response")
            self._children = 0
        elif name == "Message" or lower in _MESSAGE_LIKE:
            self._report(pos, "wrong-root", "message_as_root", name=_q(name))
            self._begin_message(attrs, pos)
        else:
            self._skip = 1
            self._report(pos, "wrong-root", "other", name=_q(name))

    def _child_of_response(self, name: str, attrs: dict[str, str], pos: Position) -> None:
        if name == "Message":
            self._begin_message(attrs, pos)
            return
        lower = name.lower()
        if lower in _MESSAGE_LIKE:
            self._report(pos, "unknown-element", "message_like", name=_q(name))
            self._begin_message(attrs, pos)
            return
        self._skip = 1
        if lower in _VOICE_ELEMENTS:
            proper = _VOICE_ELEMENTS[lower]
            case = "as_spelt" if name == proper else "miscased"
            self._report(pos, "voice-element", case, name=_q(name), proper=proper)
        elif lower in _RESPONSE_LIKE:
            self._report(pos, "misplaced-content", "nested_response", name=_q(name))
        else:
            close = _close_to(name, ["Message"], 0.6)
            case = "close_to_message" if close else "other"
            self._report(pos, "unknown-element", case, name=_q(name))

    def _end(self, name: str) -> None:
        self._names.pop()
        if self._skip:
            self._skip -= 1
            return
        self._stray = False
        if self._modes.pop() == "message":
            self._end_message()
        elif self._children == 0:
            self._report(self._root_pos, "empty-response")

    def _chars(self, data: str) -> None:
        if self._skip or not self._modes:
            return
        if self._modes[-1] == "message":
            self._chunks.append(data)
        elif not self._stray and data.strip(_XML_SPACE):
            self._stray = True
            self._report(self._pos(), "misplaced-content", "loose_text", snippet=_snippet(data))

    # -- <Message>

    def _begin_message(self, attrs: dict[str, str], pos: Position) -> None:
        self._modes.append("message")
        self._msg_attrs = attrs
        self._msg_pos = pos
        self._chunks = []
        meant = self._check_attr_names(attrs, pos)
        src, dst = attrs.get("src"), attrs.get("dst")
        self._check_src_dst(src, dst, meant, pos)
        self._check_type(attrs.get("type"), pos)
        self._check_callback(attrs.get("callbackUrl"), attrs.get("callbackMethod"), meant, pos)

    def _end_message(self) -> None:
        text = "".join(self._chunks)
        self._check_text(text, self._msg_pos)
        attrs = self._msg_attrs
        if "src" in attrs and "dst" in attrs:
            self.messages.append(parsed_message(text, attrs))

    def _check_text(self, text: str, pos: Position) -> None:
        # Length counts the text exactly as an XML parser hands it to Plivo: characters
        # (code points), entities resolved, with no whitespace stripped. The SDK does not
        # strip either, and we cannot know that Plivo does.
        if not text.strip():
            self._report(pos, "empty-text", "whitespace" if text else "no_text")
            return
        # Encoding and limits: the same decision the simulator sends by (units.send_plan).
        plan = send_plan(text, auto_encoding=self._auto_encoding)
        if not plan.within_limits:
            if plan.encoding == UCS2:
                unicode = plan.non_gsm_characters
                chars = " ".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in unicode[:5])
                # Would Plivo's automatic encoding (off here) bring it within the limits?
                rescued = (
                    not plan.auto_encoding and send_plan(text, auto_encoding=True).within_limits
                )
                case = "unicode_auto" if rescued else "unicode"
                self._report(pos, "text-too-long", case, length=plan.length, chars=chars)
            else:
                self._report(pos, "text-too-long", length=plan.length)
        lead = text[: len(text) - len(text.lstrip(_XML_SPACE))]
        trail = text[len(text.rstrip(_XML_SPACE)) :]
        if "\n" in lead or "\n" in trail:
            self._report(pos, "text-whitespace")

    def _check_attr_names(self, attrs: dict[str, str], pos: Position) -> set[str]:
        """Report attributes <Message> does not take; return the ones they were meant as."""
        meant: set[str] = set()
        for name in attrs:
            if name in _MESSAGE_ATTRS:
                continue
            if name.lower() in _TEXT_ATTRS:
                self._report(pos, "unknown-attribute", "text", name=_q(name))
                continue
            suggestion = _attr_suggestion(name)
            if suggestion is not None:
                meant.add(suggestion)
                self._report(pos, "unknown-attribute", "misspelt", name=_q(name), meant=suggestion)
            else:
                self._report(pos, "unknown-attribute", "other", name=_q(name))
        return meant

    def _check_src_dst(
        self, src: str | None, dst: str | None, meant: set[str], pos: Position
    ) -> None:
        # A misspelt src or dst (Src=, to=) was reported already: not missing as well.
        if src is None and "src" not in meant:
            self._report(pos, "missing-attribute", "src")
        if dst is None and "dst" not in meant:
            self._report(pos, "missing-attribute", "dst")
        if src is not None:
            if "<" in src:
                self._report(pos, "bad-number", "several_src", value=_q(src))
            else:
                self._check_number("src", src, pos)
        if dst is not None:
            self._check_dst(dst, src, pos)

    def _check_number(self, attr: str, value: str, pos: Position, label: str = "") -> bool:
        """Check one number's form (error) and plausibility (warning); True if well-formed."""
        label = label or attr
        if _NUMBER.fullmatch(value) is None:
            if not value.strip():
                self._report(pos, "bad-number", "empty", label=label, attr=attr)
                return False
            pieces = [_PUNCTUATION.sub("", p) for p in re.split(r"[,;]", value)]
            if attr == "dst" and len(pieces) > 1 and all(map(_NUMBER.fullmatch, pieces)):
                bulk = "&lt;".join(plivo_number(p) for p in pieces)
                self._report(pos, "bad-number", "listed", label=label, value=_q(value), bulk=bulk)
                return False
            cleaned = plivo_number(_PUNCTUATION.sub("", value))
            case = "punctuated" if _NUMBER.fullmatch(cleaned) else "other"
            self._report(pos, "bad-number", case, label=label, value=_q(value), cleaned=cleaned)
            return False
        digits = value.lstrip("+")
        if len(digits) > 15:  # not cached: a hostile document holds megabyte-long "numbers"
            verdict: _Verdict | None = _Verdict(
                "impossible-number", "over_15_digits", {"digits": len(digits)}
            )
        else:
            verdict = _number_verdict(digits)
        if verdict is not None:
            code, case, fields = verdict
            self._report(pos, code, case, label=label, value=_q(value), **fields)
        return True

    def _check_dst(self, dst: str, src: str | None, pos: Position) -> None:
        pieces = dst.split("<")
        bulk = len(pieces) > 1
        if bulk and "" in pieces:
            self._report(pos, "bulk-empty", value=_q(dst))
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
                self._report(pos, "bulk-duplicate", number=_q(number), count=count)
        if src is not None and src.lstrip("+") in seen:
            self._report(pos, "src-in-dst", number=_q(src))

    def _check_type(self, kind: str | None, pos: Position) -> None:
        if kind is not None and kind != "sms":
            lowered = kind.lower()
            case = (
                "miscased"
                if lowered == "sms"
                else "media"
                if lowered in ("mms", "whatsapp")
                else "other"
            )
            self._report(pos, "bad-type", case, value=_q(kind))

    def _check_callback(
        self, url: str | None, method: str | None, meant: set[str], pos: Position
    ) -> None:
        if method is not None and method not in ("GET", "POST"):
            upper = method.upper()
            case = "miscased" if upper in ("GET", "POST") else "other"
            self._report(pos, "bad-callback-method", case, value=_q(method), upper=upper)
        if url is not None:
            self._check_url(url, pos)
        elif method is not None and "callbackUrl" not in meant:
            self._report(pos, "unused-callback-method")

    def _check_url(self, url: str, pos: Position) -> None:
        if not url or _SPACE.search(url):
            self._report(pos, "bad-callback-url", "spaces" if url else "empty")
            return
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018  # raises ValueError for a bad port
        except ValueError:
            self._report(pos, "bad-callback-url", "invalid", url=_q(url))
            return
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            if not scheme or not parts.netloc:
                self._report(pos, "bad-callback-url", "relative", url=_q(url))
            else:
                self._report(pos, "bad-callback-url", "scheme", scheme=_q(scheme))
        elif not host:
            self._report(pos, "bad-callback-url", "no_host", url=_q(url))
        elif is_private(host):
            self._report(pos, "callback-unreachable", host=_q(host))


# --------------------------------------------------------------------------- reading


def _line_col(s: str, index: int) -> Position:
    line = s.count("\n", 0, index) + 1
    return line, index - (s.rfind("\n", 0, index) + 1) + 1


def _too_large(size: int, unit: str) -> Problem:
    return problem_at(1, 1, "too-large", "", {"size": size, "unit": unit})


def _read(xml: object) -> tuple[bytes, bool] | Problem:
    """The document as bytes for expat and whether it was a str, or why it cannot be read."""
    if isinstance(xml, str):
        if len(xml) > MAX_DOCUMENT_BYTES:  # a character is at least one byte
            return _too_large(len(xml), "characters")
        try:
            data = xml.encode("utf-8")
        except UnicodeEncodeError as exc:
            char = {"char": describe_char(xml[exc.start])}
            return problem_at(*_line_col(xml, exc.start), "bad-character", "unencodable", char)
        from_str = True
    elif isinstance(xml, (bytes, bytearray, memoryview)):
        data = bytes(xml)
        from_str = False
    else:
        return problem_at(1, 1, "bad-input", "", {"type": type(xml).__name__})
    if len(data) > MAX_DOCUMENT_BYTES:
        return _too_large(len(data), "bytes")
    return data, from_str


# --------------------------------------------------------------------------- malformed XML

_ERRORS = expat.errors
_CODE = _ERRORS.codes
# expat errors whose reason alone says what is wrong → the malformed case wording it.
_MALFORMED_CASES = {
    _CODE[_ERRORS.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]: "after_root",
    _CODE[_ERRORS.XML_ERROR_UNDEFINED_ENTITY]: "undefined_entity",
    _CODE[_ERRORS.XML_ERROR_DUPLICATE_ATTRIBUTE]: "duplicate_attribute",
    _CODE[_ERRORS.XML_ERROR_MISPLACED_XML_PI]: "late_declaration",
    _CODE[_ERRORS.XML_ERROR_UNCLOSED_TOKEN]: "unfinished_tag",
}
_BAD_TOKEN = _CODE[_ERRORS.XML_ERROR_INVALID_TOKEN]
_BAD_CHAR_REF = _CODE[_ERRORS.XML_ERROR_BAD_CHAR_REF]
_ENCODING_ERRORS = frozenset(
    _CODE[e]
    for e in (
        _ERRORS.XML_ERROR_PARTIAL_CHAR,
        _ERRORS.XML_ERROR_INCORRECT_ENCODING,
        _ERRORS.XML_ERROR_UNKNOWN_ENCODING,
    )
)

_Diagnosis = tuple[ProblemCode, str, dict[str, object]]  # code, case, fields


def _malformed(
    exc: expat.ExpatError, data: bytes, from_str: bool, open_names: list[str], where: int
) -> Problem:
    """The one problem expat's error stands for; ``where`` is its byte index in ``data``."""
    if exc.code == _CODE[_ERRORS.XML_ERROR_NO_ELEMENTS]:
        if open_names:
            diagnosis: _Diagnosis = ("malformed", "unclosed", {"name": _q(open_names[-1])})
        else:
            diagnosis = ("empty-document", "", {})
    elif exc.code in (_BAD_TOKEN, _BAD_CHAR_REF):
        diagnosis = _bad_token(exc.code, data, from_str, where)
    elif exc.code == _CODE[_ERRORS.XML_ERROR_TAG_MISMATCH]:
        diagnosis = _tag_mismatch(data, open_names, where)
    elif exc.code in _MALFORMED_CASES:
        diagnosis = ("malformed", _MALFORMED_CASES[exc.code], {})
    elif exc.code in _ENCODING_ERRORS:
        diagnosis = _encoding_problem(data, from_str)
    else:
        diagnosis = ("malformed", "", {})
    code, case, fields = diagnosis
    reason = _ERRORS.messages.get(exc.code, str(exc))
    return problem_at(exc.lineno, exc.offset + 1, code, case, {"reason": reason, **fields})


def _bad_token(error: int, data: bytes, from_str: bool, where: int) -> _Diagnosis:
    """What the character expat stopped at says about an invalid token or reference."""
    ch = _char_at(data, where, from_str)
    if ch is not None and ch != "&" and _bare_ampersand_before(data, where):
        ch = "&"  # expat points past a bare & (at the space or char that ends it)
    if ch is None:
        return _encoding_problem(data, from_str)
    if ch == "<":
        return ("malformed", "raw_lt", {})
    if ch == "&":
        if error == _BAD_CHAR_REF:
            return ("bad-character", "reference", {})
        return ("malformed", "bare_ampersand", {})
    if ILLEGAL_CHAR.match(ch):
        return ("bad-character", "illegal", {"char": describe_char(ch)})
    if where > 0 and data[where - 1 : where] == b"=":
        return ("malformed", "unquoted", {})
    return ("malformed", "", {})


def _tag_mismatch(data: bytes, open_names: list[str], where: int) -> _Diagnosis:
    start = data.rfind(b"</", 0, where + 2) if where >= 0 else -1
    m = re.match(rb"</\s*([^\s>]*)", data[start:]) if start >= 0 else None
    closing = _q(m.group(1)[:200].decode("utf-8", "replace")) if m else "?"
    opened = _q(open_names[-1]) if open_names else "?"
    case = "mismatched_case" if closing.lower() == opened.lower() else "mismatched"
    return ("malformed", case, {"closing": closing, "opened": opened})


def _encoding_problem(data: bytes, from_str: bool) -> _Diagnosis:
    if from_str:
        return ("bad-character", "undecodable", {})
    return ("encoding", "undecodable", {"encoding": _declared_encoding(data) or "UTF-8"})


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


_DECLARED = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)""")


def _declared_encoding(data: bytes) -> str | None:
    m = _DECLARED.match(data[:200])
    return m.group(1).decode("ascii") if m else None


# Encodings with 2- or 4-byte code units: a declaration of one cannot describe UTF-8 bytes.
_WIDE = ("utf-16", "utf-32")


def _first_difference(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a) - 1)


def _is_word(ch: str) -> bool:
    return not ch.isspace() and ch not in "<>\"'=&;"


def _word_at(text: str, index: int, n: int = 20) -> str:
    """The word (no spaces, no markup) around ``text[index]``, at most ``n`` characters."""
    index = max(min(index, len(text) - 1), 0)
    start = index
    while start > 0 and index - start < n // 2 and _is_word(text[start - 1]):
        start -= 1
    end = index + 1
    while end < len(text) and end - start < n and _is_word(text[end]):
        end += 1
    return text[start:end]


def _declaration(data: bytes) -> tuple[bool, Problem | None]:
    """Whether the bytes are to be read as UTF-8, whatever they declare, and what is wrong
    with their XML declaration.

    Plivo reads the bytes of the reply, and a ``str`` reply is sent as UTF-8. When the bytes
    are UTF-8 and the declaration names another encoding, a parser that believes it reads
    something else: mojibake (ISO-8859-1: ``café`` becomes ``cafÃ©``) or nothing at all
    (``ascii`` with an ``é``, ``UTF-16``). Bytes that are not UTF-8 are left to the parser,
    which reads them as declared. One decision for ``str`` and ``bytes``, so that
    ``validate(s)`` and ``validate(s.encode())`` (what the simulator reads) agree.
    """
    m = _DECLARED.match(data[:200])
    if m is None:
        return False, None
    declared = m.group(1).decode("ascii")
    try:
        name: str | None = codecs.lookup(declared).name
    except LookupError:
        name = None
    if name == "utf-8":
        return True, None  # UTF-8 by any of its names ("utf8" too, which expat does not know)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False, None  # not UTF-8: perhaps really in the declared encoding
    where = m.start(1)
    line = data.count(b"\n", 0, where) + 1
    pos = (line, where - (data.rfind(b"\n", 0, where) + 1) + 1)
    fields: dict[str, object] = {"declared": _q(declared)}
    if name is not None and name.startswith(_WIDE):
        return True, problem_at(*pos, "encoding", "declared_wide", fields)
    try:
        read = data.decode(name or declared)
    except UnicodeDecodeError as exc:
        ch = text[len(data[: exc.start].decode("utf-8", "ignore"))]
        char = f"{ch!r} (U+{ord(ch):04X})"
        return True, problem_at(*pos, "encoding", "declared_narrow", {**fields, "char": char})
    except LookupError:  # unknown, or not a text encoding (hex, rot13…)
        return True, problem_at(*pos, "encoding", "unreadable", fields)
    if read == text:
        return True, None  # ASCII, say, declared as ISO-8859-1: read the same either way
    word = _word_at(text, _first_difference(text, read))
    garbled = _q(word.encode("utf-8").decode(name or declared, "replace"), 30)
    return True, problem_at(
        *pos, "encoding", "declared_other", {**fields, "word": word, "garbled": garbled}
    )


# --------------------------------------------------------------------------- public API


def _check(xml: object, auto_encoding: bool) -> tuple[list[Problem], list[Message]]:
    read = _read(xml)
    if isinstance(read, Problem):
        return [read], []
    data, from_str = read
    # A str is sent as UTF-8 (data is its UTF-8 bytes). Bytes honour a BOM and encoding=,
    # except UTF-8 bytes behind a declaration that reads them differently: that is reported,
    # and the rest of the document is still checked as the UTF-8 it is.
    as_utf8, declaration = _declaration(data)
    parser = expat.ParserCreate("utf-8" if from_str or as_utf8 else None)
    checker = _Checker(parser, bool(auto_encoding))
    if declaration is not None:
        checker.declaration = declaration
    checker.run(data, from_str)
    return checker.result(), checker.messages


def validate(xml: str | bytes, *, auto_encoding: bool = AUTO_ENCODING_BY_DEFAULT) -> list[Problem]:
    """Everything Plivo would object to in ``xml``, as :class:`Problem` objects.

    Never raises: anything that is not a readable Plivo Message XML document, including
    arbitrary bytes, comes back as problems. An empty list means the document is fine.
    ``bytes`` are decoded as the XML declaration or byte-order mark says, UTF-8 by
    default; a ``str`` is checked as the UTF-8 bytes it is sent as, so a declaration of
    another encoding that would read them differently is an ``encoding`` error.

    ``auto_encoding`` is Plivo's account setting (off unless turned on in the console):
    whether smart quotes, dashes and Unicode spaces are replaced before the text's
    encoding and limits are decided — :func:`smsxml.units.send_plan`, as the
    :class:`~smsxml.Simulator` with the same ``auto_encoding`` sends it.
    """
    try:
        return _check(xml, auto_encoding)[0]
    except Exception as exc:  # pragma: no cover - a safety net, not a code path
        return [problem_at(1, 1, "internal-error", "", {"error": type(exc).__name__})]


def parse(xml: str | bytes, *, auto_encoding: bool = AUTO_ENCODING_BY_DEFAULT) -> Response:
    """Read a document into a :class:`Response`, or raise :class:`XMLValidationError`.

    Raises when :func:`validate` (with the same ``auto_encoding``) reports any error, not
    for warnings; the exception's ``.problems`` is the full list :func:`validate` returns.
    Message text is kept exactly as written: nothing is stripped or replaced, so
    ``<Message …>\\n  Hi\\n</Message>`` has the text ``"\\n  Hi\\n"``.
    ``parse(r.to_xml()) == r`` for every valid ``r``.
    """
    problems, messages = _check(xml, auto_encoding)
    if any(p.severity == "error" for p in problems):
        raise XMLValidationError(problems)
    return Response(messages)
