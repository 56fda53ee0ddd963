"""smsxml.xml against hostile documents: entity bombs, external entities, sheer size.

Every document here must be refused or handled in bounded work (one parser pass at most,
none for a document over the size cap, a pass stopped at the DOCTYPE for an entity bomb),
with a clear problem, without reading a file, opening a connection, or echoing anything it
should not have read. How long that takes is measured by bench/run.py, not asserted here.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from strategies import (
    BILLION_LAUGHS,
    deep_nesting,
    external_documents,
    over_the_cap,
    quadratic_blowup,
)

from smsxml.exc import XMLValidationError
from smsxml.xml import MAX_DOCUMENT_BYTES, Problem, parse, validate

SRC, DST = "12025550000", "12025551111"


@pytest.fixture
def check(expat_spy: Callable) -> Callable[[str | bytes, str], list[Problem]]:
    """``check(doc, code)``: validate and parse ``doc``; the only problem (an error) must be
    ``code``, and each call must have done bounded work (see ExpatSpy.assert_bounded)."""

    def check(doc: str | bytes, code: str) -> list[Problem]:
        with expat_spy() as seen:
            problems = validate(doc)
        seen.assert_bounded(code)
        assert [(p.code, p.severity) for p in problems] == [(code, "error")], problems
        with expat_spy() as seen, pytest.raises(XMLValidationError) as info:
            parse(doc)
        seen.assert_bounded(code)
        assert info.value.problems == problems
        return problems

    return check


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_billion_laughs_is_refused_at_the_doctype(encoding: str, check: Callable) -> None:
    (p,) = check(BILLION_LAUGHS, "doctype-forbidden")
    assert p.line == 2 and "<!DOCTYPE" in p.hint
    check(
        BILLION_LAUGHS.replace('"1.0"', f'"1.0" encoding="{encoding}"').encode(encoding),
        "doctype-forbidden",
    )
    assert len(str(p)) < 400


def test_quadratic_blowup_is_refused(check: Callable) -> None:
    (p,) = check(quadratic_blowup(100_000), "doctype-forbidden")
    assert "x" * 50 not in str(p)


def test_entity_reference_without_a_doctype_is_just_undefined(check: Callable) -> None:
    (p,) = check(
        f'<Response><Message src="{SRC}" dst="{DST}">&xxe;</Message></Response>', "malformed"
    )
    assert "&amp;" in p.hint


# --------------------------------------------------------------------------- external entities


@pytest.fixture
def secret_file(tmp_path: Path) -> tuple[Path, str]:
    marker = f"SECRET-{uuid.uuid4().hex}"
    path = tmp_path / "secret.txt"
    path.write_text(marker, encoding="utf-8")
    return path, marker


@pytest.fixture
def listener() -> Iterator[tuple[str, Callable[[], list[bytes]]]]:
    """A real socket on 127.0.0.1; the callable returns whatever connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.3)

    def connections() -> list[bytes]:
        seen = []
        while True:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                return seen
            with conn:
                conn.settimeout(0.3)
                try:
                    seen.append(conn.recv(4096))
                except OSError:
                    seen.append(b"")

    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", connections
    finally:
        server.close()


def test_external_entities_are_never_read(
    secret_file: tuple[Path, str],
    listener: tuple[str, Callable[[], list[bytes]]],
    check: Callable,
) -> None:
    path, marker = secret_file
    http_url, connections = listener
    for doc in external_documents(path.as_uri(), http_url).values():
        for variant in (doc, doc.encode("utf-8"), doc.encode("utf-16")):
            (p,) = check(variant, "doctype-forbidden")
            assert marker not in str(p) and marker not in repr(p)
            with pytest.raises(XMLValidationError) as info:
                parse(variant)
            assert marker not in str(info.value)
    assert connections() == []


def test_xinclude_is_not_processed(
    secret_file: tuple[Path, str], listener: tuple[str, Callable[[], list[bytes]]]
) -> None:
    path, marker = secret_file
    http_url, connections = listener
    doc = (
        '<Response xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<xi:include href="{path.as_uri()}" parse="text"/>'
        f'<xi:include href="{http_url}/x" parse="text"/></Response>'
    )
    problems = validate(doc)
    assert {p.code for p in problems} == {"unknown-attribute", "unknown-element"}
    assert all(marker not in str(p) for p in problems)
    assert connections() == []


# --------------------------------------------------------------------------- size


@pytest.mark.parametrize(
    ("attrs", "code", "severity"),
    [
        (f'src="{SRC}" dst="{"1" * 1_000_000}"', "impossible-number", "warning"),
        (f'src="{SRC}" dst="{"9" * 500_000}&lt;{"8" * 500_000}"', "impossible-number", "warning"),
        (f'src="{"A" * 1_000_000}" dst="{DST}"', "bad-number", "error"),
        (f'src="{SRC}" dst="{DST}" callbackUrl="https://e.com/{"a" * 1_000_000}"', None, None),
        (f'src="{SRC}" dst="{DST}" callbackUrl="{"h" * 1_000_000}"', "bad-callback-url", "error"),
        (f'src="{SRC}" dst="{DST}" type="{"s" * 1_000_000}"', "bad-type", "error"),
        (f'src="{SRC}" dst="{DST}" {"x" * 1_000_000}="1"', "unknown-attribute", "error"),
    ],
)
def test_megabyte_attributes_are_read_in_one_pass_with_short_messages(
    attrs: str, code: str | None, severity: str | None, expat_spy: Callable
) -> None:
    doc = f"<Response><Message {attrs}>Hi</Message></Response>"
    with expat_spy() as seen:
        problems = validate(doc)
    seen.assert_bounded(code or "")
    assert seen.events["StartElementHandler"] == 2  # <Response>, <Message>: read once each
    assert {(p.code, p.severity) for p in problems} == ({(code, severity)} if code else set())
    assert all(len(str(p)) < 500 for p in problems)  # the megabyte is not echoed back


def test_megabyte_text_is_too_long(check: Callable) -> None:
    doc = f'<Response><Message src="{SRC}" dst="{DST}">{"x" * 1_000_000}</Message></Response>'
    (p,) = check(doc, "text-too-long")
    assert "1,000,000" in p.message


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        (deep_nesting(100_000), "unknown-element"),
        (
            f'<Response><Message src="{SRC}" dst="{DST}">Hi'
            + "<b>" * 100_000
            + "</b>" * 100_000
            + "</Message></Response>",
            "misplaced-content",
        ),
        ("<a>" * 100_000 + "</a>" * 100_000, "wrong-root"),
        ("<Response>" + "<a>" * 100_000, "malformed"),
        ("<Response>" + "<Response>" * 50_000 + "</Response>" * 50_001, "misplaced-content"),
    ],
)
def test_deep_nesting_is_one_problem_in_one_pass(doc: str, code: str, check: Callable) -> None:
    check(doc, code)


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize(
    "unit",
    [
        f'<Message src="{SRC}" dst="{DST}">Hello there</Message>\n',
        "<message>x</message>",
        "x",
        f'<Message src="{SRC}" dst="{DST}">' + "&lt;" * 1000 + "</Message>",
    ],
)
def test_ten_megabyte_documents_are_refused_before_parsing(
    unit: str, as_bytes: bool, check: Callable
) -> None:
    doc: str | bytes = over_the_cap(unit)
    doc = doc.encode() if as_bytes else doc
    (p,) = check(doc, "too-large")  # no parser is even created
    assert "MiB" in p.message and len(str(p)) < 300


def test_multibyte_text_just_over_the_cap_in_bytes_is_refused(check: Callable) -> None:
    chars = MAX_DOCUMENT_BYTES // 3  # under the cap in characters, over it in UTF-8 bytes
    check(
        f'<Response><Message src="{SRC}" dst="{DST}">{"€" * chars}</Message></Response>',
        "too-large",
    )


def test_a_document_just_under_the_cap_is_fully_checked_in_one_pass(expat_spy: Callable) -> None:
    unit = f'<Message src="{SRC}" dst="{DST}">Hello there, this is message text</Message>\n'
    count = (MAX_DOCUMENT_BYTES - 100) // len(unit)
    doc = "<Response>\n" + unit * count + "</Response>"
    with expat_spy() as seen:
        assert validate(doc) == []
        response = parse(doc)
    assert len(response) == count
    # Two calls, two passes over the whole document, each element read once per pass.
    assert seen.parsers == seen.parse_calls == 2 and seen.fed == 2 * len(doc.encode())
    assert seen.events["StartElementHandler"] == 2 * (count + 1)


def test_problems_are_capped(expat_spy: Callable) -> None:
    doc = "<Response>" + '<message src="1" dst="2">x</message>' * 10_000 + "</Response>"
    with expat_spy() as seen:
        problems = validate(doc)
    assert seen.parsers == seen.parse_calls == 1
    assert len(problems) == 101 and problems[-1].code == "too-many-problems"
    assert problems[-1].severity == "error" and "more problem" in problems[-1].message
