"""The checks of ``Simulator(…)``'s arguments: each turns what was given into what the
simulator keeps, or raises an error that says what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from ..exc import SimulatorError, WrongTypeError
from ..phone import plivo_number
from .carrier import Outcome, parse_outcome

__all__ = [
    "phone_digits",
    "owned_numbers",
    "outcomes_by_destination",
    "charge_per_unit",
    "checked_seed",
]


def phone_digits(number: object, what: str = "a number") -> str:
    """A phone number as Plivo compares it: without spaces and a leading ``+``."""
    if not isinstance(number, str | int) or isinstance(number, bool) or not str(number).strip():
        raise SimulatorError(f"{what} must be a phone number like 12025550000, not {number!r}")
    return plivo_number(number)


def owned_numbers(numbers: Iterable[str] | str) -> tuple[str, ...]:
    """The numbers the account owns (one or more), as Plivo compares them."""
    if isinstance(numbers, str):
        numbers = (numbers,)
    if not isinstance(numbers, Iterable):
        raise WrongTypeError(f"numbers must be phone numbers (text), not {numbers!r}")
    owned = tuple(phone_digits(n, "each of numbers") for n in numbers)
    if not owned:
        raise SimulatorError("numbers must name at least one number your account owns")
    return owned


def outcomes_by_destination(outcomes: object, legacy: bool) -> dict[str, Outcome]:
    """``outcomes`` (destination → final status or (status, error_code)) checked, keyed by
    the destination as Plivo compares it."""
    if outcomes is not None and not isinstance(outcomes, Mapping):
        raise SimulatorError("outcomes must be a mapping: destination → final status")
    return {
        phone_digits(dst, "each destination in outcomes"): parse_outcome(str(dst), value, legacy)
        for dst, value in (outcomes or {}).items()
    }


def charge_per_unit(rate: object) -> str:
    """``rate`` as Plivo writes a charge: five decimals, as text."""
    try:
        parsed = Decimal(str(rate))
    except InvalidOperation:
        parsed = Decimal(-1)
    if not parsed.is_finite() or parsed < 0:
        raise SimulatorError(f"rate must be a charge per unit like '0.00500', not {rate!r}")
    return f"{parsed:.5f}"


def checked_seed(seed: object) -> int | None:
    """``seed`` when it is a whole number or None."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise WrongTypeError(f"seed must be a whole number (or None), not {seed!r}")
    return seed
