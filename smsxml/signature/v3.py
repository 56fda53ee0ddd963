"""X-Plivo-Signature-V3: the method, the URL, the sorted parameters and the nonce::

    base64( HMAC-SHA256( key=auth_token, msg=url + "." + nonce ) )

Byte-compatible with ``plivo.utils.validate_v3_signature``; compares in constant time.
"""

from __future__ import annotations

import base64
import functools
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from ..exc import SignatureError
from ._digest import Steps, base_url, hmac_b64, hmac_b64_each, hmac_digest, token_key, utf8
from .canonical import canonical_url, url_forms

__all__ = ["SignatureV3Explanation", "explain_v3", "sign_v3", "sign_v3_with", "validate_v3"]

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


def _text_only(params: Mapping[str, object]) -> bool:
    """True when every name and value of ``params`` is a plain ``str`` (what a form
    carries), which V3 writes as it is."""
    return _STR >= set(map(type, params)) and _STR >= set(map(type, params.values()))


_STR = frozenset({str})


def _sorted_params(params: Mapping[str, object], text_only: bool | None = None) -> str:
    """``params`` as V3 signs them: sorted by name, each name then its value (``text_only``:
    whether :func:`_text_only` holds, when that is known already)."""
    if _text_only(params) if text_only is None else text_only:
        return "".join([key + params[key] for key in sorted(params)])  # type: ignore[operator]
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


def _check_params(params: object, what: str = "params") -> bool:
    """A clear :class:`SignatureError` for V3 ``params`` that cannot be signed: not a
    mapping, or a name that is not text (names are sorted, so they must all be ``str``).
    True when they are None or plain text only (see :func:`_text_only`)."""
    if params is None:
        return True
    if not isinstance(params, Mapping):
        raise SignatureError(
            f"{what} must be a mapping of names to values (a dict) or None, "
            f"not {type(params).__name__}"
        )
    if _text_only(params):  # the usual case, told apart cheaply
        return True
    for key, value in params.items():
        if not isinstance(key, str):
            raise SignatureError(
                f"{what}: every name must be text (str); got {key!r} ({type(key).__name__})"
            )
        if isinstance(value, Mapping):
            _check_params(value, f"{what}[{key!r}]")
    return False


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


@functools.lru_cache(maxsize=256)
def _url_parts(uri: str) -> tuple[str, tuple[tuple[str, tuple[str, ...]], ...], str]:
    """What V3 takes from ``uri`` alone: its base URL, its query's parameters and those
    sorted as V3 writes them. Cached: a signer and a webhook see the same few URLs."""
    base = base_url(uri)
    query = parse_qs(urlparse(uri).query, keep_blank_values=True)
    return base, tuple((k, tuple(v)) for k, v in query.items()), _sorted_query(query)


def _v3_url(
    method: str, uri: str, params: Mapping[str, object] | None, text_only: bool | None = None
) -> str:
    base, query, qs = _url_parts(uri)
    if method == "GET":
        merged: dict[str, object] = dict(params or {})
        merged.update((key, list(values)) for key, values in query)
        qs = _sorted_query(merged)
        return f"{base}?{qs}" if qs else base
    if method != "POST":
        raise SignatureError(f"V3 signatures cover GET or POST requests, not {method!r}")
    if not params:
        return f"{base}?{qs}" if qs else base
    return f"{base}?{qs}{'.' if qs else ''}{_sorted_params(params, text_only)}"


def sign_v3(
    method: str,
    uri: str,
    nonce: str,
    auth_token: str,
    params: Mapping[str, object] | None = None,
) -> str:
    """The X-Plivo-Signature-V3 value for a ``method`` request to ``uri`` with ``params``
    (over the canonical form of ``uri``: see :mod:`smsxml.signature.canonical`)."""
    _check_uri(uri)
    text_only = _check_params(params)
    return _sign_v3(method, canonical_url(uri), nonce, auth_token, params, text_only)


def sign_v3_with(
    method: str,
    uri: str,
    nonce: str,
    auth_tokens: Sequence[str],
    params: Mapping[str, object] | None = None,
) -> tuple[str, ...]:
    """:func:`sign_v3` with each of ``auth_tokens`` (e.g. the account's and the main
    account's), the string to sign worked out once and a token given twice signed once."""
    _check_uri(uri)
    text_only = _check_params(params)
    message = _v3_message(method, canonical_url(uri), nonce, params, text_only)
    return hmac_b64_each(message, auth_tokens)


def _v3_message(
    method: str,
    uri: str,
    nonce: str,
    params: Mapping[str, object] | None,
    text_only: bool | None = None,
) -> bytes:
    """UTF-8 of the string a V3 signature is over."""
    if not isinstance(method, str):
        raise SignatureError("the method must be 'GET' or 'POST'")
    url = _v3_url(method.upper(), uri, params, text_only)
    # The SDK turns the nonce's UTF-8 bytes into text one byte per character before
    # signing; Plivo's nonces are digits, where this changes nothing, but we match it.
    raw = utf8(nonce, "the nonce")
    nonce_text = nonce if nonce.isascii() else _text(raw)
    return _signed_text(f"{url}.{nonce_text}")


def _sign_v3(
    method: str,
    uri: str,
    nonce: str,
    auth_token: str,
    params: Mapping[str, object] | None,
    text_only: bool | None = None,
) -> str:
    return hmac_b64(token_key(auth_token), _v3_message(method, uri, nonce, params, text_only))


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
    text_only = _check_params(params)
    if not isinstance(signature, str) or not signature or not isinstance(uri, str):
        return False
    try:
        expected = [
            _sign_v3(method, form, nonce, auth_token, params, text_only).encode("ascii")
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


@dataclass(frozen=True)
class SignatureV3Explanation(Steps):
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
    string_to_sign = f"{url}.{_text(utf8(nonce, 'the nonce'))}"
    digest = hmac_digest(token_key(auth_token), _signed_text(string_to_sign))
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
