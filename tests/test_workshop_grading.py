"""smsxml.workshop's grading state and results: the hints follow a Grader object (one per
learner), not a module global; results read the same as text and HTML; and the delivery
reports of exercise (f) go through the shared WebhookApp, which answers Plivo as the
learner's function said."""

from __future__ import annotations

import pytest

from smsxml import Response
from smsxml.workshop import (
    DEFAULT_GRADER,
    TEAM,
    CheckResult,
    Grader,
    Score,
    check_bulk_notify,
    check_delivery_reports,
    check_fixed_xml,
    score,
)
from smsxml.workshop.checks import delivery_reports


@pytest.fixture(autouse=True)
def _token(monkeypatch, auth_token):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", auth_token)


def nothing_sent(message):
    return Response()


def solution_notify(message):
    return Response().add_message(message.text, src=message.to, dst=list(TEAM))


def test_a_grader_escalates_its_own_hints_and_a_pass_starts_over():
    grader = Grader()
    first = check_bulk_notify(nothing_sent, grader=grader)
    assert "Still stuck" not in str(first)
    assert "Still stuck? Return Response()" in str(check_bulk_notify(nothing_sent, grader=grader))
    assert grader.failures_in_a_row[first.exercise] == 2
    assert check_bulk_notify(solution_notify, grader=grader).passed
    assert grader.failures_in_a_row[first.exercise] == 0 and grader.tries[first.exercise] == 3
    assert "Still stuck" not in str(check_bulk_notify(nothing_sent, grader=grader))


def test_graders_do_not_share_state_with_each_other_or_the_default():
    stuck = Grader()
    check_bulk_notify(nothing_sent, grader=stuck)
    check_bulk_notify(nothing_sent)  # the default grader's learner, twice
    check_bulk_notify(nothing_sent)
    fresh = check_bulk_notify(nothing_sent, grader=Grader())
    assert "Still stuck" not in str(fresh)
    assert "Still stuck" in str(check_bulk_notify(nothing_sent, grader=stuck))
    check_bulk_notify(solution_notify)  # leave the default grader as a pass leaves it
    assert DEFAULT_GRADER.failures_in_a_row[fresh.exercise] == 0


def test_a_declined_answer_is_a_try_that_does_not_move_the_hints():
    grader = Grader()
    declined = check_bulk_notify("not a function", grader=grader)  # type: ignore[arg-type]
    assert not declined.passed and "give your handler function itself" in str(declined)
    assert grader.tries[declined.exercise] == 1
    assert grader.failures_in_a_row[declined.exercise] == 0
    assert "Still stuck" not in str(check_bulk_notify(nothing_sent, grader=grader))
    grader.reset()
    assert not grader.tries and not grader.failures_in_a_row


def test_score_grades_with_the_grader_it_is_given():
    grader = Grader()
    result = score({"notify_team": nothing_sent, "fixed_xml": "<Response/>"}, grader=grader)
    assert isinstance(result, Score) and result.passed == 0
    assert sum(grader.tries.values()) == 2  # only the checks whose names were defined ran
    assert check_fixed_xml(None, grader=grader).messages[0].startswith("Give the repaired")


def test_results_html_uses_the_shared_badge_and_table():
    ok = CheckResult("(x) <demo>", True, ("fine & dandy",))
    bad = CheckResult("(y) demo", False, ("a <b>",))
    assert "smsxml-badge-ok" in ok._repr_html_() and "(x) &lt;demo&gt;" in ok._repr_html_()
    assert "smsxml-badge-bad" in bad._repr_html_() and "a &lt;b&gt;" in bad._repr_html_()
    html = Score((ok, bad))._repr_html_()
    assert html.startswith("<table class='smsxml-score'>") and html.endswith(
        "<p><b>1 of 2 passed</b></p>"
    )
    assert "a &lt;b&gt;" in html and "fine &amp; dandy" not in html  # only what to fix


@pytest.mark.parametrize(
    ("answer", "plivo_hears"),
    [(200, 200), (404, 500), (None, 500)],
)
def test_delivery_reports_reach_the_learner_through_webhookapp(monkeypatch, answer, plivo_hears):
    """The reports are signed, parsed and routed by WebhookApp(status_path=...); a function
    that does not return 200 gets Plivo a 500, never a 200 OK it did not give."""
    seen = {}
    original = delivery_reports.Simulator.receive_sms

    def spy(self, *args, **kwargs):
        seen["flow"] = flow = original(self, *args, **kwargs)
        return flow

    monkeypatch.setattr(delivery_reports.Simulator, "receive_sms", spy)
    received: list = []

    def on_report(report):
        received.append(report)
        return answer

    result = check_delivery_reports(on_report, received, grader=Grader())
    assert result.passed == (answer == 200)
    reports = seen["flow"].reports
    assert len(reports) == len(received) == 6
    assert {r.response_status for r in reports} == {plivo_hears}
