"""How the webhook server reads a request's head: waitress's parser, which also notes when
the request's first byte arrived and keeps its head (a refusal of it reports its request
line), reading plain header lines in one pass where waitress makes two; and the ``408`` a
request gets when it has not arrived in full in time (:mod:`.server` enforces that)."""

from __future__ import annotations

import functools
import time

from waitress.adjustments import Adjustments
from waitress.parser import HTTPRequestParser
from waitress.rfc7230 import HEADER_FIELD_RE
from waitress.utilities import Error

from .._http import reason_phrase

__all__ = ["Parser", "RequestTimeout", "first_line", "plain_header_fields"]


class RequestTimeout(Error):
    code = 408
    reason = reason_phrase(408)


class Parser(HTTPRequestParser):
    """waitress's parser, knowing when its request's first byte arrived and what its
    request line and headers were (even when it could not read them)."""

    def __init__(self, adj: Adjustments):
        super().__init__(adj)
        self.started = time.monotonic()
        self.head = b""

    def parse_header(self, header_plus: bytes) -> None:
        self.head = header_plus  # kept: a refusal of it reports its request line
        end = header_plus.find(b"\r\n")
        if end >= 0 and not self.headers:
            first_line = header_plus[:end].rstrip()
            fields = None
            if first_line.find(b"\r") < 0 and first_line.find(b"\n") < 0:  # (see below)
                fields = plain_header_fields(header_plus[end + 2 :])
            if fields is not None:
                # waitress reads the request line (and all that follows from the headers),
                # its header lines already read: the same headers, the same checks
                self.headers.update(fields)
                super().parse_header(header_plus[: end + 2])
                return
        super().parse_header(header_plus)


def plain_header_fields(block: bytes) -> dict[str, str] | None:
    """The header lines of ``block`` as waitress's parser reads them (names upper case with
    "_" for "-", a name holding "_" dropped, repeated names joined with ", "), in one pass
    where waitress makes two; None when the block holds anything but plain lines (a bare CR
    or LF; a folded line or any other that waitress's own HEADER_FIELD_RE does not match),
    which waitress then reads and refuses in its own words."""
    if not block.count(b"\r") == block.count(b"\n") == block.count(b"\r\n"):
        return None  # a CR or LF that is not part of a CRLF ("$" would let "a\n" match)
    fields: dict[str, str] = {}
    match = HEADER_FIELD_RE.match
    # (bytes.find, not "in": on Python 3.11 "b in bytes" first tries b as an int and
    # formats a TypeError it then drops, for every line)
    underscores = block.find(b"_") >= 0  # else no name holds one: none is looked at
    for line in block.split(b"\r\n"):
        if not line:
            continue
        field = match(line)
        if field is None:
            return None
        name, value = field.group("name", "value")
        if underscores and name.find(b"_") >= 0:
            continue  # as waitress: X_Forwarded_For could pass for X-Forwarded-For
        key = _environ_name(name)
        text = value.strip(b" \t").decode("latin-1")
        if key in fields:
            fields[key] += ", " + text
        else:
            fields[key] = text
    return fields


@functools.lru_cache(maxsize=256)
def _environ_name(name: bytes) -> str:
    """``Content-Type`` → ``CONTENT_TYPE``, as waitress keys its headers. Remembered: a
    function of its argument alone (never stale), bounded (a client inventing names only
    pushes the oldest out)."""
    return name.upper().replace(b"-", b"_").decode("latin-1")


def first_line(header: bytes) -> tuple[str, str]:
    """The method and target of a request line that may not have arrived in full."""
    line = header.lstrip().split(b"\r\n", 1)[0].decode("latin-1")
    method, _, rest = line.partition(" ")
    target = rest.rpartition(" HTTP/")[0] if " HTTP/" in rest else rest
    return (method[:16] or "?"), (target[:200] or "?")
