"""Why a document is not well-formed XML, or is read in an encoding it does not declare:
expat's error turned into the one :class:`~smsxml.xml.Problem` that explains it, and the
XML declaration checked against the bytes Plivo reads.
"""

from __future__ import annotations

import codecs
import re
import xml.parsers.expat as expat

from .message import ILLEGAL_CHAR, describe_char
from .problems import Problem, ProblemCode, problem_at

__all__ = ["clipped", "declaration_problem", "declared_encoding", "malformed_problem"]


def clipped(s: str, n: int = 40) -> str:
    """``s`` cut to ``n`` characters for a message: documents can hold megabyte-long values."""
    return s if len(s) <= n else s[: n - 1] + "…"


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


def malformed_problem(
    exc: expat.ExpatError, data: bytes, from_str: bool, open_names: list[str], where: int
) -> Problem:
    """The one problem expat's error stands for; ``where`` is its byte index in ``data``."""
    if exc.code == _CODE[_ERRORS.XML_ERROR_NO_ELEMENTS]:
        if open_names:
            diagnosis: _Diagnosis = ("malformed", "unclosed", {"name": clipped(open_names[-1])})
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
    closing = clipped(m.group(1)[:200].decode("utf-8", "replace")) if m else "?"
    opened = clipped(open_names[-1]) if open_names else "?"
    case = "mismatched_case" if closing.lower() == opened.lower() else "mismatched"
    return ("malformed", case, {"closing": closing, "opened": opened})


def _encoding_problem(data: bytes, from_str: bool) -> _Diagnosis:
    if from_str:
        return ("bad-character", "undecodable", {})
    return ("encoding", "undecodable", {"encoding": declared_encoding(data) or "UTF-8"})


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


def declared_encoding(data: bytes) -> str | None:
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


def declaration_problem(data: bytes) -> tuple[bool, Problem | None]:
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
    fields: dict[str, object] = {"declared": clipped(declared)}
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
    garbled = clipped(word.encode("utf-8").decode(name or declared, "replace"), 30)
    return True, problem_at(
        *pos, "encoding", "declared_other", {**fields, "word": word, "garbled": garbled}
    )
