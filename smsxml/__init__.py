"""smsxml — learn and explore how Plivo controls SMS with XML.

Build, parse and validate Message XML; compute, validate, explain and diagnose request
signatures; count SMS units; make the signed requests Plivo makes; run a local test
webhook and an offline simulator of Plivo's side; record and replay signed requests.

``import smsxml`` is light (Scientific Python SPEC 1): it loads no submodule. Each name in
:data:`__all__` is imported from its module the first time it is used (PEP 562), and
type checkers see the imports below under ``TYPE_CHECKING``. The plivo SDK, requests,
waitress and ipywidgets are imported only when a feature that needs them is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what checkers see; at run time each name comes from _WHERE, lazily
    from .exc import (
        DeliveryError,
        InputError,
        SignatureError,
        SmsxmlError,
        XMLBuildError,
        XMLValidationError,
    )
    from .flow import Flow
    from .inbound import (
        InboundMessage,
        SignedRequest,
        StatusReport,
        inbound_request,
        signed_request,
    )
    from .playback import replay
    from .signature import (
        Diagnosis,
        SignatureExplanation,
        SignatureV3Explanation,
        Verification,
        diagnose_v2,
        explain_v2,
        explain_v3,
        make_nonce,
        sign_v2,
        sign_v3,
        validate_v2,
        validate_v3,
        verify,
    )
    from .simulator import Simulator
    from .tokens import DEMO_AUTH_TOKEN
    from .transport import Reply
    from .units import Segments, segments
    from .webhook import LocalWebhook, WebhookApp
    from .xml import Message, Problem, Response, parse, validate

__version__ = "0.1.0"

__all__ = [
    "DEMO_AUTH_TOKEN",
    # errors
    "SmsxmlError",
    "InputError",
    "SignatureError",
    "XMLBuildError",
    "XMLValidationError",
    "DeliveryError",
    # Message XML
    "Message",
    "Response",
    "Problem",
    "parse",
    "validate",
    # units
    "Segments",
    "segments",
    # signatures
    "Diagnosis",
    "SignatureExplanation",
    "SignatureV3Explanation",
    "diagnose_v2",
    "explain_v2",
    "explain_v3",
    "make_nonce",
    "sign_v2",
    "sign_v3",
    "validate_v2",
    "validate_v3",
    # did Plivo send it? the one policy
    "verify",
    "Verification",
    # what Plivo sends
    "InboundMessage",
    "StatusReport",
    "SignedRequest",
    "inbound_request",
    "signed_request",
    "Reply",
    # your app's side, and Plivo's
    "WebhookApp",
    "LocalWebhook",
    "Simulator",
    "Flow",
    "replay",
]

#: module → the public names it gives (the same pairs as the TYPE_CHECKING imports above,
#: which a test checks).
_FROM: dict[str, tuple[str, ...]] = {
    ".exc": (
        "DeliveryError",
        "InputError",
        "SignatureError",
        "SmsxmlError",
        "XMLBuildError",
        "XMLValidationError",
    ),
    ".flow": ("Flow",),
    ".inbound": (
        "InboundMessage",
        "SignedRequest",
        "StatusReport",
        "inbound_request",
        "signed_request",
    ),
    ".playback": ("replay",),
    ".signature": (
        "Diagnosis",
        "SignatureExplanation",
        "SignatureV3Explanation",
        "Verification",
        "diagnose_v2",
        "explain_v2",
        "explain_v3",
        "make_nonce",
        "sign_v2",
        "sign_v3",
        "validate_v2",
        "validate_v3",
        "verify",
    ),
    ".simulator": ("Simulator",),
    ".tokens": ("DEMO_AUTH_TOKEN",),
    ".transport": ("Reply",),
    ".units": ("Segments", "segments"),
    ".webhook": ("LocalWebhook", "WebhookApp"),
    ".xml": ("Message", "Problem", "Response", "parse", "validate"),
}
_WHERE = {name: module for module, names in _FROM.items() for name in names}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use and kept here; any other name is
    a submodule (``smsxml.webhook``) or an AttributeError."""
    module = _WHERE.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # the next lookup does not come here
        return value
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module 'smsxml' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
