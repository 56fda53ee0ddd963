"""Validating a V2 signature against the plivo SDK and the bare hmac + base64 + compare floor,
and a forged request's refusal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import urlparse, urlunparse

from _common import (
    NONCE,
    TOKEN,
    URL,
    Plan,
    Row,
    per_call,
    us,
)
from webhook import _echo


def floor_validate(uri: str, nonce: str, signature: str, token: str) -> bool:
    """The least work a V2 check can do: urlparse, HMAC-SHA256, base64, compare_digest."""
    p = urlparse(uri)
    base = urlunparse((p.scheme, p.netloc, p.path, "", "", ""))
    digest = hmac.new(token.encode(), (base + nonce).encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.encode())


def bench_signature(plan: Plan) -> list[Row]:
    import plivo.utils

    import smsxml

    url = URL + "?query=dropped"
    sig = smsxml.sign_v2(url, NONCE, TOKEN)
    funcs = {
        "ours": lambda: smsxml.validate_v2(url, NONCE, sig, TOKEN),
        "sdk": lambda: plivo.utils.validate_signature(url, NONCE, sig, TOKEN),
        "floor": lambda: floor_validate(url, NONCE, sig, TOKEN),
    }
    assert all(f() is True for f in funcs.values()), "a validator disagrees"
    t = per_call(funcs, plan)
    return [
        Row(
            "validate a V2 signature vs the bare floor (hmac+base64+compare_digest)",
            us(t["ours"]),
            f"{us(t['floor'])} (floor)",
            f"{t['ours'] / t['floor']:.2f}×",
            "≤ 1.5× floor",
            t["ours"] <= 1.5 * t["floor"],
        ),
        Row(
            "validate a V2 signature vs the SDK",
            us(t["ours"]),
            f"{us(t['sdk'])} (`plivo.utils.validate_signature`)",
            f"{t['sdk'] / t['ours']:.2f}× faster",
            "≥ 3× faster than the SDK",
            t["sdk"] >= 3 * t["ours"],
        ),
    ]


def bench_forgery(plan: Plan) -> list[Row]:
    """What a forger costs the app (WebhookApp called as WSGI, in-process): a forged request
    against a signed one. The diagnosis is worked out only when someone reads it."""
    import io

    from smsxml.signature import sign_v2
    from smsxml.webhook import WebhookApp

    app = WebhookApp(_echo, TOKEN, log_size=100)
    body = b"From=14155550100&To=12025550000&Text=hello"
    counter = iter(range(10**9))

    def call(forged: bool) -> Callable[[], object]:
        def once() -> object:
            nonce = f"{next(counter):020d}"
            signature = sign_v2(URL, nonce, "not-the-token" if forged else TOKEN)
            environ = {
                "REQUEST_METHOD": "POST",
                "wsgi.url_scheme": "https",
                "HTTP_HOST": "example.com",
                "PATH_INFO": "/receive_sms/",
                "CONTENT_TYPE": "application/x-www-form-urlencoded",
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
                "HTTP_X_PLIVO_SIGNATURE_V2": signature,
                "HTTP_X_PLIVO_SIGNATURE_V2_NONCE": nonce,
            }
            return app(environ, lambda status, headers: None)

        return once

    times = per_call({"signed": call(False), "forged": call(True)}, plan)
    ratio = times["forged"] / times["signed"]
    entry = app.log.last
    forged = entry.signature.decided_by  # type: ignore[union-attr]  # the V2 check that failed
    diagnose = per_call({"d": lambda: forged._diagnose()}, plan)["d"]  # type: ignore
    return [
        Row(
            "webhook app in-process: a forged request vs a signed one (server CPU a forger costs)",
            us(times["forged"]),
            us(times["signed"]),
            f"{ratio:.2f}×",
            "≤ 1.5×",
            ratio <= 1.5,
        ),
        Row(
            "webhook app: diagnosing one forged request (when its log entry is read)",
            us(diagnose),
            "—",
            f"{diagnose / times['forged']:.1f}× a forged request (saved)",
        ),
    ]
