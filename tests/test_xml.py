"""smsxml.xml: the builder against the plivo SDK, validation rules, the problem catalogue,
parse round trips."""

from __future__ import annotations

import re
import subprocess
import sys
import timeit
import xml.parsers.expat
from pathlib import Path
from string import Formatter
from typing import get_args

import phonenumbers
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from plivo import plivoxml
from plivo.xml import ResponseElement
from strategies import examples

from smsxml.exc import XMLBuildError, XMLValidationError
from smsxml.protocol import MAX_TEXT_LENGTH, MAX_UNICODE_TEXT_LENGTH
from smsxml.xml import (
    CATALOGUE,
    MAX_DOCUMENT_BYTES,
    Message,
    Problem,
    ProblemCode,
    Response,
    Severity,
    catalogue,
    check,
    malformed,
    parse,
    unwritable_problem,
    validate,
)
from smsxml.xml.problems import MAX_PROBLEMS

SRC, DST, DST2 = "12025550000", "12025551111", "12025552222"
SETTINGS = settings(
    max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Characters XML 1.0 cannot carry; everything else must survive the builder and the parser.
ILLEGAL = [chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)] + ["\ufffe", "\uffff"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
xml_char = st.characters(exclude_categories=("Cs",), exclude_characters="".join(ILLEGAL))
special = st.sampled_from(list("<>&\"'\t\n\r ]") + ["]]>", "&amp;", "<cont>", "\r\n", "😀"])


def xml_texts(min_size: int = 0, max_size: int = 60) -> st.SearchStrategy[str]:
    """XML-legal text, rich in the characters escaping is about."""
    pieces = st.lists(st.one_of(xml_char, special), min_size=min_size, max_size=max_size)
    return pieces.map("".join)


xml_text = xml_texts()


def sdk(messages: list[dict], pretty: bool) -> str:
    """What the official SDK writes for these messages (the oracle)."""
    response = plivoxml.ResponseElement()
    for m in messages:
        response.add(
            plivoxml.MessageElement(m["text"], **{k: v for k, v in m.items() if k != "text"})
        )
    return response.to_string(pretty=pretty)


def ours(messages: list[dict], pretty: bool) -> str:
    response = Response()
    for m in messages:
        response.add_message(**m)
    return response.to_xml(pretty=pretty)


def codes(doc: str | bytes) -> set[str]:
    return {p.code for p in validate(doc)}


def errors(doc: str | bytes) -> list[Problem]:
    return [p for p in validate(doc) if p.severity == "error"]


def one(doc: str | bytes, code: str) -> Problem:
    found = [p for p in validate(doc) if p.code == code]
    assert len(found) == 1, validate(doc)
    return found[0]


def doc_with(attrs: str = f'src="{SRC}" dst="{DST}"', text: str = "Hi") -> str:
    return f"<Response>\n  <Message {attrs}>{text}</Message>\n</Response>\n"


# --------------------------------------------------------------------------- builder vs SDK

TEXTS = [
    "Hi",
    "a < b & c > d",
    "both \"double\" and 'single' quotes",
    "emoji 😀👍🏽 and flags 🇺🇸",
    "line one\nline two\n",
    "tab\there",
    "carriage\rreturn and \r\n windows",
    "مرحبا بالعالم — שלום עולם",
    "e\u0301 combining a\u0308\u0323 marks, z\u0336\u0337algo",
    "]]> and &amp; and &lt;",
    "<cont>not speak</cont>",
    "\u00a0nbsp \u2028 line sep \x7f del \x85 nel \ufdd0 nonchar \U0010ffff max",
    "x" * MAX_TEXT_LENGTH,
    "€" * MAX_TEXT_LENGTH,
    "",
    "   ",
]

ATTRS = [
    {"src": SRC, "dst": DST},
    {"src": "+" + SRC, "dst": f"{DST}<{DST2}"},
    {"src": SRC, "dst": DST, "type": "sms"},
    {
        "src": SRC,
        "dst": DST,
        "type": "sms",
        "callback_url": "https://example.com/sms_status/?a=1&b=<2>&c=\"q\"&d='s'",
        "callback_method": "POST",
    },
    {"src": SRC, "dst": DST, "callback_url": "http://foo.com/x", "callback_method": "GET"},
    {"src": "a\tb\nc\rd", "dst": "\"'<>&", "type": "SMS"},
]


@pytest.mark.parametrize("pretty", [True, False])
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("text", TEXTS)
def test_builder_is_byte_identical_to_sdk(text: str, attrs: dict, pretty: bool) -> None:
    message = {"text": text, "type": None, **attrs}
    assert ours([message], pretty) == sdk([message], pretty)


@pytest.mark.parametrize("pretty", [True, False])
def test_empty_and_multi_message_responses_match_sdk(pretty: bool) -> None:
    assert Response().to_xml(pretty=pretty) == plivoxml.ResponseElement().to_string(pretty=pretty)
    messages = [{"text": t, "src": SRC, "dst": DST, "type": "sms"} for t in TEXTS[:6]]
    assert ours(messages, pretty) == sdk(messages, pretty)


def test_bulk_dst_list_is_joined_with_lt() -> None:
    m = Message("Hi", SRC, [DST, int(DST2), "+447911123456"])
    assert m.dst == f"{DST}<{DST2}<+447911123456"
    assert m.dsts == [DST, DST2, "+447911123456"]
    assert Message("Hi", SRC, (DST, DST2)) == Message("Hi", SRC, f"{DST}<{DST2}")
    expected = sdk([{"text": "Hi", "src": SRC, "dst": m.dst, "type": "sms"}], True)
    assert Response([m]).to_xml() == expected
    assert 'dst="12025551111&lt;12025552222&lt;+447911123456"' in expected


def test_defaults_type_sms_and_declaration() -> None:
    r = Response().add_message("Hi", src=SRC, dst=DST)
    assert r.messages[0].type == "sms"
    assert r.to_xml() == sdk([{"text": "Hi", "src": SRC, "dst": DST, "type": "sms"}], True)
    declared = r.to_xml(declaration=True)
    assert declared == '<?xml version="1.0" encoding="UTF-8"?>\n' + r.to_xml()
    assert validate(declared) == [] and parse(declared) == r
    assert validate(declared.encode("utf-8")) == []


attr_value = xml_texts(max_size=30)
optional_value = st.none() | attr_value
message_kwargs = st.fixed_dictionaries(
    {
        "text": xml_text,
        "src": attr_value,
        "dst": attr_value | st.lists(attr_value, min_size=1, max_size=4),
        "type": optional_value,
        "callback_url": optional_value,
        "callback_method": optional_value,
    }
)


@SETTINGS
@given(st.lists(message_kwargs, max_size=4), st.booleans())
def test_builder_matches_sdk_on_arbitrary_xml_legal_values(messages: list[dict], pretty: bool):
    response = Response()
    for m in messages:
        response.add_message(**m)
    # The SDK has no bulk lists: hand it the joined string we stored.
    as_sdk = [
        {
            "text": m.text,
            "src": m.src,
            "dst": m.dst,
            "type": m.type,
            "callback_url": m.callback_url,
            "callback_method": m.callback_method,
        }
        for m in response
    ]
    assert response.to_xml(pretty=pretty) == sdk(as_sdk, pretty)


@SETTINGS
@given(st.lists(message_kwargs, max_size=3))
def test_to_plivo_is_a_real_sdk_element_with_the_same_output(messages: list[dict]) -> None:
    response = Response()
    for m in messages:
        response.add_message(**m)
    element = response.to_plivo()
    assert isinstance(element, ResponseElement)
    assert [type(c).__name__ for c in element.children] == ["MessageElement"] * len(messages)
    for pretty in (True, False):
        assert element.to_string(pretty=pretty) == response.to_xml(pretty=pretty)


def test_to_xml_is_at_least_as_fast_as_the_sdk() -> None:
    kw = dict(src=SRC, dst=DST, type="sms", callback_url="https://e.com/s", callback_method="POST")

    def build_ours() -> str:
        return Response().add_message("Hello & welcome <3", **kw).to_xml()

    def build_sdk() -> str:
        return plivoxml.ResponseElement().add_message("Hello & welcome <3", **kw).to_string()

    assert build_ours() == build_sdk()
    t_ours = min(timeit.repeat(build_ours, number=500, repeat=5))
    t_sdk = min(timeit.repeat(build_sdk, number=500, repeat=5))
    assert t_ours <= t_sdk


# --------------------------------------------------------------------------- build errors


@pytest.mark.parametrize("bad", ILLEGAL + SURROGATES)
@pytest.mark.parametrize("field", ["text", "src", "dst", "type", "callback_url", "callback_method"])
def test_unwritable_characters_raise_xml_build_error(field: str, bad: str) -> None:
    kwargs = {"text": "Hi", "src": SRC, "dst": DST, field: f"ok{bad}tail"}
    with pytest.raises(XMLBuildError) as info:
        Message(**kwargs)
    message = str(info.value)
    assert field in message and "index 2" in message and f"U+{ord(bad):04X}" in message
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert isinstance(info.value, ValueError)
    # The SDK (lxml) refuses the same characters, with a less helpful error.
    with pytest.raises(ValueError):
        sdk([{"text": "Hi", "src": SRC, "dst": DST, "type": None, **{field: kwargs[field]}}], True)


def test_unwritable_character_in_bulk_list_names_the_item() -> None:
    with pytest.raises(XMLBuildError, match=r"dst\[1\].*U\+0007.*index 3"):
        Message("Hi", SRC, [DST, "120\x07"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"text": None},
        {"text": 5},
        {"src": None},
        {"src": True},
        {"dst": 1.5},
        {"type": 1},
        {"callback_url": b"https://x"},
    ],
)
def test_wrong_types_raise_type_error(kwargs: dict) -> None:
    with pytest.raises(TypeError):
        Message(**{"text": "Hi", "src": SRC, "dst": DST, **kwargs})


def test_numbers_may_be_ints_and_message_is_frozen() -> None:
    m = Message("Hi", int(SRC), int(DST))
    assert (m.src, m.dst) == (SRC, DST)
    with pytest.raises(AttributeError):
        m.text = "changed"  # type: ignore[misc]
    assert hash(m) == hash(Message("Hi", SRC, DST))


def test_response_container_behaviour_and_reprs() -> None:
    r = Response().add_message("Hi", SRC, DST).add(Message("Yo", SRC, DST2, callback_method="GET"))
    assert len(r) == 2 and [m.text for m in r] == ["Hi", "Yo"]
    assert r == Response(list(r)) and r != Response() and r != "Response"
    assert eval(repr(r), {"Response": Response, "Message": Message}) == r
    assert "callback_method='GET'" in repr(r) and "type=" not in repr(r.messages[0])
    html = r._repr_html_()
    assert html == r._repr_html_() and "&lt;Message" in html and "<Message" not in html
    with pytest.raises(TypeError):
        Response().add("<Message/>")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- round trip

number = st.from_regex(r"\+?[1-9][0-9]{0,14}", fullmatch=True)
valid_text = xml_texts(1, 80).filter(lambda t: t.strip() and len(t) <= MAX_TEXT_LENGTH)
valid_message = st.builds(
    Message,
    text=valid_text,
    src=number,
    dst=number | st.lists(number, min_size=1, max_size=4),
    type=st.sampled_from(["sms", None]),
    callback_url=st.none()
    | st.sampled_from(["https://example.com/sms_status/", 'http://h.io/a?b=1&c="2"&d=<3>']),
    callback_method=st.sampled_from([None, "GET", "POST"]),
)


@SETTINGS
@given(st.lists(valid_message, max_size=4), st.booleans(), st.booleans())
@example([Message("x" * MAX_TEXT_LENGTH, SRC, DST)], True, False)
@example([Message("\r\n\t<&>\"' 😀", SRC, [DST, DST2])], False, True)
def test_parse_round_trip(messages: list[Message], pretty: bool, declaration: bool) -> None:
    r = Response(messages)
    doc = r.to_xml(pretty=pretty, declaration=declaration)
    assert not errors(doc)
    assert parse(doc) == r
    assert parse(doc.encode("utf-8")) == r


def test_parse_keeps_text_exactly_as_written() -> None:
    r = parse(doc_with(text="\n    Hi, Message from Plivo\n  "))
    assert r.messages[0].text == "\n    Hi, Message from Plivo\n  "
    assert parse(doc_with(text="a &amp; b &#13;<![CDATA[<c>]]>")).messages[0].text == "a & b \r<c>"


def test_parse_keeps_missing_type_as_none() -> None:
    (m,) = parse(doc_with(f'src="{SRC}" dst="{DST}"')).messages
    assert m.type is None and m.callback_url is None and m.callback_method is None


# --------------------------------------------------------------------------- the docs' example

# Copied verbatim from the seed (/work/shared/seed/plivo-sms-xml.txt, "Example XML Response").
DOCS_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Message src="12023222222" dst="15671234567" type="sms" callbackUrl="http://foo.com/sms_status/" callbackMethod="POST">
    Hi, Message from Plivo
  </Message>
</Response>"""  # noqa: E501

# The docs' second example, as printed: its placeholder puts a raw < inside an attribute.
DOCS_RESPONSE = """<Response>
  <Message src="12022220000" dst="12025551111" type="sms" callbackUrl="https://<yourdomain>.com/sms_status/" callbackMethod="POST">
    Hi, this is a text message
  </Message>
</Response>"""  # noqa: E501

# The seed's two examples, verbatim, with a line saying where they come from.
SEED_EXCERPT = Path(__file__).parent / "data" / "plivo-sms-xml-examples.txt"


def test_docs_examples_are_copied_verbatim() -> None:
    excerpt = SEED_EXCERPT.read_text(encoding="utf-8")
    assert DOCS_EXAMPLE in excerpt and DOCS_RESPONSE in excerpt


def test_docs_example_validates_without_errors() -> None:
    problems = validate(DOCS_EXAMPLE)
    assert not [p for p in problems if p.is_error]
    # 1567 is not an area code in use, and the text is indented inside the element.
    assert {p.code for p in problems} <= {"invalid-number", "text-whitespace"}
    (m,) = parse(DOCS_EXAMPLE).messages
    assert m.text.strip() == "Hi, Message from Plivo"
    assert (m.src, m.dst, m.type, m.callback_url, m.callback_method) == (
        "12023222222",
        "15671234567",
        "sms",
        "http://foo.com/sms_status/",
        "POST",
    )


def test_docs_response_example_has_a_raw_lt_in_an_attribute() -> None:
    (p,) = validate(DOCS_RESPONSE)
    line = DOCS_RESPONSE.splitlines()[1]
    assert (p.code, p.line, p.column) == ("malformed", 2, line.index("<yourdomain>") + 1)
    assert "&lt;" in p.hint


# --------------------------------------------------------------------------- validation rules


def test_valid_document_has_no_problems() -> None:
    attrs = f'src="{SRC}" dst="{DST}" type="sms" callbackUrl="https://e.com/s" callbackMethod="GET"'
    assert validate(doc_with(attrs)) == []
    assert validate(doc_with(attrs).encode()) == []
    assert (
        validate(
            "<!-- a comment --><Response><!-- x --><Message " + attrs + ">Hi</Message>"
            "</Response><!-- after -->"
        )
        == []
    )


@pytest.mark.parametrize("name", ["message", "MESSAGE", "Messages", "Sms"])
def test_wrong_case_message_hints_message(name: str) -> None:
    doc = f'<Response>\n  <{name} src="{SRC}" dst="{DST}">Hi</{name}>\n</Response>'
    p = one(doc, "unknown-element")
    assert (p.severity, p.line, p.column, p.hint) == ("error", 2, 3, "did you mean <Message>?")
    assert str(p) == f"2:3: error unknown-element: {p.message} — hint: did you mean <Message>?"
    assert f"<{name}>" in p.message
    with pytest.raises(XMLValidationError):
        parse(doc)


@pytest.mark.parametrize("name", ["response", "RESPONSE"])
def test_wrong_case_response_hints_response(name: str) -> None:
    p = one(f"<{name}><Message src='{SRC}' dst='{DST}'>Hi</Message></{name}>", "wrong-root")
    assert (p.severity, p.line, p.column, p.hint) == ("error", 1, 1, "did you mean <Response>?")


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("callbackurl", "callbackUrl"),
        ("callback_url", "callbackUrl"),
        ("CallbackUrl", "callbackUrl"),
        ("CALLBACKURL", "callbackUrl"),
        ("callback-url", "callbackUrl"),
        ("callbackmethod", "callbackMethod"),
        ("callback_method", "callbackMethod"),
        ("CallbackMethod", "callbackMethod"),
        ("Type", "type"),
        ("to", "dst"),
        ("from", "src"),
    ],
)
def test_misspelt_attributes_hint_the_camel_cased_name(written: str, meant: str) -> None:
    p = one(doc_with(f'src="{SRC}" dst="{DST}" {written}="x"'), "unknown-attribute")
    assert (p.severity, p.hint) == ("error", f"did you mean {meant}?")
    assert written in p.message


@pytest.mark.parametrize(("written", "meant"), [("Src", "src"), ("SRC", "src"), ("Dst", "dst")])
def test_misspelt_src_dst_hint_without_a_second_missing_error(written: str, meant: str) -> None:
    other = "dst" if meant == "src" else "src"
    problems = validate(doc_with(f'{written}="{SRC}" {other}="{DST}"'))
    assert [(p.code, p.hint) for p in problems] == [("unknown-attribute", f"did you mean {meant}?")]


def test_unknown_attribute_is_an_error() -> None:
    p = one(doc_with(f'src="{SRC}" dst="{DST}" priority="high"'), "unknown-attribute")
    assert p.severity == "error" and "priority" in p.message and "callbackUrl" in p.hint
    p = one(doc_with(f'src="{SRC}" dst="{DST}" text="Hi"', text="Hi"), "unknown-attribute")
    assert "between" in p.message or "content" in p.message


@pytest.mark.parametrize(
    "element",
    [
        "Speak",
        "Play",
        "Dial",
        "Wait",
        "Hangup",
        "GetDigits",
        "Record",
        "Redirect",
        "Conference",
        "PreAnswer",
        "speak",
    ],
)
def test_voice_elements_are_refused_from_a_message_url(element: str) -> None:
    p = one(f"<Response><{element}>hello</{element}></Response>", "voice-element")
    assert p.severity == "error" and "only <Message>" in p.message and p.hint


def test_unknown_elements_and_nesting() -> None:
    p = one("<Response><Foo/></Response>", "unknown-element")
    assert p.severity == "error" and "<Foo>" in p.message and "<Message>" in p.hint
    assert one("<Response><Response/></Response>", "misplaced-content").severity == "error"
    p = one("<Html><body/></Html>", "wrong-root")
    assert "<Response>" in p.message and "<Response>" in p.hint
    p = one(f'<Message src="{SRC}" dst="{DST}">Hi</Message>', "wrong-root")
    assert "wrap" in p.hint
    p = one(
        f'<Response lang="en"><Message src="{SRC}" dst="{DST}">Hi</Message></Response>',
        "unknown-attribute",
    )
    assert "lang" in p.message


@pytest.mark.parametrize(
    ("kind", "hint"),
    [
        ("SMS", 'type="sms"'),
        ("Sms", 'type="sms"'),
        ("mms", "Send Message API"),
        ("WhatsApp", "Send Message API"),
        ("", 'type="sms"'),
        ("fax", 'type="sms"'),
    ],  # fmt: skip
)
def test_type_only_sms(kind: str, hint: str) -> None:
    p = one(doc_with(f'src="{SRC}" dst="{DST}" type="{kind}"'), "bad-type")
    assert p.severity == "error" and hint in p.hint


@pytest.mark.parametrize(("method", "hint"), [("get", '"GET"'), ("Post", '"POST"'), ("PUT", "GET")])
def test_callback_method_only_get_or_post(method: str, hint: str) -> None:
    attrs = f'src="{SRC}" dst="{DST}" callbackUrl="https://e.com/s" callbackMethod="{method}"'
    p = one(doc_with(attrs), "bad-callback-method")
    assert p.severity == "error" and hint in p.hint


def test_callback_method_without_url_is_a_warning() -> None:
    p = one(doc_with(f'src="{SRC}" dst="{DST}" callbackMethod="POST"'), "unused-callback-method")
    assert p.severity == "warning"


@pytest.mark.parametrize(
    "url",
    [
        "/sms_status/",
        "example.com/sms",
        "ftp://example.com/x",
        "https://",
        "http://exa mple.com/",
        "",
        "mailto:me@example.com",
        "https://[::1/x",
        "https://e.com:99999/",
    ],
)
def test_callback_url_must_be_absolute_http(url: str) -> None:
    p = one(doc_with(f'src="{SRC}" dst="{DST}" callbackUrl="{url}"'), "bad-callback-url")
    assert p.severity == "error" and "https://" in p.hint


@pytest.mark.parametrize(
    "url", ["https://example.com/s", "HTTP://EXAMPLE.COM", "http://1.2.3.4:8080/x?y=1"]
)
def test_callback_url_accepts_absolute_http(url: str) -> None:
    assert codes(doc_with(f'src="{SRC}" dst="{DST}" callbackUrl="{url}"')) == set()


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:5000/s",
        "http://127.0.0.1/",
        "http://192.168.1.2/",
        "http://[::1]:8000/",
        "http://myhost.local/",
    ],
)
def test_callback_url_plivo_cannot_reach_is_a_warning(url: str) -> None:
    p = one(doc_with(f'src="{SRC}" dst="{DST}" callbackUrl="{url}"'), "callback-unreachable")
    assert p.severity == "warning"


@pytest.mark.parametrize("attrs", [f'dst="{DST}"', f'src="{SRC}"', ""])
def test_src_and_dst_are_required(attrs: str) -> None:
    problems = [p for p in validate(doc_with(attrs)) if p.code == "missing-attribute"]
    missing = {a for a in ("src", "dst") if f"{a}=" not in attrs}
    assert len(problems) == len(missing) and all(p.severity == "error" for p in problems)
    for attr, p in zip(sorted(missing, key=["src", "dst"].index), problems, strict=True):
        assert f"no {attr}" in p.message and f'{attr}="' in p.hint


@pytest.mark.parametrize(
    ("value", "hint_has"),
    [
        ("+1 202 555 0000", '"12025550000"'),  # as Plivo writes numbers: no +
        ("1-202-555-0000", '"12025550000"'),
        ("(202) 555-0000", '"2025550000"'),
        ("PLIVO", "digits"),
        ("1202555000O", "digits"),
        ("++12025550000", "digits"),
        ("+", "digits"),
        ("", "e.g."),
        (" 12025550000", '"12025550000"'),
        ("١٢٠٢٥٥٥٠٠٠٠", "digits"),
    ],
)
@pytest.mark.parametrize("attr", ["src", "dst"])
def test_numbers_are_digits_with_optional_plus(attr: str, value: str, hint_has: str) -> None:
    other = "dst" if attr == "src" else "src"
    p = one(doc_with(f'{attr}="{value}" {other}="{DST2}"'), "bad-number")
    assert p.severity == "error" and hint_has in p.hint


def test_src_takes_one_number() -> None:
    p = one(doc_with(f'src="{SRC}&lt;{DST2}" dst="{DST}"'), "bad-number")
    assert "dst" in p.hint


@pytest.mark.parametrize(
    "number",
    [
        "12025550000",
        "+12025550000",
        "15671234567",
        "1",
        "999",
        "447911123456",
        "+447400123456",
        "4479111234567",
        "33612345678",
        "911234",
        "123456789012345",
        "1234567890123456",
    ],
)
def test_phonenumbers_flags_numbers_that_cannot_exist_as_warnings(number: str) -> None:
    digits = number.lstrip("+")
    try:
        parsed = phonenumbers.parse("+" + digits)
        plausible = phonenumbers.is_possible_number(parsed) and phonenumbers.is_valid_number(parsed)
    except phonenumbers.NumberParseException:
        plausible = False
    problems = validate(doc_with(f'src="{SRC}" dst="{number}"'))
    flagged = [p for p in problems if p.code in ("impossible-number", "invalid-number")]
    assert bool(flagged) == (not plausible), problems
    assert all(p.severity == "warning" and number in p.message and p.hint for p in flagged)
    assert parse(doc_with(f'src="{SRC}" dst="{number}"')).messages[0].dst == number


def test_bulk_dst() -> None:
    assert codes(doc_with(f'src="{SRC}" dst="{DST}&lt;{DST2}&lt;+447911123456"')) == set()
    p = one(doc_with(f'src="{SRC}" dst="{DST}&lt;{DST2}&lt;+{DST}"'), "bulk-duplicate")
    assert p.severity == "warning" and DST in p.message and "2 times" in p.message
    for dst in (f"{DST}&lt;&lt;{DST2}", f"{DST}&lt;", f"&lt;{DST}", "&lt;"):
        assert one(doc_with(f'src="{SRC}" dst="{dst}"'), "bulk-empty").severity == "error"
    p = one(doc_with(f'src="{SRC}" dst="{DST}&lt;12 34"'), "bad-number")
    assert "dst number 2" in p.message


def test_raw_lt_in_bulk_dst_is_malformed_with_a_hint() -> None:
    doc = doc_with(f'src="{SRC}" dst="{DST}<{DST2}"')
    (p,) = validate(doc)
    assert p.code == "malformed" and "&lt;" in p.hint
    line = doc.splitlines()[1]
    assert (p.line, p.column) == (2, line.index("<", 5) + 1)


def test_src_among_dst_is_a_warning() -> None:
    p = one(doc_with(f'src="+{SRC}" dst="{DST}&lt;{SRC}"'), "src-in-dst")
    assert p.severity == "warning" and SRC in p.message


@pytest.mark.parametrize(
    "text", ["", "   ", "\n    \n  ", "\t", "\u00a0", "<!-- only a comment -->"]
)
def test_empty_text_is_an_error(text: str) -> None:
    assert one(doc_with(text=text), "empty-text").severity == "error"
    assert one(f'<Response><Message src="{SRC}" dst="{DST}"/></Response>', "empty-text")


def test_text_length_limit_counts_characters() -> None:
    for text in ("x" * MAX_TEXT_LENGTH, "😀" * MAX_UNICODE_TEXT_LENGTH, "&amp;" * MAX_TEXT_LENGTH):
        assert "text-too-long" not in codes(doc_with(text=text))
    for text in ("x" * (MAX_TEXT_LENGTH + 1), "é" * 5000):
        p = one(doc_with(text=text), "text-too-long")
        assert p.severity == "error" and f"{len(text):,}" in p.message and "1,600" in p.message


def test_a_unicode_text_is_limited_to_737_characters() -> None:
    p = one(doc_with(text="😀" * (MAX_UNICODE_TEXT_LENGTH + 1)), "text-too-long")
    assert "738 characters and needs UCS-2 (because of 😀)" in p.message and "737" in p.message
    # Smart quotes and dashes count unless Plivo's automatic encoding (off by default) is on.
    doc = doc_with(text="it’s — ok " * 100)
    p = one(doc, "text-too-long")
    assert "because of ’ —" in p.message and "auto_encoding=True" in p.hint
    assert "text-too-long" not in {q.code for q in validate(doc, auto_encoding=True)}
    assert parse(doc, auto_encoding=True).messages[0].text == "it’s — ok " * 100  # as written
    # An emoji is never replaced: over 737 characters it is too long either way.
    p = one(doc_with(text="it’s 😀 ok " * 100), "text-too-long")
    assert "auto_encoding" not in p.hint
    assert "text-too-long" in {
        q.code for q in validate(doc_with(text="it’s 😀 ok " * 100), auto_encoding=True)
    }


def test_pretty_printed_text_whitespace_is_a_warning() -> None:
    p = one(doc_with(text="\n    Hi\n  "), "text-whitespace")
    assert p.severity == "warning"
    assert "text-whitespace" not in codes(doc_with(text=" Hi "))


def test_content_where_it_does_not_belong() -> None:
    doc = f'<Response>\n  <Message src="{SRC}" dst="{DST}">Hi <b>there</b></Message>\n</Response>'
    p = one(doc, "misplaced-content")
    assert (p.severity, p.line, p.column) == ("error", 2, doc.splitlines()[1].index("<b>") + 1)
    p = one(
        f'<Response><Message src="{SRC}" dst="{DST}"><Body>Hi</Body></Message></Response>',
        "misplaced-content",
    )
    assert "TwiML" in p.hint
    doc = f'<Response>\n  Hello\n  <Message src="{SRC}" dst="{DST}">Hi</Message>\n</Response>'
    p = one(doc, "misplaced-content")
    assert (p.severity, p.line) == ("error", 2) and "Hello" in p.message


def test_empty_response_is_a_warning_and_parses() -> None:
    for doc in ("<Response/>", "<Response>\n</Response>", "<Response><!-- nothing --></Response>"):
        (p,) = validate(doc)
        assert (p.code, p.severity) == ("empty-response", "warning")
        assert parse(doc) == Response()


def test_processing_instructions_warn_and_comments_do_not() -> None:
    doc = f'<?xml version="1.0"?><?xml-stylesheet href="a.xsl"?><Response><!-- hi --><Message src="{SRC}" dst="{DST}">Hi</Message></Response>'  # noqa: E501
    (p,) = validate(doc)
    assert (p.code, p.severity) == ("processing-instruction", "warning")
    assert parse(doc).messages[0].text == "Hi"


# --------------------------------------------------------------------------- malformed XML

MALFORMED = [
    "<Response>",
    "<Response><Message></Response>",
    "<Response>\n  <Message src='1' dst='2'>Hi</Mesage>\n</Response>",
    "<Response/>\n<Response/>",
    "<Response/>trailing",
    "<Response>a & b</Response>",
    "<Response>&nbsp;</Response>",
    "<Response>\n\n   <Message src=1 dst=2>x</Message></Response>",
    "<Response><Message src='1' src='2'/></Response>",
    "  <?xml version='1.0'?><Response/>",
    "<Response><Message src='1' dst='2'>x</Message",
    "<Response>\n<Message src='1'\ndst='2'>\x01</Message></Response>",
    "<Response>&#1;</Response>",
    "<Response><![CDATA[x</Response>",
    "<>",
    "just text",
]


@pytest.mark.parametrize("doc", MALFORMED)
def test_malformed_is_one_error_at_expats_position(doc: str) -> None:
    plain = xml.parsers.expat.ParserCreate("utf-8")
    with pytest.raises(xml.parsers.expat.ExpatError) as info:
        plain.Parse(doc.encode(), True)
    (p,) = validate(doc)
    assert p.severity == "error" and p.hint
    assert (p.line, p.column) == (info.value.lineno, info.value.offset + 1)  # 1-based column
    assert str(p).startswith(f"{p.line}:{p.column}: error {p.code}: ")


def test_malformed_messages_speak_plainly() -> None:
    p = one("<Response>\n  <Message src='1' dst='2'>Hi</message>\n</Response>", "malformed")
    assert "</message>" in p.message and "<Message>" in p.message and "case" in p.hint
    assert "&amp;" in one("<Response>fish & chips</Response>", "malformed").hint
    assert "quote" in one("<Response><Message src=1/></Response>", "malformed").hint
    assert "</Response>" in one("<Response>", "malformed").hint
    assert "one root" in one("<Response/><Response/>", "malformed").message
    assert one("", "empty-document").severity == "error"
    assert one("   \n", "empty-document").severity == "error"


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ("<Response>\x00</Response>", "bad-character"),
        ("<Response>\ud800</Response>", "bad-character"),
        ("<Response>\ufffe</Response>", "bad-character"),
        ("<Response>&#0;</Response>", "bad-character"),
        (b"<Response>\xff</Response>", "encoding"),
        (b"<Response>\xc3</Response>", "encoding"),
        (
            '<?xml version="1.0" encoding="UTF-8"?><Response>é</Response>'.encode("latin-1"),
            "encoding",
        ),
        (
            '<?xml version="1.0" encoding="shift_jis"?><Response>カ</Response>'.encode("sjis"),
            "encoding",
        ),
        (b'<?xml version="1.0" encoding="no-such-codec"?><Response/>', "encoding"),
        ('<?xml version="1.0" encoding="no-such-codec"?><Response/>', "encoding"),
    ],
)
def test_bad_characters_and_encodings_are_problems(doc: str | bytes, code: str) -> None:
    p, *rest = validate(doc)
    assert (p.code, p.severity) == (code, "error") and p.hint
    assert all(q.severity == "warning" for q in rest)  # a UTF-8 document is still checked


def test_bytes_honour_the_declared_encoding() -> None:
    body = f'<Response><Message src="{SRC}" dst="{DST}">café € ñ</Message></Response>'
    for encoding in ("ISO-8859-1", "windows-1252", "UTF-16", "UTF-8"):
        codec = {"ISO-8859-1": "latin-1"}.get(encoding, encoding)
        text = "café ñ" if encoding == "ISO-8859-1" else "café € ñ"
        doc = f'<?xml version="1.0" encoding="{encoding}"?>' + body.replace("café € ñ", text)
        assert parse(doc.encode(codec)).messages[0].text == text
    utf8_bom = b"\xef\xbb\xbf" + body.encode()
    assert parse(utf8_bom).messages[0].text == "café € ñ"
    # A str is sent as UTF-8: a declaration of another encoding is read against those bytes.
    (p,) = validate('<?xml version="1.0" encoding="UTF-16"?>' + body)
    assert (p.code, p.severity) == ("encoding", "error")
    assert parse('<?xml version="1.0" encoding="ISO-8859-1"?><Response/>') == Response()


@pytest.mark.parametrize("value", [None, 42, 3.5, ["<Response/>"], object()])
def test_validate_refuses_non_documents_without_raising(value: object) -> None:
    (p,) = validate(value)  # type: ignore[arg-type]
    assert (p.code, p.severity) == ("bad-input", "error")


# --------------------------------------------------------------------------- parse vs validate

PARSE_CASES = [
    doc_with(),
    doc_with(f'src="{SRC}" dst="1"'),
    "<Response><message/></Response>",
    "<Response>",
    '<!DOCTYPE Response SYSTEM "x.dtd"><Response/>',
    doc_with(text=""),
    doc_with(f'src="{SRC}" dst="{DST}" callbackMethod="POST"'),
]


@pytest.mark.parametrize("doc", PARSE_CASES)
def test_parse_raises_exactly_when_validate_reports_an_error(doc: str) -> None:
    problems = validate(doc)
    if any(p.severity == "error" for p in problems):
        with pytest.raises(XMLValidationError) as info:
            parse(doc)
        assert info.value.problems == problems
        assert isinstance(info.value, ValueError)
        assert str(problems[0]) in str(info.value) or problems[0].severity == "warning"
    else:
        assert isinstance(parse(doc), Response)


def fuzzed_documents() -> st.SearchStrategy[str | bytes]:
    base = doc_with(
        f'src="{SRC}" dst="{DST}&lt;{DST2}" callbackUrl="https://e.com/s"', "Hi &amp; bye"
    )
    xmlish = st.text(st.sampled_from(list("<>/=\"'&;#!?[]- \nResponsMgcdtxyzCDATA0123456789")))

    @st.composite
    def mutated(draw: st.DrawFn) -> str:
        doc = base
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(doc)))
            j = draw(st.integers(i, min(len(doc), i + 5)))
            doc = (
                doc[:i] + draw(st.text(max_size=4) | xmlish.filter(lambda s: len(s) < 6)) + doc[j:]
            )
        return doc

    any_text = st.text(st.characters() | st.sampled_from(SURROGATES + ILLEGAL))
    return (
        st.binary()
        | any_text
        | xmlish
        | mutated()
        | mutated().map(lambda s: s.encode("utf-8", "surrogatepass"))
    )


@SETTINGS
@given(fuzzed_documents())
def test_validate_never_raises_and_agrees_with_parse(doc: str | bytes) -> None:
    problems = validate(doc)
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem) and p.severity in ("error", "warning")
        assert p.line >= 1 and p.column >= 1 and p.hint and p.code != "internal-error"
        assert re.match(r"\d+:\d+: (error|warning) [a-z-]+: ", str(p))
        assert cases_of(p), p  # worded by the catalogue
    if any(p.is_error for p in problems):
        with pytest.raises(XMLValidationError) as info:
            parse(doc)
        assert info.value.problems == problems
    else:
        assert isinstance(parse(doc), Response)


# --------------------------------------------------------------------------- the catalogue


def _pattern(template: str) -> re.Pattern[str]:
    """``template`` as a regex: its text literally, each ``{field}`` as any text."""
    parts = Formatter().parse(template)
    return re.compile("".join(re.escape(t) + ("" if f is None else ".*?") for t, f, _, _ in parts))


WORDINGS = {
    (kind.code, case): (_pattern(wording.message), _pattern(wording.hint))
    for kind in CATALOGUE.values()
    for case, wording in kind.cases.items()
}


def cases_of(p: Problem) -> set[str]:
    """The cases of ``p.code`` in the catalogue whose wording ``p``'s message and hint fit."""
    return {
        case
        for (code, case), (message, hint) in WORDINGS.items()
        if code == p.code and message.fullmatch(p.message) and hint.fullmatch(p.hint)
    }


A = f'src="{SRC}" dst="{DST}"'  # a <Message>'s attributes with nothing wrong
URL = "https://example.com/sms_status/"

# (code, case) → a document validate() reports it for. Together with FORCED below: every
# case of the catalogue, each shown to be reported (a case no check reports fails here).
EXAMPLES: dict[tuple[str, str], object] = {
    ("bad-input", ""): 42,
    ("too-large", ""): "<Response/>" + " " * MAX_DOCUMENT_BYTES,
    ("encoding", "undecodable"): b"<Response>\xff</Response>",
    (
        "encoding",
        "unreadable",
    ): '<?xml version="1.0" encoding="shift_jis"?><Response>カ</Response>'.encode("sjis"),
    (
        "encoding",
        "declared_other",
    ): '<?xml version="1.0" encoding="ISO-8859-1"?><Response>é</Response>',
    ("encoding", "declared_narrow"): '<?xml version="1.0" encoding="ascii"?><Response>é</Response>',
    ("encoding", "declared_wide"): '<?xml version="1.0" encoding="UTF-16"?><Response/>',
    ("bad-character", "unencodable"): "<Response>\ud800</Response>",
    ("bad-character", "illegal"): "<Response>\x01</Response>",
    ("bad-character", "reference"): "<Response>&#1;</Response>",
    ("empty-document", ""): "  <!-- nothing -->\n",
    ("malformed", ""): "<>",
    ("malformed", "unclosed"): "<Response>",
    ("malformed", "raw_lt"): DOCS_RESPONSE,
    ("malformed", "bare_ampersand"): "<Response>fish & chips</Response>",
    ("malformed", "unquoted"): "<Response><Message src=1/></Response>",
    ("malformed", "mismatched"): "<Response><Message></Msg></Response>",
    ("malformed", "mismatched_case"): "<Response><Message></message></Response>",
    ("malformed", "after_root"): "<Response/><Response/>",
    ("malformed", "undefined_entity"): "<Response>&nbsp;</Response>",
    ("malformed", "duplicate_attribute"): "<Response><Message src='1' src='2'/></Response>",
    ("malformed", "late_declaration"): "\n<?xml version='1.0'?><Response/>",
    ("malformed", "unfinished_tag"): "<Response><Message",
    ("doctype-forbidden", ""): '<!DOCTYPE Response SYSTEM "https://example.com/x.dtd"><Response/>',
    ("processing-instruction", ""): f'<?xml-stylesheet href="a.xsl"?>{doc_with()}',
    ("wrong-root", "response_case"): f"<response><Message {A}>Hi</Message></response>",
    ("wrong-root", "message_as_root"): f"<Message {A}>Hi</Message>",
    ("wrong-root", "other"): "<html><body>Hi</body></html>",
    ("unknown-element", "message_like"): f"<Response><message {A}>Hi</message></Response>",
    ("unknown-element", "close_to_message"): "<Response><Mesage/></Response>",
    ("unknown-element", "other"): "<Response><Foo/></Response>",
    ("voice-element", "as_spelt"): "<Response><Speak>Hello</Speak></Response>",
    ("voice-element", "miscased"): "<Response><speak>Hello</speak></Response>",
    ("misplaced-content", "in_message"): doc_with(text="Hi <b>there</b>"),
    ("misplaced-content", "body_in_message"): doc_with(text="<Body>Hi</Body>"),
    ("misplaced-content", "nested_response"): "<Response><Response/></Response>",
    ("misplaced-content", "loose_text"): f"<Response>Hello<Message {A}>Hi</Message></Response>",
    ("empty-response", ""): "<Response/>",
    (
        "unknown-attribute",
        "on_response",
    ): f'<Response lang="en"><Message {A}>Hi</Message></Response>',
    ("unknown-attribute", "text"): doc_with(f'{A} text="Hi"'),
    ("unknown-attribute", "misspelt"): doc_with(f'{A} callback_url="{URL}"'),
    ("unknown-attribute", "other"): doc_with(f'{A} priority="high"'),
    ("missing-attribute", "src"): doc_with(f'dst="{DST}"'),
    ("missing-attribute", "dst"): doc_with(f'src="{SRC}"'),
    ("bad-type", "miscased"): doc_with(f'{A} type="SMS"'),
    ("bad-type", "other"): doc_with(f'{A} type="fax"'),
    ("bad-type", "media"): doc_with(f'{A} type="mms"'),
    ("bad-number", "several_src"): doc_with(f'src="{SRC}&lt;{DST2}" dst="{DST}"'),
    ("bad-number", "empty"): doc_with(f'src="" dst="{DST}"'),
    ("bad-number", "punctuated"): doc_with(f'src="+1 (202) 555-0000" dst="{DST}"'),
    ("bad-number", "listed"): doc_with(f'src="{SRC}" dst="14155550100, 14155550101"'),
    ("bad-number", "other"): doc_with(f'src="PLIVO" dst="{DST}"'),
    ("impossible-number", "no_country_code"): doc_with(f'src="{SRC}" dst="999"'),
    ("impossible-number", "too_short"): doc_with(f'src="{SRC}" dst="1202"'),
    ("impossible-number", "too_long"): doc_with(f'src="{SRC}" dst="120255500000"'),
    ("impossible-number", "no_such_length"): doc_with(f'src="{SRC}" dst="15550000"'),
    ("impossible-number", "over_15_digits"): doc_with(f'src="{SRC}" dst="1234567890123456"'),
    ("invalid-number", "region"): doc_with(f'src="{SRC}" dst="88212345678"'),
    ("invalid-number", "country_code"): doc_with(f'src="{SRC}" dst="15671234567"'),
    ("bulk-empty", ""): doc_with(f'src="{SRC}" dst="{DST}&lt;"'),
    ("bulk-duplicate", ""): doc_with(f'src="{SRC}" dst="{DST}&lt;+{DST}"'),
    ("src-in-dst", ""): doc_with(f'src="{SRC}" dst="{DST}&lt;{SRC}"'),
    ("bad-callback-url", "empty"): doc_with(f'{A} callbackUrl=""'),
    ("bad-callback-url", "spaces"): doc_with(f'{A} callbackUrl="https://example.com/a b"'),
    ("bad-callback-url", "invalid"): doc_with(f'{A} callbackUrl="https://[::1/x"'),
    ("bad-callback-url", "relative"): doc_with(f'{A} callbackUrl="/sms_status/"'),
    ("bad-callback-url", "scheme"): doc_with(f'{A} callbackUrl="ftp://example.com/x"'),
    ("bad-callback-url", "no_host"): doc_with(f'{A} callbackUrl="https://:443/x"'),
    ("callback-unreachable", ""): doc_with(f'{A} callbackUrl="http://localhost:5000/status"'),
    ("bad-callback-method", "miscased"): doc_with(f'{A} callbackUrl="{URL}" callbackMethod="post"'),
    ("bad-callback-method", "other"): doc_with(f'{A} callbackUrl="{URL}" callbackMethod="PUT"'),
    ("unused-callback-method", ""): doc_with(f'{A} callbackMethod="POST"'),
    ("empty-text", "no_text"): f"<Response><Message {A}/></Response>",
    ("empty-text", "whitespace"): doc_with(text="\n  "),
    ("text-too-long", ""): doc_with(text="x" * (MAX_TEXT_LENGTH + 1)),
    ("text-too-long", "unicode"): doc_with(text="é ü ✓ " * 123),
    ("text-too-long", "unicode_auto"): doc_with(text="“é ü”—" * 123),
    ("text-whitespace", ""): DOCS_EXAMPLE,
    ("too-many-problems", ""): "<Response>" + "<Foo/>" * (MAX_PROBLEMS + 1) + "</Response>",
}

# Cases no document reaches, each reported by forcing its path in a test of its own.
FORCED = {
    ("bad-character", "undecodable"): "a str is always UTF-8 to expat",
    ("entity-forbidden", ""): "the DOCTYPE an entity needs is refused first",
    ("impossible-number", "unknown_country_code"): "phonenumbers.parse refuses those first",
    ("internal-error", ""): "validate's safety net",
    ("unwritable-character", ""): "the builder's refusal, as a widget shows it",
}


def test_catalogue_lists_every_problem_code_once_with_its_wording() -> None:
    assert tuple(CATALOGUE) == get_args(ProblemCode)
    assert [k.code for k in catalogue()] == list(CATALOGUE)
    for code, kind in CATALOGUE.items():
        assert kind.code == code and kind.severity in get_args(Severity), kind
        assert kind.summary and "\n" not in kind.summary and kind.cases and kind.hints
        assert str(kind).startswith(f"{code} ({kind.severity}): ")
        for wording in kind.cases.values():
            assert wording.message and wording.hint
            assert all(name.isidentifier() for name in wording.fields)
    warnings = [k.code for k in catalogue("warning")]
    assert warnings == [
        "processing-instruction",
        "empty-response",
        "impossible-number",
        "invalid-number",
        "bulk-duplicate",
        "src-in-dst",
        "callback-unreachable",
        "unused-callback-method",
        "text-whitespace",
    ]
    assert len(catalogue("error")) == len(CATALOGUE) - len(warnings) == 24


def test_every_case_of_the_catalogue_has_an_example_or_a_forced_path() -> None:
    assert set(EXAMPLES).isdisjoint(FORCED)
    assert set(EXAMPLES) | set(FORCED) == set(WORDINGS)


@pytest.mark.parametrize(("code", "case"), list(EXAMPLES))
def test_each_example_is_reported_as_its_catalogue_case(code: str, case: str) -> None:
    problems = validate(EXAMPLES[code, case])  # type: ignore[arg-type]
    found = [p for p in problems if p.code == code]
    assert found, problems
    assert any(case in cases_of(p) for p in found), found
    assert all(p.severity == p.kind.severity == CATALOGUE[code].severity for p in found)


def test_every_problem_of_every_known_document_is_worded_by_the_catalogue() -> None:
    documents = [*EXAMPLES.values(), *MALFORMED, *PARSE_CASES, DOCS_EXAMPLE]
    for doc in documents:
        for p in validate(doc):  # type: ignore[arg-type]
            assert len(cases_of(p)) >= 1, p


def test_too_many_problems_is_a_warning_when_every_unlisted_problem_is() -> None:
    problems = validate(EXAMPLES["too-many-problems", ""])  # type: ignore[arg-type]
    assert len(problems) == MAX_PROBLEMS + 1
    assert (problems[-1].severity, problems[-1].message) == (
        "error",
        "1 more problem(s) not listed",
    )
    quiet = "<Response>" + "<?pi x?>" * MAX_PROBLEMS + "</Response>"  # + empty-response
    (*_, last) = validate(quiet)
    assert (last.code, last.severity, cases_of(last)) == ("too-many-problems", "warning", {""})


def test_an_entity_is_refused_even_if_a_doctype_got_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(check._Checker, "_doctype", lambda self, *args: None)
    (p,) = validate('<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>')
    assert (p.code, p.severity, cases_of(p)) == ("entity-forbidden", "error", {""})


def test_a_failure_inside_validate_is_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(xml: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(check, "_read", broken)
    (p,) = validate(doc_with())
    assert (p.code, p.severity, cases_of(p)) == ("internal-error", "error", {""})
    assert "RuntimeError" in p.message


def test_an_unknown_country_code_from_phonenumbers_is_worded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unknown = phonenumbers.ValidationResult.INVALID_COUNTRY_CODE
    monkeypatch.setattr(phonenumbers, "is_possible_number_with_reason", lambda n: unknown)
    check._number_verdict.cache_clear()  # verdicts are cached: forget real and stubbed ones
    try:  # (a text no other test sends: the document is read afresh, not looked up)
        problems = validate(doc_with(text="from an unknown country code"))
    finally:
        check._number_verdict.cache_clear()
    assert {p.code for p in problems} == {"impossible-number"}
    assert all(cases_of(p) == {"unknown_country_code"} for p in problems)


def test_bytes_a_str_could_not_hold_are_worded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(malformed, "_char_at", lambda *args: None)  # as if not UTF-8
    (p,) = validate("<Response>\x01</Response>")
    assert (p.code, cases_of(p)) == ("bad-character", {"undecodable"})


def test_a_value_the_builder_refuses_is_an_unwritable_character_problem() -> None:
    with pytest.raises(XMLBuildError) as info:
        Message("Hi\x07", SRC, DST)
    p = unwritable_problem(info.value)
    assert (p.line, p.column, p.code, p.severity) == (0, 0, "unwritable-character", "error")
    assert p.message == str(info.value) and cases_of(p) == {""}


# --------------------------------------------------------------------------- speed and weight


def test_import_is_light() -> None:
    code = (
        "import sys, smsxml.xml; "
        "print(sorted(m for m in ('plivo', 'lxml', 'phonenumbers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_validate_is_fast_on_a_typical_document() -> None:
    doc = doc_with(
        f'src="{SRC}" dst="{DST}" type="sms" callbackUrl="https://e.com/s" callbackMethod="POST"'
    )
    assert validate(doc) == []
    per_call = min(timeit.repeat(lambda: validate(doc), number=200, repeat=5)) / 200
    assert per_call < 500e-6  # ~15 µs here; generous for slow CI machines


@pytest.mark.parametrize("dst", ["14155550100,14155550101", "14155550100; +1 415 555 0101"])
def test_a_comma_between_numbers_is_refused_with_the_bulk_hint(dst: str) -> None:
    p = one(doc_with(f'src="{SRC}" dst="{dst}"'), "bad-number")
    assert "comma or semicolon" in p.message
    assert '"14155550100&lt;14155550101"' in p.hint and "<" in p.hint


def test_one_wording_for_how_many_problems() -> None:
    from smsxml.xml import summary

    warning = one(
        doc_with(f'src="{SRC}" dst="{DST}" callbackMethod="POST"'), "unused-callback-method"
    )
    error = one(doc_with(f'src="{SRC}" dst="{DST}" type="mms"'), "bad-type")
    assert summary([]) == ""
    assert summary([warning]) == "1 XML warning"
    assert summary([error, error]) == "2 XML errors"
    assert summary([error, warning, warning]) == "1 XML error and 2 warnings"
