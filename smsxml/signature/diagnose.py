"""Why did a Plivo signature not validate? Try the usual suspects and say which one fits.

The most common support question about Plivo webhooks is "validate_signature returns
False". It nearly always comes down to the app rebuilding a URL that differs from the one
Plivo called (``http`` behind a TLS proxy, a port or host rewritten, a trailing slash), to
signing the wrong string (query string included, a slash before the nonce), or to the wrong
token (subaccount vs main account, stray whitespace). :func:`diagnose_v2` re-signs each
variation and reports the smallest set of differences that makes the signature match.
"""

from __future__ import annotations

import binascii
import hmac
import itertools
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlparse

from .. import _html
from .._demo import DEMO_URL
from .._text import plural
from ..exc import SignatureError
from ..protocol import NONCE_V3_HEADER, SIGNATURE_V3_HEADER
from ._digest import base_url, hmac_b64, token_key
from .causes import (
    CAUSES,
    Cause,
    Causes,
    cause_cost,
    describe_causes,
    signed_strings,
    token_variants,
    url_variants,
)
from .v2 import validate_v2
from .v3 import validate_v3

__all__ = ["Diagnosis", "diagnose_v2", "diagnose_v3", "Cause", "CAUSES", "DiagnosisVerdict"]

#: What a :class:`Diagnosis` concludes: "cannot check" when the URL or the token given to
#: check with cannot be used — a fault on the checking side, not the request's.
DiagnosisVerdict = Literal["valid", "invalid", "cannot check"]
_UNCHECKABLE: frozenset[Cause] = frozenset({"bad-url", "empty-token"})


@dataclass(frozen=True)
class Diagnosis:
    """The verdict on a V2 signature and, when it fails, the most likely reason.

    ``causes`` holds codes from :data:`Cause` (empty when valid, ``("unknown",)`` when no
    usual suspect fits, ``("missing-signature",)`` / ``("missing-nonce",)`` for absent
    headers, ``("bad-signature",)`` for one that is not base64 of 32 bytes,
    ``("bad-url",)`` / ``("empty-token",)`` when it cannot be checked). ``signed_url`` is
    the base URL the signature was made for, when found. No token is ever held here.
    """

    valid: bool
    causes: Causes
    message: str
    seen_url: str
    signed_url: str | None = None
    tried: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"Diagnosis(valid={self.valid}, causes={self.causes!r}, message={self.message!r})"

    @property
    def verdict(self) -> DiagnosisVerdict:
        """ "valid", "invalid", or "cannot check" (the URL or the token is unusable)."""
        if self.valid:
            return "valid"
        return "cannot check" if _UNCHECKABLE & set(self.causes) else "invalid"

    def _repr_html_(self) -> str:
        verdict = self.verdict
        ok = None if verdict == "cannot check" else self.valid
        mark = _html.badge(ok, verdict, "smsxml-" + verdict.replace(" ", "-"))
        return f"<div>{mark} <span>{_html.escape(self.message)}</span></div>"

    def to_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "verdict": self.verdict,
            "causes": list(self.causes),
            "message": self.message,
            "seen_url": self.seen_url,
            "signed_url": self.signed_url,
        }


# --- inputs that make a check impossible or a match hopeless --------------------------------

#: What to write instead of an unusable URL.
_EXAMPLE_URL = DEMO_URL
#: An HMAC-SHA256 is 32 bytes: 44 characters of base64, the last one "=".
_DIGEST_BYTES = 32
_SIGNATURE_CHARS = 44
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _require_texts(
    uri: object,
    nonce: object,
    signature: object,
    auth_token: object,
    main_auth_token: object,
    public_url: object,
) -> None:
    """The arguments diagnose_v2 and diagnose_v3 share, each text (or None where it may be)."""
    _require_text("the URL", uri)
    _require_text("the nonce", nonce, optional=True)
    _require_text("the signature", signature, optional=True)
    _require_text("the auth token", auth_token)
    _require_text("main_auth_token", main_auth_token, optional=True)
    _require_text("public_url", public_url, optional=True)


def _require_text(what: str, value: object, optional: bool = False) -> None:
    """Refuse a value of the wrong type with a :class:`SignatureError` naming it."""
    if isinstance(value, str) or (optional and value is None):
        return
    kind = "text (str) or None" if optional else "text (str)"
    hint = ""
    if what == "the auth token" and value is None:
        hint = " (pass the token itself, e.g. os.environ['PLIVO_AUTH_TOKEN'])"
    raise SignatureError(f"{what} must be {kind}, not {type(value).__name__}{hint}")


def _empty_token(auth_token: str, seen: str) -> Diagnosis | None:
    if auth_token.strip():
        return None
    what = "empty" if not auth_token else "only whitespace"
    return Diagnosis(
        False,
        ("empty-token",),
        f"Cannot check: the auth token is {what}. Give the auth token of the Plivo account "
        "that owns the application (Plivo console, Account; a subaccount has its own).",
        seen,
    )


def _bad_url(uri: str, error: SignatureError) -> Diagnosis:
    """The "bad-url" diagnosis, its first sentence saying what is wrong and what to write."""
    text = uri.strip()
    parts = None
    if "://" in text:
        try:
            parts = urlparse(text)
        except ValueError:
            pass
    if not text:
        why = f"the URL is empty. Give the full URL Plivo calls, like {_EXAMPLE_URL}"
    elif "://" not in text:
        host = text.lstrip("/")
        local = host.startswith(("localhost", "127.", "[::1]"))
        fixed = ("http://" if local else "https://") + host
        why = (
            f"the URL {uri!r} has no scheme (https:// or http://). Write it in full, as "
            f"Plivo calls it: {fixed}"
        )
    elif parts is not None and parts.scheme not in ("http", "https"):
        why = (
            f"the URL {uri!r} starts with {parts.scheme}://, and Plivo calls http:// or "
            f"https:// URLs only. Write the URL Plivo calls, like {_EXAMPLE_URL}"
        )
    elif parts is not None and not parts.netloc:
        why = (
            f"the URL {uri!r} has no host after {parts.scheme}://. Write it in full, like "
            f"{_EXAMPLE_URL}"
        )
    else:
        why = str(error)
    return Diagnosis(False, ("bad-url",), f"Cannot check: {why}.", uri)


def _not_a_digest(signature: str) -> str | None:
    """Why ``signature`` cannot be the base64 of an HMAC-SHA256; None when it can be."""
    try:
        decoded = b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        decoded = None
    if decoded is not None and len(decoded) == _DIGEST_BYTES:
        return None
    if not signature:
        return "it is blank"
    strange = [c for c in dict.fromkeys(signature) if c not in _BASE64]
    size = f"it is {len(signature)} characters long"
    if " " in strange and _not_a_digest(signature.replace(" ", "+")) is None:
        return f"{size}, with spaces where base64 has '+' (something URL-decoded the header)"
    if strange:
        shown = ", ".join(repr(c) for c in strange[:3]) + (", …" if len(strange) > 3 else "")
        return f"{size} and holds {shown}, which base64 never uses"
    if len(signature) != _SIGNATURE_CHARS:
        cut = " (cut short)" if len(signature) < _SIGNATURE_CHARS else ""
        return f"{size}{cut}, not {_SIGNATURE_CHARS}"
    if decoded is not None:
        return f"{size} but decodes to {len(decoded)} bytes, not {_DIGEST_BYTES}"
    return f"{size} but its '=' padding is not where base64 puts it"


#: At most this many characters of 44 differ from the right signature: an HMAC of other
#: inputs shares about one character with it by chance, never dozens.
_ALTERED_AT_MOST = 8


def _altered(signature: str, expected: str) -> str:
    """Which characters of ``signature`` differ from ``expected`` ("1 of its 44
    characters (the 13th)"), when only a few do; "" otherwise."""
    if len(signature) != len(expected):
        return ""
    where = [i for i, (a, b) in enumerate(zip(signature, expected, strict=True)) if a != b]
    if not 0 < len(where) <= _ALTERED_AT_MOST:
        return ""
    places = ", ".join(_ordinal(i + 1) for i in where)
    return f"{plural(len(where), 'character')} of its {len(expected)} (the {places})"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _bad_signature(why: str, header: str, seen: str) -> Diagnosis:
    return Diagnosis(
        False,
        ("bad-signature",),
        f"The signature is not an HMAC-SHA256 in base64 ({_SIGNATURE_CHARS} characters, "
        f"{_DIGEST_BYTES} bytes): {why}. It can never match any token: the header was cut "
        f"or mangled on its way (a proxy, a log, a copy-paste) — use the whole {header} "
        "value as received.",
        seen,
    )


def _checked_inputs(uri: str, auth_token: str) -> tuple[str, Diagnosis | None]:
    """The base URL seen, and the diagnosis when the token or the URL cannot be used."""
    try:
        seen = base_url(uri)
    except SignatureError as exc:
        return uri, _empty_token(auth_token, uri) or _bad_url(uri, exc)
    return seen, _empty_token(auth_token, seen)


def _usable(url: str | None) -> bool:
    try:
        return url is not None and bool(base_url(url))
    except SignatureError:
        return False


def diagnose_v2(
    uri: str,
    nonce: str | None,
    signature: str | None,
    auth_token: str,
    main_auth_token: str | None = None,
    public_url: str | None = None,
) -> Diagnosis:
    """Validate a V2 (or Ma-V2) signature and, if it fails, find out why.

    ``uri`` is the URL your app believes it was called at. Give ``main_auth_token`` to
    test the subaccount/main-account mix-up and ``public_url`` (the message_url configured
    at Plivo) to test a host rewritten by a tunnel or proxy. An argument of the wrong type
    is a :class:`~smsxml.exc.SignatureError`; anything else gets a verdict.
    """
    _require_texts(uri, nonce, signature, auth_token, main_auth_token, public_url)
    seen, unusable = _checked_inputs(uri, auth_token)
    if unusable is not None:
        return unusable
    if not signature:
        return Diagnosis(
            False,
            ("missing-signature",),
            "No X-Plivo-Signature-V2 (or -Ma-V2) header: the request was not signed by "
            "Plivo, or a proxy dropped the header.",
            seen,
        )
    if not nonce:
        return Diagnosis(
            False,
            ("missing-nonce",),
            "No X-Plivo-Signature-V2-Nonce header: without the nonce nothing can be "
            "checked; a proxy may have dropped it.",
            seen,
        )
    if validate_v2(uri, nonce, signature, auth_token):
        return Diagnosis(True, (), f"Valid: signed for {seen} with this auth token.", seen, seen)
    sig = signature.strip()
    why = _not_a_digest(sig)
    if why is not None:
        return _bad_signature(why, "X-Plivo-Signature-V2", seen)

    best, tried = _search_v2(uri, nonce, signature, auth_token, main_auth_token, public_url)
    if best is not None:
        causes, signed_url = best
        if causes == ("signature-whitespace",) or not causes:
            signed_url = seen
        return Diagnosis(
            False, causes, describe_causes(causes, seen, signed_url), seen, signed_url, tried
        )
    return _unexplained_v2(seen, sig, nonce, auth_token, main_auth_token, public_url, tried)


def _search_v2(
    uri: str,
    nonce: str,
    signature: str,
    auth_token: str,
    main_auth_token: str | None,
    public_url: str | None,
) -> tuple[tuple[Causes, str] | None, int]:
    """Try every usual suspect (URL, token and nonce variants): the cheapest explanation
    found, with the URL it was signed for, and how many HMACs were tried."""
    sig = signature.strip()
    tokens = token_variants(auth_token, main_auth_token)
    nonces: list[tuple[str, Causes]] = [(nonce, ())]
    if nonce.strip() != nonce:
        nonces.append((nonce.strip(), ("nonce-whitespace",)))
    sig_causes: Causes = ("signature-whitespace",) if sig != signature else ()
    sig_bytes = sig.encode("ascii")  # base64, checked above

    starts: list[tuple[str, Causes]] = [(uri, ())]
    if public_url is not None and _usable(public_url):
        starts.append((public_url, ("public-url",)))
    urls = [v for u, t in starts for v in url_variants(u, t)]

    tried = 0
    best: tuple[Causes, str] | None = None
    for (url, url_causes), (token, token_causes), (n, nonce_causes) in itertools.product(
        urls, tokens, nonces
    ):
        key = token.encode("utf-8", "surrogatepass")
        base = base_url(url)
        for signed, string_causes in signed_strings(url, base, n):
            tried += 1
            digest = hmac_b64(key, signed.encode("utf-8", "surrogatepass")).encode("ascii")
            if hmac.compare_digest(digest, sig_bytes):
                causes = url_causes + string_causes + token_causes + nonce_causes + sig_causes
                if best is None or cause_cost(causes) < cause_cost(best[0]):
                    best = (causes, base)
    return best, tried


def _unexplained_v2(
    seen: str,
    sig: str,
    nonce: str,
    auth_token: str,
    main_auth_token: str | None,
    public_url: str | None,
    tried: int,
) -> Diagnosis:
    """No suspect explains the signature: an altered header, or unknown."""
    altered = _altered(sig, hmac_b64(token_key(auth_token), (seen + nonce).encode("utf-8")))
    if altered:
        return Diagnosis(
            False,
            ("signature-altered",),
            f"The signature is the one made for {seen} + this nonce with this auth token, "
            f"except for {altered}: a different token, nonce or URL changes nearly all of "
            "them, so the header itself was altered on its way (an edit, a copy-paste, a "
            "proxy). Use the whole X-Plivo-Signature-V2 value as received.",
            seen,
            seen,
            tried,
        )
    suspects = "http/https, port, trailing slash, query string, '/' before the nonce, whitespace"
    return Diagnosis(
        False,
        ("unknown",),
        f"The signature does not belong to {seen} + this nonce with this auth token, and "
        f"none of the usual suspects ({suspects}"
        f"{', main vs subaccount token' if main_auth_token else ''}) explains it. "
        + _check_the_inputs("X-Plivo-Signature-V2-Nonce", main_auth_token, public_url),
        seen,
        None,
        tried,
    )


def _search_v3(
    method: str,
    uri: str,
    nonce: str,
    signature: str,
    auth_token: str,
    params: Mapping[str, str] | None,
    main_auth_token: str | None,
    public_url: str | None,
) -> tuple[tuple[Causes, str] | None, int]:
    """Try every usual suspect (URL, token, the other method): the cheapest explanation
    found, with the URL it was signed for, and how many signatures were tried."""
    tokens = token_variants(auth_token, main_auth_token)
    starts: list[tuple[str, Causes]] = [(uri, ())]
    if public_url is not None and _usable(public_url):
        starts.append((public_url, ("public-url",)))
    methods: list[tuple[str, Causes]] = [
        (method, ()),
        ("GET" if method == "POST" else "POST", ("method",)),
    ]
    tried = 0
    best: tuple[Causes, str] | None = None
    for (url, url_causes), (token, token_causes), (m, method_causes) in itertools.product(
        [v for u, t in starts for v in url_variants(u, t)], tokens, methods
    ):
        tried += 1
        try:
            fits = validate_v3(m, url, nonce, signature.strip(), token, params)
        except SignatureError:
            continue
        if fits:
            causes = url_causes + method_causes + token_causes
            if best is None or cause_cost(causes) < cause_cost(best[0]):
                best = (causes, base_url(url))
    return best, tried


def _check_the_inputs(nonce_header: str, main_auth_token: str | None, public: str | None) -> str:
    """The closing advice of an "unknown" diagnosis: which inputs to check, and the
    suspects not tried for want of an argument."""
    token = "the auth token (of the account that owns the application"
    token += ")" if main_auth_token else "; or pass main_auth_token= to try the main account's)"
    url = "the URL" + ("" if public else " (behind a tunnel or proxy, pass public_url=)")
    return f"Check the nonce (this request's own {nonce_header}), {token} and {url}."


def diagnose_v3(
    method: str,
    uri: str,
    nonce: str | None,
    signature: str | None,
    auth_token: str,
    params: Mapping[str, str] | None = None,
    main_auth_token: str | None = None,
    public_url: str | None = None,
) -> Diagnosis:
    """Validate a V3 (or Ma-V3) signature and, if it fails, find out why.

    V3 covers more than V2 — the method, the URL with its query sorted, and a POST's form
    ``params`` sorted — so besides the usual URL and token suspects it tries the other
    method. A parameter changed in transit cannot be found this way: it is named as a
    possibility when nothing else fits.
    """
    _require_text("the method", method)
    _require_texts(uri, nonce, signature, auth_token, main_auth_token, public_url)
    if params is not None and not isinstance(params, Mapping):
        raise SignatureError(
            f"params must be a mapping (name → value) or None, not {type(params).__name__}"
        )
    seen, unusable = _checked_inputs(uri, auth_token)
    if unusable is not None:
        return unusable
    if not signature or not nonce:
        missing: Cause = "missing-nonce" if signature else "missing-signature"
        header = NONCE_V3_HEADER if signature else SIGNATURE_V3_HEADER
        return Diagnosis(False, (missing,), f"No {header} header.", seen)
    method = method.upper()
    if validate_v3(method, uri, nonce, signature, auth_token, params):
        return Diagnosis(True, (), f"Valid: {method} {seen} signed with this auth token.", seen)
    # The header may hold several signatures, comma-separated: one usable one is enough.
    reasons = [_not_a_digest(part.strip()) for part in signature.split(",")]
    if all(reasons):
        first = reasons[0] or ""
        if len(reasons) > 1:
            first = f"none of its {len(reasons)} comma-separated values is one; the first: {first}"
        return _bad_signature(first, SIGNATURE_V3_HEADER, seen)
    best, tried = _search_v3(
        method, uri, nonce, signature, auth_token, params, main_auth_token, public_url
    )
    if best is not None:
        causes, signed_url = best
        return Diagnosis(
            False, causes, describe_causes(causes, seen, signed_url), seen, signed_url, tried
        )
    return Diagnosis(
        False,
        ("unknown",),
        f"The V3 signature does not belong to {method} {seen} with these parameters + this "
        "nonce with this auth token, and none of the usual suspects (http/https, port, "
        f"trailing slash, GET vs POST{', main vs subaccount token' if main_auth_token else ''})"
        " explains it. V3 also covers every parameter: a proxy that added, dropped or "
        "re-encoded one breaks it. "
        + _check_the_inputs(NONCE_V3_HEADER, main_auth_token, public_url),
        seen,
        None,
        tried,
    )
