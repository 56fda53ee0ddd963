"""diagnose_v2 names the usual reason a real Plivo signature fails to validate."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from smsxml import diagnose_v2, sign_v2

TOKEN = "SUBACCOUNT-token-abcdefghijklmnopqrstuv"
MAIN = "MAIN-account-token-abcdefghijklmnopqrst"
NONCE = "12345678901234567890"
PUBLIC = "https://example.com/receive_sms/"


def raw(message: str, token: str = TOKEN) -> str:
    return base64.b64encode(
        hmac.new(token.encode(), message.encode(), hashlib.sha256).digest()
    ).decode()


def test_valid_signature_is_reported_valid() -> None:
    d = diagnose_v2(PUBLIC, NONCE, sign_v2(PUBLIC, NONCE, TOKEN), TOKEN)
    assert d.valid and d.causes == ()
    assert "Valid" in str(d)


@pytest.mark.parametrize(
    ("seen", "cause", "words"),
    [
        ("http://example.com/receive_sms/", "scheme", "http vs https"),
        ("https://example.com:443/receive_sms/", "port", "port"),
        ("https://example.com/receive_sms", "trailing-slash", "trailing slash"),
        ("http://example.com:8443/receive_sms", None, None),
    ],
)
def test_url_rewrites_are_named(seen: str, cause: str | None, words: str | None) -> None:
    d = diagnose_v2(seen, NONCE, sign_v2(PUBLIC, NONCE, TOKEN), TOKEN)
    assert not d.valid
    if cause is None:  # three changes at once: scheme, port and slash
        assert set(d.causes) == {"scheme", "port", "trailing-slash"}
    else:
        assert d.causes == (cause,)
        assert words in str(d)
    assert d.signed_url == PUBLIC
    assert f"signed for {PUBLIC}; your app saw" in str(d)


def test_tls_proxy_message_reads_plainly() -> None:
    d = diagnose_v2("http://example.com/receive_sms/", NONCE, sign_v2(PUBLIC, NONCE, TOKEN), TOKEN)
    assert str(d).startswith(
        "signed for https://example.com/receive_sms/; your app saw "
        "http://example.com/receive_sms/ (scheme differs)."
    )


def test_host_rewritten_by_a_tunnel_needs_the_public_url() -> None:
    seen = "http://127.0.0.1:5000/receive_sms/"
    signature = sign_v2(PUBLIC, NONCE, TOKEN)
    assert diagnose_v2(seen, NONCE, signature, TOKEN).causes == ("unknown",)
    d = diagnose_v2(seen, NONCE, signature, TOKEN, public_url=PUBLIC)
    assert d.causes == ("public-url",)
    assert "scheme, host, port differ" in str(d)


def test_query_string_signed() -> None:
    url = PUBLIC + "?From=1"
    d = diagnose_v2(url, NONCE, raw(url + NONCE), TOKEN)
    assert d.causes == ("query-signed",)
    assert "query string" in str(d)


def test_slash_before_nonce() -> None:
    d = diagnose_v2(PUBLIC, NONCE, raw(PUBLIC + "/" + NONCE), TOKEN)
    assert d.causes == ("slash-before-nonce",)
    assert "plivo-ruby#116" in str(d)


def test_slash_before_nonce_and_missing_trailing_slash_sign_the_same_string() -> None:
    """.../sms + "/" + nonce == .../sms/ + nonce: the URL is the likelier culprit."""
    url = "https://example.com/sms"
    assert diagnose_v2(url, NONCE, raw(url + "/" + NONCE), TOKEN).causes == ("trailing-slash",)


def test_main_vs_subaccount_token() -> None:
    ma_v2 = sign_v2(PUBLIC, NONCE, MAIN)
    assert diagnose_v2(PUBLIC, NONCE, ma_v2, TOKEN).causes == ("unknown",)
    d = diagnose_v2(PUBLIC, NONCE, ma_v2, TOKEN, main_auth_token=MAIN)
    assert d.causes == ("main-token",)
    assert "main account" in str(d)


@pytest.mark.parametrize(
    ("nonce", "signature", "token", "cause"),
    [
        (NONCE, " " + sign_v2(PUBLIC, NONCE, TOKEN) + "\n", TOKEN, "signature-whitespace"),
        (NONCE + "\r\n", sign_v2(PUBLIC, NONCE, TOKEN), TOKEN, "nonce-whitespace"),
        (NONCE, sign_v2(PUBLIC, NONCE, TOKEN), TOKEN + "\n", "token-whitespace"),
    ],
)
def test_whitespace_in_headers_or_token(nonce: str, signature: str, token: str, cause: str) -> None:
    assert diagnose_v2(PUBLIC, nonce, signature, token).causes == (cause,)


def test_missing_headers() -> None:
    assert diagnose_v2(PUBLIC, NONCE, None, TOKEN).causes == ("missing-signature",)
    assert diagnose_v2(PUBLIC, "", "sig", TOKEN).causes == ("missing-nonce",)


def test_nothing_matches_says_so_and_never_shows_a_token() -> None:
    d = diagnose_v2(
        PUBLIC, NONCE, sign_v2(PUBLIC, NONCE, "another-token"), TOKEN, main_auth_token=MAIN
    )
    assert d.causes == ("unknown",)
    assert "none of the usual suspects" in str(d)
    for text in (str(d), repr(d), d._repr_html_(), str(d.to_dict())):
        assert TOKEN not in text and MAIN not in text and "another-token" not in text


def test_bad_url_is_a_verdict_not_a_traceback() -> None:
    d = diagnose_v2("not a url", NONCE, "sig", TOKEN)
    assert not d.valid and d.causes == ("bad-url",)


@pytest.mark.parametrize(
    ("signed", "seen"),
    [
        ("https://example.com:8443/receive_sms/", "https://example.com:9443/receive_sms/"),
        ("https://example.com:8443/receive_sms/", "https://example.com/receive_sms/"),
        ("http://example.com/receive_sms/", "http://example.com:5000/receive_sms/"),
        ("http://10.0.0.5:8080/receive_sms/", "http://10.0.0.5:3000/receive_sms/"),
    ],
)
def test_a_port_that_is_not_a_default_one_is_named_not_the_token(signed: str, seen: str) -> None:
    d = diagnose_v2(seen, NONCE, sign_v2(signed, NONCE, TOKEN), TOKEN)
    assert d.causes == ("port",) and d.signed_url == signed
    assert "port differs" in str(d) and "auth token" not in str(d)


def test_a_changed_nonce_is_not_blamed_on_the_token_alone() -> None:
    other = NONCE[:-1] + ("1" if NONCE[-1] != "1" else "2")
    d = diagnose_v2(PUBLIC, other, sign_v2(PUBLIC, NONCE, TOKEN), TOKEN)
    assert d.causes == ("unknown",)
    message = str(d)
    assert "does not belong to" in message and "this nonce" in message
    assert message.index("the nonce") < message.index("the auth token")
