"""One full simulated flow (a signed inbound request, the XML reply, signed delivery
reports), in-process and over HTTP.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from _common import (
    DST,
    SRC,
    TOKEN,
    Plan,
    Row,
    median_of,
    ms,
    per_call,
    us,
)

#: Issue 30's targets for one in-process flow (1 signed inbound request, the XML reply,
#: 3 signed delivery reports): this many flows a second, or at most this many times the
#: sum of the primitive operations it contains.
FLOWS_PER_SECOND = 2000
PARTS_RATIO = 8.0


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


def _in_process_flow() -> Callable[[], Any]:
    """The flow issue 30 measures: ``Simulator.receive_sms`` against a WebhookApp called
    in-process, its reply sending one SMS whose 3 delivery reports go, in-process too, to a
    callbackUrl app that checks their signatures."""
    from smsxml.simulator import Simulator
    from smsxml.webhook import WebhookApp

    sim = Simulator(TOKEN, numbers=[SRC])

    # In-process: one WSGI app routing /receive_sms/ and /sms_status/ (callbacks stay in).
    inbound_app = WebhookApp(_flow_handler("http://testserver/sms_status/"), TOKEN)

    def router(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        app = _status_app if environ.get("PATH_INFO") == "/sms_status/" else inbound_app
        return app(environ, start_response)

    texts = (f"hello {n}" for n in itertools.count())  # each flow's reply is a new document

    def in_process() -> Any:
        url = "http://testserver/receive_sms/"
        return sim.receive_sms(router, DST, SRC, next(texts), url=url)

    return in_process


def _sum_of_parts(flow: Any) -> Callable[[], object]:
    """The primitive operations ``flow`` contains, done with smsxml's public primitives
    and nothing else: each of its 4 requests (the inbound one and 3 delivery reports)
    signed (V2 and V3; the Ma- signatures are the same with one token) and validated as
    its app validates it (the WebhookApp: V2 and V3; the callbackUrl app: V2); the reply
    built and written as XML; and that XML parsed and validated once (each round's reply a
    new document, as each flow's is: none is a look-up of a document read before)."""
    import smsxml
    from smsxml.signature import sign_v2, sign_v3, validate_v2, validate_v3
    from smsxml.xml import parse

    requests = [flow.inbound] + [report.request for report in flow.reports]
    signed = [(r.method, r.url, r.nonce, dict(r.params)) for r in requests]
    callback = "http://testserver/sms_status/"
    texts = (f"Got it: hello {n}" for n in itertools.count())

    def parts() -> object:
        for number, (method, url, nonce, params) in enumerate(signed):
            v2 = sign_v2(url, nonce, TOKEN)
            v3 = sign_v3(method, url, nonce, TOKEN, params)
            assert validate_v2(url, nonce, v2, TOKEN)
            if number == 0:  # the inbound request: the WebhookApp's policy checks V3 too
                assert validate_v3(method, url, nonce, v3, TOKEN, params)
        reply = smsxml.Response().add_message(next(texts), src=SRC, dst=DST, callback_url=callback)
        return parse(reply.to_xml())

    return parts


def bench_flow_parts(plan: Plan) -> list[Row]:
    """Issue 30: in-process flows a second, and one flow against the sum of its parts,
    both timed in this run, interleaved (so that a slow spell hits them alike)."""
    in_process = _in_process_flow()
    flow = in_process()
    assert flow.ok and len(flow.reports) == 3, flow.problems
    parts = _sum_of_parts(flow)
    parts()
    # At least 9 interleaved repeats of 50 ms, quick run or not: a spell of a busy machine
    # must not decide a ratio.
    steady = replace(
        plan,
        micro_repeats=max(plan.micro_repeats, 9),
        micro_seconds=max(plan.micro_seconds, 0.05),
    )
    times = per_call({"flow": in_process, "parts": parts}, steady)
    t_flow, t_parts = times["flow"], times["parts"]
    rate, ratio = 1 / t_flow, t_flow / t_parts
    return [
        Row(
            "in-process flows a second (inbound + reply + 3 delivery reports)",
            f"{rate:,.0f} flows/s",
            f"{1 / t_parts:,.0f}/s: its parts alone",
            f"{ratio:.1f}× its parts",
            f"≥ {FLOWS_PER_SECOND:,} flows/s",
            rate >= FLOWS_PER_SECOND,
        ),
        Row(
            "one in-process flow ÷ the sum of its parts, timed in the same run (its 4 "
            "requests signed V2+V3 and validated as their apps do; the reply built, "
            "parsed and validated once)",
            ms(t_flow),
            f"{us(t_parts)}: its parts",
            f"{ratio:.1f}×",
            f"≤ {PARTS_RATIO:g}× (issue 30: this, or the flows/s above)",
            ratio <= PARTS_RATIO,
        ),
    ]


def bench_simulator(plan: Plan) -> list[Row]:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from smsxml.simulator import Simulator
    from smsxml.webhook import LocalWebhook

    sim = Simulator(TOKEN, numbers=[SRC])
    in_process = _in_process_flow()

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
    return bench_flow_parts(plan) + [
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
