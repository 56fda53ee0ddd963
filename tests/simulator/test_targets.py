"""Where the simulator sends: targets resolved, callbackUrls in-process or kept offline."""

from __future__ import annotations

from typing import Any

import pytest

from smsxml.exc import SimulatorError
from smsxml.simulator.targets import (
    IN_PROCESS_URL,
    Target,
    host_port,
    offline_refusal,
    resolve,
)


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b""]


class _Hook:
    url = "http://127.0.0.1:5000/receive_sms/"


def test_a_url_an_object_with_a_url_and_a_wsgi_app_resolve() -> None:
    assert resolve("http://127.0.0.1:9/r/", None) == Target(None, "http://127.0.0.1:9/r/")
    assert resolve(_Hook(), None) == Target(None, _Hook.url)
    assert resolve(_app, None) == Target(_app, IN_PROCESS_URL)
    assert resolve(_app, "http://testserver/sms/").url == "http://testserver/sms/"
    assert resolve(_app, None).in_process and not resolve(_Hook(), None).in_process


def test_what_cannot_be_sent_to_is_refused() -> None:
    with pytest.raises(SimulatorError, match="once"):
        resolve("http://a/", "http://b/")
    with pytest.raises(SimulatorError, match="not int"):
        resolve(3, None)


def test_an_in_process_app_serves_its_own_host_and_port_only() -> None:
    target = Target(_app, "http://testserver/receive_sms/")
    assert target.serves("http://testserver:80/status/")
    assert not target.serves("http://testserver:8080/status/")
    assert not Target(None, "http://testserver/r/").serves("http://testserver/status/")
    assert target.requester_ip == "127.0.0.1"


def test_the_simulator_stays_offline_unless_allowed() -> None:
    assert offline_refusal("http://192.168.1.2/s/", allow_remote=False) is None
    assert offline_refusal("https://example.com/s/", allow_remote=True) is None
    refusal = offline_refusal("https://example.com/s/", allow_remote=False)
    assert refusal is not None and refusal.startswith("not sent: example.com ")
    assert host_port("https://Example.com/x") == ("example.com", 443)
    assert host_port("http://h:99999/") == ("h", None)
