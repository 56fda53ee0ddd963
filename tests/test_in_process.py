"""LocalWebhook where nothing can listen (Python in the browser): it answers in-process at
its URL, for the simulator, replay, check and the widgets' senders, with the same log,
signature checks and delivery reports as the served one. `in_process=True` asks for it on
CPython; on Pyodide (`sys.platform == "emscripten"`) it is the default. The browser itself
is exercised by the JupyterLite build's test; here the platform name is set for a moment."""

from __future__ import annotations

import socket
import sys

import pytest

from smsxml import LocalWebhook, Response, Simulator, WebhookApp, replay
from smsxml.conformance import conformance
from smsxml.exc import DeliveryError
from smsxml.inbound import InboundMessage, inbound_request
from smsxml.transport import mount, mounted, send, unmount

TOKEN = "MAinprocessTOKEN-9f2e"


def thank(message: InboundMessage) -> Response:
    return Response().add_message(
        f"thanks: {message.text}",
        src=message.to,
        dst=message.from_,
        callback_url="http://127.0.0.1:8765/sms_status/",
    )


def nothing_listens(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_an_in_process_hook_answers_the_simulator_at_its_url() -> None:
    with LocalWebhook(thank, TOKEN, in_process=True) as hook:
        assert hook.in_process and hook.running and mounted(hook.url)
        assert hook.url == f"http://127.0.0.1:{hook.port}/receive_sms/"
        assert nothing_listens(hook.port)  # no socket: the transport calls the app
        flow = Simulator(TOKEN, seed=1).receive_sms(hook, "14155550100", "12025550000", "hi")
        assert flow.reply is not None and flow.reply.status == 200
        assert [m.text for m in flow.outbound] == ["thanks: hi"]
        entry = hook.log[-1]
        assert entry.status == 200 and entry.signature.verdict == "valid V3"
        assert "in-process" in repr(hook) and "1 request logged" in repr(hook)
    assert not hook.running and not mounted(hook.url)
    assert "stopped in-process" in repr(hook)


def test_delivery_reports_reach_an_in_process_status_url() -> None:
    app = WebhookApp(thank, TOKEN, status_path="/sms_status/")
    with LocalWebhook(app, in_process=True, port=8765) as hook:
        assert hook.status_url == "http://127.0.0.1:8765/sms_status/"
        flow = Simulator(TOKEN, seed=2).receive_sms(hook, "14155550100", "12025550000", "x")
        reports = [e for e in hook.log if e.report is not None]
        assert [r.report.status for r in reports] == ["queued", "sent", "delivered"]
        assert all(r.signature.verdict == "valid V3" for r in reports)
        assert len(flow.reports) == 3


def test_replay_and_check_reach_an_in_process_hook() -> None:
    with LocalWebhook(thank, TOKEN, in_process=True, reject_replayed_nonces=True) as hook:
        Simulator(TOKEN, seed=3).receive_sms(hook, "14155550100", "12025550000", "again")
        results = replay(list(hook.log), hook, TOKEN, seed=3)  # re-signed: fresh nonces
        assert [r.status for r in results] == [200]
        again = replay(list(hook.log)[:1], hook, TOKEN, resign=False)  # the same request
        assert [r.status for r in again] == [200] and hook.log[-1].detail == "duplicate"
        assert conformance(hook.url, TOKEN).passed


def test_the_same_port_again_replaces_the_earlier_hook() -> None:
    first = LocalWebhook(thank, TOKEN, in_process=True, port=8790)
    second = LocalWebhook(thank, TOKEN, in_process=True, port=8790)
    try:
        assert not first.running and second.running and second.port == 8790
        other = LocalWebhook(thank, TOKEN, in_process=True)
        assert other.port != second.port
        other.stop()
    finally:
        second.stop()
    assert not mounted("http://127.0.0.1:8790/")


def test_an_origin_answers_with_one_app_at_a_time() -> None:
    app = WebhookApp(thank, TOKEN)
    mount("http://127.0.0.1:8791/receive_sms/", app)
    try:
        with pytest.raises(DeliveryError, match="already answers in-process"):
            LocalWebhook(thank, TOKEN, in_process=True, port=8791)
        assert mounted("http://127.0.0.1:8791/anything")
    finally:
        unmount("http://127.0.0.1:8791/", app)
    with LocalWebhook(thank, TOKEN, in_process=True, port=8791) as again:  # the refused hook
        assert again.running  # was not left holding the port
    assert not mounted("http://127.0.0.1:8791/")


def test_in_the_browser_local_webhook_is_in_process_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import smsxml.webhook.local as local

    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setattr(local, "_said_in_browser", False)
    with LocalWebhook(thank, TOKEN) as hook, LocalWebhook(thank, TOKEN) as again:
        assert hook.in_process and again.in_process and nothing_listens(hook.port)
        flow = Simulator(TOKEN, seed=4).receive_sms(hook, "14155550100", "12025550000", "hi")
        assert flow.reply is not None and flow.reply.status == 200
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "cannot listen on a port" in err and TOKEN not in err
    # the address, without a scheme: a browser would turn http://… into a link to nowhere
    assert hook.url.split("://")[1] in err and "http://" not in err
    assert "http://" not in repr(hook) and "in-process" in repr(hook)


def test_in_the_browser_an_unmounted_url_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "platform", "emscripten")
    request = inbound_request(
        "https://example.com/receive_sms/", TOKEN, from_="14155550100", to="12025550000", text="hi"
    )
    with pytest.raises(DeliveryError, match="Python in the browser opens no connections"):
        send(request)
