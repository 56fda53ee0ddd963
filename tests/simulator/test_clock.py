"""The simulator's clock: simulated from a fixed start when seeded, real time otherwise."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from smsxml.simulator.clock import PLIVO_TIME_FORMAT, SIMULATED_START, STEPS, Clock


def test_a_simulated_clock_starts_at_the_start_and_moves_only_when_told() -> None:
    clock = Clock(simulated=True)
    assert clock.simulated and clock.now() == SIMULATED_START == clock.now()
    assert clock.stamp() == "2026-01-01 12:00:00.000000"
    clock.advance(STEPS.carrier)
    clock.advance(STEPS.callback / 3)
    assert clock.stamp() == "2026-01-01 12:00:00.155000"


def test_a_real_clock_is_now_plus_the_steps_taken() -> None:
    clock = Clock(simulated=False)
    clock.advance(60_000)
    ahead = clock.now() - datetime.now(timezone.utc)
    assert not clock.simulated and timedelta(seconds=59) < ahead <= timedelta(seconds=60)
    assert datetime.strptime(clock.stamp(), PLIVO_TIME_FORMAT)
