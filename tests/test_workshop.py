"""smsxml.workshop: each check fails on the notebook's stub, passes on a solution, and
names the mistake for typical wrong answers. Everything runs through the real simulator
and webhook (in-process), a real Flask app and a real LocalWebhook."""

from __future__ import annotations

import re

import flask
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smsxml
from smsxml import Response, WebhookApp
from smsxml.inbound import InboundMessage
from smsxml.integrations.flask import plivo_webhook
from smsxml.webhook import LocalWebhook
from smsxml.workshop import (
    BROKEN_XML,
    GREETINGS,
    ORDER_UPDATE,
    REPLIES,
    TEAM,
    CheckResult,
    check_bulk_notify,
    check_delivery_reports,
    check_fixed_xml,
    check_language_reply,
    check_one_unit,
    check_refuses_unsigned,
    score,
)


@pytest.fixture(autouse=True)
def _token(monkeypatch, auth_token):
    """The checks use the environment's token, like a learner's WebhookApp would."""
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", auth_token)


def echo(message):
    return Response().add_message("Thanks!", src=message.to, dst=message.from_)


def text_of(result: CheckResult) -> str:
    return "\n".join(result.messages)


# --- the stubs the exercise notebook ships with -----------------------------------------


def stub_language(message):
    return Response().add_message(REPLIES["en"], src=message.to, dst=message.from_)


def stub_notify(message):
    return Response()


def stub_app():
    return WebhookApp(echo, require_signature=False)


def stub_fit(text):
    return text


def stub_report(report):
    return None


# --- solutions --------------------------------------------------------------------------


def solution_language(message):
    words = set(re.findall(r"\w+", message.text.lower()))
    language = "en"
    for code, greetings in GREETINGS.items():
        if words & set(greetings):
            language = code
    return Response().add_message(REPLIES[language], src=message.to, dst=message.from_)


def solution_notify(message):
    return Response().add_message(message.text, src=message.to, dst=list(TEAM))


FIXED_XML = """<Response>
  <Message src="12025550000" dst="14155550101&lt;14155550102" type="sms" \
callbackUrl="https://example.com/sms_status/">Your code is 4821 &amp; it expires in 10 minutes\
</Message>
</Response>
"""

_SWAP = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."}


def solution_fit(text):
    for fancy, plain in _SWAP.items():
        text = text.replace(fancy, plain)
    text = "".join(ch for ch in text if smsxml.segments(ch).encoding == "GSM-7")
    text = " ".join(text.split())
    if smsxml.segments(text).units == 1:
        return text
    while smsxml.segments(text + "...").units > 1:
        text = text[:-1]
    return text.rstrip() + "..."


def make_solution_report():
    received = []

    def on_report(report):
        received.append(report)
        return 200

    return on_report, received


# --- CheckResult --------------------------------------------------------------------------


def test_check_result_text_and_html():
    ok = CheckResult("(x) demo", True, ("all good",))
    assert str(ok) == "✓ Passed — (x) demo\n  • all good" == repr(ok)
    assert bool(ok)
    bad = CheckResult("(x) demo", False, ("a <b> & c",))
    assert str(bad).startswith("✗ Not yet — (x) demo")
    assert not bad
    assert "a &lt;b&gt; &amp; c" in bad._repr_html_()
    assert "#cf222e" in bad._repr_html_() and "#1a7f37" in ok._repr_html_()


# --- (a) ----------------------------------------------------------------------------------


def test_language_stub_fails_solution_passes():
    stub = check_language_reply(stub_language)
    assert not stub.passed
    assert "you replied in English; expected Spanish" in text_of(stub)
    assert "… and 2 more" in text_of(stub)  # long lists are cut short
    solved = check_language_reply(solution_language)
    assert solved.passed, str(solved)
    assert str(solved).startswith("✓ Passed")


def test_language_names_substring_and_capitals_mistakes():
    def naive(message):  # substring, case-sensitive
        language = (
            "es"
            if "hola" in message.text or "Buenas" in message.text
            else ("fr" if "onjour" in message.text or "salut" in message.text else "en")
        )
        return Response().add_message(REPLIES[language], src=message.to, dst=message.from_)

    result = check_language_reply(naive)
    assert not result.passed
    text = text_of(result)
    assert "'scholarship' contains 'hola'" in text and "whole words" in text
    assert "in capitals" in text and "lower case" in text


def test_language_wrong_direction_and_crash():
    def backwards(message):
        return Response().add_message(REPLIES["en"], src=message.from_, dst=message.to)

    assert "send it from your number (message.to" in text_of(check_language_reply(backwards))

    def crash(message):
        raise KeyError("Lang")

    assert "your function raised KeyError: 'Lang'" in text_of(check_language_reply(crash))
    assert "give your handler function" in text_of(check_language_reply("nope"))


# --- (b) ----------------------------------------------------------------------------------


def test_bulk_stub_fails_solution_passes():
    check_bulk_notify(solution_notify)  # a pass resets the hints
    stub = check_bulk_notify(stub_notify)
    assert not stub.passed and "no <Message>" in text_of(stub)
    assert "dst=TEAM" not in text_of(stub)  # the first failure gets a nudge only
    again = check_bulk_notify(stub_notify)
    assert "Still stuck? Return Response().add_message(" in text_of(again)
    solved = check_bulk_notify(solution_notify)
    assert solved.passed, str(solved)
    assert "Still stuck" not in text_of(check_bulk_notify(stub_notify))  # reset by the pass


def test_bulk_typical_mistakes():
    def one_each(message):
        response = Response()
        for number in TEAM:
            response.add_message(message.text, src=message.to, dst=number)
        return response

    assert "3 <Message> elements" in text_of(check_bulk_notify(one_each))

    def commas(message):
        return Response().add_message(message.text, src=message.to, dst=",".join(TEAM))

    assert "separated by '<'" in text_of(check_bulk_notify(commas))

    def fixed_text(message):
        return Response().add_message(
            "Stand-up moved to 10:30 today", src=message.to, dst=list(TEAM)
        )

    assert "use message.text" in text_of(check_bulk_notify(fixed_text))

    def with_manager(message):
        return Response().add_message(message.text, src=message.to, dst=[*TEAM, message.from_])

    assert "is not on the team" in text_of(check_bulk_notify(with_manager))

    def forgot_one(message):
        return Response().add_message(message.text, src=message.to, dst=list(TEAM[:2]))

    assert f"{TEAM[2]} did not get the alert" in text_of(check_bulk_notify(forgot_one))


# --- (c) ----------------------------------------------------------------------------------


def test_unsigned_stub_fails_solution_passes():
    stub = check_refuses_unsigned(stub_app())
    assert not stub.passed
    assert "without X-Plivo-Signature-V2 headers was answered 200" in text_of(stub)
    solved = check_refuses_unsigned(WebhookApp(echo))
    assert solved.passed, str(solved)


def test_unsigned_accepts_flask_and_a_running_webhook():
    app = flask.Flask(__name__)
    app.logger.disabled = True

    @app.route("/receive_sms/", methods=["POST"])
    @plivo_webhook()
    def receive_sms():
        return echo(InboundMessage.from_params(flask.request.values.to_dict()))

    assert check_refuses_unsigned(app).passed
    with LocalWebhook(echo) as hook:
        assert check_refuses_unsigned(hook).passed


def test_unsigned_typical_mistakes(auth_token):
    assert "looks like a handler" in text_of(check_refuses_unsigned(echo))
    assert "Give a WSGI application" in text_of(check_refuses_unsigned(None))
    other = check_refuses_unsigned(WebhookApp(echo, "another-token"))
    assert "signed correctly got 403" in text_of(other) and "same auth token" in text_of(other)

    def unauthorized(environ, start_response):
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"no"]

    assert "refuse it with 403 Forbidden" in text_of(check_refuses_unsigned(unauthorized))
    for result in (other, check_refuses_unsigned(stub_app())):
        assert auth_token not in str(result) + result._repr_html_()


# --- (d) ----------------------------------------------------------------------------------


def test_fixed_xml_stub_fails_solution_passes():
    stub = check_fixed_xml(BROKEN_XML)
    assert not stub.passed and "write & as &amp;" in text_of(stub)
    solved = check_fixed_xml(FIXED_XML)
    assert solved.passed, str(solved)


def test_fixed_xml_names_each_remaining_mistake():
    step = BROKEN_XML.replace(" & ", " &amp; ")
    text = text_of(check_fixed_xml(step))
    assert "wrong-root" in text and "callbackUrl" in text and "&lt;" in text
    dropped = FIXED_XML.replace(" &amp;", "")
    assert "rather than removing it" in text_of(check_fixed_xml(dropped))
    one_number = FIXED_XML.replace("&lt;14155550102", "")
    assert "it should send to 14155550101 and 14155550102" in text_of(check_fixed_xml(one_number))
    assert "as a string" in text_of(check_fixed_xml(None))


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_fixed_xml_never_raises(document):
    result = check_fixed_xml(document)
    assert isinstance(result, CheckResult) and not result.passed


# --- (e) ----------------------------------------------------------------------------------


def test_one_unit_stub_fails_solution_passes():
    stub = check_one_unit(stub_fit)
    assert not stub.passed and "UCS-2 because of" in text_of(stub)
    solved = check_one_unit(solution_fit)
    assert solved.passed, str(solved)
    assert smsxml.segments(solution_fit(ORDER_UPDATE)).units == 1


def test_one_unit_typical_mistakes():
    text = text_of(check_one_unit(lambda t: t[:160]))
    # 159 characters fit 160 by len(), but each € takes two septets: 163.
    assert "163 septets" in text and "count twice" in text and "not len(text)" in text
    cut = text_of(check_one_unit(lambda t: t[:60]))
    assert "https://example.com/t/4821 got lost" in cut
    assert "your function returned NoneType" in text_of(check_one_unit(lambda t: None))
    assert "returned an empty text" in text_of(check_one_unit(lambda t: ""))
    shout = text_of(check_one_unit(lambda t: solution_fit(t).upper()))
    assert "return it unchanged" in shout


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=200))
def test_one_unit_never_raises_whatever_the_function_returns(answer):
    result = check_one_unit(lambda _text: answer)
    assert isinstance(result, CheckResult) and not result.passed


# --- (f) ----------------------------------------------------------------------------------


def test_reports_stub_fails_solution_passes():
    received: list = []
    stub = check_delivery_reports(stub_report, received)
    assert not stub.passed
    assert "returned None" in text_of(stub) and "Nothing was appended" in text_of(stub)
    on_report, received = make_solution_report()
    solved = check_delivery_reports(on_report, received)
    assert solved.passed, str(solved)
    assert [r.status for r in received] == [
        "queued",
        "queued",
        "sent",
        "sent",
        "delivered",
        "undelivered",
    ]
    assert received[-1].error_code == "20"
    # Run again: only the new reports count.
    assert check_delivery_reports(on_report, received).passed
    assert len(received) == 12


def test_reports_typical_mistakes():
    received: list = []

    def as_dict(report):  # the course teaches StatusReport; a dict habit is caught
        received.append({"uuid": report["MessageUUID"]})
        return 200

    text = text_of(check_delivery_reports(as_dict, received))
    assert "not subscriptable" in text and "report.status" in text

    finals: list = []

    def only_final(report):
        if report.status in ("delivered", "undelivered"):
            finals.append(report)
        return 200

    assert "not only some" in text_of(check_delivery_reports(only_final, finals))

    texts: list = []

    def as_text(report):
        texts.append(report.status)
        return 200

    assert "holds str items" in text_of(check_delivery_reports(as_text, texts))
    assert "answered 404" in text_of(check_delivery_reports(lambda r: 404, []))
    assert "the list your function appends to" in text_of(
        check_delivery_reports(lambda r: 200, None)
    )


def test_checks_are_deterministic():
    first = [
        str(check_language_reply(stub_language)),
        str(check_one_unit(stub_fit)),
        str(check_delivery_reports(stub_report, [])),
    ]
    again = [
        str(check_language_reply(stub_language)),
        str(check_one_unit(stub_fit)),
        str(check_delivery_reports(stub_report, [])),
    ]
    assert first == again


# --- score ----------------------------------------------------------------------------------


def test_score_runs_all_six_checks_on_a_notebooks_names():
    def build_app():
        return WebhookApp(echo)  # checks signatures by default

    on_report, received = make_solution_report()
    solved = {
        "reply_in_language": solution_language,
        "notify_team": solution_notify,
        "build_app": build_app,
        "fixed_xml": FIXED_XML,
        "fit_one_sms": solution_fit,
        "on_delivery_report": on_report,
        "received": received,
    }
    result = score(solved)
    assert result.passed == 6 and str(result).endswith("6 of 6 passed")
    assert "✗" not in str(result) and "<table class='smsxml-score'>" in result._repr_html_()

    partial = score({"fixed_xml": BROKEN_XML, "build_app": lambda: 1 / 0})
    assert partial.passed == 0
    lines = str(partial).splitlines()
    assert "define reply_in_language first." in lines[0]
    assert "ZeroDivisionError" in lines[2]  # (c): build_app() itself raised
    assert "(d) fix a broken XML document" in lines[3] and "✗ not yet" in lines[3]
    assert "define on_delivery_report first." in lines[5]
    assert lines[-1] == "0 of 6 passed"


def test_a_hand_written_wsgi_check_passes_c_and_the_unchecked_stub_does_not():
    """Exercise (c) as the notebook sets it: the learner writes the validate_v2 check."""
    from wsgiref.util import request_uri

    from smsxml.tokens import resolve_token

    reply = b'<Response><Message src="12025550000" dst="14155550100">Thanks!</Message></Response>'

    def make(checks: bool):
        def app(environ, start_response):
            url = request_uri(environ)
            nonce = environ.get("HTTP_X_PLIVO_SIGNATURE_V2_NONCE", "")
            signature = environ.get("HTTP_X_PLIVO_SIGNATURE_V2", "")
            if checks and not smsxml.validate_v2(url, nonce, signature, resolve_token(None)):
                start_response("403 Forbidden", [("Content-Type", "text/plain")])
                return [b"invalid signature"]
            start_response("200 OK", [("Content-Type", "application/xml")])
            return [reply]

        return app

    stub = check_refuses_unsigned(make(checks=False))
    assert not stub.passed and "smsxml.validate_v2" in text_of(stub)
    assert check_refuses_unsigned(make(checks=True)).passed
