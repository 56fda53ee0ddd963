"""smsxml's pytest plugin, used from a fresh project (its own directory, no conftest): the
fixtures come through the pytest11 entry point of the installed package."""

from __future__ import annotations

import pytest

USER_TESTS = """
import flask
import pytest

from smsxml import Response
from smsxml.integrations.flask import plivo_webhook
from smsxml.integrations.pytest_plugin import assert_valid_reply

app = flask.Flask("mine")


@app.route("/receive_sms/", methods=["POST"])
@plivo_webhook()
def receive():
    values = flask.request.values
    return Response().add_message("Got it", src=values["To"], dst=values["From"])


@app.route("/html/", methods=["POST"])
def html():
    return "<p>thanks</p>"


def test_the_simulator_plays_plivo(plivo_simulator):
    flow = plivo_simulator.receive_sms(app, "14155550100", "12025550000", "Hi")
    assert flow.ok, flow.problems
    assert [m.text for m in flow.outbound] == ["Got it"]


def test_a_signed_request_through_flasks_test_client(signed_inbound):
    request = signed_inbound("http://localhost/receive_sms/", text="hello")
    assert_valid_reply(app.test_client().post("/receive_sms/", data=request.body,
                                              headers=request.headers))


def test_over_real_http(local_webhook, signed_inbound):
    hook = local_webhook(lambda m: Response().add_message("hi", src=m.to, dst=m.from_))
    assert_valid_reply(signed_inbound(hook.url).send())
    assert hook.log.last.verdict == "valid V3"


def test_what_the_helper_refuses(signed_inbound):
    request = signed_inbound("http://localhost/html/")
    reply = app.test_client().post("/html/", data=request.body, headers=request.headers)
    with pytest.raises(pytest.fail.Exception, match="Content-Type is text/html"):
        assert_valid_reply(reply)
    with pytest.raises(pytest.fail.Exception, match="not valid Plivo Message XML"):
        assert_valid_reply("<Response><Message dst='1'>no src</Message></Response>")
"""


def test_the_fixtures_work_in_a_fresh_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_my_plivo_app=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4)


def test_a_failing_app_fails_with_the_problem_and_its_hint(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_broken="""
from smsxml.integrations.pytest_plugin import assert_valid_reply

def test_reply():
    assert_valid_reply('<Response><Message src="1202555" dst="x">hi</Message></Response>')
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*not valid Plivo Message XML*", "*bad-number*", "*hint:*"])
