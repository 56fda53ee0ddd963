"""A Plivo message_url webhook as a plain WSGI app, and a local server to run it.

The package: :mod:`.request` (the URL a request was made to, its signature, its form
data), :mod:`.log` (every request, once), :mod:`.app` (the WSGI app), :mod:`.limits`,
:mod:`.server` (waitress) and :mod:`.local` (:class:`LocalWebhook`, for notebooks).

:class:`WebhookApp` does what a careful ``message_url`` handler must do, so that your
handler only has to decide what to answer: it rebuilds the URL Plivo called, checks the
``X-Plivo-Signature-V2`` (or ``-Ma-V2``) signature, parses the form data into an
:class:`InboundMessage`, calls ``handler(message)``, validates the XML it returns and answers
``application/xml``. Everything else gets the right status and a short plain-text reason,
and every request is kept in :attr:`WebhookApp.log` (a :class:`RequestLog`) — with a
diagnosis when a signature fails.

With ``status_path="/sms_status/"`` the same app also receives the delivery reports Plivo
sends to a Message's ``callbackUrl``: each is signature-checked, logged, parsed into a
:class:`StatusReport`, passed to ``on_status`` (when given) and answered ``200 OK``.

In a notebook, :class:`LocalWebhook` serves it on 127.0.0.1 from a background thread::

    hook = LocalWebhook(lambda m: Response().add_message("hi", src=m.to, dst=m.from_))
    hook.url   # http://127.0.0.1:PORT/receive_sms/
    hook.log   # every request, as a table

The same app runs unchanged under any WSGI server. An auto-reply demo under gunicorn::

    gunicorn "smsxml.webhook:demo_app()"

(token from ``$PLIVO_AUTH_TOKEN``, else the demo token; add ``--bind 127.0.0.1:8000``).

Order of checks: 404 unknown path → 405 method → 403 signature (and replayed nonce) → 413
body too large → 415 not form data → 400 malformed body or missing From/To/Text → handler
(500 if it raises or returns something unusable). A delivery report at ``status_path``
goes through the same checks, needs MessageUUID and Status instead of From/To/Text, and is
answered ``200 OK`` in plain text. The signature comes before anything that
reads the body: it needs only the URL and headers, so an unsigned request is refused
before its body is read.
"""

from .app import WebhookApp, demo_app
from .limits import Refusal, ServerLimits
from .local import LocalWebhook
from .log import LogEntry, RequestLog
from .reply import Handler
from .request import (
    VERDICTS,
    SignatureCheck,
    Verdict,
    check_signature,
    parse_form,
    public_origin,
    request_url,
)

__all__ = [
    "WebhookApp",
    "Handler",
    "VERDICTS",
    "Verdict",
    "demo_app",
    "LocalWebhook",
    "ServerLimits",
    "Refusal",
    "LogEntry",
    "RequestLog",
    "SignatureCheck",
    "check_signature",
    "parse_form",
    "public_origin",
    "request_url",
]
