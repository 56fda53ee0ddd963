"""Replaying recorded requests to real servers: re-signed, as recorded, edited."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples

from smsxml.cli import main
from smsxml.exc import ReplayError
from smsxml.inbound import inbound_request
from smsxml.playback import ReplayResult, replay
from smsxml.recording import RecordedRequest, load
from smsxml.signature import validate_v2
from smsxml.simulator import Simulator
from smsxml.webhook import LocalWebhook, WebhookApp
from smsxml.xml import Response

TOKEN = "replay-test-TOKEN-93c1d0aa51"
MAIN = "replay-test-MAIN-7e62bb0c08"
OWN = "12025550000"
PHONE = "14155550100"


def echo(message: Any) -> Response:
    return Response().add_message(f"echo: {message.text}", src=message.to, dst=message.from_)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """Two real inbound requests, recorded by a webhook on 127.0.0.1."""
    path = tmp_path / "inbound.jsonl"
    with LocalWebhook(echo, TOKEN, record_to=str(path)) as hook:
        sim = Simulator(TOKEN, seed=21)
        assert sim.receive_sms(hook.url, PHONE, OWN, "first").ok
        assert sim.receive_sms(hook.url, PHONE, OWN, "second", method="GET").ok
    assert len(load(path)) == 2
    return path


def test_resigned_replay_is_accepted_at_a_new_url(recording: Path) -> None:
    with LocalWebhook(echo, TOKEN, reject_replayed_nonces=True) as hook:
        results = replay(recording, hook.url, TOKEN)
        log = list(hook.log)
    assert [r.status for r in results] == [200, 200]
    assert [e.verdict for e in log] == ["valid V3", "valid V3"]
    assert [e.message.text for e in log] == ["first", "second"]
    assert [e.method for e in log] == ["POST", "GET"]
    originals = load(recording)
    for result, original in zip(results, originals, strict=True):
        assert result.original == original and result.resigned
        assert result.request.nonce != original.headers["X-Plivo-Signature-V2-Nonce"]
        assert result.request.url.startswith(hook.url)
        assert "echo: " in result.reply.text


def test_a_stale_replay_to_another_url_is_refused(recording: Path) -> None:
    with LocalWebhook(echo, TOKEN) as hook:
        results = replay(recording, hook.url, TOKEN, resign=False)
        log = list(hook.log)
    assert [r.status for r in results] == [403, 403]
    assert [e.verdict for e in log] == ["invalid", "invalid"]
    assert all(not r.resigned and not r.ok for r in results)
    original = load(recording)[0]
    assert results[0].request.signature == original.headers["X-Plivo-Signature-V2"]
    assert results[0].request.nonce == original.headers["X-Plivo-Signature-V2-Nonce"]


def test_a_verbatim_replay_is_a_duplicate_and_an_edited_one_is_refused(tmp_path: Path) -> None:
    """Same URL, same signature: a byte-for-byte repeat is served as a duplicate (a retry);
    the same nonce on another body is refused, by V3 or, without V3, by nonce memory."""
    path = tmp_path / "rec.jsonl"
    guarded = WebhookApp(echo, TOKEN, record_to=str(path))  # replay memory: on by default
    more = {"Text": "pay me more"}
    with LocalWebhook(guarded) as hook:
        Simulator(TOKEN).receive_sms(hook.url, PHONE, OWN, "pay me")
        recorded = load(path)
        (same,) = replay(recorded, hook.url, resign=False)
        assert same.status == 200 and hook.log.last.detail == "duplicate"
        (edited,) = replay(recorded, hook.url, resign=False, edit=more)
        assert edited.status == 403 and hook.log.last.verdict == "invalid"  # V3 signs the body
        stripped = [
            dataclasses.replace(r, headers={k: v for k, v in r.headers.items() if "V3" not in k})
            for r in recorded
        ]
        (forged,) = replay(stripped, hook.url, resign=False, edit=more)
        assert forged.status == 403 and hook.log.last.verdict == "replayed nonce"
        assert "nonce already used" in forged.reply.text
        (fresh,) = replay(recorded, hook.url, TOKEN)
        assert fresh.status == 200
    naive = WebhookApp(echo, TOKEN, reject_replayed_nonces=False)
    with LocalWebhook(naive, port=hook.port) as same_url:
        (accepted,) = replay(stripped, same_url.url, resign=False, edit=more)
    assert accepted.status == 200  # no nonce memory: the V2-only forgery gets through


def test_edit_with_a_dict_and_a_function(recording: Path) -> None:
    with LocalWebhook(echo, TOKEN) as hook:
        replay(recording, hook.url, TOKEN, edit={"Text": "changed"})
        replay(
            recording, hook.url, TOKEN, edit=lambda p: {**p, "Text": p["Text"].upper(), "Extra": 1}
        )
        texts = [e.message.text for e in hook.log]
        extra = hook.log.last.params.get("Extra")
    assert texts == ["changed", "changed", "FIRST", "SECOND"] and extra == "1"
    with pytest.raises(ReplayError):
        replay(recording, "http://127.0.0.1:9/", TOKEN, edit=lambda p: None)
    with pytest.raises(ReplayError):
        replay(recording, "http://127.0.0.1:9/", TOKEN, edit=42)


def test_edited_stale_replay_keeps_the_old_signature(recording: Path) -> None:
    with LocalWebhook(echo, TOKEN) as hook:
        (post, _) = replay(recording, hook.url, resign=False, edit={"Text": "forged"})
    assert post.status == 403 and post.request.params["Text"] == "forged"
    assert b"Text=forged" in post.request.body


def test_replay_webhook_log_entries_and_recorded_objects() -> None:
    with LocalWebhook(echo, TOKEN) as source:
        Simulator(TOKEN).receive_sms(source.url, PHONE, OWN, "from the log")
        entries = list(source.log)
    with LocalWebhook(echo, TOKEN) as target:
        (result,) = replay(entries, target.url, TOKEN)
        assert result.status == 200 and target.log.last.message.text == "from the log"
        recorded = RecordedRequest(
            "POST",
            "http://old.example/receive_sms/",
            params={"From": PHONE, "To": OWN, "Text": "made by hand"},
        )
        (made,) = replay(recorded, target, TOKEN)  # an object with .url: a LocalWebhook
        assert made.status == 200 and target.log.last.message.text == "made by hand"


def test_replay_into_a_wsgi_app_in_process(recording: Path) -> None:
    app = WebhookApp(echo, TOKEN, reject_replayed_nonces=True)
    results = replay(recording, app, TOKEN, main_auth_token=MAIN)
    assert [r.status for r in results] == [200, 200]
    assert [e.url.split("?")[0] for e in app.log] == [load(recording)[0].url] * 2
    assert all(r.request.ma_signature for r in results)
    stale = replay(recording, app, resign=False)  # the recorded URL: signature still valid
    assert [r.status for r in stale] == [200, 200]
    again = replay(recording, app, resign=False)  # the same requests again: duplicates
    assert [r.status for r in again] == [200, 200]
    assert [e.detail for e in app.log][-2:] == ["duplicate", "duplicate"]


def test_an_unreachable_target_is_reported(recording: Path) -> None:
    results = replay(recording, f"http://127.0.0.1:{free_port()}/receive_sms/", TOKEN, timeout=2)
    assert [r.status for r in results] == [None, None]
    assert all("connection refused" in r.error for r in results)
    assert "not delivered" in repr(results[0])


def test_bad_sources(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"version": 1, "method": "POST"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        replay(bad, "http://127.0.0.1:9/")
    with pytest.raises(ReplayError):
        replay([42], "http://127.0.0.1:9/")
    with pytest.raises(ReplayError):
        replay([], 42)
    assert replay([], "http://127.0.0.1:9/") == []


def test_views_show_both_sides_and_no_token(recording: Path) -> None:
    with LocalWebhook(echo, TOKEN, main_auth_token=MAIN) as hook:
        fresh, _ = replay(recording, hook.url, TOKEN, main_auth_token=MAIN, edit={"Text": "new"})
        stale, _ = replay(recording, hook.url, resign=False)
    assert isinstance(fresh, ReplayResult)
    text, html = str(fresh), fresh._repr_html_()
    original = load(recording)[0]
    assert original.url in text and fresh.request.url in text
    assert "re-signed" in text and "200 OK" in text and "changed: Text" in text
    assert "<th>recorded</th><th>replayed</th>" in html
    assert "as recorded" in str(stale) and "403" in repr(stale)
    for view in (
        text,
        html,
        repr(fresh),
        str(stale),
        stale._repr_html_(),
        recording.read_text(encoding="utf-8"),
        json.dumps(original.to_dict()),
    ):
        assert TOKEN not in view and MAIN not in view


def test_what_the_target_answers_is_kept_as_sent(recording: Path) -> None:
    """Hiding a token never changes data: a target that echoes it back is shown as it
    answered; what smsxml itself shows of the replay holds no token."""

    def leaky(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Debug", MAIN)])
        return [f"token was {TOKEN}".encode()]

    (result, _) = replay(recording, leaky, TOKEN, main_auth_token=MAIN)
    assert result.status == 200 and result.reply.text == f"token was {TOKEN}"
    assert result.reply.headers["X-Debug"] == MAIN
    for view in (repr(result.request), result.request.to_curl(), str(result.original)):
        assert TOKEN not in view and MAIN not in view


def views(results: list[ReplayResult]) -> list[tuple[str, str, str]]:
    return [(str(r), r._repr_html_(), repr(r)) for r in results]


def test_a_seeded_replay_is_the_same_on_every_run(recording: Path) -> None:
    with LocalWebhook(echo, TOKEN) as hook:
        first = replay(recording, hook.url, TOKEN, seed=5)
        again = replay(recording, hook.url, TOKEN, seed=5)
        other = replay(recording, hook.url, TOKEN, seed=6)
        unseeded = replay(recording, hook.url, TOKEN)
        verdicts = [e.verdict for e in hook.log]
    assert verdicts == ["valid V3"] * 8
    assert views(first) == views(again)
    nonces = [r.request.nonce for r in first]
    assert nonces == [r.request.nonce for r in again]
    assert len(set(nonces)) == 2 and all(len(n) == 20 and n.isdigit() for n in nonces)
    assert [r.request.signature for r in first] == [r.request.signature for r in again]
    assert not set(nonces) & {r.request.nonce for r in other}
    assert not set(nonces) & {r.request.nonce for r in unseeded}
    assert views(first) != views(other)
    for result in first:  # the wall-clock time of the recording is not in the views
        assert result.original.time not in str(result) + result._repr_html_()
        assert "nonce" in str(result) and result.request.nonce in result._repr_html_()


def test_a_seeded_replay_into_fresh_apps_is_identical(recording: Path) -> None:
    """In-process at the recorded URL: no new port, so the whole view repeats."""
    runs = [replay(recording, WebhookApp(echo, TOKEN), TOKEN, seed=11) for _ in range(2)]
    assert [r.status for r in runs[0]] == [200, 200]
    assert views(runs[0]) == views(runs[1])


def test_the_same_seed_twice_is_a_duplicate_never_refused(recording: Path) -> None:
    """A seeded replay run twice repeats its nonces on the same requests: duplicates."""
    app = WebhookApp(echo, TOKEN)
    assert [r.status for r in replay(recording, app, TOKEN, seed=3)] == [200, 200]
    assert [r.status for r in replay(recording, app, TOKEN, seed=3)] == [200, 200]
    assert [e.detail for e in app.log] == ["", "", "duplicate", "duplicate"]
    assert [r.status for r in replay(recording, app, TOKEN, seed=4)] == [200, 200]


@pytest.mark.parametrize("seed", ["5", 1.5, True, [1]])
def test_a_bad_seed_is_refused(recording: Path, seed: Any) -> None:
    with pytest.raises(ReplayError, match="seed must be a whole number"):
        replay(recording, WebhookApp(echo, TOKEN), TOKEN, seed=seed)


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(min_value=-(2**70), max_value=2**70))
def test_seeded_nonces_repeat_for_the_same_requests_only(recording: Path, seed: int) -> None:
    """A seed gives the same nonces for the same requests on every run, and other nonces as
    soon as a request changes (so replay memory never sees one nonce for two bodies)."""
    results = replay(recording, WebhookApp(echo, TOKEN), TOKEN, seed=seed)
    again = replay(recording, WebhookApp(echo, TOKEN), TOKEN, seed=seed)
    nonces = [r.request.nonce for r in results]
    assert nonces == [r.request.nonce for r in again]
    assert all(n is not None and len(n) == 20 and n.isdigit() for n in nonces)
    edited = replay(recording, WebhookApp(echo, TOKEN), TOKEN, seed=seed, edit={"Text": "x"})
    assert not set(nonces) & {r.request.nonce for r in edited}
    post = results[0].request
    assert validate_v2(post.url, post.nonce, post.signature, TOKEN)


# --- nothing is lost on the way ------------------------------------------------------------------


def _recorded_by(app: WebhookApp, request: Any, path: Path) -> RecordedRequest:
    request.send(target=app)
    return load(path)[-1]


def test_a_resigned_post_keeps_its_url_and_body_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    app = WebhookApp(echo, TOKEN, record_to=str(path))
    url = "http://testserver/receive_sms/?campaign=a&campaign=b"
    sent = inbound_request(url, TOKEN, from_=PHONE, to=OWN, text="hi")
    recorded = _recorded_by(app, sent, path)
    (result,) = replay([recorded], app, TOKEN)
    assert result.status == 200
    assert result.request.url == recorded.url == sent.url
    assert result.request.body == recorded.body_bytes == sent.body
    assert result.request.nonce != sent.nonce  # only the signature headers are new


def test_a_get_replays_every_value_of_a_repeated_key(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    app = WebhookApp(echo, TOKEN, record_to=str(path))
    url = "http://testserver/receive_sms/?tag=x&tag=y"
    sent = inbound_request(url, TOKEN, from_=PHONE, to=OWN, text="hi", method="GET")
    recorded = _recorded_by(app, sent, path)
    for resign in (True, False):
        (result,) = replay([recorded], app, TOKEN, resign=resign)
        assert "tag=x&tag=y" in result.request.url and result.status == 200


def test_a_body_that_did_not_parse_is_replayed_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    app = WebhookApp(echo, TOKEN, record_to=str(path))
    raw = b"From=1&To=2&Text=%zz"  # a bad escape: 400, recorded with its raw body
    signed = inbound_request("http://testserver/receive_sms/", TOKEN, from_="1", to="2", text="x")
    v2_only = {k: v for k, v in signed.headers.items() if "V3" not in k}
    assert dataclasses.replace(signed, headers=v2_only, body=raw).send(target=app).status == 400
    recorded = load(path)[-1]
    assert recorded.body_bytes == raw
    (result,) = replay([recorded], WebhookApp(echo, TOKEN), TOKEN)
    assert result.request.body == raw and result.status == 400


def test_an_entry_that_cannot_be_replayed_is_reported_and_the_rest_go_on(
    recording: Path, tmp_path: Path, capsys: Any
) -> None:
    entries = load(recording)
    stray = dataclasses.replace(entries[0], method="OPTIONS")
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "\n".join(e.to_json() for e in (entries[0], stray, entries[1])) + "\n", encoding="utf-8"
    )
    results = replay(mixed, WebhookApp(echo, TOKEN), TOKEN)
    assert [r.status for r in results] == [200, None, 200]
    assert "cannot replay a OPTIONS request" in (results[1].error or "")
    with LocalWebhook(echo, TOKEN) as hook:
        code = main(["replay", str(mixed), "--url", hook.url, "--auth-token", TOKEN])
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.err
    lines = [line for line in out.out.splitlines() if line.startswith("#")]
    assert len(lines) == 3 and "cannot replay a OPTIONS" in lines[1]
    assert "2 of 3 answered 2xx" in out.out
