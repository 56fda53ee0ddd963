"""The carrier model: how each destination ends (an outcome), the statuses a message goes
through on the way, and the network codes its reports carry."""

from __future__ import annotations

import functools

from ..exc import SimulatorError
from ..protocol import DEFAULT_ERROR_CODES, STATUS_PATHS, Status

__all__ = [
    "Outcome",
    "DELIVERED",
    "STATUSES_WITH_ERROR_CODE",
    "parse_outcome",
    "status_path",
    "mcc_mnc",
]

#: A final status and its ErrorCode (``""`` when it carries none).
Outcome = tuple[str, str]
#: The outcome of a destination nobody chose one for.
DELIVERED: Outcome = ("delivered", "")
#: The statuses whose reports carry an ErrorCode (Plivo: "only for failed or undelivered").
STATUSES_WITH_ERROR_CODE = frozenset(DEFAULT_ERROR_CODES)

# Illustrative Mobile Country / Network Codes by country calling code (not a lookup).
_MCC_MNC = {
    "1": ("310", "260"),
    "44": ("234", "10"),
    "49": ("262", "01"),
    "33": ("208", "01"),
    "91": ("404", "10"),
    "61": ("505", "01"),
}
_LONGEST_CODE_FIRST = sorted(_MCC_MNC.items(), key=lambda item: -len(item[0]))


def parse_outcome(dst: str, value: object, legacy: bool = False) -> Outcome:
    """``outcomes[dst]`` as given (``"failed"`` or ``(status, error_code)``), checked; a
    failure without an ErrorCode gets Plivo's default one."""
    if isinstance(value, str):
        status, code = value, None
    elif isinstance(value, tuple | list) and len(value) == 2:
        status, code = value
    else:
        raise SimulatorError(
            f"outcomes[{dst!r}] must be a final status like 'failed' or (status, error_code), "
            f"not {value!r}"
        )
    if status not in STATUS_PATHS:
        raise SimulatorError(
            f"outcomes[{dst!r}]: {status!r} is not a final status; use one of "
            f"{', '.join(STATUS_PATHS)}"
        )
    if status == "rejected" and not legacy:
        raise SimulatorError(
            f"outcomes[{dst!r}]: 'rejected' is a status of Plivo's older documentation only "
            "(today's reports end in delivered, undelivered, failed or sent); "
            "Simulator(legacy_reports=True) plays that older model"
        )
    if code is None or code == "":
        return status, DEFAULT_ERROR_CODES.get(status, "")
    if status not in STATUSES_WITH_ERROR_CODE:
        raise SimulatorError(
            f"outcomes[{dst!r}]: Plivo sends an ErrorCode only with failed or undelivered, "
            f"not with {status}"
        )
    if not str(code).isdigit():
        raise SimulatorError(f"outcomes[{dst!r}]: an ErrorCode is a number like 20, not {code!r}")
    return status, str(int(code))


def status_path(final_status: str) -> tuple[Status, ...]:
    """The statuses a message ending in ``final_status`` goes through, queued first."""
    return STATUS_PATHS[final_status]


@functools.lru_cache(maxsize=1024)
def mcc_mnc(dst: str) -> tuple[str, str]:
    """The (illustrative) Mobile Country and Network Codes of ``dst``; ``("", "")`` when
    its country calling code is not in the table. (Cached: every report of a message asks
    about the same destination.)"""
    return next((codes for code, codes in _LONGEST_CODE_FIRST if dst.startswith(code)), ("", ""))
