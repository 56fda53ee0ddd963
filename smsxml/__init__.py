"""smsxml — learn and explore how Plivo controls SMS with XML.

Build, parse and validate Message XML; compute, validate, explain and diagnose request
signatures; count SMS segments; make the signed requests Plivo makes; run a local test
webhook and an offline simulator of Plivo's side; record and replay signed requests.

``import smsxml`` is light: the plivo SDK, requests and ipywidgets are imported only when
a feature that needs them is used, and the heavier modules load on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .diagnose import Diagnosis, diagnose_v2
from .exc import SignatureError, SmsxmlError, XMLBuildError, XMLValidationError
from .signature import (
    SignatureExplanation,
    explain_v2,
    make_nonce,
    sign_v2,
    sign_v3,
    validate_v2,
    validate_v3,
)
from .tokens import DEMO_AUTH_TOKEN

__version__ = "0.1.0"

# Public name → the module that defines it, imported on first use.
_LAZY = {
    "Message": "xml",
    "Response": "xml",
    "Problem": "xml",
    "parse": "xml",
    "validate": "xml",
    "Segments": "segments",
    "segments": "segments",
    "SignedRequest": "inbound",
    "inbound_request": "inbound",
    "signed_request": "inbound",
    "Reply": "transport",
    "DeliveryError": "transport",
    "InboundMessage": "webhook",
    "WebhookApp": "webhook",
    "LocalWebhook": "webhook",
    "Simulator": "simulator",
    "Flow": "simulator",
    "replay": "replay",
}

__all__ = [
    "DEMO_AUTH_TOKEN",
    "Diagnosis",
    "SignatureError",
    "SignatureExplanation",
    "SmsxmlError",
    "XMLBuildError",
    "XMLValidationError",
    "diagnose_v2",
    "explain_v2",
    "make_nonce",
    "sign_v2",
    "sign_v3",
    "validate_v2",
    "validate_v3",
    "Message",
    "Response",
    "Problem",
    "parse",
    "validate",
    "Segments",
    "segments",
    "SignedRequest",
    "inbound_request",
    "signed_request",
    "Reply",
    "DeliveryError",
    "InboundMessage",
    "WebhookApp",
    "LocalWebhook",
    "Simulator",
    "Flow",
    "replay",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smsxml' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover
    from .inbound import SignedRequest, inbound_request, signed_request
    from .replay import replay
    from .segments import Segments, segments
    from .simulator import Flow, Simulator
    from .transport import DeliveryError, Reply
    from .webhook import InboundMessage, LocalWebhook, WebhookApp
    from .xml import Message, Problem, Response, parse, validate
