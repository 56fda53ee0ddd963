"""Whether a request came from Plivo: every signature rule of smsxml, in one room.

- :mod:`.v2`, :mod:`.v3`: compute, validate and explain X-Plivo-Signature-V2 / -V3
  (byte-compatible with the plivo SDK); :mod:`._digest` is the one place an HMAC is computed.
- :mod:`.canonical`: which URL a signature covers, and which spellings of it are one URL.
- :mod:`.policy`: :func:`verify`, the one verdict every entry point gives (webhook, proxy,
  Flask, replay, the CLI, the explorer).
- :mod:`.nonces`: replay memory, in this process or shared through SQLite.
- :mod:`.diagnose` and :mod:`.causes`: why a signature did not match, in a sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import policy
from ._digest import base_url, make_nonce
from .nonces import MemoryNonceStore, NonceStore, SQLiteNonceStore
from .policy import Verification, verify
from .v2 import SignatureExplanation, explain_v2, sign_v2, validate_v2
from .v3 import SignatureV3Explanation, explain_v3, sign_v3, validate_v3

if TYPE_CHECKING:  # pragma: no cover
    from .diagnose import Diagnosis, diagnose_v2, diagnose_v3

__all__ = [
    "Diagnosis",
    "MemoryNonceStore",
    "NonceStore",
    "SQLiteNonceStore",
    "SignatureExplanation",
    "SignatureV3Explanation",
    "Verification",
    "base_url",
    "diagnose_v2",
    "diagnose_v3",
    "explain_v2",
    "explain_v3",
    "make_nonce",
    "sign_v2",
    "sign_v3",
    "validate_v2",
    "validate_v3",
    "verify",
]

_LAZY = {"Diagnosis", "diagnose_v2", "diagnose_v3"}  # with difflib and HTML: on first use


def __getattr__(name: str) -> Any:
    """PEP 562: :mod:`.diagnose`'s names, imported when first asked for."""
    if name in _LAZY:
        return getattr(policy.diagnosing(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
