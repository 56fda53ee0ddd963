"""Where auth tokens come from, and how they are kept out of sight.

A token comes from an argument or ``PLIVO_AUTH_TOKEN``; when neither is set, a clearly
labelled demo token serves so that everything works offline.

A token is kept out of output by never being put there: reprs show :func:`mask`, a signed
request carries a signature (never the token), and nothing smsxml writes (logs, recordings,
flows, XML) is built from the token's text. Data is never rewritten to hide a token: a URL,
a text or an XML document that happens to contain the token's characters is left exactly as
it is. Only free text that comes from outside smsxml — the message of an exception your
handler raised, a traceback — passes through :func:`redact`, which hides whole occurrences
of a token of :data:`MIN_HIDDEN_LENGTH` characters or more. A shorter token still works, with
one :class:`WeakTokenWarning` (Plivo's tokens are 40 characters).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence

from .exc import WrongTypeError

__all__ = [
    "DEMO_AUTH_TOKEN",
    "ENV_VAR",
    "MASK",
    "MIN_HIDDEN_LENGTH",
    "WeakTokenWarning",
    "resolve_token",
    "resolve_tokens",
    "is_demo_token",
    "mask",
    "redact",
]

#: A fake token for offline learning. It signs nothing that Plivo would accept.
DEMO_AUTH_TOKEN = "DEMO-smsxml-token-NOT-A-REAL-SECRET-0000"
ENV_VAR = "PLIVO_AUTH_TOKEN"
MASK = "••••••••"
#: The shortest token :func:`redact` hides in free text. A shorter one ("test", "1") is a
#: word or a digit that occurs in ordinary text; hiding it there would hide the text instead.
MIN_HIDDEN_LENGTH = 8


class WeakTokenWarning(UserWarning):
    """An auth token shorter than :data:`MIN_HIDDEN_LENGTH`: it works, but it is easy to
    guess and cannot be told apart from ordinary words in an error message."""


_warned: set[int] = set()  # hashes of the short tokens already warned about, once each


def _warn_if_weak(token: str) -> None:
    if len(token) >= MIN_HIDDEN_LENGTH or hash(token) in _warned:
        return
    _warned.add(hash(token))
    warnings.warn(
        f"this auth token is {len(token)} character(s) long: it works, but it is easy to "
        f"guess, and smsxml cannot hide it in error messages (it hides tokens of "
        f"{MIN_HIDDEN_LENGTH} characters or more; Plivo's are 40)",
        WeakTokenWarning,
        stacklevel=3,
    )


def resolve_token(auth_token: str | None = None) -> str:
    """The token to use: the argument, else ``$PLIVO_AUTH_TOKEN``, else the demo token.
    A token that is not text is refused at once (``TypeError``), not at the first request;
    a short one is accepted with a :class:`WeakTokenWarning`."""
    if auth_token is not None and not isinstance(auth_token, str):
        raise WrongTypeError(
            f"an auth token is text (str), like the one in the Plivo console; got "
            f"{type(auth_token).__name__}"
        )
    token = auth_token or os.environ.get(ENV_VAR) or DEMO_AUTH_TOKEN
    _warn_if_weak(token)
    return token


def resolve_tokens(auth_tokens: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """One token or several (old and new, while you rotate them), each as
    :func:`resolve_token` takes it; the first signs, any of them validates."""
    if auth_tokens is None or isinstance(auth_tokens, str):
        return (resolve_token(auth_tokens),)
    if isinstance(auth_tokens, (bytes, bytearray)) or not isinstance(auth_tokens, Sequence):
        resolve_token(auth_tokens)  # raises the usual TypeError
    tokens = tuple(resolve_token(t) for t in auth_tokens if t)
    return tokens or (resolve_token(None),)


def is_demo_token(auth_token: str | None) -> bool:
    return auth_token == DEMO_AUTH_TOKEN


def mask(auth_token: str | None) -> str:
    """A display form of a token that reveals nothing of it."""
    if not auth_token:
        return "(none)"
    if is_demo_token(auth_token):
        return f"{MASK} (demo token)"
    return MASK


def redact(text: str, *tokens: str | None) -> str:
    """Free ``text`` from outside smsxml (an exception message, a traceback) with each whole
    occurrence of a token of :data:`MIN_HIDDEN_LENGTH` characters or more replaced by the
    mask. "Whole": not part of a longer run of letters and digits. Never use it on data."""
    for token in tokens:
        if token and len(token) >= MIN_HIDDEN_LENGTH and token in text:
            pattern = rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])"
            text = re.sub(pattern, MASK, text)
    return text
