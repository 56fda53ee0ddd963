"""The RequestReplayer shows the result first (issue 26): the answer at the top, what the
replay changed marked, a new number on every click, and why a 403 was refused.

Real LocalWebhook servers on 127.0.0.1; no mocks.
"""

from __future__ import annotations

import re
import threading
import wsgiref.simple_server

import pytest

from smsxml.inbound import inbound_request
from smsxml.webhook import LocalWebhook
from smsxml.widgets import RequestReplayer


def find(panel, css: str):
    found = [w for w in panel.all_widgets() if css in getattr(w, "_dom_classes", ())]
    assert len(found) == 1, f"{css}: {len(found)} widgets"
    return found[0]


def send_sms(url: str, token: str, text: str) -> None:
    reply = inbound_request(url, token, from_="14155550100", to="12025550000", text=text).send()
    assert reply.status == 200


@pytest.fixture()
def hooks(auth_token, handler):
    """A webhook with one SMS logged, and a second one that refuses replayed nonces."""
    with (
        LocalWebhook(handler, auth_token) as first,
        LocalWebhook(handler, auth_token, reject_replayed_nonces=True) as guarded,
    ):
        send_sms(first.url, auth_token, "Hello there")
        yield first, guarded


def _order(panel) -> list[str]:
    """The panel's outputs, top to bottom, by their CSS class."""
    names = ("status", "response", "request", "original")
    order = []
    for widget in panel.all_widgets():
        for name in names:
            if f"smsxml-replayer-{name}" in getattr(widget, "_dom_classes", ()):
                order.append(name)
    return order


def test_the_answer_comes_before_the_requests(hooks, auth_token):
    r = RequestReplayer(hooks[0], auth_token=auth_token)
    assert _order(r) == ["status", "response", "request", "original"]
    r.replay()
    answer = find(r, "smsxml-replayer-response").value
    assert answer.startswith("<b>Answer</b>")
    assert "200 OK" in answer and "application/xml" in answer and "echo: Hello there" in answer
    # the recorded request is folded away once replayed: the answer is what matters
    original = find(r, "smsxml-replayer-original").value
    assert original.startswith("<details><summary>") and "Hello there" in original
    assert "<details open>" not in original


def test_each_click_shows_a_new_replay_number(hooks, auth_token):
    r = RequestReplayer(hooks[0], auth_token=auth_token)
    status = find(r, "smsxml-replayer-status")
    assert "Press Replay" in status.value
    button = find(r, "smsxml-replayer-send")
    seen = []
    for _ in range(3):
        button.click()
        seen.append(status.value)
    numbers = [re.search(r">#(\d+)</b>", value).group(1) for value in seen]
    assert numbers == ["1", "2", "3"]
    assert all("200 OK" in value for value in seen)  # the same outcome, yet visibly new
    assert len(set(seen)) == 3
    assert r.replays == 3 and "(#3)" in repr(r)
    assert re.search(r"#3</b> · \d\d:\d\d:\d\d ·", seen[-1])


def test_only_what_changed_is_marked(hooks, auth_token):
    r = RequestReplayer(hooks[0], auth_token=auth_token)
    r.params = {**r.params, "Text": "Edited"}
    r.replay()
    shown = find(r, "smsxml-replayer-request").value
    table, _, folded = shown.partition("</table>")
    marked = re.findall(r"<tr class='smsxml-replayer-changed'.*?</tr>", table)
    names = [re.search(r"<code>([^<]+)</code>", row).group(1) for row in marked]
    # a re-signed edit changes the text, the nonce and the signatures — nothing else
    assert "Text=" in names and "X-Plivo-Signature-V2-Nonce:" in names
    assert "X-Plivo-Signature-V2:" in names
    assert "From=" not in names and "URL" not in names and "MessageUUID=" not in names
    text_row = next(row for row in marked if "Text=" in row)
    assert "Hello there" in text_row and "<b>Edited</b>" in text_row
    # the unchanged lines are folded away (a <details>), not shown row by row
    assert "unchanged" in folded and "From= 14155550100" in folded
    assert folded.index("<details>") < folded.index("From= 14155550100")


def test_as_recorded_to_the_same_url_changes_nothing(hooks, auth_token):
    r = RequestReplayer(hooks[0], auth_token=auth_token)
    r.resign = False
    assert r.replay().status == 200  # the first webhook does not remember nonces
    shown = find(r, "smsxml-replayer-request").value
    assert "Nothing changed" in shown and "smsxml-replayer-changed" not in shown


def test_a_refused_replay_shows_the_webhooks_diagnosis(hooks, auth_token):
    first, guarded = hooks
    r = RequestReplayer(first, url=guarded, auth_token=auth_token)
    r.resign = False
    assert r.replay().status == 403
    response = find(r, "smsxml-replayer-response").value
    assert "smsxml-replayer-diagnosis" in response
    assert "from the webhook&#x27;s log" in response
    logged = str(guarded.log.last.diagnosis)
    assert logged and r.diagnosis == logged
    # the diagnosis comes before the body of the answer
    assert response.index("Why refused") < response.index("<pre")
    assert "why:" in repr(r)


def test_a_replayed_nonce_is_explained(auth_token, handler):
    # V2 only: its signature covers the URL, not the body, so an edited copy still carries
    # a valid signature — and a nonce already used.
    with LocalWebhook(
        handler, auth_token, reject_replayed_nonces=True, signature_versions=("V2",)
    ) as guarded:
        send_sms(guarded.url, auth_token, "once")
        r = RequestReplayer(guarded, auth_token=auth_token)
        r.resign = False
        r.params = {**r.params, "Text": "twice"}
        assert r.replay().status == 403
        assert guarded.log.last.verdict == "replayed nonce"
        assert "seen this nonce before" in r.diagnosis
        r.resign = True
        assert r.replay().status == 200
        assert r.diagnosis is None
        assert "smsxml-replayer-diagnosis" not in find(r, "smsxml-replayer-response").value


@pytest.fixture()
def refusing_server():
    """Not an smsxml webhook: a plain WSGI server on 127.0.0.1 that refuses everything."""

    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"no"]

    server = wsgiref.simple_server.make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/receive_sms/"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_a_refusal_elsewhere_is_diagnosed_with_the_replayers_token(
    hooks, auth_token, refusing_server
):
    """A server of one's own (no smsxml log to read): diagnose_v2 on what was sent, with
    the replayer's token — what the app would conclude."""
    first, _ = hooks
    r = RequestReplayer(first, url=refusing_server, auth_token=auth_token)
    assert r.replay().status == 403
    # re-signed with the replayer's token, the signature is valid: the app uses another
    assert "valid for" in r.diagnosis and "another auth token" in r.diagnosis
    response = find(r, "smsxml-replayer-response").value
    assert "diagnose_v2" in response and "no" in response
    # sent as recorded, it was signed for the first webhook's URL: the port differs
    r.resign = False
    assert r.replay().status == 403
    assert "port differs" in r.diagnosis


def test_no_token_in_the_differences_or_diagnosis(hooks, auth_token):
    first, guarded = hooks
    r = RequestReplayer(first, url=guarded, auth_token=auth_token)
    r.replay()
    r.resign = False
    r.replay()
    for widget in r.all_widgets():
        assert auth_token not in str(getattr(widget, "value", ""))
    assert auth_token not in repr(r) and auth_token not in r._repr_html_()
