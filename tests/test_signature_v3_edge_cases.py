"""X-Plivo-Signature-V3 edge cases, checked against the official Python SDK.

Each test builds the string V3 signs by hand, checks that smsxml's ``sign_v3`` is the HMAC of
exactly that string, and that ``plivo.utils.validate_v3_signature`` accepts smsxml's signature
and rejects the signature of the other plausible reading (the one some other SDK takes).
``docs/signature-v3.md`` has the table of what each official SDK does in these cases.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac

import plivo.utils
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plivo.exceptions import ValidationError
from strategies import examples

from smsxml.exc import SignatureError
from smsxml.signature import sign_v3, validate_v3
from smsxml.signature.canonical import canonical_url

TOKEN = "v3-edge-token-7f3a"
NONCE = "05429567804466091622"
BASE = "https://example.com/cb/"


def hmac_b64(signed: str, nonce: str = NONCE) -> str:
    """The V3 signature of a hand-built string: base64(HMAC-SHA256(token, signed + "." + nonce))."""
    message = f"{signed}.{nonce}".encode()
    return base64.b64encode(hmac.new(TOKEN.encode(), message, hashlib.sha256).digest()).decode()


def sdk_accepts(method: str, uri: str, signature: str, params: dict, nonce: str = NONCE) -> bool:
    # The SDK updates the params dict it is given (GET merges the query into it): pass a copy.
    return plivo.utils.validate_v3_signature(
        method, uri, nonce, TOKEN, signature, copy.deepcopy(params)
    )


def check(method: str, uri: str, params: dict, signed: str, other: str | None = None) -> None:
    """smsxml signs ``signed``; the SDK agrees; the reading ``other`` is rejected by both."""
    signature = sign_v3(method, uri, NONCE, TOKEN, copy.deepcopy(params))
    assert signature == hmac_b64(signed)
    assert sdk_accepts(method, uri, signature, params)
    assert validate_v3(method, uri, NONCE, signature, TOKEN, copy.deepcopy(params))
    if other is not None:
        assert other != signed
        wrong = hmac_b64(other)
        assert not sdk_accepts(method, uri, wrong, params)
        assert not validate_v3(method, uri, NONCE, wrong, TOKEN, copy.deepcopy(params))


def test_the_worked_example_in_the_docs() -> None:
    uri = "https://example.com/receive_sms/?lang=en"
    params = {"From": "14155550100", "To": "12025550000", "Text": "Hello, world.", "Type": "sms"}
    signature = sign_v3("POST", uri, NONCE, "my_auth_token", dict(params))
    assert signature == "6jl/Y1uAvsjqZSpCJMK1S/TZbvaX1YW4QwrUpJGq/JM="
    assert plivo.utils.validate_v3_signature(
        "POST", uri, NONCE, "my_auth_token", signature, dict(params)
    )


# --- "+" in the query string ---------------------------------------------------------------


def test_plus_in_the_query_is_a_space_and_percent_2b_a_plus_post() -> None:
    check(
        "POST",
        BASE + "?q=a+b&r=%2B",
        {"Text": "hi"},
        signed=BASE + "?q=a b&r=+.Texthi",
        other=BASE + "?q=a+b&r=%2B.Texthi",  # the raw query (plivo-go, plivo-php)
    )


def test_every_plus_in_the_query_is_a_space_get() -> None:
    check(
        "GET",
        BASE + "?q=a+b+c&r=%2B",
        {"From": "1"},
        signed=BASE + "?From=1&q=a b c&r=+",
        other=BASE + "?From=1&q=a b+c&r=+",  # plivo-ruby replaces only the first "+"
    )


# --- natural vs lexical sort of keys ----------------------------------------------------------


def test_post_keys_sort_lexically_not_naturally() -> None:
    check(
        "POST",
        BASE,
        {"a10": "x", "a2": "y", "B": "z"},
        signed=BASE + "?Bza10xa2y",
        other=BASE + "?Bza2ya10x",  # natural order (plivo-php SORT_NATURAL)
    )


def test_query_keys_sort_lexically_not_naturally_get() -> None:
    check(
        "GET",
        BASE + "?a10=x&a2=y&B=z",
        {},
        signed=BASE + "?B=z&a10=x&a2=y",
        other=BASE + "?B=z&a2=y&a10=x",
    )


# --- a POST value ending in "." ---------------------------------------------------------------


def test_a_post_value_ending_in_a_dot_keeps_it_when_the_url_has_a_query() -> None:
    check(
        "POST",
        BASE + "?x=1",
        {"Text": "end."},
        signed=BASE + "?x=1.Textend.",
        other=BASE + "?x=1.Textend",  # plivo-go/-dotnet TrimRight("."), plivo-ruby chomp(".")
    )


def test_a_post_value_ending_in_a_dot_keeps_it_without_a_query() -> None:
    check("POST", BASE, {"Text": "end..."}, signed=BASE + "?Textend...", other=BASE + "?Textend")


def test_a_post_with_a_query_and_no_params_has_no_trailing_dot() -> None:
    check("POST", BASE + "?x=1", {}, signed=BASE + "?x=1", other=BASE + "?x=1.")  # plivo-java


# --- lowercase methods --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, signed, other",
    [
        ("post", BASE + "?Texthi", BASE + "?Text=hi"),
        ("get", BASE + "?Text=hi", BASE + "?Texthi"),  # plivo-go/-ruby/-dotnet: POST form
        ("Get", BASE + "?Text=hi", BASE + "?Texthi"),
    ],
)
def test_a_lowercase_method_is_read_as_its_uppercase(method: str, signed: str, other: str) -> None:
    """The SDK's argument validator upper-cases ``method`` before ``method == 'GET'`` is tested
    (``is_in(..., case_sensitive=False)`` returns the upper-cased value); smsxml upper-cases."""
    check(method, BASE, {"Text": "hi"}, signed=signed, other=other)


def test_a_method_other_than_get_or_post() -> None:
    """The SDK raises ``ValidationError`` for PUT. smsxml's ``sign_v3`` raises its own
    ``SignatureError`` (there is no V3 signature to compute), and ``validate_v3`` answers
    ``False``, as it does for any request it cannot check, rather than raising in a webhook."""
    signature = hmac_b64(BASE + "?Texthi")
    with pytest.raises(ValidationError):
        sdk_accepts("PUT", BASE, signature, {"Text": "hi"})
    with pytest.raises(SignatureError):
        sign_v3("PUT", BASE, NONCE, TOKEN, {"Text": "hi"})
    assert validate_v3("PUT", BASE, NONCE, signature, TOKEN, {"Text": "hi"}) is False


# --- percent-encoded paths ----------------------------------------------------------------------


def test_a_percent_encoded_path_is_signed_as_sent() -> None:
    check(
        "POST",
        "https://example.com/a%20b/c%2Fd/",
        {"Text": "hi"},
        signed="https://example.com/a%20b/c%2Fd/?Texthi",
        other="https://example.com/a b/c/d/?Texthi",  # decoded (plivo-java, plivo-go)
    )


# --- non-ASCII values ---------------------------------------------------------------------------


def test_a_non_ascii_post_value_is_utf8_encoded_once() -> None:
    text = "héllo ✓ 😀"
    signed = f"{BASE}?Text{text}"
    check("POST", BASE, {"Text": text}, signed=signed, other=signed.encode().decode("latin-1"))


def test_a_non_ascii_nonce_is_utf8_encoded_twice_as_the_sdk_does() -> None:
    nonce = "né"
    doubled = nonce.encode().decode("latin-1")  # the SDK's chr() of each UTF-8 byte
    signature = sign_v3("POST", BASE, nonce, TOKEN, {"a": "b"})
    assert signature == hmac_b64(BASE + "?ab", nonce=doubled)
    assert signature != hmac_b64(BASE + "?ab", nonce=nonce)
    assert sdk_accepts("POST", BASE, signature, {"a": "b"}, nonce=nonce)


@pytest.mark.parametrize(
    "method, uri, params, signed",
    [
        ("POST", BASE + "?name=%C3%A9", {"Text": "hi"}, BASE + "?name=é.Texthi"),
        ("GET", BASE + "?name=é", {}, BASE + "?name=é"),
        ("GET", "https://example.com/café/", {}, "https://example.com/caf%C3%A9/"),
    ],
)
def test_a_non_ascii_url_raises_in_the_sdk_and_smsxml_signs_it_as_utf8(
    method: str, uri: str, params: dict, signed: str
) -> None:
    """plivo-python (4.63) parses the URL as bytes, and ``urlparse``/``parse_qs`` decode bytes
    with the ASCII codec: a raw non-ASCII URL raises ``UnicodeDecodeError`` and a query with
    percent-encoded UTF-8 raises ``UnicodeEncodeError``. The SDK gives no value to follow, so
    smsxml applies the same algorithm to text and UTF-8-encodes the result once; plivo-node
    4.79 signs the same bytes for the percent-encoded query (it double-encodes a raw non-ASCII
    URL). These are the only inputs where smsxml answers and plivo-python does not. A
    non-ASCII path is signed in its canonical form, percent-encoded (signature/canonical.py): fed
    that URL, the SDK agrees."""
    signature = sign_v3(method, uri, NONCE, TOKEN, dict(params))
    assert signature == hmac_b64(signed)
    assert validate_v3(method, uri, NONCE, signature, TOKEN, dict(params))
    with pytest.raises(UnicodeError):
        sdk_accepts(method, uri, signature, params)
    if "?" not in uri:
        assert sdk_accepts(method, canonical_url(uri), signature, params)


# --- repeated keys ------------------------------------------------------------------------------


def test_a_repeated_query_key_keeps_every_value_sorted() -> None:
    check("GET", BASE + "?a=2&a=1", {}, signed=BASE + "?a=1&a=2", other=BASE + "?a=2")
    check(
        "POST", BASE + "?a=2&a=1", {"b": "c"}, signed=BASE + "?a=1&a=2.bc", other=BASE + "?a=1.bc"
    )


def test_a_get_param_also_in_the_query_takes_the_query_value() -> None:
    check(
        "GET",
        BASE + "?a=1",
        {"a": "3"},
        signed=BASE + "?a=1",
        other=BASE + "?a=1&a=3",  # plivo-node and plivo-php keep both values
    )


def test_a_repeated_post_key_given_as_a_list_keeps_every_value_sorted() -> None:
    check(
        "POST", BASE, {"a": ["2", "1"], "b": "x"}, signed=BASE + "?a1a2bx", other=BASE + "?a2a1bx"
    )


# --- all of it at once, on ASCII input ------------------------------------------------------------

# Percent escapes only of ASCII: the SDK raises on an escaped byte >= 0x80 (see above).
_piece = st.lists(
    st.sampled_from(["a", "B", "1", "0", "+", ".", "=", "-", "_", "%2B", "%20", "%3D", "%26"]),
    max_size=4,
).map("".join)


@settings(max_examples=examples(150), deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "get", "post"]),
    path=st.sampled_from(["/cb/", "/a%20b/", "/x.y/", "/"]),
    query=st.lists(st.tuples(st.sampled_from(["a", "a10", "a2", "B", "q"]), _piece), max_size=4),
    params=st.dictionaries(st.sampled_from(["Text", "a10", "a2", "B", "To"]), _piece, max_size=4),
)
def test_smsxml_and_the_sdk_agree_on_mixed_edge_cases(
    method: str, path: str, query: list[tuple[str, str]], params: dict[str, str]
) -> None:
    # Query values are used raw, so "+", "%2B", "%26" and stray "=" all reach the parser.
    qs = "&".join(f"{k}={v}" for k, v in query)
    uri = "https://example.com" + path + (f"?{qs}" if qs else "")
    signature = sign_v3(method, uri, NONCE, TOKEN, dict(params))
    assert sdk_accepts(method, uri, signature, params)
    assert not sdk_accepts(method, uri, hmac_b64("x"), params)


def test_the_worked_example_in_docs_runs() -> None:
    """docs/signature-v3.md's example is computed by smsxml and checked by the SDK."""
    import doctest
    from pathlib import Path

    doc = Path(__file__).resolve().parents[1] / "docs" / "signature-v3.md"
    result = doctest.testfile(str(doc), module_relative=False)
    assert result.attempted >= 3 and result.failed == 0
