"""LocalWebhook under load, under forged traffic and with misbehaving handlers (real HTTP on
127.0.0.1, keep-alive ``http.client`` connections, requests signed before the clock starts).

Marked ``load`` (``pytest -m "not load"`` leaves them out). They assert what happened, not
how fast: a busy machine must not fail them. The p99 latency of the 10,000-request run is
attached to the test report (``record_property``) and written in the terminal summary at the
end of a normal ``pytest`` run (conftest.py); bench/run.py measures speed.
"""

from __future__ import annotations

import gc
import http.client
import logging
import os
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plivo.utils
import pytest

from smsxml.inbound import InboundMessage, inbound_request
from smsxml.signature import sign_v2
from smsxml.webhook import LocalWebhook, ServerLimits
from smsxml.xml import Response

pytestmark = pytest.mark.load

TOKEN = "MAloadTOKEN-sub-5d2e8c1b9a70"
FROM, TO = "14155550100", "12025550000"


def server_threads(port: int) -> list[threading.Thread]:
    """The threads of the server on ``port`` (its loop and workers are named after it)."""
    prefix = f"smsxml-webhook-{port}"
    return [t for t in threading.enumerate() if t.name.startswith(prefix) and t.is_alive()]


# --- a small HTTP load generator -------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """One request ready to go on the wire (signed before any timing starts)."""

    key: str  # what identifies it in the handler and the log (its MessageUUID)
    path: str
    headers: dict[str, str]
    body: bytes
    timeout: float = 30.0


@dataclass
class Outcome:
    key: str
    status: int | None  # None: no answer (the error says why)
    body: bytes
    latency: float
    error: str | None = None


def prepare(
    url: str,
    key: str,
    text: str,
    token: str = TOKEN,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Prepared:
    req = inbound_request(url, token, from_=FROM, to=TO, text=text, message_uuid=key)
    final = dict(req.headers) if headers is None else dict(headers)
    final["Content-Type"] = "application/x-www-form-urlencoded"
    final["Content-Length"] = str(len(req.body))
    return Prepared(key, "/receive_sms/", final, req.body, timeout)


def drive(port: int, requests: list[Prepared], clients: int) -> list[Outcome]:
    """Send ``requests`` from ``clients`` threads, each with its own keep-alive
    ``http.client`` connection (http.client reconnects when the server closes it)."""
    queue: Iterator[Prepared] = iter(requests)
    lock = threading.Lock()
    outcomes: list[Outcome] = []

    def client() -> None:
        conn: http.client.HTTPConnection | None = None
        mine = []
        while True:
            with lock:
                r = next(queue, None)
            if r is None:
                break
            if conn is None or conn.timeout != r.timeout:
                if conn is not None:
                    conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=r.timeout)
            started = time.perf_counter()
            try:
                conn.request("POST", r.path, r.body, r.headers)
                resp = conn.getresponse()
                body = resp.read()
                mine.append(Outcome(r.key, resp.status, body, time.perf_counter() - started))
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = None
                mine.append(
                    Outcome(
                        r.key,
                        None,
                        b"",
                        time.perf_counter() - started,
                        f"{type(exc).__name__}: {exc}",
                    )
                )
        if conn is not None:
            conn.close()
        with lock:
            outcomes.extend(mine)

    threads = [threading.Thread(target=client, name=f"load-client-{n}") for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == len(requests)
    return outcomes


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def rss_bytes() -> int:
    """Resident memory of this process, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def report(record_property: Callable[[str, object], None], line: str, **properties: object) -> None:
    """Attach ``properties`` to the test report, and ``line`` as its ``summary``: conftest.py
    writes summaries at the end of the run (also from pytest-xdist workers)."""
    for name, value in properties.items():
        record_property(name, value)
    record_property("summary", line)
    print(line)


class Recorder:
    """A handler that records which messages reached it (thread-safe)."""

    def __init__(self, behave: Callable[[InboundMessage], Any] | None = None):
        self.seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._behave = behave

    def __call__(self, message: InboundMessage) -> Any:
        with self._lock:
            self.seen[message.message_uuid] += 1
        if self._behave is not None:
            return self._behave(message)
        return Response().add_message(f"echo: {message.text}", src=message.to, dst=message.from_)


@pytest.fixture(autouse=True)
def _quiet_webhook_logger(caplog: pytest.LogCaptureFixture) -> None:
    """Thousands of refusals and 500s are the point here: keep them out of the report."""
    caplog.set_level(logging.CRITICAL, logger="smsxml.webhook")


needs_proc = pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")

N, CLIENTS = 10_000, 32

# --- 10,000 requests -------------------------------------------------------------------------


@needs_proc
def test_ten_thousand_signed_requests_from_32_clients(
    record_property: Callable[[str, object], None],
) -> None:
    handler = Recorder()
    gc.collect()
    threads_before, fds_before = set(threading.enumerate()), open_fds()
    with LocalWebhook(handler, TOKEN, log_size=N) as hook:
        warm = [prepare(hook.url, f"warm-{i}", "warm") for i in range(300)]
        assert {o.status for o in drive(hook.port, warm, CLIENTS)} == {200}
        assert hook.log.wait_for(len(warm), timeout=10)
        hook.log.clear()
        handler.seen.clear()
        total_before = hook.log.total

        batch = [prepare(hook.url, f"load-{i:05d}", f"message {i} ✓") for i in range(N)]
        gc.collect()
        rss_before = rss_bytes()
        started = time.perf_counter()
        outcomes = drive(hook.port, batch, CLIENTS)
        wall = time.perf_counter() - started

        errors = [o for o in outcomes if o.status != 200]
        assert errors == [], f"{len(errors)} failed, first: {errors[:3]}"
        by_key = {o.key: o for o in outcomes}
        assert all(
            f"echo: message {k[5:].lstrip('0') or '0'} ✓".encode() in by_key[k].body
            for k in list(by_key)[:50]
        )

        # Every request reached the handler once and was logged exactly once.
        assert hook.log.wait_for(N, timeout=10)
        entries = list(hook.log)
        logged = Counter(e.message.message_uuid for e in entries if e.message is not None)
        sent = {r.key for r in batch}
        assert len(entries) == N and hook.log.total - total_before == N
        assert set(logged) == sent and set(logged.values()) == {1}
        assert set(handler.seen) == sent and set(handler.seen.values()) == {1}
        assert {(e.status, e.verdict) for e in entries} == {(200, "valid V3")}
        assert all(e.problems == () for e in entries[:: N // 100])

        # Memory: the log keeps its 10,000 entries (by request, ~5 KB each with the reply);
        # once it is full, 5,000 more requests must not grow the process.
        gc.collect()
        grown = rss_bytes() - rss_before
        assert grown < 150 * 2**20, f"RSS grew {grown / 2**20:.0f} MiB over {N} requests"
        del entries, logged
        more = [prepare(hook.url, f"more-{i:05d}", f"more {i}") for i in range(N // 2)]
        gc.collect()
        rss_full = rss_bytes()
        assert {o.status for o in drive(hook.port, more, CLIENTS)} == {200}
        assert hook.log.wait_for(N, timeout=10) and hook.log.total - total_before == N + N // 2
        gc.collect()
        steady = rss_bytes() - rss_full
        assert len(hook.log) == N and hook.log[-1].message.message_uuid.startswith("more-")
        assert steady < 12 * 2**20, f"RSS grew {steady / 2**20:.1f} MiB with the log full"

    latencies = [o.latency for o in outcomes]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    report(
        record_property,
        f"{N} signed requests, {CLIENTS} clients: {N / wall:,.0f} req/s, "
        f"p50 {p50 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms, max {max(latencies) * 1e3:.0f} ms, "
        f"RSS +{grown / 2**20:.1f} MiB for {N} logged requests, then "
        f"{steady / 2**20:+.1f} MiB for {N // 2} more with the log full",
        p99_ms=round(p99 * 1e3, 2),
        p50_ms=round(p50 * 1e3, 2),
        throughput_rps=round(N / wall),
        rss_growth_mib=round(grown / 2**20, 1),
        rss_growth_log_full_mib=round(steady / 2**20, 1),
    )
    # Stopping leaves no worker thread or socket behind.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (
        set(threading.enumerate()) - threads_before or open_fds() > fds_before
    ):
        time.sleep(0.05)
    assert not set(threading.enumerate()) - threads_before
    assert open_fds() <= fds_before


# --- forged traffic --------------------------------------------------------------------------


def _b64_garbage(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
    return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 43, 44, 45, 88])))


def forged_headers(url: str, valid: dict[str, str], rng: random.Random) -> tuple[str, dict]:
    """(kind, headers) of a request whose signature must be refused."""
    nonce = valid["X-Plivo-Signature-V2-Nonce"]
    base = {k: v for k, v in valid.items() if not k.startswith("X-Plivo-Signature")}
    port = url.split(":")[2].split("/")[0]
    other_urls = [
        url.replace("http://", "https://"),
        url.replace(f":{port}", f":{int(port) + 1}"),
        url.replace(f":{port}", ""),
        url.replace("127.0.0.1", "localhost"),
        url.rstrip("/"),
        url + "x/",
        url.replace("/receive_sms/", "/sms_status/"),
        url.upper().replace("HTTP://", "http://"),
    ]
    kind = rng.choice(
        ["token", "url", "nonce", "tamper", "garbage", "missing", "slash", "ma-only", "swap"]
    )
    sig = valid["X-Plivo-Signature-V2"]
    if kind == "token":
        wrong = rng.choice(
            [
                TOKEN[:-1] + chr(ord(TOKEN[-1]) ^ 1),
                TOKEN.upper(),
                TOKEN + " ",
                "".join(rng.choice("abcdefXYZ0123") for _ in range(20)),
                "x",
            ]
        )
        headers = {"X-Plivo-Signature-V2": sign_v2(url, nonce, wrong)}
    elif kind == "url":
        headers = {"X-Plivo-Signature-V2": sign_v2(rng.choice(other_urls), nonce, TOKEN)}
    elif kind == "nonce":  # signed with one nonce, sent with another
        other = f"{rng.randrange(10**20):020d}"
        headers = {"X-Plivo-Signature-V2": sign_v2(url, other, TOKEN)}
    elif kind == "tamper":
        i = rng.randrange(len(sig) - 1)
        flipped = rng.choice([c for c in "ABCDEFabcdef012345+/" if c != sig[i]])
        headers = {
            "X-Plivo-Signature-V2": rng.choice(
                [sig[:i] + flipped + sig[i + 1 :], sig[:-2], sig + "A", sig[::-1], sig.lower()]
            )
        }
    elif kind == "garbage":
        headers = {"X-Plivo-Signature-V2": _b64_garbage(rng) or "-"}
    elif kind == "missing":
        headers = rng.choice([{}, {"X-Plivo-Signature-V2": sig}, {"X-Plivo-Signature-Ma-V2": ""}])
        return kind, {**base, **headers}  # no nonce header at all
    elif kind == "slash":  # the classic mistake: a slash between URL and nonce
        headers = {"X-Plivo-Signature-V2": sign_v2(url.rstrip("/") + "/", "/" + nonce, TOKEN)}
    elif kind == "ma-only":
        headers = {"X-Plivo-Signature-Ma-V2": sign_v2(url, nonce, "main-token-we-do-not-know")}
    else:  # the signature of another valid request (another nonce) replayed with this nonce
        headers = {"X-Plivo-Signature-V2": sign_v2(url, f"{rng.randrange(10**20):020d}", TOKEN)}
    return kind, {**base, "X-Plivo-Signature-V2-Nonce": nonce, **headers}


def test_forged_requests_are_refused_and_never_reach_the_handler() -> None:
    rng = random.Random(20240601)
    handler = Recorder()
    with LocalWebhook(handler, TOKEN, log_size=5000) as hook:
        valid, forged, kinds = [], [], Counter()
        for i in range(1000):
            ok = prepare(hook.url, f"valid-{i}", f"valid {i}")
            valid.append(ok)
            template = prepare(hook.url, f"forged-{i}", f"forged {i}")
            kind, headers = forged_headers(hook.url, template.headers, rng)
            kinds[kind] += 1
            # The SDK (the oracle) agrees each one is forged.
            nonce = headers.get("X-Plivo-Signature-V2-Nonce")
            for name in ("X-Plivo-Signature-V2", "X-Plivo-Signature-Ma-V2"):
                if nonce and headers.get(name):
                    assert not plivo.utils.validate_signature(
                        hook.url, nonce, headers[name], TOKEN
                    ), (kind, headers)
            forged.append(Prepared(template.key, template.path, headers, template.body))
        assert min(kinds.values()) >= 50, kinds
        mixed = valid + forged
        rng.shuffle(mixed)
        outcomes = {o.key: o for o in drive(hook.port, mixed, CLIENTS)}

        for r in forged:
            o = outcomes[r.key]
            assert o.status == 403, (o, r.headers)
            assert b"signature" in o.body.lower() and TOKEN.encode() not in o.body
        for r in valid:
            assert outcomes[r.key].status == 200 and b"<Message" in outcomes[r.key].body
        assert set(handler.seen) == {r.key for r in valid}
        assert set(handler.seen.values()) == {1}

        assert hook.log.wait_for(2000, timeout=10)
        verdicts = Counter(e.verdict for e in hook.log if e.status == 403)
        assert sum(verdicts.values()) == 1000 and set(verdicts) <= {"invalid", "missing"}
        assert all(TOKEN not in str(e.diagnosis) for e in hook.log if e.diagnosis is not None)


# --- misbehaving handlers --------------------------------------------------------------------


def test_raising_hanging_and_garbage_handlers_never_take_the_server_down() -> None:
    release = threading.Event()
    entered = Counter()
    lock = threading.Lock()

    def behave(message: InboundMessage) -> Any:
        kind = message.text.split()[0]
        with lock:
            entered[kind] += 1
        if kind == "raise":
            raise RuntimeError(f"boom {TOKEN}")
        if kind == "hang":
            release.wait(120)  # far past the client's timeout; released at the end
            with lock:
                entered["hang returned"] += 1
        if kind == "none":
            return None
        if kind == "int":
            return 42
        if kind == "object":
            return object()
        if kind == "badbytes":
            return b"\xff\xfe<Response/>"
        if kind == "notxml":
            return "this is not XML & never was <"
        return Response().add_message(f"echo: {message.text}", src=message.to, dst=message.from_)

    kinds = ["ok", "raise", "none", "int", "object", "badbytes", "notxml"]
    expected = {
        "ok": 200,
        "raise": 500,
        "none": 500,
        "int": 500,
        "object": 500,
        "badbytes": 500,
        "notxml": 200,
    }
    # The worker pool is bounded (that is what holds a flood): a handler that hangs holds
    # one worker. Half the pool hangs here; the other half must serve everyone else.
    limits = ServerLimits(threads=8)
    hangs = 4
    with LocalWebhook(Recorder(behave), TOKEN, log_size=2000, limits=limits) as hook:
        hung = drive(
            hook.port,
            [prepare(hook.url, f"hang-{i}", f"hang {i}", timeout=0.5) for i in range(hangs)],
            hangs,
        )
        assert all(o.status is None and "timed out" in (o.error or "") for o in hung), hung
        batch = []
        for i in range(400):
            kind = kinds[i % len(kinds)]
            batch.append(prepare(hook.url, f"{kind}-{i}", f"{kind} {i}"))
        random.Random(7).shuffle(batch)
        outcomes = drive(hook.port, batch, CLIENTS)

        for o in outcomes:
            kind = o.key.split("-")[0]
            if kind == "hang":
                continue
            assert o.status == expected[kind], o
            assert TOKEN.encode() not in o.body
            if o.status == 500:
                assert o.body.startswith(b"500 ") and b"Traceback" not in o.body
        # 4 handlers are stuck (each pins a worker) and the server still answers: all of the
        # batch and these were answered while none of the hung handlers had returned.
        quick = drive(hook.port, [prepare(hook.url, f"after-{i}", "ok") for i in range(20)], 4)
        assert {o.status for o in quick} == {200}
        assert entered["hang"] == hangs and entered["hang returned"] == 0

        release.set()
        assert hook.log.wait_for(hangs + len(batch) + len(quick), timeout=10)
        statuses = Counter(e.status for e in hook.log)
        assert statuses[500] == sum(1 for r in batch if expected.get(r.key.split("-")[0]) == 500)
        errors = [e for e in hook.log if e.status == 500]
        assert all(e.error and TOKEN not in e.error for e in errors)
        assert all(TOKEN not in (e.traceback or "") for e in errors)
        assert entered["hang"] == hangs
    # stop() came back although the hung handlers' clients had long gone.


def test_slow_readers_and_silent_clients_do_not_block_others() -> None:
    """Connections that send half a request, or nothing, hold a socket each, not the server:
    others are served while all of them are still open and unanswered (their cut at the
    request timeout is tested in test_server.py)."""
    with LocalWebhook(Recorder(), TOKEN, request_timeout=60.0) as hook:
        idle = [socket.create_connection(("127.0.0.1", hook.port)) for _ in range(20)]
        half = []
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", hook.port))
            s.sendall(b"POST /receive_sms/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nFro")
            half.append(s)
        try:
            outcomes = drive(hook.port, [prepare(hook.url, f"k{i}", "hi") for i in range(50)], 8)
            assert {o.status for o in outcomes} == {200}
            for s in idle + half:  # not answered, not closed: still waiting for their request
                s.setblocking(False)
                with pytest.raises(BlockingIOError):
                    s.recv(1)
        finally:
            for s in idle + half:
                s.close()


def test_clients_that_keep_their_connection_open_do_not_pin_server_threads() -> None:
    """A client may read its answer and keep the socket open (a connection pool that missed
    the close). Such connections cost a socket each, never a thread: the server keeps its
    fixed pool, and stop() does not wait for such clients."""
    with LocalWebhook(Recorder(), TOKEN, request_timeout=10.0) as hook:
        kept = []
        for i in range(10):
            r = prepare(hook.url, f"keep-{i}", "hi")
            head = "".join(f"{k}: {v}\r\n" for k, v in r.headers.items())
            s = socket.create_connection(("127.0.0.1", hook.port), timeout=5)
            s.sendall(
                f"POST {r.path} HTTP/1.1\r\nHost: 127.0.0.1:{hook.port}\r\n{head}\r\n".encode()
                + r.body
            )
            data = b""
            while b"</Response>" not in data:
                chunk = s.recv(65536)
                assert chunk, data
                data += chunk
            kept.append(s)
        try:
            threads = len(server_threads(hook.port))
            hook.stop(timeout=10.0)
            # stop() ended every server thread (it did not give up at its timeout) and closed
            # the kept connections itself: each client, which never closed, now reads EOF.
            assert server_threads(hook.port) == []
            for s in kept:
                assert s.recv(65536) == b""
        finally:
            for s in kept:
                s.close()
        assert threads == hook.limits.threads + 1, f"{threads} server threads for 10 kept sockets"
