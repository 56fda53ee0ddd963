"""smsxml serve / send / replay / demo: real subprocesses and real servers on 127.0.0.1.

Every command runs with ``$PLIVO_AUTH_TOKEN`` set to a marker that must never show up in
what it prints (nor in a recording). Signatures seen by the test servers are checked with
the plivo SDK.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plivo.utils import validate_signature
from strategies import examples

from smsxml.cli import main
from smsxml.cli.auto_reply import DEFAULT_REPLY, auto_reply
from smsxml.inbound import InboundMessage, inbound_request
from smsxml.tokens import DEMO_AUTH_TOKEN, ENV_VAR
from smsxml.webhook import LocalWebhook
from smsxml.xml import validate

MARKER = "MARKER-cli-flow-token-7e3a91"
SENDER, NUMBER = "14155550100", "12025550000"
URL_RE = re.compile(r"http://127\.0\.0\.1:\d+/receive_sms/")


def _env() -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k != ENV_VAR}, ENV_VAR: MARKER}


def _assert_secret_free(*texts: str) -> None:
    for text in texts:
        assert MARKER not in text
        assert DEMO_AUTH_TOKEN not in text


class _Lines:
    """A subprocess's stdout read line by line in a thread, so reads can time out."""

    def __init__(self, stream) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def get(self, timeout: float = 10.0) -> str:
        line = self._queue.get(timeout=timeout)
        assert line is not None, "the process closed its output"
        return line

    def rest(self) -> str:
        self._thread.join(10)
        lines = []
        while not self._queue.empty():
            line = self._queue.get()
            if line is not None:
                lines.append(line)
        return "".join(lines)


def _serve(*args: str) -> tuple[subprocess.Popen, _Lines, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "smsxml", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    lines = _Lines(proc.stdout)
    first = lines.get()
    match = URL_RE.search(first)
    assert match, first
    return proc, lines, match.group()


def _stop(proc: subprocess.Popen, lines: _Lines, how: int) -> types.SimpleNamespace:
    proc.send_signal(how)
    try:
        returncode = proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return types.SimpleNamespace(
        returncode=returncode, rest=lines.rest(), stderr=proc.stderr.read()
    )


@pytest.fixture(autouse=True)
def _env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, MARKER)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> types.SimpleNamespace:
    """``smsxml serve --record FILE`` as a subprocess: a signed request (whose text tries to
    rewrite the terminal) and a forged one, then Ctrl-C."""
    record = tmp_path_factory.mktemp("serve") / "requests.jsonl"
    proc, lines, url = _serve("--record", str(record))
    try:
        good = inbound_request(
            url, MARKER, from_=SENDER, to=NUMBER, text="hello \x1b[2J serve"
        ).send()
        good_line = lines.get()
        forged = inbound_request(url, "not-the-token", from_=SENDER, to=NUMBER, text="hi").send()
        forged_line = lines.get()
    finally:
        stopped = _stop(proc, lines, signal.SIGINT)
    return types.SimpleNamespace(
        url=url, record=record, good=good, forged=forged, good_line=good_line,
        forged_line=forged_line, **vars(stopped),
    )  # fmt: skip


@pytest.fixture
def status_server(serve_wsgi) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A callbackUrl: answers 200 to delivery reports the plivo SDK finds signed with MARKER."""
    seen: list[dict[str, str]] = []

    def app(environ, start_response):
        from urllib.parse import parse_qsl
        from wsgiref.util import request_uri

        length = int(environ.get("CONTENT_LENGTH") or 0)
        params = dict(parse_qsl(environ["wsgi.input"].read(length).decode()))
        valid = validate_signature(
            request_uri(environ),
            environ.get("HTTP_X_PLIVO_SIGNATURE_V2_NONCE", ""),
            environ.get("HTTP_X_PLIVO_SIGNATURE_V2", ""),
            MARKER,
        )
        seen.append({**params, "valid": str(valid)})
        start_response("200 OK" if valid else "403 Forbidden", [("Content-Type", "text/plain")])
        return [b"OK"]

    with serve_wsgi(app) as base:
        yield f"{base}/sms_status/", seen


# --- serve ------------------------------------------------------------------------------------


def test_serve_logs_each_request_and_stops_cleanly_on_ctrl_c(served) -> None:
    assert served.good.status == 200 and served.forged.status == 403
    assert served.good.content_type == "application/xml"
    assert (
        f'<Message src="{NUMBER}" dst="{SENDER}" type="sms">Thanks, we got your message: '
        "hello [2J serve</Message>" in served.good.text  # ESC cannot be written in XML
    )
    assert re.match(
        r"\d\d:\d\d:\d\d  POST /receive_sms/  200  signature valid V3  from 14155550100: "
        r"'hello \\x1b\[2J serve' → 1 SMS$",
        served.good_line.rstrip("\n"),
    ), served.good_line
    assert "\x1b" not in served.good_line
    assert "  403  signature invalid  invalid X-Plivo-Signature-V3 signature — " in (
        served.forged_line
    )
    assert "another auth token" in served.forged_line
    assert served.returncode == 0 and served.rest == ""
    assert "Traceback" not in served.stderr
    assert "stopped after 2 requests" in served.stderr
    _assert_secret_free(served.good_line, served.forged_line, served.stderr)


def test_serve_record_file_holds_both_requests_without_the_token(served) -> None:
    text = served.record.read_text()
    assert len(text.splitlines()) == 2 and "hello" in text
    _assert_secret_free(text)


def test_serve_stops_on_sigterm_without_signatures_and_an_empty_reply() -> None:
    proc, lines, url = _serve("--no-signature", "--reply", "", "--path", "/receive_sms/")
    try:
        import requests

        reply = requests.post(url, data={"From": SENDER, "To": NUMBER, "Text": "x"}, timeout=5)
        line = lines.get()
    finally:
        stopped = _stop(proc, lines, signal.SIGTERM)
    assert reply.status_code == 200 and reply.text.strip() == "<Response/>"
    assert "200  signature not checked" in line and "→ 0 SMSs" in line
    assert stopped.returncode == 0 and "Traceback" not in stopped.stderr
    assert "signatures are not checked" in stopped.stderr


#: Runs ``python -m smsxml ARGS`` with one more thread, which sends Ctrl-C to one of the
#: server's threads once they are up: where the kernel may hand a signal to any thread.
_CTRL_C_TO_A_SERVER_THREAD = """
import runpy, signal, sys, threading, time
def ctrl_c_to_a_server_thread():
    while True:
        time.sleep(0.05)
        server = [t for t in threading.enumerate() if t.name.startswith("smsxml-webhook-")]
        if server:
            time.sleep(0.3)
            signal.pthread_kill(server[0].ident, signal.SIGINT)
            return
threading.Thread(target=ctrl_c_to_a_server_thread, daemon=True).start()
sys.argv = ["smsxml", *sys.argv[1:]]
runpy.run_module("smsxml", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(
    "command",
    [["serve", "--port", "0"], ["proxy", "--port", "0", "--to", "http://127.0.0.1:9"]],
    ids=["serve", "proxy"],
)
def test_ctrl_c_that_lands_on_a_server_thread_still_stops_the_command(command) -> None:
    """The main thread never waits for good: a Ctrl-C the kernel hands to one of the
    server's threads stops the command as one to the main thread does (exit 0, in time)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CTRL_C_TO_A_SERVER_THREAD, *command],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "(Ctrl-C to stop)" in out and "stopped after 0 " in err
    assert "Traceback" not in err


def test_serve_checks_signatures_for_the_public_url_behind_a_tunnel() -> None:
    public = "https://abc.ngrok.app/receive_sms/"
    proc, lines, url = _serve("--public-url", public)
    try:
        import requests

        said = lines.get()
        signed = inbound_request(public, MARKER, from_=SENDER, to=NUMBER, text="via tunnel")
        through = requests.post(url, data=signed.body, headers=signed.headers, timeout=5)
        through_line = lines.get()
        local = inbound_request(url, MARKER, from_=SENDER, to=NUMBER, text="direct")
        direct = requests.post(url, data=local.body, headers=local.headers, timeout=5)
    finally:
        stopped = _stop(proc, lines, signal.SIGINT)
    assert f"signatures are checked for {public}" in said
    assert through.status_code == 200 and "valid V3" in through_line
    assert direct.status_code == 403
    assert stopped.returncode == 0 and "Traceback" not in stopped.stderr


def test_serve_limits_are_applied_and_their_refusals_logged() -> None:
    proc, lines, url = _serve("--threads", "1", "--max-body", "100", "--request-timeout", "0.5")
    try:
        import requests

        port = int(url.split(":")[2].split("/")[0])
        big = requests.post(url, data={"Text": "x" * 200}, timeout=5)
        big_line = lines.get()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as half:
            half.sendall(b"POST /receive_sms/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            answer = half.recv(65536)
        slow_line = lines.get()
    finally:
        stopped = _stop(proc, lines, signal.SIGINT)
    assert big.status_code == 413 and "100 byte limit" in big.text
    assert "  413  " in big_line and "100 byte limit" in big_line
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert "  408  " in slow_line and "within 0.5 s" in slow_line
    assert stopped.returncode == 0 and "Traceback" not in stopped.stderr


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--path", "receive"], "--path must start with '/'"),
        (["--reply", "Hi {name}"], "{name}"),
        (["--reply", "Hi {"], "not a valid template"),
        (["--port", "70000"], "not a port number"),
        (["--record", "/nonexistent-dir/x.jsonl"], "cannot record to"),
        (["--threads", "0"], "0 is below 1"),
        (["--max-body", "lots"], "'lots' is not a whole number"),
        (["--request-timeout", "-1"], "-1 is not above 0 seconds"),
        (["--public-url", "abc.ngrok.app/receive_sms/"], "is not the URL Plivo calls"),
    ],
)
def test_serve_refuses_bad_options_in_one_line(argv, says, capsys) -> None:
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("smsxml: error: ") and err.count("\n") == 1 and says in err


def test_serve_port_in_use(capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smsxml: error: cannot listen on 127.0.0.1:{port}: port {port}")
    assert err.rstrip("\n").endswith("use --port 0 for any free port")
    assert "port=0" not in err
    assert err.count("\n") == 1


# --- replay -----------------------------------------------------------------------------------


def test_replay_the_recording_resigned_then_as_recorded(served, capsys) -> None:
    with LocalWebhook(auto_reply(), MARKER) as hook:
        assert hook.url != served.url
        assert main(["replay", str(served.record), "--url", hook.url]) == 0
        out, err = capsys.readouterr()
        lines = out.splitlines()
        assert lines[0].startswith("Replaying 2 requests from ") and "(re-signed for it)" in out
        assert re.match(
            r"#1 POST /receive_sms/ 'hello \\x1b\[2J serve'  recorded \S+Z: signature valid V3"
            r"  →  now: 200 OK$",
            lines[1],
        ), lines[1]
        assert "signature invalid  →  now: 200 OK" in lines[2]  # the forged one, re-signed
        assert lines[-1] == "2 of 2 answered 2xx"
        assert [e.verdict for e in hook.log] == ["valid V3", "valid V3"]

        # As recorded: signed for the serve URL, so refused at this one.
        assert main(["replay", str(served.record), "--url", hook.url, "--no-resign"]) == 1
        out2, err2 = capsys.readouterr()
        assert "(as recorded)" in out2
        assert out2.count("now: 403 Forbidden (invalid X-Plivo-Signature-V3 signature)") == 2
        assert out2.splitlines()[-1] == "0 of 2 answered 2xx"
        assert [e.status for e in hook.log][-2:] == [403, 403]
    _assert_secret_free(out, err, out2, err2)


def test_replay_bad_input(tmp_path, capsys) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["replay", str(empty), "--url", "http://127.0.0.1:9/receive_sms/"]) == 2
    assert "holds no recorded requests" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "nope"), "--url", "http://127.0.0.1:9/x/"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("smsxml: error: no recording at") and err.count("\n") == 1


# --- send -------------------------------------------------------------------------------------


def test_send_runs_the_whole_flow_against_a_local_webhook(status_server, capsys) -> None:
    status_url, seen = status_server
    with LocalWebhook(auto_reply(callback_url=status_url), MARKER) as hook:
        argv = ["send", hook.url, "--text", "hi there", "--seed", "7"]
        assert main(argv) == 0
        out, err = capsys.readouterr()
        assert main(argv) == 0
        assert capsys.readouterr().out == out  # --seed: the same output every run
    assert out.startswith(f"Flow: SMS from {SENDER} to {NUMBER}: POST {hook.url}")
    assert "problems: 1\n    2:3: warning callback-unreachable: " in out  # 127.0.0.1: fine offline
    assert f"{NUMBER} → {SENDER}  1 unit GSM-7  delivered" in out
    assert "reports:  3 sent, 3 answered 2xx" in out
    assert re.search(r"#3 delivered +POST http://127\.0\.0\.1:\d+/sms_status/ → 200", out)
    assert "  reply body:\n    <Response>\n" in out
    assert f'<Message src="{NUMBER}" dst="{SENDER}" type="sms" callbackUrl="{status_url}">' in out
    assert [r["Status"] for r in seen[:3]] == ["queued", "sent", "delivered"]
    assert all(r["valid"] == "True" for r in seen)
    _assert_secret_free(out, err)


def test_send_owns_the_number_texted_and_uses_get(capsys) -> None:
    with LocalWebhook(auto_reply("{from} texted {to}"), MARKER) as hook:
        assert main(["send", hook.url, "--to", "+1 415 555 0199", "--text", "x", "--get"]) == 0
        entry = hook.log.last
    out = capsys.readouterr().out
    assert entry.method == "GET" and entry.message.to == "14155550199"
    assert "14155550100 texted 14155550199" in out and "problems: none" in out


def test_send_exit_1_when_plivo_would_object(capsys) -> None:
    with LocalWebhook(
        lambda m: "<Response><Message dst='1'>x</Message></Response>", MARKER
    ) as hook:
        assert main(["send", hook.url, "--text", "x"]) == 1
    out = capsys.readouterr().out
    assert "nothing-sent" in out and "outbound: 0 SMS" in out
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/receive_sms/"
    assert main(["send", closed, "--text", "x"]) == 1
    assert "message-url-unreachable" in capsys.readouterr().out
    assert main(["send", "not-a-url", "--text", "x"]) == 2
    assert capsys.readouterr().err.startswith("smsxml: error: ")


# --- demo -------------------------------------------------------------------------------------


def _demo() -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "smsxml", "demo"],
        capture_output=True, text=True, env=_env(), timeout=30,
    )  # fmt: skip
    return result, time.monotonic() - started


def test_demo_runs_offline_quickly_and_stably() -> None:
    result, seconds = _demo()
    assert result.returncode == 0, result.stderr
    assert seconds < 10
    out = result.stdout
    for heading in (
        "== 1. Your webhook is listening ==",
        "== 2. 14155550100 texts your number 12025550000: Plivo calls your app ==",
        "== 3. Your app answers with Message XML ==",
        "== 4. Plivo sends the reply ==",
        "== 5. Delivery reports arrive at your callbackUrl ==",
        "== 6. A forged request is refused ==",
    ):
        assert heading in out
    assert "  curl -i http://127.0.0.1:" in out and "X-Plivo-Signature-V2: " in out
    assert "validation: valid Message XML" in out
    assert "1 unit, UCS-2 (not GSM-7 because of 🙂)" in out
    assert out.count("signature valid V3") >= 4  # the inbound request and 3 reports
    assert out.count("→ HTTP 403 Forbidden") == 2
    assert "diagnosis: " in out and "(scheme differs)" in out
    assert "2 forged requests refused with 403" in out
    assert result.stderr == ""
    _assert_secret_free(out)
    again, _ = _demo()
    # The seed fixes nonces and UUIDs: only the ports (and so the signatures) change.
    varying = re.compile(r"127\.0\.0\.1:\d+|X-Plivo-Signature-(Ma-)?V[23]: \S+")
    assert varying.sub("…", again.stdout) == varying.sub("…", out)


# --- the pieces -------------------------------------------------------------------------------


@settings(max_examples=examples(150), deadline=None)
@given(text=st.text(max_size=1700), sender=st.sampled_from([SENDER, "+44 7700 900123"]))
def test_auto_reply_always_answers_valid_xml(text: str, sender: str) -> None:
    message = InboundMessage(from_=sender, to=NUMBER, text=text)
    xml = auto_reply()(message).to_xml()
    assert not [p for p in validate(xml) if p.severity == "error"]
    assert DEFAULT_REPLY.split("{")[0] in xml


def test_auto_reply_template_fields() -> None:
    reply = auto_reply("{to} got {text!r} from {from}")(
        InboundMessage(from_=SENDER, to=NUMBER, text="yo")
    )
    assert reply.messages[0].text == f"{NUMBER} got 'yo' from {SENDER}"
    assert reply.messages[0].src == NUMBER and reply.messages[0].dst == SENDER


def test_auto_reply_writes_numbers_as_plivo_does() -> None:
    reply = auto_reply("{from} → {to}")(
        InboundMessage(from_="+1 (415) 555-0100\x07", to=" ACME ", text="x")
    )
    message = reply.messages[0]
    assert message.dst == SENDER and message.src == "ACME"
    assert message.text == f"{SENDER} → ACME"


def test_inbound_and_send_make_mms_and_whatsapp_messages(capsys) -> None:
    seen: list[InboundMessage] = []

    def handler(message: InboundMessage) -> str:
        seen.append(message)
        return "<Response/>"

    photo = "https://media.example.com/p.jpg"
    with LocalWebhook(handler, MARKER) as hook:
        argv = ["inbound", hook.url, "--from", SENDER, "--to", NUMBER, "--text", ""]
        assert main([*argv, "--type", "mms", "--media", photo, "--media", photo + "?2"]) == 0
        argv = ["send", hook.url, "--text", "hola", "--type", "whatsapp", "--seed", "1"]
        assert main([*argv, "--media", photo]) == 0
    assert [(m.type, m.text, m.media) for m in seen] == [
        ("mms", "", (photo, photo + "?2")),
        ("whatsapp", "hola", (photo,)),
    ]
    out = capsys.readouterr().out
    assert "WhatsApp from" in out and "+ 1 media" in out
    _assert_secret_free(out)


def test_media_on_an_sms_is_refused_in_one_line(capsys) -> None:
    argv = ["inbound", "http://127.0.0.1:9/receive_sms/", "--from", "1", "--to", "2"]
    assert main([*argv, "--text", "hi", "--media", "https://e.com/a.jpg"]) == 2
    err = capsys.readouterr().err
    assert "an SMS carries no media" in err and err.count("smsxml: error:") == 1


def test_inbound_shows_what_is_wrong_with_the_reply(capsys) -> None:
    """`smsxml inbound --from abc`: the echo reply is sent to 'abc'; the warning is shown."""
    with LocalWebhook(auto_reply(), MARKER) as hook:
        argv = ["inbound", hook.url, "--from", "abc", "--to", NUMBER, "--text", "hi"]
        assert main(argv) == 0
    out, err = capsys.readouterr()
    assert 'dst="abc"' in out
    assert "the reply has 1 XML error" in err
    assert "reply:2:3: bad-number" in err and "hint:" in err


def test_serve_accepts_an_old_token_while_you_rotate() -> None:
    """--old-auth-token: a request signed with the old token is still served."""
    import socket
    import subprocess
    import sys
    import time

    from smsxml.inbound import inbound_request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    new, old = "MAnewTOKEN-rotation-0123456789", "MAoldTOKEN-rotation-9876543210"
    proc = subprocess.Popen(
        [sys.executable, "-m", "smsxml", "serve", "--port", str(port), "--auth-token", new,
         "--old-auth-token", old],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/receive_sms/"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        for token in (new, old):
            sent = inbound_request(url, token, from_="14155550100", to="12025550000", text="hi")
            assert sent.send().status == 200, token
        other = inbound_request(url, "MAsomeoneELSE-000000000", from_="1", to="2", text="x")
        assert other.send().status == 403
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert new not in out and old not in out
