"""The one place examples come from: demo phone numbers, URLs and ports.

Every default a learner meets — the number that texts you, your Plivo number, the example
message_url — is written here once and imported everywhere else, so that notebooks, widgets,
the CLI, the simulator and the docs tell one story. (Plivo's wire facts, such as the default
rate, live in :mod:`smsxml.protocol`; the demo token in :mod:`smsxml.tokens`.)
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DEMO_PHONE",
    "DEMO_NUMBER",
    "DEMO_URL",
    "DEMO_STATUS_URL",
    "DEMO_LOCAL_PORT",
    "IN_PROCESS_FIRST_PORT",
]

#: The phone that texts your number (a US number reserved for fiction-like examples).
DEMO_PHONE: Final = "14155550100"
#: Your Plivo number: the one the phone texts, and the src of your replies.
DEMO_NUMBER: Final = "12025550000"
#: The message_url of the examples (example.com is reserved for documentation, RFC 2606).
DEMO_URL: Final = "https://example.com/receive_sms/"
#: The callbackUrl for delivery reports in the examples.
DEMO_STATUS_URL: Final = "https://example.com/sms_status/"
#: Where the examples say a local app listens (``smsxml serve`` and friends).
DEMO_LOCAL_PORT: Final = 5000
#: The first port an in-process LocalWebhook names (no socket is opened there).
IN_PROCESS_FIRST_PORT: Final = 8000
