"""The :class:`RequestReplayer` panel: pick a recorded request, edit it, send it again
(re-signed or as recorded) and compare the answer with the original.

CSS classes (stable; the browser tests find the controls by them):

======================================  ===================================================
``smsxml-replayer``                     RequestReplayer container
``smsxml-replayer-select``              Dropdown: which recorded request
``smsxml-replayer-refresh``             Button: re-read the entries (a webhook's log grows)
``smsxml-replayer-params``              Textarea: parameters, one ``Name=value`` a line
``smsxml-replayer-resign``              Checkbox: sign anew for the target URL
``smsxml-replayer-url``                 Text: target URL
``smsxml-replayer-token``               Password: auth token for re-signing
``smsxml-replayer-send``                Button: "Replay"
``smsxml-replayer-status``              HTML: which replay and its outcome ("#2 · 12:00:01
                                        · 200 OK"): a new number on every click
``smsxml-replayer-response``            HTML: the answer, first: status, content type, body
                                        and, for a 403, why (`smsxml-replayer-diagnosis`)
``smsxml-replayer-request``             HTML: what the replay changed, recorded → sent
                                        (changed rows marked `smsxml-replayer-changed`;
                                        the rest folded away), then the request as sent
``smsxml-replayer-original``            HTML: the request as recorded (folded once replayed)
======================================  ===================================================
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from html import escape
from typing import Any, Protocol, TypeAlias, cast
from urllib.parse import urlsplit

import ipywidgets as widgets

from .._demo import DEMO_LOCAL_PORT
from .._headers import header_map
from .._html import code, table
from .._text import shorten
from ..exc import SmsxmlError, WidgetError
from ..playback import ReplayResult, replay
from ..protocol import NONCE_HEADER
from ..recording import load
from ..signature.diagnose import diagnose_v2
from ..webhook import LocalWebhook, LogEntry, WebhookApp, local
from ._panel import LABEL_STYLE, Panel, TokenField, classed, heading, natural, pre, wide
from ._views import differences_html, folded

__all__ = ["RequestReplayer", "Entry", "EntrySource"]


class Entry(Protocol):
    """A request to replay: a :class:`~smsxml.recording.RecordedRequest`, a webhook
    :class:`~smsxml.webhook.LogEntry` or anything shaped like them (``headers`` optional)."""

    @property
    def method(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def params(self) -> Mapping[str, str]: ...


#: Where the entries come from: a JSON-lines recording, a LocalWebhook / WebhookApp (its
#: log), a RequestLog or a list of entries, or one entry.
EntrySource: TypeAlias = (
    "str | os.PathLike[str] | LocalWebhook | WebhookApp | Iterable[Entry] | Entry"
)


def _escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _unescape_value(value: str) -> str:
    out, chars = [], iter(value)
    for ch in chars:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(chars, "")
        out.append({"n": "\n", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
    return "".join(out)


def _format_params(params: Mapping[str, str]) -> str:
    return "\n".join(f"{k}={_escape_value(v)}" for k, v in params.items())


def _parse_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise WidgetError(
                f"params line {number}: {line!r} is not Name=value (one parameter a line)"
            )
        params[name.strip()] = _unescape_value(value)
    return params


def _is_entry(value: object) -> bool:
    return hasattr(value, "method") and hasattr(value, "url")


def _entry_list(source: object) -> list[Entry]:
    """Entries from a recording path, a LocalWebhook/WebhookApp (its log), a RequestLog or
    a list of RecordedRequest / LogEntry objects."""
    if isinstance(source, str | os.PathLike):
        return list(load(source))
    log = getattr(source, "log", None)
    if log is not None and not callable(log):
        return list(log)
    if _is_entry(source):
        return [cast(Entry, source)]
    if isinstance(source, Iterable):
        entries = list(source)
        for number, entry in enumerate(entries, 1):
            if not _is_entry(entry):
                raise WidgetError(
                    f"entry #{number} is a {type(entry).__name__}: give RecordedRequest or "
                    "webhook LogEntry objects, a recording file or a LocalWebhook"
                )
        return entries
    raise WidgetError(
        f"cannot replay from a {type(source).__name__}: give a recording file, a list of "
        "RecordedRequest / LogEntry objects or a LocalWebhook"
    )


def _headers(entry: Entry) -> dict[str, str]:
    headers: Mapping[str, str] = getattr(entry, "headers", {}) or {}
    return dict(headers)


def _entry_label(number: int, entry: Entry) -> str:
    path = urlsplit(entry.url).path or "/"
    params = dict(getattr(entry, "params", {}) or {})
    label = f"#{number} {entry.method} {path}"
    if "From" in params:
        label += f" From={params['From']}"
    if "Text" in params:
        label += f" Text={shorten(params['Text'], 24)}"
    return label


#: Headers the HTTP client sets for each connection: left out of the comparison (they are in
#: the full requests below it).
_CONNECTION_HEADERS = frozenset({
    "host", "content-length", "connection", "keep-alive", "transfer-encoding", "te",
    "upgrade", "proxy-connection", "accept-encoding", "accept",
})  # fmt: skip


def _request_text(
    method: str, url: str, headers: Mapping[str, str], params: Mapping[str, str]
) -> str:
    head = "\n".join(f"{k}: {v}" for k, v in headers.items())
    body = "\n".join(f"{k}={_escape_value(v)}" for k, v in params.items())
    return f"{method} {url}\n{head}\n\n{body}"


def _differences(
    recorded: tuple[str, str, Mapping[str, str], Mapping[str, str]],
    sent: tuple[str, str, Mapping[str, str], Mapping[str, str]],
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(changed, same) rows ``(what, recorded, sent)``: method, URL, each header (but the
    connection's own) and each parameter; ``(none)`` where one side lacks it."""
    rows = [("method", recorded[0], sent[0]), ("URL", recorded[1], sent[1])]
    for kind, before, after in (("header", recorded[2], sent[2]), ("param", recorded[3], sent[3])):
        names = list(before) + [k for k in after if k not in before]
        for name in names:
            if kind == "header" and name.lower() in _CONNECTION_HEADERS:
                continue
            old = _escape_value(before[name]) if name in before else "(none)"
            new = _escape_value(after[name]) if name in after else "(none)"
            label = f"{name}:" if kind == "header" else f"{name}="
            rows.append((label, old, new))
    changed = [row for row in rows if row[1] != row[2]]
    same = [row for row in rows if row[1] == row[2]]
    return changed, same


def _local_webhook(url: str, *known: object) -> LocalWebhook | None:
    """The running smsxml LocalWebhook answering at ``url``, if it is one we know of."""
    running = list(getattr(local, "_running", {}).values())  # every LocalWebhook started
    for hook in [*known, *running]:
        if isinstance(hook, LocalWebhook) and hook.url == url and hook.running:
            return hook
    return None


def _logged(hook: LocalWebhook, result: ReplayResult) -> LogEntry | None:
    """The webhook's log entry for this replay: the last one with its nonce and status."""
    nonce = result.request.nonce
    for entry in reversed(hook.log[-50:]):
        if entry.status == result.status and header_map(entry.headers).get(NONCE_HEADER) == nonce:
            return entry
    return None


def _refusal_diagnosis(
    result: ReplayResult, token: str, hook: LocalWebhook | None
) -> tuple[str, str]:
    """Why the app refused the replay, and where that comes from: the webhook's own log
    when the target is a smsxml LocalWebhook, else :func:`smsxml.signature.diagnose.diagnose_v2` on
    what was sent, with the replayer's token (what the app would conclude)."""
    entry = _logged(hook, result) if hook is not None else None
    if entry is not None:
        if entry.verdict == "replayed nonce":
            text = (
                "The signature is valid, but the app has seen this nonce before and refuses "
                "replays (reject_replayed_nonces=True). Re-sign to send it with a fresh nonce."
            )
        elif entry.diagnosis is not None:
            text = str(entry.diagnosis)
        else:
            text = entry.reason or f"{entry.status} {entry.verdict}"
        return text, "the webhook's log"
    sent = result.request
    public = result.original.url if result.original.url != sent.url else None
    diagnosis = diagnose_v2(sent.url, sent.nonce, sent.signature, token, public_url=public)
    if diagnosis.valid:
        text = (
            f"The signature is valid for {diagnosis.seen_url} with the replayer's auth token, so "
            "the app refused it for another reason: it checks with another auth token (give "
            "the replayer the app's), or it refuses a nonce it has seen before."
        )
    else:
        text = str(diagnosis)
    return text, "diagnose_v2 with the replayer's token"


class RequestReplayer(Panel):
    """Send a recorded webhook request again and compare the answer with the original.

    ``entries``: a JSON-lines recording path, a list of RecordedRequest / webhook LogEntry
    objects, or a LocalWebhook / WebhookApp (its log; :meth:`refresh` re-reads it). Pick one
    with :meth:`select` (0-based: ``select(0)`` is "#1"), edit :attr:`params` (the text
    area holds one ``Name=value`` a line; ``\\n`` and ``\\\\`` stand for a newline and a
    backslash), choose :attr:`resign` and :attr:`url` (default: ``url`` or the entry's own
    URL), then :meth:`replay` — see :func:`smsxml.replay.replay`.
    """

    title = "Request replayer"

    def __init__(
        self,
        entries: EntrySource,
        url: str | LocalWebhook | None = None,
        auth_token: str | None = None,
    ):
        self._source = entries
        given = getattr(url, "url", url)
        if given is not None and not isinstance(given, str):
            raise WidgetError(
                f"url must be a URL (text) or a LocalWebhook, not {type(url).__name__}"
            )
        self._given_url: str | None = given
        target = url if url is not None else entries  # the entries' own URL by default
        self._hook: LocalWebhook | None = target if isinstance(target, LocalWebhook) else None
        self._token = TokenField(auth_token, "smsxml-replayer-token")
        self._entries: list[Entry] = []
        self._quiet = False
        self._result: ReplayResult | None = None
        self._error = ""
        self._diagnosis: str | None = None
        self._make_widgets(given)
        self._count = 0
        self._select.observe(self._on_select, names="value")
        self._send_button.on_click(self._on_replay)
        self._refresh_button.on_click(lambda _b: self.refresh())
        self.widget = self._layout()
        self.refresh()

    def _make_widgets(self, given: str | None) -> None:
        """The controls (request, params, re-sign, target URL, Replay) and the outputs."""
        self._select = classed(
            widgets.Dropdown(
                options=[],
                description="request",
                style=LABEL_STYLE,
                # the rest of the row, beside the button (long labels shrink, not push it out)
                layout=wide(flex="1 1 0%", min_width="0"),
            ),
            "smsxml-replayer-select",
        )
        self._refresh_button = classed(
            widgets.Button(description="Refresh list", layout=natural()),
            "smsxml-replayer-refresh",
        )
        self._params = classed(
            widgets.Textarea(
                description="params",
                style=LABEL_STYLE,
                layout=wide(height="150px"),
            ),
            "smsxml-replayer-params",
        )
        self._resign = classed(
            widgets.Checkbox(value=True, description="re-sign for the target URL", indent=False),
            "smsxml-replayer-resign",
        )
        self._url = classed(
            widgets.Text(
                value=given or "", description="target URL", style=LABEL_STYLE, layout=wide()
            ),
            "smsxml-replayer-url",
        )
        self._send_button = classed(
            widgets.Button(description="Replay", icon="repeat", button_style="primary"),
            "smsxml-replayer-send",
        )
        self._status_out = classed(
            widgets.HTML(layout=widgets.Layout(flex="1 1 auto", min_width="0")),
            "smsxml-replayer-status",
        )
        # The answer first, then what changed, then the requests in full (folded).
        self._response_out = classed(widgets.HTML(layout=wide()), "smsxml-replayer-response")
        self._request_out = classed(widgets.HTML(layout=wide()), "smsxml-replayer-request")
        self._original_out = classed(widgets.HTML(layout=wide()), "smsxml-replayer-original")

    def _layout(self) -> Any:
        """The controls, then the answer, what changed, the requests in full (folded)."""
        return classed(
            widgets.VBox(
                [
                    heading(self.title),
                    widgets.HBox([self._select, self._refresh_button]),
                    self._params,
                    self._resign,
                    self._url,
                    # The token row: TokenField's own container when it has one (field,
                    # "in use" label, reset button), else the bare field.
                    getattr(self._token, "widget", self._token.field),
                    widgets.HBox(
                        [self._send_button, self._status_out],
                        layout=widgets.Layout(align_items="center"),
                    ),
                    self._response_out,
                    self._request_out,
                    self._original_out,
                ]
            ),
            "smsxml-replayer",
        )

    # -- entries -----------------------------------------------------------------------------

    @property
    def entries(self) -> list[Entry]:
        return list(self._entries)

    def refresh(self) -> None:
        """Re-read the entries (a webhook's log grows); keeps the selection when it can."""
        keep = self._select.value
        self._entries = _entry_list(self._source)
        options = [(_entry_label(i, e), i - 1) for i, e in enumerate(self._entries, 1)]
        self._quiet = True
        try:
            self._select.options = options
            if self._entries:
                keeps = isinstance(keep, int) and keep < len(self._entries)
                self._select.value = keep if keeps else 0
        finally:
            self._quiet = False
        self._show_entry(self.selected)
        self._send_button.disabled = not self._entries

    def select(self, index: int) -> Entry:
        """Pick entry ``index`` (0-based, negative from the end); returns the entry."""
        if not self._entries:
            raise WidgetError("nothing to select: there are no recorded requests")
        count = len(self._entries)
        if not -count <= index < count:
            raise WidgetError(f"there are {count} requests: pick 0 to {count - 1}")
        self._select.value = index % count
        return self._entries[index % count]

    @property
    def selected(self) -> Entry | None:
        """The selected entry (None when there are none)."""
        index: int | None = self._select.value
        return self._entries[index] if index is not None else None

    def _on_select(self, change: object) -> None:
        if not self._quiet:
            self._show_entry(self.selected)

    def _show_entry(self, entry: Entry | None) -> None:
        self._result, self._error, self._diagnosis = None, "", None
        if entry is None:
            self._params.value = ""
            self._original_out.value = "<i>No recorded requests.</i>"
        else:
            self._params.value = _format_params(dict(entry.params))
            if self._given_url is None:
                self._url.value = entry.url
            self._original_out.value = self._recorded_html(entry, open_=True)
        self._status_out.value = "<i>Press Replay to send it.</i>"
        self._request_out.value = ""
        self._response_out.value = ""

    # -- fields ------------------------------------------------------------------------------

    @property
    def params(self) -> dict[str, str]:
        """The parameters to send (edit by assigning a dict, or via the text area)."""
        return _parse_params(self._params.value)

    @params.setter
    def params(self, value: Mapping[str, object]) -> None:
        self._params.value = _format_params({str(k): str(v) for k, v in value.items()})

    @property
    def resign(self) -> bool:
        value: bool = self._resign.value
        return value

    @resign.setter
    def resign(self, value: bool) -> None:
        self._resign.value = bool(value)

    @property
    def url(self) -> str:
        value: str = self._url.value
        return value

    @url.setter
    def url(self, value: str | LocalWebhook | None) -> None:
        self._hook = value if isinstance(value, LocalWebhook) else None
        self._url.value = getattr(value, "url", value) or ""

    def set_token(self, auth_token: str | None) -> None:
        """Re-sign with ``auth_token`` (kept in the kernel; the Password field is cleared)."""
        self._token.set(auth_token)

    # -- replaying ---------------------------------------------------------------------------

    @property
    def result(self) -> ReplayResult | None:
        """The :class:`~smsxml.playback.ReplayResult` of the last replay (None before)."""
        return self._result

    def replay(self) -> ReplayResult:
        """Send the selected request (as the Replay button does); returns the ReplayResult."""
        entry = self.selected
        if entry is None:
            raise WidgetError("nothing to replay: there are no recorded requests")
        params = self.params
        url = self.url.strip()
        if not url:
            raise WidgetError(
                f"give a target URL, like http://127.0.0.1:{DEMO_LOCAL_PORT}/receive_sms/"
            )
        hook = self._hook
        if hook is not None and hook.url == url and not hook.running:
            raise WidgetError(
                f"the LocalWebhook at {url} was stopped (hook.stop() or LocalWebhook.stop_all(), "
                "e.g. a clean-up cell): start a new one and point the replayer at it "
                "(replayer.url = hook), or give another URL"
            )

        def edited(_old: dict[str, str]) -> dict[str, str]:
            return dict(params)

        edit = None if params == dict(entry.params) else edited
        token = self._token.token if self.resign else None
        result = replay([entry], url, token, resign=self.resign, edit=edit)[0]
        self._result, self._error = result, ""
        self._render_result(result)
        return result

    def _on_replay(self, _button: object = None) -> None:
        try:
            self.replay()
        except SmsxmlError as exc:
            self._result, self._error = None, str(exc)
            self._count += 1
            self._status_out.value = f"{self._stamp()} <b>Cannot replay:</b> {escape(self._error)}"
            self._request_out.value = self._response_out.value = ""

    @property
    def replays(self) -> int:
        """How many times Replay was pressed (or :meth:`replay` called): the ``#n`` shown."""
        return self._count

    @property
    def diagnosis(self) -> str | None:
        """Why the last replay was refused (403), in words; None otherwise."""
        return self._diagnosis

    def _stamp(self) -> str:
        """``#3 · 14:02:51``: a new number on every replay, so that one with the same
        outcome as the last still visibly happened."""
        when = datetime.now().strftime("%H:%M:%S")
        return f"<b class='smsxml-replayer-number'>#{self._count}</b> · {when} ·"

    def _recorded_html(self, entry: Entry, *, open_: bool) -> str:
        text = _request_text(entry.method, entry.url, _headers(entry), dict(entry.params))
        lines = text.count("\n") + 1
        return folded(f"<b>Recorded</b> request ({lines} lines)", pre(text), open_=open_)

    def _render_result(self, result: ReplayResult) -> None:
        self._count += 1
        how = "re-signed" if result.resigned else "as recorded"
        colour = "#1a7f37" if result.ok else "#cf222e"
        self._status_out.value = (
            f"{self._stamp()} <b style='color:{colour}'>{escape(result.outcome)}</b> ({how})"
        )
        self._diagnosis = None
        hook = _local_webhook(result.request.url, self._hook, self._source)
        if result.reply is None:
            self._response_out.value = f"<b>No answer</b>{pre(str(result.error))}"
        else:
            kind = result.reply.content_type or "no content type"
            why = ""
            if result.status == 403:
                text, source = _refusal_diagnosis(result, self._token.token, hook)
                self._diagnosis = text
                why = (
                    "<div class='smsxml-replayer-diagnosis' style='border-left:3px solid "
                    f"#cf222e;padding-left:8px;margin:4px 0'><b>Why refused</b> "
                    f"<span style='color:#57606a'>(from {escape(source)})</span>: "
                    f"{escape(text)}</div>"
                )
            self._response_out.value = (
                f"<b>Answer</b> <b style='color:{colour}'>{escape(result.outcome)}</b> · "
                f"{escape(kind)}{why}{pre(result.reply.text)}"
            )
        sent = result.request
        original = result.original
        changed, same = _differences(
            (original.method, original.url, original.headers, original.params),
            (sent.method, sent.url, sent.headers, sent.params),
        )
        full = _request_text(sent.method, sent.url, sent.headers, sent.params)
        self._request_out.value = differences_html(changed, same) + folded(
            f"<b>Sent</b> request ({full.count(chr(10)) + 1} lines)", pre(full)
        )
        entry = self.selected
        if entry is not None:
            self._original_out.value = self._recorded_html(entry, open_=False)

    # -- display -----------------------------------------------------------------------------

    def __repr__(self) -> str:
        entry = self.selected
        count = len(self._entries)
        lines = [f"RequestReplayer: {count} request{'s' * (count != 1)}"]
        if entry is not None:
            lines.append(f"  selected: {_entry_label(self._select.value + 1, entry)}")
        lines.append(f"  target:   {self.url or '(none)'}")
        lines.append(f"  re-sign:  {'yes' if self.resign else 'no (as recorded)'}")
        if self._result is not None:
            lines.append(f"  replayed: {self._result.outcome} (#{self._count})")
            if self._diagnosis:
                lines.append(f"  why:      {self._diagnosis}")
        elif self._error:
            lines.append(f"  error:    {self._error}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        # Summaries only: nonces, signatures and times vary from run to run.
        entry = self.selected
        rows = [("requests", str(len(self._entries)))]
        if entry is not None:
            rows.append(("selected", _entry_label(self._select.value + 1, entry)))
        rows += [
            ("target URL", self.url or "(none)"),
            ("re-sign", "yes" if self.resign else "no (as recorded)"),
        ]
        if self._result is not None:
            rows.append(("replayed", self._result.outcome))
        body = table([(k, code(v)) for k, v in rows])
        answer = ""
        if self._result is not None and self._result.reply is not None:
            answer = pre(self._result.reply.text)
        return f"<div class='smsxml-replayer'><h3>{escape(self.title)}</h3>{body}{answer}</div>"
