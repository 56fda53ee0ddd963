"""smsxml.recording: the JSON-lines format, and WebhookApp(record_to=...) writing it."""

from __future__ import annotations

import json
import threading

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from smsxml.exc import RecordingError
from smsxml.inbound import inbound_request
from smsxml.recording import RecordedRequest, append, load
from smsxml.webhook import LocalWebhook


def test_webhook_records_every_request_even_refused_ones(tmp_path, auth_token, handler):
    path = tmp_path / "inbound.jsonl"
    with LocalWebhook(handler, auth_token, record_to=str(path)) as server:
        ok = inbound_request(server.url, auth_token, from_="1415", to="1416", text="héllo ✓")
        assert ok.send().status == 200
        assert (
            inbound_request(server.url, "forged", from_="1", to="2", text="x").send().status == 403
        )
        assert (
            inbound_request(server.url, auth_token, from_="1", to="2", text="raise").send().status
            == 500
        )
        assert requests.put(server.url, timeout=5).status_code == 405
        get = inbound_request(server.url, auth_token, from_="1", to="2", text="g", method="GET")
        assert get.send().status == 200
    recorded = load(path)
    assert [r.method for r in recorded] == ["POST", "POST", "POST", "PUT", "GET"]
    first = recorded[0]
    assert first.version == 1 and first.url == server.url
    assert first.params == ok.params and first.body_bytes == ok.body
    assert first.headers["X-Plivo-Signature-V2"] == ok.signature
    assert first.headers["X-Plivo-Signature-V2-Nonce"] == ok.nonce
    assert first.time.endswith("Z") and first.time[:4].isdigit()
    assert recorded[2].params["Text"] == "raise"  # recorded before the handler crashed
    assert recorded[4].url == get.url and recorded[4].params["Text"] == "g"
    assert recorded[4].body == ""
    text = path.read_text(encoding="utf-8")
    assert auth_token not in text
    assert len(text.splitlines()) == 5
    for line in text.splitlines():
        assert set(json.loads(line)) == {
            "version",
            "time",
            "method",
            "url",
            "headers",
            "params",
            "body",
        }


def test_recording_never_holds_a_token(tmp_path, auth_token, handler):
    """Genuine requests are recorded with their signatures: the token is never written."""
    path = tmp_path / "r.jsonl"
    with LocalWebhook(handler, auth_token, record_to=path) as server:
        inbound_request(
            server.url, auth_token, from_="14155550100", to="12025550000", text="hi"
        ).send()
    assert len(load(path)) == 1 and auth_token not in path.read_text(encoding="utf-8")


def test_a_recording_keeps_what_the_client_sent(tmp_path, auth_token, handler):
    """Hiding a token never changes data: a body or header holding its text is kept."""
    path = tmp_path / "r.jsonl"
    with LocalWebhook(handler, auth_token, record_to=path) as server:
        body = f"From=1&To=2&Text={auth_token}".encode()
        requests.post(
            server.url + f"?t={auth_token}",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Token": auth_token},
            timeout=5,
        )
    (entry,) = load(path)
    assert entry.headers["X-Token"] == auth_token and entry.body_bytes == body
    assert entry.url.endswith(f"?t={auth_token}")


def test_non_utf8_bodies_are_kept_losslessly(tmp_path, auth_token, handler):
    path = tmp_path / "r.jsonl"
    with LocalWebhook(handler, auth_token, record_to=path) as server:
        body = b"From=1&To=2&Text=caf\xe9"
        reply = requests.post(
            server.url,
            data=body,
            timeout=5,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert reply.status_code == 403
    path.read_text(encoding="utf-8")  # the file itself is valid UTF-8
    assert load(path)[0].body_bytes == body


def test_concurrent_appends_make_whole_lines(tmp_path):
    path = tmp_path / "many.jsonl"
    big = "x" * 5000

    def write(i: int) -> None:
        for j in range(50):
            append(path, RecordedRequest("POST", "http://h/", params={"i": f"{i}-{j}"}, body=big))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = load(path)
    assert len(loaded) == 400 and {r.params["i"] for r in loaded} == {
        f"{i}-{j}" for i in range(8) for j in range(50)
    }


@settings(max_examples=examples(100), deadline=None)
@given(
    method=st.sampled_from(["GET", "POST"]),
    params=st.dictionaries(st.text(), st.text()),
    body=st.binary(max_size=64),
)
def test_json_round_trip(method, params, body):
    original = RecordedRequest(
        method,
        "http://127.0.0.1:1/receive_sms/",
        {"A": "b"},
        params,
        RecordedRequest.decode_body(body),
    )
    line = original.to_json()
    assert "\n" not in line
    line.encode("utf-8")  # always writable as UTF-8
    again = RecordedRequest.from_json(line)
    assert again == original and again.body_bytes == body


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("{not json", "not valid JSON"),
        ('{"version": 2, "method": "GET", "url": "http://h/"}', "unsupported recording version"),
        ('{"version": 1, "url": "http://h/"}', "missing field(s): method"),
        ('{"version": 1, "method": "GET", "url": "http://h/", "params": {"a": 1}}', "'params'"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, line, why):
    path = tmp_path / "bad.jsonl"
    good = RecordedRequest("GET", "http://h/").to_json()
    path.write_text(f"{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(RecordingError, match=f"bad.jsonl:3: .*{why[:12]}") as info:
        load(path)
    assert isinstance(info.value, ValueError)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(RecordingError, match="no recording at"):
        load(tmp_path / "nope.jsonl")


def test_repr_is_short():
    r = RecordedRequest("POST", "http://h/receive_sms/", params={"Text": "hi " * 40})
    assert repr(r).startswith("RecordedRequest(POST http://h/receive_sms/, Text='hi hi")
    assert len(repr(r)) < 130


def test_log_entries_convert_to_the_recording_format(tmp_path, auth_token, handler):
    path = tmp_path / "r.jsonl"
    with LocalWebhook(handler, auth_token, record_to=path) as server:
        inbound_request(server.url, auth_token, from_="1", to="2", text="again").send()
        entry = server.log.last
    assert entry.to_recorded() == load(path)[0]
