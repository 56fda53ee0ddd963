"""Shared fixtures: test tokens and one running LocalWebhook for the whole session."""

from __future__ import annotations

import time

import pytest

from smsxml.webhook import InboundMessage, LocalWebhook
from smsxml.xml import Response

#: Test-only tokens; tests assert they never show up anywhere.
TOKEN = "MAtestTOKEN-sub-4c1f9e0b2a7d"
MAIN_TOKEN = "MAtestTOKEN-main-88e2d6a1f03c"


def reply_handler(message: InboundMessage) -> object:
    """Echo, unless the text asks for misbehaviour (tests of what the server survives)."""
    text = message.text
    if text == "raise":
        raise ValueError(f"handler failed while holding {TOKEN}")
    if text == "sleep":
        time.sleep(0.5)
    if text == "garbage":
        return 42
    if text == "none":
        return None
    if text == "bad xml":
        return "<Response><Message dst='x'>no src</Message></Response>"
    if text == "bytes":
        return b"<Response/>"
    if text == "leak":
        return f"<Response><!-- {TOKEN} --></Response>"
    return Response().add_message(f"echo: {text}", src=message.to, dst=message.from_)


@pytest.fixture(scope="session")
def auth_token() -> str:
    return TOKEN


@pytest.fixture(scope="session")
def main_token() -> str:
    return MAIN_TOKEN


@pytest.fixture(scope="session")
def hook():
    """A real server on 127.0.0.1 (default options) shared by the session's tests."""
    with LocalWebhook(reply_handler, TOKEN) as running:
        yield running


@pytest.fixture(scope="session")
def handler():
    return reply_handler
