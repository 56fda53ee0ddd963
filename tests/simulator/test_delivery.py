"""One attempt to deliver a signed request."""

from __future__ import annotations

from typing import Any

from smsxml.inbound import signed_request
from smsxml.simulator.delivery import Attempt, attempt, deliver

TOKEN = "delivery-test-TOKEN-77a1"


def _crash(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise RuntimeError(f"bad {TOKEN}")


def _ok(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("204 No Content", [])
    return []


def _redact(text: str) -> str:
    return text.replace(TOKEN, "***")


def test_an_app_that_crashes_answers_500_without_the_token() -> None:
    request = signed_request("POST", "http://testserver/s/", {"A": "1"}, TOKEN)
    reply = deliver(request, _crash, 1.0, _redact)
    assert reply.status == 500 and reply.text == "RuntimeError: bad ***"
    assert attempt(request, _ok, 1.0, _redact) == Attempt(status=204)


def test_a_failed_attempt_keeps_the_reason() -> None:
    request = signed_request("POST", "http://127.0.0.1:1/s/", {"A": "1"}, TOKEN)
    tried = attempt(request, None, 1.0, _redact)
    assert tried.status is None and tried.error
