"""Validator = simulator: ``validate(reply)`` and the simulator's flow for the same reply
agree on the encoding, the units and whether a text is within Plivo's limits (one decision:
``smsxml.units.send_plan``), and on XML declarations that do not match the bytes sent.

The simulator plays Plivo against a real WebhookApp (in-process), whose handler returns the
reply as a ``str``: the webhook sends it as UTF-8, the bytes Plivo reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reference import REF_BASIC, reference_parts
from strategies import examples, utf8_char

from smsxml.flow import Flow
from smsxml.protocol import (
    AUTO_ENCODING,
    AUTO_ENCODING_BY_DEFAULT,
    MAX_TEXT_LENGTH,
    MAX_UNICODE_TEXT_LENGTH,
)
from smsxml.simulator import Simulator
from smsxml.units import send_plan
from smsxml.webhook import WebhookApp
from smsxml.xml import Problem, Response, parse, validate
from smsxml.xml.build import ILLEGAL_CHAR

TOKEN = "equal-test-TOKEN-7c0d3b19e2a4"
OWN, PHONE = "12025550000", "14155550100"
SMART_800 = "\u201c" + "x" * 798 + "\u201d"  # an 800-character text in smart quotes


def reply_app(reply: str) -> WebhookApp:
    """smsxml's webhook answering every inbound SMS with ``reply`` (a str: sent as UTF-8)."""
    return WebhookApp(lambda message: reply, TOKEN)


def bytes_app(body: bytes) -> Callable[..., Iterable[bytes]]:
    """A WSGI app answering with exactly ``body``: for replies that are not UTF-8."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [body]

    return app


def flow_for(app: Any, auto_encoding: bool = AUTO_ENCODING_BY_DEFAULT) -> Flow:
    sim = Simulator(TOKEN, numbers=[OWN], seed=7, auto_encoding=auto_encoding)
    return sim.receive_sms(app, PHONE, OWN, "hi")


def xml_problems(flow: Flow) -> list[Problem]:
    """The problems the simulator took from validate (the rest are its own FlowProblems)."""
    return [p for p in flow.problems if isinstance(p, Problem)]


def reply_for(text: str) -> str:
    return Response().add_message(text, src=OWN, dst=PHONE).to_xml()


# --- the property: for any text, the two agree -----------------------------------------------

xml_char = utf8_char.filter(lambda c: ILLEGAL_CHAR.match(c) is None)
sms_chars = st.one_of(
    st.sampled_from(REF_BASIC),
    st.sampled_from("^{}\\[~]|€"),  # the extension table (form feed aside: XML cannot hold it)
    st.sampled_from(sorted(AUTO_ENCODING)),  # smart quotes, dashes, Unicode spaces
    st.sampled_from("😀👍🏽中жç"),  # emoji, other scripts: never replaced
    xml_char,
)
# Short texts, and long ones near the 737 and 1,600 limits: a chunk repeated.
texts = st.one_of(
    st.text(sms_chars, min_size=1, max_size=200),
    st.tuples(st.text(sms_chars, min_size=1, max_size=40), st.integers(1, 1700)).map(
        lambda t: (t[0] * (t[1] // len(t[0]) + 1))[: t[1]]
    ),
)


@settings(max_examples=examples(120), deadline=None)
@given(text=texts, auto_encoding=st.booleans())
@example(text=SMART_800, auto_encoding=False)
@example(text=SMART_800, auto_encoding=True)
@example(text="😀" * MAX_UNICODE_TEXT_LENGTH, auto_encoding=False)
@example(text="x" * MAX_UNICODE_TEXT_LENGTH + "’", auto_encoding=False)
@example(text="x" * MAX_UNICODE_TEXT_LENGTH + "’", auto_encoding=True)
@example(text="€" * MAX_TEXT_LENGTH, auto_encoding=False)
@example(text="x" * (MAX_TEXT_LENGTH + 1), auto_encoding=True)
def test_validate_and_the_simulator_agree_on_encoding_units_and_limits(
    text: str, auto_encoding: bool
) -> None:
    xml = reply_for(text)
    problems = validate(xml, auto_encoding=auto_encoding)
    flow = flow_for(reply_app(xml), auto_encoding)
    plan = send_plan(text, auto_encoding=auto_encoding)

    # The simulator reports exactly what validate reports, and executes nothing on an error.
    assert xml_problems(flow) == problems
    errors = {p.code for p in problems if p.is_error}
    # validate's verdict on the limits is the plan's (a text of white space only is empty).
    if not text.strip():
        assert "empty-text" in errors
    else:
        assert ("text-too-long" in errors) == (not plan.within_limits)
    if text.strip() and not plan.within_limits:
        (p,) = (p for p in problems if p.code == "text-too-long")
        limit = f"{MAX_UNICODE_TEXT_LENGTH}" if plan.encoding == "UCS-2" else f"{MAX_TEXT_LENGTH:,}"
        assert f"at most {limit}" in p.message and f"{len(text):,} characters" in p.message
    if errors:
        assert flow.outbound == [] and flow.problems[-1].code == "nothing-sent"
        return
    # Within the limits: sent in the encoding and units the plan says, checked against the
    # brute-force reference packing of the text as sent.
    (out,) = flow.outbound
    encoding, parts, _ = reference_parts(plan.text)
    assert (out.encoding, out.units) == (plan.encoding, plan.units) == (encoding, len(parts))
    assert (
        out.text
        == plan.text
        == parse(xml, auto_encoding=auto_encoding)
        .messages[0]
        .text.translate(str.maketrans(AUTO_ENCODING) if auto_encoding else {})
    )
    assert [part.text for part in out.parts] == parts
    assert plan.length <= (MAX_UNICODE_TEXT_LENGTH if encoding == "UCS-2" else MAX_TEXT_LENGTH)


# --- the concrete cases of the issue ----------------------------------------------------------


def test_800_characters_in_smart_quotes_without_automatic_encoding_are_too_long() -> None:
    assert AUTO_ENCODING_BY_DEFAULT is False  # an account setting, off unless turned on
    xml = reply_for(SMART_800)
    (p,) = validate(xml)
    assert (p.code, p.severity) == ("text-too-long", "error")
    assert "800 characters and needs UCS-2 (because of “ ”)" in p.message and "737" in p.message
    assert "auto_encoding=True" in p.hint and "Auto-replace" in p.hint
    flow = flow_for(reply_app(xml))
    assert xml_problems(flow) == [p]
    assert flow.outbound == [] and [q.code for q in flow.problems][-1] == "nothing-sent"
    # What it would have cost: 12 UCS-2 units, had Plivo accepted it.
    assert (send_plan(SMART_800).encoding, send_plan(SMART_800).units) == ("UCS-2", 12)


def test_800_characters_in_smart_quotes_with_automatic_encoding_are_6_gsm_units() -> None:
    xml = reply_for(SMART_800)
    assert validate(xml, auto_encoding=True) == []
    assert Response().add_message(SMART_800, src=OWN, dst=PHONE).validate(auto_encoding=True) == []
    flow = flow_for(reply_app(xml), auto_encoding=True)
    (out,) = flow.outbound
    assert (out.encoding, out.units, len(out.parts)) == ("GSM-7", 6, 6)
    assert out.text == '"' + "x" * 798 + '"'  # what the phone gets: straight quotes
    assert any("(automatic encoding)" in e.summary for e in flow.timeline if e.kind == "queued")
    assert "auto_encoding=True" in repr(Simulator(TOKEN, auto_encoding=True))
    assert "auto_encoding" not in repr(Simulator(TOKEN))


MESSAGE = f'<Response><Message src="{OWN}" dst="{PHONE}">café</Message></Response>'


@pytest.mark.parametrize(
    ("declared", "case", "says"),
    [
        ("ISO-8859-1", "declared_other", "Plivo would read 'café' as 'cafÃ©'"),
        ("latin-1", "declared_other", "Plivo would read 'café' as 'cafÃ©'"),
        ("windows-1252", "declared_other", "Plivo would read 'café' as 'cafÃ©'"),
        ("ascii", "declared_narrow", "has 'é' (U+00E9), which ascii cannot hold"),
        ("US-ASCII", "declared_narrow", "which US-ASCII cannot hold"),
        ("UTF-16", "declared_wide", "one byte per ASCII character"),
        ("utf-32", "declared_wide", "Plivo could not read the reply"),
        ("no-such-codec", "unreadable", "'no-such-codec', which the XML parser cannot read"),
        ("hex", "unreadable", "which the XML parser cannot read"),
    ],
)
def test_a_declaration_that_does_not_match_the_bytes_is_an_error_and_nothing_is_sent(
    declared: str, case: str, says: str
) -> None:
    xml = f'<?xml version="1.0" encoding="{declared}"?>\n{MESSAGE}'
    (p,) = validate(xml)
    assert (p.code, p.severity, p.line, p.column) == ("encoding", "error", 1, 31)
    assert says in p.message and 'declare encoding="UTF-8" or drop the declaration' in p.hint
    assert validate(xml.encode("utf-8")) == [p]  # the bytes the webhook sends: the same verdict
    flow = flow_for(reply_app(xml))
    assert xml_problems(flow) == [p]
    assert flow.outbound == [] and flow.reports == []
    assert [q.code for q in flow.problems] == ["encoding", "nothing-sent"]


@pytest.mark.parametrize("declared", ["ISO-8859-1", "ascii", "US-ASCII", "windows-1252", "UTF-8"])
def test_a_declaration_that_reads_the_bytes_the_same_is_fine(declared: str) -> None:
    xml = f'<?xml version="1.0" encoding="{declared}"?>\n' + MESSAGE.replace("café", "cafe")
    assert validate(xml) == validate(xml.encode()) == []
    (out,) = flow_for(reply_app(xml)).outbound
    assert out.text == "cafe"


def test_bytes_really_in_the_declared_encoding_are_read_as_declared() -> None:
    body = f'<?xml version="1.0" encoding="ISO-8859-1"?>\n{MESSAGE}'.encode("latin-1")
    assert validate(body) == []
    (out,) = flow_for(bytes_app(body)).outbound
    assert out.text == "café"
    # The same declaration on UTF-8 bytes: refused, nothing sent.
    utf8 = f'<?xml version="1.0" encoding="ISO-8859-1"?>\n{MESSAGE}'.encode()
    (p,) = validate(utf8)
    assert p.code == "encoding" and "cafÃ©" in p.message
    flow = flow_for(bytes_app(utf8))
    assert xml_problems(flow) == [p] and flow.outbound == []


def test_other_problems_are_still_reported_behind_a_wrong_declaration() -> None:
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<Response><Message>é</Message></Response>'
    codes = [p.code for p in validate(xml)]
    assert codes[0] == "encoding" and "missing-attribute" in codes


ENCODINGS = [
    "UTF-8",
    "utf8",
    "ISO-8859-1",
    "latin-1",
    "ascii",
    "US-ASCII",
    "cp1252",
    "UTF-16",
    "utf-16-le",
    "UTF-32",
    "koi8-r",
    "shift_jis",
    "cp500",
    "no-such",
    "hex",
]


@settings(max_examples=examples(150), deadline=None)
@given(
    declared=st.sampled_from(ENCODINGS),
    text=st.text(sms_chars, min_size=1, max_size=30).filter(str.strip),
)
def test_validate_reads_a_str_as_the_utf8_the_simulator_receives_and_never_sends_mojibake(
    declared: str, text: str
) -> None:
    xml = f'<?xml version="1.0" encoding="{declared}"?>\n' + reply_for(text)
    problems = validate(xml)
    assert validate(xml.encode("utf-8")) == problems  # one verdict for the str and its bytes
    flow = flow_for(reply_app(xml))
    assert xml_problems(flow) == problems
    if any(p.is_error for p in problems):
        assert flow.outbound == []
    else:
        (out,) = flow.outbound
        assert out.text == text  # exactly what was written: never a garbled reading
