"""Hardening: open-ended inputs (hypothesis) and hostile XML through every path that reads it.

What the other test files already cover is not repeated here, only extended:

- tests/test_xml.py round-trips XML-legal text, fuzzes validate() with mutated documents and
  checks each unwritable character in each field at a fixed place. Here: text rich in
  emoji sequences, right-to-left text, bidi controls and combining marks, checked by a second
  parser (lxml) and in UTF-16 and BOM-prefixed bytes; unwritable characters anywhere in any
  value, however long; validate() on documents declaring every kind of encoding.
- tests/test_signature.py checks sign_v2/validate_v2 against the SDK for arbitrary URLs,
  nonces and tokens. Here: the requests smsxml *makes* — signed_request() with a main token
  (X-Plivo-Signature-Ma-V2) and inbound_request() for any text, GET or POST — checked by the
  SDK and accepted by WebhookApp.
- tests/test_units.py compares segments() with a brute-force reference (tests/reference.py)
  on texts up to 400 characters; here the same reference runs on long texts, where most
  unit boundaries fall.
- tests/test_xml_hostile.py feeds hostile documents to validate()/parse(). Here the same
  documents (tests/strategies.py) go through the webhook (a handler returns them), the
  simulator (Plivo's side reads them) and the CLI, in-process and as a subprocess; an audit
  hook, a secret file and a listening socket show that no file is opened and no connection
  is made, and a spy on the parser (conftest.py) that the work done was bounded.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import plivo.utils
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from reference import reference_parts  # the brute-force reference, not a copy
from strategies import (
    BILLION_LAUGHS,
    examples,
    hostile_documents,
    plivo_nonces,
    tokens,
    urls,
    utf8_char,
)

from smsxml.cli import main as cli_main
from smsxml.exc import SmsxmlError, XMLBuildError, XMLValidationError
from smsxml.inbound import inbound_request, signed_request
from smsxml.protocol import MAX_TEXT_LENGTH
from smsxml.simulator import Simulator
from smsxml.transport import send
from smsxml.units import segments
from smsxml.webhook import LocalWebhook, WebhookApp, check_signature
from smsxml.xml import Message, Problem, Response, parse, validate

SRC, DST = "12025550000", "14155550100"
TOKEN = "MAhardenTOKEN-sub-3c9e71a0"
MAIN_TOKEN = "MAhardenTOKEN-main-b8d24f65"
SETTINGS = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- alphabets ---------------------------------------------------------------------------------

ILLEGAL = [chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)] + ["\ufffe", "\uffff"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
xml_char = st.characters(exclude_categories=("Cs",), exclude_characters="".join(ILLEGAL))
# a flag written as a tag sequence (Scotland)
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
EMOJI = ["😀", "👍🏽", "👩‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "🇺🇸", "1️⃣", "❤️", "🫠", SCOTLAND]
RTL = list("שלום עולם مرحبا بالعالم ﷺ ﻻ ܐܒܓ ހށ") + [
    *("\u200e", "\u200f", "\u061c"),  # LRM, RLM, ALM
    *("\u202a", "\u202b", "\u202c", "\u202d", "\u202e"),  # embeddings and overrides
    *("\u2066", "\u2067", "\u2068", "\u2069"),  # isolates
]
combining = st.characters(categories=("Mn", "Me", "Mc"))
XML_SPECIAL = list("<>&\"'\t\n\r ]") + ["]]>", "&amp;", "&#13;", "<![CDATA[", "-->", "\r\n"]
rich_char = st.one_of(
    xml_char,
    st.sampled_from(EMOJI),
    st.sampled_from(RTL),
    combining,
    st.sampled_from(XML_SPECIAL),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
)
rich_text = st.lists(rich_char, max_size=120).map("".join)
# An attribute value a callbackUrl can hold: no whitespace (Unicode's idea of it).
url_tail = st.lists(
    st.one_of(xml_char, st.sampled_from(EMOJI + RTL + XML_SPECIAL)), max_size=40
).map(lambda cs: "".join(c for c in "".join(cs) if not c.isspace()))


def lxml_texts(doc: bytes) -> list[tuple[str, dict[str, str]]]:
    """(text, attributes) of each <Message>, read by another parser (libxml2 via lxml)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(doc, parser)
    return [(m.text or "", dict(m.attrib)) for m in root]


# --- round trips -------------------------------------------------------------------------------


@SETTINGS
@given(text=rich_text, tail=url_tail, pretty=st.booleans(), declaration=st.booleans())
@example(
    text="مرحبا\u200f 👩‍👩‍👧‍👦 e\u0301\u0308 &<>\"' ]]> \r\n",
    tail='?a=1&b="<2>"',
    pretty=True,
    declaration=True,
)
@example(text="\u202eevil\u202c.exe", tail="", pretty=False, declaration=False)
@example(text=" \t\n\r ", tail="", pretty=True, declaration=False)
def test_any_text_round_trips_through_xml(
    text: str, tail: str, pretty: bool, declaration: bool
) -> None:
    callback = "https://example.com/sms_status/" + tail
    r = Response().add_message(
        text, src=SRC, dst=[DST, "447911123456"], callback_url=callback, callback_method="POST"
    )
    doc = r.to_xml(pretty=pretty, declaration=declaration)
    as_utf8 = doc.encode("utf-8")
    assert len(text) <= MAX_TEXT_LENGTH
    if not text.strip():
        codes = {p.code for p in validate(doc) if p.severity == "error"}
        assert codes == {"empty-text"}
        return
    # smsxml's own parser, from str, UTF-8, UTF-8 with a BOM, and UTF-16 (BOM + declaration).
    utf16 = (
        '<?xml version="1.0" encoding="UTF-16"?>\n' + doc.split("\n", 1)[1] if declaration else doc
    ).encode("utf-16")
    for variant in (doc, as_utf8, b"\xef\xbb\xbf" + as_utf8, utf16):
        back = parse(variant)
        assert back == r
        assert back.messages[0].text == text and back.messages[0].callback_url == callback
    # A second, independent parser reads the same values.
    ((lxml_text, attrs),) = lxml_texts(as_utf8)
    assert lxml_text == text
    assert attrs["callbackUrl"] == callback and attrs["dst"] == f"{DST}<447911123456"


@SETTINGS
@given(
    field=st.sampled_from(
        ["text", "src", "dst", "type", "callback_url", "callback_method", "dst-item"]
    ),
    before=st.lists(xml_char, max_size=30).map("".join),
    bad=st.sampled_from(ILLEGAL + SURROGATES),
    after=st.text(max_size=30),  # anything, even more illegal characters
    padding=st.sampled_from([0, 1_000_000]),
)
def test_unwritable_characters_anywhere_give_a_short_clear_build_error(
    field: str, before: str, bad: str, after: str, padding: int
) -> None:
    value = "x" * padding + before + bad + after
    kwargs: dict[str, object] = {"text": "Hi", "src": SRC, "dst": DST}
    if field == "dst-item":
        kwargs["dst"] = [DST, value]
        name = "dst[1]"
    else:
        kwargs[field] = value
        name = field
    for build in (lambda: Message(**kwargs), lambda: Response().add_message(**kwargs)):
        with pytest.raises(XMLBuildError) as info:
            build()
        message = str(info.value)
        assert isinstance(info.value, SmsxmlError) and isinstance(info.value, ValueError)
        assert name in message and f"U+{ord(bad):04X}" in message
        assert f"index {padding + len(before)} " in message
        assert len(message) < 400  # the value itself, maybe a megabyte, is not echoed


# --- validate() never raises ---------------------------------------------------------------------

ENCODINGS = [
    "UTF-8",
    "utf-16",
    "UTF-16LE",
    "utf-16be",
    "UTF-32",
    "ISO-8859-1",
    "latin-1",
    "US-ASCII",
    "windows-1252",
    "cp500",
    "koi8-r",
    "Shift_JIS",
    "EUC-JP",
    "big5",
    "GB18030",
    "utf-7",
    "x-no-such",
    "",
    "UTF-8\x00",
    "ébc",
    "utf8" * 50,
]
BOMS = [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]
body = st.sampled_from(
    [
        f'<Response><Message src="{SRC}" dst="{DST}">Hi ü € 😀</Message></Response>',
        "<Response/>",
        "<Response>",
        "",
        "<",
        "<?xml",
        "\x00\x00",
    ]
)


@st.composite
def declared_documents(draw: st.DrawFn) -> bytes:
    encoding = draw(st.sampled_from(ENCODINGS) | st.text(max_size=12))
    declaration = draw(
        st.sampled_from(
            [
                '<?xml version="1.0" encoding="{}"?>',
                "<?xml version='1.1' encoding='{}' standalone='yes'?>",
                '<?xml encoding="{}"?>',
                "",
            ]
        )
    )
    text = declaration.format(encoding) + draw(body | st.text(max_size=40))
    codec = draw(
        st.sampled_from(["utf-8", "utf-16", "utf-16-be", "utf-32", "latin-1", "shift_jis", "cp500"])
    )
    raw = text.encode(codec, "surrogatepass") if codec == "utf-8" else text.encode(codec, "replace")
    cut = draw(st.integers(0, len(raw)))
    return draw(st.sampled_from(BOMS)) + (raw if draw(st.booleans()) else raw[:cut])


class _Str(str):
    pass


class _Bytes(bytes):
    pass


@SETTINGS
@given(
    doc=declared_documents() | st.binary(max_size=200),
    kind=st.sampled_from(
        ["bytes", "bytearray", "memoryview", "bytes-subclass", "str-subclass", "latin-1-str"]
    ),
)
def test_validate_never_raises_on_any_encoding(doc: bytes, kind: str, expat_spy) -> None:
    value: object = {
        "bytes": doc,
        "bytearray": bytearray(doc),
        "memoryview": memoryview(doc),
        "bytes-subclass": _Bytes(doc),
        "str-subclass": _Str(doc.decode("latin-1")),
        "latin-1-str": doc.decode("latin-1"),
    }[kind]
    with expat_spy() as seen:
        problems = validate(value)  # type: ignore[arg-type]
    # Bounded work whatever the encoding: at most one parser, fed the document once (a str
    # as UTF-8, at most 2 bytes per latin-1 character); no retry with another decoding.
    assert seen.parsers == seen.parse_calls <= 1, seen
    assert seen.fed <= 2 * len(doc), seen
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem) and p.code != "internal-error"
        assert p.line >= 1 and p.column >= 1 and len(str(p)) < 600
    if any(p.severity == "error" for p in problems):
        with pytest.raises(XMLValidationError):
            parse(value)  # type: ignore[arg-type]
    else:
        assert isinstance(parse(value), Response)  # type: ignore[arg-type]


# --- the signed requests smsxml makes, checked by the SDK ----------------------------------------

param_names = st.text(utf8_char, min_size=1, max_size=10)
param_values = st.text(utf8_char, max_size=30)


@settings(max_examples=examples(200), deadline=None)
@given(
    url=urls(),
    method=st.sampled_from(["GET", "POST"]),
    params=st.dictionaries(param_names, param_values, max_size=5),
    nonce=plivo_nonces,
    token=tokens,
    main=tokens,
)
def test_signed_request_v2_and_ma_v2_validate_with_the_sdk(
    url: str, method: str, params: dict[str, str], nonce: str, token: str, main: str
) -> None:
    req = signed_request(method, url, params, token, nonce=nonce, main_auth_token=main)
    v2, ma = req.headers["X-Plivo-Signature-V2"], req.headers["X-Plivo-Signature-Ma-V2"]
    # The SDK is given the URL requested (GET: with the parameters in its query string).
    assert plivo.utils.validate_signature(req.url, nonce, v2, token) is True
    assert plivo.utils.validate_signature(req.url, nonce, ma, main) is True
    if token != main:
        assert plivo.utils.validate_signature(req.url, nonce, v2, main) is False
        assert plivo.utils.validate_signature(req.url, nonce, ma, token) is False
    # The webhook's check agrees: V2 with the subaccount token, Ma-V2 with the main one.
    assert check_signature(req.url, req.headers, token, main).verdict == "valid V2"
    only_ma = {k: v for k, v in req.headers.items() if k != "X-Plivo-Signature-V2"}
    assert check_signature(req.url, only_ma, "not-the-token", main).verdict == "valid Ma-V2"
    assert not check_signature(req.url, only_ma, token, "not-the-main-token").valid


def _echo_text(message: object) -> Response:
    return Response().add_message("ok", src=SRC, dst=DST)


INBOUND_APP = WebhookApp(_echo_text, TOKEN, main_auth_token=MAIN_TOKEN, log_size=10)
phone = st.from_regex(r"\A\+?[1-9][0-9]{6,14}\Z")


@settings(max_examples=examples(150), deadline=None)
@given(
    text=st.text(utf8_char, max_size=300) | rich_text,
    from_=phone,
    method=st.sampled_from(["GET", "POST"]),
    use_main=st.booleans(),
)
def test_inbound_requests_validate_with_the_sdk_and_reach_the_webhook_intact(
    text: str, from_: str, method: str, use_main: bool
) -> None:
    url = "http://testserver/receive_sms/"
    req = inbound_request(
        url, TOKEN, from_=from_, to=SRC, text=text, method=method, main_auth_token=MAIN_TOKEN
    )
    nonce = req.headers["X-Plivo-Signature-V2-Nonce"]
    assert plivo.utils.validate_signature(
        req.url, nonce, req.headers["X-Plivo-Signature-V2"], TOKEN
    )
    assert plivo.utils.validate_signature(
        req.url, nonce, req.headers["X-Plivo-Signature-Ma-V2"], MAIN_TOKEN
    )
    assert req.params["Units"] == str(segments(text).units)
    if use_main:  # Plivo may send only the main account's signature
        del req.headers["X-Plivo-Signature-V2"]
    reply = send(req, INBOUND_APP)
    entry = INBOUND_APP.log.last
    assert reply.status == 200, reply.text
    assert entry.verdict == "valid V3"  # V3 decides whenever it is present
    assert entry.message.text == text and entry.message.from_ == from_.lstrip("+")


# st.text over an alphabet, not lists of characters joined: the same texts, drawn 7× faster.
long_text = st.text("abc €[]{}~^|\\😀ж’", min_size=900, max_size=1600)
long_gsm = st.text("abc xyz@£$€[]{}~^|\\", min_size=900, max_size=1600)


@settings(max_examples=examples(60), deadline=None)
@given(long_text | long_gsm)
def test_long_texts_split_like_the_reference(text: str) -> None:
    result = segments(text)
    encoding, parts, length = reference_parts(text)
    assert (result.encoding, result.parts, result.length) == (encoding, parts, length)
    assert result.units == len(parts) and "".join(result.parts) == text


# --- hostile XML through the webhook, the simulator and the CLI ----------------------------------

_AUDIT: dict[str, object] = {"paths": (), "ports": (), "seen": []}
_AUDIT_LOCK = threading.Lock()


def _audit(event: str, args: tuple) -> None:
    """Record opening a watched path or connecting to a watched port (any thread)."""
    if event == "open":
        paths = _AUDIT["paths"]
        if paths and args and isinstance(args[0], (str, bytes, Path)):
            name = str(args[0])
            if any(p in name for p in paths):  # type: ignore[union-attr]
                _AUDIT["seen"].append((event, name))  # type: ignore[union-attr]
    elif event in ("socket.connect", "socket.connect_ex"):
        ports = _AUDIT["ports"]
        address = args[1] if len(args) > 1 else None
        if ports and isinstance(address, tuple) and len(address) >= 2 and address[1] in ports:
            _AUDIT["seen"].append((event, address))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def audit() -> Iterator[Callable[[tuple[str, ...], tuple[int, ...]], list]]:
    """``watch(paths, ports)`` → the live list of touches of those paths or ports."""
    if not getattr(sys, "_smsxml_hardening_audit", False):
        sys.addaudithook(_audit)  # audit hooks cannot be removed: install once, idle after
        sys._smsxml_hardening_audit = True  # type: ignore[attr-defined]

    def watch(paths: tuple[str, ...], ports: tuple[int, ...]) -> list:
        with _AUDIT_LOCK:
            _AUDIT.update(paths=paths, ports=ports, seen=[])
        return _AUDIT["seen"]  # type: ignore[return-value]

    yield watch
    _AUDIT.update(paths=(), ports=(), seen=[])


@pytest.fixture
def trap(tmp_path: Path, audit: Callable) -> Iterator[dict]:
    """A secret file and a listening 127.0.0.1 socket, both watched."""
    marker = f"SECRET-{uuid.uuid4().hex}"
    secret = tmp_path / "secret.txt"
    secret.write_text(marker, encoding="utf-8")
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    touched = audit((str(secret), secret.name), (port,))

    def connections(wait: float = 0.0) -> int:
        """Connections made to the socket so far (accepted and closed here)."""
        server.settimeout(wait)
        count = 0
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # BlockingIOError, TimeoutError: no (more) connection
                return count
            conn.close()
            count += 1

    try:
        yield {
            "secret": secret,
            "marker": marker,
            "http": f"http://127.0.0.1:{port}",
            "port": port,
            "touched": touched,
            "connections": connections,
        }
    finally:
        server.close()


def _assert_untouched(trap: dict, *texts: str) -> None:
    for text in texts:
        assert trap["marker"] not in text
    assert trap["touched"] == []
    assert trap["connections"]() == 0


def test_hostile_replies_through_the_webhook_are_answered_and_logged(trap, expat_spy) -> None:
    docs = hostile_documents(trap["secret"].as_uri(), trap["http"])
    with LocalWebhook(lambda m: docs[m.text][0], TOKEN) as hook:
        for name, (doc, code) in docs.items():
            req = inbound_request(hook.url, TOKEN, from_=DST, to=SRC, text=name)
            with expat_spy() as seen:
                reply = req.send(timeout=20)
            entry = hook.log.last
            assert entry.message.text == name
            # The app sends what the handler returned (it is the app's answer) and logs why
            # Plivo would refuse it: one clear problem, found in bounded work (one pass at
            # most, stopped at a DOCTYPE, none over the size cap), nothing read or fetched.
            assert reply.status == 200 and reply.body == doc.encode(), name
            seen.assert_bounded(code)
            errors = [p for p in entry.problems if p.severity == "error"]
            assert errors and errors[0].code == code, (name, entry.problems)
            assert all(len(str(p)) < 600 for p in entry.problems)
            assert len(str(entry)) < 300 and "XML error" in str(entry)
            _assert_untouched(trap, reply.text, str(entry.problems), entry.error or "")
        assert (
            inbound_request(hook.url, TOKEN, from_=DST, to=SRC, text="billion-laughs").send().status
            == 200
        )  # still serving
    _assert_untouched(trap)
    assert trap["connections"](0.3) == 0


def test_hostile_replies_read_by_the_simulator_send_nothing(trap, expat_spy) -> None:
    docs = hostile_documents(trap["secret"].as_uri(), trap["http"])
    app = WebhookApp(lambda m: docs[m.text][0], TOKEN, log_size=50)
    sim = Simulator(TOKEN, numbers=[SRC], seed=1)
    for name, (_, code) in docs.items():
        with expat_spy() as seen:
            flow = sim.receive_sms(app, DST, SRC, name)
        seen.assert_bounded(code, documents=2)  # read by the webhook app, then by "Plivo"
        codes = [p.code for p in flow.problems]
        assert code in codes and codes[-1] == "nothing-sent", (name, codes)
        assert not flow.ok and flow.outbound == [] and flow.reports == []
        _assert_untouched(trap, str(flow), *(str(p) for p in flow.problems))


def test_cli_validate_on_hostile_files(trap, tmp_path: Path, capsys, expat_spy) -> None:
    docs = hostile_documents(trap["secret"].as_uri(), trap["http"])
    for name, (doc, code) in docs.items():
        path = tmp_path / f"{name}.xml"
        path.write_text(doc, encoding="utf-8")
        with expat_spy() as seen:
            status = cli_main(["validate", str(path)])
        out = capsys.readouterr()
        if name == "ten-megabytes":  # over what validate reads: refused unread, in one line
            assert status == 2 and out.err.count("\n") == 1 and "2 MiB" in out.err
            seen.assert_bounded(code, documents=0)
            continue
        assert status == 1, name
        seen.assert_bounded(code)
        assert f" {code} " in out.out and "not valid Plivo Message XML" in out.out
        assert len(out.out) < 3000 and out.err == ""
        _assert_untouched(trap, out.out)


def test_cli_validate_subprocess_on_hostile_files(trap, tmp_path: Path) -> None:
    """The real command, with an audit hook of its own reporting opens and connects."""
    docs = hostile_documents(trap["secret"].as_uri(), trap["http"])
    report = tmp_path / "audit.json"
    wrapper = (
        "import json, sys\n"
        f"watched, port, seen = {str(trap['secret'])!r}, {trap['port']}, []\n"
        "def hook(event, args):\n"
        "    if event == 'open' and args and watched in str(args[0]): seen.append(event)\n"
        "    if event.startswith('socket.connect') and len(args) > 1 and "
        "isinstance(args[1], tuple) and args[1][1:2] == (port,): seen.append(event)\n"
        "sys.addaudithook(hook)\n"
        "from smsxml.cli import main\n"
        "status = main(sys.argv[1:])\n"
        f"open({str(report)!r}, 'w').write(json.dumps(seen))\n"
        "sys.exit(status)\n"
    )
    for name in ("external-file", "parameter-entities", "billion-laughs", "ten-megabytes"):
        doc, code = docs[name]
        path = tmp_path / f"{name}.xml"
        path.write_bytes(doc.encode("utf-16") if name == "external-file" else doc.encode())
        done = subprocess.run(
            [sys.executable, "-c", wrapper, "validate", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "Traceback" not in done.stderr
        if name == "ten-megabytes":  # refused unread: one line, exit 2
            assert done.returncode == 2 and "2 MiB" in done.stderr, done.stderr
        else:
            assert done.returncode == 1, done.stderr
            assert f" {code} " in done.stdout
        assert json.loads(report.read_text()) == []
        _assert_untouched(trap, done.stdout, done.stderr)


# --- whatever a handler returns, the webhook answers ------------------------------------------


@settings(max_examples=examples(150), deadline=None)
@given(
    reply=st.text(max_size=200)
    | st.binary(max_size=200)
    | rich_text
    | st.sampled_from([BILLION_LAUGHS, "<Response>\ud800</Response>", "\x00", b"\xff"])
)
def test_any_handler_reply_gets_an_answer_and_a_log_entry(reply: str | bytes) -> None:
    app = WebhookApp(lambda m: reply, TOKEN, log_size=5)
    req = inbound_request("http://testserver/receive_sms/", TOKEN, from_=DST, to=SRC, text="x")
    answer = send(req, app)
    entry = app.log.last
    assert entry is not None and entry.status == answer.status
    if answer.status == 200:
        assert answer.content_type == "application/xml"
        text = reply.decode("utf-8") if isinstance(reply, bytes) else reply
        assert answer.body == text.encode("utf-8") and entry.reply == text
        assert all(p.code != "internal-error" for p in entry.problems)
        assert bool(validate(text)) == bool(entry.problems)
    else:
        # Only replies that cannot be sent as UTF-8 are refused: lone surrogates, bad bytes.
        assert answer.status == 500 and entry.error
        if isinstance(reply, bytes):
            with pytest.raises(UnicodeDecodeError):
                reply.decode("utf-8")
        else:
            assert any("\ud800" <= c <= "\udfff" for c in reply)
