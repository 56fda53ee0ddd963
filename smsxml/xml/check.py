"""Read and check Message XML: :func:`validate` lists problems; :func:`read_document` also
gives the messages read, which :func:`~smsxml.xml.parse` makes a Response of.

One pass of expat over the document does both. Parsing refuses DTDs outright: no entity is
ever declared or expanded and no external file or URL is ever read. Positions are expat's:
lines start at 1, and columns are reported 1-based (expat's own columns start at 0).

Every text a problem carries comes from :data:`~smsxml.xml.problems.CATALOGUE`; this module
decides which code and case apply and fills in what depends on the document.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from .._hosts import is_private
from ..phone import plivo_number
from ..protocol import AUTO_ENCODING_BY_DEFAULT
from ..units import UCS2, planned, send_plan
from .malformed import clipped, declaration_problem, declared_encoding, malformed_problem
from .message import Message, describe_char, parsed_message
from .problems import (
    CATALOGUE,
    MAX_DOCUMENT_BYTES,
    MAX_PROBLEMS,
    Problem,
    ProblemCode,
    problem_at,
)

__all__ = ["checked_document", "read_document", "validate"]

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


def _snippet(s: str, n: int = 24) -> str:
    return clipped(" ".join(s[: n * 4].split()), n)


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
    """What is wrong with a well-formed number or a callbackUrl: a catalogue code, case and
    fields."""

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
        self.declaration: Problem | None = None  # found before parsing (see declaration_problem)
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
            self.fatal = malformed_problem(
                exc, data, from_str, self._names, self._parser.ErrorByteIndex
            )
        except (ValueError, LookupError):
            # pyexpat raises these for encodings it cannot read (multi-byte, unknown).
            declared = declared_encoding(data) or "?"
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
        self.fatal = problem_at(*self._pos(), "doctype-forbidden", "", {"name": clipped(name)})
        raise _Refused

    def _entity(self, *_: object) -> int:
        # Unreachable while DOCTYPEs are refused; kept so no entity is ever honoured.
        self.fatal = problem_at(*self._pos(), "entity-forbidden")
        raise _Refused

    def _pi(self, target: str, data: str) -> None:
        self._report(self._pos(), "processing-instruction", target=clipped(target))

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
            self._report(pos, "misplaced-content", case, name=clipped(name))
        else:
            self._children += 1
            self._child_of_response(name, attrs, pos)

    def _root(self, name: str, attrs: dict[str, str], pos: Position) -> None:
        self._root_pos = pos
        lower = name.lower()
        if name == "Response" or lower in _RESPONSE_LIKE:
            if name != "Response":
                self._report(pos, "wrong-root", "response_case", name=clipped(name))
            for attr in attrs:
                self._report(pos, "unknown-attribute", "on_response", name=clipped(attr))
            self._modes.append("response")
            self._children = 0
        elif name == "Message" or lower in _MESSAGE_LIKE:
            self._report(pos, "wrong-root", "message_as_root", name=clipped(name))
            self._begin_message(attrs, pos)
        else:
            self._skip = 1
            self._report(pos, "wrong-root", "other", name=clipped(name))

    def _child_of_response(self, name: str, attrs: dict[str, str], pos: Position) -> None:
        if name == "Message":
            self._begin_message(attrs, pos)
            return
        lower = name.lower()
        if lower in _MESSAGE_LIKE:
            self._report(pos, "unknown-element", "message_like", name=clipped(name))
            self._begin_message(attrs, pos)
            return
        self._skip = 1
        if lower in _VOICE_ELEMENTS:
            proper = _VOICE_ELEMENTS[lower]
            case = "as_spelt" if name == proper else "miscased"
            self._report(pos, "voice-element", case, name=clipped(name), proper=proper)
        elif lower in _RESPONSE_LIKE:
            self._report(pos, "misplaced-content", "nested_response", name=clipped(name))
        else:
            close = _close_to(name, ["Message"], 0.6)
            case = "close_to_message" if close else "other"
            self._report(pos, "unknown-element", case, name=clipped(name))

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
        plan = planned(text, self._auto_encoding)
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
                self._report(pos, "unknown-attribute", "text", name=clipped(name))
                continue
            suggestion = _attr_suggestion(name)
            if suggestion is not None:
                meant.add(suggestion)
                self._report(
                    pos, "unknown-attribute", "misspelt", name=clipped(name), meant=suggestion
                )
            else:
                self._report(pos, "unknown-attribute", "other", name=clipped(name))
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
                self._report(pos, "bad-number", "several_src", value=clipped(src))
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
                self._report(
                    pos, "bad-number", "listed", label=label, value=clipped(value), bulk=bulk
                )
                return False
            cleaned = plivo_number(_PUNCTUATION.sub("", value))
            case = "punctuated" if _NUMBER.fullmatch(cleaned) else "other"
            self._report(
                pos, "bad-number", case, label=label, value=clipped(value), cleaned=cleaned
            )
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
            self._report(pos, code, case, label=label, value=clipped(value), **fields)
        return True

    def _check_dst(self, dst: str, src: str | None, pos: Position) -> None:
        pieces = dst.split("<")
        bulk = len(pieces) > 1
        if bulk and "" in pieces:
            self._report(pos, "bulk-empty", value=clipped(dst))
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
                self._report(pos, "bulk-duplicate", number=clipped(number), count=count)
        if src is not None and src.lstrip("+") in seen:
            self._report(pos, "src-in-dst", number=clipped(src))

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
            self._report(pos, "bad-type", case, value=clipped(kind))

    def _check_callback(
        self, url: str | None, method: str | None, meant: set[str], pos: Position
    ) -> None:
        if method is not None and method not in ("GET", "POST"):
            upper = method.upper()
            case = "miscased" if upper in ("GET", "POST") else "other"
            self._report(pos, "bad-callback-method", case, value=clipped(method), upper=upper)
        if url is not None:
            self._check_url(url, pos)
        elif method is not None and "callbackUrl" not in meant:
            self._report(pos, "unused-callback-method")

    def _check_url(self, url: str, pos: Position) -> None:
        verdict = _url_verdict(url) if len(url) > _CACHED_URL_LENGTH else _cached_verdict(url)
        if verdict is not None:
            code, case, fields = verdict
            self._report(pos, code, case, **fields)


def _url_verdict(url: str) -> _Verdict | None:
    """What is wrong with a callbackUrl, or None."""
    if not url or _SPACE.search(url):
        return _Verdict("bad-callback-url", "spaces" if url else "empty")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  # raises ValueError for a bad port
    except ValueError:
        return _Verdict("bad-callback-url", "invalid", {"url": clipped(url)})
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if not scheme or not parts.netloc:
            return _Verdict("bad-callback-url", "relative", {"url": clipped(url)})
        return _Verdict("bad-callback-url", "scheme", {"scheme": clipped(scheme)})
    if not host:
        return _Verdict("bad-callback-url", "no_host", {"url": clipped(url)})
    if is_private(host):
        return _Verdict("callback-unreachable", "", {"host": clipped(host)})
    return None


#: The longest callbackUrl whose verdict is kept (every real one; not a hostile document's).
_CACHED_URL_LENGTH = 2048
#: :func:`_url_verdict`, cached: a reply names the same few callbackUrls all day.
_cached_verdict = lru_cache(maxsize=1024)(_url_verdict)


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


# --------------------------------------------------------------------------- public API


#: What the latest well-formed documents read gave, by their bytes and ``auto_encoding``:
#: in an in-process flow the app checks the reply it sends and the simulator then reads
#: the same bytes, as Plivo does; that second reading is a look-up. A pure function's
#: results (frozen problems and messages; each caller gets lists of its own). Whether the
#: bytes came as ``str`` matters only to the diagnosis of a malformed document, which is
#: never kept: a well-formed one reads the same either way (UTF-8 without a declaration or
#: BOM is what the parser assumes for bytes). Small documents only, the latest kept.
_READ: dict[tuple[bytes, bool], tuple[tuple[Problem, ...], tuple[Message, ...]]] = {}
_READ_KEPT, _READ_BYTES = 64, 16_384


def read_document(xml: object, auto_encoding: bool) -> tuple[list[Problem], list[Message]]:
    read = _read(xml)
    if isinstance(read, Problem):
        return [read], []
    data, from_str = read
    key = (data, bool(auto_encoding))
    small = len(data) <= _READ_BYTES  # (a larger one is never kept: not even hashed)
    kept = _READ.get(key) if small else None
    if kept is not None:
        return list(kept[0]), list(kept[1])
    # A str is sent as UTF-8 (data is its UTF-8 bytes). Bytes honour a BOM and encoding=,
    # except UTF-8 bytes behind a declaration that reads them differently: that is reported,
    # and the rest of the document is still checked as the UTF-8 it is.
    as_utf8, declaration = declaration_problem(data)
    parser = expat.ParserCreate("utf-8" if from_str or as_utf8 else None)
    checker = _Checker(parser, bool(auto_encoding))
    if declaration is not None:
        checker.declaration = declaration
    checker.run(data, from_str)
    problems, messages = checker.result(), checker.messages
    if checker.fatal is None and small:
        if len(_READ) >= _READ_KEPT:
            _READ.clear()
        _READ[key] = (tuple(problems), tuple(messages))
    return problems, messages


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
    return checked_document(xml, auto_encoding=auto_encoding)[0]


def checked_document(
    xml: object, *, auto_encoding: bool = AUTO_ENCODING_BY_DEFAULT
) -> tuple[list[Problem], list[Message]]:
    """:func:`validate`'s problems and the messages read, from one pass over ``xml``: what
    Plivo objects to, and what it would execute when none of that is an error (the
    messages :func:`~smsxml.xml.parse` would return). Never raises, as :func:`validate`."""
    try:
        return read_document(xml, auto_encoding)
    except Exception as exc:  # pragma: no cover - a safety net, not a code path
        return [problem_at(1, 1, "internal-error", "", {"error": type(exc).__name__})], []
