"""The MessageComposer shows the result first (issue 26): two columns that fit a laptop
screen, the simulated flow just under Send, no curl line about another request, and a flow
summary that invents no host. A real, seeded Simulator; no mocks."""

from __future__ import annotations

import ipywidgets

from smsxml.simulator import Simulator
from smsxml.widgets import MessageComposer


def find(panel, css: str):
    found = [w for w in panel.all_widgets() if css in getattr(w, "_dom_classes", ())]
    assert len(found) == 1, f"{css}: {len(found)} widgets"
    return found[0]


def _texts(panel) -> str:
    return "\n".join(str(getattr(w, "value", "")) for w in panel.all_widgets())


def test_two_columns_with_send_under_the_fields_and_the_result_under_both():
    c = MessageComposer()
    heading, columns, flow = c.widget.children
    assert isinstance(columns, ipywidgets.HBox) and columns.layout.flex_flow == "row wrap"
    fields, made = columns.children
    send = find(c, "smsxml-composer-send")
    assert send in fields.children and fields.children[-1] is send
    assert find(c, "smsxml-composer-text") in fields.children
    tab = made.children[0]
    assert isinstance(tab, ipywidgets.Tab)
    assert tab.children == (find(c, "smsxml-composer-xml"), find(c, "smsxml-composer-sdk"))
    assert tab.selected_index == 0  # the XML shows first
    assert find(c, "smsxml-composer-problems") in made.children
    assert flow is find(c, "smsxml-composer-flow")  # right under the columns (and Send)


def test_the_panel_shows_no_curl_line_for_another_request(auth_token):
    c = MessageComposer(auth_token=auth_token)
    shown = _texts(c)
    assert "curl" not in shown and "127.0.0.1:5000" not in shown
    assert c.curl.startswith("# ")  # still there for code: try your own webhook by hand
    assert "curl -i http://127.0.0.1:5000/receive_sms/" in c.curl


def test_the_flow_summary_invents_no_host(auth_token):
    c = MessageComposer(auth_token=auth_token, callback_url="https://example.com/sms_status/")
    flow = c.send()
    assert flow.inbound.url == "https://example.com/receive_sms/"  # the stand-in's address
    shown = find(c, "smsxml-composer-flow").value
    for text in (shown, repr(c), c._repr_html_()):
        assert "example.com/receive_sms" not in text
    assert "reports: 3 sent, 3 answered 2xx" in shown
    assert "in-process" in shown


def test_the_outcome_comes_first(auth_token):
    simulator = Simulator(
        auth_token, numbers=["12025550000"], seed=7, outcomes={"14155550101": "undelivered"}
    )
    c = MessageComposer(dst="14155550100<14155550101", simulator=simulator)
    c.send()
    shown = find(c, "smsxml-composer-flow").value
    assert shown.startswith("<div class='smsxml-composer-outcome'")
    outcome = shown[: shown.index("<svg")]
    assert "Plivo sent 2 SMS" in outcome and "problems: none" in outcome
    assert "14155550100 <span class='smsxml-status smsxml-status-success" in outcome
    assert "14155550101 <span class='smsxml-status smsxml-status-failure" in outcome
    assert "(ErrorCode 20)" in outcome
    # the details (the reply, each SMS, every event) come after the diagram, folded
    assert shown.index("<details>") > shown.index("</svg>")
    assert "Simulated: Plivo sent 2 SMS: 14155550100 delivered; 14155550101 undelivered" in repr(c)


def test_problems_are_in_the_outcome(auth_token):
    simulator = Simulator(auth_token, numbers=["12025550000"], seed=7)
    c = MessageComposer(src="12025550001", simulator=simulator)
    c.send()
    outcome = find(c, "smsxml-composer-flow").value.split("<svg")[0]
    assert "Plivo sent 0 SMS" in outcome and "src-not-owned" in outcome
    assert "problems: none" not in outcome
