"""The smsxml command line: a few key paths as real subprocesses (``python -m smsxml``),
the rest in-process through ``main([...])``. Tokens given never show up in the output."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from plivo.utils import validate_signature

from smsxml.cli import main
from smsxml.signature import sign_v2
from smsxml.tokens import DEMO_AUTH_TOKEN, ENV_VAR

SECRET = "SECRET-cli-token-5d8e1f"
MAIN_SECRET = "SECRET-main-token-a94c02"
URL = "https://example.com/receive_sms/"
NONCE = "05429567804466091622"
GOOD_XML = (
    '<Response>\n  <Message src="12025550000" dst="12025551111" type="sms">Hi</Message>\n'
    "</Response>\n"
)
BAD_XML = '<Response>\n  <message src="12025550000" dst="12025551111">Hi</message>\n</Response>\n'


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None):
    """``python -m smsxml ARGS`` in a clean environment (no token unless given)."""
    base = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    return subprocess.run(
        [sys.executable, "-m", "smsxml", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**base, **(env or {})},
        timeout=60,
    )


@pytest.fixture(autouse=True)
def _no_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def xml_files(tmp_path: Path) -> tuple[Path, Path]:
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    good.write_text(GOOD_XML)
    bad.write_text(BAD_XML)
    return good, bad


@pytest.fixture
def server(serve_wsgi) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A local app that answers Message XML and checks the signature with the plivo SDK."""
    seen: list[dict[str, str]] = []

    def app(environ, start_response):
        from wsgiref.util import request_uri

        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = environ["wsgi.input"].read(length).decode() if length else ""
        valid = validate_signature(
            request_uri(environ),
            environ.get("HTTP_X_PLIVO_SIGNATURE_V2_NONCE", ""),
            environ.get("HTTP_X_PLIVO_SIGNATURE_V2", ""),
            SECRET,
        )
        seen.append(
            {
                "method": environ["REQUEST_METHOD"],
                "form": form,
                "query": environ.get("QUERY_STRING", ""),
                "valid": str(valid),
            }
        )
        status = "200 OK" if valid else "403 Forbidden"
        body = GOOD_XML.encode() if valid else b"bad signature"
        start_response(status, [("Content-Type", "text/xml" if valid else "text/plain")])
        return [body]

    with serve_wsgi(app) as base:
        yield f"{base}/sms/", seen


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- subprocess: the real command ------------------------------------------------------------


def test_subprocess_segments() -> None:
    result = run("segments", "a" * 161)
    assert result.returncode == 0, result.stderr
    assert "GSM-7" in result.stdout and re.search(r"units:\s+2", result.stdout)
    assert "153 septets" in result.stdout and "part 2" in result.stdout


def test_subprocess_validate_exit_codes(xml_files: tuple[Path, Path]) -> None:
    good, bad = xml_files
    assert run("validate", str(good)).returncode == 0
    result = run("validate", str(bad))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert re.match(rf"{re.escape(str(bad))}:2:3: unknown-element ", first)
    assert result.stdout.splitlines()[1].startswith("    ")  # the hint, indented
    assert run("validate", "-", stdin=GOOD_XML).returncode == 0
    missing = run("validate", str(good.parent / "missing.xml"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("smsxml: error: cannot read")


def test_subprocess_sign_with_env_token_prints_no_token() -> None:
    result = run("sign", "--url", URL, "--nonce", NONCE, env={ENV_VAR: SECRET})
    assert result.returncode == 0
    assert result.stdout.strip() == sign_v2(URL, NONCE, SECRET)
    assert result.stderr == ""  # no demo notice: the env token was used
    assert SECRET not in result.stdout + result.stderr


def test_subprocess_error_is_one_line_without_traceback() -> None:
    result = run("sign", "--url", "example.com/sms", "--auth-token", SECRET)
    assert result.returncode == 2
    assert result.stderr.startswith("smsxml: error: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    usage = run("sign", "--bogus")
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1
    assert usage.stderr.startswith("smsxml: error: ")


def test_subprocess_inbound_against_a_real_server(server) -> None:
    url, seen = server
    result = run(
        "inbound",
        url,
        "--from",
        "+14155550100",
        "--to",
        "14155550111",
        "--text",
        "STOP",
        "--auth-token",
        SECRET,
        "--main-auth-token",
        MAIN_SECRET,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == GOOD_XML
    assert "HTTP 200 OK (text/xml" in result.stderr
    assert seen[-1]["valid"] == "True" and "MessageIntent=optout" in seen[-1]["form"]
    assert SECRET not in result.stdout + result.stderr
    assert MAIN_SECRET not in result.stdout + result.stderr


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("smsxml")
    if not script.exists():
        pytest.skip("the smsxml console script is not installed in this environment")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("smsxml ")


# --- in-process -----------------------------------------------------------------------------


def test_validate_in_process(xml_files, capsys, monkeypatch) -> None:
    good, bad = xml_files
    assert main(["validate", str(good)]) == 0
    assert "valid Plivo Message XML" in capsys.readouterr().out
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "hint: did you mean <Message>?" in out and "not valid" in out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD_XML.encode())))
    assert main(["validate", "-"]) == 1
    assert capsys.readouterr().out.startswith("<stdin>:2:3: unknown-element")


def test_validate_warnings_do_not_fail(tmp_path, capsys) -> None:
    path = tmp_path / "warn.xml"
    path.write_text(GOOD_XML.replace(">Hi<", ">\n    Hi\n  <"))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"warn\.xml:2:3: \S+ warning: ", out)
    assert "(1 warning)" in out


def test_sign_generates_and_prints_the_nonce(capsys) -> None:
    assert main(["sign", "--url", URL, "--auth-token", SECRET]) == 0
    out, err = capsys.readouterr()
    nonce_line, signature_line = out.splitlines()
    nonce = nonce_line.removeprefix("X-Plivo-Signature-V2-Nonce: ")
    assert len(nonce) == 20 and nonce.isdigit()
    signature = signature_line.removeprefix("X-Plivo-Signature-V2: ")
    assert validate_signature(URL, nonce, signature, SECRET)
    assert err == "" and SECRET not in out


def test_sign_explain_and_demo_token_notice(capsys) -> None:
    assert main(["sign", "--url", URL + "?a=1", "--nonce", NONCE, "--explain"]) == 0
    out, err = capsys.readouterr()
    assert "?a=1" in out and URL + NONCE in out
    assert sign_v2(URL, NONCE, DEMO_AUTH_TOKEN) in out
    assert err.strip() == (
        "smsxml: no auth token given (--auth-token or PLIVO_AUTH_TOKEN); using the demo token"
    )
    assert DEMO_AUTH_TOKEN not in out + err


def test_verify_says_valid_for_the_public_url_behind_a_proxy(capsys) -> None:
    local = "http://127.0.0.1:5000/receive_sms/"
    good = sign_v2(URL, NONCE, SECRET)
    argv = ["verify", "--url", local, "--nonce", NONCE, "--signature", good]
    assert main([*argv, "--public-url", URL, "--auth-token", SECRET]) == 0
    out = capsys.readouterr().out
    assert out.startswith("valid: signed for the public URL") and SECRET not in out
    assert main([*argv, "--auth-token", SECRET]) == 1  # without it: invalid, diagnosed
    assert capsys.readouterr().out.startswith("invalid:")


def test_verify_valid_invalid_and_diagnosed(capsys) -> None:
    good = sign_v2(URL, NONCE, SECRET)
    assert (
        main(
            ["verify", "--url", URL, "--nonce", NONCE, "--signature", good, "--auth-token", SECRET]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("valid:")
    # Plivo called https, the app behind a TLS proxy sees http
    seen_url = URL.replace("https:", "http:")
    assert (
        main(
            [
                "verify",
                "--url",
                seen_url,
                "--nonce",
                NONCE,
                "--signature",
                good,
                "--auth-token",
                SECRET,
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert out.startswith("invalid:") and "scheme" in out
    # Ma-V2 is valid with the main token
    ma = sign_v2(URL, NONCE, MAIN_SECRET)
    assert (
        main(
            [
                "verify",
                "--url",
                URL,
                "--nonce",
                NONCE,
                "--signature",
                ma,
                "--auth-token",
                SECRET,
                "--main-auth-token",
                MAIN_SECRET,
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert "main account" in out
    assert SECRET not in out + err and MAIN_SECRET not in out + err


def test_segments_in_process(capsys, monkeypatch) -> None:
    assert main(["segments", "a" * 68 + "😀"]) == 0
    out = capsys.readouterr().out
    assert "UCS-2" in out and "😀" in out and re.search(r"units:\s+1", out)
    assert "70 code units" in out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x{y}\n")))
    assert main(["segments", "-"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"length:\s+6 septets", out) and "{ }" in out


def test_inbound_curl_and_get(server, capsys) -> None:
    url, seen = server
    inbound = ["inbound", url, "--from", "1", "--to", "2", "--text", "hi", "--auth-token", SECRET]
    assert main([*inbound, "--curl"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"curl -i {url}") and "--data-binary" in out and seen == []
    assert SECRET not in out
    assert main([*inbound, "--get"]) == 0
    out, err = capsys.readouterr()
    assert out == GOOD_XML and "HTTP 200" in err
    assert seen[-1]["method"] == "GET" and "Text=hi" in seen[-1]["query"]


def test_inbound_and_send_share_the_default_numbers(server, capsys) -> None:
    """`inbound` asks for no more than `send` does: both text 12025550000 from 14155550100."""
    url, seen = server
    assert main(["inbound", url, "--text", "hi", "--get", "--auth-token", SECRET]) == 0
    query = seen[-1]["query"]
    assert "From=14155550100" in query and "To=12025550000" in query
    capsys.readouterr()
    for command in ("inbound", "send"):
        assert main([command, "--help"]) == 0
        usage = " ".join(capsys.readouterr().out.split())  # as one line, however wrapped
        assert "default: 14155550100" in usage and "default: 12025550000" in usage


def test_inbound_wrong_token_shows_the_status_and_fails(server, capsys) -> None:
    url, _ = server
    assert main(["inbound", url, "--from", "1", "--to", "2", "--text", "hi"]) == 1
    out, err = capsys.readouterr()
    assert "HTTP 403 Forbidden" in err and out == "bad signature\n"
    assert "using the demo token" in err


def test_inbound_connection_refused(capsys) -> None:
    url = f"http://127.0.0.1:{_free_port()}/sms/"
    assert (
        main(["inbound", url, "--from", "1", "--to", "2", "--text", "hi", "--auth-token", SECRET])
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("smsxml: error: could not connect to") and "refused" in err
    assert err.count("\n") == 1 and SECRET not in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["sign"],
        ["inbound", URL, "--from", "1", "--to", "2"],
        ["inbound", "/relative", "--from", "1", "--to", "2", "--text", "x"],
        ["verify", "--url", "nope", "--nonce", "1", "--signature", "x"],
        ["inbound", URL, "--from", "1", "--to", "2", "--text", "x", "--timeout", "soon"],
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "demo token" not in line]
    assert len(lines) == 1 and lines[0].startswith("smsxml: error: ")


SUBCOMMANDS = [
    "validate",
    "sign",
    "verify",
    "segments",
    "inbound",
    "serve",
    "send",
    "check",
    "proxy",
    "replay",
    "demo",
]


def test_help_lists_exactly_the_subcommands_in_order(capsys) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^    (\w+)  ", out, re.MULTILINE)
    assert listed == SUBCOMMANDS
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("smsxml ")


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_its_help(name, capsys) -> None:
    assert main([name, "--help"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"usage: smsxml {name} ") and err == ""


def test_console_script_entry_point_is_main() -> None:
    found = entry_points(group="console_scripts", name="smsxml")
    if not found:
        pytest.skip("smsxml is not installed in this environment")
    (script,) = found
    assert script.value == "smsxml.cli:main" and script.load() is main


def _help(name: str, capsys) -> str:
    assert main([name, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("name", ["sign", "inbound", "send", "replay"])
def test_auth_token_help_of_signing_commands_says_sign(name, capsys) -> None:
    assert "--auth-token TOKEN auth token to sign with (default:" in _help(name, capsys)


@pytest.mark.parametrize("name", ["verify", "serve"])
def test_auth_token_help_of_checking_commands_says_check(name, capsys) -> None:
    text = _help(name, capsys)
    assert "--auth-token TOKEN auth token to check signatures with (default:" in text
    assert "sign with" not in text
    assert "main account's auth token, to accept an X-Plivo-" in text


def test_tokens_never_printed(monkeypatch, capsys, xml_files, server) -> None:
    url, _ = server
    good, _bad = xml_files
    sig = sign_v2(URL, NONCE, SECRET)
    runs = [
        ["sign", "--url", URL, "--nonce", NONCE, "--explain"],
        ["sign", "--url", URL],
        ["verify", "--url", URL, "--nonce", NONCE, "--signature", sig],
        [
            "verify",
            "--url",
            URL,
            "--nonce",
            NONCE,
            "--signature",
            "x",
            "--main-auth-token",
            MAIN_SECRET,
        ],
        ["inbound", url, "--from", "1", "--to", "2", "--text", SECRET[:6]],
        ["inbound", url, "--from", "1", "--to", "2", "--text", "x", "--curl"],
        ["inbound", "bad-url", "--from", "1", "--to", "2", "--text", "x"],
        ["validate", str(good)],
    ]
    outputs = []
    for argv in runs:
        for extra, env in (([], SECRET), (["--auth-token", SECRET], None)):
            if env:
                monkeypatch.setenv(ENV_VAR, env)
            else:
                monkeypatch.delenv(ENV_VAR, raising=False)
            main(argv + (extra if argv[0] != "validate" else []))
            out, err = capsys.readouterr()
            outputs.append(out + err)
    joined = "\n".join(outputs)
    assert SECRET not in joined and MAIN_SECRET not in joined


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        # a misspelt option: its value is not echoed, the other words are
        (["sign", "--url", URL, "--auth-tokn", SECRET, "stray"], "--auth-tokn … stray"),
        (["sign", "--url", URL, "--main-auth-tokn", MAIN_SECRET], "--main-auth-tokn …"),
        # options this command does not have, with a token value
        (["segments", "x", f"--auth-token={SECRET}", "more"], "--auth-token=… more"),
        (["sign", "--url", URL, "--main-auth-token", MAIN_SECRET], "--main-auth-token …"),
        # a correct --auth-token, and its value again further on
        (["sign", "--url", URL, "--auth-token", SECRET, SECRET, "x"], "… x"),
    ],
)
def test_unrecognized_arguments_are_named_but_token_values_are_not(argv, shown, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smsxml: error: unrecognized arguments: {shown} (see 'smsxml ")
    assert err.count("\n") == 1
    assert SECRET not in err and MAIN_SECRET not in err
    assert "quote a text" not in err


def test_a_token_before_the_command_is_not_echoed(capsys) -> None:
    assert main(["--auth-token", SECRET, "sign", "--url", URL]) == 2
    err = capsys.readouterr().err
    assert err.startswith("smsxml: error: ") and "invalid choice" in err
    assert SECRET not in err


@pytest.mark.parametrize(
    ("argv", "shown", "like"),
    [
        (["segments", "see", "you", "soon"], "you soon", 'smsxml segments "see you at 5"'),
        (["inbound", URL, "--from", "1", "--to", "2", "--text", "hi", "there"], "there",
         '--text "see you at 5"'),
        (["send", URL, "--text", "see", "you", "--seed", "1", "soon"], "you soon",
         '--text "see you at 5"'),
        (["serve", "--reply", "thanks", "a", "lot"], "a lot", '--reply "see you at 5"'),
    ],
)  # fmt: skip
def test_a_split_text_gets_a_hint_to_quote_it(argv, shown, like, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"smsxml: error: unrecognized arguments: {shown}; quote a text with spaces, like {like} "
    )
    assert err.count("\n") == 1


def test_no_quoting_hint_where_no_text_is_taken(xml_files, capsys) -> None:
    good, bad = xml_files
    assert main(["validate", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smsxml: error: unrecognized arguments: {bad} (see 'smsxml validate")
    assert "quote" not in err
    assert main(["send", URL, "--text", "hi", "--bogus", "x"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --bogus x (see" in err and "quote" not in err
