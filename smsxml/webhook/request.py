"""What a request to the webhook says: the URL it was made to (from the request line,
never a header that could move the signed path), its signature verdict, its form data."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args
from urllib.parse import quote, unquote_to_bytes, urlsplit
from wsgiref.headers import Headers

from .._headers import header_map
from ..protocol import (
    DEFAULT_PORTS,
    MA_SIGNATURE_HEADER,
    MA_SIGNATURE_V3_HEADER,
    NONCE_HEADER,
    NONCE_V3_HEADER,
    SIGNATURE_HEADER,
    SIGNATURE_HEADERS,
    SIGNATURE_V3_HEADER,
)
from ..signature import validate_v2, validate_v3
from ..tokens import redact

if TYPE_CHECKING:  # pragma: no cover
    from ..diagnose import Diagnosis

# --- URL and signature -------------------------------------------------------------------

#: What became of a request's signature: valid (V2, or Ma-V2 with the main account's
#: token), missing, invalid, not checked (``require_signature=False``), or valid but with
#: a nonce seen before (``reject_replayed_nonces``).
Verdict = Literal[
    "valid V2",
    "valid Ma-V2",
    "valid V3",
    "valid Ma-V3",
    "missing",
    "invalid",
    "not checked",
    "replayed nonce",
]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)

_PATH_SAFE = "/;=,~!$&'()*+:@"


def wsgi_path(value: str) -> str:
    """A PEP 3333 path (percent-decoded bytes in a latin-1 str) percent-encoded again."""
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:  # a non-compliant server handing over real text
        raw = value.encode("utf-8")
    return quote(raw, safe=_PATH_SAFE)


def text_path(value: str) -> str:
    """A PEP 3333 path as the text it stands for (its bytes read as UTF-8)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _first(value: str | None) -> str:
    """The first item of a comma-separated proxy header (the client-facing one)."""
    return (value or "").split(",", 1)[0].strip()


#: What a Host (or X-Forwarded-Host) value may be: a DNS name or IPv4 address, or an IPv6
#: address in brackets, then an optional port. Nothing that could carry a path, a query, a
#: fragment, user info or a second host can pass.
_HOST = re.compile(r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", re.ASCII)


def _checked_host(value: str, header: str) -> str:
    if not _HOST.fullmatch(value):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise ValueError(f"{header} header {shown!r} is not a host[:port]")
    return value


def public_origin(public_url: str, paths: Iterable[str | None] = ()) -> str:
    """``scheme://host[:port][/prefix]`` of the URL Plivo calls (its message_url), to which
    :func:`request_url` adds the request's own path. A trailing app path (one of ``paths``,
    e.g. ``/receive_sms/``) is dropped, so the message_url itself may be given.
    ``ValueError`` when it is not an absolute http(s) URL without query or fragment."""
    if not isinstance(public_url, str):
        raise TypeError(f"public_url must be a URL (text); got {type(public_url).__name__}")
    parts = urlsplit(public_url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or "#" in public_url
    ):
        raise ValueError(
            "public_url must be the absolute http(s) URL Plivo calls, without query or "
            f"fragment, like 'https://abc.ngrok.app/receive_sms/'; got {public_url!r}"
        )
    _checked_host(parts.netloc, "public_url's host")
    prefix = parts.path
    for path in paths:
        if path and prefix.endswith(path):
            prefix = prefix[: -len(path)]
            break
    return f"{parts.scheme}://{parts.netloc}{prefix.rstrip('/')}"


def request_url(
    environ: Mapping[str, Any], trust_proxy: bool = False, origin: str | None = None
) -> str:
    """The full URL a request was made to, rebuilt from a WSGI environ (PEP 3333 recipe).

    The path and query always come from the request line; only the host comes from the
    ``Host`` header, and it must be a plain ``host[:port]`` (``ValueError`` otherwise), so
    that no header can change which path a signature is checked for.
    ``X-Forwarded-Proto`` / ``X-Forwarded-Host`` are honoured only with ``trust_proxy``:
    anyone can send them, so only trust them when a proxy you run sets them.
    ``origin`` (from :func:`public_origin`) replaces scheme and host, and no header is read.
    """
    path = wsgi_path(environ.get("SCRIPT_NAME", "")) + wsgi_path(environ.get("PATH_INFO", ""))
    query = environ.get("QUERY_STRING") or ""
    tail = path + (f"?{query}" if query else "")
    if origin is not None:
        return origin + tail
    scheme = environ.get("wsgi.url_scheme") or "http"
    host = environ.get("HTTP_HOST") or ""
    if host:
        _checked_host(host, "Host")
    if trust_proxy:
        proto = _first(environ.get("HTTP_X_FORWARDED_PROTO")).lower()
        if proto in ("http", "https"):
            scheme = proto
        forwarded = _first(environ.get("HTTP_X_FORWARDED_HOST"))
        host = _checked_host(forwarded, "X-Forwarded-Host") if forwarded else host
    if not host:
        host = environ.get("SERVER_NAME") or "localhost"
        port = str(environ.get("SERVER_PORT") or "")
        if port and port != str(DEFAULT_PORTS.get(scheme)):
            host = f"{host}:{port}"
    return f"{scheme}://{host}{tail}"


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on a request's signature headers (see :func:`check_signature`).

    ``verdict`` is one of "valid V2", "valid Ma-V2", "missing", "invalid". ``diagnosis``
    (a :class:`~smsxml.diagnose.Diagnosis`, None when valid) says why a signature is not
    valid. It is worked out when first read, not when the request arrives: a diagnosis
    re-signs up to a few hundred variations, and a forger must not be able to make the
    server do that for every forged request.
    """

    verdict: Verdict
    url: str
    nonce: str | None = None
    _diagnose: Callable[[], Diagnosis] | None = field(default=None, repr=False, compare=False)
    #: The Plivo signature headers the request carried, by name (what arrived, for the log).
    headers: tuple[str, ...] = field(default=(), compare=False)
    #: Which signature this verdict is about: "V2" (with Ma-V2) or "V3" (with Ma-V3).
    version: str = "V2"
    _cache: list[Diagnosis] = field(default_factory=list, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return self.verdict.startswith("valid")

    @property
    def diagnosis(self) -> Diagnosis | None:
        if self._diagnose is None:
            return None
        if not self._cache:  # two threads may both compute it; the result is the same
            self._cache.append(self._diagnose())
        return self._cache[0]

    @property
    def diagnosed(self) -> bool:
        """Whether :attr:`diagnosis` has been worked out yet."""
        return bool(self._cache)

    @property
    def reason(self) -> str:
        """A short reason for a refusal, safe to send back to the caller."""
        if self.valid:
            return "signature valid"
        name = f"X-Plivo-Signature-{self.version}"
        if self.verdict == "missing":
            return f"missing {name} / {name}-Nonce headers"
        return f"invalid {name} signature"

    def __str__(self) -> str:
        diagnosis = self.diagnosis
        return self.verdict if diagnosis is None else f"{self.verdict}: {diagnosis}"


def check_signature(
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    auth_token: str,
    main_auth_token: str | None = None,
    *,
    public_url: str | None = None,
) -> SignatureCheck:
    """Check a request's ``X-Plivo-Signature-V2`` (with ``auth_token``) or
    ``X-Plivo-Signature-Ma-V2`` (with ``main_auth_token``, or ``auth_token`` when no main
    token is given) against ``url``, the URL the request was made to.

    Either valid signature is enough. When neither is, the result's ``diagnosis`` comes
    from :func:`~smsxml.diagnose.diagnose_v2`, on first read (``public_url``: the URL Plivo
    was told to call, if it may differ, e.g. behind an untrusted proxy). Comparisons are
    constant-time.
    """
    h = header_map(headers)
    seen = signature_headers(h)
    nonce, v2, ma = h.get(NONCE_HEADER), h.get(SIGNATURE_HEADER), h.get(MA_SIGNATURE_HEADER)
    ma_token = main_auth_token or auth_token
    if nonce and v2 and validate_v2(url, nonce, v2, auth_token):
        return SignatureCheck("valid V2", url, nonce, headers=seen)
    if nonce and ma and validate_v2(url, nonce, ma, ma_token):
        return SignatureCheck("valid Ma-V2", url, nonce, headers=seen)
    verdict: Verdict = "invalid" if nonce and (v2 or ma) else "missing"
    if v2 or not ma:
        args = (url, nonce, v2, auth_token, main_auth_token, public_url)
    else:  # only Ma-V2 was sent: diagnose it against the main account's token
        args = (url, nonce, ma, ma_token, None, public_url)
    return SignatureCheck(verdict, url, nonce, lambda: _diagnose(*args), headers=seen)


def signature_headers(headers: Headers) -> tuple[str, ...]:
    """Which of Plivo's signature headers ``headers`` carries, in Plivo's spelling."""
    return tuple(name for name in SIGNATURE_HEADERS if headers.get(name) is not None)


def check_signature_v3(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    params: Mapping[str, str] | None,
    auth_token: str,
    main_auth_token: str | None = None,
) -> SignatureCheck:
    """Check ``X-Plivo-Signature-V3`` (or ``-Ma-V3``): over the method, the URL with its
    sorted query and, for a POST, the sorted form ``params``. ``"missing"`` without the
    V3 headers; an invalid one is diagnosed (on first read) by
    :func:`~smsxml.diagnose.diagnose_v3`."""
    h = header_map(headers)
    seen = signature_headers(h)
    nonce, v3, ma = (
        h.get(NONCE_V3_HEADER),
        h.get(SIGNATURE_V3_HEADER),
        h.get(MA_SIGNATURE_V3_HEADER),
    )
    post = params if method == "POST" else None
    ma_token = main_auth_token or auth_token
    if nonce and v3 and validate_v3(method, url, nonce, v3, auth_token, post):
        return SignatureCheck("valid V3", url, nonce, headers=seen, version="V3")
    if nonce and ma and validate_v3(method, url, nonce, ma, ma_token, post):
        return SignatureCheck("valid Ma-V3", url, nonce, headers=seen, version="V3")
    if not (nonce and (v3 or ma)):
        return SignatureCheck("missing", url, nonce, headers=seen, version="V3")
    signature, token = (v3, auth_token) if v3 else (ma, ma_token)

    def diagnose() -> Diagnosis:
        from ..diagnose import diagnose_v3

        return diagnose_v3(method, url, nonce, signature, token, post, main_auth_token)

    return SignatureCheck("invalid", url, nonce, diagnose, headers=seen, version="V3")


def _diagnose(
    url: str,
    nonce: str | None,
    signature: str | None,
    token: str,
    main_token: str | None,
    public_url: str | None,
) -> Diagnosis:
    from ..diagnose import Diagnosis, diagnose_v2

    try:
        return diagnose_v2(url, nonce, signature, token, main_token, public_url)
    except Exception as exc:  # a diagnosis is a courtesy: never let it break the verdict
        message = redact(f"No diagnosis: {type(exc).__name__}: {exc}", token, main_token)
        return Diagnosis(False, ("unknown",), message, url)


#: How many recent nonces ``reject_replayed_nonces`` remembers.
NONCE_MEMORY = 10_000


class NonceMemory:
    """The last ``capacity`` nonces seen, to refuse a request replayed verbatim."""

    def __init__(self, capacity: int = NONCE_MEMORY):
        self.capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def seen_before(self, nonce: str) -> bool:
        """True if ``nonce`` was seen already; remembers it either way (atomically)."""
        with self._lock:
            if nonce in self._seen:
                self._seen.move_to_end(nonce)
                return True
            self._seen[nonce] = None
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return False


# --- Form data -----------------------------------------------------------------------------

_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def parse_form(data: bytes) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` bytes → dict (first value of a repeated name).

    Strict where :func:`urllib.parse.parse_qsl` is lenient: a ``%`` not followed by two hex
    digits, or bytes that are not UTF-8, are a ``ValueError`` saying which.
    """
    params: dict[str, str] = {}
    for number, piece in enumerate(data.split(b"&"), start=1):
        if not piece:
            continue
        bad = _BAD_PERCENT.search(piece)
        if bad:
            raise ValueError(
                f"bad percent-encoding in field {number}: '%' must be followed by two hex digits"
            )
        name, _, value = piece.partition(b"=")
        try:
            key = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
            text = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"field {number} is not UTF-8 text") from None
        params.setdefault(key, text)
    return params
