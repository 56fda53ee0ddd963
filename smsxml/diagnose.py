"""Why did a Plivo signature not validate? Try the usual suspects and say which one fits.

The most common support question about Plivo webhooks is "validate_signature returns
False". It nearly always comes down to the app rebuilding a URL that differs from the one
Plivo called (``http`` behind a TLS proxy, a port or host rewritten, a trailing slash), to
signing the wrong string (query string included, a slash before the nonce), or to the wrong
token (subaccount vs main account, stray whitespace). :func:`diagnose_v2` re-signs each
variation and reports the smallest set of differences that makes the signature match.
"""

from __future__ import annotations

import hmac
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlparse, urlunparse

from .exc import SignatureError
from .protocol import DEFAULT_PORTS, NONCE_V3_HEADER, SIGNATURE_V3_HEADER
from .signature import _hmac_b64, _key, base_url, validate_v2, validate_v3

__all__ = ["Diagnosis", "diagnose_v2", "diagnose_v3", "Cause", "CAUSES"]

_DEFAULT_PORT = {scheme: str(port) for scheme, port in DEFAULT_PORTS.items()}

#: Why a signature did not validate (see :data:`CAUSES`); the last three are not fixable
#: by re-signing: no usual suspect fits, or a header is absent.
Cause = Literal[
    "scheme",
    "port",
    "public-url",
    "trailing-slash",
    "query-signed",
    "slash-before-nonce",
    "main-token",
    "signature-whitespace",
    "nonce-whitespace",
    "token-whitespace",
    "unknown",
    "missing-signature",
    "missing-nonce",
    "bad-url",
    "method",
]
Causes = tuple[Cause, ...]

#: Cause code → what it means, in a learner's words.
CAUSES: dict[Cause, str] = {
    "scheme": "the scheme differs (http vs https): a TLS proxy or tunnel in front of your app "
    "ends HTTPS, so your app sees http:// — build the URL with https, or honour "
    "X-Forwarded-Proto from a proxy you trust",
    "port": "the port differs: a proxy or load balancer rewrote it — build the URL with the "
    "port Plivo called (usually none)",
    "public-url": "Plivo called your public URL (the message_url configured at Plivo) and a "
    "tunnel or proxy rewrote it before your app saw it — validate against the public URL",
    "trailing-slash": "the trailing slash differs: use the URL exactly as configured in the "
    "Plivo application, slash included or not",
    "query-signed": "the signature covers the query string: Plivo signs scheme://host/path "
    "only, so drop everything from '?' before signing",
    "slash-before-nonce": "a '/' was put between the URL and the nonce: Plivo appends the "
    "nonce directly (see plivo-ruby#116)",
    "main-token": "it was signed with the main account's token, not the one you validated "
    "with: X-Plivo-Signature-Ma-V2 is always made with the main account's token, "
    "X-Plivo-Signature-V2 with the token of the (sub)account that owns the application",
    "signature-whitespace": "the signature header has whitespace around it: strip the header "
    "value before comparing",
    "nonce-whitespace": "the nonce header has whitespace around it: strip the header value",
    "token-whitespace": "your auth token has whitespace around it (often a newline from a "
    ".env file): strip it",
    "method": "the method differs (GET vs POST): X-Plivo-Signature-V3 covers it — check "
    "it against the method configured for this URL at Plivo",
}


@dataclass(frozen=True)
class Diagnosis:
    """The verdict on a V2 signature and, when it fails, the most likely reason.

    ``causes`` holds codes from :data:`CAUSES` (empty when valid, ``("unknown",)`` when no
    usual suspect fits, ``("missing-signature",)`` / ``("missing-nonce",)`` for absent
    headers). ``signed_url`` is the base URL the signature was made for, when found. No
    token is ever held here.
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

    def _repr_html_(self) -> str:
        from html import escape

        colour = "#1a7f37" if self.valid else "#cf222e"
        verdict = "valid" if self.valid else "invalid"
        return (
            f"<div><b style='color:{colour}'>{verdict}</b> "
            f"<span>{escape(self.message)}</span></div>"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "causes": list(self.causes),
            "message": self.message,
            "seen_url": self.seen_url,
            "signed_url": self.signed_url,
        }


def _swap_scheme(url: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(scheme="https" if parts.scheme == "http" else "http"))


#: Ports a proxy or tunnel commonly moves an app between (besides the schemes' defaults).
_COMMON_PORTS = ("80", "443", "3000", "5000", "8000", "8080", "8443")


def _port_variants(url: str) -> list[str]:
    """The URL without its explicit port and with each other common port; or, without a
    port, with the scheme's default port and each common port written out."""
    parts = urlparse(url)
    host, sep, port = parts.netloc.rpartition(":")
    if not (sep and port.isdigit()):
        host, port = parts.netloc, ""
    ports = dict.fromkeys([_DEFAULT_PORT.get(parts.scheme, ""), *_COMMON_PORTS])
    ports.pop(port, None)
    variants = [urlunparse(parts._replace(netloc=host))] if port else []
    return variants + [urlunparse(parts._replace(netloc=f"{host}:{p}")) for p in ports if p]


def _toggle_slash(url: str) -> str:
    parts = urlparse(url)
    path = parts.path[:-1] if parts.path.endswith("/") else parts.path + "/"
    return urlunparse(parts._replace(path=path))


def _url_variants(url: str, tag: Causes) -> list[tuple[str, Causes]]:
    """Every combination of scheme, port and trailing-slash changes to ``url``."""
    out: list[tuple[str, Causes]] = [(url, tag)]
    out += [(_swap_scheme(u), t + ("scheme",)) for u, t in list(out)]
    out += [(v, t + ("port",)) for u, t in list(out) for v in _port_variants(u)]
    out += [(_toggle_slash(u), t + ("trailing-slash",)) for u, t in list(out)]
    return out


def _signed_strings(uri: str, base: str, nonce: str) -> list[tuple[str, Causes]]:
    """What may have been signed: the right string, and the two classic wrong ones."""
    out: list[tuple[str, Causes]] = [(base + nonce, ())]
    without_fragment = uri.split("#", 1)[0]
    if without_fragment != base:
        out.append((without_fragment + nonce, ("query-signed",)))
    out.append((base + "/" + nonce, ("slash-before-nonce",)))
    return out


def _differences(signed: str, seen: str) -> str:
    a, b = urlparse(signed), urlparse(seen)
    named = [
        ("scheme", a.scheme, b.scheme),
        ("host", a.hostname, b.hostname),
        ("port", a.port, b.port),
        ("path", a.path, b.path),
    ]
    return ", ".join(name for name, x, y in named if x != y)


def _describe(causes: Causes, seen: str, signed: str | None) -> str:
    lines = []
    if signed and signed != seen:
        diffs = _differences(signed, seen)
        verb = "differ" if "," in diffs else "differs"
        lines.append(f"signed for {signed}; your app saw {seen} ({diffs} {verb}).")
    for cause in causes:
        lines.append(f"Cause: {CAUSES[cause]}.")
    return " ".join(lines)


def _token_variants(auth_token: str, main_auth_token: str | None) -> list[tuple[str, Causes]]:
    """The tokens a signature may have been made with: the one given, the main account's,
    and either without the whitespace around it."""
    tokens: list[tuple[str, Causes]] = [(auth_token, ())]
    if main_auth_token and main_auth_token != auth_token:
        tokens.append((main_auth_token, ("main-token",)))
    return tokens + [(t.strip(), c + ("token-whitespace",)) for t, c in tokens if t.strip() != t]


def _cost(causes: Causes) -> float:
    """Fewest differences first; "/" before the nonce signs the same string as a URL with a
    trailing slash, and the URL is the likelier culprit."""
    return len(causes) + (0.5 if "slash-before-nonce" in causes else 0)


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
    at Plivo) to test a host rewritten by a tunnel or proxy.
    """
    _key(auth_token)
    try:
        seen = base_url(uri)
    except SignatureError as exc:
        return Diagnosis(False, ("bad-url",), f"Cannot check: {exc}", str(uri))
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

    tokens = _token_variants(auth_token, main_auth_token)
    nonces: list[tuple[str, Causes]] = [(nonce, ())]
    if nonce.strip() != nonce:
        nonces.append((nonce.strip(), ("nonce-whitespace",)))
    sig = signature.strip()
    sig_causes: Causes = ("signature-whitespace",) if sig != signature else ()
    # Bytes, so that a signature that is not ASCII (a forgery, or mojibake) just never
    # matches: compare_digest refuses non-ASCII str.
    sig_bytes = sig.encode("utf-8", "surrogatepass")

    starts: list[tuple[str, Causes]] = [(uri, ())]
    if public_url:
        try:
            base_url(public_url)
            starts.append((public_url, ("public-url",)))
        except SignatureError:
            pass
    urls = [v for u, t in starts for v in _url_variants(u, t)]

    tried = 0
    best: tuple[Causes, str] | None = None
    for (url, url_causes), (token, token_causes), (n, nonce_causes) in itertools.product(
        urls, tokens, nonces
    ):
        key = token.encode("utf-8", "surrogatepass")
        base = base_url(url)
        for signed, string_causes in _signed_strings(url, base, n):
            tried += 1
            digest = _hmac_b64(key, signed.encode("utf-8", "surrogatepass")).encode("ascii")
            if hmac.compare_digest(digest, sig_bytes):
                causes = url_causes + string_causes + token_causes + nonce_causes + sig_causes
                if best is None or _cost(causes) < _cost(best[0]):
                    best = (causes, base)
    if best is not None:
        causes, signed_url = best
        if causes == ("signature-whitespace",) or not causes:
            signed_url = seen
        return Diagnosis(
            False, causes, _describe(causes, seen, signed_url), seen, signed_url, tried
        )
    return Diagnosis(
        False,
        ("unknown",),
        f"The signature does not belong to {seen} + this nonce with this auth token, and "
        "none of the usual suspects (http/https, port, trailing slash, query string, slash "
        "before the nonce, whitespace, main vs subaccount token) explains it. One of the "
        "three inputs is not what Plivo signed: the nonce (it must be this request's own "
        "X-Plivo-Signature-V2-Nonce), the auth token (of the account that owns the "
        "application), or the URL (another host or path: pass public_url=, the "
        "message_url configured at Plivo).",
        seen,
        None,
        tried,
    )


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
    _key(auth_token)
    try:
        seen = base_url(uri)
    except SignatureError as exc:
        return Diagnosis(False, ("bad-url",), f"Cannot check: {exc}", str(uri))
    if not signature or not nonce:
        missing: Cause = "missing-nonce" if signature else "missing-signature"
        header = NONCE_V3_HEADER if signature else SIGNATURE_V3_HEADER
        return Diagnosis(False, (missing,), f"No {header} header.", seen)
    method = method.upper()
    if validate_v3(method, uri, nonce, signature, auth_token, params):
        return Diagnosis(True, (), f"Valid: {method} {seen} signed with this auth token.", seen)
    tokens = _token_variants(auth_token, main_auth_token)
    starts: list[tuple[str, Causes]] = [(uri, ())]
    if public_url:
        starts.append((public_url, ("public-url",)))
    methods: list[tuple[str, Causes]] = [
        (method, ()),
        ("GET" if method == "POST" else "POST", ("method",)),
    ]
    tried = 0
    best: tuple[Causes, str] | None = None
    for (url, url_causes), (token, token_causes), (m, method_causes) in itertools.product(
        [v for u, t in starts for v in _url_variants(u, t)], tokens, methods
    ):
        tried += 1
        try:
            fits = validate_v3(m, url, nonce, signature.strip(), token, params)
        except SignatureError:
            continue
        if fits:
            causes = url_causes + method_causes + token_causes
            if best is None or _cost(causes) < _cost(best[0]):
                best = (causes, base_url(url))
    if best is not None:
        causes, signed_url = best
        return Diagnosis(
            False, causes, _describe(causes, seen, signed_url), seen, signed_url, tried
        )
    return Diagnosis(
        False,
        ("unknown",),
        f"The V3 signature does not belong to {method} {seen} with these parameters + this "
        "nonce with this auth token, and no usual suspect (http/https, port, trailing "
        "slash, GET vs POST, main vs subaccount token) explains it. V3 also covers every "
        "parameter: a proxy that added, dropped or re-encoded one breaks it; otherwise the "
        "nonce, the token or the URL is not what Plivo signed.",
        seen,
        None,
        tried,
    )
