"""What the composer and the replayer show, as HTML (and the composer's one-line texts): the
problems of a reply, a simulated flow, what a replay changed."""

from __future__ import annotations

from collections.abc import Callable

from .._html import Row, Safe, code, escape, table
from .._text import plural
from ..flow import Flow, status_html
from ..xml import Problem
from ._panel import pre, scaled

__all__ = [
    "differences_html",
    "flow_html",
    "folded",
    "outcome_text",
    "problem_text",
    "problems_html",
]

# --- the composer ---


def problem_text(problem: Problem) -> str:
    where = ""
    if problem.line:
        where = f"line {problem.line}, column {problem.column}: "
    head = f"{where}{problem.severity} {problem.code}: {problem.message}"
    return f"{head} — hint: {problem.hint}" if problem.hint else head


def problems_html(problems: list[Problem]) -> str:
    if not problems:
        return (
            "<div class='smsxml-ok' style='color:#1a7f37'>No problems: Plivo would "
            "accept this XML.</div>"
        )
    items = []
    for p in problems:
        colour = "#cf222e" if p.severity == "error" else "#9a6700"
        where = f"line {p.line}, column {p.column}: " if p.line else ""
        hint = f"<br><span class='smsxml-hint'>hint: {escape(p.hint)}</span>" if p.hint else ""
        items.append(
            f"<li class='smsxml-problem smsxml-{escape(p.severity)}'>"
            f"<b style='color:{colour}'>{escape(p.severity)}</b> <code>{escape(p.code)}</code> "
            f"{escape(where)}{escape(p.message)}{hint}</li>"
        )
    return f"<ul style='margin:0'>{''.join(items)}</ul>"


def _sms_sent(flow: Flow, status: Callable[[str], str]) -> list[str]:
    """``dst status`` for each SMS Plivo sent (``status`` formats the status)."""
    out = []
    for m in flow.outbound:
        code = f" (ErrorCode {m.error_code})" if m.error_code else ""
        out.append(f"{m.dst} {status(m.status)}{code}")
    return out


def outcome_text(flow: Flow) -> str:
    """What the simulated flow came to, in one line. It names no inbound URL: the composer's
    app answers in-process, at no address of yours."""
    sent = "; ".join(_sms_sent(flow, str)) or "nothing"
    problems = f"{len(flow.problems)}" if flow.problems else "none"
    return (
        f"Plivo sent {len(flow.outbound)} SMS: {sent} · problems: {problems}"
        f" · reports: {flow._reports_line()}"
    )


def _where(flow: Flow) -> str:
    """Where the simulated requests went (the composer invents no host of yours)."""
    over_http = [r for r in flow.reports if r.sent and not r.in_process]
    tail = (
        "; the delivery reports went over HTTP to your callbackUrl."
        if over_http
        else ": nothing left the kernel."
    )
    return "A stand-in for your message_url answered with this XML, in-process" + tail


def flow_html(flow: Flow) -> str:
    """The result first (each SMS and its status, the problems), then the diagram, then the
    details (the reply, the table of SMS, every event) folded."""
    sent = " · ".join(_sms_sent(flow, status_html)) or "nothing"
    problems = "".join(f"<li><code>{escape(str(p))}</code></li>" for p in flow.problems)
    head = (
        "<div class='smsxml-composer-outcome' style='line-height:1.5'>"
        f"<b>Plivo sent {len(flow.outbound)} SMS</b>: {sent}"
        + (" · problems: none" if not problems else "")
        + f" · reports: {escape(flow._reports_line())}"
        + (f"<br>problems:<ul style='margin:0'>{problems}</ul>" if problems else "")
        + f"<div style='color:#57606a'>{escape(_where(flow))}</div></div>"
    )
    diagram = scaled(flow.sequence_diagram())
    details = (
        "<details><summary>Details: the reply, each SMS, every event</summary>"
        f"{flow.to_html(headline=False)}</details>"
    )
    return f"{head}<div class='smsxml-flow-diagram'>{diagram}</div>{details}"


# --- the replayer ---

_CHANGED = "background:#fff8c5"
_CELL = "text-align:left;vertical-align:top;padding:1px 8px 1px 0"
_CODE = "white-space:pre-wrap;word-break:normal;overflow-wrap:break-word"


def folded(summary: str, body: str, *, open_: bool = False) -> str:
    """``body`` under a ``<details>`` line saying what it is (a click unfolds it)."""
    shown = " open" if open_ else ""
    return f"<details{shown}><summary>{summary}</summary>{body}</details>"


def differences_html(changed: list[tuple[str, str, str]], same: list[tuple[str, str, str]]) -> str:
    """The changed rows, marked, recorded → sent; the unchanged ones folded away."""
    if changed:
        # Recorded above sent, in one cell: two signatures side by side need more width
        # than a notebook has.
        rows = [
            Row(
                (
                    code(what),
                    Safe(
                        f"<code style='{_CODE};color:#57606a'>{escape(old)}</code><br>"
                        f"→ <code style='{_CODE}'><b>{escape(new)}</b></code>"
                    ),
                ),
                css="smsxml-replayer-changed",
                style=_CHANGED,
            )
            for what, old, new in changed
        ]
        shown = table(
            rows,
            ("", "recorded → sent"),
            style="border-collapse:separate;border-spacing:0 2px;width:100%;line-height:1.4",
            cell_style=(f"{_CELL};white-space:nowrap;width:1%", _CELL),
            header_style=("", _CELL),
        )
    else:
        shown = Safe("<div>Nothing changed: sent exactly as recorded.</div>")
    kept = "".join(f"{what} {value}\n" for what, value, _ in same)
    unchanged = folded(
        f"<span style='color:#57606a'>{plural(len(same), 'line')} unchanged</span>",
        pre(kept.rstrip("\n")),
    )
    return f"<b>What the replay changed</b> ({len(changed)}){shown}{unchanged if same else ''}"
