"""One canonical request: however a URL is written, what smsxml signs its own parts accept.

A hypothesis test writes URLs the many ways people and HTTP clients write them — host case,
explicit default ports, percent-encoding upper and lower, unicode and spaces in paths,
repeated and empty query keys — signs with smsxml, and sends each through a LocalWebhook over
a socket and in-process, a WebhookApp in-process, the proxy and replay: one verdict
everywhere. The oracle is the plivo SDK fed the URL that was signed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import plivo.utils
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples

import smsxml
from smsxml.inbound import SignedRequest, inbound_request
from smsxml.playback import replay
from smsxml.proxy import Proxy
from smsxml.recording import load
from smsxml.signature.canonical import canonical_path, canonical_url
from smsxml.webhook import LocalWebhook, WebhookApp

TOKEN = "MAcanonicalTOKEN-0011223344556677"
FROM, TO = "14155550100", "12025550000"


def handler(message: smsxml.InboundMessage) -> smsxml.Response:
    return smsxml.Response().add_message("ok", src=message.to, dst=message.from_)


# --- the rules, one by one -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("HTTP://LOCALHOST:5111/receive_sms/", "http://localhost:5111/receive_sms/"),
        ("http://127.0.0.1:80/receive_sms/", "http://127.0.0.1/receive_sms/"),
        ("https://Example.COM:443/x/", "https://example.com/x/"),
        ("http://h/r%c3%a9/", "http://h/r%C3%A9/"),
        ("http://h/ré/", "http://h/r%C3%A9/"),
        ("http://h/my hook/", "http://h/my%20hook/"),
        ("http://h/%7euser/%5F/", "http://h/~user/_/"),
        ("http://h/a%2Fb/", "http://h/a%2Fb/"),
        ("http://h/{x}/", "http://h/%7Bx%7D/"),
        ("http://h/100%/", "http://h/100%25/"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("http://h/x?b=2&a=%7e&a=", "http://h/x?b=2&a=~&a="),
        ("http://h/x#frag", "http://h/x"),
        ("http://h/a/./b/../c/", "http://h/a/c/"),
        ("http://h/%2e/x", "http://h/x"),
    ],
)
def test_the_canonical_form(written: str, canonical: str) -> None:
    assert canonical_url(written) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


@pytest.mark.parametrize("bad", ["nope", "ftp://h/x", "http://[::1/x", "http:///x", 5])
def test_a_url_that_is_not_one_is_a_signature_error(bad: object) -> None:
    with pytest.raises(smsxml.SignatureError):
        canonical_url(bad)  # type: ignore[arg-type]


def test_a_signature_over_the_url_as_configured_still_validates() -> None:
    """Plivo signs the message_url as configured: a checker tries that spelling too."""
    written = "https://Example.com:443/Receive%7eSMS/"
    signature = plivo_signature(written, "12345")
    assert smsxml.validate_v2(written, "12345", signature, TOKEN)
    assert not smsxml.validate_v2("https://example.com/other/", "12345", signature, TOKEN)


def plivo_signature(url: str, nonce: str) -> str:
    """A V2 signature over ``url`` exactly as written (no canonical form)."""
    import base64
    import hashlib
    import hmac

    base = url.split("?", 1)[0]
    digest = hmac.new(TOKEN.encode(), (base + nonce).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_the_proxy_checks_a_report_at_its_own_path_behind_a_public_url() -> None:
    """--public-url names the message_url; a delivery report comes to /sms_status/ on the same
    host, and is checked there (not at /receive_sms/sms_status/)."""
    public = "https://abc.example/receive_sms/"
    app = WebhookApp(handler, TOKEN, status_path="/sms_status/", public_url=public)
    with LocalWebhook(app) as hook:
        upstream = hook.url.removesuffix("/receive_sms/")
        with Proxy(upstream, TOKEN, public_url=public) as proxy:
            report = smsxml.signed_request(
                "POST", "https://abc.example/sms_status/",
                {"MessageUUID": "u1", "Status": "delivered"}, TOKEN,
            )  # fmt: skip
            sent = dataclasses.replace(report, url=proxy.url + "/sms_status/")
            assert sent.send().status == 200
            (exchange,) = proxy.exchanges
    assert exchange.verdict == "valid V3", exchange
    assert hook.log.last.verdict == "valid V3"


# --- the property --------------------------------------------------------------------------------

_PIECES = ["a", "Z", "0", "-", ".", "_", "~", " ", "é", "{", "}", "+", "%2F", "%7e", "%7E",
           "%5F", "%c3%a9", "%C3%A9", "%20"]  # fmt: skip
segments = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5).map("".join)
paths = st.lists(segments, min_size=1, max_size=3).map(lambda s: "/" + "/".join(s) + "/")
hosts = st.sampled_from(["127.0.0.1", "localhost", "LOCALHOST", "LocalHost"])
query_keys = st.sampled_from(["a", "b", "campaign", "x y"])  # repeated; values may be empty
queries = st.lists(st.tuples(query_keys, st.sampled_from(["1", "2", "", "é", "a+b"])), max_size=3)


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in pairs)


def _lower_hex(path: str) -> str:
    """``path`` with its percent-escapes in lower case: another way to write the same URL."""
    import re

    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), canonical_path(path))


def _sdk_agrees(request: SignedRequest) -> bool:
    """The plivo SDK's verdict on the URL that was signed (None where it crashes)."""
    try:
        return bool(
            plivo.utils.validate_signature(
                request.url, request.nonce, request.headers["X-Plivo-Signature-V2"], TOKEN
            )
        )
    except (UnicodeError, ValueError):  # pragma: no cover - canonical URLs are ASCII
        return True


@settings(
    max_examples=examples(120),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    path=paths,
    written=st.sampled_from(["as typed", "canonical", "lower hex"]),
    host=hosts,
    query=queries,
    method=st.sampled_from(["POST", "GET"]),
)
def test_one_verdict_for_every_way_of_writing_a_url(
    tmp_path_factory: pytest.TempPathFactory,
    path: str,
    written: str,
    host: str,
    query: list[tuple[str, str]],
    method: str,
) -> None:
    """Signed by smsxml for the URL as written; accepted by every part, whatever the form."""
    shown = {"as typed": path, "canonical": canonical_path(path), "lower hex": _lower_hex(path)}
    record = tmp_path_factory.mktemp("rec") / "r.jsonl"
    app = WebhookApp(handler, TOKEN, path=path, record_to=str(record))
    with LocalWebhook(app) as hook:
        suffix = shown[written] + (f"?{_query(query)}" if query else "")
        url = f"http://{host}:{hook.port}{suffix}"
        request = inbound_request(url, TOKEN, from_=FROM, to=TO, text="hi", method=method)
        assert _sdk_agrees(request), request.url
        # over the socket
        assert request.send().status == 200, (request.url, hook.log.last)
        # in-process, to the WebhookApp itself
        in_process = WebhookApp(handler, TOKEN, path=path)
        assert request.send(target=in_process).status == 200, in_process.log.last
        # through the transparent proxy: the app behind it sees the Host the client sent
        with Proxy(f"http://127.0.0.1:{hook.port}", TOKEN) as proxy:
            netloc = request.url.split("/")[2]
            target = request.url.replace(netloc, f"127.0.0.1:{proxy.port}", 1)
            answer = requests.request(
                method, target, data=request.body or None,
                headers={**request.headers, "Host": netloc}, timeout=5,
            )  # fmt: skip
            assert answer.status_code == 200, (target, hook.log.last)
            assert proxy.exchanges[-1].verdict.startswith("valid"), proxy.exchanges[-1]
        # replayed as recorded to the URL it was recorded at (a duplicate), and re-signed
        recorded = load(record)[:1]
        (again,) = replay(recorded, recorded[0].url, resign=False)
        (fresh,) = replay(recorded, hook, TOKEN)
        assert again.status == 200 and fresh.status == 200, (again, fresh)
    with LocalWebhook(handler, TOKEN, path=path, in_process=True) as mounted:
        moved = f"http://127.0.0.1:{mounted.port}{suffix}"  # mounted at its own origin
        assert inbound_request(moved, TOKEN, from_=FROM, to=TO, text="hi").send().status == 200


def test_the_hook_hands_out_a_url_its_app_accepts(tmp_path: Path) -> None:
    for path in ("/ré/", "/my hook/", "/a%2Fb/", "/x{y}/", "/%7euser/", "/%c3%a9/"):
        for in_process in (False, True):
            with LocalWebhook(handler, TOKEN, path=path, in_process=in_process) as hook:
                flow = smsxml.Simulator(TOKEN, seed=1).receive_sms(hook, FROM, TO, "hi")
                assert flow.reply is not None and flow.reply.status == 200, (path, hook.url)
                assert hook.url == canonical_url(hook.url)


@pytest.mark.parametrize("path", ["/x?y/", "/x#y/", "//x/", "x/"])
def test_a_path_no_url_can_reach_is_refused_at_construction(path: str) -> None:
    with pytest.raises(ValueError, match="path"):
        WebhookApp(handler, TOKEN, path=path)
