"""What V2 and V3 signatures share: the key, the keyed HMAC-SHA256 in base64, the base URL
(``scheme://netloc/path``, the part of a URL Plivo signs) and the nonce.

The one place in smsxml where an HMAC is computed (:func:`hmac_b64`); :mod:`.v2` and
:mod:`.v3` say *what* is signed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import random
from collections.abc import Sequence
from urllib.parse import urlparse, urlunparse

from .. import _html
from .._demo import DEMO_URL
from ..exc import SignatureError
from .canonical import url_forms

__all__ = [
    "Steps",
    "base_bytes",
    "base_forms",
    "base_url",
    "hmac_b64",
    "hmac_b64_each",
    "hmac_digest",
    "make_nonce",
    "token_key",
    "utf8",
]


def utf8(value: str, what: str) -> bytes:
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
    return utf8(auth_token, "the auth token")


def base_url(uri: str) -> str:
    """``scheme://netloc/path`` of ``uri``: the part of a URL that Plivo signs."""
    utf8(uri, "the URL")
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


def base_forms(uri: str) -> tuple[bytes, ...]:
    """:func:`_signed_bases`, cached: a webhook validates the same few URLs all day. The
    query string and fragment are cut off first, so they do not defeat the cache."""
    if not isinstance(uri, str):
        raise SignatureError(f"the URL must be a string, not {type(uri).__name__}")
    return _signed_bases(uri.split("?", 1)[0].split("#", 1)[0])


def base_bytes(uri: str) -> bytes:
    """UTF-8 of the canonical base URL: what smsxml signs."""
    return base_forms(uri)[0]


@functools.lru_cache(maxsize=16)
def _keyed_hmac(key: bytes) -> hmac.HMAC:
    # One keyed HMAC per token, copied for each message: keying is half the cost of a
    # short HMAC. The token stays in this process's memory, as it does in the caller's.
    return hmac.new(key, digestmod=hashlib.sha256)


def hmac_digest(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` under ``key``: the 32 bytes every Plivo signature encodes."""
    mac = _keyed_hmac(key).copy()
    mac.update(message)
    return mac.digest()


def hmac_b64(key: bytes, message: bytes) -> str:
    """:func:`hmac_digest` in base64: a signature header's value."""
    return base64.b64encode(hmac_digest(key, message)).decode("ascii")


def hmac_b64_each(message: bytes, auth_tokens: Sequence[str]) -> tuple[str, ...]:
    """:func:`hmac_b64` of ``message`` with each of ``auth_tokens`` (e.g. the account's and
    the main account's), in order; a token given twice is signed once."""
    keys = [token_key(token) for token in auth_tokens]
    signed: dict[bytes, str] = {}
    for key in keys:
        if key not in signed:
            signed[key] = hmac_b64(key, message)
    return tuple(signed[key] for key in keys)


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
    if rng is None or type(rng) is random.SystemRandom:
        number = _system_draw()
    else:
        number = rng.randrange(10**20)  # type: ignore[attr-defined]
    if rng is not None and binds is not None:
        digest = hashlib.sha256(f"{number}\n{binds!r}".encode("utf-8", "surrogatepass"))
        number = int.from_bytes(digest.digest()[:16], "big") % 10**20
    return f"{number:020d}"


def _system_draw() -> int:
    """``secrets.randbelow(10**20)``, drawn as it draws (67 bits from ``os.urandom`` until
    they are below 10**20), without its layers of calls."""
    while True:
        number = int.from_bytes(os.urandom(9), "big") >> 5
        if number < 10**20:
            return number


class Steps:
    """Shown as a table of steps: ``str()`` for text, ``_repr_html_`` in a notebook."""

    def steps(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def __str__(self) -> str:
        width = max(len(label) for label, _ in self.steps())
        return "\n".join(f"{label:<{width}}  {value}" for label, value in self.steps())

    def _repr_html_(self) -> str:
        return _html.table([(k, _html.code(v)) for k, v in self.steps()])
