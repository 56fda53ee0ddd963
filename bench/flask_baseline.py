"""The seed's Flask message_url, doing the same work as the smsxml webhook (the baseline).

It is the Flask example from Plivo's documentation (``shared/seed/plivo-sms-xml.txt``),
completed the way a careful app would: check ``X-Plivo-Signature-V2`` with
``plivo.utils.validate_signature`` (403 when it does not match), read From/To/Text, and
answer an auto-reply built with the SDK's ``plivoxml`` as ``application/xml`` — what
``smsxml.LocalWebhook`` does with an auto-reply handler. The seed's ``print`` calls are
left out: the smsxml server does not write to the terminal either.

Run it alone with ``python bench/flask_baseline.py [PORT]`` (127.0.0.1; the token comes
from ``$PLIVO_AUTH_TOKEN`` or is smsxml's demo token). ``bench/run.py`` imports
:func:`create_app` and :func:`make_threaded_server`.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["REPLY_PREFIX", "create_app", "make_threaded_server"]

#: The auto-reply both servers send: this prefix, then the inbound text.
REPLY_PREFIX = "Thanks! You said: "


def create_app(auth_token: str) -> Any:
    """The seed's Flask app with a signature check and a plivoxml reply."""
    import plivo.utils
    from flask import Flask, Response, request, url_for
    from plivo import plivoxml

    app = Flask(__name__)

    @app.route("/receive_sms/", methods=["GET", "POST"])
    def signature() -> Any:
        signature = request.headers.get("X-Plivo-Signature-V2")
        nonce = request.headers.get("X-Plivo-Signature-V2-Nonce")
        uri = url_for("signature", _external=True)
        if (
            not signature
            or not nonce
            or not plivo.utils.validate_signature(uri, nonce, signature, auth_token)
        ):
            return Response("invalid signature\n", status=403, mimetype="text/plain")

        from_number = request.values.get("From")
        to_number = request.values.get("To")
        text = request.values.get("Text")
        if not from_number or not to_number or text is None:
            return Response("missing From, To or Text\n", status=400, mimetype="text/plain")

        response = plivoxml.ResponseElement()
        response.add(
            plivoxml.MessageElement(
                (REPLY_PREFIX + text)[:1600], src=to_number, dst=from_number, type="sms"
            )
        )
        return Response(response.to_string(), mimetype="application/xml")

    return app


def make_threaded_server(app: Any, port: int = 0, host: str = "127.0.0.1") -> Any:
    """werkzeug's threaded development server for ``app``, without its per-request log
    line on stderr (the smsxml server writes none either)."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class _QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    return make_server(host, port, app, threaded=True, request_handler=_QuietHandler)


def main(argv: list[str] | None = None) -> int:
    from smsxml.tokens import resolve_token

    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 5000
    server = make_threaded_server(create_app(resolve_token(None)), port)
    print(f"Flask baseline on http://127.0.0.1:{server.server_port}/receive_sms/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
