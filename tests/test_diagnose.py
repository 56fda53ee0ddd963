"""diagnose_v2 names the usual reason a real Plivo signature fails to validate, and says
first when it cannot: a signature that is no HMAC, an empty token, an unusable URL."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from smsxml import diagnose_v2, sign_v2
from smsxml.exc import InputError, SignatureError
from smsxml.signature.diagnose import Diagnosis, diagnose_v3

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


def test_an_explicit_default_port_is_the_same_url() -> None:
    """https://example.com:443/… and https://example.com/… are one URL (signature/canonical.py)."""
    signature = sign_v2(PUBLIC, NONCE, TOKEN)
    assert diagnose_v2("https://example.com:443/receive_sms/", NONCE, signature, TOKEN).valid


@pytest.mark.parametrize(
    ("seen", "cause", "words"),
    [
        ("http://example.com/receive_sms/", "scheme", "http vs https"),
        ("https://example.com:8443/receive_sms/", "port", "port"),
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


# -- inputs that get their own first sentence ------------------------------------------------

GOOD = sign_v2(PUBLIC, NONCE, TOKEN)
USUAL = "none of the usual suspects"


@pytest.mark.parametrize(
    ("signature", "said"),
    [
        ("not base64!!", "it is 12 characters long and holds ' ', '!', which base64 never uses"),
        (GOOD[:20], "it is 20 characters long (cut short), not 44"),
        (GOOD + "AAAA", "it is 48 characters long, not 44"),
        (GOOD[:-1] + "A", "it is 44 characters long but decodes to 33 bytes, not 32"),
        ("  \n", "it is blank"),
    ],
)
def test_a_signature_that_is_no_hmac_says_so_first(signature: str, said: str) -> None:
    d = diagnose_v2(PUBLIC, NONCE, signature, TOKEN)
    assert d.causes == ("bad-signature",) and d.verdict == "invalid"
    first, _, rest = str(d).partition(". ")
    assert (
        first == f"The signature is not an HMAC-SHA256 in base64 (44 characters, 32 bytes): {said}"
    )
    assert rest.startswith("It can never match any token")
    assert USUAL not in str(d)


def test_a_plus_turned_into_a_space_is_named() -> None:
    url = next(
        f"{PUBLIC}?n={i}" for i in range(100) if "+" in sign_v2(f"{PUBLIC}?n={i}", NONCE, TOKEN)
    )
    mangled = sign_v2(url, NONCE, TOKEN).replace("+", " ")
    d = diagnose_v2(url, NONCE, mangled, TOKEN)
    assert d.causes == ("bad-signature",)
    assert "spaces where base64 has '+'" in str(d)


@given(st.text(max_size=80).filter(lambda s: s.strip()))
@settings(max_examples=examples(200))
def test_anything_but_32_bytes_of_base64_is_a_bad_signature(text: str) -> None:
    try:
        hmac_sized = len(base64.b64decode(text.strip(), validate=True)) == 32
    except ValueError:  # binascii.Error is a ValueError
        hmac_sized = False
    causes = diagnose_v2(PUBLIC, NONCE, text, TOKEN).causes
    assert (causes == ("bad-signature",)) is not hmac_sized


@given(st.binary(min_size=32, max_size=32))
@settings(max_examples=examples(50))
def test_any_32_bytes_of_base64_is_looked_into_not_refused(digest: bytes) -> None:
    d = diagnose_v2(PUBLIC, NONCE, base64.b64encode(digest).decode(), TOKEN)
    assert d.causes == ("unknown",) and d.tried > 0


@pytest.mark.parametrize(("token", "what"), [("", "empty"), (" \n", "only whitespace")])
def test_an_empty_token_cannot_check(token: str, what: str) -> None:
    for d in (
        diagnose_v2(PUBLIC, NONCE, GOOD, token),
        diagnose_v3("POST", PUBLIC, NONCE, GOOD, token),
    ):
        assert d.causes == ("empty-token",) and d.verdict == "cannot check" and not d.valid
        assert str(d).startswith(f"Cannot check: the auth token is {what}.")


@pytest.mark.parametrize(
    ("url", "write"),
    [
        ("example.com/receive_sms/", "https://example.com/receive_sms/"),
        ("localhost:5000/receive_sms/", "http://localhost:5000/receive_sms/"),
        ("ftp://example.com/x", "https://example.com/receive_sms/"),
        ("https:///receive_sms/", "https://example.com/receive_sms/"),
        ("", "https://example.com/receive_sms/"),
    ],
)
def test_an_unusable_url_says_what_to_write(url: str, write: str) -> None:
    for d in (
        diagnose_v2(url, NONCE, GOOD, TOKEN),
        diagnose_v3("POST", url, NONCE, GOOD, TOKEN),
    ):
        assert d.causes == ("bad-url",) and d.verdict == "cannot check"
        assert str(d).startswith("Cannot check: the URL ")
        assert write in str(d).split(". ")[1] or write in str(d).split(". ")[0]
        assert "invalid" not in d._repr_html_()


def test_the_unknown_case_is_short_and_names_what_was_not_tried() -> None:
    other = sign_v2(PUBLIC, NONCE, "another-token")
    d = diagnose_v2(PUBLIC, NONCE, other, TOKEN)
    assert len(str(d).split()) < 70
    assert "main_auth_token=" in str(d) and "public_url=" in str(d)
    tried_all = diagnose_v2(PUBLIC, NONCE, other, TOKEN, MAIN, public_url=PUBLIC)
    assert "main vs subaccount token" in str(tried_all)
    assert "main_auth_token=" not in str(tried_all) and "public_url=" not in str(tried_all)


def test_v3_signatures_that_are_no_hmac() -> None:
    d = diagnose_v3("POST", PUBLIC, NONCE, "abc,def", TOKEN)
    assert d.causes == ("bad-signature",)
    assert "none of its 2 comma-separated values" in str(d)
    assert "X-Plivo-Signature-V3" in str(d)
    # one good-looking value among them is enough to look further
    assert diagnose_v3("POST", PUBLIC, NONCE, f"abc,{GOOD}", TOKEN).causes == ("unknown",)


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (
            lambda: diagnose_v2(PUBLIC, "1", 5, TOKEN),
            "the signature must be text (str) or None, not int",
        ),
        (
            lambda: diagnose_v2(PUBLIC, 1, GOOD, TOKEN),
            "the nonce must be text (str) or None, not int",
        ),
        (lambda: diagnose_v2(None, NONCE, GOOD, TOKEN), "the URL must be text (str), not NoneType"),
        (lambda: diagnose_v2(PUBLIC, NONCE, GOOD, None), "os.environ['PLIVO_AUTH_TOKEN']"),
        (lambda: diagnose_v2(PUBLIC, NONCE, GOOD, TOKEN, b"x"), "main_auth_token must be"),
        (lambda: diagnose_v3(1, PUBLIC, NONCE, GOOD, TOKEN), "the method must be text (str)"),
        (
            lambda: diagnose_v3("POST", PUBLIC, NONCE, GOOD, TOKEN, ["x"]),
            "params must be a mapping",
        ),
    ],
)
def test_wrong_argument_types_are_smsxml_errors(call: Callable[[], object], named: str) -> None:
    with pytest.raises(SignatureError) as caught:
        call()
    assert isinstance(caught.value, InputError)
    assert named in str(caught.value)


@pytest.mark.parametrize(
    ("diagnosis", "verdict", "css"),
    [
        (lambda: diagnose_v2(PUBLIC, NONCE, GOOD, TOKEN), "valid", "smsxml-badge-ok"),
        (lambda: diagnose_v2(PUBLIC, NONCE, "x<y>", TOKEN), "invalid", "smsxml-badge-bad"),
        (lambda: diagnose_v2("x<y>", NONCE, GOOD, TOKEN), "cannot check", "smsxml-badge-none"),
    ],
)
def test_verdict_in_text_dict_and_html(
    diagnosis: Callable[[], Diagnosis], verdict: str, css: str
) -> None:
    d = diagnosis()
    assert d.verdict == verdict and d.to_dict()["verdict"] == verdict
    html = d._repr_html_()
    assert f">{verdict}</b>" in html and css in html


def test_html_escapes_what_it_was_given() -> None:
    html = diagnose_v2("x<y>", NONCE, GOOD, TOKEN)._repr_html_()
    assert "<y>" not in html and "x&lt;y&gt;" in html


@given(st.sets(st.integers(0, 42), min_size=1, max_size=8), st.data())
@settings(max_examples=examples(50))
def test_a_signature_altered_in_a_few_places_is_named(
    places: set[int], data: st.DataObject
) -> None:
    """An HMAC of other inputs shares about one character with the right one: a signature
    equal to it but for a few characters was altered, not made with other inputs."""
    chars = list(GOOD)
    for i in places:
        chars[i] = data.draw(
            st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/").filter(
                lambda c, i=i: c != GOOD[i]
            )
        )
    d = diagnose_v2(PUBLIC, NONCE, "".join(chars), TOKEN)
    assert d.causes == ("signature-altered",) and d.verdict == "invalid"
    n = len(places)
    assert f"except for {n} character{'s' if n > 1 else ''} of its 44" in str(d)
    assert USUAL not in str(d)


def test_an_altered_character_is_named_by_its_place() -> None:
    altered = GOOD[:12] + ("A" if GOOD[12] != "A" else "B") + GOOD[13:]
    assert "(the 13th)" in str(diagnose_v2(PUBLIC, NONCE, altered, TOKEN))
