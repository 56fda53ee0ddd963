"""Plivo request signatures: compute, validate and explain them.

X-Plivo-Signature-V2 (and -Ma-V2, the same with the main account's token) is::

    base64( HMAC-SHA256( key=auth_token, msg=base_url + nonce ) )

where ``base_url`` is ``scheme://netloc/path`` of the URL Plivo called: the query string,
``;params`` and fragment are dropped, and the nonce is appended with **no** separator.
This module is byte-compatible with ``plivo.utils.validate_signature`` and
``plivo.utils.validate_v3_signature``; unlike them it can also *compute* a signature and
compares in constant time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse, urlunparse

from . import _html
from ._demo import DEMO_URL
from .canonical import canonical_url, url_forms
from .exc import SignatureError

__all__ = [
    "base_url",
    "make_nonce",
    "sign_v2",
    "validate_v2",
    "sign_v3",
    "validate_v3",
    "explain_v2",
    "explain_v3",
    "SignatureExplanation",
    "SignatureV3Explanation",
]


def _utf8(value: str, what: str) -> bytes:
    if not isinstance(value, str):
        raise SignatureError(f"{what} must be a string, not {type(value).__name__}")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SignatureError(
            f"{what} holds a character that cannot be sent in UTF-8 (position {exc.start})"
        ) from None


def token_key(auth_token: str) -> bytes:
    if not isinstance(auth_token, str) or not auth_token:
        raise SignatureError("an auth token is needed (a non-empty string)")
    return _utf8(auth_token, "the auth token")


def base_url(uri: str) -> str:
    """``scheme://netloc/path`` of ``uri``: the part of a URL that Plivo signs."""
    _utf8(uri, "the URL")
    try:
        parts = urlparse(uri)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise SignatureError(f"not a usable URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SignatureError(
            f"{uri!r} is not an absolute http(s) URL; give the full URL Plivo calls, "
            f"like {DEMO_URL}"
        )
    return urlunparse((parts.scheme, parts.netloc, parts.path, "", "", ""))


@functools.lru_cache(maxsize=256)
def _signed_bases(uri_before_query: str) -> tuple[bytes, ...]:
    """UTF-8 of :func:`base_url` of each form a signature may be over: the canonical URL
    (what smsxml signs), then the URL as given when that differs (see :mod:`.canonical`)."""
    base_url(uri_before_query)  # the usual error for a URL that is not absolute http(s)
    return tuple(base_url(form).encode("utf-8") for form in url_forms(uri_before_query))


def _base_forms(uri: str) -> tuple[bytes, ...]:
    """:func:`_signed_bases`, cached: a webhook validates the same few URLs all day. The
    query string and fragment are cut off first, so they do not defeat the cache."""
    if not isinstance(uri, str):
        raise SignatureError(f"the URL must be a string, not {type(uri).__name__}")
    return _signed_bases(uri.split("?", 1)[0].split("#", 1)[0])


def _base_bytes(uri: str) -> bytes:
    """UTF-8 of the canonical base URL: what smsxml signs."""
    return _base_forms(uri)[0]


@functools.lru_cache(maxsize=16)
def _keyed_hmac(key: bytes) -> hmac.HMAC:
    # One keyed HMAC per token, copied for each message: keying is half the cost of a
    # short HMAC. The token stays in this process's memory, as it does in the caller's.
    return hmac.new(key, digestmod=hashlib.sha256)


def hmac_b64(key: bytes, message: bytes) -> str:
    mac = _keyed_hmac(key).copy()
    mac.update(message)
    return base64.b64encode(mac.digest()).decode("ascii")


def make_nonce(rng: object | None = None, *, binds: object = None) -> str:
    """A Plivo-style nonce: 20 decimal digits (from :mod:`secrets` unless ``rng`` — anything
    with ``randrange``, e.g. a seeded :class:`random.Random` — is given).

    ``binds``: what the nonce will sign (method, URL, parameters). With a seeded ``rng`` the
    nonce is then a digest of the draw and of ``binds``, so that a seeded run repeated gives
    the same nonce for the same request (a duplicate) and never for a different one (which
    replay memory would refuse)."""
    if rng is not None and not callable(getattr(rng, "randrange", None)):
        raise SignatureError(
            "rng must be a random generator with randrange (e.g. random.Random(seed)) or "
            f"None, not {type(rng).__name__}"
        )
    draw = rng.randrange if rng is not None else secrets.randbelow  # type: ignore[attr-defined]
    number: int = draw(10**20)
    if rng is not None and binds is not None:
        digest = hashlib.sha256(f"{number}\n{binds!r}".encode("utf-8", "surrogatepass"))
        number = int.from_bytes(digest.digest()[:16], "big") % 10**20
    return f"{number:020d}"


def sign_v2(uri: str, nonce: str, auth_token: str) -> str:
    """The X-Plivo-Signature-V2 value Plivo sends for a request to ``uri`` with ``nonce``."""
    message = _base_bytes(uri) + _utf8(nonce, "the nonce")
    return hmac_b64(token_key(auth_token), message)


def validate_v2(uri: str, nonce: str, signature: str, auth_token: str) -> bool:
    """True when ``signature`` is the V2 (or Ma-V2) signature of ``uri`` + ``nonce``.

    Garbage in — no signature, a signature that is not base64, a URL that is not an
    absolute http(s) URL — gives ``False``. A missing token is a :class:`SignatureError`.
    """
    key = token_key(auth_token)
    if not isinstance(signature, str) or not signature or not isinstance(nonce, str):
        return False
    try:
        forms = _base_forms(uri)
        suffix, given = nonce.encode("utf-8"), signature.encode("utf-8")
    except (SignatureError, UnicodeEncodeError):
        return False
    matched = False
    for base in forms:  # the canonical URL, then the URL as it arrived
        matched |= hmac.compare_digest(hmac_b64(key, base + suffix).encode("ascii"), given)
    return matched


# --- V3 -----------------------------------------------------------------------------------
# V3 signs "<url>.<nonce>", where <url> depends on the method. GET: base URL + "?" + the
# request's params and the URL's query, merged and sorted as key=value pairs. POST: base URL,
# then "?" + the URL's own sorted query when there are POST params or a query, then "." if both,
# then the sorted POST params as keyvalue pairs. This mirrors plivo.utils.signature_v3.


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return "".join(chr(b) for b in value)
    return str(value)


def _sorted_query(params: Mapping[str, object]) -> str:
    pieces = []
    for key in sorted(params):
        value = params[key]
        if isinstance(value, list):
            pieces.append("&".join(f"{_text(key)}={v}" for v in sorted(map(_text, value))))
        else:
            pieces.append(f"{_text(key)}={_text(value)}")
    return "&".join(pieces)


def _sorted_params(params: Mapping[str, object]) -> str:
    pieces = []
    for key in sorted(params):
        value = params[key]
        if isinstance(value, list):
            pieces.append("".join(f"{_text(key)}{v}" for v in sorted(map(_text, value))))
        elif isinstance(value, Mapping):
            pieces.append(f"{_text(key)}{_sorted_params(value)}")
        else:
            pieces.append(f"{_text(key)}{_text(value)}")
    return "".join(pieces)


def _check_params(params: object, what: str = "params") -> None:
    """A clear :class:`SignatureError` for V3 ``params`` that cannot be signed: not a
    mapping, or a name that is not text (names are sorted, so they must all be ``str``)."""
    if params is None:
        return
    if not isinstance(params, Mapping):
        raise SignatureError(
            f"{what} must be a mapping of names to values (a dict) or None, "
            f"not {type(params).__name__}"
        )
    for key, value in params.items():
        if not isinstance(key, str):
            raise SignatureError(
                f"{what}: every name must be text (str); got {key!r} ({type(key).__name__})"
            )
        if isinstance(value, Mapping):
            _check_params(value, f"{what}[{key!r}]")


def _check_uri(uri: object) -> None:
    if not isinstance(uri, str):
        raise SignatureError(f"the URL must be a string, not {type(uri).__name__}")


def _signed_text(text: str) -> bytes:
    """UTF-8 of the V3 string to sign. The URL and the nonce were checked already, so a
    character without UTF-8 (a lone surrogate) can only have come from the params."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SignatureError(
            f"params hold a character that cannot be sent in UTF-8 ({text[exc.start]!r})"
        ) from None


def _v3_url(method: str, uri: str, params: Mapping[str, object] | None) -> str:
    base = base_url(uri)
    query = parse_qs(urlparse(uri).query, keep_blank_values=True)
    if method == "GET":
        merged: dict[str, object] = dict(params or {})
        merged.update(query)
        qs = _sorted_query(merged)
        return f"{base}?{qs}" if qs else base
    if method != "POST":
        raise SignatureError(f"V3 signatures cover GET or POST requests, not {method!r}")
    qs = _sorted_query(query)
    if not params:
        return f"{base}?{qs}" if qs else base
    return f"{base}?{qs}{'.' if qs else ''}{_sorted_params(params)}"


def sign_v3(
    method: str,
    uri: str,
    nonce: str,
    auth_token: str,
    params: Mapping[str, object] | None = None,
) -> str:
    """The X-Plivo-Signature-V3 value for a ``method`` request to ``uri`` with ``params``
    (over the canonical form of ``uri``: see :mod:`smsxml.canonical`)."""
    _check_uri(uri)
    _check_params(params)
    return _sign_v3(method, canonical_url(uri), nonce, auth_token, params)


def _sign_v3(
    method: str,
    uri: str,
    nonce: str,
    auth_token: str,
    params: Mapping[str, object] | None,
) -> str:
    if not isinstance(method, str):
        raise SignatureError("the method must be 'GET' or 'POST'")
    url = _v3_url(method.upper(), uri, params)
    # The SDK turns the nonce's UTF-8 bytes into text one byte per character before
    # signing; Plivo's nonces are digits, where this changes nothing, but we match it.
    nonce_text = _text(_utf8(nonce, "the nonce"))
    message = _signed_text(f"{url}.{nonce_text}")
    return hmac_b64(token_key(auth_token), message)


def validate_v3(
    method: str,
    uri: str,
    nonce: str,
    signature: str,
    auth_token: str,
    params: Mapping[str, object] | None = None,
) -> bool:
    """True when ``signature`` (a header that may hold several comma-separated signatures)
    contains the V3 signature of this request. Garbage from the request (no signature, a
    URL that is not absolute http(s)) gives ``False``; a missing token or ``params`` that
    are not a mapping of text names is a :class:`SignatureError`."""
    token_key(auth_token)
    _check_params(params)
    if not isinstance(signature, str) or not signature or not isinstance(uri, str):
        return False
    try:
        expected = [
            _sign_v3(method, form, nonce, auth_token, params).encode("ascii")
            for form in url_forms(uri)  # the canonical URL, then the URL as it arrived
        ]
        candidates = signature.encode("utf-8").split(b",")
    except (SignatureError, UnicodeEncodeError):
        return False
    # Check every candidate so timing does not reveal which one matched.
    matched = False
    for candidate in candidates:
        for one in expected:
            matched |= hmac.compare_digest(one, candidate)
    return matched


# --- Explanation ---------------------------------------------------------------------------


class _Steps:
    """Shown as a table of steps: ``str()`` for text, ``_repr_html_`` in a notebook."""

    def steps(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def __str__(self) -> str:
        width = max(len(label) for label, _ in self.steps())
        return "\n".join(f"{label:<{width}}  {value}" for label, value in self.steps())

    def _repr_html_(self) -> str:
        return _html.table([(k, _html.code(v)) for k, v in self.steps()])


@dataclass(frozen=True)
class SignatureExplanation(_Steps):
    """Every step of a V2 signature, as data. Holds no token."""

    url: str
    base_url: str
    dropped: str
    nonce: str
    string_to_sign: str
    hmac_hex: str
    signature: str

    def steps(self) -> list[tuple[str, str]]:
        return [
            ("1. URL as given", self.url),
            ("2. base URL (scheme://host/path)", self.base_url),
            ("   dropped", self.dropped or "(nothing)"),
            ("3. nonce", self.nonce),
            ("4. string signed (base URL + nonce)", self.string_to_sign),
            ("5. HMAC-SHA256 with your auth token (hex)", self.hmac_hex),
            ("6. base64 = X-Plivo-Signature-V2", self.signature),
        ]


@dataclass(frozen=True)
class SignatureV3Explanation(_Steps):
    """Every step of a V3 signature, as data. Holds no token."""

    method: str
    url: str
    base_url: str
    query: str
    params: str
    nonce: str
    string_to_sign: str
    hmac_hex: str
    signature: str

    def steps(self) -> list[tuple[str, str]]:
        return [
            ("1. method and URL as given", f"{self.method} {self.url}"),
            ("2. base URL (scheme://host/path)", self.base_url),
            ("3. query, keys sorted (GET: with the params)", self.query or "(none)"),
            ("4. POST params, keys sorted, key+value", self.params or "(none)"),
            ("5. nonce (X-Plivo-Signature-V3-Nonce)", self.nonce),
            ("6. string signed (URL . nonce)", self.string_to_sign),
            ("7. HMAC-SHA256 with your auth token (hex)", self.hmac_hex),
            ("8. base64 = X-Plivo-Signature-V3", self.signature),
        ]


def explain_v2(uri: str, nonce: str, auth_token: str) -> SignatureExplanation:
    """How the V2 signature of ``uri`` + ``nonce`` is made, step by step (over the canonical
    form of ``uri``, as :func:`sign_v2` signs)."""
    _utf8(nonce, "the nonce")  # a clear SignatureError for a nonce that is not text
    base = _base_bytes(uri).decode("utf-8")
    string_to_sign = base + nonce
    digest = hmac.new(
        token_key(auth_token), string_to_sign.encode("utf-8"), hashlib.sha256
    ).digest()
    dropped = uri[len(base) :] if uri.startswith(base) else _dropped_parts(uri)
    return SignatureExplanation(
        url=uri,
        base_url=base,
        dropped=dropped,
        nonce=nonce,
        string_to_sign=string_to_sign,
        hmac_hex=digest.hex(),
        signature=base64.b64encode(digest).decode("ascii"),
    )


def explain_v3(
    method: str,
    uri: str,
    nonce: str,
    auth_token: str,
    params: Mapping[str, object] | None = None,
) -> SignatureV3Explanation:
    """How the V3 signature of a ``method`` request to ``uri`` with ``params`` is made,
    step by step (the same string :func:`sign_v3` signs)."""
    _check_uri(uri)
    _check_params(params)
    method = method.upper() if isinstance(method, str) else method
    url = _v3_url(method, canonical_url(uri), params)
    string_to_sign = f"{url}.{_text(_utf8(nonce, 'the nonce'))}"
    digest = hmac.new(token_key(auth_token), _signed_text(string_to_sign), hashlib.sha256).digest()
    query_params: dict[str, object] = dict(parse_qs(urlparse(uri).query, keep_blank_values=True))
    if method == "GET":
        query_params = {**(params or {}), **query_params}
    return SignatureV3Explanation(
        method=method,
        url=uri,
        base_url=base_url(canonical_url(uri)),
        query=_sorted_query(query_params),
        params=_sorted_params(params) if method == "POST" and params else "",
        nonce=nonce,
        string_to_sign=string_to_sign,
        hmac_hex=digest.hex(),
        signature=base64.b64encode(digest).decode("ascii"),
    )


def _dropped_parts(uri: str) -> str:
    parts = urlparse(uri)
    dropped = []
    if parts.params:
        dropped.append(";" + parts.params)
    if parts.query:
        dropped.append("?" + parts.query)
    if parts.fragment:
        dropped.append("#" + parts.fragment)
    return "".join(dropped)
