"""Interactive Jupyter widgets for learning Plivo SMS XML (built on ipywidgets).

Four panels, each a plain Python object with a small API (set fields, press buttons, read
results) so that code and tests can drive it without a browser:

* :class:`MessageComposer` — build a ``<Message>``, see the XML, Plivo's objections, the
  SMS units, the plivo SDK code and a curl line; run it through the offline simulator.
* :class:`SignatureExplorer` — every step of an ``X-Plivo-Signature-V2``, the verdict and,
  when it fails, the likely cause.
* :class:`RequestReplayer` — pick a recorded request, edit it, send it again (re-signed or
  as recorded) and compare the answer with the original.
* :class:`FlowTimeline` — a simulated :class:`~smsxml.simulator.Flow` as a sequence
  diagram and a table of events.

``display(panel)`` (or a panel as the last expression of a cell) shows the live widget;
``panel.widget`` is the ipywidgets container. Where widgets cannot render, the display
falls back to ``text/html`` (a summary of the current state) and ``text/plain`` — both
deterministic for the same inputs (no model ids, times or random nonces), so notebooks
compare cleanly under nbval. ``import smsxml`` never imports this module or ipywidgets.

The auth token is never shown: it is typed into an ``ipywidgets.Password`` field (left
empty, the token given to the constructor — or ``$PLIVO_AUTH_TOKEN``, or the demo token —
is used without ever being sent to the browser) and never goes into any other widget, HTML
or repr.

CSS classes (stable; the browser tests find the controls by them):

======================================  ===================================================
``smsxml-composer``                     MessageComposer container
``smsxml-composer-text``                Textarea: the SMS text
``smsxml-composer-src``                 Text: src
``smsxml-composer-dst``                 Text: dst (several: ``<`` or ``,`` between)
``smsxml-composer-type``                Dropdown: type
``smsxml-composer-callback-url``        Text: callbackUrl
``smsxml-composer-callback-method``     Combobox: callbackMethod (free text: try ``PUT``)
``smsxml-composer-units``               HTML: "GSM-7 · 1 unit · 17/160"
``smsxml-composer-xml``                 HTML: the XML preview (``<pre>``)
``smsxml-composer-problems``            HTML: validation problems with hints
``smsxml-composer-sdk``                 HTML: equivalent plivo SDK code
``smsxml-composer-curl``                HTML: curl line of the signed inbound request
``smsxml-composer-send``                Button: "Send through the simulator"
``smsxml-composer-flow``                HTML: the resulting flow (diagram + details)
``smsxml-explorer``                     SignatureExplorer container
``smsxml-explorer-url``                 Text: the URL your app sees
``smsxml-explorer-nonce``               Text: X-Plivo-Signature-V2-Nonce
``smsxml-explorer-token``               Password: auth token
``smsxml-explorer-signature``           Text: X-Plivo-Signature-V2 received
``smsxml-explorer-sign``                Button: put the correct signature in
``smsxml-explorer-steps``               HTML: table of the signing steps
``smsxml-explorer-verdict``             HTML: "valid" / "invalid"
``smsxml-explorer-diagnosis``           HTML: why it fails (diagnose_v2)
``smsxml-replayer``                     RequestReplayer container
``smsxml-replayer-select``              Dropdown: which recorded request
``smsxml-replayer-refresh``             Button: re-read the entries (a webhook's log grows)
``smsxml-replayer-params``              Textarea: parameters, one ``Name=value`` a line
``smsxml-replayer-resign``              Checkbox: sign anew for the target URL
``smsxml-replayer-url``                 Text: target URL
``smsxml-replayer-token``               Password: auth token for re-signing
``smsxml-replayer-send``                Button: "Replay"
``smsxml-replayer-status``              HTML: outcome of the last replay ("200 OK")
``smsxml-replayer-original``            HTML: the request as recorded
``smsxml-replayer-request``             HTML: the request as sent
``smsxml-replayer-response``            HTML: status and body of the answer
``smsxml-timeline``                     FlowTimeline container
``smsxml-timeline-summary``             HTML: one line about the flow
``smsxml-timeline-diagram``             HTML: SVG sequence diagram
``smsxml-timeline-events``              HTML: table of events
``smsxml-heading``                      HTML heading of each panel
======================================  ===================================================
"""

from __future__ import annotations

import dataclasses
import os
import random
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from html import escape
from typing import Any
from urllib.parse import urlsplit

import ipywidgets as widgets

from .exc import SmsxmlError, WidgetError, XMLBuildError
from .flow import timeline_rows
from .tokens import mask, resolve_token

__all__ = [
    "MessageComposer",
    "SignatureExplorer",
    "RequestReplayer",
    "FlowTimeline",
    "WidgetError",
    "DEFAULT_URL",
    "DEFAULT_NONCE",
    "DEFAULT_WEBHOOK_URL",
]

#: The URL the SignatureExplorer starts with.
DEFAULT_URL = "https://example.com/receive_sms/"
#: A fixed Plivo-style nonce, so that first views are the same on every run.
DEFAULT_NONCE = "05429567804466091622"
#: Where the composer's curl line sends the inbound SMS (a LocalWebhook on port 5000).
DEFAULT_WEBHOOK_URL = "http://127.0.0.1:5000/receive_sms/"
#: A fixed MessageUUID for the composer's curl line (deterministic output).
_CURL_MESSAGE_UUID = str(uuid.UUID(int=random.Random(0).getrandbits(128), version=4))
_ACTORS = ("phone", "Plivo", "your app", "callbackUrl")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "0.0.0.0")
_LABEL_STYLE = {"description_width": "110px"}



# --------------------------------------------------------------------------- helpers


def _classed(widget: Any, *classes: str) -> Any:
    for name in classes:
        widget.add_class(name)
    return widget


def _heading(title: str) -> widgets.HTML:
    return _classed(widgets.HTML(f"<h3>{escape(title)}</h3>"), "smsxml-heading")


def _pre(text: str, css: str = "") -> str:
    cls = f" class='{css}'" if css else ""
    return f"<pre{cls} style='white-space:pre-wrap;margin:0'>{escape(text)}</pre>"


class _Value:
    """A property that reads and writes the ``value`` of the widget held in ``attr``."""

    def __init__(self, attr: str):
        self.attr = attr

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self if obj is None else getattr(obj, self.attr).value

    def __set__(self, obj: Any, value: Any) -> None:
        getattr(obj, self.attr).value = value


def _wide() -> widgets.Layout:
    return widgets.Layout(width="100%")


def _walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _walk(child)


def _short(text: str, limit: int = 24) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class _Panel:
    """What every panel shares: a container widget and the display protocol."""

    title = ""
    widget: widgets.VBox

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict[str, Any]:
        """The live widget view, with a deterministic text/plain and text/html fallback."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self._repr_html_()
        return bundle

    def _repr_html_(self) -> str:  # pragma: no cover - overridden
        return f"<div><h3>{escape(self.title)}</h3></div>"

    def all_widgets(self) -> list[Any]:
        """Every widget of this panel, the container first (for tests and inspection)."""
        return list(_walk(self.widget))


class _TokenField:
    """A Password field plus the token given in Python; the field wins when filled in.

    The given token stays in the kernel: the field starts empty, its placeholder says
    which token is used (masked).
    """

    def __init__(self, auth_token: str | None, css: str):
        self._given = resolve_token(auth_token)
        self.field = _classed(
            widgets.Password(
                value="", description="auth token", style=_LABEL_STYLE,
                placeholder=self._placeholder(), layout=_wide(),
            ),
            css,
        )

    def _placeholder(self) -> str:
        return f"{mask(self._given)} — type to use another token"

    @property
    def token(self) -> str:
        return self.field.value or self._given

    def set(self, auth_token: str | None) -> None:
        self._given = resolve_token(auth_token)
        self.field.placeholder = self._placeholder()
        self.field.value = ""

    def shown(self) -> str:
        return mask(self.token)


# --------------------------------------------------------------------------- composer


def _join_dsts(dst: str) -> str:
    """``dst`` as Plivo wants it: several numbers joined with ``<`` (commas accepted)."""
    if "," not in dst and "<" not in dst:
        return dst.strip()
    return "<".join(piece.strip() for piece in dst.replace(",", "<").split("<"))


def _is_local(host: str | None) -> bool:
    host = (host or "").lower()
    return host in _LOCAL_HOSTS or host.endswith(".localhost")


def _reply_app(xml: bytes, path: str) -> Callable[..., Any]:
    """A tiny WSGI app: ``xml`` at ``path``, 200 "OK" for anything else (delivery reports)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") == path:
            body, kind = xml, "application/xml; charset=utf-8"
        else:
            body, kind = b"OK", "text/plain; charset=utf-8"
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]

    app.path = path  # type: ignore[attr-defined]
    return app


class MessageComposer(_Panel):
    """Compose one ``<Message>`` and watch what Plivo would make of it, live.

    Outputs update on every change: the XML, :func:`smsxml.xml.validate` problems (with
    hints), the units and encoding, equivalent plivo SDK code and a ``curl`` line. The curl
    line makes the signed inbound request Plivo would send to ``webhook_url`` when the first
    ``dst`` texts ``src`` (``inbound_text``); a webhook there answering with this XML —
    e.g. ``LocalWebhook(lambda m: composer.xml, port=5000)`` — makes Plivo send the
    message. :meth:`send` runs it through a seeded :class:`~smsxml.simulator.Simulator`
    in-process: a tiny WSGI app answers with this XML and takes the delivery reports, so
    nothing leaves the kernel (a ``callbackUrl`` on 127.0.0.1/localhost is called over
    HTTP, so your own local server can receive them).
    """

    title = "Message composer"

    def __init__(
        self,
        src: str = "12025550000",
        dst: str = "14155550100",
        text: str = "Hello from Plivo!",
        auth_token: str | None = None,
        simulator: Any = None,
        *,
        callback_url: str = "",
        callback_method: str = "",
        inbound_text: str = "Hi",
        webhook_url: str = DEFAULT_WEBHOOK_URL,
    ):
        self._token = resolve_token(auth_token)
        self._simulator = simulator
        self.inbound_text = inbound_text
        self.webhook_url = webhook_url
        self._quiet = False
        self._flow: Any = None
        self._response: Any = None
        self._xml = ""
        self._problems: list[Any] = []
        self._segments: Any = None
        self._sdk = ""
        self._curl = ""

        def text_field(value: str, label: str, css: str, placeholder: str = "") -> Any:
            return _classed(widgets.Text(value=value, description=label, style=_LABEL_STYLE,
                                         placeholder=placeholder, layout=_wide()), css)

        self._text = _classed(
            widgets.Textarea(value=text, description="Text", style=_LABEL_STYLE,
                             layout=widgets.Layout(width="100%", height="80px")),
            "smsxml-composer-text",
        )
        self._src = text_field(src, "src", "smsxml-composer-src", "12025550000")
        self._dst = text_field(dst, "dst", "smsxml-composer-dst",
                               "14155550100 — several: 14155550100<14155550101")
        self._type = _classed(
            widgets.Dropdown(options=["sms"], value="sms", description="type",
                             style=_LABEL_STYLE),
            "smsxml-composer-type",
        )
        self._callback_url = text_field(callback_url, "callbackUrl",
                                        "smsxml-composer-callback-url",
                                        "https://example.com/sms_status/ (optional)")
        self._callback_method = _classed(
            widgets.Combobox(value=callback_method, options=("POST", "GET"),
                             ensure_option=False, description="callbackMethod",
                             placeholder="POST (default)", style=_LABEL_STYLE),
            "smsxml-composer-callback-method",
        )
        self._units_out = _classed(widgets.HTML(), "smsxml-composer-units")
        self._xml_out = _classed(widgets.HTML(layout=_wide()), "smsxml-composer-xml")
        self._problems_out = _classed(widgets.HTML(layout=_wide()), "smsxml-composer-problems")
        self._sdk_out = _classed(widgets.HTML(layout=_wide()), "smsxml-composer-sdk")
        self._curl_out = _classed(widgets.HTML(layout=_wide()), "smsxml-composer-curl")
        self._send_button = _classed(
            widgets.Button(description="Send through the simulator", icon="paper-plane",
                           layout=widgets.Layout(width="auto")),
            "smsxml-composer-send",
        )
        self._flow_out = _classed(widgets.HTML(layout=_wide()), "smsxml-composer-flow")
        self._send_button.on_click(self._on_send)
        for field in self._fields():
            field.observe(self._on_change, names="value")
        self.widget = _classed(
            widgets.VBox([
                _heading(self.title),
                self._text, self._src, self._dst, self._type, self._callback_url,
                self._callback_method,
                self._units_out,
                widgets.HTML("<b>XML your message_url answers</b>"), self._xml_out,
                widgets.HTML("<b>What Plivo would say</b>"), self._problems_out,
                widgets.HTML("<b>The same with the plivo SDK</b>"), self._sdk_out,
                widgets.HTML("<b>The signed inbound request, as curl</b>"), self._curl_out,
                self._send_button, self._flow_out,
            ]),
            "smsxml-composer",
        )
        self._refresh()

    def _fields(self) -> list[Any]:
        return [self._text, self._src, self._dst, self._type, self._callback_url,
                self._callback_method]

    # -- fields ------------------------------------------------------------------------------

    text = _Value("_text")

    @property
    def src(self) -> str:
        return self._src.value

    @src.setter
    def src(self, value: str) -> None:
        self._src.value = str(value)

    @property
    def dst(self) -> str:
        """The dst field as typed (see :attr:`response` for the ``<``-joined form)."""
        return self._dst.value

    @dst.setter
    def dst(self, value: str | Iterable[str]) -> None:
        self._dst.value = value if isinstance(value, str) else "<".join(map(str, value))

    type = _Value("_type")

    @property
    def callback_url(self) -> str:
        return self._callback_url.value

    @callback_url.setter
    def callback_url(self, value: str | None) -> None:
        self._callback_url.value = value or ""

    @property
    def callback_method(self) -> str:
        return self._callback_method.value

    @callback_method.setter
    def callback_method(self, value: str | None) -> None:
        self._callback_method.value = value or ""

    def set(self, **fields: Any) -> MessageComposer:
        """Set several fields at once (text, src, dst, type, callback_url,
        callback_method), updating the outputs once. Returns ``self``."""
        names = {"text", "src", "dst", "type", "callback_url", "callback_method"}
        unknown = sorted(set(fields) - names)
        if unknown:
            raise WidgetError(
                f"MessageComposer has no field {', '.join(unknown)}; use {', '.join(sorted(names))}"
            )
        self._quiet = True
        try:
            for name, value in fields.items():
                setattr(self, name, value)
        finally:
            self._quiet = False
        self._on_change()
        return self

    # -- results -----------------------------------------------------------------------------

    @property
    def xml(self) -> str:
        """The XML document ("" when the fields cannot be written as XML)."""
        return self._xml

    @property
    def response(self) -> Any:
        """The :class:`smsxml.xml.Response` built, or None when it cannot be built."""
        return self._response

    @property
    def problems(self) -> list[Any]:
        """What Plivo would object to (``Problem`` objects; a build error has line 0)."""
        return list(self._problems)

    @property
    def segments(self) -> Any:
        """:class:`smsxml.segments.Segments` of the text."""
        return self._segments

    @property
    def units_label(self) -> str:
        """E.g. ``"GSM-7 · 1 unit · 17/160"``."""
        seg = self._segments
        plural = "unit" if seg.units == 1 else "units"
        return f"{seg.encoding} · {seg.units} {plural} · {seg.length}/{seg.capacity}"

    @property
    def sdk_code(self) -> str:
        """Python code making the same XML with the plivo SDK."""
        return self._sdk

    @property
    def curl(self) -> str:
        """A curl command making the signed inbound request (see the class docstring)."""
        return self._curl

    @property
    def flow(self) -> Any:
        """The :class:`~smsxml.simulator.Flow` of the last :meth:`send` (None after edits)."""
        return self._flow

    # -- computing ---------------------------------------------------------------------------

    def _on_change(self, change: Any = None) -> None:
        if self._quiet:
            return
        stale = self._flow is not None
        self._flow = None
        self._refresh()
        if stale:
            self._flow_out.value = (
                "<i>The message changed: press “Send through the simulator” again.</i>"
            )

    def _message_args(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "src": self.src.strip(),
            "dst": _join_dsts(self.dst),
            "type": self.type,
            "callback_url": self.callback_url if self.callback_url.strip() else None,
            "callback_method": self.callback_method if self.callback_method.strip() else None,
        }

    def _refresh(self) -> None:
        from .units import segments
        from .xml import Message, Problem, Response, validate

        args = self._message_args()
        try:
            self._response = Response([Message(**args)])
            self._xml = self._response.to_xml()
            self._problems = validate(self._xml)
        except XMLBuildError as exc:
            self._response, self._xml = None, ""
            self._problems = [Problem(0, 0, "unwritable-character", "error", str(exc),
                                      "delete that character (it often comes with copy and "
                                      "paste) or write it another way")]
        self._segments = segments(self.text)
        self._sdk = self._sdk_snippet(args)
        self._curl = self._curl_line(args)
        self._render()

    @staticmethod
    def _sdk_snippet(args: Mapping[str, Any]) -> str:
        lines = [f"        {args['text']!r},", f"        src={args['src']!r},",
                 f"        dst={args['dst']!r},", f"        type={args['type']!r},"]
        if args["callback_url"] is not None:
            lines.append(f"        callback_url={args['callback_url']!r},")
        if args["callback_method"] is not None:
            lines.append(f"        callback_method={args['callback_method']!r},")
        return "\n".join([
            "from plivo import plivoxml",
            "",
            "response = plivoxml.ResponseElement()",
            "response.add(",
            "    plivoxml.MessageElement(",
            *lines,
            "    )",
            ")",
            "print(response.to_string())",
        ])

    def _inbound_numbers(self, args: Mapping[str, Any]) -> tuple[str, str]:
        """(from_, to) of the inbound SMS: the first dst texts src."""
        first = next((d for d in args["dst"].split("<") if d.strip()), "") or "14155550100"
        return first.strip(), args["src"] or "12025550000"

    def _curl_line(self, args: Mapping[str, Any]) -> str:
        from .inbound import inbound_request

        from_, to = self._inbound_numbers(args)
        try:
            request = inbound_request(
                self.webhook_url, self._token, from_=from_, to=to, text=self.inbound_text,
                message_uuid=_CURL_MESSAGE_UUID, nonce=DEFAULT_NONCE,
            )
        except SmsxmlError as exc:
            return f"# no curl line: {exc}"
        return (
            f"# {from_} texts {to}: the signed request Plivo makes to your message_url.\n"
            "# A webhook there answering with the XML above makes Plivo send it.\n"
            + request.to_curl()
        )

    def _render(self) -> None:
        seg = self._segments
        why = ""
        if seg.non_gsm_characters:
            shown = " ".join(repr(c) for c in seg.non_gsm_characters[:8])
            why = f" — UCS-2 because of {shown}"
        elif seg.extension_characters:
            shown = " ".join(repr(c) for c in seg.extension_characters[:8])
            why = f" — these take 2 septets each: {shown}"
        self._units_out.value = (
            f"<b class='smsxml-units'>{escape(self.units_label)}</b>"
            f"<span style='color:#57606a'>{escape(why)}</span>"
        )
        if self._xml:
            self._xml_out.value = _pre(self._xml, "smsxml-xml")
        else:
            self._xml_out.value = "<i>(these fields cannot be written as XML — see below)</i>"
        self._problems_out.value = _problems_html(self._problems)
        self._sdk_out.value = _pre(self._sdk, "smsxml-sdk")
        self._curl_out.value = _pre(self._curl, "smsxml-curl")
        if self._flow is None:
            self._flow_out.value = (
                "<i>Press “Send through the simulator” to see what Plivo does with it.</i>"
            )
        else:
            self._flow_out.value = _flow_html(self._flow)

    # -- sending -----------------------------------------------------------------------------

    def send(self) -> Any:
        """Run this XML through the simulator (as the button does) and return the Flow."""
        from .simulator import IN_PROCESS_URL, Simulator

        if self._response is None:
            raise XMLBuildError(self._problems[0].message if self._problems else
                                "the fields cannot be written as XML")
        args = self._message_args()
        simulator = self._simulator or Simulator(self._token, seed=0)
        from_, to = self._inbound_numbers(args)
        if "".join(to.split()).removeprefix("+") not in simulator.numbers:
            to = simulator.numbers[0]
        url = IN_PROCESS_URL
        callback = args["callback_url"]
        if callback:
            try:
                parts = urlsplit(callback.strip())
                host = parts.hostname
            except ValueError:
                parts, host = None, None
            if parts is not None and parts.scheme in ("http", "https") and host \
                    and not _is_local(host):
                # Same host and port as the callbackUrl: the reports stay in-process.
                path = "/receive_sms/" if parts.path != "/receive_sms/" else "/inbound_sms/"
                url = f"{parts.scheme}://{parts.netloc}{path}"
        app = _reply_app(self._xml.encode("utf-8"), urlsplit(url).path)
        self._flow = simulator.receive_sms(app, from_, to, self.inbound_text, url=url)
        self._render()
        return self._flow

    def _on_send(self, _button: Any = None) -> None:
        try:
            self.send()
        except SmsxmlError as exc:
            self._flow = None
            self._flow_out.value = f"<b>Cannot send:</b> {escape(str(exc))}"

    # -- display -----------------------------------------------------------------------------

    def __repr__(self) -> str:
        count = len(self._problems)
        problems = "no problems" if not count else f"{count} problem{'s' * (count != 1)}"
        lines = [f"MessageComposer: {self.units_label}, {problems}"]
        lines.append(self._xml.rstrip("\n") if self._xml else "(cannot be written as XML)")
        lines += [f"  {_problem_text(p)}" for p in self._problems]
        if self._flow is not None:
            lines.append(str(self._flow).splitlines()[0])
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        xml = _pre(self._xml) if self._xml else "<i>(cannot be written as XML)</i>"
        flow = ""
        if self._flow is not None:
            flow = f"<p>{escape(str(self._flow).splitlines()[0])}</p>"
        return (
            f"<div class='smsxml-composer'><h3>{escape(self.title)}</h3>"
            f"<p><b>{escape(self.units_label)}</b></p>{xml}"
            f"{_problems_html(self._problems)}{flow}</div>"
        )


def _problem_text(problem: Any) -> str:
    where = ""
    if getattr(problem, "line", None):
        where = f"line {problem.line}, column {problem.column}: "
    head = f"{where}{problem.severity} {problem.code}: {problem.message}"
    return f"{head} — hint: {problem.hint}" if getattr(problem, "hint", "") else head


def _problems_html(problems: list[Any]) -> str:
    if not problems:
        return "<div class='smsxml-ok' style='color:#1a7f37'>No problems: Plivo would " \
               "accept this XML.</div>"
    items = []
    for p in problems:
        colour = "#cf222e" if p.severity == "error" else "#9a6700"
        where = f"line {p.line}, column {p.column}: " if getattr(p, "line", None) else ""
        hint = f"<br><span class='smsxml-hint'>hint: {escape(p.hint)}</span>" if p.hint else ""
        items.append(
            f"<li class='smsxml-problem smsxml-{escape(p.severity)}'>"
            f"<b style='color:{colour}'>{escape(p.severity)}</b> <code>{escape(p.code)}</code> "
            f"{escape(where)}{escape(p.message)}{hint}</li>"
        )
    return f"<ul style='margin:0'>{''.join(items)}</ul>"


def _flow_html(flow: Any) -> str:
    return (
        f"<div class='smsxml-flow-diagram'>{flow.sequence_diagram()}</div>"
        f"{flow._repr_html_()}"
    )


# --------------------------------------------------------------------------- signatures


class SignatureExplorer(_Panel):
    """Take an ``X-Plivo-Signature-V2`` apart: change the URL, nonce, token or signature
    and see every signing step, the verdict and — when it fails — the likely cause.

    ``signature`` is the header your app received; it defaults to the correct one for the
    initial URL, nonce and token, so the explorer starts valid. Changing a field does not
    re-sign: it shows what your app would conclude (:meth:`sign` puts the correct one in).
    """

    title = "Signature explorer"

    def __init__(
        self,
        url: str = DEFAULT_URL,
        nonce: str | None = None,
        auth_token: str | None = None,
        signature: str | None = None,
    ):
        from .signature import sign_v2

        self._token = _TokenField(auth_token, "smsxml-explorer-token")
        nonce = DEFAULT_NONCE if nonce is None else nonce
        if signature is None:
            signature = sign_v2(url, nonce, self._token.token)
        self._quiet = False
        self._explanation: Any = None
        self._diagnosis: Any = None
        self._error = ""

        def text_field(value: str, label: str, css: str) -> Any:
            return _classed(widgets.Text(value=value, description=label, style=_LABEL_STYLE,
                                         layout=_wide()), css)

        self._url = text_field(url, "URL", "smsxml-explorer-url")
        self._nonce = text_field(nonce, "nonce", "smsxml-explorer-nonce")
        self._signature = text_field(signature, "signature", "smsxml-explorer-signature")
        self._sign_button = _classed(
            widgets.Button(description="Use the correct signature",
                           layout=widgets.Layout(width="auto")),
            "smsxml-explorer-sign",
        )
        self._steps_out = _classed(widgets.HTML(layout=_wide()), "smsxml-explorer-steps")
        self._verdict_out = _classed(widgets.HTML(), "smsxml-explorer-verdict")
        self._diagnosis_out = _classed(widgets.HTML(layout=_wide()), "smsxml-explorer-diagnosis")
        self._sign_button.on_click(lambda _b: self.sign())
        for field in (self._url, self._nonce, self._token.field, self._signature):
            field.observe(self._on_change, names="value")
        self.widget = _classed(
            widgets.VBox([
                _heading(self.title),
                self._url, self._nonce, self._token.field, self._signature, self._sign_button,
                widgets.HTML("<b>How Plivo signs it</b>"), self._steps_out,
                self._verdict_out, self._diagnosis_out,
            ]),
            "smsxml-explorer",
        )
        self._refresh()

    # -- fields ------------------------------------------------------------------------------

    url = _Value("_url")

    nonce = _Value("_nonce")

    signature = _Value("_signature")

    def set_token(self, auth_token: str | None) -> None:
        """Validate with ``auth_token`` from now on (None: ``$PLIVO_AUTH_TOKEN`` or the demo
        token). It stays in the kernel: the Password field is cleared, not filled in."""
        self._quiet = True
        try:
            self._token.set(auth_token)
        finally:
            self._quiet = False
        self._refresh()

    def sign(self) -> str:
        """Put the correct signature for the current URL, nonce and token in; return it."""
        if self._explanation is None:
            raise WidgetError(f"cannot sign: {self._error}")
        self.signature = self._explanation.signature
        return self.signature

    # -- results -----------------------------------------------------------------------------

    @property
    def valid(self) -> bool:
        return bool(self._diagnosis.valid)

    @property
    def diagnosis(self) -> Any:
        """The :class:`smsxml.diagnose.Diagnosis` for the current fields."""
        return self._diagnosis

    @property
    def explanation(self) -> Any:
        """The :class:`smsxml.signature.SignatureExplanation` (None when the URL is unusable)."""
        return self._explanation

    def _on_change(self, change: Any = None) -> None:
        if not self._quiet:
            self._refresh()

    def _refresh(self) -> None:
        from .diagnose import diagnose_v2
        from .signature import explain_v2

        token = self._token.token
        try:
            self._explanation = explain_v2(self.url, self.nonce, token)
            self._error = ""
        except SmsxmlError as exc:
            self._explanation, self._error = None, str(exc)
        self._diagnosis = diagnose_v2(self.url, self.nonce, self.signature, token)
        self._render()

    def _verdict_html(self) -> str:
        if self.valid:
            return ("<b class='smsxml-valid' style='color:#1a7f37'>valid</b> — the signature "
                    "matches the URL and nonce with this token")
        return ("<b class='smsxml-invalid' style='color:#cf222e'>invalid</b> — the signature "
                "does not match")

    def _render(self) -> None:
        if self._explanation is not None:
            self._steps_out.value = self._explanation._repr_html_()
        else:
            self._steps_out.value = f"<b>Cannot sign:</b> {escape(self._error)}"
        self._verdict_out.value = self._verdict_html()
        self._diagnosis_out.value = (
            f"<div class='smsxml-diagnosis'>{escape(str(self._diagnosis))}</div>"
        )

    def __repr__(self) -> str:
        verdict = "valid" if self.valid else "invalid"
        return (
            f"SignatureExplorer(url={self.url!r}, nonce={self.nonce!r}, "
            f"token={self._token.shown()}, signature={self.signature!r}): {verdict}\n"
            f"{self._diagnosis}"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{escape(k)}</th>"
            f"<td style='text-align:left'><code>{escape(v)}</code></td></tr>"
            for k, v in (("URL", self.url), ("nonce", self.nonce),
                         ("auth token", self._token.shown()), ("signature", self.signature))
        )
        steps = self._explanation._repr_html_() if self._explanation is not None else \
            f"<p>Cannot sign: {escape(self._error)}</p>"
        return (
            f"<div class='smsxml-explorer'><h3>{escape(self.title)}</h3><table>{rows}</table>"
            f"{steps}<p>{self._verdict_html()}</p><p>{escape(str(self._diagnosis))}</p></div>"
        )


# --------------------------------------------------------------------------- replayer


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


def _entry_list(source: Any) -> list[Any]:
    """Entries from a recording path, a LocalWebhook/WebhookApp (its log), a RequestLog or
    a list of RecordedRequest / LogEntry objects."""
    from .recording import load

    if isinstance(source, str | os.PathLike):
        return list(load(source))
    log = getattr(source, "log", None)
    if log is not None and not callable(log):
        return list(log)
    if hasattr(source, "method") and hasattr(source, "url"):
        return [source]
    if isinstance(source, Iterable):
        entries = list(source)
        for number, entry in enumerate(entries, 1):
            if not (hasattr(entry, "method") and hasattr(entry, "url")):
                raise WidgetError(
                    f"entry #{number} is a {type(entry).__name__}: give RecordedRequest or "
                    "webhook LogEntry objects, a recording file or a LocalWebhook"
                )
        return entries
    raise WidgetError(
        f"cannot replay from a {type(source).__name__}: give a recording file, a list of "
        "RecordedRequest / LogEntry objects or a LocalWebhook"
    )


def _entry_label(number: int, entry: Any) -> str:
    path = urlsplit(entry.url).path or "/"
    params = dict(getattr(entry, "params", {}) or {})
    label = f"#{number} {entry.method} {path}"
    if "From" in params:
        label += f" From={params['From']}"
    if "Text" in params:
        label += f" Text={_short(params['Text'])}"
    return label


def _request_html(method: str, url: str, headers: Mapping[str, str],
                  params: Mapping[str, str]) -> str:
    head = "\n".join(f"{k}: {v}" for k, v in headers.items())
    body = "\n".join(f"{k}={v}" for k, v in params.items())
    return _pre(f"{method} {url}\n{head}\n\n{body}")


class RequestReplayer(_Panel):
    """Send a recorded webhook request again and compare the answer with the original.

    ``entries``: a JSON-lines recording path, a list of RecordedRequest / webhook LogEntry
    objects, or a LocalWebhook / WebhookApp (its log; :meth:`refresh` re-reads it). Pick one
    with :meth:`select` (0-based: ``select(0)`` is "#1"), edit :attr:`params` (the text
    area holds one ``Name=value`` a line; ``\\n`` and ``\\\\`` stand for a newline and a
    backslash), choose :attr:`resign` and :attr:`url` (default: ``url`` or the entry's own
    URL), then :meth:`replay` — see :func:`smsxml.replay.replay`.
    """

    title = "Request replayer"

    def __init__(self, entries: Any, url: Any = None, auth_token: str | None = None):
        self._source = entries
        given = getattr(url, "url", url)
        if given is not None and not isinstance(given, str):
            raise WidgetError(f"url must be a URL (text) or a LocalWebhook, not "
                              f"{type(url).__name__}")
        self._given_url = given
        self._token = _TokenField(auth_token, "smsxml-replayer-token")
        self._entries: list[Any] = []
        self._quiet = False
        self._result: Any = None
        self._error = ""
        self._select = _classed(
            widgets.Dropdown(options=[], description="request", style=_LABEL_STYLE,
                             layout=_wide()),
            "smsxml-replayer-select",
        )
        self._refresh_button = _classed(
            widgets.Button(description="Refresh list", layout=widgets.Layout(width="auto")),
            "smsxml-replayer-refresh",
        )
        self._params = _classed(
            widgets.Textarea(description="params", style=_LABEL_STYLE,
                             layout=widgets.Layout(width="100%", height="180px")),
            "smsxml-replayer-params",
        )
        self._resign = _classed(
            widgets.Checkbox(value=True, description="re-sign for the target URL",
                             indent=False),
            "smsxml-replayer-resign",
        )
        self._url = _classed(
            widgets.Text(value=given or "", description="target URL", style=_LABEL_STYLE,
                         layout=_wide()),
            "smsxml-replayer-url",
        )
        self._send_button = _classed(
            widgets.Button(description="Replay", icon="repeat", button_style="primary"),
            "smsxml-replayer-send",
        )
        self._status_out = _classed(widgets.HTML(), "smsxml-replayer-status")
        column = widgets.Layout(width="33%")
        self._original_out = _classed(widgets.HTML(layout=column), "smsxml-replayer-original")
        self._request_out = _classed(widgets.HTML(layout=column), "smsxml-replayer-request")
        self._response_out = _classed(widgets.HTML(layout=column), "smsxml-replayer-response")
        self._select.observe(self._on_select, names="value")
        self._send_button.on_click(self._on_replay)
        self._refresh_button.on_click(lambda _b: self.refresh())
        self.widget = _classed(
            widgets.VBox([
                _heading(self.title),
                widgets.HBox([self._select, self._refresh_button]),
                self._params, self._resign, self._url, self._token.field,
                self._send_button, self._status_out,
                widgets.HBox([self._original_out, self._request_out, self._response_out]),
            ]),
            "smsxml-replayer",
        )
        self.refresh()

    # -- entries -----------------------------------------------------------------------------

    @property
    def entries(self) -> list[Any]:
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
                self._select.value = keep if isinstance(keep, int) and \
                    keep < len(self._entries) else 0
        finally:
            self._quiet = False
        self._show_entry(self.selected)
        self._send_button.disabled = not self._entries

    def select(self, index: int) -> Any:
        """Pick entry ``index`` (0-based, negative from the end); returns the entry."""
        if not self._entries:
            raise WidgetError("nothing to select: there are no recorded requests")
        count = len(self._entries)
        if not -count <= index < count:
            raise WidgetError(f"there are {count} requests: pick 0 to {count - 1}")
        self._select.value = index % count
        return self._entries[index % count]

    @property
    def selected(self) -> Any:
        """The selected entry (None when there are none)."""
        index = self._select.value
        return self._entries[index] if index is not None else None

    def _on_select(self, change: Any) -> None:
        if not self._quiet:
            self._show_entry(self.selected)

    def _show_entry(self, entry: Any) -> None:
        self._result, self._error = None, ""
        if entry is None:
            self._params.value = ""
            self._original_out.value = "<i>No recorded requests.</i>"
        else:
            self._params.value = _format_params(dict(entry.params))
            if self._given_url is None:
                self._url.value = entry.url
            self._original_out.value = "<b>Recorded</b>" + _request_html(
                entry.method, entry.url, dict(getattr(entry, "headers", {}) or {}),
                dict(entry.params))
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
        return self._resign.value

    @resign.setter
    def resign(self, value: bool) -> None:
        self._resign.value = bool(value)

    @property
    def url(self) -> str:
        return self._url.value

    @url.setter
    def url(self, value: Any) -> None:
        self._url.value = getattr(value, "url", value) or ""

    def set_token(self, auth_token: str | None) -> None:
        """Re-sign with ``auth_token`` (kept in the kernel; the Password field is cleared)."""
        self._token.set(auth_token)

    # -- replaying ---------------------------------------------------------------------------

    @property
    def result(self) -> Any:
        """The :class:`~smsxml.replay.ReplayResult` of the last replay (None before)."""
        return self._result

    def replay(self) -> Any:
        """Send the selected request (as the Replay button does); returns the ReplayResult."""
        from .playback import replay

        entry = self.selected
        if entry is None:
            raise WidgetError("nothing to replay: there are no recorded requests")
        params = self.params
        url = self.url.strip()
        if not url:
            raise WidgetError("give a target URL, like http://127.0.0.1:5000/receive_sms/")
        edit = None if params == dict(entry.params) else (lambda _old: dict(params))
        token = self._token.token if self.resign else None
        self._result = replay([entry], url, token, resign=self.resign, edit=edit)[0]
        self._error = ""
        self._render_result()
        return self._result

    def _on_replay(self, _button: Any = None) -> None:
        try:
            self.replay()
        except SmsxmlError as exc:
            self._result, self._error = None, str(exc)
            self._status_out.value = f"<b>Cannot replay:</b> {escape(self._error)}"
            self._request_out.value = self._response_out.value = ""

    def _outcome(self) -> str:
        result = self._result
        if result.reply is None:
            return f"not delivered: {result.error}"
        return f"{result.reply.status} {result.reply.reason}".rstrip()

    def _render_result(self) -> None:
        result = self._result
        how = "re-signed" if result.resigned else "as recorded"
        colour = "#1a7f37" if result.ok else "#cf222e"
        self._status_out.value = (
            f"<b style='color:{colour}'>{escape(self._outcome())}</b> ({how})"
        )
        sent = result.request
        self._request_out.value = "<b>Sent</b>" + _request_html(
            sent.method, sent.url, sent.headers, sent.params)
        if result.reply is None:
            self._response_out.value = f"<b>No answer</b>{_pre(str(result.error))}"
        else:
            kind = result.reply.content_type or "no content type"
            self._response_out.value = (
                f"<b>Answer</b><div>{escape(self._outcome())} ({escape(kind)})</div>"
                f"{_pre(result.reply.text)}"
            )

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
            lines.append(f"  replayed: {self._outcome()}")
        elif self._error:
            lines.append(f"  error:    {self._error}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        # Summaries only: nonces, signatures and times vary from run to run.
        entry = self.selected
        rows = [("requests", str(len(self._entries)))]
        if entry is not None:
            rows.append(("selected", _entry_label(self._select.value + 1, entry)))
        rows += [("target URL", self.url or "(none)"),
                 ("re-sign", "yes" if self.resign else "no (as recorded)")]
        if self._result is not None:
            rows.append(("replayed", self._outcome()))
        body = "".join(
            f"<tr><th style='text-align:left'>{escape(k)}</th>"
            f"<td style='text-align:left'><code>{escape(v)}</code></td></tr>" for k, v in rows
        )
        answer = ""
        if self._result is not None and self._result.reply is not None:
            answer = _pre(self._result.reply.text)
        return (
            f"<div class='smsxml-replayer'><h3>{escape(self.title)}</h3><table>{body}</table>"
            f"{answer}</div>"
        )


# --------------------------------------------------------------------------- timeline


class FlowTimeline(_Panel):
    """A :class:`~smsxml.simulator.Flow` as a sequence diagram and a table of events.

    :meth:`update` shows another flow; :meth:`add_event` appends one event (the panel is
    also callable with an Event, so it can serve as an ``on_event`` callback).
    """

    title = "Flow timeline"

    def __init__(self, flow: Any = None):
        self._flow: Any = None
        self._events: list[Any] = []
        self._summary_out = _classed(widgets.HTML(), "smsxml-timeline-summary")
        self._diagram_out = _classed(widgets.HTML(layout=_wide()), "smsxml-timeline-diagram")
        self._events_out = _classed(widgets.HTML(layout=_wide()), "smsxml-timeline-events")
        self.widget = _classed(
            widgets.VBox([_heading(self.title), self._summary_out, self._diagram_out,
                          self._events_out]),
            "smsxml-timeline",
        )
        self.update(flow)

    @property
    def flow(self) -> Any:
        return self._flow

    @property
    def events(self) -> list[Any]:
        return list(self._events)

    def update(self, flow: Any) -> FlowTimeline:
        """Show ``flow`` (None: empty). Returns ``self``."""
        self._flow = flow
        self._events = list(flow.timeline) if flow is not None else []
        self._render()
        return self

    def clear(self) -> None:
        self.update(None)

    def add_event(self, event: Any = None, **fields: Any) -> Any:
        """Append an :class:`~smsxml.simulator.Event` (or build one from ``time``, ``actor``,
        ``kind``, ``summary``, ``target``…) and re-render. Returns the event."""
        from .simulator import Event

        if event is None:
            try:
                event = Event(**fields)
            except TypeError as exc:
                raise WidgetError(f"an event needs time, actor, kind and summary: {exc}") \
                    from None
        elif fields:
            raise WidgetError("give an Event or its fields, not both")
        for who in (event.actor, event.target):
            if who is not None and who not in _ACTORS:
                raise WidgetError(f"an event's actor and target are one of "
                                  f"{', '.join(_ACTORS)}, not {who!r}")
        self._events.append(event)
        self._render()
        return event

    __call__ = add_event

    def _diagram(self) -> str:
        from .simulator import Flow

        if not self._events:
            return ""
        if self._flow is not None:
            shown = dataclasses.replace(self._flow, timeline=list(self._events))
        else:
            shown = Flow(inbound=None, timeline=list(self._events))  # type: ignore[arg-type]
        return str(shown.sequence_diagram())

    def _summary(self) -> str:
        count = len(self._events)
        events = f"{count} event{'s' * (count != 1)}"
        if self._flow is None:
            return f"No flow yet ({events})." if count else "No flow yet."
        return f"{str(self._flow).splitlines()[0]} — {events}"

    def _render(self) -> None:
        self._summary_out.value = escape(self._summary())
        self._diagram_out.value = self._diagram()
        self._events_out.value = self._events_html()

    def _events_html(self) -> str:
        if not self._events:
            return ""
        rows = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{escape(v)}</td>" for v in (
                e.time[11:23], e.actor, e.target or "", e.kind, e.summary)) + "</tr>"
            for e in self._events
        )
        return ("<table><tr><th>time</th><th>from</th><th>to</th><th>kind</th><th>what</th>"
                f"</tr>{rows}</table>")

    def __repr__(self) -> str:
        lines = [f"FlowTimeline: {self._summary()}"]
        lines += [f"  {row}" for row in timeline_rows(self._events)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (
            f"<div class='smsxml-timeline'><h3>{escape(self.title)}</h3>"
            f"<p>{escape(self._summary())}</p>{self._diagram()}{self._events_html()}</div>"
        )
