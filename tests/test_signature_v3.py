"""X-Plivo-Signature-V3 on the webhook: Plivo signs message_url requests with V3 too
(method + URL with sorted query + sorted POST params + nonce). Checked against the SDK."""

from __future__ import annotations

import plivo.utils
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from smsxml.inbound import SignedRequest, inbound_request, signed_request
from smsxml.protocol import SIGNATURE_HEADERS
from smsxml.signature import sign_v3
from smsxml.signature.diagnose import diagnose_v3
from smsxml.webhook import LocalWebhook, WebhookApp
from smsxml.xml import Response

TOKEN, MAIN = "v3-SUB-token-4d7c1a", "v3-MAIN-token-9e2b08"
FROM, TO = "14155550100", "12025550000"
V2 = ("X-Plivo-Signature-V2", "X-Plivo-Signature-Ma-V2", "X-Plivo-Signature-V2-Nonce")
V3 = ("X-Plivo-Signature-V3", "X-Plivo-Signature-Ma-V3", "X-Plivo-Signature-V3-Nonce")


def echo(message: object) -> Response:
    return Response().add_message("ok", src=TO, dst=FROM)


def without(request: SignedRequest, names: tuple[str, ...]) -> SignedRequest:
    for name in names:
        del request.headers[name]
    return request


def test_every_request_carries_all_six_signature_headers_and_the_sdk_agrees() -> None:
    request = inbound_request("https://example.com/receive_sms/?x=1", TOKEN, from_=FROM, to=TO,
                              text="hello", main_auth_token=MAIN)  # fmt: skip
    assert set(SIGNATURE_HEADERS) <= set(request.headers)
    nonce, params = request.headers["X-Plivo-Signature-V3-Nonce"], dict(request.params)
    validate = plivo.utils.validate_v3_signature
    assert validate("POST", request.url, nonce, TOKEN, request.headers[V3[0]], params)
    assert validate("POST", request.url, nonce, MAIN, request.headers[V3[1]], params)


@settings(max_examples=examples(60), deadline=None)
@given(
    method=st.sampled_from(["GET", "POST"]),
    params=st.dictionaries(
        st.text(st.characters(min_codepoint=48, max_codepoint=122), min_size=1, max_size=8),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
        max_size=5,
    ),
)
def test_signed_requests_validate_with_the_sdk_for_any_params(
    method: str, params: dict[str, str]
) -> None:
    request = signed_request(method, "https://example.com/cb/", params, TOKEN, nonce="12345")
    sdk_params = dict(request.params) if method == "POST" else None
    assert plivo.utils.validate_v3_signature(
        method, request.url, "12345", TOKEN, request.headers[V3[0]], sdk_params
    )


@pytest.mark.parametrize(("dropped", "verdict"), [(V2, "valid V3"), ((*V2, V3[0]), "valid Ma-V3")])
def test_v3_alone_gets_a_request_in(dropped: tuple[str, ...], verdict: str) -> None:
    with LocalWebhook(echo, TOKEN, main_auth_token=MAIN) as hook:
        request = inbound_request(hook.url, TOKEN, from_=FROM, to=TO, text="hi",
                                  main_auth_token=MAIN)  # fmt: skip
        assert without(request, dropped).send().status == 200
        entry = hook.log.last
    assert entry is not None and entry.verdict == verdict
    assert entry.signature is not None
    assert set(entry.signature.headers) == set(SIGNATURE_HEADERS) - set(dropped)


def test_the_versions_a_webhook_accepts_are_configurable() -> None:
    only_v3 = WebhookApp(echo, TOKEN, signature_versions=("V3",))
    only_v2 = WebhookApp(echo, TOKEN, signature_versions="V2")
    with LocalWebhook(only_v3) as v3_hook, LocalWebhook(only_v2) as v2_hook:
        for hook, dropped, status in [
            (v3_hook, V3, 403),  # V2 alone is not enough when V3 is required
            (v3_hook, V2, 200),
            (v2_hook, V2, 403),  # nor V3 alone when only V2 is accepted
            (v2_hook, V3, 200),
        ]:
            request = inbound_request(hook.url, TOKEN, from_=FROM, to=TO, text="hi")
            reply = without(request, dropped).send()
            assert reply.status == status, (hook.app.signature_versions, dropped)
    assert (
        v3_hook.log[0].reason == "missing X-Plivo-Signature-V3 / X-Plivo-Signature-V3-Nonce headers"
    )
    with pytest.raises(ValueError, match="'V2', 'V3' or both"):
        WebhookApp(echo, TOKEN, signature_versions=("V4",))
    with pytest.raises(ValueError, match="'V2', 'V3' or both"):
        WebhookApp(echo, TOKEN, signature_versions=())


def test_a_parameter_changed_in_transit_breaks_v3_and_is_named() -> None:
    with LocalWebhook(echo, TOKEN) as hook:
        request = without(inbound_request(hook.url, TOKEN, from_=FROM, to=TO, text="hi"), V2)
        body = request.body.replace(b"Text=hi", b"Text=yo")
        tampered = SignedRequest(request.method, request.url, request.headers, request.params, body)
        reply = tampered.send()
        entry = hook.log.last
    assert reply.status == 403 and reply.text == "403 invalid X-Plivo-Signature-V3 signature\n"
    assert entry is not None and entry.verdict == "invalid"
    assert entry.diagnosis is not None and entry.diagnosis.causes == ("unknown",)
    assert "parameter" in str(entry.diagnosis)


@pytest.mark.parametrize(
    ("signed", "seen", "cause"),
    [
        (("POST", "https://example.com/r/"), ("POST", "http://example.com/r/"), ("scheme",)),
        (("POST", "https://example.com:8443/r/"), ("POST", "https://example.com/r/"), ("port",)),
        (("POST", "https://example.com/r"), ("POST", "https://example.com/r/"),
         ("trailing-slash",)),
    ],
)  # fmt: skip
def test_diagnose_v3_names_the_method_and_url_suspects(
    signed: tuple[str, str], seen: tuple[str, str], cause: tuple[str, ...]
) -> None:
    params = {"From": FROM, "Text": "hi"}
    method, url = signed
    signature = sign_v3(method, url, "777", TOKEN, params if method == "POST" else None)
    d = diagnose_v3(seen[0], seen[1], "777", signature, TOKEN, params)
    assert not d.valid and d.causes == cause
    assert diagnose_v3(method, url, "777", signature, TOKEN, params).valid


def test_diagnose_v3_names_a_method_that_differs() -> None:
    """Plivo called with POST; the app checked the signature as for a GET."""
    url, params = "https://example.com/r/", {"From": FROM, "Text": "hi"}
    signature = sign_v3("POST", url, "777", TOKEN, params)
    d = diagnose_v3("GET", url, "777", signature, TOKEN, params)
    assert d.causes == ("method",) and "GET vs POST" in str(d)


@settings(max_examples=examples(60), deadline=None)
@given(
    method=st.sampled_from(["GET", "POST"]),
    query=st.dictionaries(
        st.sampled_from("abcxyz"), st.text("0123456789.", max_size=4), max_size=3
    ),
    params=st.dictionaries(st.sampled_from(["From", "To", "Text"]), st.text("ab.c1 ", max_size=6)),
)
def test_explain_v3_shows_the_string_the_sdk_signs(
    method: str, query: dict[str, str], params: dict[str, str]
) -> None:
    from urllib.parse import urlencode

    from plivo.utils.signature_v3 import construct_get_url, construct_post_url

    from smsxml.signature import explain_v3

    url = "https://example.com/r/" + ("?" + urlencode(query) if query else "")
    explained = explain_v3(method, url, "4242", TOKEN, params)
    sdk_url = (construct_get_url(url, dict(params)) if method == "GET"
               else construct_post_url(url, dict(params))).decode()  # fmt: skip
    assert explained.string_to_sign == f"{sdk_url}.4242"
    assert explained.signature == sign_v3(method, url, "4242", TOKEN, params)
    assert plivo.utils.validate_v3_signature(
        method, url, "4242", TOKEN, explained.signature, dict(params)
    )
    assert TOKEN not in str(explained) and TOKEN not in explained._repr_html_()
