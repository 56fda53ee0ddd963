"""The same WebhookApp under gunicorn: `gunicorn "smsxml.webhook:demo_app()"`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

import smsxml.webhook
from smsxml.inbound import inbound_request
from smsxml.xml import parse, validate

pytest.importorskip("gunicorn")
ROOT = Path(smsxml.__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(auth_token: str, app: str, workers: int = 1, threads: int = 2, access_log: str = "-"):
    """Start gunicorn on a free port; yield (url, process)."""
    port = free_port()
    env = {
        **os.environ,
        "PLIVO_AUTH_TOKEN": auth_token,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--graceful-timeout",
            "2",
            "--access-logfile",
            access_log,
            "--access-logformat",
            "served-by %(p)s %(s)s",
            app,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/receive_sms/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url, timeout=1)  # any answer (403: unsigned) means it is up
                break
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or busy
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    pytest.fail(f"gunicorn did not start:\n{output}")
                time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture
def gunicorn_url(auth_token):
    for url, _ in _gunicorn(auth_token, "smsxml.webhook:demo_app()"):
        yield url


def test_two_workers_share_one_replay_memory(auth_token, tmp_path):
    """A nonce used by one worker is known to the other: each forgery (the V2 headers of a
    genuine request, without V3, on another body) is refused whichever worker takes it."""
    db = tmp_path / "nonces.db"
    app = f"smsxml.webhook:demo_app(nonce_db={str(db)!r})"
    # one thread per worker, and the repeat and the forgery sent at once, until both workers
    # have answered (the second may boot a little after the first starts listening)
    log = tmp_path / "access.log"
    for url, _ in _gunicorn(auth_token, app, workers=2, threads=1, access_log=str(log)):
        forged_statuses, repeat_statuses, served_by = [], [], set()
        with ThreadPoolExecutor(2) as pool:
            for i in range(60):
                genuine = inbound_request(
                    url, auth_token, from_="14155550100", to="14155550199", text=f"pay {i}"
                )
                first = requests.post(url, data=genuine.body, headers=genuine.headers)
                assert first.status_code == 200
                v2_only = {k: v for k, v in genuine.headers.items() if "V3" not in k}
                repeat = pool.submit(  # an identical repeat: a duplicate, served
                    requests.post, url, data=genuine.body, headers=genuine.headers
                )
                forged = pool.submit(
                    requests.post, url, data=genuine.body + b"&Amount=1000", headers=v2_only
                )
                repeat_statuses.append(repeat.result().status_code)
                forged_statuses.append(forged.result().status_code)
                text = log.read_text() if log.exists() else ""
                served_by = {line.split()[1] for line in text.splitlines() if "served-by" in line}
                if i >= 11 and len(served_by) == 2:
                    break
        assert repeat_statuses == [200] * len(repeat_statuses)
        assert forged_statuses == [403] * len(forged_statuses) and len(forged_statuses) >= 12
        assert len(served_by) == 2, served_by  # both workers answered


def test_webhook_app_runs_unchanged_under_gunicorn(gunicorn_url, auth_token):
    reply = inbound_request(
        gunicorn_url, auth_token, from_="14155550100", to="14155550199", text="hello gunicorn"
    ).send()
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/xml; charset=utf-8"
    assert validate(reply.body) == []
    message = parse(reply.body).messages[0]
    assert (message.src, message.dst) == ("14155550199", "14155550100")
    assert message.text == "Thanks! You said: hello gunicorn"
    forged = inbound_request(gunicorn_url, "forged", from_="1", to="2", text="x").send()
    assert forged.status == 403 and auth_token not in forged.text
    chunked = requests.post(
        gunicorn_url,
        data=iter([b"From=1&", b"To=2"]),
        timeout=5,
        headers={  # V2 only: it signs no body, so this chunked one may differ
            k: v
            for k, v in inbound_request(
                gunicorn_url, auth_token, from_="1", to="2", text="x"
            ).headers.items()
            if "V3" not in k
        },
    )
    assert chunked.status_code == 400 and "missing Text" in chunked.text  # chunked body read


def test_mms_and_whatsapp_reach_the_app_under_gunicorn(gunicorn_url, auth_token):
    for kind in ("mms", "whatsapp"):
        reply = inbound_request(
            gunicorn_url, auth_token, from_="14155550100", to="14155550199", text="a photo",
            type=kind, media=["https://media.example.com/p.jpg"],
        ).send()  # fmt: skip
        assert reply.status == 200, reply.text
        assert parse(reply.body).messages[0].text == "Thanks! You said: a photo"
