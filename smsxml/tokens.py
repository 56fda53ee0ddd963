"""Where auth tokens come from, and how they are kept out of sight.

A token comes from an argument or ``PLIVO_AUTH_TOKEN``; when neither is set, a clearly
labelled demo token serves so that everything works offline. A token is never printed:
use :func:`mask` for display and :func:`redact` to scrub text that might hold one.
"""

from __future__ import annotations

import os

__all__ = ["DEMO_AUTH_TOKEN", "ENV_VAR", "resolve_token", "is_demo_token", "mask", "redact"]

#: A fake token for offline learning. It signs nothing that Plivo would accept.
DEMO_AUTH_TOKEN = "DEMO-smsxml-token-NOT-A-REAL-SECRET-0000"
ENV_VAR = "PLIVO_AUTH_TOKEN"
MASK = "••••••••"


def resolve_token(auth_token: str | None = None) -> str:
    """The token to use: the argument, else ``$PLIVO_AUTH_TOKEN``, else the demo token.
    A token that is not text is refused at once (``TypeError``), not at the first request."""
    if auth_token is not None and not isinstance(auth_token, str):
        raise TypeError(
            f"an auth token is text (str), like the one in the Plivo console; got "
            f"{type(auth_token).__name__}"
        )
    if auth_token:
        return auth_token
    return os.environ.get(ENV_VAR) or DEMO_AUTH_TOKEN


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
    """``text`` with every occurrence of each non-empty token replaced by the mask."""
    for token in tokens:
        if token:
            text = text.replace(token, MASK)
    return text
