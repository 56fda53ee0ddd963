"""What :func:`~smsxml.xml.validate` can report: :class:`Problem` and the catalogue of codes.

Every problem smsxml reports has a code from :data:`CATALOGUE`, with its severity, a
one-line summary, and one :class:`Wording` per situation the code covers (a ``<message>``
and a ``<Foo>`` are both ``unknown-element``, with different hints). Wordings are
``str.format`` templates; the checker fills in what depends on the document::

    >>> from smsxml.xml import CATALOGUE, catalogue
    >>> CATALOGUE["bad-callback-method"].severity
    'error'
    >>> [k.code for k in catalogue("warning")][:3]
    ['processing-instruction', 'empty-response', 'impossible-number']

Nothing here reads a document; :mod:`smsxml.xml.check` does, and takes every text it
reports from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from string import Formatter
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from .._demo import DEMO_NUMBER, DEMO_STATUS_URL
from .._text import plural
from ..protocol import MAX_TEXT_LENGTH, MAX_UNICODE_TEXT_LENGTH

if TYPE_CHECKING:  # pragma: no cover
    from ..exc import XMLBuildError

__all__ = [
    "CATALOGUE",
    "MAX_DOCUMENT_BYTES",
    "MAX_PROBLEMS",
    "Problem",
    "ProblemCode",
    "ProblemKind",
    "Severity",
    "Wording",
    "catalogue",
    "problem_at",
    "summary",
    "unwritable_problem",
]

#: Largest document :func:`~smsxml.xml.validate` reads. A real response is a few KB (even
#: 100 messages of 1,600 characters stay under 1 MB); the cap keeps hostile input cheap to
#: refuse.
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024

#: Most problems listed for one document; the rest are counted in one ``too-many-problems``.
MAX_PROBLEMS = 100

Severity = Literal["error", "warning"]

ProblemCode = Literal[
    # reading the document
    "bad-input",
    "too-large",
    "encoding",
    "bad-character",
    "empty-document",
    "malformed",
    "doctype-forbidden",
    "entity-forbidden",
    "processing-instruction",
    # its structure
    "wrong-root",
    "unknown-element",
    "voice-element",
    "misplaced-content",
    "empty-response",
    # <Message> attributes
    "unknown-attribute",
    "missing-attribute",
    "bad-type",
    # numbers
    "bad-number",
    "impossible-number",
    "invalid-number",
    "bulk-empty",
    "bulk-duplicate",
    "src-in-dst",
    # delivery reports
    "bad-callback-url",
    "callback-unreachable",
    "bad-callback-method",
    "unused-callback-method",
    # the text
    "empty-text",
    "text-too-long",
    "text-whitespace",
    # about the report itself
    "too-many-problems",
    "internal-error",
    "unwritable-character",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, where it is and what to do about it.

    ``line`` and ``column`` are 1-based; for attribute and text problems they point at the
    start tag of the element concerned.
    """

    line: int
    column: int
    code: ProblemCode
    severity: Severity
    message: str
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def kind(self) -> ProblemKind:
        """This problem's entry in :data:`CATALOGUE`."""
        return CATALOGUE[self.code]

    def __str__(self) -> str:
        head = f"{self.line}:{self.column}: {self.severity} {self.code}: {self.message}"
        return f"{head} — hint: {self.hint}" if self.hint else head


@dataclass(frozen=True)
class Wording:
    """How one situation is told: ``message`` and ``hint``, templates for ``str.format``."""

    message: str
    hint: str

    @property
    def fields(self) -> frozenset[str]:
        """The names the templates need, e.g. ``{'name'}`` for ``"<{name}> is not …"``."""
        return frozenset(
            name
            for template in (self.message, self.hint)
            for _, name, _, _ in Formatter().parse(template)
            if name
        )


@dataclass(frozen=True)
class ProblemKind:
    """One code of the catalogue: how bad it is, what it means, and how it is worded.

    ``cases`` maps a situation to its :class:`Wording`; a code told one way only has the
    single case ``""``.
    """

    code: ProblemCode
    severity: Severity
    summary: str
    cases: Mapping[str, Wording]

    @property
    def hints(self) -> tuple[str, ...]:
        """The distinct hint templates, in catalogue order."""
        return tuple(dict.fromkeys(w.hint for w in self.cases.values()))

    def __str__(self) -> str:
        return f"{self.code} ({self.severity}): {self.summary}"


# --------------------------------------------------------------------------- the catalogue

_EXAMPLE_URL = f"e.g. {DEMO_STATUS_URL}"
_EXAMPLE_NUMBER = f"for example {DEMO_NUMBER} for a US number"
_CHECK_DIGITS = (
    f"check for missing or extra digits; write country code then number ({_EXAMPLE_NUMBER})"
)
_PARSER = " (parser: {reason})"
_DECLARE_UTF8 = (
    'declare encoding="UTF-8" or drop the declaration (a str reply is sent as UTF-8: '
    "smsxml's webhook and web frameworks encode it so)"
)  # expat's own words, after every parser-detected problem


def _kind(
    code: ProblemCode,
    severity: Severity,
    summary: str,
    message: str | None = None,
    hint: str | None = None,
    **cases: Wording,
) -> ProblemKind:
    """A catalogue entry: told one way (``message``, ``hint``) or several (``cases``)."""
    if message is not None and hint is not None:
        cases = {"": Wording(message, hint), **cases}
    return ProblemKind(code, severity, summary, MappingProxyType(cases))


_KINDS = (
    # ---------------------------------------------------------------- reading the document
    _kind(
        "bad-input",
        "error",
        "what was given to validate is not a document: neither str nor bytes",
        "expected the XML document as str or bytes, got {type}",
        "pass the text your message_url returns, e.g. response.to_xml()",
    ),
    _kind(
        "too-large",
        "error",
        f"the document is over the {MAX_DOCUMENT_BYTES // 2**20} MiB smsxml reads",
        "the document is {size:,} {unit}, over the "
        f"{MAX_DOCUMENT_BYTES // 2**20} MiB smsxml reads; a real Plivo response is a few KB",
        "return fewer or shorter messages per response",
    ),
    _kind(
        "encoding",
        "error",
        "bytes that are not in the document's encoding, an encoding the parser cannot read, "
        "or a declaration naming another encoding than the UTF-8 the document is in",
        undecodable=Wording(
            "bytes that are not valid {encoding}" + _PARSER,
            "save the document as {encoding}, or declare its real encoding in "
            '<?xml … encoding="…"?>',
        ),
        unreadable=Wording(
            "the document declares encoding {declared!r}, which the XML parser cannot read",
            _DECLARE_UTF8,
        ),
        declared_other=Wording(
            'the XML declaration says encoding="{declared}", but the document is UTF-8: '
            "Plivo would read {word!r} as {garbled!r}",
            _DECLARE_UTF8,
        ),
        declared_narrow=Wording(
            'the XML declaration says encoding="{declared}", but the document is UTF-8 and '
            "has {char}, which {declared} cannot hold: Plivo could not read the reply",
            _DECLARE_UTF8,
        ),
        declared_wide=Wording(
            'the XML declaration says encoding="{declared}", but the document is UTF-8 '
            "(one byte per ASCII character): Plivo could not read the reply",
            _DECLARE_UTF8,
        ),
    ),
    _kind(
        "bad-character",
        "error",
        "a character XML 1.0 cannot carry: a control character, lone surrogate or noncharacter",
        unencodable=Wording(
            "{char} cannot appear in an XML document",
            "remove it; it usually comes from text cut in the middle of an emoji",
        ),
        illegal=Wording(
            "{char} is not allowed in XML 1.0" + _PARSER,
            "remove it: XML has no control characters other than tab, LF and CR",
        ),
        reference=Wording(
            "a &#…; reference to a character XML forbids" + _PARSER,
            "remove it: XML 1.0 has no control characters other than tab, LF and CR",
        ),
        undecodable=Wording("a character XML cannot carry" + _PARSER, "remove it"),
    ),
    _kind(
        "empty-document",
        "error",
        "the document has no element at all (nothing, or only whitespace and comments)",
        "the document has no element at all" + _PARSER,
        "a message_url must return <Response>…</Response>",
    ),
    _kind(
        "malformed",
        "error",
        "not well-formed XML: a raw < or &, a tag not closed or closed out of order…",
        "not well-formed XML" + _PARSER,
        "check that every < starts a tag, every tag is closed and values are quoted",
        unclosed=Wording(
            "the document ends before <{name}> is closed" + _PARSER,
            "add </{name}>",
        ),
        raw_lt=Wording(
            "a < that does not start a tag" + _PARSER,
            "in text and attribute values write < as &lt; (bulk dst: 12025551111&lt;12025552222)",
        ),
        bare_ampersand=Wording(
            "a bare & that does not start an entity" + _PARSER,
            "write & as &amp;",
        ),
        unquoted=Wording(
            "an attribute value without quotes" + _PARSER,
            'quote attribute values: name="value"',
        ),
        mismatched=Wording(
            "</{closing}> does not close the open <{opened}>" + _PARSER,
            "close elements in reverse order: </{opened}> comes next",
        ),
        mismatched_case=Wording(
            "</{closing}> does not close the open <{opened}>" + _PARSER,
            "close elements in reverse order: </{opened}> comes next (names are case-sensitive)",
        ),
        after_root=Wording(
            "content after the root element ends: a document has exactly one root" + _PARSER,
            "put every <Message> inside the one <Response>…</Response>",
        ),
        undefined_entity=Wording(
            "an &name; entity XML does not define" + _PARSER,
            "write & as &amp;; XML knows only &amp; &lt; &gt; &quot; &apos;",
        ),
        duplicate_attribute=Wording(
            "an attribute appears twice in one element" + _PARSER,
            "keep one of them",
        ),
        late_declaration=Wording(
            "the <?xml …?> declaration is not at the very start of the document" + _PARSER,
            "remove everything before <?xml, even spaces or a blank line",
        ),
        unfinished_tag=Wording(
            "a tag is not finished (missing >)" + _PARSER,
            "close the tag with > (or /> for an empty element)",
        ),
    ),
    _kind(
        "doctype-forbidden",
        "error",
        "a <!DOCTYPE …>: smsxml refuses DTDs, so no entity is expanded and nothing is fetched",
        "the document has a DOCTYPE (<!DOCTYPE {name} …>); smsxml refuses DTDs, so no "
        "entity is expanded and no external file or URL is read",
        "delete the <!DOCTYPE …> declaration: Plivo Message XML never needs one",
    ),
    _kind(
        "entity-forbidden",
        "error",
        "an entity declaration or reference (a safety net: a DOCTYPE is refused before it)",
        "the document declares or references an entity; smsxml refuses them",
        "write the characters themselves, or &amp; &lt; &gt; &quot; &apos;",
    ),
    _kind(
        "processing-instruction",
        "warning",
        "a <?…?> processing instruction other than the XML declaration; Plivo ignores it",
        "<?{target} …?> is a processing instruction; Plivo ignores it",
        'remove it: only the <?xml version="1.0" …?> declaration belongs in the document',
    ),
    # ---------------------------------------------------------------- structure
    _kind(
        "wrong-root",
        "error",
        "the root element is not <Response>",
        response_case=Wording(
            "the root element is <{name}>; Plivo needs <Response> "
            "(element names are case-sensitive)",
            "did you mean <Response>?",
        ),
        message_as_root=Wording(
            "the root element is <{name}>; Plivo needs <Response> around it",
            "wrap it: <Response><Message …>…</Message></Response>",
        ),
        other=Wording(
            "the root element is <{name}>; Plivo Message XML starts with <Response>",
            'write <Response><Message src="…" dst="…">text</Message></Response>',
        ),
    ),
    _kind(
        "unknown-element",
        "error",
        "an element Plivo does not know inside <Response> (element names are case-sensitive)",
        message_like=Wording(
            "<{name}> is not a Plivo element (element names are case-sensitive)",
            "did you mean <Message>?",
        ),
        close_to_message=Wording("<{name}> is not a Plivo element", "did you mean <Message>?"),
        other=Wording(
            "<{name}> is not a Plivo element",
            "inside <Response> only <Message> elements are allowed",
        ),
    ),
    _kind(
        "voice-element",
        "error",
        "a Plivo voice element (<Speak>, <Play>, <Dial>…), never allowed from a message_url",
        as_spelt=Wording(
            "<{name}> is a Plivo voice element; from a message_url only <Message> is allowed",
            "remove it; voice XML belongs to an application's answer_url",
        ),
        miscased=Wording(
            "<{name}> is a Plivo voice element (spelt <{proper}>); from a message_url only "
            "<Message> is allowed",
            "remove it; voice XML belongs to an application's answer_url",
        ),
    ),
    _kind(
        "misplaced-content",
        "error",
        "an element inside <Message>, a <Response> inside <Response>, or loose text",
        in_message=Wording(
            "<{name}> inside <Message>: a Message holds only its text, no elements",
            "escape < as &lt; if it was meant as text, or remove the element",
        ),
        body_in_message=Wording(
            "<{name}> inside <Message>: a Message holds only its text, no elements",
            "Plivo's <Message> holds its text directly; <Body> is TwiML, drop it",
        ),
        nested_response=Wording(
            "<{name}> inside <Response>: there is exactly one <Response>, the root",
            "move its <Message> elements into the outer <Response>",
        ),
        loose_text=Wording(
            "text {snippet!r} directly inside <Response>; only <Message> elements belong there",
            'put the text inside <Message src="…" dst="…">…</Message>',
        ),
    ),
    _kind(
        "empty-response",
        "warning",
        "the <Response> has no <Message>, so nothing is sent",
        "the <Response> has no <Message>: it sends nothing",
        'add a <Message src="…" dst="…">text</Message>, unless silence is intended',
    ),
    # ---------------------------------------------------------------- <Message> attributes
    _kind(
        "unknown-attribute",
        "error",
        "an attribute the element does not take (names are case-sensitive and camelCased)",
        on_response=Wording(
            "<Response> takes no attributes, but has {name}",
            "remove {name}=…",
        ),
        text=Wording(
            "<Message> has no {name} attribute: the SMS text is the element's content",
            'write <Message src="…" dst="…">your text</Message>',
        ),
        misspelt=Wording(
            "{name} is not a <Message> attribute (attribute names are case-sensitive "
            "and camelCased)",
            "did you mean {meant}?",
        ),
        other=Wording(
            "<Message> has no attribute {name}",
            "<Message> takes only src, dst, type, callbackUrl and callbackMethod; remove {name}",
        ),
    ),
    _kind(
        "missing-attribute",
        "error",
        "a <Message> without src or dst",
        src=Wording(
            "<Message> has no src: it needs the Plivo number sending the SMS",
            'add src="…", e.g. src="12025550000"',
        ),
        dst=Wording(
            "<Message> has no dst: it needs the number(s) to send it to",
            'add dst="…", e.g. dst="12025550000"',
        ),
    ),
    _kind(
        "bad-type",
        "error",
        'type is not "sms", the only type Message XML sends',
        miscased=Wording(
            'type="{value}" is not allowed: Message XML sends SMS only',
            'values are case-sensitive: write type="sms"',
        ),
        other=Wording(
            'type="{value}" is not allowed: Message XML sends SMS only',
            'use type="sms", or leave type out (sms is the default)',
        ),
        media=Wording(
            'type="{value}" is not allowed: Message XML sends SMS only, even in answer to an '
            "MMS or WhatsApp message",
            'use type="sms" here; to send MMS or WhatsApp, call Plivo\'s Send Message API '
            "from your handler",
        ),
    ),
    # ---------------------------------------------------------------- numbers
    _kind(
        "bad-number",
        "error",
        "src or dst is not written as a phone number: digits, optionally after a +",
        several_src=Wording(
            "src {value!r} lists several numbers; a message has one sender",
            "only dst takes several numbers separated by <",
        ),
        empty=Wording("{label} is empty", 'write the number, e.g. {attr}="12025550000"'),
        punctuated=Wording(
            "{label} {value!r} is not a phone number",
            'write digits only, no spaces, dashes or brackets: "{cleaned}"',
        ),
        listed=Wording(
            "{label} {value!r} separates numbers with a comma or semicolon",
            "to send to several numbers (bulk), separate them with < — written &lt; inside "
            'the attribute: "{bulk}"',
        ),
        other=Wording(
            "{label} {value!r} is not a phone number",
            "a phone number in international format: digits, optionally a leading +",
        ),
    ),
    _kind(
        "impossible-number",
        "warning",
        "a number that cannot exist: unknown country code, too short or too long",
        no_country_code=Wording(
            "{label} {value} does not start with a country code phonenumbers knows",
            f"write the number in international format, country code first ({_EXAMPLE_NUMBER})",
        ),
        unknown_country_code=Wording(
            "{label} {value} cannot exist: it has an unknown country code", _CHECK_DIGITS
        ),
        too_short=Wording(
            "{label} {value} cannot exist: it is too short for its country code", _CHECK_DIGITS
        ),
        too_long=Wording(
            "{label} {value} cannot exist: it is too long for its country code", _CHECK_DIGITS
        ),
        no_such_length=Wording(
            "{label} {value} cannot exist: it has a length no number of its country has",
            _CHECK_DIGITS,
        ),
        over_15_digits=Wording(
            "{label} {value} cannot exist: it has {digits:,} digits, and phone numbers have at "
            "most 15",
            "check for extra digits; to send to several numbers separate them with <",
        ),
    ),
    _kind(
        "invalid-number",
        "warning",
        "a number of a possible length, but in no range in use in its country",
        region=Wording(
            "{label} {value} is not in any number range in use in {region}",
            "check for typos; Plivo refuses numbers that do not exist",
        ),
        country_code=Wording(
            "{label} {value} is not in any number range in use under country code +{country_code}",
            "check for typos; Plivo refuses numbers that do not exist",
        ),
    ),
    _kind(
        "bulk-empty",
        "error",
        "a bulk dst with an empty place before, between or after its < separators",
        "dst {value!r} has an empty place between, before or after its < separators",
        "separate numbers with a single < and do not start or end with one",
    ),
    _kind(
        "bulk-duplicate",
        "warning",
        "a bulk dst lists the same number more than once",
        "{number} appears {count} times in dst",
        "list each destination once, or it may get the SMS more than once",
    ),
    _kind(
        "src-in-dst",
        "warning",
        "the sender is also one of the destinations",
        "the sender {number} is also a destination: it would text itself",
        "remove src's number from dst",
    ),
    # ---------------------------------------------------------------- delivery reports
    _kind(
        "bad-callback-url",
        "error",
        "callbackUrl is not an absolute http or https URL",
        empty=Wording(
            "callbackUrl is empty",
            f"write an absolute URL without spaces ({_EXAMPLE_URL})",
        ),
        spaces=Wording(
            "callbackUrl contains spaces",
            f"write an absolute URL without spaces ({_EXAMPLE_URL})",
        ),
        invalid=Wording(
            "callbackUrl {url!r} is not a valid URL",
            f"write an absolute URL ({_EXAMPLE_URL})",
        ),
        relative=Wording(
            "callbackUrl {url!r} is not absolute",
            f"write the full URL ({_EXAMPLE_URL})",
        ),
        scheme=Wording(
            "callbackUrl uses {scheme}:, Plivo calls only http and https",
            _EXAMPLE_URL,
        ),
        no_host=Wording("callbackUrl {url!r} has no host", f"write the full URL ({_EXAMPLE_URL})"),
    ),
    _kind(
        "callback-unreachable",
        "warning",
        "callbackUrl points at this machine or a private network, which Plivo cannot reach",
        "callbackUrl points at {host}, which Plivo cannot reach from the internet",
        "use a public URL, e.g. through a tunnel such as ngrok",
    ),
    _kind(
        "bad-callback-method",
        "error",
        "callbackMethod is not GET or POST",
        miscased=Wording(
            'callbackMethod="{value}" is not allowed: only GET or POST',
            'values are case-sensitive: write callbackMethod="{upper}"',
        ),
        other=Wording(
            'callbackMethod="{value}" is not allowed: only GET or POST',
            'use "GET" or "POST" (POST is the default)',
        ),
    ),
    _kind(
        "unused-callback-method",
        "warning",
        "callbackMethod without callbackUrl, which has no effect",
        "callbackMethod has no effect without callbackUrl",
        'add callbackUrl="https://…" for delivery reports, or drop callbackMethod',
    ),
    # ---------------------------------------------------------------- the text
    _kind(
        "empty-text",
        "error",
        "a <Message> with no text, or only whitespace: nothing to send",
        no_text=Wording(
            "the <Message> has no text: there is nothing to send",
            "put the SMS text between <Message …> and </Message>",
        ),
        whitespace=Wording(
            "the <Message> has only whitespace: there is nothing to send",
            "put the SMS text between <Message …> and </Message>",
        ),
    ),
    _kind(
        "text-too-long",
        "error",
        f"a text over the {MAX_TEXT_LENGTH:,} characters Plivo accepts "
        f"({MAX_UNICODE_TEXT_LENGTH} when it needs UCS-2)",
        f"the text is {{length:,}} characters; Plivo accepts at most {MAX_TEXT_LENGTH:,}",
        "shorten it or split it into several <Message> elements",
        unicode=Wording(
            "the text is {length:,} characters and needs UCS-2 (because of {chars}); Plivo "
            f"accepts at most {MAX_UNICODE_TEXT_LENGTH} characters of Unicode text",
            "shorten it, split it into several <Message> elements, or write those characters "
            "in GSM (smsxml.segments(text) shows which ones)",
        ),
        unicode_auto=Wording(
            "the text is {length:,} characters and needs UCS-2 (because of {chars}); Plivo "
            f"accepts at most {MAX_UNICODE_TEXT_LENGTH} characters of Unicode text",
            "write those characters in GSM (straight quotes, -), or turn on automatic encoding "
            "(Plivo console: Messaging > Settings > Other Settings > Auto-replace) and check "
            "with validate(xml, auto_encoding=True)",
        ),
    ),
    _kind(
        "text-whitespace",
        "warning",
        "the text starts or ends with a line break and indentation, which Plivo may send too",
        "the text starts or ends with a line break and indentation; Plivo gets the text "
        "exactly as written, so these may be sent (and counted) too",
        "write the text right after <Message …> and close </Message> right after it",
    ),
    # ---------------------------------------------------------------- about the report
    _kind(
        "too-many-problems",
        "error",
        f"more than {MAX_PROBLEMS} problems; counts the rest (a warning if none of them is an "
        "error)",
        "{count} more problem(s) not listed",
        "fix the problems above and validate again",
    ),
    _kind(
        "internal-error",
        "error",
        "smsxml failed while checking the document: a bug in smsxml, never expected",
        "smsxml could not check this document ({error})",
        "please report this as a bug in smsxml",
    ),
    _kind(
        "unwritable-character",
        "error",
        "the builder refused a value XML cannot carry (XMLBuildError), as a widget shows it",
        "{error}",
        "delete that character (it often comes with copy and paste) or write it another way",
    ),
)

#: Every code smsxml reports, in the order above: reading, structure, attributes, numbers,
#: delivery reports, text, the report itself.
CATALOGUE: Mapping[ProblemCode, ProblemKind] = MappingProxyType({k.code: k for k in _KINDS})


def catalogue(severity: Severity | None = None) -> list[ProblemKind]:
    """The catalogue as rows, all of them or only the errors or the warnings.

    For a table in a notebook: ``[(k.code, k.severity, k.summary) for k in catalogue()]``.
    """
    return [k for k in CATALOGUE.values() if severity is None or k.severity == severity]


def _has_fields(text: str) -> bool:
    return "{" in text or "}" in text


# (code, case) → severity, message, hint, and whether each text is a template: one lookup
# per problem, and fixed texts are not formatted (many problems are checked fast too).
_WORDING = {
    (k.code, case): (k.severity, w.message, _has_fields(w.message), w.hint, _has_fields(w.hint))
    for k in _KINDS
    for case, w in k.cases.items()
}
_NO_FIELDS: Mapping[str, object] = MappingProxyType({})


def problem_at(
    line: int,
    column: int,
    code: ProblemCode,
    case: str = "",
    fields: Mapping[str, object] = _NO_FIELDS,
) -> Problem:
    """The :class:`Problem` ``code`` reports in situation ``case`` (see ``.cases``), worded
    from the catalogue with ``fields`` filled in."""
    severity, message, message_has_fields, hint, hint_has_fields = _WORDING[code, case]
    if message_has_fields:
        message = message.format_map(fields)
    if hint_has_fields:
        hint = hint.format_map(fields)
    return Problem(line, column, code, severity, message, hint)


def unwritable_problem(error: XMLBuildError) -> Problem:
    """How a tool shows a value the builder refused: ``unwritable-character``, at line 0,
    column 0 (the value is in no document yet), with the error's own words."""
    return problem_at(0, 0, "unwritable-character", "", {"error": str(error)})


def summary(problems: Iterable[Problem]) -> str:
    """``"1 XML error"``, ``"2 XML errors and 1 warning"``, ``"1 XML warning"`` or ``""``:
    one wording for every view (log lines, the CLI, the widgets)."""
    found = list(problems)
    errors = sum(p.severity == "error" for p in found)
    warnings = len(found) - errors

    if errors and warnings:
        return f"{plural(errors, 'XML error')} and {plural(warnings, 'warning')}"
    if errors:
        return plural(errors, "XML error")
    return plural(warnings, "XML warning") if warnings else ""
