"""Plivo's opt-out (DND) block, as the simulator plays it: a STOP from a phone to one of your
numbers blocks that number's messages to that phone — all but one acknowledgement within
five minutes — with ErrorCode 200, until the phone opts in again (START).

The facts and their sources are in :mod:`smsxml.protocol` (``DND_KEYWORD_LISTS``,
``OPT_OUT_ACK_WINDOW``…); the keywords played are those of ``SIMULATED_DND_KEYWORDS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

from ..exc import SimulatorError
from ..flow import Event
from ..inbound import message_intent
from ..protocol import (
    DND_KEYWORD_LISTS,
    DND_REGIONS,
    HELP_AUTO_REPLY,
    OPT_OUT_ACK_WINDOW,
    OPT_OUT_CONFIRMATION,
    OPT_OUT_ERROR_CODE,
    SIMULATED_DND_KEYWORDS,
)

__all__ = [
    "OptOutMode",
    "OPT_OUT_MODES",
    "checked_mode",
    "dnd_keyword",
    "dnd_by_default",
    "Verdict",
    "OptOuts",
]

#: ``"auto"``: block where Plivo does by default (US/Canada long codes and toll-free
#: numbers); ``"always"``: whatever the number; ``"never"``: no block at all.
OptOutMode = Literal["auto", "always", "never"]
OPT_OUT_MODES: tuple[OptOutMode, ...] = ("auto", "always", "never")
_PLAYED = DND_KEYWORD_LISTS[SIMULATED_DND_KEYWORDS]
_WINDOW = timedelta(seconds=OPT_OUT_ACK_WINDOW)


def checked_mode(mode: object) -> OptOutMode:
    """``opt_out=`` checked: one of :data:`OPT_OUT_MODES`."""
    for known in OPT_OUT_MODES:
        if mode == known:
            return known
    raise SimulatorError(f"opt_out is 'auto', 'always' or 'never', not {mode!r}")


def dnd_keyword(text: str) -> Literal["optout", "optin", "help", ""]:
    """What the simulator's keyword list (``SIMULATED_DND_KEYWORDS``) makes of ``text``:
    the whole text, any case, white space folded ("STOP\\n" counts, "Stop it!" does not)."""
    word = " ".join(text.split()).upper()
    if word in _PLAYED.optout:
        return "optout"
    if word in _PLAYED.optin:
        return "optin"
    if word in _PLAYED.help:
        return "help"
    return ""


@lru_cache(maxsize=256)
def dnd_by_default(number: str) -> bool:
    """True when Plivo's DND is on for your ``number`` without asking: a US or Canadian
    long code or toll-free number (not a short code)."""
    import phonenumbers  # lazy: loads metadata

    if len(number) <= 6:  # a short code: DND only through Plivo support
        return False
    try:
        parsed = phonenumbers.parse("+" + number)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.region_code_for_number(parsed) in DND_REGIONS


@dataclass
class _OptOut:
    keyword: str
    at: datetime
    acknowledged: bool = False


@dataclass(frozen=True)
class Verdict:
    """A message Plivo blocks, and why."""

    reason: str

    def event(self, time: str, dst: str) -> Event:
        """The timeline's note of it."""
        return Event(time, "Plivo", "opt-out", self.reason, label=f"DND: {dst} blocked")


def _clock_time(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")


class OptOuts:
    """Who opted out of which of your numbers, kept across the conversations of one
    simulator: per (your number, their phone) pair."""

    def __init__(self, mode: OptOutMode):
        self.mode = mode
        self._pairs: dict[tuple[str, str], _OptOut] = {}

    def applies(self, number: str) -> bool:
        """True when the block is played for your ``number``."""
        return self.mode == "always" or (self.mode == "auto" and dnd_by_default(number))

    def opted_out(self, number: str, phone: str) -> bool:
        """True when ``phone`` has opted out of messages from ``number``."""
        return (number, phone) in self._pairs

    def inbound(self, phone: str, number: str, text: str, now: datetime, time: str) -> list[Event]:
        """``phone`` texted ``text`` to your ``number`` at ``now``: opt out, opt in or ask for
        help. The timeline's notes of what Plivo did about it."""
        keyword = " ".join(text.split()).upper()
        kind = dnd_keyword(text)
        if not kind:
            if message_intent(text) in ("optout", "optin"):
                return [
                    _note(
                        time,
                        f"{keyword!r} sets MessageIntent, but it is not on the "
                        f"keyword list the simulator plays ({_PLAYED.source}): no change",
                    )
                ]
            return []
        if not self.applies(number):
            why = (
                "Simulator(opt_out='never')"
                if self.mode == "never"
                else f"{number} is not a US/Canada long code or toll-free number (short codes "
                "need Plivo support)"
            )
            return [_note(time, f"{keyword} from {phone}: DND is off ({why}); nothing changes")]
        if kind == "help":
            return [_note(time, f"Plivo answers {keyword} itself: {HELP_AUTO_REPLY!r}", phone)]
        if kind == "optin":
            if self._pairs.pop((number, phone), None) is None:
                return []
            return [
                _note(
                    time,
                    f"{phone} opted in again ({keyword}): Plivo delivers {number} → {phone} again",
                )
            ]
        self._pairs[(number, phone)] = _OptOut(keyword, now)
        return [
            _note(
                time,
                f"{phone} opted out ({keyword}): Plivo confirms it itself "
                f"({OPT_OUT_CONFIRMATION!r}); one reply from {number} may follow within "
                f"{OPT_OUT_ACK_WINDOW / 60:g} minutes, later ones fail with ErrorCode "
                f"{OPT_OUT_ERROR_CODE}",
                phone,
            )
        ]

    def check(self, src: str, dst: str, now: datetime) -> Verdict | None:
        """A message from your ``src`` to ``dst`` at ``now``: None when Plivo lets it through
        (no opt-out, or the one acknowledgement within the window), else the block and why."""
        entry = self._pairs.get((src, dst))
        if entry is None or not self.applies(src):
            return None
        opted = f"{dst} opted out ({entry.keyword} at {_clock_time(entry.at)})"
        if not entry.acknowledged and now - entry.at <= _WINDOW:
            entry.acknowledged = True  # the one acknowledgement: let through, no note
            return None
        why = (
            f"the one acknowledgement allowed within {OPT_OUT_ACK_WINDOW / 60:g} minutes went "
            "out already"
            if entry.acknowledged and now - entry.at <= _WINDOW
            else f"more than {OPT_OUT_ACK_WINDOW / 60:g} minutes after the opt-out"
        )
        return Verdict(
            f"{opted}: Plivo blocks {src} → {dst}, ErrorCode {OPT_OUT_ERROR_CODE} ({why})",
        )


def _note(time: str, summary: str, target: str | None = None) -> Event:
    label = summary if len(summary) <= 40 else summary[:39] + "…"
    return Event(time, "Plivo", "opt-out", summary, "phone" if target else None, label)
