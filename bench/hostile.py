"""Hostile documents (the ones the tests use, from tests/strategies.py) through ``validate``,
the webhook and the simulator; the proxy's peak memory with huge bodies.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from _common import (
    BENCH,
    DST,
    SRC,
    TOKEN,
    Plan,
    Row,
    median_of,
    ms,
    slowest,
)
from xml_rows import build_ours


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
    worst, t_worst = slowest(
        {k: lambda d=d: smsxml.validate(d) for k, (d, _) in docs.items()}, repeats
    )
    t_big = {
        k: median_of(f, repeats)
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

    def worst_against_ordinary(label: str, run: Callable[[str], object]) -> Row:
        """The slowest hostile kind against an ordinary reply, the same way round."""

        def timed(text: str) -> Callable[[], object]:
            return lambda: run(text)

        worst, t_worst = slowest({k: timed(k) for k in docs}, repeats)
        t_plain = median_of(timed("hello"), repeats * 3)
        return Row(
            f"{label}: slowest of {len(docs)} kinds ({worst})",
            ms(t_worst),
            f"{ms(t_plain)} (an ordinary reply)",
            f"{t_worst / t_plain:.0f}×",
            "< 3 s",
            t_worst < 3.0,
        )

    def round_trip(text: str) -> object:
        answer = inbound_request(hook.url, TOKEN, from_=DST, to=SRC, text=text).send(timeout=30)
        assert answer.status == 200, (text, answer.status)
        return answer

    def flow(text: str) -> object:
        result = sim.receive_sms(app, DST, SRC, text)
        assert result.ok == (text not in docs), text
        return result

    with LocalWebhook(reply, TOKEN, log_size=10) as hook:
        through_hook = worst_against_ordinary(
            "hostile reply through LocalWebhook (validated, logged, sent): round trip", round_trip
        )
    app = WebhookApp(reply, TOKEN, log_size=10)
    sim = Simulator(TOKEN, numbers=[SRC], seed=1)
    in_process = worst_against_ordinary(
        "simulated flow, in-process, the handler replying a hostile document", flow
    )
    return [through_hook, in_process]
