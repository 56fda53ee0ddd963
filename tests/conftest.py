"""Shared fixtures: test tokens and one running LocalWebhook for the whole session."""

from __future__ import annotations

import contextlib
import threading
import time
import wsgiref.simple_server
from collections.abc import Callable, Iterator

import pytest

from smsxml.inbound import InboundMessage
from smsxml.webhook import LocalWebhook
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


class _QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serve(app: Callable) -> Iterator[str]:
    httpd = wsgiref.simple_server.make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def serve_wsgi() -> Callable:
    """Serve any small WSGI app on 127.0.0.1: ``with serve_wsgi(app) as base_url: ...``."""
    return _serve
