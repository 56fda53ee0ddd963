"""smsxml.workshop: each check fails on the notebook's stub, passes on a solution, and
names the mistake for typical wrong answers. Everything runs through the real simulator
and webhook (in-process), a real Flask app and a real LocalWebhook."""

from __future__ import annotations

import json
import re
from pathlib import Path

import flask
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

import smsxml
from smsxml import Response, WebhookApp
from smsxml.inbound import InboundMessage
from smsxml.integrations.flask import plivo_webhook
from smsxml.webhook import LocalWebhook
from smsxml.workshop import (
    ADVICE,
    BROKEN_XML,
    CUT_RULE,
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

    said = text_of(check_language_reply(backwards))
    assert "send it from your number (12025550000) to the sender (14155550100)" in said
    assert "src=message.to, dst=message.from_." in said

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


@settings(max_examples=examples(40), deadline=None)
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


@settings(max_examples=examples(25), deadline=None)
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


# --- every piece of advice, applied literally, passes ---------------------------------------

EXERCISES_NOTEBOOK = (
    Path(__file__).resolve().parents[1] / "notebooks" / "06_workshop_exercises.ipynb"
)
SOLUTIONS_NOTEBOOK = EXERCISES_NOTEBOOK.with_name("06_workshop_solutions.ipynb")


def _cells(path: Path, kind: str) -> list[str]:
    return [
        "".join(c["source"])
        for c in json.loads(path.read_text())["cells"]
        if c["cell_type"] == kind
    ]


def _learner_namespace() -> dict:
    """What a learner has after the exercise notebook's setup cell (its own code, run here)."""
    namespace: dict = {"print": lambda *args, **kwargs: None}
    setup = next(
        c for c in _cells(EXERCISES_NOTEBOOK, "code") if "from smsxml.workshop import" in c
    )
    exec(setup, namespace)
    return namespace


def _stub_c() -> str:
    """Exercise (c)'s cell, as the notebook gives it."""
    return next(c for c in _cells(EXERCISES_NOTEBOOK, "code") if "def build_app" in c)


_PLACEHOLDER_C = "    # ← your code: answer 403 Forbidden unless the signature validates"
_A = """def reply_in_language(message):
    words = set(re.findall(r"\\w+", message.text.lower()))
    language = next((code for code, greetings in GREETINGS.items() if words & set(greetings)), "en")
    return Response().add_message(REPLIES[language], CODE)
"""
_A_WORDS = """def reply_in_language(message):
    words = CODE
    language = "en"
    for code, greetings in GREETINGS.items():
        if set(words) & set(greetings):
            language = code
    return Response().add_message(REPLIES[language], src=message.to, dst=message.from_)
"""
_B = (
    "def notify_team(message):\n"
    "    return Response().add_message(message.text, src=message.to, CODE)\n"
)
_C_WRAP = """def handler(message):
    return Response().add_message("Thanks!", src=message.to, dst=message.from_)

def build_app():
    return CODE
"""
_FIT = '''def fit_one_sms(text):
    if smsxml.segments(text).units == 1:
        return text
    for pair in """<GSM>""".split(", "):
        fancy, plain = pair.split(" → ")
        text = text.replace(fancy, plain)
    text = "".join(ch for ch in text if smsxml.segments(ch).encoding == "GSM-7")
    text = " ".join(text.split())
    if <MEASURE> <= 160:
        return text
    while <MEASURE> > 157:
        text = text[:-1]
    return text.rstrip() + "..."
'''
_F = "received = []\n\ndef on_delivery_report(report):\n    APPEND\n    RETURN\n"
_F_ERROR_CODE = """received = []

def on_delivery_report(report):
    received.append(report)
    assert CODE == ("20" if report.status == "undelivered" else "")
    return 200
"""


def _fit(gsm: str = ADVICE["e-gsm"], measure: str = ADVICE["e-measure"]) -> str:
    return _FIT.replace("<GSM>", gsm).replace("<MEASURE>", measure)


#: For each piece of advice: the exercise's cell with CODE where the advice's code goes, the
#: mistake the advice is about (written there instead), the check, and the names it is given.
FRAMES = {
    "a-words": (_A_WORDS, "message.text.split()", "a"),
    "a-direction": (_A, "src=message.from_, dst=message.to", "a"),
    "b-solution": ("def notify_team(message):\n    return CODE\n", "Response()", "b"),
    "b-one-message": (
        _B,
        "dst=TEAM[0]).add_message(message.text, src=message.to, dst=TEAM[1]"
        ").add_message(message.text, src=message.to, dst=TEAM[2]",
        "b",
    ),
    "b-one-message-joined": (
        _B,
        "dst=TEAM[0]).add_message(message.text, src=message.to, "
        "dst=TEAM[1]).add_message(message.text, src=message.to, "
        "dst=TEAM[2]",
        "b",
    ),
    "b-commas": (_B, "dst=','.join(TEAM)", "b"),
    "b-missing": (_B, "dst=TEAM[:2]", "b"),
    "b-extra": (_B, "dst=[*TEAM, MANAGER]", "b"),
    "b-text": (
        "def notify_team(message):\n    return Response().add_message(CODE, "
        "src=message.to, dst=TEAM)\n",
        "'Stand-up moved to 10:30 today'",
        "b",
    ),
    "c-validate": (None, "True", "c"),
    "c-forbidden": (None, "401 Unauthorized", "c"),
    "c-wrap": (_C_WRAP, "handler", "c"),
    "c-same-token": (_C_WRAP, "WebhookApp(handler, 'another-account-token')", "c"),
    "c-not-an-app": (_C_WRAP, "None", "c"),
    "d-ampersand": (None, "", "d"),
    "e-gsm": (None, "", "e"),
    "e-measure": (None, "len(text)", "e"),
    "f-append": (_F.replace("RETURN", "return 200").replace("APPEND", "CODE"), "pass", "f"),
    "f-return": (
        _F.replace("APPEND", "received.append(report)").replace("RETURN", "CODE"),
        "return None",
        "f",
    ),
    "f-error-code": (_F_ERROR_CODE, 'report.get("ErrorCode", "")', "f"),
}


def _source(key: str, code: str) -> str:
    template, _mistake, exercise = FRAMES[key]
    if exercise == "c" and template is None:
        stub = _stub_c()
        assert _PLACEHOLDER_C in stub, "the notebook's (c) cell changed: update the frame"
        if key == "c-validate":
            lines = f'    if not {code}:\n        start_response("403 Forbidden", [])\n'
        else:
            lines = (
                f"    if not {ADVICE['c-validate']}:\n"
                f'        start_response("{code}", [("Content-Type", "text/plain")])\n'
            )
        return stub.replace(_PLACEHOLDER_C, lines + '        return [b"refused"]')
    if key == "d-ampersand":
        return f'fixed_xml = """{FIXED_XML.replace("&amp;", code)}"""'
    if key == "e-gsm":
        return _fit(gsm=code) if code else "def fit_one_sms(text):\n    return text\n"
    if key == "e-measure":
        return _fit(measure=code)
    assert template is not None
    return template.replace("CODE", code)


def _grade(key: str, source: str) -> CheckResult:
    exercise = FRAMES[key][2]
    namespace = _learner_namespace()
    exec(source, namespace)
    if exercise == "a":
        return check_language_reply(namespace["reply_in_language"])
    if exercise == "b":
        return check_bulk_notify(namespace["notify_team"])
    if exercise == "c":
        return check_refuses_unsigned(namespace["build_app"]())
    if exercise == "d":
        return check_fixed_xml(namespace["fixed_xml"])
    if exercise == "e":
        return check_one_unit(namespace["fit_one_sms"])
    return check_delivery_reports(namespace["on_delivery_report"], namespace["received"])


def test_every_piece_of_advice_has_a_frame():
    assert set(FRAMES) == set(ADVICE)


@pytest.mark.parametrize("key", sorted(ADVICE))
def test_the_advice_is_given_for_its_mistake_and_applied_literally_passes(key):
    """The mistake gets a message quoting ADVICE[key] (the nudge's "Still stuck?" part on the
    second try), and the cell with exactly that code written in passes the check."""
    _template, mistake, _exercise = FRAMES[key]
    wrong = _source(key, mistake)
    result = _grade(key, wrong)
    if key == "b-solution":
        result = _grade(key, wrong)  # the solution comes with the second failure
    assert not result.passed
    assert ADVICE[key] in text_of(result), (key, str(result))
    right = _grade(key, _source(key, ADVICE[key]))
    assert right.passed, (key, str(right))


def test_fixing_d_as_each_message_says_ends_in_a_pass():
    """(d) from BROKEN_XML: do what each message's hint says, literally, until it passes."""
    document = BROKEN_XML
    for _round in range(6):
        result = check_fixed_xml(document)
        if result.passed:
            return
        before = document
        for line in result.messages:
            if m := re.search(r"root element is <(\w+)>.*did you mean <(\w+)>\?", line):
                document = document.replace(f"<{m[1]}>", f"<{m[2]}>").replace(
                    f"</{m[1]}>", f"</{m[2]}>"
                )
            elif m := re.search(r"(\w+) is not a <Message> attribute.*did you mean (\w+)\?", line):
                document = document.replace(f"{m[1]}=", f"{m[2]}=")
            elif m := re.search(r"dst '([^']+)'.*: \"([^\"]+)\"", line):
                document = document.replace(f'dst="{m[1]}"', f'dst="{m[2]}"')
            elif "write & as &amp;" in line:
                document = re.sub(r"&(?!\w+;)", "&amp;", document)
        assert document != before, f"no message said what to do:\n{result}"
    pytest.fail("still failing after doing what every message said")


def test_e_states_the_rule_its_check_applies_and_a_cut_by_that_rule_passes():
    for path in (EXERCISES_NOTEBOOK, SOLUTIONS_NOTEBOOK):
        prose = [" ".join(cell.split()) for cell in _cells(path, "markdown")]
        assert any(CUT_RULE in cell for cell in prose), path.name
    assert check_one_unit(solution_fit).passed  # keeps the start, ends with ..., ≥ 140 septets


def test_e_feedback_on_a_cut_never_contradicts_itself():
    def middle(text):  # "keep the beginning and end": the misreading of the old rule
        fitted = solution_fit(text)
        if fitted.endswith("..."):
            return text[:75] + "..." + text[-75:]
        return fitted

    said = text_of(check_one_unit(middle))
    assert "keep its first 100 characters as they are" in said and "Cut at the end" in said
    assert "at least 140" not in said  # 153 septets: enough, and not said to be too few
    assert "end it with '...'" in said  # it ends with the text's own last words

    def too_short(text):
        fitted = solution_fit(text)
        return fitted[:120] + "..." if fitted.endswith("...") else fitted

    short = text_of(check_one_unit(too_short))
    assert "use at least 140 of the 160 septets (yours has 123)" in short
    assert "first 100 characters" not in short and "end it with" not in short


def test_notebook_code_about_reports_and_messages_names_what_exists():
    """Every `report.x` / `message.x` the workshop's prose names exists on StatusReport /
    InboundMessage: advice that works as written (`report.get(...)` did not)."""
    from smsxml.inbound import StatusReport

    report = StatusReport(message_uuid="x", status="undelivered", error_code="20")
    message = InboundMessage(from_="1", to="2", text="hi")
    named = 0
    for path in (EXERCISES_NOTEBOOK, SOLUTIONS_NOTEBOOK):
        for cell in _cells(path, "markdown"):
            for span in re.findall(r"`([^`]+)`", cell):
                for obj, name in re.findall(r"\b(report|message)\.(\w+)", span):
                    assert hasattr(report if obj == "report" else message, name), (path, span)
                    named += 1
    assert named >= 10
    assert any(ADVICE["f-error-code"] in c for c in _cells(EXERCISES_NOTEBOOK, "markdown"))
