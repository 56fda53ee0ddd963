"""Issue 30, "a lean flow": the in-process flow does less work, and none of it less well.

Each shortcut the flow takes is checked against the long way it replaced: the form body
against ``urlencode``, times against ``strftime`` and ``datetime`` arithmetic, the one-unit
count against the general count, UUIDs against :mod:`uuid`, nonces against :mod:`secrets`,
written-out ``__init__`` methods against the dataclass ones; every cache against stale
answers (another token, another URL signs afresh; a bad URL is refused every time); the
conversation run by a kept worker thread against an attempt's own thread (a slow app is
still abandoned on time, mid-conversation too, its late answer ignored; context variables
still reach the app; a caller that stops waiting stops the conversation); and the reply is
read once, not parsed after being validated."""

from __future__ import annotations

import contextvars
import inspect
import io
import random
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import MISSING, fields
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode
from wsgiref.headers import Headers

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsxml.exc import RequestError
from smsxml.flow import DeliveryReport, Event, RequestAttempt
from smsxml.inbound import SignedRequest, signed_request
from smsxml.protocol import DELIVERY_REPORT_PARAMETERS
from smsxml.signature import make_nonce, sign_v2, sign_v3, validate_v2, validate_v3
from smsxml.signature.v2 import sign_v2_with
from smsxml.signature.v3 import sign_v3_with
from smsxml.simulator import Simulator
from smsxml.simulator.clock import PLIVO_TIME_FORMAT, SIMULATED_START, STEPS, Clock, plivo_time
from smsxml.simulator.delivery import IDLE_WORKERS, TimedOut, deliver
from smsxml.simulator.reports import StatusUpdate
from smsxml.simulator.signing import Signer
from smsxml.transport import Reply, form_encode, header_value, wsgi_environ
from smsxml.units import GSM7, GSM_BASIC, GSM_EXTENSION, UCS2, UNIT_LIMITS, segments, unit_cost
from smsxml.xml import Response

TOKEN = "MAspeedTOKEN-invariants-5b7c2e"
OTHER = "MAspeedTOKEN-other-one-91d4aa"
OWN, PHONE = "12025550000", "14155550100"
CALLBACK = "http://testserver/sms_status/"


class App:
    """A WSGI app: the message_url answers one <Message> (reports to ``CALLBACK``), the
    callbackUrl answers 200; every request's path and signature headers are kept."""

    def __init__(self, sleep: float = 0.0, reply: str = "hi back") -> None:
        self.sleep = sleep
        self.reply = reply
        self.seen: list[dict[str, Any]] = []
        self.threads: set[int] = set()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.threads.add(threading.get_ident())
        self.seen.append(
            {
                "path": environ["PATH_INFO"],
                "v2": environ.get("HTTP_X_PLIVO_SIGNATURE_V2"),
                "v3": environ.get("HTTP_X_PLIVO_SIGNATURE_V3"),
            }
        )
        if self.sleep:
            time.sleep(self.sleep)
        if environ["PATH_INFO"] == "/sms_status/":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"OK"]
        xml = Response().add_message(self.reply, src=OWN, dst=PHONE, callback_url=CALLBACK)
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [xml.to_xml().encode()]


# --- the shortcuts, against the long way --------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


@given(st.dictionaries(_TEXT.filter(bool), _TEXT, max_size=6))
def test_the_form_body_is_urlencodes_byte_for_byte(values: dict[str, str]) -> None:
    assert form_encode(values) == urlencode(values, encoding="utf-8")


def test_the_form_body_of_what_plivo_sends() -> None:
    values = {
        "From": PHONE,
        "Text": "Hi & welcome: 100% = ✓ + more~_.-",
        "MessageTime": "2026-01-01 12:00:00.000000",
        "requester_ip": "127.0.0.1",
        "Empty": "",
        "Odd name=&": "%41 +",
    }
    assert form_encode(values) == urlencode(values, encoding="utf-8")
    request = signed_request("POST", "http://testserver/r/", values, TOKEN, nonce="1" * 20)
    assert request.body == urlencode(values, encoding="utf-8").encode("ascii")


@given(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=-7))]),
    )
)
def test_a_time_is_written_as_strftime_writes_it(moment: datetime) -> None:
    assert plivo_time(moment) == moment.strftime(PLIVO_TIME_FORMAT)


def test_a_simulated_clock_keeps_time_as_datetime_arithmetic_does() -> None:
    clock, expected = Clock(simulated=True), SIMULATED_START
    steps = [STEPS.carrier, STEPS.callback / 3, STEPS.callback * 2 / 3, 8000, 0.0005, 0.0015]
    rng = random.Random(30)
    for _ in range(3000):
        milliseconds = rng.choice(steps + [rng.random() * 1e6])
        clock.advance(milliseconds)
        expected += timedelta(milliseconds=milliseconds)
        assert clock.now() == expected
        assert clock.stamp() == expected.strftime(PLIVO_TIME_FORMAT)
    later = expected + timedelta(seconds=61.5)
    clock.move_to(expected - timedelta(seconds=5))  # never back
    assert clock.now() == expected
    clock.move_to(later)
    assert clock.now() == later and clock.stamp() == later.strftime(PLIVO_TIME_FORMAT)
    with pytest.raises(OverflowError):
        clock.advance(1e16)


def test_a_real_clock_stamps_real_time() -> None:
    clock = Clock(simulated=False)
    before = datetime.now(timezone.utc).replace(tzinfo=None)
    stamped = datetime.strptime(clock.stamp(), PLIVO_TIME_FORMAT)
    after = datetime.now(timezone.utc).replace(tzinfo=None)
    assert before <= stamped <= after
    clock.advance(1500)
    assert clock.now() - datetime.now(timezone.utc) > timedelta(seconds=1.4)


def test_a_nonce_is_drawn_as_secrets_draws_it(monkeypatch: Any) -> None:
    """Unseeded, a nonce is ``secrets.randbelow(10**20)`` (same bytes in, same number out),
    drawn without SystemRandom's layers of calls; seeded, the generator's own draw."""
    import os as os_module
    import secrets

    from smsxml.signature import _digest

    stream = random.Random(30)
    monkeypatch.setattr(os_module, "urandom", lambda n: stream.randbytes(n))  # ours
    monkeypatch.setattr(random, "_urandom", lambda n: stream.randbytes(n))  # secrets'
    ours = [_digest.make_nonce() for _ in range(500)]
    stream.seed(30)
    theirs = [f"{secrets.randbelow(10**20):020d}" for _ in range(500)]
    assert ours == theirs
    assert make_nonce(random.Random(7)) == f"{random.Random(7).randrange(10**20):020d}"
    assert make_nonce(random.SystemRandom()) != make_nonce(random.SystemRandom())


def test_a_uuid_is_the_one_the_uuid_module_writes() -> None:
    signer, rng = Signer(TOKEN, None, 30), random.Random(30)
    for _ in range(2000):
        assert signer.uuid() == str(uuid.UUID(int=rng.getrandbits(128), version=4))


@pytest.mark.parametrize(
    "record", [Event, RequestAttempt, DeliveryReport, StatusUpdate, SignedRequest]
)
def test_a_written_out_init_is_the_dataclass_one(record: type) -> None:
    """The records whose ``__init__`` is written out take the fields, in order, with their
    defaults, as a frozen dataclass's generated ``__init__`` would, and stay frozen."""
    params = list(inspect.signature(record).parameters.values())
    assert [p.name for p in params] == [f.name for f in fields(record)]
    for param, field in zip(params, fields(record), strict=True):
        assert param.default == (
            inspect.Parameter.empty if field.default is MISSING else field.default
        )
    values = {f.name: f"value {n}" for n, f in enumerate(fields(record))}
    made = record(**values)
    assert {f.name: getattr(made, f.name) for f in fields(made)} == values
    assert list(vars(made)) == list(values)  # set in the order of the fields
    with pytest.raises(AttributeError):
        made.status = "changed"


def test_report_parameters_stay_in_plivos_order() -> None:
    app, failing = App(), Simulator(TOKEN, numbers=[OWN], outcomes={PHONE: ("undelivered", 30)})
    flow = failing.receive_sms(app, PHONE, OWN, "hi")
    for report in flow.reports:
        params = list(report.request.params)
        assert params == [name for name in DELIVERY_REPORT_PARAMETERS if name in params]
    assert "ErrorCode" in flow.reports[-1].request.params
    assert "ErrorCode" not in flow.reports[0].request.params


def test_quoting_stays_right_when_its_memory_is_full() -> None:
    rng = random.Random(30)
    for _ in range(3000):  # more than the quoted names and values kept
        values = {f"n{rng.random()}": f"{rng.random()} :+%/é"[: rng.randint(0, 20)]}
        assert form_encode(values) == urlencode(values, encoding="utf-8")


def _segments_the_long_way(text: str) -> tuple[str, int, int, int, int, list[str]]:
    """The general count (every character looked at), for the one-unit shortcut."""
    non_gsm = [c for c in text if c not in GSM_BASIC and c not in GSM_EXTENSION]
    encoding = UCS2 if non_gsm else GSM7
    single, split, _ = UNIT_LIMITS[encoding]
    costs = [unit_cost(c, encoding) for c in text]
    length = sum(costs)
    if length <= single:
        return encoding, 1, length, single, single - length, [text]
    parts, start, used = [], 0, 0
    for index, cost in enumerate(costs):
        if used + cost > split:
            parts.append(text[start:index])
            start, used = index, 0
        used += cost
    parts.append(text[start:])
    last = sum(costs[len(text) - len(parts[-1]) :]) if parts[-1] else 0
    return encoding, len(parts), length, split, split - last, parts


@given(st.text(st.sampled_from(sorted(GSM_BASIC) + ["€", "[", "é", "✓"]), max_size=330))
def test_counting_units_takes_no_shortcut_the_long_way_would_not(text: str) -> None:
    got = segments(text)
    assert (got.encoding, got.units, got.length, got.per_unit, got.remaining, got.parts) == (
        _segments_the_long_way(text)
    )
    assert got.non_gsm_characters == tuple(
        dict.fromkeys(c for c in text if c not in GSM_BASIC and c not in GSM_EXTENSION)
    )
    assert got.extension_characters == tuple(dict.fromkeys(c for c in text if c in GSM_EXTENSION))


def test_a_header_is_found_as_a_header_map_finds_it() -> None:
    headers = {"Content-Type": "text/xml", "content-type": "second", "X-Plivo-Signature-V2": "s"}
    for name in ("content-type", "CONTENT-TYPE", "x-plivo-signature-v2", "Missing"):
        assert header_value(headers, name) == Headers(list(headers.items())).get(name)
    reply = Reply(200, {"CONTENT-TYPE": "Application/XML; charset=utf-8"}, b"<Response/>", 0.0)
    assert reply.content_type == "application/xml" and reply.header("Nope", "x") == "x"


def test_signing_with_two_tokens_is_signing_with_each() -> None:
    url, nonce, params = "http://testserver/r/?a=1", "12345678901234567890", {"B": "2"}
    assert sign_v2_with(url, nonce, (TOKEN, OTHER, TOKEN)) == (
        sign_v2(url, nonce, TOKEN),
        sign_v2(url, nonce, OTHER),
        sign_v2(url, nonce, TOKEN),
    )
    for method in ("GET", "POST"):
        assert sign_v3_with(method, url, nonce, (OTHER, TOKEN), params) == (
            sign_v3(method, url, nonce, OTHER, params),
            sign_v3(method, url, nonce, TOKEN, params),
        )


# --- no cache serves a stale answer -------------------------------------------------------


def test_another_token_or_url_signs_afresh() -> None:
    url, other_url, nonce = "http://testserver/a/", "http://testserver/b/?x=1", "1" * 20
    params = {"From": PHONE, "Text": "same"}
    first = signed_request("POST", url, params, TOKEN, nonce=nonce)
    again = signed_request("POST", url, params, TOKEN, nonce=nonce)
    other_token = signed_request("POST", url, params, OTHER, nonce=nonce)
    other_place = signed_request("POST", other_url, params, TOKEN, nonce=nonce)
    assert first.headers == again.headers  # the same request, the same signatures
    for request, token in ((first, TOKEN), (other_token, OTHER), (other_place, TOKEN)):
        assert validate_v2(request.url, nonce, request.signature or "", token)
        v3 = request.headers["X-Plivo-Signature-V3"]
        assert validate_v3("POST", request.url, nonce, v3, token, request.params)
    assert not validate_v2(first.url, nonce, other_token.signature or "", TOKEN)
    assert not validate_v2(other_place.url, nonce, first.signature or "", TOKEN)
    assert len({first.signature, other_token.signature, other_place.signature}) == 3
    # a GET carries its parameters in the URL: the same URL with other values signs afresh
    get_a = signed_request("GET", other_url, {"n": "1"}, TOKEN, nonce=nonce)
    get_b = signed_request("GET", other_url, {"n": "2"}, TOKEN, nonce=nonce)
    assert get_a.url.endswith("x=1&n=1") and get_b.url.endswith("x=1&n=2")
    v3_a, v3_b = get_a.headers["X-Plivo-Signature-V3"], get_b.headers["X-Plivo-Signature-V3"]
    assert v3_a != v3_b and validate_v3("GET", get_b.url, nonce, v3_b, TOKEN)


def test_a_bad_url_is_refused_every_time() -> None:
    for _ in range(3):
        with pytest.raises(RequestError):
            signed_request("POST", "ftp://testserver/r/", {}, TOKEN)
        with pytest.raises(RequestError):
            signed_request("POST", "http://testserver:99999/r/", {}, TOKEN)


def test_the_environ_follows_each_request_url() -> None:
    one = signed_request("GET", "http://u:p@one.test:8080/a%20b/?q=1", {}, TOKEN)
    two = signed_request("POST", "https://two.test/c/", {"A": "1"}, TOKEN)
    for _ in range(2):
        first, second = wsgi_environ(one), wsgi_environ(two)
        assert (first["PATH_INFO"], first["QUERY_STRING"], first["SERVER_PORT"]) == (
            "/a b/",
            "q=1",
            "8080",
        )
        assert first["HTTP_HOST"] == "one.test:8080" and "HTTP_AUTHORIZATION" in first
        assert (second["PATH_INFO"], second["SERVER_PORT"], second["wsgi.url_scheme"]) == (
            "/c/",
            "443",
            "https",
        )
        assert "HTTP_AUTHORIZATION" not in second and second["CONTENT_LENGTH"] == "3"
        assert first["wsgi.input"] is not second["wsgi.input"]


def test_each_simulator_signs_with_its_own_token() -> None:
    mine, theirs = App(), App()
    Simulator(TOKEN, numbers=[OWN]).receive_sms(mine, PHONE, OWN, "hi")
    Simulator(OTHER, numbers=[OWN]).receive_sms(theirs, PHONE, OWN, "hi")
    assert len(mine.seen) == len(theirs.seen) == 4  # the inbound request and 3 reports
    assert {s["v2"] for s in mine.seen}.isdisjoint(s["v2"] for s in theirs.seen)


def test_a_seeded_run_still_repeats_and_an_unseeded_one_does_not() -> None:
    runs = [Simulator(TOKEN, seed=30).receive_sms(App(), PHONE, OWN, "hi") for _ in range(2)]
    assert [r.request.nonce for r in runs[0].reports] == [r.request.nonce for r in runs[1].reports]
    assert runs[0].to_dict() == runs[1].to_dict()
    free = [Simulator(TOKEN).receive_sms(App(), PHONE, OWN, "hi") for _ in range(2)]
    nonces = [r.request.nonce for flow in free for r in flow.reports]
    assert len(set(nonces)) == len(nonces) == 6


# --- the flow still does every check, once ------------------------------------------------


def test_the_reply_is_read_once_and_still_checked(expat_spy: Any) -> None:
    reply = f"hi back {uuid.uuid4()}"  # a document no earlier test read
    app = App(reply=reply)
    with expat_spy() as seen:
        flow = Simulator(TOKEN, numbers=[OWN]).receive_sms(app, PHONE, OWN, "hi")
    assert seen.parsers == seen.parse_calls == 1, seen  # was 2: validated, then parsed
    assert flow.ok and [m.text for m in flow.outbound] == [reply]
    assert [(r.status, r.response_status) for r in flow.reports] == [
        ("queued", 200),
        ("sent", 200),
        ("delivered", 200),
    ]

    def bad(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b"<Response><Message src='12025550000'>no dst</Message></Response>"]

    refused = Simulator(TOKEN, numbers=[OWN]).receive_sms(bad, PHONE, OWN, "hi")
    assert not refused.ok and not refused.outbound and not refused.reports
    assert [p.code for p in refused.problems] == ["missing-attribute", "nothing-sent"]


def test_a_reply_the_app_checked_is_not_parsed_again_by_the_simulator(expat_spy: Any) -> None:
    """A WebhookApp checks the reply it sends; the simulator then reads the same bytes, as
    Plivo does: one parse for the two (the second reading is a look-up), and what each
    found is what a reading of its own finds."""
    from smsxml.webhook import WebhookApp

    def handler(message: Any) -> Response:
        return Response().add_message(f"re: {message.text}", src=OWN, dst=PHONE)

    app = WebhookApp(handler, TOKEN)
    text = f"hi {uuid.uuid4()}"  # a document no earlier test read
    with expat_spy() as seen:
        flow = Simulator(TOKEN, numbers=[OWN]).receive_sms(app, PHONE, OWN, text)
    assert seen.parsers == seen.parse_calls == 1, seen  # was 2: the app's check, Plivo's read
    assert flow.ok and [m.text for m in flow.outbound] == [f"re: {text}"]
    (entry,) = app.log
    assert entry.status == 200 and entry.problems == () and entry.reply is not None
    assert flow.problems == []


_NUMBERS = st.sampled_from(["12025550000", "+1 202 555 0000", "", "abc", "1" * 20, "0"])
_SOME_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@st.composite
def _documents(draw: st.DrawFn) -> str:
    """Message XML, right or wrong in many ways (names, numbers, types, text, escaping)."""
    root = draw(st.sampled_from(["Response", "response", "Speak"]))
    messages = []
    for _ in range(draw(st.integers(0, 3))):
        attrs = {
            name: draw(_NUMBERS)
            for name in draw(st.lists(st.sampled_from(["src", "dst", "to"]), unique=True))
        }
        if draw(st.booleans()):
            attrs["type"] = draw(st.sampled_from(["sms", "mms", "whatsapp", ""]))
        text = draw(_SOME_TEXT)
        if draw(st.booleans()):  # escaped, or left raw (then perhaps malformed)
            text = text.replace("&", "&amp;").replace("<", "&lt;")
        written = " ".join(f'{k}="{v}"' for k, v in attrs.items())
        messages.append(f"<Message {written}>{text}</Message>")
    return f"<{root}>{''.join(messages)}</{root}>"


@given(_documents(), st.booleans(), st.booleans())
def test_a_document_reads_the_same_as_str_or_bytes_whichever_came_first(
    document: str, bytes_first: bool, auto_encoding: bool
) -> None:
    """What makes the look-up above sound: a document read as ``str`` and as the UTF-8
    bytes it is sent as gives the same problems and messages, whichever was read first
    (the first reading fresh, the second perhaps a look-up), as a fresh reading of each
    finds; and a caller changing what it got changes nothing for the next."""
    from smsxml.xml.check import checked_document

    def fresh(doc: str) -> str:  # the same document, bytes never read before
        return f"{doc}<!-- {uuid.uuid4()} -->"

    def read(doc: str, as_bytes: bool) -> tuple[list[Any], list[Any]]:
        return checked_document(doc.encode() if as_bytes else doc, auto_encoding=auto_encoding)

    once = fresh(document)
    first = read(once, bytes_first)
    second = read(once, not bytes_first)  # a look-up of the first, when that was kept
    assert second == read(fresh(document), not bytes_first)  # as a reading of its own
    assert first == read(fresh(document), bytes_first)
    first[0].clear()
    first[1].clear()
    assert read(once, bytes_first) == second


# --- the kept worker threads --------------------------------------------------------------


def _attempt_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "smsxml-attempt"]


def test_attempts_reuse_their_threads() -> None:
    app = App()
    sim = Simulator(TOKEN, numbers=[OWN])
    assert sim.receive_sms(app, PHONE, OWN, "hi").ok
    before = len(_attempt_threads())
    for _ in range(20):
        assert sim.receive_sms(app, PHONE, OWN, "hi").ok
    assert len(app.seen) == 84
    assert threading.get_ident() not in app.threads  # each attempt ran in a worker
    assert len(app.threads) <= IDLE_WORKERS + 1  # not one thread an attempt
    assert len(_attempt_threads()) <= before + 1


def test_a_slow_app_is_still_abandoned_on_time_and_its_answer_ignored() -> None:
    slow = App(sleep=3.0)
    started = time.perf_counter()
    flow = Simulator(TOKEN, numbers=[OWN], retries=0).receive_sms(
        slow, PHONE, OWN, "hi", timeout=0.2
    )
    took = time.perf_counter() - started
    # about 0.2 s; the bound leaves room for a loaded machine and still tells it from 3 s
    assert took < 2.0, f"the attempt was not abandoned at its deadline ({took:.2f} s)"
    assert flow.attempts[0].timed_out and flow.reply is None and not flow.outbound
    # the abandoned worker does not hold up the next flow
    quick = Simulator(TOKEN, numbers=[OWN]).receive_sms(App(), PHONE, OWN, "hi", timeout=2)
    assert quick.ok and len(quick.reports) == 3
    request = signed_request("POST", "http://testserver/r/", {"A": "1"}, TOKEN)
    with pytest.raises(TimedOut):
        deliver(request, App(sleep=0.5), 0.05, str)


def test_context_variables_and_errors_reach_across_the_worker() -> None:
    where: contextvars.ContextVar[str] = contextvars.ContextVar("where", default="unset")
    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(where.get())
        raise RuntimeError(f"boom {TOKEN}")

    where.set("the caller's")
    request = signed_request("POST", "http://testserver/r/", {"A": "1"}, TOKEN)
    reply = deliver(request, app, 2.0, lambda text: text.replace(TOKEN, "***"))
    assert seen == ["the caller's"]
    assert reply.status == 500 and reply.text == "RuntimeError: boom ***"

    def stop(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deliver(request, stop, 2.0, str)


# --- a conversation runs in one hand-over -----------------------------------------------


class SlowReport(App):
    """Answers its message_url at once; the callbackUrl answers the ``sent`` report's first
    try only once ``release`` is set (10 s at most), the others at once."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.late: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        sent = b"Status=sent" in body
        if sent and not any(s["path"] == "/sms_status/" and s.get("sent") for s in self.seen):
            self.seen.append({"path": "/sms_status/", "sent": True})
            self.release.wait(10)
            self.late.append("answered late")
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"late"]
        return super().__call__(environ, start_response)


def test_an_attempt_abandoned_mid_conversation_lets_the_rest_go_on() -> None:
    app = SlowReport()
    sim = Simulator(TOKEN, numbers=[OWN], retries=1)
    started = time.perf_counter()
    try:
        flow = sim.receive_sms(app, PHONE, OWN, "hi", timeout=0.5)
    finally:
        app.release.set()  # the abandoned attempt may answer now
    took = time.perf_counter() - started
    # about 0.5 s; the bound leaves room for a loaded machine (held up: 10 s)
    assert took < 2.0, f"the slow report held the conversation up ({took:.2f} s)"
    statuses = [(r.status, r.response_status, len(r.attempts)) for r in flow.reports]
    assert statuses == [("queued", 200, 1), ("sent", 200, 2), ("delivered", 200, 1)]
    sent = flow.reports[1]
    assert sent.attempts[0].timed_out and sent.attempts[1].status == 200
    assert [e.kind for e in flow.timeline].count("retry") == 1
    deadline = time.monotonic() + 10
    while not app.late and time.monotonic() < deadline:
        time.sleep(0.01)
    assert app.late == ["answered late"]  # the abandoned worker finished, once released
    assert len(flow.reports) == 3  # and its answer changed nothing


def test_a_caller_that_stops_waiting_stops_the_conversation(monkeypatch: Any) -> None:
    from smsxml.simulator import delivery

    app = App(sleep=0.3)
    real_wait = delivery._Run.wait

    def interrupted(run: Any) -> None:
        while run.started is None:  # the first attempt is under way: Ctrl-C
            time.sleep(0.01)
        raise KeyboardInterrupt

    monkeypatch.setattr(delivery._Run, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Simulator(TOKEN, numbers=[OWN]).receive_sms(app, PHONE, OWN, "hi")
    monkeypatch.setattr(delivery._Run, "wait", real_wait)
    time.sleep(0.6)
    assert [s["path"] for s in app.seen] == ["/receive_sms/"]  # no report was sent after


def test_the_conversation_sees_the_callers_context_and_raises_in_it() -> None:
    seen: list[str] = []
    where: contextvars.ContextVar[str] = contextvars.ContextVar("where", default="unset")

    class Watching(App):
        def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            seen.append(where.get())
            where.set("changed by the app")  # in a copy: not seen by the next attempt
            return super().__call__(environ, start_response)

    where.set("the caller's")
    flow = Simulator(TOKEN, numbers=[OWN]).receive_sms(Watching(), PHONE, OWN, "hi")
    assert flow.ok and seen == ["the caller's"] * 4 and where.get() == "the caller's"
    with pytest.raises(Exception, match="Plivo only forwards messages sent to your own"):
        Simulator(TOKEN, numbers=[OWN]).receive_sms(App(), PHONE, "19995550000", "hi")
