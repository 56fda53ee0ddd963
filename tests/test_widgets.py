"""The notebook widgets, driven through their Python API (no browser, no mocks).

The replayer talks to real LocalWebhook servers on 127.0.0.1; the composer runs a real
(seeded) Simulator; signatures are checked against the plivo SDK.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import pkgutil
import re
import subprocess
import sys

import ipywidgets
import plivo.utils
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples

import smsxml.widgets as widgets_module
from smsxml.exc import SmsxmlError, XMLBuildError
from smsxml.flow import Event
from smsxml.inbound import inbound_request
from smsxml.recording import RecordedRequest, load
from smsxml.signature import sign_v2
from smsxml.signature.diagnose import diagnose_v2
from smsxml.simulator import Simulator
from smsxml.units import segments
from smsxml.webhook import LocalWebhook
from smsxml.widgets import (
    DEFAULT_NONCE,
    DEFAULT_URL,
    FlowTimeline,
    MessageComposer,
    RequestReplayer,
    SignatureExplorer,
    WidgetError,
)

# --------------------------------------------------------------------------- helpers


def find(panel, css: str):
    """The one widget of ``panel`` carrying CSS class ``css``."""
    found = [w for w in panel.all_widgets() if css in getattr(w, "_dom_classes", ())]
    assert len(found) == 1, f"{css}: {len(found)} widgets"
    return found[0]


def assert_token_hidden(panel, token: str) -> None:
    """The token is in no widget state (the Password field's neither: a typed token is
    taken into the kernel and the field cleared), HTML or repr."""
    for widget in panel.all_widgets():
        state = json.dumps(widget.get_state(), ensure_ascii=False, default=str)
        assert token not in state, f"token in {type(widget).__name__} state"
    bundle = panel._repr_mimebundle_()
    for key in ("text/plain", "text/html"):
        assert token not in bundle[key]
    assert token not in repr(panel)
    assert token not in str(panel)
    assert token not in panel._repr_html_()


def passwords(panel) -> list[ipywidgets.Password]:
    return [w for w in panel.all_widgets() if isinstance(w, ipywidgets.Password)]


def send_sms(url: str, token: str, text: str) -> None:
    reply = inbound_request(url, token, from_="14155550100", to="12025550000", text=text).send()
    assert reply.status == 200


@pytest.fixture()
def hooks(auth_token, handler):
    """Two real webhooks on 127.0.0.1 with the test token; the first has one SMS logged."""
    with LocalWebhook(handler, auth_token) as first, LocalWebhook(handler, auth_token) as second:
        send_sms(first.url, auth_token, "Hello there")
        yield first, second


# --------------------------------------------------------------------------- module


def test_import_smsxml_does_not_import_ipywidgets():
    code = "import sys, smsxml; assert 'ipywidgets' not in sys.modules; print('light')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "light"


def test_every_documented_css_class_is_on_a_widget(auth_token, hooks):
    docs = [widgets_module.__doc__ or ""] + [
        importlib.import_module(f"smsxml.widgets.{info.name}").__doc__ or ""
        for info in pkgutil.iter_modules(widgets_module.__path__)
    ]
    documented = set(re.findall(r"``(smsxml-[a-z-]+)``", "\n".join(docs)))
    assert {"smsxml-composer-send", "smsxml-explorer-nonce", "smsxml-replayer-status"} <= documented
    panels = [
        MessageComposer(auth_token=auth_token),
        SignatureExplorer(auth_token=auth_token),
        RequestReplayer(hooks[0], auth_token=auth_token),
        FlowTimeline(),
    ]
    present = set()
    for panel in panels:
        for widget in panel.all_widgets():
            present |= set(widget._dom_classes)
    assert documented - present == set()


@pytest.mark.parametrize(
    "panel, heading",
    [
        (lambda: MessageComposer(), "Message composer"),
        (lambda: SignatureExplorer(), "Signature explorer"),
        (lambda: FlowTimeline(), "Flow timeline"),
    ],
)
def test_headings_and_widget_view(panel, heading):
    panel = panel()
    first = panel.widget.children[0]
    assert isinstance(first, ipywidgets.HTML) and heading in first.value
    bundle = panel._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    assert panel.widget.model_id not in bundle["text/plain"] + bundle["text/html"]
    assert heading in bundle["text/html"]


# --------------------------------------------------------------------------- composer


def test_composer_defaults():
    c = MessageComposer()
    assert c.xml == (
        '<Response>\n  <Message src="12025550000" dst="14155550100" type="sms">'
        "Hello from Plivo!</Message>\n</Response>\n"
    )
    assert c.problems == []
    assert c.units_label == "GSM-7 · 1 unit · 17/160"
    assert "GSM-7 · 1 unit · 17/160" in find(c, "smsxml-composer-units").value
    assert "No problems" in find(c, "smsxml-composer-problems").value
    assert "&lt;Message src=&quot;12025550000&quot;" in find(c, "smsxml-composer-xml").value
    assert c.response.messages[0].text == "Hello from Plivo!"
    assert c.flow is None


def test_typing_updates_preview_units_and_problems():
    c = MessageComposer()
    find(c, "smsxml-composer-text").value = "Café <ok> & more"
    assert "Café &lt;ok&gt; &amp; more" in c.xml
    # escaped twice in the preview: once in the XML, once for HTML
    assert "Café &amp;lt;ok&amp;gt; &amp;amp; more" in find(c, "smsxml-composer-xml").value
    assert c.units_label == "GSM-7 · 1 unit · 16/160"

    c.text = "x" * 161
    assert c.units_label == "GSM-7 · 2 units · 161/306"
    assert c.segments.units == 2

    c.text = ""
    codes = [p.code for p in c.problems]
    assert "empty-text" in codes
    assert "empty-text" in find(c, "smsxml-composer-problems").value


def test_emoji_switches_to_ucs2():
    c = MessageComposer()
    c.text = "Hello 😀"
    assert c.segments.encoding == "UCS-2"
    assert c.units_label == "UCS-2 · 1 unit · 8/70"
    units = find(c, "smsxml-composer-units").value
    assert "UCS-2" in units and "😀" in units
    c.text = "a" * 69 + "😀"  # 71 UTF-16 code units: two units
    assert c.units_label == "UCS-2 · 2 units · 71/134"


def test_invalid_callback_method_is_flagged_with_a_hint():
    c = MessageComposer()
    c.callback_url = "https://example.com/sms_status/"
    find(c, "smsxml-composer-callback-method").value = "PUT"
    assert 'callbackMethod="PUT"' in c.xml  # still built, so validate can speak
    (problem,) = c.problems
    assert problem.code == "bad-callback-method" and problem.severity == "error"
    assert "GET" in problem.hint and "POST" in problem.hint
    html = find(c, "smsxml-composer-problems").value
    assert "bad-callback-method" in html and "hint:" in html
    assert "bad-callback-method" in repr(c)
    c.callback_method = "GET"
    assert c.problems == []


def test_control_character_is_a_problem_not_a_crash():
    c = MessageComposer()
    c.text = "bell\x07"
    assert c.xml == "" and c.response is None
    (problem,) = c.problems
    assert problem.code == "unwritable-character" and "U+0007" in problem.message
    assert "cannot be written as XML" in find(c, "smsxml-composer-xml").value
    with pytest.raises(XMLBuildError):
        c.send()
    find(c, "smsxml-composer-send").click()
    assert "Cannot send" in find(c, "smsxml-composer-flow").value
    c.text = "bell"
    assert c.problems == [] and c.response is not None


def test_bulk_destinations():
    c = MessageComposer(dst="14155550100 < 14155550101")
    assert c.response.messages[0].dsts == ["14155550100", "14155550101"]
    assert 'dst="14155550100&lt;14155550101"' in c.xml
    c.dst = "14155550100, 14155550101"  # a comma is refused, as by the validator and CLI
    [problem] = c.problems
    assert problem.code == "bad-number" and "separate them with <" in problem.hint
    c.dst = ["14155550102", "14155550103"]
    assert c.response.messages[0].dst == "14155550102<14155550103"


def test_sdk_code_makes_the_same_xml():
    c = MessageComposer(text="Tschüß — it's {fine}")
    c.set(callback_url="https://example.com/sms_status/", callback_method="GET")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(c.sdk_code, {})  # runs the real plivo SDK
    assert out.getvalue() == c.xml + "\n"
    assert "plivoxml.MessageElement(" in find(c, "smsxml-composer-sdk").value


def test_curl_line_is_a_correctly_signed_inbound_request(auth_token):
    c = MessageComposer(auth_token=auth_token)
    curl = c.curl
    assert "curl -i http://127.0.0.1:5000/receive_sms/" in curl
    signature = re.search(r"X-Plivo-Signature-V2: ([^']+)'", curl).group(1)
    assert f"X-Plivo-Signature-V2-Nonce: {DEFAULT_NONCE}" in curl
    assert plivo.utils.validate_signature(
        "http://127.0.0.1:5000/receive_sms/", DEFAULT_NONCE, signature, auth_token
    )
    assert "From=14155550100&To=12025550000" in curl
    assert auth_token not in curl


def test_send_shows_a_flow_with_outbound_messages(auth_token):
    c = MessageComposer(auth_token=auth_token)
    find(c, "smsxml-composer-send").click()
    flow = c.flow
    assert flow is not None and flow.ok
    assert [(m.src, m.dst, m.text, m.status) for m in flow.outbound] == [
        ("12025550000", "14155550100", "Hello from Plivo!", "delivered")
    ]
    html = find(c, "smsxml-composer-flow").value
    assert "<svg" in html and "14155550100" in html
    assert "delivered" in html
    assert flow.in_process
    # changing the message makes the shown flow stale
    c.text = "Other"
    assert c.flow is None
    assert "again" in find(c, "smsxml-composer-flow").value


def test_send_with_callback_url_keeps_reports_in_process(auth_token):
    c = MessageComposer(
        auth_token=auth_token,
        dst="14155550100<14155550101",
        callback_url="https://example.com/sms_status/",
    )
    flow = c.send()
    assert len(flow.outbound) == 2
    assert len(flow.reports) == 6  # queued, sent, delivered for each
    assert all(r.in_process and r.response_status == 200 for r in flow.reports)
    assert all(r.request.url == "https://example.com/sms_status/" for r in flow.reports)


def test_send_with_local_callback_goes_over_http(auth_token, handler):
    # delivery reports to a real local server; it answers 400 (they carry no From/To/Text
    # of an inbound SMS) — what matters is that they arrived over HTTP.
    with LocalWebhook(handler, auth_token, path="/sms_status/") as status_hook:
        c = MessageComposer(auth_token=auth_token, callback_url=status_hook.url)
        flow = c.send()
        assert flow.outbound and len(flow.reports) == 3
        assert not any(r.in_process for r in flow.reports)
        # it answers 400: Plivo retries each report 3 more times (4 attempts, 12 requests)
        assert status_hook.log.wait_for(12)
        assert [e.path for e in status_hook.log] == ["/sms_status/"] * 12
        assert all(len(r.attempts) == 4 for r in flow.reports)


def test_send_uses_the_given_simulator_and_shows_its_problems(auth_token):
    simulator = Simulator(
        auth_token, numbers=["12025550000"], seed=7, outcomes={"14155550100": "undelivered"}
    )
    c = MessageComposer(src="12025550001", simulator=simulator, auth_token=auth_token)
    flow = c.send()
    assert [p.code for p in flow.problems] == ["src-not-owned"]
    assert "src-not-owned" in find(c, "smsxml-composer-flow").value
    c.src = "12025550000"
    flow = c.send()
    assert flow.outbound[0].status == "undelivered"


def test_composer_set_rejects_unknown_fields():
    c = MessageComposer()
    with pytest.raises(WidgetError, match="no field colour"):
        c.set(colour="red")
    c.set(text="A", src="12025550001")
    assert 'src="12025550001"' in c.xml and ">A<" in c.xml


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_composer_never_crashes_and_counts_like_segments(text):
    c = MessageComposer(text=text)
    seg = segments(text)
    assert c.segments == seg
    assert c.units_label.startswith(f"{seg.encoding} · {seg.units} unit")
    if c.response is None:
        assert [p.code for p in c.problems] == ["unwritable-character"]
    else:
        assert c.response.messages[0].text == text


# --------------------------------------------------------------------------- explorer


def test_explorer_starts_valid_with_the_sdk_agreeing(auth_token):
    e = SignatureExplorer(auth_token=auth_token)
    assert e.url == DEFAULT_URL and e.nonce == DEFAULT_NONCE
    assert e.valid and e.diagnosis.valid
    assert plivo.utils.validate_signature(e.url, e.nonce, e.signature, auth_token)
    assert e.explanation.signature == e.signature
    assert "valid" in find(e, "smsxml-explorer-verdict").value
    steps = find(e, "smsxml-explorer-steps").value
    assert "https://example.com/receive_sms/05429567804466091622" in steps


def test_explorer_one_digit_of_nonce(auth_token):
    e = SignatureExplorer(auth_token=auth_token)
    find(e, "smsxml-explorer-nonce").value = "05429567804466091623"
    assert not e.valid
    assert "invalid" in find(e, "smsxml-explorer-verdict").value
    assert e.diagnosis.causes == ("unknown",)
    assert "does not belong to" in find(e, "smsxml-explorer-diagnosis").value
    assert "the nonce" in find(e, "smsxml-explorer-diagnosis").value
    e.nonce = DEFAULT_NONCE
    assert e.valid
    assert "smsxml-valid" in find(e, "smsxml-explorer-verdict").value


def test_explorer_http_vs_https(auth_token):
    e = SignatureExplorer(auth_token=auth_token)
    e.url = "http://example.com/receive_sms/"
    assert not e.valid
    assert e.diagnosis.causes == ("scheme",)
    assert "http vs https" in find(e, "smsxml-explorer-diagnosis").value
    assert "http vs https" in repr(e)


def test_explorer_trailing_slash_and_bad_url(auth_token):
    e = SignatureExplorer(auth_token=auth_token)
    e.url = "https://example.com/receive_sms"
    assert e.diagnosis.causes == ("trailing-slash",)
    e.url = "example.com/receive_sms/"
    assert e.explanation is None and not e.valid
    assert e.diagnosis.causes == ("bad-url",)
    assert "Cannot sign" in find(e, "smsxml-explorer-steps").value
    with pytest.raises(WidgetError):
        e.sign()
    # a URL that cannot be checked is not called "invalid": it gets a verdict of its own,
    # and the diagnosis says what to write instead
    verdict = find(e, "smsxml-explorer-verdict").value
    assert e.verdict == "cannot check" and "smsxml-cannot-check" in verdict
    assert "invalid" not in verdict and "invalid" not in e._repr_html_()
    assert "https://example.com/receive_sms/" in find(e, "smsxml-explorer-diagnosis").value
    assert find(e, "smsxml-explorer-compare").value == ""


def test_explorer_tokens(auth_token, main_token):
    e = SignatureExplorer(auth_token=auth_token)
    e.set_token(main_token)
    assert not e.valid
    find(e, "smsxml-explorer-sign").click()
    assert e.valid and e.signature == sign_v2(DEFAULT_URL, DEFAULT_NONCE, main_token)
    # typing a token into the Password field overrides the one given in Python, and the
    # field is cleared at once: the token is in the kernel, never in the widget state
    (field,) = passwords(e)
    assert field.value == ""
    field.value = auth_token
    assert not e.valid
    assert field.value == "" and "(typed)" in field.placeholder
    assert auth_token not in json.dumps(field.get_state(), default=str)
    e.set_token(main_token)
    assert e.valid and "(given)" in field.placeholder
    assert_token_hidden(e, auth_token)
    assert_token_hidden(e, main_token)


def test_explorer_given_signature(auth_token):
    e = SignatureExplorer("https://example.com/x/", "123", auth_token, signature="bogus")
    assert not e.valid
    e.sign()
    assert e.valid


def frontend_types(field: ipywidgets.Password, typed: str) -> None:
    """What JupyterLab sends when a learner types ``typed`` and presses Enter: the
    "submit" event first, then (``continuous_update=False``) the value, once."""
    submit = {"method": "custom", "content": {"event": "submit"}}
    field._handle_msg({"content": {"data": submit}, "buffers": []})
    if typed:
        state = {"method": "update", "state": {"value": typed}, "buffer_paths": []}
        field._handle_msg({"content": {"data": state}, "buffers": []})


def test_explorer_token_is_taken_on_enter_whole_then_cleared(auth_token, main_token):
    e = SignatureExplorer(auth_token=auth_token)
    field = find(e, "smsxml-explorer-token")
    in_use = find(e, "smsxml-explorer-token-in-use")
    reset = find(e, "smsxml-explorer-token-reset")
    # one sync per Enter or blur, not per keystroke (which kept only the last character)
    assert field.continuous_update is False
    assert e.valid and "given" in in_use.value and reset.disabled
    pasted = SignatureExplorer(auth_token=auth_token)
    pasted.set_token(main_token)
    frontend_types(field, main_token)
    assert field.value == "" and e.diagnosis == pasted.diagnosis and not e.valid
    assert "typed" in in_use.value and "••••••••" in in_use.value and not reset.disabled
    assert main_token not in in_use.value and main_token not in field.placeholder
    assert_token_hidden(e, main_token)
    # another typed token replaces it
    frontend_types(field, auth_token)
    assert e.valid and "typed" in in_use.value
    # Enter in the empty field: back to the token the explorer was made with
    frontend_types(field, "")
    assert e.valid and "given" in in_use.value and reset.disabled


def test_explorer_reset_button_goes_back_to_the_given_token(auth_token, main_token):
    e = SignatureExplorer(auth_token=auth_token)
    find(e, "smsxml-explorer-token").value = main_token  # as a blur sends it
    assert not e.valid and "(typed)" in find(e, "smsxml-explorer-token").placeholder
    find(e, "smsxml-explorer-token-reset").click()
    assert e.valid and "(given)" in find(e, "smsxml-explorer-token").placeholder
    assert find(e, "smsxml-explorer-token-reset").disabled


@given(st.lists(st.one_of(st.none(), st.text("abcXYZ019-_ ", min_size=1, max_size=12)), max_size=8))
@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_token_field_uses_the_last_token_typed_and_shows_none(auth_token, steps):
    """Whatever is typed, and in whatever order the learner goes back: the token in use is
    the last one typed since the last going back, and it is in no widget state."""
    e = SignatureExplorer(auth_token=auth_token)
    field = find(e, "smsxml-explorer-token")
    expected = auth_token
    for step in steps:
        if step is None:
            frontend_types(field, "")
            expected = auth_token
        else:
            typed = "TYPED<" + step + ">"
            frontend_types(field, typed)
            expected = typed
        assert field.value == ""
        assert e.diagnosis == diagnose_v2(e.url, e.nonce, e.signature, expected)
        if expected != auth_token:
            assert_token_hidden(e, expected)


def test_explorer_shows_computed_and_received_side_by_side(auth_token):
    e = SignatureExplorer(auth_token=auth_token)
    compare = find(e, "smsxml-explorer-compare")
    computed = e.signature
    assert "computed" in compare.value and "received" in compare.value
    assert "<mark" not in compare.value and "the same" in compare.value
    changed = computed[:10] + ("A" if computed[10] != "A" else "B") + computed[11:]
    e.signature = changed
    marks = re.findall(r"<mark[^>]*>([^<]*)</mark>", compare.value)
    assert marks == [computed[10], changed[10]]
    assert "different" in compare.value and "invalid" in find(e, "smsxml-explorer-verdict").value


def test_explorer_names_a_signature_that_is_no_hmac(auth_token):
    e = SignatureExplorer(auth_token=auth_token)
    e.signature = e.signature[:30]
    assert e.diagnosis.causes == ("bad-signature",) and e.verdict == "invalid"
    diagnosis = find(e, "smsxml-explorer-diagnosis").value
    assert diagnosis.startswith("<div class='smsxml-diagnosis'>The signature is not an HMAC")
    assert "30 characters long (cut short)" in diagnosis
    assert "usual suspects" not in diagnosis


# --------------------------------------------------------------------------- replayer


def test_replayer_labels_and_defaults(hooks, auth_token):
    first, _ = hooks
    r = RequestReplayer(first, auth_token=auth_token)
    assert (
        find(r, "smsxml-replayer-select").options[0][0]
        == "#1 POST /receive_sms/ From=14155550100 Text=Hello there"
    )
    assert r.url == first.url  # the entry's own URL
    assert r.resign is True
    assert r.params["Text"] == "Hello there"
    assert r.result is None


def test_replay_shows_200_and_the_reply(hooks, auth_token):
    first, _ = hooks
    r = RequestReplayer(first, auth_token=auth_token)
    find(r, "smsxml-replayer-send").click()
    assert r.result.status == 200
    assert "200 OK" in find(r, "smsxml-replayer-status").value
    assert "echo: Hello there" in find(r, "smsxml-replayer-response").value
    assert "Hello there" in find(r, "smsxml-replayer-original").value
    assert r.result.request.url in find(r, "smsxml-replayer-request").value
    assert "replayed: 200 OK" in repr(r)
    assert_token_hidden(r, auth_token)


def test_replay_as_recorded_to_another_url_is_refused(hooks, auth_token):
    first, second = hooks
    r = RequestReplayer(first, auth_token=auth_token)
    find(r, "smsxml-replayer-resign").value = False
    find(r, "smsxml-replayer-url").value = second.url
    result = r.replay()
    assert result.status == 403 and not result.resigned
    assert "403" in find(r, "smsxml-replayer-status").value
    assert second.log.last.verdict == "invalid"
    # re-signed for the new URL it is accepted
    r.resign = True
    assert r.replay().status == 200


def test_replay_with_edited_params(hooks, auth_token):
    first, second = hooks
    r = RequestReplayer(first, url=second, auth_token=auth_token)
    assert r.url == second.url
    params = r.params
    params["Text"] = "two\nlines \\ here"
    r.params = params
    assert "Text=two\\nlines \\\\ here" in find(r, "smsxml-replayer-params").value
    assert r.params["Text"] == "two\nlines \\ here"
    result = r.replay()
    assert result.status == 200
    assert result.request.params["Text"] == "two\nlines \\ here"
    assert second.log.last.params["Text"] == "two\nlines \\ here"


def test_replay_bad_params_line(hooks, auth_token):
    r = RequestReplayer(hooks[0], auth_token=auth_token)
    find(r, "smsxml-replayer-params").value = "From=1\nno equals sign"
    with pytest.raises(WidgetError, match="line 2"):
        r.replay()
    find(r, "smsxml-replayer-send").click()
    assert "Cannot replay" in find(r, "smsxml-replayer-status").value


def test_replay_with_wrong_token_is_refused(hooks, main_token, auth_token):
    first, _ = hooks
    r = RequestReplayer(first, auth_token=main_token)
    assert r.replay().status == 403
    (field,) = passwords(r)
    field.value = auth_token  # typed in the browser
    assert r.replay().status == 200
    field.value = ""
    r.set_token(auth_token)
    assert r.replay().status == 200
    assert_token_hidden(r, main_token)


def test_replayer_from_a_recording_file(tmp_path, auth_token, handler):
    path = tmp_path / "requests.jsonl"
    with LocalWebhook(handler, auth_token, record_to=str(path)) as hook:
        send_sms(hook.url, auth_token, "first")
        send_sms(hook.url, auth_token, "second one, rather long, to be shortened")
        r = RequestReplayer(str(path), url=hook.url, auth_token=auth_token)
        labels = [label for label, _ in find(r, "smsxml-replayer-select").options]
        assert labels == [
            "#1 POST /receive_sms/ From=14155550100 Text=first",
            "#2 POST /receive_sms/ From=14155550100 Text=second one, rather long…",
        ]
        assert r.select(1).params["Text"].startswith("second")
        assert r.params["Text"].startswith("second")
        assert r.replay().status == 200
        assert "echo: second" in find(r, "smsxml-replayer-response").value
        # a list of RecordedRequest objects works the same
        r2 = RequestReplayer(load(path), url=hook.url, auth_token=auth_token)
        assert r2.select(-1).params["Text"].startswith("second")
        with pytest.raises(WidgetError):
            r2.select(5)


def test_replayer_refresh_follows_the_log(auth_token, handler):
    with LocalWebhook(handler, auth_token) as hook:
        r = RequestReplayer(hook, auth_token=auth_token)
        assert r.entries == [] and r.selected is None
        assert find(r, "smsxml-replayer-send").disabled
        with pytest.raises(WidgetError):
            r.replay()
        send_sms(hook.url, auth_token, "late")
        find(r, "smsxml-replayer-refresh").click()
        assert len(r.entries) == 1 and r.params["Text"] == "late"
        assert r.replay().status == 200


def test_replayer_rejects_what_it_cannot_replay():
    with pytest.raises(WidgetError):
        RequestReplayer(42)
    with pytest.raises(WidgetError):
        RequestReplayer([1, 2])
    with pytest.raises(SmsxmlError):
        RequestReplayer("/nonexistent/recording.jsonl")


def test_replay_to_nothing_listening(auth_token):
    entry = RecordedRequest(
        "POST", "http://127.0.0.1:9/receive_sms/", params={"From": "1", "To": "2", "Text": "x"}
    )
    r = RequestReplayer([entry], auth_token=auth_token)
    result = r.replay()
    assert result.status is None and result.error
    assert "not delivered" in find(r, "smsxml-replayer-status").value


# --------------------------------------------------------------------------- timeline


def _flow(auth_token, seed=1):
    return MessageComposer(auth_token=auth_token, simulator=Simulator(auth_token, seed=seed)).send()


def test_timeline_shows_a_flow(auth_token):
    flow = _flow(auth_token)
    t = FlowTimeline(flow)
    assert "<svg" in find(t, "smsxml-timeline-diagram").value
    events = find(t, "smsxml-timeline-events").value
    assert events.count("<tr>") == len(flow.timeline) + 1
    assert f"{len(flow.timeline)} events" in find(t, "smsxml-timeline-summary").value
    assert repr(t).count("\n") == len(flow.timeline)


def test_timeline_update_and_add_event(auth_token):
    t = FlowTimeline()
    assert t.events == [] and "No flow yet" in repr(t)
    assert find(t, "smsxml-timeline-diagram").value == ""
    t.add_event(
        time="2026-01-01 12:00:00.000000",
        actor="phone",
        kind="sms-in",
        summary="SMS",
        target="Plivo",
    )
    t(Event("2026-01-01 12:00:00.150000", "Plivo", "request", "POST /", "your app"))
    assert len(t.events) == 2
    assert "<svg" in find(t, "smsxml-timeline-diagram").value
    with pytest.raises(WidgetError):
        t.add_event(time="x", actor="martian", kind="k", summary="s")
    with pytest.raises(WidgetError):
        t.add_event(actor="phone")
    flow = _flow(auth_token)
    t.update(flow)
    assert t.flow is flow and len(t.events) == len(flow.timeline)
    t.clear()
    assert t.events == []


def test_timeline_text_columns_line_up_as_in_str_flow(auth_token):
    flow = _flow(auth_token)
    t = FlowTimeline(flow)
    t.add_event(
        time="2026-01-01 12:00:09.000000",
        actor="callbackUrl",
        kind="callback-reply",
        summary="200 OK",
        target="Plivo",
    )
    t.add_event(time="2026-01-01 12:00:09.500000", actor="Plivo", kind="note", summary="done")
    events, rows = t.events, repr(t).splitlines()[1:]
    assert any(e.target for e in events) and any(e.target is None for e in events)
    assert len(rows) == len(events)
    for row, e in zip(rows, events, strict=True):
        assert row.endswith(f"  {e.summary}") and e.time[11:23] in row
    assert len({len(row) - len(e.summary) for row, e in zip(rows, events, strict=True)}) == 1
    # the same layout as the timeline of str(Flow), bar the indentation
    flow_rows = str(flow).split("\n  timeline:\n")[1].splitlines()
    own_rows = repr(FlowTimeline(flow)).splitlines()[1:]
    assert [r.removeprefix("    ") for r in flow_rows] == [r.removeprefix("  ") for r in own_rows]


# --------------------------------------------------------------------------- display


def test_text_plain_and_html_are_deterministic(auth_token, tmp_path):
    path = tmp_path / "r.jsonl"
    entry = RecordedRequest(
        "POST",
        "http://127.0.0.1:9/receive_sms/",
        params={"From": "14155550100", "Text": "hi"},
        time="2026-01-01T00:00:00.000Z",
    )
    path.write_text(entry.to_json() + "\n")
    makers = [
        lambda: MessageComposer(text="Hi 😀", auth_token=auth_token),
        lambda: SignatureExplorer(auth_token=auth_token),
        lambda: RequestReplayer(str(path), auth_token=auth_token),
        lambda: FlowTimeline(_flow(auth_token)),
    ]
    for make in makers:
        a, b = make(), make()
        ba, bb = a._repr_mimebundle_(), b._repr_mimebundle_()
        assert ba["text/plain"] == bb["text/plain"]
        assert ba["text/html"] == bb["text/html"]
        assert a.widget.model_id != b.widget.model_id
    a, b = makers[0](), makers[0]()
    a.send()
    b.send()
    assert repr(a) == repr(b) and a._repr_html_() == b._repr_html_()


def test_token_never_shown_anywhere(auth_token, hooks):
    composer = MessageComposer(auth_token=auth_token, callback_url="https://example.com/s/")
    composer.send()
    explorer = SignatureExplorer(auth_token=auth_token)
    explorer.url = "http://example.com/receive_sms/"
    replayer = RequestReplayer(hooks[0], auth_token=auth_token)
    replayer.replay()
    timeline = FlowTimeline(composer.flow)
    for panel in (composer, explorer, replayer, timeline):
        assert_token_hidden(panel, auth_token)
        for field in passwords(panel):
            assert field.value == ""  # the token given in Python never reaches the browser
            assert auth_token not in field.placeholder


def test_replaying_to_a_stopped_local_webhook_says_so(auth_token, handler):
    """After Run All, a clean-up cell may have stopped the target: say that, in words."""
    hook = LocalWebhook(handler, auth_token)
    send_sms(hook.url, auth_token, "before the clean-up")
    r = RequestReplayer(hook, auth_token=auth_token)
    assert r.replay().status == 200
    hook.stop()
    with pytest.raises(WidgetError, match="was stopped"):
        r.replay()
    find(r, "smsxml-replayer-send").click()
    status = find(r, "smsxml-replayer-status").value
    assert "was stopped" in status and "replayer.url = hook" in status
    with LocalWebhook(handler, auth_token) as fresh:
        r.url = fresh
        assert r.replay().status == 200
