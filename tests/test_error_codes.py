"""Plivo's message error codes: a sourced table, a report that says what its code means, and a
command line that looks one up."""

from __future__ import annotations

import pytest

from smsxml.cli import main
from smsxml.inbound import StatusReport
from smsxml.protocol import DEFAULT_ERROR_CODES, ERROR_CODES, error_code


def test_the_table_has_fifteen_sourced_codes_at_least() -> None:
    assert len(ERROR_CODES) >= 15
    for code, entry in ERROR_CODES.items():
        assert entry.code == code and entry.reason and entry.meaning and "plivo" in entry.source
    wanted = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 200, 201, 450, 900, 1000}
    assert wanted <= set(ERROR_CODES)


def test_the_codes_the_simulator_reports_are_in_the_table() -> None:
    for code in DEFAULT_ERROR_CODES.values():
        assert error_code(code) is not None, code


@pytest.mark.parametrize(("given", "code"), [(200, 200), ("200", 200), (" 900 ", 900)])
def test_a_code_is_looked_up_as_a_number_or_text(given: object, code: int) -> None:
    found = error_code(given)  # type: ignore[arg-type]
    assert found is not None and found.code == code


@pytest.mark.parametrize("given", [7, "x", "", "420"])
def test_a_code_plivo_does_not_list_is_none(given: object) -> None:
    assert error_code(given) is None  # type: ignore[arg-type]


def test_a_report_says_what_its_error_code_means() -> None:
    report = StatusReport.from_params(
        {"MessageUUID": "u", "Status": "failed", "ErrorCode": "200", "To": "1"}
    )
    assert report.error is ERROR_CODES[200]
    assert "opted out" in report.explain() and report.explain().startswith("failed, ErrorCode 200")
    plain = StatusReport.from_params({"MessageUUID": "u", "Status": "delivered"})
    assert plain.error is None and plain.explain() == "delivered"


def test_the_command_line_looks_a_code_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["error-code", "200", "--source"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("200 Source number blocked by STOP") and "source: plivo" in out
    assert main(["error-code", "7"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lists no message ErrorCode '7'" in err
    assert main(["error-code"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(ERROR_CODES)
