"""One full simulated flow (a signed inbound request, the XML reply, signed delivery
reports), in-process and over HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from _common import (
    DST,
    SRC,
    TOKEN,
    Plan,
    Row,
    median_of,
    ms,
)


def _status_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A callbackUrl: checks the delivery report's signature, answers 200 (or 403)."""
    from smsxml.webhook import check_signature, request_url

    headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    ok = check_signature(request_url(environ), headers, TOKEN).valid
    start_response(
        "200 OK" if ok else "403 Forbidden",
        [("Content-Type", "text/plain"), ("Content-Length", "3")],
    )
    return [b"OK\n" if ok else b"NO\n"]


def _flow_handler(callback_url: str) -> Callable[[Any], Any]:
    def handler(message: Any) -> Any:
        import smsxml

        return smsxml.Response().add_message(
            f"Got it: {message.text}",
            src=message.to,
            dst=message.from_,
            callback_url=callback_url,
        )

    return handler


def bench_simulator(plan: Plan) -> list[Row]:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from smsxml.simulator import Simulator
    from smsxml.webhook import LocalWebhook, WebhookApp

    sim = Simulator(TOKEN, numbers=[SRC])

    # In-process: one WSGI app routing /receive_sms/ and /sms_status/ (callbacks stay in).
    inbound_app = WebhookApp(_flow_handler("http://testserver/sms_status/"), TOKEN)

    def router(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        app = _status_app if environ.get("PATH_INFO") == "/sms_status/" else inbound_app
        return app(environ, start_response)

    def in_process() -> Any:
        return sim.receive_sms(router, DST, SRC, "hello", url="http://testserver/receive_sms/")

    class _Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    status_server = make_server("127.0.0.1", 0, _status_app, handler_class=_Quiet)
    threading.Thread(target=status_server.serve_forever, daemon=True).start()
    callback = f"http://127.0.0.1:{status_server.server_port}/sms_status/"
    try:
        with LocalWebhook(_flow_handler(callback), TOKEN) as hook:

            def over_http() -> Any:
                return sim.receive_sms(hook, DST, SRC, "hello")

            for run in (in_process, over_http):
                flow = run()
                statuses = [(r.status, r.response_status) for r in flow.reports]
                assert flow.ok and statuses == [
                    ("queued", 200),
                    ("sent", 200),
                    ("delivered", 200),
                ], (flow.problems, statuses)
            t_in = median_of(in_process, plan.flows)
            t_http = median_of(over_http, plan.flows)
    finally:
        status_server.shutdown()
        status_server.server_close()
    return [
        Row(
            "simulated flow, in-process WSGI (inbound + reply + 3 delivery reports)",
            ms(t_in),
            "— (no peer)",
        ),
        Row(
            "simulated flow over HTTP (LocalWebhook + a callbackUrl server)",
            ms(t_http),
            "— (no peer)",
            f"{t_http / t_in:.1f}× in-process",
        ),
    ]
