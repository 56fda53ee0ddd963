"""Record inbound webhook requests as JSON lines, and load them back for replay.

One request per line, so a recording can be appended to while a server runs, read with
``head``/``jq``, and replayed later::

    {"version": 1, "time": "2024-05-01T12:00:00.123Z", "method": "POST",
     "url": "http://127.0.0.1:5000/receive_sms/",
     "headers": {"Content-Type": "application/x-www-form-urlencoded", ...},
     "params": {"From": "14155550100", ...}, "body": "From=14155550100&..."}

A recording never holds an auth token: the ``X-Plivo-Signature*`` headers are signatures,
which are safe to keep, and anything equal to a token is masked before it is written.
A body that is not UTF-8 is stored losslessly with ``surrogateescape`` (see
:attr:`RecordedRequest.body_bytes`).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .exc import RecordingError

__all__ = [
    "VERSION",
    "RecordedRequest",
    "RecordingError",
    "append",
    "load",
    "loads",
    "MAX_RECORDING_BYTES",
    "iso_utc",
    "now_iso",
]

VERSION = 1
_SURROGATE = re.compile("[\ud800-\udfff]")
_FIELDS = ("version", "time", "method", "url", "headers", "params", "body")


def iso_utc(moment: datetime) -> str:
    """``moment`` as ISO-8601 UTC with milliseconds, e.g. ``2024-05-01T12:00:00.123Z``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def now_iso() -> str:
    """The current time as ISO-8601 UTC with milliseconds (see :func:`iso_utc`)."""
    return iso_utc(datetime.now(timezone.utc))


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it reached the webhook: what replay needs to send it again."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    body: str = ""
    time: str = field(default_factory=now_iso)
    version: int = VERSION

    @property
    def body_bytes(self) -> bytes:
        """The body exactly as received (undoes the ``surrogateescape`` decoding)."""
        return self.body.encode("utf-8", "surrogateescape")

    @staticmethod
    def decode_body(body: bytes) -> str:
        """``body`` as text for a recording: UTF-8, with undecodable bytes kept losslessly."""
        return body.decode("utf-8", "surrogateescape")

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELDS}

    def to_json(self) -> str:
        """One JSON line (no newline at the end)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, separators=(", ", ": "))
        # Lone surrogates (undecodable body bytes) are written as JSON escapes (\\udcXX), so the
        # file itself stays valid UTF-8.
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordedRequest:
        if not isinstance(data, Mapping):
            raise RecordingError("a recorded request must be a JSON object")
        version = data.get("version")
        if version != VERSION:
            raise RecordingError(f"unsupported recording version {version!r} (expected {VERSION})")
        missing = [name for name in ("method", "url") if name not in data]
        if missing:
            raise RecordingError(f"missing field(s): {', '.join(missing)}")
        for name in ("headers", "params"):
            value = data.get(name, {})
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise RecordingError(f"{name!r} must be an object of strings")
        for name in ("method", "url", "body", "time"):
            if name in data and not isinstance(data[name], str):
                raise RecordingError(f"{name!r} must be a string")
        return cls(
            method=data["method"],
            url=data["url"],
            headers=dict(data.get("headers", {})),
            params=dict(data.get("params", {})),
            body=data.get("body", ""),
            time=data.get("time") or now_iso(),
            version=VERSION,
        )

    @classmethod
    def from_json(cls, line: str) -> RecordedRequest:
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordingError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        return cls.from_dict(data)

    def __repr__(self) -> str:
        text = self.params.get("Text")
        shown = f", Text={text[:40]!r}" if text is not None else ""
        return f"RecordedRequest({self.method} {self.url}{shown}, at {self.time})"


_locks_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}


def _lock_for(path: str) -> threading.Lock:
    key = os.path.realpath(path)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def append(path: str | os.PathLike[str], recorded: RecordedRequest) -> None:
    """Append ``recorded`` as one line to ``path`` (created if needed); safe across threads."""
    path = os.fspath(path)
    line = recorded.to_json() + "\n"
    with _lock_for(path), open(path, "a", encoding="utf-8") as f:
        f.write(line)


#: The most a recording is read (32 MiB): a file past it is refused, not read whole.
MAX_RECORDING_BYTES = 32 << 20


def load(
    path: str | os.PathLike[str], max_bytes: int = MAX_RECORDING_BYTES
) -> list[RecordedRequest]:
    """Every request recorded in ``path`` (read up to ``max_bytes``); a bad line is a
    :class:`RecordingError` naming ``file:line``. Blank lines are skipped."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise RecordingError(f"no recording at {path}") from None
    except IsADirectoryError:
        raise RecordingError(f"{path} is a directory, not a recording") from None
    except OSError as exc:
        raise RecordingError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise RecordingError(f"{path} holds more than the {max_bytes} bytes smsxml reads")
    return loads(data.decode("utf-8", errors="replace"), path)


def loads(text: str, name: str = "<recording>") -> list[RecordedRequest]:
    """Every request in the JSON lines ``text``; errors name ``name:line``."""
    recorded = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            recorded.append(RecordedRequest.from_json(line))
        except RecordingError as exc:
            raise RecordingError(f"{name}:{number}: {exc}") from None
    return recorded
