"""Plivo signature checking for Flask views: the seed's Flask example, with the check enforced.

::

    from flask import Flask, request
    from smsxml import Response
    from smsxml.flask import plivo_webhook

    app = Flask(__name__)

    @app.route("/receive_sms/", methods=["GET", "POST"])
    @plivo_webhook()                     # token: argument, $PLIVO_AUTH_TOKEN, or demo
    def receive_sms():
        return Response().add_message("Thanks!", src=request.values["To"],
                                      dst=request.values["From"])

The view runs only when ``X-Plivo-Signature-V2`` (or ``-Ma-V2``) is valid for the URL the
request was made to; otherwise the answer is 403 with a short plain-text reason. A smsxml
``Response`` returned by the view is sent as ``application/xml``. The check is
:func:`smsxml.webhook.check_signature`, the same code :class:`~smsxml.webhook.WebhookApp`
uses. The result is available to the view as ``flask.g.plivo_signature``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

try:
    import flask as _flask
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        'smsxml.flask needs Flask, which is not installed: pip install "smsxml[flask]"'
    ) from exc

from ..protocol import TEXT_CONTENT_TYPE, XML_CONTENT_TYPE
from ..tokens import resolve_token
from ..webhook import check_signature, public_origin, request_url

__all__ = ["plivo_webhook"]


def _xml_response(result: Any) -> Any:
    from ..xml import Response

    if isinstance(result, Response):
        return _flask.Response(result.to_xml(), status=200, content_type=XML_CONTENT_TYPE)
    if isinstance(result, tuple) and result and isinstance(result[0], Response):
        return (_xml_response(result[0]), *result[1:])
    return result


def plivo_webhook(
    auth_token: str | None | Callable[..., Any] = None,
    *,
    main_auth_token: str | None = None,
    trust_proxy: bool = False,
    public_url: str | None = None,
) -> Any:
    """Decorate a Flask view so it runs only for requests Plivo signed.

    ``auth_token`` None: ``$PLIVO_AUTH_TOKEN`` (read at each request) or the demo token.
    ``main_auth_token`` validates ``X-Plivo-Signature-Ma-V2``. ``trust_proxy=True`` rebuilds
    the URL from X-Forwarded-Proto/-Host (only behind a proxy you run); ``public_url``, the
    message_url configured at Plivo, is checked instead of any header (behind a tunnel).
    Also usable bare, as ``@plivo_webhook``.
    """
    if callable(auth_token):  # used as @plivo_webhook without parentheses
        return plivo_webhook()(auth_token)
    if public_url is not None:
        public_origin(public_url)  # a clear error now, not at the first request

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            request = _flask.request
            token = resolve_token(auth_token)
            try:
                origin = None if public_url is None else public_origin(public_url, (request.path,))
                url = request_url(request.environ, trust_proxy, origin)
            except ValueError as exc:  # a Host that could smuggle in another path
                return _flask.Response(f"400 {exc}\n", status=400, content_type=TEXT_CONTENT_TYPE)
            check = check_signature(url, request.headers, token, main_auth_token)
            _flask.g.plivo_signature = check
            if not check.valid:
                logger = _flask.current_app.logger
                logger.warning("refused %s %s: %s", request.method, request.path, check.reason)
                if logger.isEnabledFor(logging.DEBUG):  # diagnosing costs ~250 HMACs
                    logger.debug("why: %s", check.diagnosis)
                return _flask.Response(
                    f"403 {check.reason}\n", status=403, content_type=TEXT_CONTENT_TYPE
                )
            return _xml_response(view(*args, **kwargs))

        return checked

    return decorate
