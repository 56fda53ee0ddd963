"""Every request the webhook handled, once: :class:`LogEntry` and the bounded, thread-safe
:class:`RequestLog` (a table in a notebook)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime, timezone
from typing import TYPE_CHECKING, overload

from .. import recording
from .._html import Cell, Safe, escape, table
from .._text import plural
from ..inbound import InboundMessage, StatusReport
from ..signature.policy import SignatureCheck, Verdict, Verification
from ..xml.problems import summary

if TYPE_CHECKING:  # pragma: no cover
    from ..signature.diagnose import Diagnosis
    from ..xml import Problem

# --- Request log ---------------------------------------------------------------------------


#: How much of a reply a log entry shows (a hostile reply can be megabytes).
_SHOWN_REPLY = 4000


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class LogEntry:
    """One request and what became of it, as it arrived (smsxml puts no token in it).

    ``verdict`` is one of :data:`smsxml.signature.policy.VERDICTS`; ``detail`` what else the policy
    said (a duplicate, which token of several, a V3 let through in warn mode); ``reason``
    the short text sent with a refusal (``""`` for 200); ``problems`` the validation
    problems of the reply; ``latency`` seconds spent in the app; ``diagnosis`` why the
    signature failed (worked out when first read, see :class:`SignatureCheck`).
    """

    time: datetime
    method: str
    url: str
    path: str
    status: int
    verdict: Verdict
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    message: InboundMessage | None = None
    signature: SignatureCheck | Verification | None = field(default=None, repr=False, compare=False)
    reply: str | None = None
    problems: tuple[Problem, ...] = ()
    error: str | None = None
    traceback: str | None = None
    latency: float = 0.0
    body: str = field(default="", repr=False)
    report: StatusReport | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def diagnosis(self) -> Diagnosis | None:
        """Why the signature was refused (None when it was valid or not checked)."""
        return None if self.signature is None else self.signature.diagnosis

    def to_recorded(self) -> recording.RecordedRequest:
        """This request in the recording format (for :func:`smsxml.replay.replay`)."""
        return recording.RecordedRequest(
            method=self.method,
            url=self.url,
            headers=dict(self.headers),
            params=dict(self.params),
            body=self.body,
            time=recording.iso_utc(self.time),
        )

    def __str__(self) -> str:
        ms = self.latency * 1000
        verdict = f"{self.verdict} ({self.detail})" if self.detail else self.verdict
        line = f"{self.method} {self.path} {self.status} {verdict} {ms:.1f} ms"
        if self.status != 200 and self.reason:
            line += f" — {self.reason}"
        elif self.report is not None:
            line += f" — delivery report: {self.report.status}"
        elif self.problems:
            line += f" — {summary(self.problems)}"
        return line

    def __repr__(self) -> str:
        return f"<LogEntry {self}>"

    def _rows(self) -> list[tuple[str, str]]:
        rows = [
            ("time", self.time.isoformat(timespec="milliseconds")),
            ("request", f"{self.method} {self.url}"),
            ("status", f"{self.status} {self.reason}".strip()),
            ("signature", f"{self.verdict} ({self.detail})" if self.detail else self.verdict),
        ]
        if self.diagnosis is not None:
            rows.append(("diagnosis", str(self.diagnosis)))
        if self.message is not None:
            rows.append(("message", repr(self.message)))
        elif self.report is not None:
            rows.append(("report", repr(self.report)))
        elif self.params:
            rows.append(("params", ", ".join(f"{k}={v!r}" for k, v in self.params.items())))
        if self.reply is not None:
            shown = self.reply[:_SHOWN_REPLY]
            if len(self.reply) > _SHOWN_REPLY:
                shown += f"\n… ({len(self.reply) - _SHOWN_REPLY:,} more characters)"
            rows.append(("reply", shown))
        rows += [("problem", str(p)) for p in self.problems]
        if self.error:
            rows.append(("error", self.error))
        if self.traceback:
            rows.append(("traceback", self.traceback))
        rows.append(("latency", f"{self.latency * 1000:.1f} ms"))
        rows.append(("headers", "\n".join(f"{k}: {v}" for k, v in self.headers.items())))
        return rows

    def _repr_html_(self) -> str:
        pre = "<pre style='margin:0;white-space:pre-wrap'>{}</pre>"
        rows = [(k, Safe(pre.format(escape(v)))) for k, v in self._rows()]
        return table(rows, cell_style=("text-align:left;vertical-align:top", "text-align:left"))


def new_entry(**fields: object) -> LogEntry:
    """``LogEntry(**fields)`` when ``fields`` names every field in order (as the app's do),
    at a third of the cost: a frozen dataclass's ``__init__`` sets its 19 fields one by one
    through ``object.__setattr__``; here they fill the new entry's ``__dict__`` at once
    (LogEntry has no ``__post_init__`` and no slots). Anything else (a field missing, out of
    order or unknown) goes to ``LogEntry(...)`` itself, to be made or refused there."""
    if tuple(fields) != _ENTRY_FIELDS:
        return LogEntry(**fields)  # type: ignore[arg-type]
    entry = object.__new__(LogEntry)
    entry.__dict__.update(fields)
    return entry


_ENTRY_FIELDS = tuple(f.name for f in dataclass_fields(LogEntry))


class RequestLog:
    """The requests a :class:`WebhookApp` has handled, oldest first; one entry per request.

    Thread-safe, and bounded: it keeps the last ``maxlen`` entries (default 1000) and
    drops the oldest beyond that (``total`` still counts them all). Supports ``len()``,
    iteration, indexing, :attr:`last`, :meth:`clear` and :meth:`wait_for`.
    """

    def __init__(self, maxlen: int = 1000):
        if not isinstance(maxlen, int) or maxlen < 1:
            raise ValueError("log_size must be a positive whole number")
        self.maxlen = maxlen
        self.total = 0
        self._entries: deque[LogEntry] = deque(maxlen=maxlen)
        self._changed = threading.Condition()
        self._waiting = 0  # threads in wait_for (changed under the condition's lock only)

    def append(self, entry: LogEntry) -> None:
        with self._changed:
            self._entries.append(entry)
            self.total += 1
            if self._waiting:  # else there is no one to wake
                self._changed.notify_all()

    def _snapshot(self) -> list[LogEntry]:
        with self._changed:
            return list(self._entries)

    def __len__(self) -> int:
        with self._changed:
            return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self._snapshot())

    @overload
    def __getitem__(self, index: int) -> LogEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[LogEntry]: ...

    def __getitem__(self, index: int | slice) -> LogEntry | list[LogEntry]:
        return self._snapshot()[index]

    @property
    def last(self) -> LogEntry | None:
        """The most recent entry (None when empty)."""
        with self._changed:
            return self._entries[-1] if self._entries else None

    def clear(self) -> None:
        with self._changed:
            self._entries.clear()
            self._changed.notify_all()

    def wait_for(self, n: int = 1, timeout: float | None = 5.0) -> bool:
        """Block until the log holds at least ``n`` entries; False if ``timeout`` s pass."""
        if n > self.maxlen:
            raise ValueError(f"the log keeps at most {self.maxlen} entries; cannot wait for {n}")
        with self._changed:
            self._waiting += 1
            try:
                return self._changed.wait_for(lambda: len(self._entries) >= n, timeout)
            finally:
                self._waiting -= 1

    def __repr__(self) -> str:
        with self._changed:
            count, last = len(self._entries), (self._entries[-1] if self._entries else None)
        tail = f", last: {last}" if last is not None else ""
        return f"<RequestLog {count} entries (keeps {self.maxlen}){tail}>"

    def _repr_html_(self, limit: int = 50) -> str:
        entries = self._snapshot()
        shown = entries[-limit:]
        head = ("time", "request", "status", "signature", "text → reply / reason", "latency")
        rows: list[tuple[object, ...]] = []
        for e in shown:
            detail = e.reason if e.status != 200 else ""
            if e.status == 200 and e.report is not None:
                detail = f"delivery report: {e.report.status}"
            elif e.status == 200:
                text = e.message.text if e.message is not None else ""
                count = (e.reply or "").count("<Message")
                detail = f"{text[:40]!r} → {plural(count, 'message')}"
                if e.problems:
                    detail += f", {summary(e.problems)}"
            colour = "#1a7f37" if e.status == 200 else "#cf222e"
            rows.append(
                (
                    e.time.strftime("%H:%M:%S.%f")[:-3],
                    f"{e.method} {e.path}",
                    Cell(e.status, f"color:{colour}"),
                    e.verdict,
                    detail,
                    f"{e.latency * 1000:.1f} ms",
                )
            )
        note = ""
        if len(entries) > len(shown):
            note = f"<p>… {len(entries) - len(shown)} earlier entries not shown</p>"
        if not entries:
            return "<p>RequestLog: no requests yet</p>"
        styles = ("", "", "", "", "text-align:left", "")
        return note + table(rows, head, row_heads=False, cell_style=styles)
