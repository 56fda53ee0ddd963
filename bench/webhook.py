"""A signed webhook round trip on 127.0.0.1: LocalWebhook against the seed's Flask app and
the bare-WSGI floor, each served in its own subprocess (``run.py --serve KIND``), driven
by the same 8 keep-alive ``http.client`` threads; and ``LocalWebhook.stop()`` with clients
that keep their connections open.
"""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from _common import (
    BENCH,
    CLIENT_THREADS,
    DST,
    ROOT,
    SRC,
    TOKEN,
    Plan,
    Row,
    ms,
    percentile,
    us,
)


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
            [sys.executable, str(BENCH / "run.py"), "--serve", kind],
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
            "≥ 2.5× Flask",
            rps_s >= 2.5 * rps_f and not failures["smsxml"],
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
            "webhook: server CPU per request (user+sys, server process; every check made)",
            us(cpu_s),
            us(cpu_f),
            f"{cpu_s / cpu_f:.2f}×",
            "≤ 0.4× Flask",
            cpu_s <= 0.4 * cpu_f and not failures["smsxml"],
        )
    )
    for kind, errs in failures.items():
        if errs:
            rows.append(Row(f"webhook errors ({kind})", f"{len(errs)}: {errs[0][:60]}", met=False))
    return rows


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
