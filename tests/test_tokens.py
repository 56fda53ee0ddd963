"""Tokens are kept out of output by never being put there; hiding one never changes data.

A flow with a short token ("test", "1", "s") must send, sign, count and report exactly
what the same flow with a 40-character token does; only free text from outside smsxml (an
exception message) is scrubbed, and only of whole tokens of 8 characters or more.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples

import smsxml
from smsxml.tokens import MASK, MIN_HIDDEN_LENGTH, WeakTokenWarning, redact, resolve_token

LONG = "MAtestTOKEN-long-enough-to-hide-4c1f9e0b"
FROM, OWN = "14155550100", "12025550000"
STATUS_URL = "http://testserver/sms_status/"


def handler(message: smsxml.InboundMessage) -> smsxml.Response:
    """Replies with text full of the characters short tokens are made of."""
    return smsxml.Response().add_message(
        f"a test of test: {message.text} 1 s / <ok>",
        src=message.to,
        dst=message.from_,
        callback_url=STATUS_URL,
    )


def _flow(token: str) -> dict[str, Any]:
    """What a learner sees of one seeded flow, without what depends on the token itself
    (signatures): texts, URLs, encodings, units, reports, XML, the app's log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeakTokenWarning)
        app = smsxml.WebhookApp(handler, token, status_path="/sms_status/")
        flow = smsxml.Simulator(token, seed=7).receive_sms(app, FROM, OWN, "testing 1 2 3")
    data = flow.to_dict()
    signature_headers = [
        {k: v for k, v in r["request"]["headers"].items() if "Signature" not in k}
        for r in data["reports"]
    ]
    for r in data["reports"]:
        r["request"].pop("headers")
    data["inbound"].pop("headers")
    data["report_headers"] = signature_headers
    data["log"] = [
        (e.method, e.url, e.path, e.status, e.verdict, e.reply, e.body, dict(e.params))
        for e in app.log
    ]
    return data


def test_a_long_token_flow_is_whole() -> None:
    data = _flow(LONG)
    assert data["reply"]["status"] == 200 and "a test of test" in data["reply"]["text"]
    (message,) = data["outbound"]
    assert message["encoding"] == "GSM-7" and message["text"].startswith("a test of test")
    assert data["reports"] and all(r["request"]["url"] == STATUS_URL for r in data["reports"])
    assert all(entry[3] == 200 for entry in data["log"]), data["log"]


@pytest.mark.parametrize("token", ["test", "1", "s", "/", "e", "<", "Message", "sms_"])
def test_short_tokens_give_the_same_flow_as_a_long_one(token: str) -> None:
    assert _flow(token) == _flow(LONG)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="abcdeflmnorstxST0123456789/_.:<>=& ", min_size=1, max_size=7))
def test_any_short_token_gives_the_same_flow(token: str) -> None:
    if token.strip() != token or not token.strip():
        token = token.strip() or "x"
    assert _flow(token) == _flow(LONG)


def test_a_reply_holding_the_token_is_sent_as_written() -> None:
    """The reply is data: an app that puts its token in a text sends that text."""

    def leaky(message: smsxml.InboundMessage) -> smsxml.Response:
        return smsxml.Response().add_message(f"token {LONG}", src=message.to, dst=message.from_)

    app = smsxml.WebhookApp(leaky, LONG)
    flow = smsxml.Simulator(LONG, seed=1).receive_sms(app, FROM, OWN, "hi")
    assert flow.outbound[0].text == f"token {LONG}"
    assert LONG in (app.log.last.reply or "")


def test_reprs_show_the_mask_never_the_token() -> None:
    app = smsxml.WebhookApp(handler, LONG)
    sim = smsxml.Simulator(LONG, seed=1)
    flow = sim.receive_sms(app, FROM, OWN, "hi")
    for view in (repr(app), repr(sim), str(flow), flow._repr_html_(), json.dumps(flow.to_dict())):
        assert LONG not in view
    assert MASK in repr(app) and MASK in repr(sim)


def test_a_handler_exception_is_scrubbed_of_a_long_token() -> None:
    def crash(message: smsxml.InboundMessage) -> smsxml.Response:
        raise RuntimeError(f"bad token {LONG}; test")

    app = smsxml.WebhookApp(crash, LONG)
    smsxml.Simulator(LONG, seed=1).receive_sms(app, FROM, OWN, "hi")
    entry = app.log.last
    assert entry.status == 500
    assert LONG not in entry.error and LONG not in entry.traceback
    assert f"bad token {MASK}; test" in entry.error


# --- redact and the warning ------------------------------------------------------------------


def test_redact_hides_whole_long_tokens_only() -> None:
    token = "abcd1234EFGH"
    assert redact(f"token={token}.", token) == f"token={MASK}."
    assert redact(f"x{token}y", token) == f"x{token}y"  # part of a longer word: data-like
    assert redact("a test of test", "test") == "a test of test"  # too short to hide
    assert redact("http://testserver/", "test") == "http://testserver/"
    assert len("test") < MIN_HIDDEN_LENGTH <= len(token)


_ALNUM = st.characters(min_codepoint=48, max_codepoint=122).filter(str.isalnum)


@given(st.text(_ALNUM, min_size=MIN_HIDDEN_LENGTH, max_size=40), st.text(max_size=60))
def test_redact_never_leaves_a_whole_long_token(token: str, around: str) -> None:
    hidden = redact(f"{around} {token} {around}", token)
    assert f" {token} " not in hidden and f" {MASK} " in hidden


def test_a_short_token_warns_once() -> None:
    with pytest.warns(WeakTokenWarning, match="4 character"):
        assert resolve_token("zq9w") == "zq9w"
    with warnings.catch_warnings():
        warnings.simplefilter("error", WeakTokenWarning)
        resolve_token("zq9w")  # the same token again: no second warning
        resolve_token(LONG)  # a long one: none
