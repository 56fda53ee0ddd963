"""The proxy in front of apps no one here wrote the smsxml way: it forwards untouched,
checks signatures against the public URL, names the app's mistakes, survives a dead
upstream, and records what replay accepts. Real servers on 127.0.0.1 only."""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import flask
import pytest

from smsxml.cli.auto_reply import auto_reply
from smsxml.inbound import inbound_request
from smsxml.playback import replay
from smsxml.proxy import Proxy
from smsxml.recording import load
from smsxml.webhook import LocalWebhook

TOKEN = "MAproxyTOKEN-7c2e91"
PUBLIC = "https://abc.ngrok.app/receive_sms/"


@pytest.fixture
def echo_app(serve_wsgi) -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A Flask app that records what reached it and answers text/html (a common mistake)."""
    app = flask.Flask("theirs")
    seen: list[dict[str, object]] = []

    @app.route("/receive_sms/", methods=["POST"])
    def receive():
        seen.append({"headers": dict(flask.request.headers), "body": flask.request.get_data()})
        return "Text received"

    with serve_wsgi(app) as base:
        yield base, seen


def test_it_forwards_untouched_and_explains(echo_app) -> None:
    base, seen = echo_app
    with Proxy(base, TOKEN, public_url=PUBLIC) as proxy:
        request = inbound_request(PUBLIC, TOKEN, from_="14155550100", to="12025550000",
                                  text="hi")  # fmt: skip
        answer = dataclasses.replace(request, url=proxy.url + "/receive_sms/").send()
        [exchange] = proxy.exchanges
    assert answer.status == 200 and answer.text == "Text received"  # the app's own answer
    [got] = seen
    assert got["body"] == request.body
    for name, value in request.headers.items():
        if name.startswith("X-Plivo"):
            assert got["headers"][name] == value  # type: ignore[index]
    assert exchange.verdict == "valid V3"  # checked against the public URL
    assert "Content-Type is text/html: Plivo needs application/xml" in str(exchange)
    assert TOKEN not in str(exchange)


def test_a_signature_for_another_url_is_diagnosed(echo_app) -> None:
    base, _ = echo_app
    with Proxy(base, TOKEN, public_url=PUBLIC) as proxy:
        signed = inbound_request(PUBLIC.replace("https", "http"), TOKEN, from_="1", to="2",
                                 text="x")  # fmt: skip
        dataclasses.replace(signed, url=proxy.url + "/receive_sms/").send()
        [exchange] = proxy.exchanges
    assert exchange.verdict == "invalid" and exchange.diagnosis is not None
    assert exchange.diagnosis.causes == ("scheme",) and "why:" in str(exchange)


def test_the_xml_of_a_smsxml_app_is_checked_and_recorded_for_replay(tmp_path) -> None:
    record = tmp_path / "through-proxy.jsonl"
    with LocalWebhook(auto_reply(), TOKEN) as hook:
        upstream = hook.url.removesuffix("/receive_sms/")
        # Plivo would call the app at its own URL; the proxy stands in between.
        with Proxy(upstream, TOKEN, public_url=hook.url, record_to=str(record)) as proxy:
            signed = inbound_request(hook.url, TOKEN, from_="abc", to="2", text="hi")
            # a tunnel in front keeps the Host Plivo called; the proxy passes it on unchanged
            plivo_host = {**signed.headers, "Host": urlsplit(hook.url).netloc}
            sent = dataclasses.replace(signed, url=proxy.url + "/receive_sms/", headers=plivo_host)
            assert sent.send().ok
            [exchange] = proxy.exchanges
        assert exchange.status == 200 and exchange.content_type == "application/xml"
        assert "bad-number" in [p.code for p in exchange.problems]  # a reply to "abc"
        [recorded] = load(record)
        assert recorded.params["From"] == "abc" and TOKEN not in record.read_text()
        [result] = replay(str(record), hook.url, TOKEN)
        assert result.reply is not None and result.reply.status == 200


def test_a_dead_or_slow_upstream_gets_502_or_504(serve_wsgi) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    with Proxy(dead, TOKEN) as proxy:
        reply = inbound_request(proxy.url + "/r/", TOKEN, from_="1", to="2", text="x").send()
        assert reply.status == 502 and "could not be reached" in reply.text
        assert "502" in str(proxy.exchanges[-1])

    def slow(environ, start_response):
        time.sleep(1.0)
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b"<Response/>"]

    with serve_wsgi(slow) as base, Proxy(base, TOKEN, timeout=0.3) as proxy:
        reply = inbound_request(proxy.url + "/r/", TOKEN, from_="1", to="2", text="x").send()
        assert reply.status == 504 and "did not answer within 0.3 s" in reply.text


def test_smsxml_proxy_prints_one_line_per_exchange(echo_app) -> None:
    import os
    import re
    import select
    import signal
    import subprocess
    import sys

    base, _ = echo_app
    env = {**os.environ, "PLIVO_AUTH_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "smsxml", "proxy", "--port", "0", "--to", base,
         "--public-url", PUBLIC],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip

    def line() -> str:
        ready, _, _ = select.select([proc.stdout], [], [], 10)
        assert ready, "no output within 10 s"
        return proc.stdout.readline()  # type: ignore[union-attr]

    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", line()).group()  # type: ignore[union-attr]
        signed = inbound_request(PUBLIC, TOKEN, from_="14155550100", to="2", text="hi")
        assert dataclasses.replace(signed, url=url + "/receive_sms/").send().status == 200
        shown = line()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    assert "POST /receive_sms/ (message) signature valid V3 → 200" in shown
    assert "Plivo needs application/xml" in shown and TOKEN not in shown
    assert proc.returncode == 0


def test_an_app_that_does_not_refuse_a_forgery_is_named(echo_app) -> None:
    """The seed's mistake: the app checks nothing (or ignores the check) and answers 200."""
    base, _ = echo_app
    with Proxy(base, TOKEN, public_url=PUBLIC) as proxy:
        forged = inbound_request(PUBLIC, "not-the-token", from_="1", to="2", text="x")
        assert dataclasses.replace(forged, url=proxy.url + "/receive_sms/").send().status == 200
        [exchange] = proxy.exchanges
    assert exchange.served_unsigned
    assert "the app served a request Plivo did not sign" in str(exchange)


def test_the_diagram_and_the_live_view_show_the_exchanges(echo_app) -> None:
    base, _ = echo_app
    with Proxy(base, TOKEN, public_url=PUBLIC) as proxy:
        view = proxy.live()
        assert "no exchange yet" in view.value
        signed = inbound_request(PUBLIC, TOKEN, from_="1", to="2", text="x")
        dataclasses.replace(signed, url=proxy.url + "/receive_sms/").send()
        forged = inbound_request(PUBLIC, "forger", from_="1", to="2", text="x")
        dataclasses.replace(forged, url=proxy.url + "/receive_sms/").send()
        svg = proxy.sequence_diagram().data
        live = view.value
    assert svg.count("POST /receive_sms/") == 2
    assert "(valid V3)" in svg and "(invalid)" in svg
    assert "fill='#fde7ea'" in svg  # the served forgery, in red
    assert "fill='#fff8c5'" in svg  # text/html, in amber
    assert "<table>" in live and "data:image/svg+xml;base64," in live and TOKEN not in live


def test_the_terminal_line_is_coloured_by_what_happened() -> None:
    from datetime import datetime, timezone

    from smsxml.cli.proxy import _coloured
    from smsxml.proxy import Exchange

    def exchange(**changes):
        base = dict(time=datetime.now(timezone.utc), method="POST", path="/r/",
                    signature_headers=(), verdict="valid V2", diagnosis=None, status=200,
                    content_type="application/xml")  # fmt: skip
        return Exchange(**{**base, **changes})

    assert _coloured("x", exchange()).startswith("\x1b[32m")
    assert _coloured("x", exchange(content_type="text/html", error="no XML")).startswith("\x1b[33m")
    assert _coloured("x", exchange(verdict="invalid")).startswith("\x1b[31m")  # served a forgery
    assert _coloured("x", exchange(status=502, error="down")).startswith("\x1b[31m")


def test_an_app_behind_a_tls_proxy_that_refuses_plivo_is_explained() -> None:
    """Plivo signs https://public…; the app, reached over http, checks its own URL: 403."""
    with LocalWebhook(auto_reply(), TOKEN) as hook:
        with Proxy(hook.url.removesuffix("/receive_sms/"), TOKEN, public_url=PUBLIC) as proxy:
            signed = inbound_request(PUBLIC, TOKEN, from_="1", to="2", text="x")
            reply = dataclasses.replace(signed, url=proxy.url + "/receive_sms/").send()
            [exchange] = proxy.exchanges
    assert reply.status == 403 and exchange.verdict == "valid V3" and exchange.refused_genuine
    assert "the app refused a request Plivo signed" in str(exchange)
    assert "TLS proxy" in str(exchange)
