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

The view runs only when :func:`smsxml.verify` — the one policy WebhookApp, the proxy
and the CLI share — accepts the request: V3 when present (over the method, the URL and the
body Flask received), else V2; a nonce reused for another request refused. Otherwise the
answer is 403 (405 for a method Plivo never uses) with a short plain-text reason. A smsxml
``Response`` returned by the view is sent as ``application/xml``. The
:class:`~smsxml.Verification` is available to the view as ``flask.g.plivo_signature``.
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

from collections.abc import Sequence
from typing import Literal

from ..protocol import TEXT_CONTENT_TYPE, XML_CONTENT_TYPE
from ..signature.nonces import MemoryNonceStore, NonceStore
from ..signature.policy import verify
from ..tokens import resolve_tokens
from ..webhook import public_origin, request_url
from ..xml import Response

__all__ = ["plivo_webhook"]


def _xml_response(result: Any) -> Any:
    if isinstance(result, Response):
        return _flask.Response(result.to_xml(), status=200, content_type=XML_CONTENT_TYPE)
    if isinstance(result, tuple) and result and isinstance(result[0], Response):
        return (_xml_response(result[0]), *result[1:])
    return result


def plivo_webhook(
    auth_token: str | Sequence[str] | None | Callable[..., Any] = None,
    *,
    main_auth_token: str | Sequence[str] | None = None,
    trust_proxy: bool = False,
    public_url: str | None = None,
    signature_versions: Sequence[str] = ("V2", "V3"),
    v3_mismatch: Literal["refuse", "warn"] = "refuse",
    reject_replayed_nonces: bool = True,
    nonce_store: NonceStore | None = None,
) -> Any:
    """Decorate a Flask view so it runs only for requests Plivo signed.

    ``auth_token`` None: ``$PLIVO_AUTH_TOKEN`` (read at each request) or the demo token;
    several tokens while you rotate them. ``main_auth_token`` validates the ``-Ma-``
    signatures. ``signature_versions``, ``v3_mismatch``, ``reject_replayed_nonces`` and
    ``nonce_store`` mean what they mean for :class:`~smsxml.webhook.WebhookApp`.
    ``trust_proxy=True`` rebuilds the URL from X-Forwarded-Proto/-Host (only behind a proxy
    you run); ``public_url``, the message_url configured at Plivo, is checked instead of any
    header (behind a tunnel).
    Also usable bare, as ``@plivo_webhook``.
    """
    if callable(auth_token):  # used as @plivo_webhook without parentheses
        return plivo_webhook()(auth_token)
    if public_url is not None:
        public_origin(public_url)  # a clear error now, not at the first request
    nonces = (
        (nonce_store if nonce_store is not None else MemoryNonceStore())
        if reject_replayed_nonces
        else None
    )

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            request = _flask.request
            tokens = resolve_tokens(auth_token)
            try:
                origin = None if public_url is None else public_origin(public_url, (request.path,))
                url = request_url(request.environ, trust_proxy, origin)
            except ValueError as exc:  # a Host that could smuggle in another path
                return _flask.Response(f"400 {exc}\n", status=400, content_type=TEXT_CONTENT_TYPE)
            # the body exactly as received (cached by Flask, so the view can still read it)
            body = request.get_data(cache=True) if request.method == "POST" else b""
            result = verify(
                request.method, url, request.headers.items(), body, auth_token=tokens,
                main_auth_token=main_auth_token, versions=signature_versions,
                v3_mismatch=v3_mismatch, nonces=nonces,
            )  # fmt: skip
            _flask.g.plivo_signature = result
            logger = _flask.current_app.logger
            if result.notes:
                logger.warning("%s %s: %s", request.method, request.path, "; ".join(result.notes))
            if not result.accepted:
                logger.warning("refused %s %s: %s", request.method, request.path, result.reason)
                if logger.isEnabledFor(logging.DEBUG):  # diagnosing costs ~250 HMACs
                    logger.debug("why: %s", result.diagnosis)
                headers = {"Allow": "GET, POST"} if result.status == 405 else {}
                return _flask.Response(
                    f"{result.status} {result.reason}\n",
                    status=result.status,
                    content_type=TEXT_CONTENT_TYPE,
                    headers=headers,
                )
            return _xml_response(view(*args, **kwargs))

        return checked

    return decorate
