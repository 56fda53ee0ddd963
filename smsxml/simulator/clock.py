"""The simulator's clock: simulated in seeded runs (from :data:`SIMULATED_START`, moving on
only by fixed steps), else real time moved on by the same steps."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

__all__ = ["PLIVO_TIME_FORMAT", "SIMULATED_START", "ClockSteps", "STEPS", "Clock", "plivo_time"]

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
    the same steps (so that the events of one flow do not all fall in the same millisecond).

    The time is kept as whole microseconds since 1970 (simulated) or ahead of real time
    (not simulated), and made a ``datetime`` or written out only when asked: a flow stamps
    a dozen events, each a few microseconds apart."""

    def __init__(self, simulated: bool):
        self._simulated = simulated
        self._at = (SIMULATED_START - _EPOCH) // _MICROSECOND if simulated else 0
        self._second = -1  # the whole second _prefix writes
        self._prefix = ""

    @property
    def simulated(self) -> bool:
        """True when the clock moves only when told to."""
        return self._simulated

    def _micros(self) -> int:
        """The time on this clock, in microseconds since 1970 (UTC)."""
        if self._simulated:
            return self._at
        return time.time_ns() // 1000 + self._at  # datetime.now() rounds down alike

    def now(self) -> datetime:
        """The time on this clock (UTC)."""
        return _EPOCH + timedelta(0, 0, self._micros())

    def mark(self) -> int:
        """The time on this clock, to turn into a ``datetime`` (:meth:`moment`) only if it
        is needed: when a retry is scheduled from it, say."""
        return self._micros()

    @staticmethod
    def moment(mark: int) -> datetime:
        """The time :meth:`mark` marked (UTC)."""
        return _EPOCH + timedelta(0, 0, mark)

    def advance(self, milliseconds: float) -> None:
        """Move the clock on by ``milliseconds`` (to the microsecond, as ``timedelta``
        rounds them)."""
        step = _STEP_MICROS.get(milliseconds)
        if step is None:
            step = timedelta(milliseconds=milliseconds) // _MICROSECOND
            if len(_STEP_MICROS) >= 256:
                _STEP_MICROS.clear()
            _STEP_MICROS[milliseconds] = step
        if self._simulated and self._at + step > _LAST:
            raise OverflowError("date value out of range")
        self._at += step

    def move_to(self, moment: datetime) -> None:
        """Move the clock on to ``moment`` (never back: a moment passed already is now)."""
        ahead = (moment - _EPOCH) // _MICROSECOND - self._micros()
        if ahead > 0:
            self._at += ahead

    def stamp(self) -> str:
        """The time now, as Plivo writes it (:data:`PLIVO_TIME_FORMAT`): the date and time
        to the second written once a second, the microseconds each time."""
        second, micros = divmod(self._micros(), 1_000_000)
        if second != self._second:
            self._prefix = plivo_time(_EPOCH + timedelta(seconds=second))[:-6]
            self._second = second
        return f"{self._prefix}{micros:06d}"


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
#: The last microsecond a ``datetime`` can hold, since 1970.
_LAST = (datetime.max.replace(tzinfo=timezone.utc) - _EPOCH) // _MICROSECOND
#: Steps taken before, in microseconds by their milliseconds (a flow takes the same few).
_STEP_MICROS: dict[float, int] = {}


def plivo_time(moment: datetime) -> str:
    """``moment`` as Plivo writes a time (:data:`PLIVO_TIME_FORMAT`, its own fields: no
    conversion), by ``isoformat`` — the same text as ``strftime`` for the years a clock
    shows, at half the cost."""
    if moment.year < 1000:  # strftime writes such a year without its leading zeros
        return moment.strftime(PLIVO_TIME_FORMAT)
    return moment.isoformat(" ", "microseconds")[:26]
