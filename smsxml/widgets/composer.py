"""The :class:`MessageComposer` panel: build one ``<Message>`` and watch what Plivo would
make of it — the XML, the problems, the SMS units, plivo SDK code and a run through the
offline simulator, its result just under the Send button.

Laid out for a laptop screen: the fields on the left, the XML (or the SDK code) and
Plivo's objections on the right, Send under the fields and the simulated flow under both.

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
``smsxml-composer-sdk``                 HTML: equivalent plivo SDK code (second tab)
``smsxml-composer-send``                Button: "Send through the simulator"
``smsxml-composer-flow``                HTML: the resulting flow: the outcome first
                                        (`smsxml-composer-outcome`), the diagram, the
                                        details folded
======================================  ===================================================
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from html import escape
from typing import Any, TypedDict
from urllib.parse import urlsplit

import ipywidgets as widgets

from .._demo import DEMO_LOCAL_PORT, DEMO_NUMBER, DEMO_PHONE, DEMO_STATUS_URL
from .._hosts import is_loopback
from .._http import status_line
from ..exc import SmsxmlError, WidgetError, XMLBuildError
from ..flow import Flow
from ..inbound import inbound_request
from ..protocol import TEXT_CONTENT_TYPE, XML_CONTENT_TYPE
from ..simulator import IN_PROCESS_URL, Simulator
from ..tokens import resolve_token
from ..units import Segments, segments
from ..xml import Message, Problem, Response, unwritable_problem, validate
from ._panel import (
    DEFAULT_NONCE,
    LABEL_STYLE,
    Panel,
    Value,
    classed,
    heading,
    natural,
    pre,
    wide,
)
from ._views import flow_html, outcome_text, problem_text, problems_html

__all__ = ["MessageComposer", "DEFAULT_WEBHOOK_URL"]

#: Where the composer's curl line sends the inbound SMS (a LocalWebhook on port 5000).
DEFAULT_WEBHOOK_URL = f"http://127.0.0.1:{DEMO_LOCAL_PORT}/receive_sms/"
#: A fixed MessageUUID for the composer's curl line (deterministic output).
_CURL_MESSAGE_UUID = str(uuid.UUID(int=random.Random(0).getrandbits(128), version=4))
_FIELDS = frozenset({"text", "src", "dst", "type", "callback_url", "callback_method"})


class _MessageArgs(TypedDict):
    """The fields as :class:`~smsxml.xml.Message` takes them."""

    text: str
    src: str
    dst: str
    type: str
    callback_url: str | None
    callback_method: str | None


def _join_dsts(dst: str) -> str:
    """``dst`` with the spaces around each ``<``-separated number dropped. A comma stays a
    comma: the validator refuses it and says to use ``<`` (the one rule everywhere)."""
    return "<".join(piece.strip() for piece in dst.split("<"))


class _ReplyApp:
    """A tiny WSGI app: ``xml`` at ``path``, 200 "OK" for anything else (delivery reports)."""

    def __init__(self, xml: bytes, path: str):
        self.xml = xml
        self.path = path  # the Simulator calls it at http://testserver + path by default

    def __call__(
        self, environ: Mapping[str, object], start_response: Callable[..., object]
    ) -> list[bytes]:
        if environ.get("PATH_INFO") == self.path:
            body, kind = self.xml, XML_CONTENT_TYPE
        else:
            body, kind = b"OK", TEXT_CONTENT_TYPE
        headers = [("Content-Type", kind), ("Content-Length", str(len(body)))]
        start_response(status_line(200), headers)
        return [body]


class MessageComposer(Panel):
    """Compose one ``<Message>`` and watch what Plivo would make of it, live.

    Outputs update on every change: the XML, :func:`smsxml.xml.validate` problems (with
    hints), the units and encoding, equivalent plivo SDK code and a ``curl`` line. The curl
    line makes the signed inbound request Plivo would send to ``webhook_url`` when the first
    ``dst`` texts ``src`` (``inbound_text``); a webhook there answering with this XML —
    e.g. ``LocalWebhook(lambda m: composer.xml, port=5000)`` — makes Plivo send the
    message. :meth:`send` runs it through a seeded :class:`~smsxml.simulator.Simulator`
    in-process: a tiny WSGI app answers with this XML and takes the delivery reports, so
    nothing leaves the kernel (a ``callbackUrl`` on this machine — 127.0.0.1, localhost — is
    called over HTTP, so your own local server can receive them).
    """

    title = "Message composer"

    def __init__(
        self,
        src: str = DEMO_NUMBER,
        dst: str = DEMO_PHONE,
        text: str = "Hello from Plivo!",
        auth_token: str | None = None,
        simulator: Simulator | None = None,
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
        self._flow: Flow | None = None
        self._response: Response | None = None
        self._xml = ""
        self._problems: list[Problem] = []
        self._segments: Segments  # set by _refresh, below
        self._sdk = ""
        self._curl = ""

        self._make_fields(src, dst, text, callback_url, callback_method)
        self._make_outputs()
        self._send_button.on_click(self._on_send)
        for field in self._fields():
            field.observe(self._on_change, names="value")
        self.widget = self._layout()
        self._refresh()

    def _make_fields(
        self, src: str, dst: str, text: str, callback_url: str, callback_method: str
    ) -> None:
        """The fields you type in."""

        def text_field(value: str, label: str, css: str, placeholder: str = "") -> Any:
            return classed(
                widgets.Text(
                    value=value,
                    description=label,
                    style=LABEL_STYLE,
                    placeholder=placeholder,
                    layout=wide(),
                ),
                css,
            )

        self._text = classed(
            widgets.Textarea(
                value=text,
                description="Text",
                style=LABEL_STYLE,
                layout=wide(height="80px"),
            ),
            "smsxml-composer-text",
        )
        self._src = text_field(src, "src", "smsxml-composer-src", DEMO_NUMBER)
        self._dst = text_field(
            dst, "dst", "smsxml-composer-dst", f"{DEMO_PHONE} — several: {DEMO_PHONE}<14155550101"
        )
        self._type = classed(
            widgets.Dropdown(options=["sms"], value="sms", description="type", style=LABEL_STYLE),
            "smsxml-composer-type",
        )
        self._callback_url = text_field(
            callback_url,
            "callbackUrl",
            "smsxml-composer-callback-url",
            f"{DEMO_STATUS_URL} (optional)",
        )
        self._callback_method = classed(
            widgets.Combobox(
                value=callback_method,
                options=("POST", "GET"),
                ensure_option=False,
                description="callbackMethod",
                placeholder="POST (default)",
                style=LABEL_STYLE,
            ),
            "smsxml-composer-callback-method",
        )

    def _make_outputs(self) -> None:
        """What the fields make: units, XML, problems, SDK code, and Send with its result."""
        self._units_out = classed(widgets.HTML(), "smsxml-composer-units")
        self._xml_out = classed(widgets.HTML(layout=wide()), "smsxml-composer-xml")
        self._problems_out = classed(widgets.HTML(layout=wide()), "smsxml-composer-problems")
        self._sdk_out = classed(widgets.HTML(layout=wide()), "smsxml-composer-sdk")
        self._send_button = classed(
            widgets.Button(
                description="Send through the simulator",
                icon="paper-plane",
                layout=natural(),
            ),
            "smsxml-composer-send",
        )
        self._flow_out = classed(widgets.HTML(layout=wide()), "smsxml-composer-flow")

    def _layout(self) -> Any:
        """Two columns that share the row: what you type (and Send) | what it makes."""
        # Two columns that share the row and wrap one under the other on a narrow panel:
        # what you type (and Send) | what it makes. The result comes just under both.
        column = widgets.Layout(flex="1 1 360px", min_width="0")
        fields = widgets.VBox([*self._fields(), self._units_out, self._send_button], layout=column)
        code = widgets.Tab(
            children=[self._xml_out, self._sdk_out],
            titles=("XML reply", "plivo SDK"),
            layout=wide(),
        )
        made = widgets.VBox(
            [code, widgets.HTML("<b>What Plivo would say</b>"), self._problems_out],
            layout=column,
        )
        return classed(
            widgets.VBox(
                [
                    heading(self.title),
                    widgets.HBox(
                        [fields, made],
                        layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
                    ),
                    self._flow_out,
                ]
            ),
            "smsxml-composer",
        )

    def _fields(self) -> list[Any]:
        return [
            self._text,
            self._src,
            self._dst,
            self._type,
            self._callback_url,
            self._callback_method,
        ]

    # -- fields ------------------------------------------------------------------------------

    text = Value[str]("_text")

    @property
    def src(self) -> str:
        value: str = self._src.value
        return value

    @src.setter
    def src(self, value: str) -> None:
        self._src.value = str(value)

    @property
    def dst(self) -> str:
        """The dst field as typed (see :attr:`response` for the ``<``-joined form)."""
        value: str = self._dst.value
        return value

    @dst.setter
    def dst(self, value: str | Iterable[str]) -> None:
        self._dst.value = value if isinstance(value, str) else "<".join(map(str, value))

    type = Value[str]("_type")

    @property
    def callback_url(self) -> str:
        value: str = self._callback_url.value
        return value

    @callback_url.setter
    def callback_url(self, value: str | None) -> None:
        self._callback_url.value = value or ""

    @property
    def callback_method(self) -> str:
        value: str = self._callback_method.value
        return value

    @callback_method.setter
    def callback_method(self, value: str | None) -> None:
        self._callback_method.value = value or ""

    def set(self, **fields: object) -> MessageComposer:
        """Set several fields at once (text, src, dst, type, callback_url,
        callback_method), updating the outputs once. Returns ``self``."""
        unknown = sorted(set(fields) - _FIELDS)
        if unknown:
            raise WidgetError(
                f"MessageComposer has no field {', '.join(unknown)}; "
                f"use {', '.join(sorted(_FIELDS))}"
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
    def response(self) -> Response | None:
        """The :class:`smsxml.xml.Response` built, or None when it cannot be built."""
        return self._response

    @property
    def problems(self) -> list[Problem]:
        """What Plivo would object to (``Problem`` objects; a build error has line 0)."""
        return list(self._problems)

    @property
    def segments(self) -> Segments:
        """:class:`smsxml.units.Segments` of the text."""
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
        """A curl command making the signed inbound request Plivo would send to
        ``webhook_url`` (to try your own webhook by hand; not shown in the panel, which is
        about the XML your app answers)."""
        return self._curl

    @property
    def flow(self) -> Flow | None:
        """The :class:`~smsxml.flow.Flow` of the last :meth:`send` (None after edits)."""
        return self._flow

    # -- computing ---------------------------------------------------------------------------

    def _on_change(self, change: object = None) -> None:
        if self._quiet:
            return
        stale = self._flow is not None
        self._flow = None
        self._refresh()
        if stale:
            self._flow_out.value = (
                "<i>The message changed: press “Send through the simulator” again.</i>"
            )

    def _message_args(self) -> _MessageArgs:
        return {
            "text": self.text,
            "src": self.src.strip(),
            "dst": _join_dsts(self.dst),
            "type": self.type,
            "callback_url": self.callback_url if self.callback_url.strip() else None,
            "callback_method": self.callback_method if self.callback_method.strip() else None,
        }

    def _refresh(self) -> None:
        args = self._message_args()
        try:
            self._response = Response([Message(**args)])
            self._xml = self._response.to_xml()
            self._problems = validate(self._xml)
        except XMLBuildError as exc:
            self._response, self._xml = None, ""
            self._problems = [unwritable_problem(exc)]
        self._segments = segments(self.text)
        self._sdk = _sdk_snippet(args)
        self._curl = self._curl_line(args)
        self._render()

    def _curl_line(self, args: _MessageArgs) -> str:
        from_, to = _inbound_numbers(args)
        try:
            request = inbound_request(
                self.webhook_url,
                self._token,
                from_=from_,
                to=to,
                text=self.inbound_text,
                message_uuid=_CURL_MESSAGE_UUID,
                nonce=DEFAULT_NONCE,
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
        if seg.replaced_characters:
            auto = seg.auto_encoded
            plural = "unit" if auto.units == 1 else "units"
            why += (
                f"; with Plivo's automatic encoding: {auto.encoding} · {auto.units} {plural}"
                f" ({' '.join(repr(c) for c in seg.replaced_characters[:8])} replaced)"
            )
        self._units_out.value = (
            f"<b class='smsxml-units'>{escape(self.units_label)}</b>"
            f"<span style='color:#57606a'>{escape(why)}</span>"
        )
        if self._xml:
            self._xml_out.value = pre(self._xml, "smsxml-xml")
        else:
            self._xml_out.value = "<i>(these fields cannot be written as XML — see below)</i>"
        self._problems_out.value = problems_html(self._problems)
        self._sdk_out.value = pre(self._sdk, "smsxml-sdk")
        if self._flow is None:
            self._flow_out.value = (
                "<i>Press “Send through the simulator” to see what Plivo does with it.</i>"
            )
        else:
            self._flow_out.value = flow_html(self._flow)

    # -- sending -----------------------------------------------------------------------------

    def send(self) -> Flow:
        """Run this XML through the simulator (as the button does) and return the Flow."""
        if self._response is None:
            raise XMLBuildError(
                self._problems[0].message
                if self._problems
                else "the fields cannot be written as XML"
            )
        args = self._message_args()
        simulator = self._simulator or Simulator(self._token, seed=0)
        from_, to = _inbound_numbers(args)
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
            if (
                parts is not None
                and parts.scheme in ("http", "https")
                and host
                and not is_loopback(host)
            ):
                # Same host and port as the callbackUrl: the reports stay in-process.
                path = "/receive_sms/" if parts.path != "/receive_sms/" else "/inbound_sms/"
                url = f"{parts.scheme}://{parts.netloc}{path}"
        app = _ReplyApp(self._xml.encode("utf-8"), urlsplit(url).path)
        flow = simulator.receive_sms(app, from_, to, self.inbound_text, url=url)
        self._flow = flow
        self._render()
        return flow

    def _on_send(self, _button: object = None) -> None:
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
        lines += [f"  {problem_text(p)}" for p in self._problems]
        if self._flow is not None:
            lines.append(f"Simulated: {outcome_text(self._flow)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        xml = pre(self._xml) if self._xml else "<i>(cannot be written as XML)</i>"
        flow = ""
        if self._flow is not None:
            flow = f"<p>Simulated: {escape(outcome_text(self._flow))}</p>"
        return (
            f"<div class='smsxml-composer'><h3>{escape(self.title)}</h3>"
            f"<p><b>{escape(self.units_label)}</b></p>{xml}"
            f"{problems_html(self._problems)}{flow}</div>"
        )


def _sdk_snippet(args: _MessageArgs) -> str:
    """Python code making the same ``<Message>`` with the plivo SDK."""
    lines = [
        f"        {args['text']!r},",
        f"        src={args['src']!r},",
        f"        dst={args['dst']!r},",
        f"        type={args['type']!r},",
    ]
    if args["callback_url"] is not None:
        lines.append(f"        callback_url={args['callback_url']!r},")
    if args["callback_method"] is not None:
        lines.append(f"        callback_method={args['callback_method']!r},")
    return "\n".join(
        [
            "from plivo import plivoxml",
            "",
            "response = plivoxml.ResponseElement()",
            "response.add(",
            "    plivoxml.MessageElement(",
            *lines,
            "    )",
            ")",
            "print(response.to_string())",
        ]
    )


def _inbound_numbers(args: _MessageArgs) -> tuple[str, str]:
    """(from_, to) of the inbound SMS: the first dst texts src."""
    first = next((d for d in args["dst"].split("<") if d.strip()), "") or DEMO_PHONE
    return first.strip(), args["src"] or DEMO_NUMBER
