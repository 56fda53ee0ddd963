"""How X-Plivo-Signature-V2 is made, drawn with the real strings: :func:`signing_steps_v2`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from urllib.parse import urlsplit

from ..diagram import SVG
from ..exc import InputError
from ..protocol import NONCE_HEADER, SIGNATURE_HEADER
from ..signature import SignatureExplanation, explain_v2
from ..tokens import MASK, mask, resolve_token
from ._drawing import (
    _BAD,
    _CELL,
    _DROPPED,
    _GOOD,
    _GREY,
    _INK,
    _M,
    _NONCE,
    _PALE,
    _W,
    _WARN,
    _arrow,
    _badge,
    _bracket,
    _cells,
    _code,
    _fit_pieces,
    _label,
    _line,
    _middle,
    _picture,
    _rect,
    _title,
    _width,
    _wrap,
)

__all__ = ["signing_steps_v2"]

_STEP_W = 176  # the column of step names
_VALUE_X = _M + _STEP_W + 10
_VALUE_W = _W - _M - _VALUE_X
_BOX_H = 26


def _step(body: list[str], y: float, number: int, name: str, note: str = "") -> float:
    """A numbered step name (and a grey note under it) in the left column; its height."""
    body.append(f"<circle cx='{_M + 9:g}' cy='{y + 13:g}' r='9' fill='{_INK}'/>")
    body.append(
        _label(_M + 9, y + 17, str(number), 11, anchor="middle", colour="#ffffff", bold=True)
    )
    lines = _wrap(name, _STEP_W - 26, bold=True)
    notes = _wrap(note, _STEP_W - 26, 11) if note else []
    for i, line in enumerate(lines):
        body.append(_label(_M + 24, y + 17 + 15 * i, line, colour=_INK, bold=True))
    for i, line in enumerate(notes):
        body.append(_label(_M + 24, y + 17 + 15 * len(lines) + 14 * i, line, 11, colour=_GREY))
    return 4 + 15 * len(lines) + 14 * len(notes)


def _value_box(
    body: list[str], y: float, pieces: Sequence[tuple[str, str]], width: float = _VALUE_W
) -> tuple[list[tuple[str, str]], list[tuple[float, float]], float]:
    """A box in the value column holding ``pieces`` (shortened to fit ``width``); the
    pieces shown, where each one is, and the box's width."""
    fitted = _fit_pieces(pieces, int((width - 20) / (12 * _CELL)))
    inner = sum(_cells(t) for t, _ in fitted) * 12 * _CELL
    box_w = min(width, max(inner + 20, 80))
    body.append(_rect(_VALUE_X, y, box_w, _BOX_H, _PALE, _INK))
    text, where = _code(_VALUE_X + 10, y + 17, fitted)
    body.append(text)
    return fitted, where, box_w


def _brackets(
    body: list[str], y: float, spans: Sequence[tuple[tuple[float, float], str, str]]
) -> None:
    """Label spans of a value: a bracket under each and its name centred below (a name
    that would not fit beside the previous one is left out)."""
    last = -math.inf
    for (left, right), name, colour in spans:
        if not name or right - left < 4:
            continue
        body.append(_bracket(left, right, y + 6, colour))
        width = _width(name, 11)
        centre = min(max((left + right) / 2, _VALUE_X + width / 2), _W - _M - width / 2)
        if centre - width / 2 >= last + 6:
            body.append(_label(centre, y + 20, name, 11, anchor="middle", colour=colour))
            last = centre + width / 2


def signing_steps_v2(
    url: str | SignatureExplanation,
    nonce: str | None = None,
    auth_token: str | None = None,
    *,
    received: str | None = None,
    title: str | None = f"How {SIGNATURE_HEADER} is made",
) -> SVG:
    """The steps of an X-Plivo-Signature-V2, drawn with the real strings.

    Give the URL Plivo called and the nonce (``auth_token`` None: ``$PLIVO_AUTH_TOKEN`` or
    the demo token), or an explanation from :func:`~smsxml.explain_v2`. With ``received``,
    the X-Plivo-Signature-V2 header of a request, the last step shows whether it matches.
    The token is drawn masked, never in clear.
    """
    ex, key = _explanation(url, nonce, auth_token)
    body: list[str] = []
    y = _title(title, body) + 6
    y = _url_step(body, y, ex)
    y = _nonce_and_string_steps(body, y, ex)
    y = _hmac_and_base64_steps(body, y, ex, key)
    y = _comparison_step(body, y, ex, received)
    return _picture(y + 12, body, f"the steps of {SIGNATURE_HEADER}")


def _explanation(
    url: str | SignatureExplanation, nonce: str | None, auth_token: str | None
) -> tuple[SignatureExplanation, str]:
    """The explanation to draw, and the token as drawn (masked)."""
    if isinstance(url, SignatureExplanation):
        if nonce is not None:
            raise InputError("an explanation holds its nonce: give the explanation alone")
        ex = url
        if auth_token is not None and explain_v2(ex.url, ex.nonce, auth_token) != ex:
            raise InputError("this explanation was not made with that auth token")
        return ex, mask(auth_token) if auth_token is not None else MASK
    if nonce is None:
        raise InputError(
            f"give the nonce too (the {NONCE_HEADER} header), or an explanation from explain_v2()"
        )
    token = resolve_token(auth_token)
    return explain_v2(url, nonce, token), mask(token)


def _url_step(body: list[str], y: float, ex: SignatureExplanation) -> float:
    """1. The URL, in pieces: the part that is signed, and the part that is dropped; and
    where a proxy or a tunnel changes it. Where the next step starts."""
    parts = urlsplit(ex.base_url)
    named = [(parts.scheme, "scheme"), ("://", ""), (parts.netloc, "host"), (parts.path, "path")]
    if "".join(text for text, _ in named) != ex.base_url:  # not split cleanly: one piece
        named = [(ex.base_url, "signed part")]
    named = [(text, name) for text, name in named if text]
    colours = [_INK] * len(named)
    if ex.dropped:
        named.append((ex.dropped, "dropped"))
        colours.append(_DROPPED)
    height = _step(body, y, 1, "URL Plivo called", "its query string is not signed")
    fitted, where, _ = _value_box(body, y, list(zip([t for t, _ in named], colours, strict=True)))
    if ex.dropped:  # strike the dropped part through
        left, right = where[-1]
        body.append(_line(left, y + 13, right, y + 13, _DROPPED))
    _brackets(
        body, y + _BOX_H, [(w, n, c) for w, (_, n), c in zip(where, named, colours, strict=True)]
    )
    y += max(height, _BOX_H + 24) + 14

    # Where a proxy or a tunnel changes it.
    note = _wrap(
        "A TLS proxy makes https → http here; a tunnel changes the host (and port). Your "
        "app must check the URL Plivo called, not the one it sees.",
        _VALUE_W - 20,
    )
    callout_h = 10 + 16 * len(note)
    changed = [w for w, (_, n) in zip(where, named, strict=True) if n in ("scheme", "host")]
    for left, right in changed:
        body.append(_line((left + right) / 2, y - 16, (left + right) / 2, y, _WARN[1], dash=True))
    body.append(_rect(_VALUE_X, y, _VALUE_W, callout_h, *_WARN))
    for i, line in enumerate(note):
        body.append(_label(_VALUE_X + 10, y + 18 + 16 * i, line, colour=_WARN[1]))
    return y + callout_h + 16


def _nonce_and_string_steps(body: list[str], y: float, ex: SignatureExplanation) -> float:
    """2. The nonce; 3. the string signed: base URL + nonce."""
    height = _step(body, y, 2, "Nonce", f"from the header {NONCE_HEADER}")
    _value_box(body, y, [(ex.nonce, _NONCE)])
    y += max(height, _BOX_H) + 6

    body += _arrow(_VALUE_X + 28, y, y + 28)
    body.append(_label(_VALUE_X + 40, y + 18, "base URL + nonce, nothing in between", colour=_INK))
    y += 34
    height = _step(body, y, 3, "String signed", "base URL + nonce")
    nonce_text = ex.string_to_sign[len(ex.base_url) :]
    fitted, where, _ = _value_box(body, y, [(ex.base_url, _INK), (nonce_text, _NONCE)])
    _brackets(body, y + _BOX_H, [(where[0], "base URL", _INK), (where[1], "nonce", _NONCE)])
    return y + max(height, _BOX_H + 24) + 6


def _hmac_and_base64_steps(body: list[str], y: float, ex: SignatureExplanation, key: str) -> float:
    """4. HMAC-SHA256 with the token, which is drawn masked; 5. base64: the signature."""
    body += _arrow(_VALUE_X + 28, y, y + 34)
    text = "HMAC-SHA256, with your auth token as the key:"
    body.append(_label(_VALUE_X + 40, y + 22, text, colour=_INK))
    chip_x = _VALUE_X + 40 + _width(text, 12) + 8
    chip = _middle(key, int((_W - _M - chip_x - 16) / (12 * _CELL)))
    chip_w = _cells(chip) * 12 * _CELL + 16
    body.append(_rect(chip_x, y + 7, chip_w, 22, "#ffffff", _GREY, dash=True))
    body.append(_code(chip_x + 8, y + 22, [(chip, _GREY)])[0])
    y += 40
    height = _step(body, y, 4, "HMAC-SHA256", "32 bytes, shown in hex")
    _value_box(body, y, [(ex.hmac_hex, "#000000")])
    y += max(height, _BOX_H) + 6

    body += _arrow(_VALUE_X + 28, y, y + 28)
    body.append(_label(_VALUE_X + 40, y + 18, "base64", colour=_INK))
    y += 34
    height = _step(body, y, 5, "Base64", "what your app expects")
    _value_box(body, y, [(ex.signature, _INK)])
    return y + max(height, _BOX_H) + 6


def _comparison_step(
    body: list[str], y: float, ex: SignatureExplanation, received: str | None
) -> float:
    """6. Compared with the header Plivo sent (or a sentence saying so, without one)."""
    if received is None:
        lines = _wrap(
            f"Your app compares this with the {SIGNATURE_HEADER} header of the request: "
            "equal means the request comes from Plivo.",
            _VALUE_W,
        )
        for i, line in enumerate(lines):
            body.append(_label(_VALUE_X, y + 14 + 16 * i, line, colour=_GREY))
        return y + 16 * len(lines) + 6
    body += _arrow(_VALUE_X + 28, y, y + 28)
    body.append(_label(_VALUE_X + 40, y + 18, "compared with", colour=_INK))
    y += 34
    height = _step(body, y, 6, "Header Plivo sent", SIGNATURE_HEADER)
    if received == ex.signature:
        verdict, colours = "✓ equal: the request is from Plivo", _GOOD
    else:
        verdict, colours = "✗ different: refuse it (403)", _BAD
    room = _VALUE_W - 12 - (_width(verdict, 11, bold=True) + 14)
    _, _, box_w = _value_box(body, y, [(received, _INK)], room)
    right = _VALUE_X + box_w + 12 + _width(verdict, 11, bold=True) + 14
    body += _badge(right, y + 3, verdict, colours)[0]
    return y + max(height, _BOX_H) + 6
