"""Why a signature does not validate: the causes (:data:`Cause`) and their wording
(:data:`CAUSES`), and the usual suspects :mod:`smsxml.signature.diagnose` tries — the URL, token and
nonce variants a signature may have been made over, each tagged with the causes it stands for."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlparse, urlunparse

from ..protocol import DEFAULT_PORTS

__all__ = [
    "CAUSES",
    "Cause",
    "Causes",
    "cause_cost",
    "describe_causes",
    "signed_strings",
    "token_variants",
    "url_variants",
]

_DEFAULT_PORT = {scheme: str(port) for scheme, port in DEFAULT_PORTS.items()}

#: Why a signature did not validate (see :data:`CAUSES`). Re-signing fixes none of
#: "unknown" (no usual suspect fits), "missing-*" (a header is absent), "bad-signature"
#: (not base64 of 32 bytes), "signature-altered" (a few characters changed on the way),
#: "bad-url" and "empty-token" (nothing can be checked with what was given).
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
    "bad-signature",
    "signature-altered",
    "empty-token",
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


def url_variants(url: str, tag: Causes) -> list[tuple[str, Causes]]:
    """Every combination of scheme, port and trailing-slash changes to ``url``."""
    out: list[tuple[str, Causes]] = [(url, tag)]
    out += [(_swap_scheme(u), t + ("scheme",)) for u, t in list(out)]
    out += [(v, t + ("port",)) for u, t in list(out) for v in _port_variants(u)]
    out += [(_toggle_slash(u), t + ("trailing-slash",)) for u, t in list(out)]
    return out


def signed_strings(uri: str, base: str, nonce: str) -> list[tuple[str, Causes]]:
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


def describe_causes(causes: Causes, seen: str, signed: str | None) -> str:
    lines = []
    if signed and signed != seen:
        diffs = _differences(signed, seen)
        verb = "differ" if "," in diffs else "differs"
        lines.append(f"signed for {signed}; your app saw {seen} ({diffs} {verb}).")
    for cause in causes:
        lines.append(f"Cause: {CAUSES[cause]}.")
    return " ".join(lines)


def token_variants(auth_token: str, main_auth_token: str | None) -> list[tuple[str, Causes]]:
    """The tokens a signature may have been made with: the one given, the main account's,
    and either without the whitespace around it."""
    tokens: list[tuple[str, Causes]] = [(auth_token, ())]
    if main_auth_token and main_auth_token != auth_token:
        tokens.append((main_auth_token, ("main-token",)))
    return tokens + [(t.strip(), c + ("token-whitespace",)) for t, c in tokens if t.strip() != t]


def cause_cost(causes: Causes) -> float:
    """Fewest differences first; "/" before the nonce signs the same string as a URL with a
    trailing slash, and the URL is the likelier culprit."""
    return len(causes) + (0.5 if "slash-before-nonce" in causes else 0)
