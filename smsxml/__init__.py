"""smsxml — learn and explore how Plivo controls SMS with XML.

Build, parse and validate Message XML; compute, validate, explain and diagnose request
signatures; count SMS segments; make the signed requests Plivo makes; run a local test
webhook and an offline simulator of Plivo's side; record and replay signed requests.

``import smsxml`` is light: the plivo SDK, requests and ipywidgets are imported only when
a feature that needs them is used, and the heavier modules load on first attribute access.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from .exc import SignatureError, SmsxmlError, XMLBuildError, XMLValidationError
from .tokens import DEMO_AUTH_TOKEN

__version__ = "0.1.0"

# Public name → the module that defines it, imported on first use.
_LAZY = {
    "Diagnosis": "diagnose",
    "diagnose_v2": "diagnose",
    "SignatureExplanation": "signature",
    "explain_v2": "signature",
    "make_nonce": "signature",
    "sign_v2": "signature",
    "sign_v3": "signature",
    "validate_v2": "signature",
    "validate_v3": "signature",
    "Segments": "segments",
    "segments": "segments",
    "replay": "replay",
    "Message": "xml",
    "Response": "xml",
    "Problem": "xml",
    "parse": "xml",
    "validate": "xml",
    "SignedRequest": "inbound",
    "inbound_request": "inbound",
    "signed_request": "inbound",
    "Reply": "transport",
    "DeliveryError": "transport",
    "InboundMessage": "webhook",
    "StatusReport": "webhook",
    "WebhookApp": "webhook",
    "LocalWebhook": "webhook",
    "Simulator": "simulator",
    "Flow": "simulator",
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
    "StatusReport",
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


class _Package(types.ModuleType):
    """``smsxml.segments`` and ``smsxml.replay`` are functions named like their modules.

    Importing a submodule makes the import system set it as an attribute of the package,
    which would hide the function; this keeps the function. The modules stay reachable
    with ``from smsxml.segments import …`` and in ``sys.modules``.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and name in ("segments", "replay"):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # pragma: no cover
    from .diagnose import Diagnosis, diagnose_v2
    from .inbound import SignedRequest, inbound_request, signed_request
    from .replay import replay
    from .segments import Segments, segments
    from .signature import (
        SignatureExplanation,
        explain_v2,
        make_nonce,
        sign_v2,
        sign_v3,
        validate_v2,
        validate_v3,
    )
    from .simulator import Flow, Simulator
    from .transport import DeliveryError, Reply
    from .webhook import InboundMessage, LocalWebhook, StatusReport, WebhookApp
    from .xml import Message, Problem, Response, parse, validate
