"""X-Plivo-Signature-V2 (and -Ma-V2, the same with the main account's token)::

    base64( HMAC-SHA256( key=auth_token, msg=base_url + nonce ) )

where ``base_url`` is ``scheme://netloc/path`` of the URL Plivo called: the query string,
``;params`` and fragment are dropped, and the nonce is appended with **no** separator.
Byte-compatible with ``plivo.utils.validate_signature``; unlike it, this can also *compute*
a signature, and compares in constant time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from ..exc import SignatureError
from ._digest import (
    Steps,
    base_bytes,
    base_forms,
    hmac_b64,
    hmac_b64_each,
    hmac_digest,
    token_key,
    utf8,
)

__all__ = ["SignatureExplanation", "explain_v2", "sign_v2", "sign_v2_with", "validate_v2"]


def sign_v2(uri: str, nonce: str, auth_token: str) -> str:
    """The X-Plivo-Signature-V2 value Plivo sends for a request to ``uri`` with ``nonce``."""
    message = base_bytes(uri) + utf8(nonce, "the nonce")
    return hmac_b64(token_key(auth_token), message)


def sign_v2_with(uri: str, nonce: str, auth_tokens: Sequence[str]) -> tuple[str, ...]:
    """:func:`sign_v2` with each of ``auth_tokens`` (e.g. the account's and the main
    account's), a token given twice signed once."""
    message = base_bytes(uri) + utf8(nonce, "the nonce")
    return hmac_b64_each(message, auth_tokens)


def validate_v2(uri: str, nonce: str, signature: str, auth_token: str) -> bool:
    """True when ``signature`` is the V2 (or Ma-V2) signature of ``uri`` + ``nonce``.

    Garbage in — no signature, a signature that is not base64, a URL that is not an
    absolute http(s) URL — gives ``False``. A missing token is a :class:`SignatureError`.
    """
    key = token_key(auth_token)
    if not isinstance(signature, str) or not signature or not isinstance(nonce, str):
        return False
    try:
        forms = base_forms(uri)
        suffix, given = nonce.encode("utf-8"), signature.encode("utf-8")
    except (SignatureError, UnicodeEncodeError):
        return False
    matched = False
    for base in forms:  # the canonical URL, then the URL as it arrived
        matched |= hmac.compare_digest(hmac_b64(key, base + suffix).encode("ascii"), given)
    return matched


@dataclass(frozen=True)
class SignatureExplanation(Steps):
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


def explain_v2(uri: str, nonce: str, auth_token: str) -> SignatureExplanation:
    """How the V2 signature of ``uri`` + ``nonce`` is made, step by step (over the canonical
    form of ``uri``, as :func:`sign_v2` signs)."""
    utf8(nonce, "the nonce")  # a clear SignatureError for a nonce that is not text
    base = base_bytes(uri).decode("utf-8")
    string_to_sign = base + nonce
    digest = hmac_digest(token_key(auth_token), string_to_sign.encode("utf-8"))
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
