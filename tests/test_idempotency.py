"""A retried message (the same MessageUUID) gets the reply it got before, with the handler not
run again: WebhookApp(idempotent=True). Plivo retries a non-2xx or slow answer with the same
MessageUUID, so a handler that acts (charges, books, texts someone) must not act twice."""

from __future__ import annotations

import time
from pathlib import Path

import smsxml
from smsxml.signature import MemoryNonceStore, SQLiteNonceStore
from smsxml.webhook.reply import Handler

TOKEN = "MAidempotentTOKEN-0123456789ab"
FROM, TO = "14155550100", "12025550000"
URL = "http://testserver/receive_sms/"


def counting_handler() -> tuple[list[str], Handler]:
    calls: list[str] = []

    def handler(message: smsxml.InboundMessage) -> smsxml.Response:
        calls.append(message.text)
        return smsxml.Response().add_message(
            f"booked #{len(calls)}", src=message.to, dst=message.from_
        )

    return calls, handler


def _attempt(app: smsxml.WebhookApp, uuid: str, text: str = "book") -> smsxml.Reply:
    """One attempt Plivo makes: signed afresh (a new nonce), the same MessageUUID."""
    request = smsxml.inbound_request(URL, TOKEN, from_=FROM, to=TO, text=text, message_uuid=uuid)
    return request.send(target=app)


def test_a_retry_gets_the_same_reply_and_the_handler_runs_once() -> None:
    calls, handler = counting_handler()
    app = smsxml.WebhookApp(handler, TOKEN, idempotent=True)
    first, retry = _attempt(app, "u-1"), _attempt(app, "u-1")
    assert first.status == retry.status == 200
    assert retry.text == first.text and "booked #1" in retry.text
    assert calls == ["book"] and "same reply as before" in app.log.last.detail
    other = _attempt(app, "u-2")  # another message: the handler runs
    assert "booked #2" in other.text and calls == ["book", "book"]


def test_without_it_a_retry_runs_the_handler_again() -> None:
    calls, handler = counting_handler()
    app = smsxml.WebhookApp(handler, TOKEN)
    first, retry = _attempt(app, "u-1"), _attempt(app, "u-1")
    assert "booked #1" in first.text and "booked #2" in retry.text
    assert calls == ["book", "book"]  # the lesson: a handler that acts would act twice


def test_the_replies_can_live_in_the_shared_store(tmp_path: Path) -> None:
    calls, handler = counting_handler()
    store = SQLiteNonceStore(tmp_path / "shared.db")
    one = smsxml.WebhookApp(handler, TOKEN, idempotent=True, nonce_store=store)
    two = smsxml.WebhookApp(handler, TOKEN, idempotent=True, nonce_store=store)
    first = _attempt(one, "u-9")
    assert _attempt(two, "u-9").text == first.text and calls == ["book"]


def test_a_memory_store_forgets_after_its_window() -> None:
    calls, handler = counting_handler()
    app = smsxml.WebhookApp(
        handler, TOKEN, idempotent=True, nonce_store=MemoryNonceStore(window=0.05)
    )
    _attempt(app, "u-3")
    time.sleep(0.1)
    _attempt(app, "u-3")
    assert calls == ["book", "book"]
