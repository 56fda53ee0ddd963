"""smsxml.workshop.check_retries (notebook 08): the stub fails, a solution passes, and a slow,
failing or wrongly keyed app is named as such. Through the real simulator and WebhookApp."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from smsxml import Response, WebhookApp
from smsxml.inbound import InboundMessage
from smsxml.workshop import BOOKING_TEXTS, RETRY_ADVICE, CheckResult, Grader, check_retries

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "08_when_things_go_wrong.ipynb"


@pytest.fixture(autouse=True)
def _token(monkeypatch, auth_token):
    """The check uses the environment's token, like a learner's WebhookApp would."""
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", auth_token)


def text_of(result: CheckResult) -> str:
    return "\n".join(result.messages)


def make_booking(bookings: list[str]):
    def take_booking(message: InboundMessage) -> Response:
        bookings.append(message.message_uuid or "")
        return Response().add_message("Booked!", src=message.to, dst=message.from_)

    return take_booking


def test_the_stub_fails_with_a_nudge_then_the_solution():
    grader, bookings = Grader(), []
    app = WebhookApp(make_booking(bookings))
    first = check_retries(app, bookings, grader=grader)
    assert not first.passed
    assert "booked 2 times" in text_of(first) and "same MessageUUID" in text_of(first)
    assert RETRY_ADVICE["r-idempotent"] not in text_of(first)
    second = check_retries(app, bookings, grader=grader)
    assert RETRY_ADVICE["r-idempotent"] in text_of(second)


def test_the_solutions_pass_and_book_once_per_text():
    bookings: list[str] = []
    result = check_retries(WebhookApp(make_booking(bookings), idempotent=True), bookings)
    assert result.passed, str(result)
    assert len(bookings) == len(BOOKING_TEXTS) == len(set(bookings))

    seen: set[str] = set()
    by_hand: list[str] = []

    def take_booking(message: InboundMessage) -> Response:
        if message.message_uuid not in seen:
            seen.add(message.message_uuid or "")
            by_hand.append(message.message_uuid or "")
        return Response()

    assert check_retries(take_booking, by_hand).passed  # a handler is wrapped for you


def test_the_same_app_checked_again_still_passes():
    """An idempotent app remembers MessageUUIDs: each try must meet new ones."""
    grader, bookings = Grader(), []
    app = WebhookApp(make_booking(bookings), idempotent=True)
    assert check_retries(app, bookings, grader=grader).passed
    again = check_retries(app, bookings, grader=grader)
    assert again.passed, str(again)


def test_a_failing_handler_is_told_plivo_retries_it():
    bookings: list[int] = []

    def crashes(message: InboundMessage) -> Response:
        raise RuntimeError("kitchen printer offline")

    said = text_of(check_retries(WebhookApp(crashes), bookings))
    assert "all 4 of Plivo's attempts got 500" in said
    assert "RuntimeError: kitchen printer offline" in said and "60, 180 and 420 s" in said


def test_a_slow_handler_is_told_the_8_second_limit():
    bookings: list[str] = []
    book = make_booking(bookings)

    def slow(message: InboundMessage) -> Response:
        time.sleep(0.3)
        return book(message)

    said = text_of(check_retries(WebhookApp(slow, idempotent=True), bookings, timeout=0.1))
    assert "no answer within 0.1 s (Plivo waits 8 s)" in said


def test_what_cannot_be_checked_is_declined():
    assert "the list your handler books into" in text_of(check_retries(lambda m: None, None))  # type: ignore[arg-type]
    assert "give your app" in text_of(check_retries(42, []))


def test_the_check_is_deterministic():
    def run() -> str:
        bookings: list[str] = []
        return str(check_retries(WebhookApp(make_booking(bookings)), bookings, grader=Grader()))

    assert run() == run()


# --- every piece of advice, applied literally, passes ---------------------------------------

_HEAD = "from smsxml import Response, WebhookApp\nbookings = []\n"
_REPLY = "    return Response().add_message('Booked!', src=message.to, dst=message.from_)\n"
#: For each piece of advice: the exercise's cell with CODE where the advice goes, the mistake.
FRAMES = {
    "r-idempotent": (
        _HEAD
        + "def take_booking(message):\n    bookings.append(message.message_uuid)\n"
        + _REPLY
        + "app = CODE\n",
        "WebhookApp(take_booking)",
    ),
    "r-book": (
        _HEAD
        + "def take_booking(message):\n    CODE\n"
        + _REPLY
        + "app = WebhookApp(take_booking, idempotent=True)\n",
        "pass",
    ),
    "r-per-text": (
        _HEAD
        + "seen = set()\ndef take_booking(message):\n    key = CODE\n"
        + "    if key not in seen:\n        seen.add(key)\n"
        + "        bookings.append(message.message_uuid)\n"
        + _REPLY
        + "app = WebhookApp(take_booking)\n",
        "message.from_",
    ),
}


def _grade(source: str, grader: Grader) -> CheckResult:
    namespace: dict = {}
    exec(source, namespace)
    return check_retries(namespace["app"], namespace["bookings"], grader=grader)


def test_every_piece_of_advice_has_a_frame():
    assert set(FRAMES) == set(RETRY_ADVICE)


@pytest.mark.parametrize("key", sorted(RETRY_ADVICE))
def test_the_advice_is_given_for_its_mistake_and_applied_literally_passes(key):
    template, mistake = FRAMES[key]
    grader = Grader()
    wrong = _grade(template.replace("CODE", mistake), grader)
    if RETRY_ADVICE[key] not in text_of(wrong):
        wrong = _grade(template.replace("CODE", mistake), grader)  # the nudge's second half
    assert not wrong.passed
    assert RETRY_ADVICE[key] in text_of(wrong), (key, str(wrong))
    right = _grade(template.replace("CODE", RETRY_ADVICE[key]), Grader())
    assert right.passed, (key, str(right))


def test_the_notebook_states_what_the_check_sends():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for text in BOOKING_TEXTS:
        assert repr(text) in prose
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "check_retries(app, bookings)" in code and "idempotent=True" in code
