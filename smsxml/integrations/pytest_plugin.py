"""pytest fixtures for testing your own Plivo app (installed with smsxml, no conftest needed).

- ``plivo_simulator``: a seeded :class:`~smsxml.simulator.Simulator` — Plivo's side, offline.
- ``signed_inbound``: a factory, ``signed_inbound(url, text="Hi", **options)``, making the
  signed request Plivo sends to a message_url (:func:`~smsxml.inbound.inbound_request`).
- ``local_webhook``: a factory serving a handler or WSGI app on 127.0.0.1, stopped after
  the test (:class:`~smsxml.webhook.LocalWebhook`).
- :func:`assert_valid_reply`: fails the test, with each problem and its hint, unless a
  reply is 200, XML and valid Message XML.

The token is ``$PLIVO_AUTH_TOKEN``, else smsxml's demo token; override the
``plivo_auth_token`` fixture to use another. Example::

    from smsxml.integrations.pytest_plugin import assert_valid_reply

    def test_my_app_replies(plivo_simulator, my_wsgi_app):
        flow = plivo_simulator.receive_sms(my_wsgi_app, "14155550100", "12025550000", "Hi")
        assert flow.ok, flow.problems
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

import smsxml

if TYPE_CHECKING:  # pragma: no cover
    from ..inbound import SignedRequest
    from ..simulator import Simulator
    from ..webhook import LocalWebhook

# pytest loads this plugin in every project where smsxml is installed, tests of smsxml or
# not: so it imports nothing of smsxml until a fixture or assert_valid_reply is used. Each
# name is reached through the package (``smsxml.Simulator``), which imports its module on
# first use (PEP 562).

__all__ = ["assert_valid_reply"]


@pytest.fixture
def plivo_auth_token() -> str:
    """The auth token requests are signed with: ``$PLIVO_AUTH_TOKEN``, else the demo token."""
    return smsxml.tokens.resolve_token(None)


@pytest.fixture
def plivo_simulator(plivo_auth_token: str) -> Simulator:
    """Plivo's side, offline and seeded: ``plivo_simulator.receive_sms(app_or_url, …)``."""
    return smsxml.Simulator(plivo_auth_token, numbers=(smsxml._demo.DEMO_NUMBER,), seed=0)


@pytest.fixture
def signed_inbound(plivo_auth_token: str) -> Callable[..., SignedRequest]:
    """``signed_inbound(url, text="Hi", from_=…, to=…, **options)``: the signed request."""

    def make(url: str, text: str = "Hi", **options: Any) -> SignedRequest:
        options.setdefault("from_", smsxml._demo.DEMO_PHONE)
        options.setdefault("to", smsxml._demo.DEMO_NUMBER)
        return smsxml.inbound_request(url, plivo_auth_token, text=text, **options)

    return make


@pytest.fixture
def local_webhook(plivo_auth_token: str) -> Iterator[Callable[..., LocalWebhook]]:
    """``local_webhook(handler_or_app, **options)``: served on 127.0.0.1 until the test ends."""
    started: list[LocalWebhook] = []

    def start(handler_or_app: Any, **options: Any) -> LocalWebhook:
        if not hasattr(handler_or_app, "log_refusal"):  # a handler, not a WebhookApp
            options.setdefault("auth_token", plivo_auth_token)
        hook = smsxml.LocalWebhook(handler_or_app, **options)
        started.append(hook)
        return hook

    yield start
    for hook in started:
        hook.stop()


def assert_valid_reply(response: Any) -> None:
    """Fail unless ``response`` is what Plivo accepts from a message_url: status 200, an XML
    content type, valid Message XML. Takes a smsxml ``Reply``, a ``requests`` response, a
    Flask/werkzeug test response, or the body itself (str or bytes)."""
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if isinstance(status, str):  # werkzeug's status is "200 OK"
        status = int(status.split()[0])
    headers = getattr(response, "headers", None)
    if status is not None and status != 200:
        pytest.fail(f"the reply is {status}, not 200: Plivo executes XML only from a 200")
    if headers is not None:
        kind = str(headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind not in smsxml.protocol.XML_MEDIA_TYPES:
            pytest.fail(f"the reply's Content-Type is {kind or 'missing'}, not application/xml")
    body = response if isinstance(response, str | bytes) else _body(response)
    errors = [p for p in smsxml.validate(body) if p.severity == "error"]
    if errors:
        lines = "\n".join(f"  {p}" + (f"\n    hint: {p.hint}" if p.hint else "") for p in errors)
        pytest.fail(f"the reply is not valid Plivo Message XML:\n{lines}")


def _body(response: Any) -> bytes:
    for name in ("body", "content", "data"):
        value = getattr(response, name, None)
        if isinstance(value, bytes):
            return value
    text = getattr(response, "text", None)
    if isinstance(text, str):
        return text.encode("utf-8")
    pytest.fail(f"cannot read a body from a {type(response).__name__}")
