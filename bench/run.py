#!/usr/bin/env python3
"""smsxml against its peers, measured in one run: a markdown table of medians and ratios.

    python bench/run.py            # the full run (a few minutes)
    python bench/run.py --quick    # a short run (CI; well under a minute)

Rows (issue #6): ``import smsxml`` vs ``import plivo`` in fresh interpreters; building a
Message response vs the SDK's plivoxml; validating a V2 signature vs the SDK and vs the
bare-hmac floor; parse + validate of a typical document; a signed webhook round trip on
127.0.0.1 (``LocalWebhook`` vs the seed's Flask app on werkzeug's threaded server, each in
its own subprocess, driven by the same 8 keep-alive ``http.client`` threads); one full
simulated flow with delivery reports, in-process and over HTTP; hostile documents (entity
bombs, external entities, megabyte attributes, deep nesting, 10 MiB; the same ones the tests
use, from tests/strategies.py) through ``validate``, the webhook and the simulator; and
``LocalWebhook.stop()`` with clients that keep their connections open. The time limits
these last rows check were once unit-test assertions; the tests now check that the work
is bounded, and the speed is measured here.

Every figure is a median over repeats. A row whose target is missed says MISSED; the
script still exits 0 (it measures, it does not gate). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import timeit
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TESTS = ROOT / "tests"  # strategies.py: the hostile documents the tests use
for _p in (str(ROOT), str(BENCH), str(TESTS)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

#: A token for this benchmark only (never a real one).
TOKEN = "MAbenchTOKEN-not-a-real-token-7f3a"
SRC, DST = "12025550000", "14155550100"
URL = "https://example.com/receive_sms/"
NONCE = "05429567804466091622"
CLIENT_THREADS = 8


# --- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How hard to measure: ``--quick`` or the full run."""

    quick: bool
    import_repeats: int
    micro_repeats: int
    micro_seconds: float  # time per repeat of a micro-benchmark
    webhook_requests: int  # per round, all client threads together
    webhook_rounds: int
    flows: int

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(True, 8, 5, 0.02, 800, 1, 15)
        return cls(False, 40, 15, 0.1, 4000, 5, 150)


def _calibrate(timer: timeit.Timer, seconds: float) -> int:
    """How many calls take about ``seconds`` (like ``Timer.autorange``, to a chosen time)."""
    number = 1
    while True:
        spent = timer.timeit(number)
        if spent >= seconds / 5:
            return max(1, int(number * seconds / spent))
        number *= 10 if spent < seconds / 500 else 2


def per_call(funcs: dict[str, Callable[[], object]], plan: Plan) -> dict[str, float]:
    """Median seconds per call of each function. Repeats are interleaved (a, b, c, a, b, c…)
    so that a slow spell of the machine hits every contender alike."""
    timers = {k: timeit.Timer(f) for k, f in funcs.items()}
    numbers = {k: _calibrate(t, plan.micro_seconds) for k, t in timers.items()}
    samples: dict[str, list[float]] = {k: [] for k in funcs}
    for _ in range(plan.micro_repeats):
        for k, t in timers.items():
            samples[k].append(t.timeit(numbers[k]) / numbers[k])
    return {k: statistics.median(v) for k, v in samples.items()}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass
class Row:
    """One line of the table. ``better``: "lower" (times) or "higher" (throughput)."""

    measure: str
    ours: str
    peer: str = "—"
    ratio: str = "—"
    target: str = "—"
    met: bool | None = None

    @property
    def status(self) -> str:
        return "—" if self.met is None else ("ok" if self.met else "**MISSED**")


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs" if seconds < 1e-5 else f"{seconds * 1e6:.1f} µs"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


# --- machine ---------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return [
        f"platform: {platform.platform()}",
        f"CPU: {cpu}",
        f"cores: {os.cpu_count()}",
        f"Python: {platform.python_implementation()} {platform.python_version()}",
        f"plivo: {version('plivo')}; flask {version('flask')}; werkzeug {version('werkzeug')}; "
        f"smsxml {version('smsxml')}",
    ]


# --- 1. import time --------------------------------------------------------------------------


def bench_import(plan: Plan) -> list[Row]:
    """Wall time of a fresh interpreter doing the import, minus one doing nothing. Bytecode
    is cached as for any installed package (pip compiles plivo's at install time; the
    warm-up round writes smsxml's), whatever PYTHONDONTWRITEBYTECODE says here."""
    codes = {
        "empty": "pass",
        "smsxml": "import smsxml",
        "plivo": "import plivo",
        "pytest": "import pytest",
        "plugin": "import pytest, smsxml.integrations.pytest_plugin",
    }
    times: dict[str, list[float]] = {k: [] for k in codes}
    unset = ("PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    for _ in range(plan.import_repeats + 1):
        for name, code in codes.items():  # interleaved, so drift hits all three alike
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
            times[name].append(time.perf_counter() - started)
    med = {k: statistics.median(v[1:]) for k, v in times.items()}  # first round: warm-up
    ours, peer = med["smsxml"] - med["empty"], med["plivo"] - med["empty"]
    ratio = ours / peer
    plugin = med["plugin"] - med["pytest"]
    return [
        Row(
            f"`import` (fresh interpreter, minus `python -c pass` = {ms(med['empty'])})",
            ms(ours),
            f"{ms(peer)} (`import plivo`)",
            f"{ratio:.3f}×",
            "≤ 1/3 of plivo",
            ratio <= 1 / 3,
        ),
        Row(
            "the pytest plugin, loaded in every project with smsxml (minus `import pytest`)",
            ms(plugin),
            f"{ms(med['pytest'] - med['empty'])} (`import pytest`)",
            f"{plugin / (med['pytest'] - med['empty']):.3f}×",
            "≤ 15 ms",
            plugin <= 0.015,
        ),
    ]


# --- 2. building ----------------------------------------------------------------------------

_KW = dict(
    src=SRC,
    dst=DST,
    type="sms",
    callback_url="https://example.com/sms_status/",
    callback_method="POST",
)
_TEXT = "Thanks! We got your message & we'll reply soon <3"


def build_ours() -> str:
    import smsxml

    return smsxml.Response().add_message(_TEXT, **_KW).to_xml()


def build_sdk() -> str:
    from plivo import plivoxml

    return plivoxml.ResponseElement().add(plivoxml.MessageElement(_TEXT, **_KW)).to_string()


def bench_build(plan: Plan) -> tuple[list[Row], float]:
    assert build_ours() == build_sdk(), "the builders disagree: not the same work"
    t = per_call({"ours": build_ours, "sdk": build_sdk}, plan)
    ours, peer = t["ours"], t["sdk"]
    row = Row(
        "build + serialize a Message response",
        us(ours),
        f"{us(peer)} (plivoxml)",
        f"{ours / peer:.2f}×",
        "≤ 1× (at least as fast)",
        ours <= peer,
    )
    return [row], ours


# --- 3. signatures ---------------------------------------------------------------------------


def floor_validate(uri: str, nonce: str, signature: str, token: str) -> bool:
    """The least work a V2 check can do: urlparse, HMAC-SHA256, base64, compare_digest."""
    p = urlparse(uri)
    base = urlunparse((p.scheme, p.netloc, p.path, "", "", ""))
    digest = hmac.new(token.encode(), (base + nonce).encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.encode())


def bench_signature(plan: Plan) -> list[Row]:
    import plivo.utils

    import smsxml

    url = URL + "?query=dropped"
    sig = smsxml.sign_v2(url, NONCE, TOKEN)
    funcs = {
        "ours": lambda: smsxml.validate_v2(url, NONCE, sig, TOKEN),
        "sdk": lambda: plivo.utils.validate_signature(url, NONCE, sig, TOKEN),
        "floor": lambda: floor_validate(url, NONCE, sig, TOKEN),
    }
    assert all(f() is True for f in funcs.values()), "a validator disagrees"
    t = per_call(funcs, plan)
    return [
        Row(
            "validate a V2 signature vs the bare floor (hmac+base64+compare_digest)",
            us(t["ours"]),
            f"{us(t['floor'])} (floor)",
            f"{t['ours'] / t['floor']:.2f}×",
            "≤ 1.5× floor",
            t["ours"] <= 1.5 * t["floor"],
        ),
        Row(
            "validate a V2 signature vs the SDK",
            us(t["ours"]),
            f"{us(t['sdk'])} (`plivo.utils.validate_signature`)",
            f"{t['sdk'] / t['ours']:.2f}× faster",
            "≥ 3× faster than the SDK",
            t["sdk"] >= 3 * t["ours"],
        ),
    ]


# --- 4. parse + validate ----------------------------------------------------------------------


def bench_parse(plan: Plan, build_time: float) -> list[Row]:
    import smsxml

    doc = build_ours()
    assert smsxml.validate(doc) == [] and smsxml.parse(doc).to_xml() == doc
    t = per_call(
        {"parse": lambda: smsxml.parse(doc), "validate": lambda: smsxml.validate(doc)}, plan
    )
    t_parse, t_validate = t["parse"], t["validate"]
    return [
        Row(
            "`smsxml.parse` a typical response (validates it too)",
            us(t_parse),
            "— (no peer)",
            f"{t_parse / build_time:.1f}× build",
            "< 50 µs",
            t_parse < 50e-6,
        ),
        Row(
            "`smsxml.validate` a typical response",
            us(t_validate),
            "— (no peer)",
            f"{t_validate / build_time:.1f}× build",
            "< 50 µs",
            t_validate < 50e-6,
        ),
    ]


# --- 5. webhook round trip -------------------------------------------------------------------


def _echo(message: Any) -> Any:
    """The auto-reply: the same message the Flask baseline answers."""
    from flask_baseline import REPLY_PREFIX

    import smsxml

    return smsxml.Response().add_message(
        (REPLY_PREFIX + message.text)[:1600], src=message.to, dst=message.from_
    )


def serve(kind: str) -> int:
    """Subprocess mode: serve ``kind`` on 127.0.0.1, print the port, then answer commands
    on stdin: ``stats`` → JSON (process CPU seconds, requests logged); ``stop``/EOF → exit."""
    if kind == "smsxml":
        from smsxml.webhook import LocalWebhook

        hook = LocalWebhook(_echo, TOKEN)
        port, stop = hook.port, hook.stop

        def logged() -> int:
            return hook.log.total
    elif kind == "floor":
        server = _floor_server()
        port = server.server_port
        threading.Thread(target=server.serve_forever, daemon=True).start()

        def stop() -> None:
            server.shutdown()
            server.server_close()

        def logged() -> int:
            return -1
    else:
        import threading as _threading

        from flask_baseline import create_app, make_threaded_server

        server = make_threaded_server(create_app(TOKEN))
        port = server.server_port
        thread = _threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()

        def logged() -> int:
            return -1

    print(f"PORT {port}", flush=True)
    for line in sys.stdin:
        if line.strip() == "stats":
            print(json.dumps({"cpu": time.process_time(), "logged": logged()}), flush=True)
        else:
            break
    stop()
    return 0


def _floor_server() -> Any:
    """The floor: the standard library's threaded HTTP/1.1 server answering a fixed XML
    reply, checking nothing. No Python webhook can do less per request."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    reply = (
        b'<Response><Message src="12025550000" dst="14155550100" type="sms">ok</Message></Response>'
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # one write per response (flushed by the handler), like the others
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

    return Server(("127.0.0.1", 0), Handler)


class _Server:
    """A server subprocess started with ``run.py --serve KIND``."""

    def __init__(self, kind: str):
        self.kind = kind
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("PORT "):
            self.close()
            raise RuntimeError(f"the {kind} server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}/receive_sms/"

    def stats(self) -> dict[str, float]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.write("stop\n")
                self.proc.stdin.close()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> _Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class _Prepared:
    path: str
    body: bytes
    headers: dict[str, str]


def presign(url: str, count: int, salt: str) -> list[_Prepared]:
    """``count`` signed inbound requests to ``url``, each with its own nonce (signed now,
    before any timing, so the client's work is the same for both servers)."""
    from smsxml.inbound import inbound_request

    path = urlparse(url).path
    prepared = []
    for i in range(count):
        req = inbound_request(
            url,
            TOKEN,
            from_=DST,
            to=SRC,
            text=f"hello {salt} {i}",
            nonce=f"{i:010d}{abs(hash(salt)) % 10**10:010d}",
        )
        headers = dict(req.headers)
        headers["Content-Length"] = str(len(req.body))
        prepared.append(_Prepared(path, req.body, headers))
    return prepared


def drive(
    port: int, requests: list[_Prepared], threads: int = CLIENT_THREADS, timeout: float = 10.0
) -> dict[str, Any]:
    """Send ``requests`` from ``threads`` threads, each over its own keep-alive
    ``http.client`` connection (reconnected by http.client when a server closes it)."""
    chunks = [requests[i::threads] for i in range(threads)]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures: list[str] = []
    start_line = threading.Barrier(threads + 1)

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        mine = latencies[n]
        start_line.wait()
        for r in chunks[n]:
            t0 = time.perf_counter()
            try:
                conn.request("POST", r.path, r.body, r.headers)
                resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                continue
            mine.append(time.perf_counter() - t0)
            if resp.status != 200 or b"<Message" not in body:
                failures.append(f"{resp.status}: {body[:80]!r}")
        conn.close()

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    start_line.wait()
    t0 = time.perf_counter()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    flat = [x for part in latencies for x in part]
    return {"wall": wall, "latencies": flat, "failures": failures, "count": len(requests)}


def bench_webhook(plan: Plan) -> list[Row]:
    results: dict[str, dict[str, list[float]]] = {}
    failures: dict[str, list[str]] = {"smsxml": [], "flask": [], "floor": []}
    with _Server("smsxml") as ours, _Server("flask") as flask, _Server("floor") as floor:
        servers = {"smsxml": ours, "flask": flask, "floor": floor}
        for kind, server in servers.items():  # warm-up: imports, caches, first connections
            drive(server.port, presign(server.url, 200, f"warm-{kind}"))
            results[kind] = {"rps": [], "lat": [], "cpu": []}
        for rnd in range(plan.webhook_rounds):
            order = list(servers.items()) if rnd % 2 == 0 else list(servers.items())[::-1]
            for kind, server in order:
                batch = presign(server.url, plan.webhook_requests, f"{kind}-{rnd}")
                before = server.stats()
                out = drive(server.port, batch)
                after = server.stats()
                results[kind]["rps"].append(out["count"] / out["wall"])
                results[kind]["lat"] += out["latencies"]
                results[kind]["cpu"].append((after["cpu"] - before["cpu"]) / out["count"])
                failures[kind] += out["failures"]
    s, f, b = results["smsxml"], results["flask"], results["floor"]
    rps_s, rps_f = statistics.median(s["rps"]), statistics.median(f["rps"])
    rps_b = statistics.median(b["rps"])
    rows = [
        Row(
            f"webhook round trip, {CLIENT_THREADS} clients: throughput (signatures checked; "
            "WebhookApp on waitress)",
            f"{rps_s:,.0f} req/s",
            f"{rps_f:,.0f} req/s (Flask + werkzeug threaded)",
            f"{rps_s / rps_f:.2f}×",
            "≥ 1.5× Flask",
            rps_s >= 1.5 * rps_f and not failures["smsxml"],
        ),
        Row(
            "webhook round trip: throughput vs the floor (stdlib http.server, fixed reply, "
            "no checks)",
            f"{rps_s:,.0f} req/s",
            f"{rps_b:,.0f} req/s",
            f"{rps_s / rps_b:.2f}×",
        ),
    ]
    for q in (50, 99):
        a, b = percentile(s["lat"], q), percentile(f["lat"], q)
        rows.append(Row(f"webhook round trip: p{q} latency", ms(a), ms(b), f"{a / b:.2f}×"))
    slow_s, slow_f = (sum(x > 0.5 for x in r["lat"]) for r in (s, f))
    rows.append(
        Row(
            "webhook round trip: slowest request (requests over 0.5 s)",
            f"{ms(max(s['lat']))} ({slow_s})",
            f"{ms(max(f['lat']))} ({slow_f})",
        )
    )
    cpu_s, cpu_f = statistics.median(s["cpu"]), statistics.median(f["cpu"])
    rows.append(
        Row(
            "webhook: server CPU per request (user+sys, server process)",
            us(cpu_s),
            us(cpu_f),
            f"{cpu_s / cpu_f:.2f}×",
        )
    )
    for kind, errs in failures.items():
        if errs:
            rows.append(Row(f"webhook errors ({kind})", f"{len(errs)}: {errs[0][:60]}", met=False))
    return rows


def bench_forgery(plan: Plan) -> list[Row]:
    """What a forger costs the app (WebhookApp called as WSGI, in-process): a forged request
    against a signed one. The diagnosis is worked out only when someone reads it."""
    import io

    from smsxml.signature import sign_v2
    from smsxml.webhook import WebhookApp

    app = WebhookApp(_echo, TOKEN, log_size=100)
    body = b"From=14155550100&To=12025550000&Text=hello"
    counter = iter(range(10**9))

    def call(forged: bool) -> Callable[[], object]:
        def once() -> object:
            nonce = f"{next(counter):020d}"
            signature = sign_v2(URL, nonce, "not-the-token" if forged else TOKEN)
            environ = {
                "REQUEST_METHOD": "POST",
                "wsgi.url_scheme": "https",
                "HTTP_HOST": "example.com",
                "PATH_INFO": "/receive_sms/",
                "CONTENT_TYPE": "application/x-www-form-urlencoded",
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
                "HTTP_X_PLIVO_SIGNATURE_V2": signature,
                "HTTP_X_PLIVO_SIGNATURE_V2_NONCE": nonce,
            }
            return app(environ, lambda status, headers: None)

        return once

    times = per_call({"signed": call(False), "forged": call(True)}, plan)
    ratio = times["forged"] / times["signed"]
    entry = app.log.last
    forged = entry.signature.decided_by  # type: ignore[union-attr]  # the V2 check that failed
    diagnose = per_call({"d": lambda: forged._diagnose()}, plan)["d"]  # type: ignore
    return [
        Row(
            "webhook app in-process: a forged request vs a signed one (server CPU a forger costs)",
            us(times["forged"]),
            us(times["signed"]),
            f"{ratio:.2f}×",
            "≤ 1.5×",
            ratio <= 1.5,
        ),
        Row(
            "webhook app: diagnosing one forged request (when its log entry is read)",
            us(diagnose),
            "—",
            f"{diagnose / times['forged']:.1f}× a forged request (saved)",
        ),
    ]


# --- 6. simulated flows ----------------------------------------------------------------------


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
            t_in = _median_of(in_process, plan.flows)
            t_http = _median_of(over_http, plan.flows)
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


def _median_of(fn: Callable[[], object], count: int) -> float:
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# --- 7. hostile documents -------------------------------------------------------------------


def _slowest(funcs: dict[str, Callable[[], object]], repeats: int) -> tuple[str, float]:
    """(name, median seconds) of the slowest of ``funcs``, each timed ``repeats`` times,
    interleaved."""
    samples: dict[str, list[float]] = {k: [] for k in funcs}
    for _ in range(repeats):
        for k, f in funcs.items():
            t0 = time.perf_counter()
            f()
            samples[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in samples.items()}
    name = max(med, key=med.__getitem__)
    return name, med[name]


def _hostile() -> dict[str, tuple[str, str]]:
    """name → (document, expected code): nothing at these URLs is ever read or fetched."""
    from strategies import hostile_documents

    return hostile_documents((BENCH / "no-such-secret.txt").as_uri(), "http://127.0.0.1:9")


def bench_hostile(plan: Plan) -> list[Row]:
    """``validate`` on each hostile document (the slowest one counts) against the largest
    honest document smsxml reads (just under its 2 MiB cap)."""
    import smsxml
    from smsxml.xml import MAX_DOCUMENT_BYTES

    docs = _hostile()
    for name, (doc, code) in docs.items():
        assert smsxml.validate(doc)[0].code == code, name
    unit = f'<Message src="{SRC}" dst="{DST}">Hello there, this is message text</Message>\n'
    big = "<Response>\n" + unit * ((MAX_DOCUMENT_BYTES - 100) // len(unit)) + "</Response>"
    assert smsxml.validate(big) == []
    repeats = max(3, plan.micro_repeats // 2)
    worst, t_worst = _slowest(
        {k: lambda d=d: smsxml.validate(d) for k, (d, _) in docs.items()}, repeats
    )
    t_big = {
        k: _median_of(f, repeats)
        for k, f in {
            "validate": lambda: smsxml.validate(big),
            "parse": lambda: smsxml.parse(big),
        }.items()
    }
    return [
        Row(
            f"`smsxml.validate` / `parse` a document just under the 2 MiB cap "
            f"({len(big) // len(unit):,} messages)",
            f"{ms(t_big['validate'])} / {ms(t_big['parse'])}",
            "— (no peer)",
            "—",
            "< 1 s each",
            max(t_big.values()) < 1.0,
        ),
        Row(
            f"`smsxml.validate` a hostile document, slowest of {len(docs)} kinds ({worst})",
            ms(t_worst),
            f"{ms(t_big['validate'])} (the 2 MiB honest document)",
            f"{t_worst / t_big['validate']:.2f}×",
            "< 1 s",
            t_worst < 1.0,
        ),
    ]


def _proxy_peak(upstream_answer: bytes, request: bytes, body_mb: int) -> tuple[bytes, float]:
    """Peak Python memory (MB) while a Proxy handles ``request`` (+ ``body_mb`` MB streamed)
    with an upstream that answers ``upstream_answer`` then 50 MB if it says so."""
    import socket
    import threading
    import tracemalloc

    from smsxml.proxy import Proxy

    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with listener:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                try:
                    conn.sendall(upstream_answer)
                    for _ in range(50 if b"52428800" in upstream_answer else 0):
                        conn.sendall(b"y" * (1 << 20))
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    with Proxy(f"http://127.0.0.1:{listener.getsockname()[1]}") as proxy:
        tracemalloc.start()
        try:
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
                sock.sendall(request)
                try:
                    for _ in range(body_mb):
                        sock.sendall(b"x" * (1 << 20))
                except OSError:  # refused and closed while we were still sending
                    pass
                answer = sock.recv(200)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    listener.close()
    return answer, peak / (1 << 20)


def bench_proxy_memory(plan: Plan) -> list[Row]:
    """The proxy's peak memory with a 100 MB request body and a 50 MB answer (both refused,
    each naming its limit), against the sizes it was sent."""
    head = "POST /receive_sms/ HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n"
    body_answer, body_peak = _proxy_peak(b"", head.format(100 << 20).encode(), 100)
    assert body_answer.startswith(b"HTTP/1.1 413"), body_answer
    get = b"GET /receive_sms/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer_head = b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n"
    big_answer, answer_peak = _proxy_peak(answer_head, get, 0)
    assert big_answer.startswith(b"HTTP/1.1 502"), big_answer
    return [
        Row(
            "proxy peak memory: a 100 MB body (413) / a 50 MB answer (502)",
            f"{body_peak:.1f} MB / {answer_peak:.1f} MB",
            "100 MB / 50 MB sent",
            f"{body_peak / 100:.3f}× / {answer_peak / 50:.3f}×",
            "< 8 MB each",
            max(body_peak, answer_peak) < 8,
        )
    ]


def bench_hostile_replies(plan: Plan) -> list[Row]:
    """A handler returning each hostile document: the signed round trip through a
    LocalWebhook (which validates and logs the reply), and one simulated flow in-process
    (Plivo's side reads the reply and sends nothing), against an ordinary reply."""
    from smsxml.inbound import inbound_request
    from smsxml.simulator import Simulator
    from smsxml.webhook import LocalWebhook, WebhookApp

    docs = _hostile()
    ordinary = build_ours()

    def reply(message: Any) -> str:
        return docs[message.text][0] if message.text in docs else ordinary

    repeats = max(3, plan.micro_repeats // 2)
    rows = []
    with LocalWebhook(reply, TOKEN, log_size=10) as hook:

        def round_trip(text: str) -> Callable[[], object]:
            def once() -> object:
                answer = inbound_request(hook.url, TOKEN, from_=DST, to=SRC, text=text).send(
                    timeout=30
                )
                assert answer.status == 200, (text, answer.status)
                return answer

            return once

        worst, t_worst = _slowest({k: round_trip(k) for k in docs}, repeats)
        t_plain = _median_of(round_trip("hello"), repeats * 3)
    rows.append(
        Row(
            f"hostile reply through LocalWebhook (validated, logged, sent): slowest "
            f"round trip of {len(docs)} kinds ({worst})",
            ms(t_worst),
            f"{ms(t_plain)} (an ordinary reply)",
            f"{t_worst / t_plain:.0f}×",
            "< 3 s",
            t_worst < 3.0,
        )
    )

    app = WebhookApp(reply, TOKEN, log_size=10)
    sim = Simulator(TOKEN, numbers=[SRC], seed=1)

    def flow(text: str) -> Callable[[], object]:
        def once() -> object:
            result = sim.receive_sms(app, DST, SRC, text)
            assert result.ok == (text not in docs), text
            return result

        return once

    worst, t_worst = _slowest({k: flow(k) for k in docs}, repeats)
    t_plain = _median_of(flow("hello"), repeats * 3)
    rows.append(
        Row(
            f"simulated flow, in-process, the handler replying a hostile document: "
            f"slowest of {len(docs)} kinds ({worst})",
            ms(t_worst),
            f"{ms(t_plain)} (an ordinary reply)",
            f"{t_worst / t_plain:.0f}×",
            "< 3 s",
            t_worst < 3.0,
        )
    )
    return rows


# --- 8. stopping -------------------------------------------------------------------------------


def bench_stop(plan: Plan) -> list[Row]:
    """``LocalWebhook.stop()`` while 10 clients keep their answered connections open (a pool
    that missed the close), against stop() with no client."""
    import socket

    from smsxml.inbound import inbound_request
    from smsxml.webhook import LocalWebhook

    def stop_with(clients: int) -> float:
        with LocalWebhook(_echo, TOKEN) as hook:
            kept = []
            try:
                for i in range(clients):
                    req = inbound_request(hook.url, TOKEN, from_=DST, to=SRC, text=f"keep {i}")
                    head = "".join(f"{k}: {v}\r\n" for k, v in req.headers.items())
                    s = socket.create_connection(("127.0.0.1", hook.port), timeout=5)
                    s.sendall(
                        f"POST /receive_sms/ HTTP/1.1\r\nHost: 127.0.0.1:{hook.port}\r\n"
                        f"{head}Content-Length: {len(req.body)}\r\n\r\n".encode()
                        + req.body
                    )
                    data = b""
                    while b"</Response>" not in data:
                        chunk = s.recv(65536)
                        assert chunk, data
                        data += chunk
                    kept.append(s)
                t0 = time.perf_counter()
                hook.stop(timeout=5.0)
                took = time.perf_counter() - t0
                assert not hook._server.threads(), "stop() left server threads behind"
            finally:
                for s in kept:
                    s.close()
        return took

    repeats = max(3, plan.micro_repeats // 2)
    kept, idle = [], []
    for _ in range(repeats):  # interleaved
        kept.append(stop_with(10))
        idle.append(stop_with(0))
    t_kept, t_idle = statistics.median(kept), statistics.median(idle)
    return [
        Row(
            "`LocalWebhook.stop()` with 10 clients keeping their connections open",
            ms(t_kept),
            f"{ms(t_idle)} (no client)",
            f"{t_kept / t_idle:.1f}×",
            "< 1 s",
            max(kept) < 1.0,
        ),
    ]


# --- report ----------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    head = "| measure | smsxml | peer | ratio | target | status |\n|---|---|---|---|---|---|"
    body = [
        f"| {r.measure} | {r.ours} | {r.peer} | {r.ratio} | {r.target} | {r.status} |" for r in rows
    ]
    return "\n".join([head, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (CI)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    parser.add_argument("--serve", choices=["smsxml", "flask", "floor"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve)

    plan = Plan.make(args.quick)
    started = time.perf_counter()
    print(f"# smsxml benchmark ({'quick' if plan.quick else 'full'} run)\n")
    for line in machine():
        print(f"- {line}")
    print(flush=True)
    rows: list[Row] = []
    build_time = float("nan")

    def build() -> list[Row]:
        nonlocal build_time
        new, build_time = bench_build(plan)
        return new

    steps: list[tuple[str, Callable[[], list[Row]]]] = [
        ("import", lambda: bench_import(plan)),
        ("build", build),
        ("signature", lambda: bench_signature(plan)),
        ("parse", lambda: bench_parse(plan, build_time)),
        ("webhook", lambda: bench_webhook(plan)),
        ("forgery", lambda: bench_forgery(plan)),
        ("simulator", lambda: bench_simulator(plan)),
        ("hostile", lambda: bench_hostile(plan)),
        ("hostile replies", lambda: bench_hostile_replies(plan)),
        ("proxy memory", lambda: bench_proxy_memory(plan)),
        ("stop", lambda: bench_stop(plan)),
    ]
    for name, step in steps:
        t0 = time.perf_counter()
        try:
            new = step()
        except Exception as exc:  # report and go on: one broken row must not hide the rest
            new = [
                Row(f"{name}: could not measure", f"{type(exc).__name__}: {exc}"[:120], met=False)
            ]
        rows += new
        print(f"  ({name}: {time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
    print(table(rows))
    missed = [r.measure for r in rows if r.met is False]
    print(f"\n{len(missed)} target(s) MISSED" + (": " + "; ".join(missed) if missed else ""))
    print(f"(medians; {time.perf_counter() - started:.0f} s in all)")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [r.__dict__ | {"status": r.status} for r in rows], indent=2, ensure_ascii=False
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
