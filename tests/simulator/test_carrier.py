"""The carrier model: outcomes, the statuses on the way to them, network codes."""

from __future__ import annotations

import pytest

from smsxml.exc import SimulatorError
from smsxml.protocol import DEFAULT_ERROR_CODES, STATUS_PATHS
from smsxml.simulator.carrier import DELIVERED, mcc_mnc, parse_outcome, status_path


def test_outcomes_get_plivos_default_error_codes() -> None:
    assert parse_outcome("1", "failed") == ("failed", DEFAULT_ERROR_CODES["failed"])
    assert parse_outcome("1", ("undelivered", 30)) == ("undelivered", "30")
    assert parse_outcome("1", ["undelivered", "030"]) == ("undelivered", "30")
    assert parse_outcome("1", "sent") == ("sent", "")
    assert parse_outcome("1", "rejected", legacy=True) == ("rejected", "")
    assert DELIVERED == ("delivered", "")


@pytest.mark.parametrize(
    ("value", "legacy"), [("rejected", False), ("bogus", True), (("sent", 3), True), (3, True)]
)
def test_bad_outcomes_say_what_is_wrong(value: object, legacy: bool) -> None:
    with pytest.raises(SimulatorError, match=r"outcomes\['1'\]"):
        parse_outcome("1", value, legacy)


def test_every_final_status_has_a_path_from_queued() -> None:
    for final in STATUS_PATHS:
        path = status_path(final)
        assert path[0] == "queued" and path[-1] == final


def test_network_codes_by_country_code() -> None:
    assert mcc_mnc("14155550100") == ("310", "260")
    assert mcc_mnc("447700900000") == ("234", "10")
    assert mcc_mnc("8613800000000") == ("", "")
