"""Build the requests Plivo makes to your app, signed as Plivo signs them.

:func:`inbound_request` is what arrives at your ``message_url`` when someone texts your
Plivo number; :func:`signed_request` is the general form (also used for delivery
reports). Either gives a :class:`SignedRequest` you can inspect, turn into a ``curl``
line, or :meth:`~SignedRequest.send` to a server or a WSGI app.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit, urlunsplit

from ._demo import DEMO_PHONE, DEMO_URL
from ._headers import header_map
from ._http import parse_form
from ._text import display_url
from .exc import RequestError, SignatureError
from .phone import plivo_number
from .protocol import (
    FORM_CONTENT_TYPE,
    HELP_KEYWORDS,
    MA_SIGNATURE_HEADER,
    MA_SIGNATURE_V3_HEADER,
    MESSAGE_TYPES,
    NONCE_HEADER,
    NONCE_V3_HEADER,
    OPTIN_KEYWORDS,
    OPTOUT_KEYWORDS,
    SIGNATURE_HEADER,
    SIGNATURE_HEADERS,
    SIGNATURE_V3_HEADER,
    TOTAL_RATE,
    USER_AGENT,
    ErrorCode,
    error_code,
)
from .signature import base_url, make_nonce
from .signature.canonical import canonical_url
from .signature.v2 import sign_v2_with
from .signature.v3 import sign_v3_with
from .tokens import resolve_token
from .transport import form_encode, header_value, send
from .units import segments

if TYPE_CHECKING:  # pragma: no cover
    from .transport import Reply

__all__ = [
    "InboundMessage",
    "StatusReport",
    "RequestError",
    "SignedRequest",
    "signed_request",
    "inbound_request",
    "message_intent",
]


@dataclass(frozen=True, init=False)
class SignedRequest:
    """One HTTP request as Plivo would make it. Holds signatures, never a token.

    ``url`` is the full URL requested (for GET it includes the query string with the
    parameters); ``params`` are the parameters Plivo sends; ``body`` is the
    form-urlencoded POST body (``b""`` for GET).
    """

    method: str
    url: str
    headers: dict[str, str]
    params: dict[str, str]
    body: bytes = field(default=b"", repr=False)

    def __init__(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        params: dict[str, str],
        body: bytes = b"",
    ) -> None:
        # Written out, as smsxml.flow.Event's: a frozen dataclass's sets each field with
        # object.__setattr__, and a flow signs a request for each report.
        fields = self.__dict__
        fields["method"], fields["url"], fields["headers"] = method, url, headers
        fields["params"], fields["body"] = params, body

    @property
    def nonce(self) -> str | None:
        """The ``X-Plivo-Signature-V2-Nonce`` header."""
        return self._header(NONCE_HEADER)

    @property
    def signature(self) -> str | None:
        """The ``X-Plivo-Signature-V2`` header."""
        return self._header(SIGNATURE_HEADER)

    @property
    def ma_signature(self) -> str | None:
        """The ``X-Plivo-Signature-Ma-V2`` header."""
        return self._header(MA_SIGNATURE_HEADER)

    def _header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    def to_curl(self, multiline: bool = True) -> str:
        """A ``curl`` command that makes this same request (shell-quoted, copy-pasteable)."""
        import shlex  # lazy: only a curl command needs it

        # curl does not follow redirects (like Plivo); --data-binary makes it a POST.
        pieces = [f"curl -i {shlex.quote(self.url)}"]
        pieces += [f"-H {shlex.quote(f'{k}: {v}')}" for k, v in self.headers.items()]
        if self.method == "POST":
            pieces.append(f"--data-binary {shlex.quote(self.body.decode('latin-1'))}")
        return (" \\\n  " if multiline else " ").join(pieces)

    def send(self, timeout: float = 10.0, *, target: Callable[..., object] | None = None) -> Reply:
        """Deliver it (see :func:`smsxml.transport.send`): over HTTP, or to a WSGI app."""
        return send(self, target, timeout=timeout)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (
            f"SignedRequest({self.method} {display_url(self.url)}, "
            f"{len(self.params)} params, nonce={self.nonce})"
        )


def _check_url(url: object) -> str:
    if not isinstance(url, str) or not url.strip():
        raise RequestError(f"a URL is needed: the full URL of your app, like {DEMO_URL}")
    return _checked_url(url)


@functools.lru_cache(maxsize=256)
def _checked_url(url: str) -> str:
    """The URL requested and signed (or a RequestError saying why there is none). Cached:
    it depends on ``url`` alone, and a simulator sends to the same few URLs all along."""
    _check_utf8(url, "the URL")
    try:
        base_url(url)
    except SignatureError:
        raise RequestError(
            f"{url!r} is not an absolute http(s) URL; give the full URL Plivo calls, "
            f"like {DEMO_URL}"
        ) from None
    parts = urlsplit(url)
    if parts.hostname is None:
        raise RequestError(f"{url!r} has no host name")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise RequestError(f"{url!r} has a port that is not a number from 0 to 65535") from None
    # The URL requested and signed: its canonical form (signature/canonical.py), which is what an
    # HTTP client sends on the wire (host as it resolves, the path percent-encoded, no
    # fragment), so that the signer and every checker compute the same string.
    return canonical_url(url)


def _check_utf8(text: str, what: str) -> None:
    """A :class:`RequestError` naming ``what`` when ``text`` holds a character that no
    request can carry (a lone surrogate has no UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RequestError(
            f"{what} holds {text[exc.start]!r} at position {exc.start}, a character that "
            "cannot be sent in UTF-8 (a lone surrogate)"
        ) from None


def _token(auth_token: object, what: str = "auth_token") -> str:
    """:func:`resolve_token`, with a :class:`RequestError` for a token that is not text."""
    if auth_token is not None and not isinstance(auth_token, str):
        raise RequestError(
            f"{what} is text (str), like the one in the Plivo console, or None; got "
            f"{type(auth_token).__name__}"
        )
    return resolve_token(auth_token)


def _str_params(params: Mapping[str, object] | None, what: str) -> dict[str, str]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise RequestError(f"{what} must be a mapping of names to values")
    texts = cast("Mapping[str, str]", params)  # when they join: see below
    try:  # names and values that are all text (str) join; all ASCII, they are UTF-8 too
        plain = "".join(texts).isascii() and "".join(texts.values()).isascii()
    except TypeError:  # something else than text among them: each is looked at below
        plain = False
    if plain and "" not in texts:
        return dict(texts)
    result: dict[str, str] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise RequestError(f"{what}: every name must be a non-empty string, not {key!r}")
        if value is None:
            raise RequestError(f"{what}: {key} has no value (None); use '' for an empty value")
        text = value if isinstance(value, str) else str(value)
        _check_utf8(key, f"{what}: the name {key!r}")
        _check_utf8(text, f"{what}: {key}")
        result[key] = text
    return result


def signed_request(
    method: str,
    url: str,
    params: Mapping[str, object] | None,
    auth_token: str | None,
    *,
    nonce: str | None = None,
    main_auth_token: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> SignedRequest:
    """A request to ``url`` carrying ``params``, signed the way Plivo signs it.

    POST sends the params as a form-urlencoded UTF-8 body; GET appends them to any query
    the URL already has. ``X-Plivo-Signature-V2`` is made with ``auth_token`` (None: the
    token from ``$PLIVO_AUTH_TOKEN`` or the demo token) over the URL actually requested;
    ``X-Plivo-Signature-Ma-V2`` always comes too, as Plivo sends it: made with
    ``main_auth_token``, or with ``auth_token`` when the account is not a subaccount. So do
    ``X-Plivo-Signature-V3``, ``-Ma-V3`` and ``-V3-Nonce`` (the same nonce), which also
    cover the method and the parameters.
    ``extra_headers`` are added last and may replace any header (e.g. to tamper with one).
    """
    if not isinstance(method, str) or method.strip().upper() not in ("GET", "POST"):
        raise RequestError(f"Plivo calls your URL with GET or POST, not {method!r}")
    method = method.strip().upper()
    url = _check_url(url)
    values = _str_params(params, "params")
    token = _token(auth_token)
    if main_auth_token is not None:
        _token(main_auth_token, "main_auth_token")
    if nonce is None:
        nonce = make_nonce()
    elif not isinstance(nonce, str) or not nonce:
        raise RequestError("the nonce must be a non-empty string (Plivo uses 20 digits)")
    _check_utf8(nonce, "the nonce")

    headers = {"User-Agent": USER_AGENT}
    encoded = form_encode(values)
    if method == "POST":
        headers["Content-Type"] = FORM_CONTENT_TYPE
        body = encoded.encode("ascii")
    else:
        body = b""
        if encoded:
            parts = urlsplit(url)
            query = f"{parts.query}&{encoded}" if parts.query else encoded
            url = urlunsplit(parts._replace(query=query))
    v3_params = values if method == "POST" else None  # a GET's params are in its URL
    headers.update(_signatures(method, url, v3_params, nonce, token, main_auth_token))
    if extra_headers is not None:
        merged = header_map(headers)
        for name, value in _str_params(extra_headers, "extra_headers").items():
            merged[name] = value  # replaces a header of that name in any case
        headers = dict(merged.items())
    return SignedRequest(method=method, url=url, headers=headers, params=values, body=body)


def _signatures(
    method: str,
    url: str,
    v3_params: Mapping[str, str] | None,
    nonce: str,
    token: str,
    main_auth_token: str | None,
) -> dict[str, str]:
    """The six signature headers Plivo sends for a request (V2 and V3, each also made with
    the main account's token, or the same token when the account is not a subaccount)."""
    # one token (not a subaccount): one signature each, sent twice
    tokens = (token,) if main_auth_token in (None, "", token) else (token, main_auth_token)
    v2, ma_v2 = (sign_v2_with(url, nonce, tokens) * 2)[:2]
    v3, ma_v3 = (sign_v3_with(method, url, nonce, tokens, v3_params) * 2)[:2]
    return {
        SIGNATURE_HEADER: v2,
        NONCE_HEADER: nonce,
        MA_SIGNATURE_HEADER: ma_v2,
        SIGNATURE_V3_HEADER: v3,
        NONCE_V3_HEADER: nonce,
        MA_SIGNATURE_V3_HEADER: ma_v3,
    }


def resigned(
    request: SignedRequest,
    auth_token: str | None,
    *,
    nonce: str | None = None,
    main_auth_token: str | None = None,
) -> SignedRequest:
    """``request`` with fresh signatures and nothing else changed: the same method, URL
    (query and all) and body byte for byte — what a replay sends. The V3 signature covers
    the form parameters as a webhook parses them from that body."""
    token = resolve_token(auth_token)
    nonce = make_nonce() if nonce is None else nonce
    method = request.method.upper()
    v3_params = None
    if method == "POST":
        try:
            v3_params = parse_form(request.body)
        except ValueError:  # not form data: V3 is signed as for no parameters
            v3_params = None
    signing = {name.lower() for name in SIGNATURE_HEADERS}
    kept = {k: v for k, v in request.headers.items() if k.lower() not in signing}
    fresh = _signatures(method, request.url, v3_params, nonce, token, main_auth_token)
    return replace(request, headers={**kept, **fresh})


def message_intent(text: str) -> str:
    """``"optout"``, ``"optin"`` or ``"help"`` when the whole text (any case, white space
    folded) is one of Plivo's keywords (:data:`smsxml.protocol.OPTOUT_KEYWORDS`…), else
    ``""``."""
    if not isinstance(text, str):
        raise RequestError(f"the message text must be a string, not {type(text).__name__}")
    word = " ".join(text.split()).upper()
    if word in OPTOUT_KEYWORDS:
        return "optout"
    if word in OPTIN_KEYWORDS:
        return "optin"
    if word in HELP_KEYWORDS:
        return "help"
    return ""


def _number(value: object, what: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RequestError(f"{what} is needed (a phone number like {DEMO_PHONE})")
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise RequestError(f"{what} must be a phone number (text), not {type(value).__name__}")
    if isinstance(value, str):
        _check_utf8(value, what)
    return plivo_number(value)


def inbound_request(
    url: str,
    auth_token: str | None,
    *,
    from_: str,
    to: str,
    text: str,
    type: str = "sms",
    method: str = "POST",
    message_uuid: str | None = None,
    nonce: str | None = None,
    main_auth_token: str | None = None,
    extra: Mapping[str, object] | None = None,
    media: Sequence[str] = (),
) -> SignedRequest:
    """The request Plivo makes to your ``message_url`` when ``from_`` texts ``to``.

    An SMS carries From, To, Type, Text, MessageUUID, Units (from
    :func:`~smsxml.segments`), TotalRate, TotalAmount (rate × units), MessageIntent and
    PowerpackUUID. With ``type="mms"`` the text goes in ``Body`` and ``media`` (URLs) in
    ``MediaCount`` and ``Media1``…; with ``type="whatsapp"`` in ``Body`` with a
    ``ContentType`` (and the media URLs as ``Media1``…, which Plivo's page does not
    spell out). ``extra`` comes last and may override any of them. Numbers are sent as
    Plivo sends them: digits only, no ``+``.
    """
    sender = _number(from_, "from_ (the sender's number)")
    receiver = _number(to, "to (your Plivo number)")
    if text is None:
        raise RequestError("text is needed (the message content; '' for an empty message)")
    if not isinstance(text, str):
        raise RequestError(f"text must be a string, not {text.__class__.__name__}")
    _check_utf8(text, "text")
    if message_uuid is not None and not isinstance(message_uuid, str):
        raise RequestError(
            f"message_uuid must be text (a UUID) or None, not {message_uuid.__class__.__name__}"
        )
    if message_uuid:
        _check_utf8(message_uuid, "message_uuid")
    # `type` is Plivo's parameter name here
    if not isinstance(type, str) or type not in MESSAGE_TYPES:
        raise RequestError(f"type must be one of {', '.join(MESSAGE_TYPES)}; got {type!r}")
    if not isinstance(media, Sequence) or isinstance(media, str | bytes | bytearray):
        raise RequestError(f"media must be a list of URLs (text), not {media.__class__.__name__}")
    if not all(isinstance(m, str) and m for m in media):
        raise RequestError("media must be a list of URLs (text)")
    for number, item in enumerate(media, 1):
        _check_utf8(item, f"media URL {number}")
    if media and type == "sms":
        raise RequestError("an SMS carries no media: use type='mms' (or 'whatsapp')")
    import uuid  # lazy, with decimal: the first request made, not import smsxml, pays for them
    from decimal import Decimal

    units = segments(text).units if type == "sms" else 1
    params: dict[str, object] = {
        "From": sender,
        "To": receiver,
        "Type": type,
        ("Text" if type == "sms" else "Body"): text,
        "MessageUUID": message_uuid or str(uuid.uuid4()),
        "Units": str(units),
        "TotalRate": TOTAL_RATE,
        "TotalAmount": f"{Decimal(TOTAL_RATE) * units:.5f}",
    }
    if type == "sms":
        params["MessageIntent"] = message_intent(text)
    if type != "whatsapp":
        params["PowerpackUUID"] = ""
    else:
        del params["Units"]
        params["ContentType"] = "media" if media else "text"
    if type == "mms":
        params["MediaCount"] = str(len(media))
    params.update({f"Media{i}": url for i, url in enumerate(media, 1)})
    params.update(_str_params(extra, "extra"))
    return signed_request(
        method, url, params, auth_token, nonce=nonce, main_auth_token=main_auth_token
    )


# --- What Plivo sends, parsed ---------------------------------------------------------------------


_MEDIA = re.compile(r"Media(\d+)")


@dataclass(frozen=True)
class InboundMessage:
    """A message that reached your message_url: ``From``, ``To``, its text, ``Type`` and
    ``MessageUUID`` as fields, every other parameter (Units, MessageIntent, Body, Media…)
    in ``params``. Plivo adds parameters over time, so unknown ones are kept, not refused.

    ``text`` is what the sender wrote: ``Text`` for an SMS, ``Body`` for an MMS or a
    WhatsApp message (``""`` when it carries media only); :attr:`media` lists the media
    URLs. An XML reply can only send SMS: answer MMS or WhatsApp through the Send Message
    API."""

    from_: str
    to: str
    text: str
    type: str = "sms"
    message_uuid: str = ""
    params: dict[str, str] = field(default_factory=dict, hash=False)

    _FIELDS = {
        "From": "from_",
        "To": "to",
        "Text": "text",
        "Type": "type",
        "MessageUUID": "message_uuid",
    }

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> InboundMessage:
        """The message in Plivo's parameters; ``KeyError`` names a missing parameter (From,
        To, and Text for an SMS; an MMS or WhatsApp message may carry media only)."""
        kind = params.get("Type") or "sms"
        needed = ("From", "To") if kind.lower() in ("mms", "whatsapp") else ("From", "To", "Text")
        for name in needed:
            if name not in params:
                raise KeyError(name)
        return cls(
            from_=params["From"],
            to=params["To"],
            text=params["Text"] if "Text" in params else params.get("Body", ""),
            type=kind,
            message_uuid=params.get("MessageUUID", ""),
            params={k: v for k, v in params.items() if k not in cls._FIELDS},
        )

    @property
    def all_params(self) -> dict[str, str]:
        """Every parameter under Plivo's own names (From, To, Text or Body, …)."""
        named = {"From": self.from_, "To": self.to, "Type": self.type}
        if "Body" not in self.params and (self.type.lower() == "sms" or self.text):
            named["Text"] = self.text
        if self.message_uuid:
            named["MessageUUID"] = self.message_uuid
        return {**named, **self.params}

    @property
    def body(self) -> str:
        """``Body``: the text of an MMS or WhatsApp message (``""`` for an SMS)."""
        return self.params.get("Body", "")

    @property
    def media(self) -> tuple[str, ...]:
        """The media URLs (``Media1``…, or ``Media0``…), in order; empty for an SMS."""
        found = [(int(m.group(1)), v) for k, v in self.params.items() if (m := _MEDIA.fullmatch(k))]
        return tuple(url for _, url in sorted(found))

    @property
    def content_type(self) -> str:
        """WhatsApp's ``ContentType`` (text, media, button or unknown), else ``""``."""
        return self.params.get("ContentType", "")

    @property
    def mime_type(self) -> str:
        """WhatsApp's ``MimeType`` of the media (e.g. ``video/mp4``), else ``""``."""
        return self.params.get("MimeType", "")

    @property
    def error_code(self) -> str:
        """``ErrorCode``: why Plivo could not take an inbound MMS/WhatsApp message."""
        return self.params.get("ErrorCode", "")

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:57] + "…"
        media = self.media
        extra = f", {len(media)} media" if media else ""
        extra += f", +{len(self.params)} params" if self.params else ""
        uuid = f", message_uuid={self.message_uuid!r}" if self.message_uuid else ""
        return (
            f"InboundMessage(from_={self.from_!r}, to={self.to!r}, text={text!r}, "
            f"type={self.type!r}{uuid}{extra})"
        )


@dataclass(frozen=True)
class StatusReport:
    """A delivery report that reached your callbackUrl (see the facts sheet): the message it
    is about, its ``status`` (queued, sent, delivered, failed, undelivered, rejected) and,
    for failures, ``error_code``; every other parameter is in ``params``."""

    message_uuid: str
    status: str
    to: str = ""
    from_: str = ""
    error_code: str = ""
    part_info: str = ""
    sequence: str = ""
    params: dict[str, str] = field(default_factory=dict, hash=False)

    _FIELDS = {
        "MessageUUID": "message_uuid",
        "Status": "status",
        "To": "to",
        "From": "from_",
        "ErrorCode": "error_code",
        "PartInfo": "part_info",
        "Sequence": "sequence",
    }

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> StatusReport:
        """The report in Plivo's parameters; ``KeyError`` names a missing MessageUUID/Status."""
        for name in ("MessageUUID", "Status"):
            if name not in params:
                raise KeyError(name)
        named = {attr: params[key] for key, attr in cls._FIELDS.items() if key in params}
        rest = {k: v for k, v in params.items() if k not in cls._FIELDS}
        return cls(**named, params=rest)

    @property
    def error(self) -> ErrorCode | None:
        """What the ``error_code`` means (:data:`smsxml.protocol.ERROR_CODES`), None when
        there is none or Plivo lists no such code."""
        return error_code(self.error_code) if self.error_code else None

    def explain(self) -> str:
        """The report in words: the status and, for a failure, what its ErrorCode means."""
        line = f"{self.status}"
        if self.error_code:
            meaning = self.error
            line += f", ErrorCode {meaning}" if meaning else f", ErrorCode {self.error_code}"
        return line

    @property
    def all_params(self) -> dict[str, str]:
        """Every parameter under Plivo's own names (MessageUUID, Status, ErrorCode, …)."""
        named = {key: getattr(self, attr) for key, attr in self._FIELDS.items()}
        return {**{k: v for k, v in named.items() if v}, **self.params}

    def __repr__(self) -> str:
        error = f", error_code={self.error_code!r}" if self.error_code else ""
        part = f", part_info={self.part_info!r}" if self.part_info else ""
        return (
            f"StatusReport(status={self.status!r}, message_uuid={self.message_uuid!r}, "
            f"to={self.to!r}{error}{part})"
        )
