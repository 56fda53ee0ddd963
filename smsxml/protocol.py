"""Plivo's wire facts for SMS, written once: header and parameter names, content types,
limits, keywords, statuses and error codes.

Everything here is data from Plivo's documentation (see ``shared/reference/plivo-facts.md``);
the modules that sign, parse, serve or simulate import it from here and never spell a fact
again. Nothing in this module imports anything from smsxml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "ANSWER_TIMEOUT",
    "RETRY_DELAYS",
    "ERROR_CODES",
    "ErrorCode",
    "error_code",
    "SIGNATURE_HEADER",
    "MA_SIGNATURE_HEADER",
    "NONCE_HEADER",
    "SIGNATURE_V3_HEADER",
    "MA_SIGNATURE_V3_HEADER",
    "NONCE_V3_HEADER",
    "SIGNATURE_HEADERS",
    "FORM_CONTENT_TYPE",
    "XML_CONTENT_TYPE",
    "TEXT_CONTENT_TYPE",
    "XML_MEDIA_TYPES",
    "USER_AGENT",
    "DEFAULT_PORTS",
    "MAX_TEXT_LENGTH",
    "MAX_UNICODE_TEXT_LENGTH",
    "AUTO_ENCODING",
    "AUTO_ENCODING_BY_DEFAULT",
    "MessageType",
    "MESSAGE_TYPES",
    "INBOUND_PARAMETERS",
    "TOTAL_RATE",
    "OPTOUT_KEYWORDS",
    "OPTIN_KEYWORDS",
    "HELP_KEYWORDS",
    "KeywordList",
    "DND_KEYWORD_LISTS",
    "SIMULATED_DND_KEYWORDS",
    "OPT_OUT_ACK_WINDOW",
    "OPT_OUT_ERROR_CODE",
    "DND_REGIONS",
    "HELP_AUTO_REPLY",
    "OPT_OUT_CONFIRMATION",
    "DND_SOURCES",
    "Intent",
    "Status",
    "STATUS_PATHS",
    "DELIVERY_REPORT_PARAMETERS",
    "DEFAULT_ERROR_CODES",
]

# --- signature headers (X-Plivo-Signature-V2 is HMAC-SHA256 of URL + nonce) ----------------

SIGNATURE_HEADER: Final = "X-Plivo-Signature-V2"
MA_SIGNATURE_HEADER: Final = "X-Plivo-Signature-Ma-V2"  # signed with the main account's token
NONCE_HEADER: Final = "X-Plivo-Signature-V2-Nonce"
SIGNATURE_V3_HEADER: Final = "X-Plivo-Signature-V3"
MA_SIGNATURE_V3_HEADER: Final = "X-Plivo-Signature-Ma-V3"
NONCE_V3_HEADER: Final = "X-Plivo-Signature-V3-Nonce"
#: Every signature header Plivo sends with each request to your URLs.
SIGNATURE_HEADERS: Final = (
    SIGNATURE_HEADER,
    MA_SIGNATURE_HEADER,
    NONCE_HEADER,
    SIGNATURE_V3_HEADER,
    MA_SIGNATURE_V3_HEADER,
    NONCE_V3_HEADER,
)

# --- content types ---------------------------------------------------------------------------

#: How Plivo sends the parameters of a POST to your message_url or callbackUrl.
FORM_CONTENT_TYPE: Final = "application/x-www-form-urlencoded"
#: What a message_url answers with Message XML (Plivo accepts either of XML_MEDIA_TYPES).
XML_CONTENT_TYPE: Final = "application/xml; charset=utf-8"
XML_MEDIA_TYPES: Final = ("text/xml", "application/xml")
#: A short plain-text reason, for refusals.
TEXT_CONTENT_TYPE: Final = "text/plain; charset=utf-8"
#: What the simulator's requests say they are (Plivo's own agent is "PlivoHTTP/1.0").
USER_AGENT: Final = "PlivoHTTP/1.0 (smsxml simulator)"

#: How long Plivo waits for your message_url (or callbackUrl) to answer, in seconds: an
#: answer later than this is abandoned (Plivo support article 360041344652).
ANSWER_TIMEOUT: Final = 8.0

#: How long Plivo waits between attempts at a message_url or callbackUrl that answered
#: non-2xx or not in time: the first retry 60 s after the original attempt, the second 120 s
#: after the first retry, the third 240 s after the second (attempts at 0, 60, 180, 420 s).
#: Plivo support article 360041344652. (Article 360041749951 says inbound callbacks are
#: retried for 24 hours; smsxml plays the schedule above, see docs.)
RETRY_DELAYS: Final = (60.0, 120.0, 240.0)

#: The port a URL means when it names none; signatures are over the URL as Plivo spells it.
DEFAULT_PORTS: Final = {"http": 80, "https": 443}

# --- messages --------------------------------------------------------------------------------

#: The most characters one <Message> may carry (Plivo splits longer texts into units).
MAX_TEXT_LENGTH: Final = 1600
#: The most characters of a text that needs UCS-2. Plivo's page "Encoding and concatenation"
#: (docs: messaging/concepts/encoding-and-concatenation): GSM-only messages "have a maximum
#: limit of 1,600 characters", messages with "one or more UCS-2 16-bit Unicode characters"
#: one of 737. Both count characters of the text as sent.
MAX_UNICODE_TEXT_LENGTH: Final = 737

#: Plivo's automatic encoding (support article "What is automatic encoding?"): easy-to-miss
#: Unicode characters — smart quotes, dashes, Unicode white space — are replaced with GSM
#: ones before a text is sent, so one of them no longer turns the whole message into UCS-2.
#: Emoji and letters of other scripts are never replaced. Plivo's article names these
#: kinds of character, not a full table: this is smsxml's reading of it.
AUTO_ENCODING: Final[dict[str, str]] = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u02bc", "'"),  # single quotes, primes
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036", '"'),  # double quotes
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),  # dashes, minus
    **dict.fromkeys(
        "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
        "\u202f\u205f\u3000",
        " ",
    ),  # Unicode spaces
}
#: Whether automatic encoding is applied when nobody says: no. It is an account setting
#: that is off until turned on: Plivo's SMS FAQ (docs: faq/messaging/sms, "What is automatic
#: encoding?") says "Enable Auto-replace" under Messaging > Settings > Other Settings. Off is
#: also the cautious reading: it can only count more units than Plivo sends, never fewer.
#: ``validate(…, auto_encoding=)`` and ``Simulator(auto_encoding=)`` both start from it.
AUTO_ENCODING_BY_DEFAULT: Final = False
#: The charge per unit the simulator reports (Plivo's format: 5 decimals, as text).
TOTAL_RATE: Final = "0.00500"

# --- opt-out (DND): keywords, the acknowledgement window, the block -------------------------

_DND_OLDER = "plivo.com/docs/sms/concepts/dnd-service (the older DND page, long codes)"
_DND_CONCEPT = "docs.plivo.com/docs/messaging/concepts/dnd-service (the DND concept page)"
_DND_SUPPORT = "Plivo support's DND section (as docs/when-things-go-wrong.md summarises it)"
_OPT_OUT_ACK = "support.plivo.com article 360041786171 (Can I reply to customers who opted out?)"


@dataclass(frozen=True)
class KeywordList:
    """One of Plivo's lists of DND keywords, as one page gives it: the texts that opt out,
    opt in again and ask for help (each the whole text, any case, white space folded)."""

    optout: frozenset[str]
    optin: frozenset[str]
    help: frozenset[str]
    source: str


#: Plivo's pages disagree on the keywords; each list as its page gives it.
DND_KEYWORD_LISTS: Final[dict[str, KeywordList]] = {
    # The longest list: MessageIntent is set from it (below). The page also says a number
    # stays blocked for three months; its HELP/INFO auto-reply names START to opt in.
    "older": KeywordList(
        frozenset({"STOP", "END", "QUIT", "CANCEL", "UNSUBSCRIBE", "UNSUB", "STOP ALL"}),
        frozenset({"START", "YES", "RESUME", "RESUME ALL", "UNSTOP", "GO"}),
        frozenset({"HELP", "INFO"}),
        _DND_OLDER,
    ),
    # Today's page: STOP with trailing spaces or new lines counts, "Stop it!" does not.
    # It names no opt-in keyword.
    "concept": KeywordList(
        frozenset({"STOP", "END", "QUIT"}), frozenset(), frozenset({"HELP", "INFO"}), _DND_CONCEPT
    ),
    "support": KeywordList(
        frozenset({"STOP", "END", "QUIT", "CANCEL", "UNSUB", "STOP ALL"}),
        frozenset({"START", "UNSTOP"}),
        frozenset({"HELP", "INFO"}),  # HELP/INFO from the concept page: this one names none
        _DND_SUPPORT,
    ),
}
#: The list ``Simulator`` plays when it blocks and unblocks: the support DND section's. It
#: holds every keyword of today's concept page (STOP, END, QUIT) and adds CANCEL, UNSUB and
#: STOP ALL, and it is the one current list that says how to opt in again (START, UNSTOP),
#: which the simulator needs to lift a block. The older page's extra words (UNSUBSCRIBE,
#: YES, RESUME, RESUME ALL, GO) still set MessageIntent, but the simulator does not act on
#: them and says so on the timeline.
SIMULATED_DND_KEYWORDS: Final = "support"

#: The keywords that set ``MessageIntent`` on an inbound text: the older page's list, the
#: longest (docs: sms/concepts/dnd-service). The whole text, any case, surrounding and
#: repeated white space ignored.
OPTOUT_KEYWORDS: Final = DND_KEYWORD_LISTS["older"].optout
OPTIN_KEYWORDS: Final = DND_KEYWORD_LISTS["older"].optin
HELP_KEYWORDS: Final = DND_KEYWORD_LISTS["older"].help

#: After an opt-out Plivo lets at most one message through, within this many seconds of
#: the STOP (the acknowledgement); every other one fails with OPT_OUT_ERROR_CODE.
#: Support article 360041786171.
OPT_OUT_ACK_WINDOW: Final = 300.0
OPT_OUT_ERROR_CODE: Final = "200"
#: Where DND is on by default: long codes and toll-free numbers of these regions (short
#: codes need Plivo support to turn it on). The concept page; article 360041786171.
DND_REGIONS: Final = frozenset({"US", "CA"})
#: What Plivo sends by itself, as the concept page quotes it: to HELP or INFO, and to an
#: opt-out (the confirmation). The simulator notes both on the timeline (not as SMS of
#: yours: Plivo sends them, your app does not).
HELP_AUTO_REPLY: Final = (
    "Text STOP to stop receiving messages from this number. Message and data rates may apply."
)
OPT_OUT_CONFIRMATION: Final = (
    "You have been unsubscribed and will not receive any more messages from this number."
)
#: The page each opt-out fact above comes from, by name.
DND_SOURCES: Final = {
    "OPT_OUT_ACK_WINDOW": _OPT_OUT_ACK,
    "OPT_OUT_ERROR_CODE": _OPT_OUT_ACK,
    "DND_REGIONS": _DND_CONCEPT,
    "HELP_AUTO_REPLY": _DND_CONCEPT,
    "OPT_OUT_CONFIRMATION": _DND_CONCEPT,
}
Intent = Literal["optout", "optin", "help", ""]

# --- what reaches your message_url ----------------------------------------------------------

MessageType = Literal["sms", "mms", "whatsapp"]
MESSAGE_TYPES: Final[tuple[MessageType, ...]] = ("sms", "mms", "whatsapp")

#: The parameters Plivo sends to a message_url, and the message types that carry each
#: (docs: messaging/api/message/handling-incoming). SMS text arrives as ``Text``; MMS and
#: WhatsApp text as ``Body``, with ``MediaCount`` and ``Media1``…``MediaN`` (a support
#: article says ``Media0``…: smsxml reads both). Apps must tolerate parameters they do
#: not know: Plivo adds some over time.
INBOUND_PARAMETERS: Final[dict[str, frozenset[MessageType]]] = {
    "MessageUUID": frozenset({"sms", "mms", "whatsapp"}),
    "From": frozenset({"sms", "mms", "whatsapp"}),
    "To": frozenset({"sms", "mms", "whatsapp"}),
    "Type": frozenset({"sms", "mms", "whatsapp"}),
    "Text": frozenset({"sms"}),
    "Body": frozenset({"mms", "whatsapp"}),
    "Units": frozenset({"sms", "mms"}),
    "TotalRate": frozenset({"sms", "mms", "whatsapp"}),
    "TotalAmount": frozenset({"sms", "mms", "whatsapp"}),
    "MessageIntent": frozenset({"sms"}),
    "PowerpackUUID": frozenset({"sms", "mms"}),
    "MediaCount": frozenset({"mms"}),
    "Media<n>": frozenset({"mms"}),  # WhatsApp media: the docs name only MimeType
    "ContentType": frozenset({"whatsapp"}),  # text, media, button or unknown
    "MimeType": frozenset({"whatsapp"}),  # of the media, e.g. video/mp4
    "ErrorCode": frozenset({"mms", "whatsapp"}),  # why an inbound message failed
}

# --- delivery reports ------------------------------------------------------------------------

Status = Literal["queued", "sent", "delivered", "failed", "undelivered", "rejected"]

#: The parameters of a delivery report (docs: messaging/api/message/message-status-callbacks),
#: in Plivo's order: when each is sent. ParentMessageUUID (= MessageUUID) and PartInfo are
#: "reserved for future use"; the Conversation* ones come with WhatsApp only.
DELIVERY_REPORT_PARAMETERS: Final[dict[str, str]] = {
    "MessageUUID": "always",
    "To": "always",
    "From": "always",
    "Type": "always",
    "Status": "always",
    "Units": "always",
    "TotalRate": "always",
    "TotalAmount": "always",
    "MCC": "always",
    "MNC": "always",
    "ErrorCode": "failed or undelivered",
    "ParentMessageUUID": "always",
    "PartInfo": "always",
    "Sequence": "always",
    "MessageTime": "always",
    "QueuedTime": "always",
    "SentTime": "always",
    "DeliveryReportTime": "always",
    "requester_ip": "always",
    "PowerpackUUID": "always",
    "ConversationExpirationTimestamp": "whatsapp",
    "ConversationOrigin": "whatsapp",
    "ConversationID": "whatsapp",
}

#: The statuses a delivery report goes through, by final outcome.
STATUS_PATHS: Final[dict[str, tuple[Status, ...]]] = {
    "delivered": ("queued", "sent", "delivered"),
    "sent": ("queued", "sent"),  # no delivery receipt (as in the US and Canada)
    "failed": ("queued", "failed"),
    "undelivered": ("queued", "sent", "undelivered"),
    "rejected": ("queued", "sent", "rejected"),
}

#: The ErrorCode a final report carries when none is chosen: 900 "Insufficient Credit"
#: (Plivo could not pass the message on: queued → failed), 20 "Network Error" (the carrier
#: could not deliver it: sent → undelivered). Plivo documents ErrorCode "only for failed or
#: undelivered messages", so a ``rejected`` report carries none.
DEFAULT_ERROR_CODES: Final = {"failed": "900", "undelivered": "20"}

# --- message error codes ----------------------------------------------------------------------

_BLOG = "plivo.com/blog/introducing-sms-error-codes (the SMS error codes table, updated 2025-04-01)"
_CREDIT = "support.plivo.com article 17000088423 (outbound messages without sufficient balance)"
_GEO = "docs.plivo.com/docs/faq/messaging/sms (Geo-Permissions)"


@dataclass(frozen=True)
class ErrorCode:
    """One of Plivo's message error codes: the ``ErrorCode`` of a failed or undelivered
    message, what it means, whether sending again later could help, and its source."""

    code: int
    reason: str
    meaning: str
    retry_helps: bool
    source: str

    def __str__(self) -> str:
        retry = "sending again later may work" if self.retry_helps else "sending again won't help"
        return f"{self.code} {self.reason}: {self.meaning} ({retry})"


#: Plivo's message error codes, each with the page it comes from. Left out for want of a
#: Plivo page seen here: 300 ("failed to dispatch message"), 420 ("message expired") and 910
#: ("account disabled"), which only third-party code quotes.
ERROR_CODES: Final[dict[int, ErrorCode]] = {
    e.code: e
    for e in (
        ErrorCode(10, "Invalid message", "the carrier rejected the content: empty, or over "
                  "1,600 GSM-7 / 737 UCS-2 characters", False, _BLOG),
        ErrorCode(20, "Network error", "the delivering carrier had network trouble; a "
                  "temporary error", True, _BLOG),
        ErrorCode(30, "Spam detected", "a carrier's spam filter blocked it (or too many "
                  "messages from a US/Canada long code)", False, _BLOG),
        ErrorCode(40, "Invalid source number", "src is malformed, not SMS-enabled or not on "
                  "your account", False, _BLOG),
        ErrorCode(50, "Invalid destination number", "dst is malformed, not SMS-enabled or a "
                  "landline", False, _BLOG),
        ErrorCode(60, "Loop detected", "two auto-responders keep answering each other", False,
                  _BLOG),
        ErrorCode(70, "Destination permanently unavailable", "dst is not active, with no sign "
                  "of when it will be", False, _BLOG),
        ErrorCode(80, "Destination temporarily unavailable", "dst cannot be reached now "
                  "(phone off, out of coverage)", True, _BLOG),
        ErrorCode(90, "No route available", "neither the carrier nor a fallback had a route",
                  True, _BLOG),
        ErrorCode(100, "Prohibited by carrier", "the destination network does not take this "
                  "message (e.g. no SMS)", False, _BLOG),
        ErrorCode(110, "Message too long", "over 1,600 GSM-7 or 737 UCS-2 characters", False,
                  _BLOG),
        ErrorCode(200, "Source number blocked by STOP from destination number", "dst opted "
                  "out (STOP) of messages from src until it opts in again", False, _BLOG),
        ErrorCode(201, "US toll-free to Canada blocked", "a US toll-free number cannot text a "
                  "Canadian number", False, _BLOG),
        ErrorCode(450, "Destination country barred", "the country is not enabled in your "
                  "Geo Permissions", False, _GEO),
        ErrorCode(900, "Insufficient credit", "your account's balance ran out; the message "
                  "was not passed on", True, _CREDIT),
        ErrorCode(1000, "Unknown error", "neither Plivo nor its carriers know why", True,
                  _BLOG),
    )
}  # fmt: skip


def error_code(code: int | str) -> ErrorCode | None:
    """The :class:`ErrorCode` for ``code`` (``200`` or ``"200"``), None when Plivo lists none."""
    try:
        return ERROR_CODES.get(int(str(code).strip()))
    except ValueError:
        return None
