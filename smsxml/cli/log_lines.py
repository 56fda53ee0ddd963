"""One line per webhook request, for ``smsxml serve`` and ``smsxml demo``: time, method,
path, status, signature verdict, and what happened."""

from __future__ import annotations

from .._text import plural, shorten
from ..signature.diagnose import CAUSES, Diagnosis
from ..webhook import LogEntry
from ..xml import summary
from ._output import printable

__all__ = ["describe_entry"]

#: Cause code → its headline (what comes before the first colon of its explanation).
_HEADLINES: dict[str, str] = {code: text.partition(": ")[0] for code, text in CAUSES.items()}


def _short_diagnosis(diagnosis: Diagnosis) -> str:
    """The gist of a signature diagnosis: what was signed vs seen, and the cause's headline."""
    causes = diagnosis.causes
    message = " ".join(str(diagnosis).split())
    if causes == ("unknown",):
        return (
            "no usual cause fits: most likely it was signed with another auth token "
            "(or for another URL)"
        )
    before, found, _ = message.partition("Cause: ")
    if not found:
        return shorten(message.split(". ")[0].rstrip("."), 200)
    headlines = [_HEADLINES[c] for c in causes if c in _HEADLINES]
    lead = f"{before.strip()} " if before.strip() else ""
    return f"{lead}cause: {'; '.join(headlines)}" if headlines else shorten(message, 200)


def describe_entry(entry: LogEntry, *, with_time: bool = True, with_diagnosis: bool = True) -> str:
    """One printable line for a webhook :class:`~smsxml.webhook.LogEntry`: time, method,
    path, status, signature verdict, and what happened (the reply, or why the request was
    refused, with the gist of the signature diagnosis)."""
    fields = []
    if with_time:
        fields.append(entry.time.astimezone().strftime("%H:%M:%S"))
    fields += [f"{entry.method} {entry.path}", str(entry.status), f"signature {entry.verdict}"]
    message = entry.message
    if entry.status == 200 and message is not None:
        count = (entry.reply or "").count("<Message")
        detail = f"from {message.from_}: {shorten(message.text, 40)!r} → {plural(count, 'SMS')}"
        if entry.problems:
            detail += f" ({summary(entry.problems)})"
    else:
        detail = entry.reason or entry.error or ""
        if entry.diagnosis is not None and with_diagnosis and entry.verdict != "missing":
            detail += f" — {_short_diagnosis(entry.diagnosis)}"
    return printable("  ".join(fields) + (f"  {detail}" if detail else ""))
