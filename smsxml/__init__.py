"""smsxml — learn and explore how Plivo controls SMS with XML.

Build, parse and validate Message XML; compute, validate, explain and diagnose request
signatures; count SMS units; make the signed requests Plivo makes; run a local test
webhook and an offline simulator of Plivo's side; record and replay signed requests.

``import smsxml`` is light: the plivo SDK, requests, waitress and ipywidgets are imported
only when a feature that needs them is used.
"""

from __future__ import annotations

from .diagnose import Diagnosis, diagnose_v2
from .exc import (
    DeliveryError,
    InputError,
    SignatureError,
    SmsxmlError,
    XMLBuildError,
    XMLValidationError,
)
from .flow import Flow
from .inbound import InboundMessage, SignedRequest, StatusReport, inbound_request, signed_request
from .playback import replay
from .policy import Verification, verify
from .signature import (
    SignatureExplanation,
    SignatureV3Explanation,
    explain_v2,
    explain_v3,
    make_nonce,
    sign_v2,
    sign_v3,
    validate_v2,
    validate_v3,
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
