"""Issue 30, "fast where it is felt": the paths made leaner against the plain ones they
replaced, so that nothing they answer, log or record changed.

- header lines read in one pass (``plain_header_fields``): the headers waitress's own
  parser reads from the same block, or None where waitress reads it itself;
- a log entry filled at once (``new_entry``): the entry ``LogEntry(...)`` makes;
- waitress's queue-depth warning made only when someone will see it: the record waitress
  makes (logger, message, arguments, caller) whenever a handler or filter is there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples
from waitress.adjustments import Adjustments
from waitress.parser import HTTPRequestParser
from waitress.task import ThreadedTaskDispatcher

from smsxml.inbound import inbound_request
from smsxml.webhook import WebhookApp
from smsxml.webhook._parser import Parser as _Parser
from smsxml.webhook._parser import plain_header_fields as _plain_header_fields
from smsxml.webhook._workers import Workers, _heard, _HeardOnly
from smsxml.webhook.log import LogEntry, new_entry
from smsxml.xml import Response

TOKEN = "MAleanPATHStoken-4b7e19c0d2"

# --- header lines, read in one pass -----------------------------------------------------------

NAMES = st.sampled_from(
    [b"Host", b"X-A", b"x-a", b"X_A", b"A_", b"Content-Type", b"Bad Name", b"", b"A\x80"]
    + [b"X-Plivo-Signature-V2", b"Content-Length", b"User-Agent", b"a-b-c"]
)
SEPARATORS = st.sampled_from([b":", b": ", b":\t", b" :", b"", b":  ", b"::"])
VALUES = st.one_of(
    st.sampled_from(
        [b"v", b" v ", b"a\tb", b"", b"\x80\xff", b"x_y", b"a b  c", b"a\rb", b"a\nb"]
        + [b"a \x7f b", b"identity", b"0", b"_", b"eeCuizuAgtYcgaFx9RugPe7l/+PIw7KqOX="]
    ),
    st.binary(max_size=12),
)
ENDS = st.sampled_from([b"\r\n"] * 6 + [b"\n", b"\r\n ", b"\r\n\t", b"\r", b""])


def reading(parser_class: type[HTTPRequestParser], block: bytes) -> object:
    """What ``parser_class`` makes of ``block`` after a plain request line: the headers it
    read, or what it raised when it refused them."""
    parser = parser_class(Adjustments())
    try:
        parser.parse_header(b"POST /receive_sms/ HTTP/1.1\r\n" + block)
    except Exception as exc:  # waitress refuses what it cannot read (ParsingError and the like)
        return ("refused", type(exc).__name__, str(exc))
    return dict(parser.headers)


@settings(max_examples=examples(500), deadline=None)
@given(st.lists(st.tuples(NAMES, SEPARATORS, VALUES, ENDS), max_size=8))
def test_header_lines_read_in_one_pass_are_the_ones_waitress_reads(
    lines: list[tuple[bytes, bytes, bytes, bytes]],
) -> None:
    block = b"".join(name + sep + value + end for name, sep, value, end in lines)
    waitress = reading(HTTPRequestParser, block)
    assert reading(_Parser, block) == waitress  # the server's parser: the same either way
    fields_read = _plain_header_fields(block)
    if fields_read is not None and isinstance(waitress, dict):
        assert fields_read == waitress  # else waitress reads the block itself


def test_names_holding_an_underscore_are_dropped_whether_or_not_a_value_holds_one() -> None:
    for block in (
        b"X_A: 1\r\nX-B: 2\r\n",
        b"X-A: a_b\r\nX_B: 2\r\n",
        b"X-A: a_b\r\nX-B: 2\r\n",
        b"X-A: 1\r\nX-A: 2\r\n",
    ):
        assert _plain_header_fields(block) == reading(HTTPRequestParser, block)


# --- a log entry filled at once ---------------------------------------------------------------

ANY = st.one_of(st.none(), st.text(max_size=5), st.integers(), st.floats(allow_nan=False))


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(ANY, min_size=len(fields(LogEntry)), max_size=len(fields(LogEntry))))
def test_a_log_entry_filled_at_once_is_the_one_its_class_makes(values: list[Any]) -> None:
    names = [f.name for f in fields(LogEntry)]
    given_fields = dict(zip(names, values, strict=True))
    fast, plain = new_entry(**given_fields), LogEntry(**given_fields)
    assert type(fast) is LogEntry
    assert list(vars(fast).items()) == list(vars(plain).items())  # every field, in order
    with pytest.raises(AttributeError):
        fast.status = 500  # type: ignore[misc]  # frozen, as ever


def test_a_log_entry_missing_a_field_or_out_of_order_goes_to_its_class() -> None:
    now = datetime.now(timezone.utc)
    with pytest.raises(TypeError):
        new_entry(time=now, method="POST")  # url, path, status, verdict missing: refused
    shuffled = {"method": "GET", "time": now, "url": "u", "path": "/", "status": 200}
    entry = new_entry(**shuffled, verdict="missing")
    assert vars(entry) == vars(LogEntry(**shuffled, verdict="missing"))  # type: ignore[arg-type]


def test_the_apps_log_entries_are_the_ones_its_class_makes() -> None:
    app = WebhookApp(lambda m: Response().add_message(m.text, src=m.to, dst=m.from_), TOKEN)
    url = "http://127.0.0.1:8000/receive_sms/"
    req = inbound_request(url, TOKEN, from_="14155550100", to="12025550000", text="hi")
    from smsxml.transport import send

    assert send(req, app).status == 200
    entry = app.log.last
    assert entry is not None and entry.status == 200 and entry.verdict == "valid V3"
    assert list(vars(entry).items()) == list(vars(LogEntry(**vars(entry))).items())


# --- waitress's queue-depth warning ------------------------------------------------------------


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def made_records() -> Iterator[list[logging.LogRecord]]:
    """Every log record made while the test runs (handlers or not)."""
    made: list[logging.LogRecord] = []
    factory = logging.getLogRecordFactory()

    def counting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        made.append(record)
        return record

    logging.setLogRecordFactory(counting)
    try:
        yield made
    finally:
        logging.setLogRecordFactory(factory)


def deep_queue() -> tuple[ThreadedTaskDispatcher, Workers]:
    """waitress's dispatcher and smsxml's, both with no thread idle (each task waits)."""
    plain, ours = ThreadedTaskDispatcher(), Workers("test")
    for dispatcher in (plain, ours):
        dispatcher.add_task(object())  # no thread started: the queue is 1 deep
    return plain, ours


@contextmanager
def quiet_root() -> Iterator[None]:
    """No handler on the root logger (pytest's capture handlers set aside) inside it."""
    root = logging.getLogger()
    kept = list(root.handlers)
    for handler in kept:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in kept:
            root.addHandler(handler)


def test_the_queue_warning_is_not_made_for_null_handlers_alone(
    made_records: list[logging.LogRecord],
) -> None:
    queue = logging.getLogger("waitress.queue")
    with quiet_root():
        assert not _heard(queue, logging.WARNING)  # smsxml's NullHandler on "waitress" only
        ours = Workers("test")
        ours.add_task(object())
    assert made_records == []


def test_the_queue_warning_says_what_waitresss_says_when_a_handler_listens() -> None:
    kept = Kept()
    root = logging.getLogger()
    with quiet_root():
        root.addHandler(kept)
        try:
            deep_queue()
        finally:
            root.removeHandler(kept)
    plain, ours = kept.records
    for attr in ("name", "levelno", "msg", "args", "funcName"):
        assert getattr(ours, attr) == getattr(plain, attr), attr
    assert ours.funcName == "add_task" and ours.getMessage() == "Task queue depth is 1"
    assert ours.pathname.endswith("_workers.py")  # our add_task's (it wakes workers lazily)


@pytest.mark.parametrize("where", ["waitress.queue", "waitress", ""])
def test_a_filter_or_a_handler_anywhere_up_the_loggers_is_heard(where: str) -> None:
    queue = logging.getLogger("waitress.queue")
    logger = logging.getLogger(where) if where else logging.getLogger()
    kept, seen = Kept(), logging.Filter("nothing-passes")
    with quiet_root():
        logger.addHandler(kept)
        try:
            assert _heard(queue, logging.WARNING)
        finally:
            logger.removeHandler(kept)
        logger.addFilter(seen)
        try:
            # logging asks the filters of the logger a record is logged to, and only the
            # handlers of the loggers above: a filter up there never sees it
            assert _heard(queue, logging.WARNING) is (logger is queue)
        finally:
            logger.removeFilter(seen)


def test_without_any_handler_the_last_resort_hears_it() -> None:
    waitress = logging.getLogger("waitress")
    kept_handlers = list(waitress.handlers)
    with quiet_root():
        for handler in kept_handlers:
            waitress.removeHandler(handler)
        try:
            assert _heard(logging.getLogger("waitress.queue"), logging.WARNING)
        finally:
            for handler in kept_handlers:
                waitress.addHandler(handler)


def test_a_disabled_or_quieter_logger_is_not_heard() -> None:
    queue = logging.getLogger("waitress.queue")
    kept = Kept()
    queue.addHandler(kept)
    queue.setLevel(logging.ERROR)
    try:
        assert not _heard(queue, logging.WARNING)
        _HeardOnly(queue).warning("Task queue depth is %d", 3)
        assert kept.records == []
    finally:
        queue.setLevel(logging.NOTSET)
        queue.removeHandler(kept)


# --- a valid signature's verdict, filled at once -----------------------------------------------

VALID = st.sampled_from(["valid V2", "valid Ma-V2", "valid V3", "valid Ma-V3"])


@settings(max_examples=examples(200), deadline=None)
@given(
    VALID,
    st.text(max_size=30),
    st.text(max_size=22),
    st.lists(st.sampled_from(["X-Plivo-Signature-V2", "X-Plivo-Signature-V3"])).map(tuple),
    st.sampled_from(["V2", "V3"]),
    st.integers(0, 3),
)
def test_a_valid_verdict_filled_at_once_is_the_one_its_class_makes(
    verdict: Any, url: str, nonce: str, seen: tuple[str, ...], version: str, index: int
) -> None:
    from smsxml.signature.policy import SignatureCheck, _valid

    fast = _valid(verdict, url, nonce, seen, version, index)
    plain = SignatureCheck(verdict, url, nonce, headers=seen, version=version, token_index=index)
    assert type(fast) is SignatureCheck
    assert list(vars(fast).items()) == list(vars(plain).items())  # every field, in order
    assert fast == plain and fast.valid and fast.diagnosis is None and not fast.diagnosed
    assert fast._cache is not _valid(verdict, url, nonce, seen, version, index)._cache


def test_the_policys_valid_verdicts_are_the_ones_their_class_makes() -> None:
    from smsxml.signature.policy import SignatureCheck, verify

    url = "http://127.0.0.1:8000/receive_sms/"
    req = inbound_request(url, TOKEN, from_="14155550100", to="12025550000", text="hi")
    result = verify("POST", url, req.headers, req.body, auth_token=TOKEN)
    assert result.accepted and len(result.checks) == 2
    for check in result.checks:
        assert list(vars(check).items()) == list(
            vars(
                SignatureCheck(
                    check.verdict,
                    check.url,
                    check.nonce,
                    headers=check.headers,
                    version=check.version,
                    token_index=check.token_index,
                )
            ).items()
        )
