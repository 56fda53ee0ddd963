"""Every command given bad arguments: one line ``smsxml: error: …`` on stderr, exit 2, no
traceback, no password or token; inputs read up to a limit, never unbounded.

Through the real :func:`smsxml.cli.main` (in-process) or ``python -m smsxml`` (a
subprocess, where memory and signals matter). Servers on 127.0.0.1 only.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests

from smsxml.cli import main
from smsxml.tokens import ENV_VAR
from smsxml.xml import MAX_DOCUMENT_BYTES

TOKEN = "SECRET-errors-token-71c3be"
PASSWORD = "PASSWORD-9f3e1a"  # in URLs: user:PASSWORD@host
SHORT_PASSWORD = "pw"  # too short for token redaction: masked as ':pw@' all the same
GOOD = "http://127.0.0.1:9/receive_sms/"  # a valid URL nothing listens at (discard port)
DEAD = "http://127.0.0.1:1/receive_sms/"  # connection refused


@pytest.fixture(autouse=True)
def _env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token in the environment: no "using the demo token" notice; it must never show."""
    monkeypatch.setenv(ENV_VAR, TOKEN)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# (argv, a phrase the one line must hold). "{dir}" is a directory, "{file}" a text file.
CASES: list[tuple[list[str], str]] = [
    # validate
    (["validate", "/nonexistent/x.xml"], "cannot read /nonexistent/x.xml: No such file"),
    (["validate", "{dir}"], "Is a directory"),
    (["validate", ""], "no file given for the XML"),
    (["validate", "/dev/zero"], "more than the 2 MiB of XML"),
    # segments
    (["segments"], "the following arguments are required: TEXT"),
    # sign / verify
    (["sign", "--url", "nope"], "'nope' is not an absolute http(s) URL"),
    (["sign", "--url", "http://[::1"], "not a usable URL"),
    (["sign", "--url", GOOD, "--nonce", ""], "argument --nonce: must not be empty"),
    (["verify", "--url", "nope", "--nonce", "1", "--signature", "x"], "not an absolute"),
    (
        ["verify", "--url", GOOD, "--nonce", "1", "--signature", "x", "--public-url", "nope"],
        "argument --public-url: 'nope' is not the URL Plivo calls",
    ),
    # inbound
    (["inbound", "nope", "--text", "hi"], "argument URL: 'nope' is not an http(s) URL"),
    (["inbound", "", "--text", "hi"], "argument URL: must be an http(s) URL"),
    (["inbound", "http://[::1", "--text", "hi"], "is not a usable URL (Invalid IPv6 URL)"),
    (["inbound", GOOD, "--text", "hi", "--to", "abc"], "'abc' is not a phone number"),
    (["inbound", GOOD, "--text", "hi", "--from", ""], "argument --from: must not be empty"),
    (["inbound", GOOD, "--text", "hi", "--timeout", "-1"], "-1 is not above 0 seconds"),
    (["inbound", GOOD, "--text", "hi", "--timeout", "inf"], "too long a wait"),
    (["inbound", GOOD, "--text", "hi", "--media", "nope"], "argument --media: 'nope'"),
    (
        ["inbound", GOOD, "--text", "hi", "--media", "https://example.com/a.jpg"],
        "--media needs --type mms",
    ),
    (["inbound", GOOD, "--text", "hi", "--nonce", ""], "argument --nonce: must not be empty"),
    # send
    (["send", "http://[::1", "--text", "hi"], "is not a usable URL (Invalid IPv6 URL)"),
    (["send", GOOD, "--text", "hi", "--number", "abc"], "'abc' is not a phone number"),
    (["send", GOOD, "--text", "hi", "--to", "1" * 16], "is not a phone number"),
    (["send", GOOD, "--text", "hi", "--seed", "x"], "argument --seed: invalid int value"),
    # check
    (["check", "nope"], "argument URL: 'nope' is not an http(s) URL"),
    (["check", GOOD, "--number", "abc"], "argument --number: 'abc' is not a phone number"),
    (["check", GOOD, "--number", ""], "argument --number: '' is not a phone number"),
    (["check", GOOD, "--public-url", "https://abc.ngrok.app/receive_sms/?x=1"], "without query"),
    (["check", GOOD, "--public-url", "abc.ngrok.app/receive_sms/"], "is not the URL Plivo"),
    (["check", GOOD, "--budget", "0"], "0 is not above 0 seconds"),
    (["check", GOOD, "--budget", "nan"], "nan is not above 0 seconds"),
    (["check", GOOD, "--budget", "1e400"], "too long a wait"),
    # replay
    (["replay", "/nonexistent/r.jsonl", "--url", GOOD], "no recording at /nonexistent/r.jsonl"),
    (["replay", "{dir}", "--url", GOOD], "Is a directory"),
    (["replay", "{file}", "--url", GOOD], "{file}:1: not valid JSON"),
    (["replay", "/dev/zero", "--url", GOOD], "more than the 32 MiB of recorded requests"),
    (["replay", "{file}", "--url", "nope"], "argument --url: 'nope' is not an http(s) URL"),
    # serve
    (["serve", "--port", "-1"], "-1 is not a port number"),
    (["serve", "--port", "65536"], "65536 is not a port number"),
    (["serve", "--port", "x"], "'x' is not a port number"),
    (["serve", "--threads", "-3"], "-3 is below 1"),
    (["serve", "--threads", "999999999999"], "999999999999 is above 256 threads"),
    (["serve", "--max-body", ""], "'' is not a whole number"),
    (["serve", "--record", "{dir}", "--port", "0"], "it is a directory"),
    (["serve", "--record", "", "--port", "0"], "--record needs a file name"),
    (["serve", "--public-url", "https://a.example/x?y=1", "--port", "0"], "without query"),
    (["serve", "--host", "nope.invalid", "--port", "0"], "is not an address of this machine"),
    # proxy
    (["proxy"], "the following arguments are required: --to"),
    (["proxy", "--to", "nope"], "argument --to: 'nope' is not an http(s) URL"),
    (["proxy", "--to", ""], "argument --to: must be an http(s) URL"),
    (["proxy", "--to", "ftp://127.0.0.1/"], "is not an http(s) URL"),
    (["proxy", "--to", "http://[::1"], "argument --to: 'http://[::1' is not a usable URL"),
    (["proxy", "--to", "http://127.0.0.1:x"], "is not a usable URL"),
    (["proxy", "--to", GOOD, "--public-url", "nope"], "argument --public-url: 'nope'"),
    (["proxy", "--to", GOOD, "--public-url", "https://a.example/#x"], "without query"),
    (["proxy", "--to", GOOD, "--record", "{dir}", "--port", "0"], "it is a directory"),
    (["proxy", "--to", GOOD, "--port", "70000"], "70000 is not a port number"),
    (["proxy", "--to", GOOD, "--timeout", "-2"], "-2 is not above 0 seconds"),
    (["proxy", "--to", GOOD, "--max-answer", "0"], "0 is below 1"),
    (["proxy", "--to", GOOD, "--host", "nope.invalid", "--port", "0"], "not an address"),
    # passwords in URLs are masked wherever the URL is shown
    (["proxy", "--to", f"http://user:{PASSWORD}@[::1"], "'http://user:••••@[::1'"),
    (["proxy", "--to", f"http://u:{SHORT_PASSWORD}@127.0.0.1:x/"], "'http://u:••••@127.0.0.1:x/'"),
    (
        ["proxy", "--to", f"http://u:{PASSWORD}@127.0.0.1:5000", "--public-url", "x"],
        "--public-url",
    ),
    (["check", f"http://user:{PASSWORD}@127.0.0.1:1/"], "user:••••@127.0.0.1:1"),
    (["check", GOOD, f"--public-url=https://u:{SHORT_PASSWORD}@h/?q"], "u:••••@h"),
    (["send", f"http://user:{PASSWORD}@[::1", "--text", "hi"], "user:••••@"),
    # unknown command, option
    (["nope"], "invalid choice: 'nope'"),
    (["segments", "--bogus", "x"], "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize(("argv", "phrase"), CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_bad_arguments_are_one_line_errors_with_exit_2(
    argv: list[str], phrase: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a recording\n")
    fill = {"{dir}": str(tmp_path), "{file}": str(text)}
    for name, value in fill.items():
        argv = [word.replace(name, value) for word in argv]
        phrase = phrase.replace(name, value)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert err.startswith("smsxml: error: ") and err.count("\n") == 1, err
    assert phrase in err
    for secret in ("Traceback", TOKEN, PASSWORD, f":{SHORT_PASSWORD}@"):
        assert secret not in err and secret not in out


# --- bounded input ----------------------------------------------------------------------------

#: Runs one smsxml command in a child, its standard input fed (when ``feed``) by another
#: child writing "y\n" without end (``yes |``); prints the exit status, stderr and the peak
#: resident size in KiB of those children (RUSAGE_CHILDREN of this intermediate process
#: only, so nothing else the test run started counts).
_MEASURE = r"""
import json, resource, subprocess, sys
argv, feed = json.loads(sys.argv[1])
producer = None
if feed:
    producer = subprocess.Popen(
        [sys.executable, "-c",
         "import sys\nw = sys.stdout.buffer\nwhile True: w.write(b'y\\n' * 4096)"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
child = subprocess.run(
    [sys.executable, "-m", "smsxml", *argv],
    stdin=producer.stdout if producer else subprocess.DEVNULL,
    capture_output=True, text=True, timeout=60)
if producer:
    producer.stdout.close()
    producer.kill()
    producer.wait()
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps([child.returncode, child.stderr, peak]))
"""


def _measured(argv: list[str], feed: bool) -> tuple[int, str, int]:
    """(exit status, stderr, peak RSS in MiB) of ``smsxml ARGV``."""
    env = {**os.environ, ENV_VAR: TOKEN}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps([argv, feed])],
        capture_output=True, text=True, timeout=90, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    status, stderr, peak_kib = json.loads(done.stdout)
    return status, stderr, peak_kib // 1024


@pytest.mark.parametrize(
    ("argv", "feed", "phrase"),
    [
        (["validate", "/dev/zero"], False, "/dev/zero holds more than the 2 MiB of XML"),
        (["validate", "-"], True, "standard input holds more than the 2 MiB of XML"),
        (["segments", "-"], True, "standard input holds more than the 64 KiB of text"),
        (["replay", "/dev/zero", "--url", GOOD], False, "more than the 32 MiB"),
    ],
)
def test_an_endless_input_is_cut_off_at_its_limit(argv: list[str], feed: bool, phrase: str) -> None:
    started = time.monotonic()
    status, stderr, peak_mib = _measured(argv, feed)
    assert status == 2
    assert stderr.startswith("smsxml: error: ") and stderr.count("\n") == 1, stderr
    assert phrase in stderr and "Traceback" not in stderr
    assert peak_mib < 200, f"{peak_mib} MiB"
    assert time.monotonic() - started < 30


def test_validate_reads_a_document_at_the_limit(tmp_path: Path, capsys) -> None:
    """Up to the limit is read and checked (exit 0/1), one byte more is refused (2)."""
    doc = b'<Response><Message src="12025550000" dst="12025551111">Hi</Message></Response>'
    at_limit = tmp_path / "big.xml"
    at_limit.write_bytes(doc + b" " * (MAX_DOCUMENT_BYTES - len(doc)))
    assert main(["validate", str(at_limit)]) in (0, 1)
    capsys.readouterr()
    at_limit.write_bytes(at_limit.read_bytes() + b" ")
    assert main(["validate", str(at_limit)]) == 2
    assert "more than the 2 MiB of XML" in capsys.readouterr().err


# --- segments -: the line ending a shell adds -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "length"),
    [
        (b"hi\r\n", 2),  # a Windows line ending: both characters are the shell's
        (b"hi\n", 2),
        (b"hi", 2),
        (b"hi\r", 3),  # a lone \r is part of the text
        (b"hi\n\n", 3),  # only one line ending goes: the text ends with a newline
        (b"h\r\ni\r\n", 4),  # inside the text, \r\n stays
    ],
)
def test_segments_from_stdin_drops_only_the_final_line_ending(
    data: bytes, length: int, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["segments", "-"]) == 0
    assert re.search(rf"length:\s+{length} septets", capsys.readouterr().out)


def test_segments_refuses_stdin_that_is_not_utf8(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"caf\xe9\n")))
    assert main(["segments", "-"]) == 2
    err = capsys.readouterr().err
    assert err == "smsxml: error: standard input is not UTF-8 text (byte 0xe9 at offset 3)\n"


# --- proxy: a password in --to never shows, not even in the exchange lines -----------------------


class _Answer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()
        self.wfile.write(b"<Response/>")

    def log_message(self, *args: object) -> None:
        pass


def test_proxy_never_prints_the_password_of_its_upstream_url(tmp_path: Path) -> None:
    app = HTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    dead = _free_port()  # nothing listens there: the exchange line names the upstream
    port = _free_port()
    env = {**os.environ, ENV_VAR: TOKEN, "PYTHONUNBUFFERED": "1"}
    runs = []
    try:
        for upstream in (app.server_port, dead):
            proc = subprocess.Popen(
                [sys.executable, "-m", "smsxml", "proxy", "--port", str(port),
                 "--to", f"http://user:{PASSWORD}@127.0.0.1:{upstream}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            )  # fmt: skip
            try:
                assert proc.stdout is not None
                first = proc.stdout.readline()
                reply = requests.post(f"http://127.0.0.1:{port}/receive_sms/", data={"Text": "hi"})
                line = proc.stdout.readline()
            finally:
                proc.send_signal(2)  # Ctrl-C
                out, err = proc.communicate(timeout=10)
            runs.append((reply.status_code, first + line + out, err, proc.returncode))
    finally:
        app.shutdown()
    (ok_status, ok_out, ok_err, ok_code), (dead_status, dead_out, dead_err, dead_code) = runs
    assert ok_status == 200 and dead_status == 502
    assert f"→ http://user:••••@127.0.0.1:{app.server_port}" in ok_out
    assert f"http://user:••••@127.0.0.1:{dead}" in dead_out  # the 502's reason names it
    for text in (ok_out, ok_err, dead_out, dead_err):
        assert PASSWORD not in text and TOKEN not in text and "Traceback" not in text
    assert ok_code == dead_code == 0
