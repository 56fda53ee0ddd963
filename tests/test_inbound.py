"""Signed requests as Plivo makes them: parameters, signatures (checked with the plivo
SDK), curl lines (run for real against a local server), and clear errors."""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plivo.utils import validate_signature
from strategies import examples

from smsxml.exc import RequestError, SmsxmlError
from smsxml.inbound import (
    InboundMessage,
    SignedRequest,
    inbound_request,
    message_intent,
    signed_request,
)
from smsxml.protocol import (
    HELP_KEYWORDS,
    INBOUND_PARAMETERS,
    MESSAGE_TYPES,
    OPTIN_KEYWORDS,
    OPTOUT_KEYWORDS,
)
from smsxml.signature import sign_v2
from smsxml.tokens import DEMO_AUTH_TOKEN, ENV_VAR

TOKEN = "SUBACCOUNT-token-for-tests-7f3a"
MAIN = "MAIN-account-token-for-tests-91c2"
URL = "https://example.com/receive_sms/"


def _request(**kwargs: object) -> SignedRequest:
    args: dict[str, object] = {"from_": "14155550100", "to": "14155550111", "text": "Hello"}
    args.update(kwargs)
    return inbound_request(URL, TOKEN, **args)  # type: ignore[arg-type]


def test_inbound_parameters_in_plivo_order() -> None:
    request = _request(message_uuid="5b1c7c1c-0000-4000-8000-000000000001")
    assert list(request.params) == [
        "From", "To", "Type", "Text", "MessageUUID", "Units", "TotalRate", "TotalAmount",
        "MessageIntent", "PowerpackUUID",
    ]  # fmt: skip
    assert request.params["From"] == "14155550100"
    assert request.params["Type"] == "sms"
    assert request.params["MessageUUID"] == "5b1c7c1c-0000-4000-8000-000000000001"
    assert (request.params["Units"], request.params["TotalRate"]) == ("1", "0.00500")
    assert request.params["TotalAmount"] == "0.00500"
    assert request.params["MessageIntent"] == "" and request.params["PowerpackUUID"] == ""


def test_units_and_amount_follow_segments() -> None:
    assert _request(text="a" * 161).params["Units"] == "2"
    assert _request(text="a" * 161).params["TotalAmount"] == "0.01000"
    # 200 code units, but an emoji is never split: 33 per part of 67 → 4 units
    emoji = _request(text="😀" * 100)
    assert (emoji.params["Units"], emoji.params["TotalAmount"]) == ("4", "0.02000")


def test_defaults_uuid4_and_20_digit_nonce() -> None:
    request = _request()
    assert uuid.UUID(request.params["MessageUUID"]).version == 4
    assert request.nonce is not None and len(request.nonce) == 20 and request.nonce.isdigit()
    assert _request().params["MessageUUID"] != request.params["MessageUUID"]


def test_post_is_form_urlencoded_utf8_and_signed() -> None:
    request = _request(text="Hé 😀 & = + %", main_auth_token=MAIN)
    assert request.method == "POST" and request.url == URL
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    body = parse_qs(request.body.decode("ascii"), keep_blank_values=True)
    assert {k: v[0] for k, v in body.items()} == request.params
    assert body["Text"] == ["Hé 😀 & = + %"]
    assert validate_signature(request.url, request.nonce, request.signature, TOKEN)
    assert validate_signature(request.url, request.nonce, request.ma_signature, MAIN)
    assert not validate_signature(request.url, request.nonce, request.signature, MAIN)
    assert request.headers["User-Agent"].startswith("PlivoHTTP/")


def test_get_appends_params_to_the_existing_query() -> None:
    request = inbound_request(
        "https://example.com/sms/?account=42",
        TOKEN,
        from_="1",
        to="2",
        text="hi there",
        method="get",
    )
    assert request.method == "GET" and request.body == b""
    assert "Content-Type" not in request.headers
    parts = urlsplit(request.url)
    assert parts.query.startswith("account=42&From=1&To=2&")
    query = parse_qs(parts.query, keep_blank_values=True)
    assert query.pop("account") == ["42"]
    assert {k: v[0] for k, v in query.items()} == request.params
    # V2 signs the URL without its query: the SDK agrees whichever URL the app rebuilds
    assert validate_signature(request.url, request.nonce, request.signature, TOKEN)
    assert request.signature == sign_v2("https://example.com/sms/", request.nonce, TOKEN)


def test_fragment_is_dropped_and_nonce_is_used() -> None:
    request = signed_request("POST", URL + "#top", {"A": 1}, TOKEN, nonce="05429567804466091622")
    assert request.url == URL and request.params == {"A": "1"}
    assert request.nonce == "05429567804466091622"
    assert request.signature == sign_v2(URL, "05429567804466091622", TOKEN)
    # Plivo always sends Ma-V2; without a main token the account is its own main account
    assert request.ma_signature == sign_v2(URL, "05429567804466091622", TOKEN)


def test_extra_params_and_headers() -> None:
    request = _request(extra={"Units": 9, "Custom": "x"})
    assert request.params["Units"] == "9" and request.params["Custom"] == "x"
    tampered = signed_request(
        "POST", URL, {}, TOKEN, extra_headers={"x-plivo-signature-v2": "forged"}
    )
    assert tampered.signature == "forged"
    assert list(tampered.headers).count("X-Plivo-Signature-V2") == 0


def test_numbers_are_sent_as_plivo_sends_them() -> None:
    request = _request(from_="+1 (415) 555-0100", to=14155550111)
    assert (request.params["From"], request.params["To"]) == ("14155550100", "14155550111")
    assert _request(from_="MyBrand").params["From"] == "MyBrand"


@pytest.mark.parametrize(
    ("text", "intent"),
    [(word, "optout") for word in sorted(OPTOUT_KEYWORDS)]
    + [(word, "optin") for word in sorted(OPTIN_KEYWORDS)]
    + [(word, "help") for word in sorted(HELP_KEYWORDS)]
    + [
        ("stop", "optout"), ("  Stop \n", "optout"), ("stop   all", "optout"),
        ("Resume All", "optin"), ("go", "optin"), ("unsub", "optout"),
        ("stop it", ""), ("please STOP", ""), ("", ""), ("STOP!", ""), ("hello", ""),
        ("STOPALL", ""), ("going", ""),
    ],
)  # fmt: skip
def test_message_intent(text: str, intent: str) -> None:
    assert message_intent(text) == intent
    assert _request(text=text).params["MessageIntent"] == intent


def test_the_keyword_lists_are_plivos() -> None:
    """Plivo's DND page: 7 opt-out, 6 opt-in and 2 help keywords, no word in two lists."""
    assert OPTOUT_KEYWORDS == {"STOP", "END", "QUIT", "CANCEL", "UNSUBSCRIBE", "UNSUB", "STOP ALL"}
    assert OPTIN_KEYWORDS == {"START", "YES", "RESUME", "RESUME ALL", "UNSTOP", "GO"}
    assert HELP_KEYWORDS == {"HELP", "INFO"}
    assert not (OPTOUT_KEYWORDS & OPTIN_KEYWORDS or OPTIN_KEYWORDS & HELP_KEYWORDS)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: signed_request("PUT", URL, {}, TOKEN), "GET or POST"),
        (lambda: signed_request("POST", "/receive_sms/", {}, TOKEN), "absolute http"),
        (lambda: signed_request("POST", "ftp://example.com/", {}, TOKEN), "absolute http"),
        (lambda: signed_request("POST", "http://example.com:99999/", {}, TOKEN), "port"),
        (lambda: signed_request("POST", "", {}, TOKEN), "URL is needed"),
        (lambda: signed_request("POST", URL, {"A": None}, TOKEN), "A has no value"),
        (lambda: signed_request("POST", URL, {}, TOKEN, nonce=""), "nonce"),
        (lambda: _request(from_=None), "from_"),
        (lambda: _request(from_=""), "from_"),
        (lambda: _request(to=None), "to "),
        (lambda: _request(text=None), "text is needed"),
        (lambda: _request(text=5), "text must be a string"),
        (lambda: _request(type=""), "type"),
    ],
)
def test_bad_input_is_a_clear_error(call, match: str) -> None:
    with pytest.raises(RequestError, match=match) as info:
        call()
    assert isinstance(info.value, SmsxmlError) and isinstance(info.value, ValueError)


def test_no_token_anywhere_in_the_request() -> None:
    request = _request(main_auth_token=MAIN)
    everything = (
        str(dataclasses.asdict(request)) + repr(request) + request.to_curl() + request.body.decode()
    )
    assert TOKEN not in everything and MAIN not in everything
    assert repr(request).startswith(f"SignedRequest(POST {URL}, 10 params, nonce=")


def test_default_token_is_env_then_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    request = inbound_request(URL, None, from_="1", to="2", text="x")
    assert validate_signature(URL, request.nonce, request.signature, DEMO_AUTH_TOKEN)
    monkeypatch.setenv(ENV_VAR, "from-the-env")
    request = inbound_request(URL, None, from_="1", to="2", text="x")
    assert validate_signature(URL, request.nonce, request.signature, "from-the-env")


@settings(max_examples=examples(50), deadline=None)
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=60))
def test_curl_line_is_shell_safe(text: str) -> None:
    request = _request(text=text)
    words = shlex.split(request.to_curl())
    assert words[:3] == ["curl", "-i", request.url]
    assert words[words.index("--data-binary") + 1] == request.body.decode()
    headers = [words[i + 1] for i, w in enumerate(words) if w == "-H"]
    assert headers == [f"{k}: {v}" for k, v in request.headers.items()]
    get = _request(text=text, method="GET")
    assert shlex.split(get.to_curl(multiline=False))[2] == get.url


@pytest.fixture
def capture_server(serve_wsgi) -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A local WSGI server that records what it received."""
    seen: list[dict[str, object]] = []

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        seen.append({
            "method": environ["REQUEST_METHOD"],
            "query": environ.get("QUERY_STRING", ""),
            "body": body,
            "signature": environ.get("HTTP_X_PLIVO_SIGNATURE_V2"),
            "nonce": environ.get("HTTP_X_PLIVO_SIGNATURE_V2_NONCE"),
        })  # fmt: skip
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<Response/>"]

    with serve_wsgi(app) as base:
        yield f"{base}/sms/", seen


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_curl_line_makes_the_same_request(capture_server, method: str) -> None:
    url, seen = capture_server
    request = inbound_request(
        url, TOKEN, from_="1", to="2", text='it\'s $(echo pwned) `x` "q" é', method=method
    )
    result = subprocess.run(
        ["bash", "-c", request.to_curl()], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "200 OK" in result.stdout and "<Response/>" in result.stdout
    got = seen[-1]
    assert got["method"] == method
    assert got["body"] == request.body
    assert got["query"] == urlsplit(request.url).query
    assert (got["signature"], got["nonce"]) == (request.signature, request.nonce)
    assert validate_signature(url, got["nonce"], got["signature"], TOKEN)


def test_send_goes_over_http(capture_server) -> None:
    url, seen = capture_server
    reply = inbound_request(url, TOKEN, from_="1", to="2", text="hi").send()
    assert reply.status == 200 and reply.content_type == "text/xml"
    assert reply.body == b"<Response/>" and len(seen) == 1


# --- MMS and WhatsApp ---------------------------------------------------------------------

PHOTO, CLIP = "https://media.example.com/photo.jpg", "https://media.example.com/clip.mp4"


@pytest.mark.parametrize("kind", MESSAGE_TYPES)
def test_each_type_sends_only_documented_parameters(kind: str) -> None:
    media = [PHOTO] if kind != "sms" else []
    request = _request(text="look", type=kind, media=media)
    sent = {("Media<n>" if re.fullmatch(r"Media\d+", k) else k) for k in request.params}
    documented = {name for name, kinds in INBOUND_PARAMETERS.items() if kind in kinds}
    assert sent - documented <= ({"Media<n>"} if kind == "whatsapp" else set())
    text_field = "Text" if kind == "sms" else "Body"
    assert request.params[text_field] == "look" and request.params["Type"] == kind


def test_an_mms_carries_body_media_count_and_one_based_media() -> None:
    request = _request(text="my cat", type="mms", media=[PHOTO, CLIP])
    assert "Text" not in request.params and "MessageIntent" not in request.params
    assert request.params["MediaCount"] == "2"
    assert (request.params["Media1"], request.params["Media2"]) == (PHOTO, CLIP)
    message = InboundMessage.from_params(request.params)
    assert (message.type, message.text, message.body) == ("mms", "my cat", "my cat")
    assert message.media == (PHOTO, CLIP)
    assert message.all_params == request.params
    assert "2 media" in repr(message)


def test_media_numbered_from_zero_are_read_too() -> None:
    """A Plivo support article numbers media Media0, Media1…; the docs Media1…"""
    params = {"From": "1", "To": "2", "Type": "mms", "MediaCount": "2",
              "Media1": CLIP, "Media0": PHOTO, "Media10": "u10", "MediaX": "no"}  # fmt: skip
    assert InboundMessage.from_params(params).media == (PHOTO, CLIP, "u10")


def test_a_whatsapp_message_with_media_only_has_no_text() -> None:
    params = {"From": "1", "To": "2", "Type": "whatsapp", "ContentType": "media",
              "MimeType": "video/mp4", "Media0": CLIP, "ErrorCode": ""}  # fmt: skip
    message = InboundMessage.from_params(params)
    assert (message.text, message.body, message.media) == ("", "", (CLIP,))
    assert (message.content_type, message.mime_type) == ("media", "video/mp4")
    assert "Text" not in message.all_params


def test_an_sms_without_text_is_still_refused() -> None:
    with pytest.raises(KeyError, match="Text"):
        InboundMessage.from_params({"From": "1", "To": "2"})
    with pytest.raises(KeyError, match="To"):
        InboundMessage.from_params({"From": "1", "Type": "mms"})


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"type": "fax"}, "type must be one of sms, mms, whatsapp"),
        ({"media": [PHOTO]}, "an SMS carries no media"),
        ({"type": "mms", "media": PHOTO}, "media must be a list of URLs"),
        ({"type": "mms", "media": [""]}, "media must be a list of URLs"),
    ],
)
def test_bad_types_and_media_are_refused_in_plain_words(kwargs: dict, says: str) -> None:
    with pytest.raises(RequestError, match=says):
        _request(**kwargs)
