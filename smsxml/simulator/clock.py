"""The simulator's clock: simulated in seeded runs (from :data:`SIMULATED_START`, moving on
only by fixed steps), else real time moved on by the same steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

__all__ = ["PLIVO_TIME_FORMAT", "SIMULATED_START", "ClockSteps", "STEPS", "Clock"]

#: Timestamps in delivery reports: ``YYYY-mm-dd HH:MM:SS.SSSSSS`` (UTC here).
PLIVO_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
#: Where the simulated clock of a seeded simulator starts.
SIMULATED_START = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class ClockSteps:
    """How long each step of a conversation takes on the clock, in milliseconds."""

    carrier: float = 150  # phone -> Plivo -> your app
    app: float = 40  # your app's answer
    queue: float = 5  # executing one <Message> for one destination
    callback: float = 15  # one delivery report and its answer
    send: float = 1200  # queue -> carrier
    receipt: float = 2500  # carrier -> handset -> delivery receipt


#: The steps every simulator uses.
STEPS = ClockSteps()


class Clock:
    """A simulated clock (``simulated=True``: from SIMULATED_START), or real time moved on by
    the same steps (so that the events of one flow do not all fall in the same millisecond)."""

    def __init__(self, simulated: bool):
        self._now = SIMULATED_START if simulated else None
        self._ahead = timedelta()

    @property
    def simulated(self) -> bool:
        """True when the clock moves only when told to."""
        return self._now is not None

    def now(self) -> datetime:
        """The time on this clock (UTC)."""
        if self._now is not None:
            return self._now
        return datetime.now(timezone.utc) + self._ahead

    def advance(self, milliseconds: float) -> None:
        """Move the clock on by ``milliseconds``."""
        if self._now is not None:
            self._now += timedelta(milliseconds=milliseconds)
        else:
            self._ahead += timedelta(milliseconds=milliseconds)

    def move_to(self, moment: datetime) -> None:
        """Move the clock on to ``moment`` (never back: a moment passed already is now)."""
        ahead = moment - self.now()
        if ahead > timedelta():
            self.advance(ahead / timedelta(milliseconds=1))

    def stamp(self) -> str:
        """The time now, as Plivo writes it (:data:`PLIVO_TIME_FORMAT`)."""
        return self.now().strftime(PLIVO_TIME_FORMAT)
