"""Building a Message response against the SDK's plivoxml, and parse + validate of a typical
document.
"""

from __future__ import annotations

from _common import (
    DST,
    SRC,
    Plan,
    Row,
    per_call,
    us,
)

_KW = dict(
    src=SRC,
    dst=DST,
    type="sms",
    callback_url="https://example.com/sms_status/",
    callback_method="POST",
)


_TEXT = "Thanks! We got your message & we'll reply soon <3"


def build_ours() -> str:
    import smsxml

    return smsxml.Response().add_message(_TEXT, **_KW).to_xml()


def build_sdk() -> str:
    from plivo import plivoxml

    return plivoxml.ResponseElement().add(plivoxml.MessageElement(_TEXT, **_KW)).to_string()


def bench_build(plan: Plan) -> tuple[list[Row], float]:
    assert build_ours() == build_sdk(), "the builders disagree: not the same work"
    t = per_call({"ours": build_ours, "sdk": build_sdk}, plan)
    ours, peer = t["ours"], t["sdk"]
    row = Row(
        "build + serialize a Message response",
        us(ours),
        f"{us(peer)} (plivoxml)",
        f"{ours / peer:.2f}×",
        "≤ 1× (at least as fast)",
        ours <= peer,
    )
    return [row], ours


def bench_parse(plan: Plan, build_time: float) -> list[Row]:
    import smsxml

    doc = build_ours()
    assert smsxml.validate(doc) == [] and smsxml.parse(doc).to_xml() == doc
    t = per_call(
        {"parse": lambda: smsxml.parse(doc), "validate": lambda: smsxml.validate(doc)}, plan
    )
    t_parse, t_validate = t["parse"], t["validate"]
    return [
        Row(
            "`smsxml.parse` a typical response (validates it too)",
            us(t_parse),
            "— (no peer)",
            f"{t_parse / build_time:.1f}× build",
            "< 50 µs",
            t_parse < 50e-6,
        ),
        Row(
            "`smsxml.validate` a typical response",
            us(t_validate),
            "— (no peer)",
            f"{t_validate / build_time:.1f}× build",
            "< 50 µs",
            t_validate < 50e-6,
        ),
    ]
