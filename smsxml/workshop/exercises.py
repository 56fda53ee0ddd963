"""The six exercises as data: the numbers, texts and documents they use, the rules they
state and the advice their checks give, word for word.

Defined once here so that the exercise and solution notebooks, the checks and the tests
tell the same story.
"""

from __future__ import annotations

from .._demo import DEMO_NUMBER, DEMO_PHONE, DEMO_STATUS_URL
from ..transport import IN_PROCESS_HOST

__all__ = [
    "OUR_NUMBER",
    "CUSTOMER",
    "MANAGER",
    "TEAM",
    "REPLIES",
    "GREETINGS",
    "BROKEN_XML",
    "FIXED_TEXT",
    "FIXED_CALLBACK",
    "ORDER_UPDATE",
    "SHORT_TEXT",
    "LONG_TEXT",
    "EURO_TEXT",
    "TO_GSM",
    "CUT_RULE",
    "ADVICE",
    "STATUS_PATH",
    "MESSAGE_PATH",
    "HOST",
    "LANGUAGE_NAMES",
    "TITLES",
    "NOTEBOOK_NAMES",
    "BOOKING_TEXTS",
    "RETRIES_TITLE",
    "RETRY_ADVICE",
]

#: Your Plivo number in every exercise (the simulator's default number).
OUR_NUMBER = DEMO_NUMBER
#: A customer who texts you.
CUSTOMER = DEMO_PHONE
#: The manager who texts your number to alert the team (exercise b).
MANAGER = "14155550199"
#: The team to notify (exercise b); the first two also receive the code in (d) and (f).
TEAM = ("14155550101", "14155550102", "14155550103")

#: The reply for each language (exercise a): send one of these, word for word.
REPLIES = {
    "en": "Hello! How can we help you today?",
    "es": "¡Hola! ¿En qué podemos ayudarte hoy?",
    "fr": "Bonjour ! Comment pouvons-nous vous aider aujourd'hui ?",
}
#: Greeting words that say which language a message is in (exercise a).
GREETINGS = {
    "es": ("hola", "buenos", "buenas"),
    "fr": ("bonjour", "bonsoir", "salut"),
}
#: The languages' names, as the checks' messages say them.
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French"}

#: The text and callbackUrl the repaired document of exercise (d) must keep.
FIXED_TEXT = "Your code is 4821 & it expires in 10 minutes"
FIXED_CALLBACK = DEMO_STATUS_URL
#: The document to repair (exercise d): four mistakes, each one Plivo would refuse.
BROKEN_XML = f"""<response>
  <Message src="{OUR_NUMBER}" dst="{TEAM[0]},{TEAM[1]}" type="sms"
    callbackurl="{FIXED_CALLBACK}">{FIXED_TEXT}</Message>
</response>
"""

#: An order update that costs more than one SMS unit as written (exercise e).
ORDER_UPDATE = (
    "Your order “#4821” has shipped 🚚 and should arrive on Thursday. "
    "Track it at https://example.com/t/4821"
)
#: The other texts (e) gives the learner's function: one that fits, two that must be cut.
SHORT_TEXT = "Your order #4821 has shipped."
LONG_TEXT = (
    "Reminder: your appointment with Dr. Rivera is on Thursday 14 March at 10:30, "
    "221 Baker Street, 2nd floor. Please bring your insurance card and arrive 10 minutes "
    "early. Reply C to confirm or R to reschedule."
)
EURO_TEXT = (
    "Winter sale at Rivera & Sons: jackets from 49€, boots from 79€, scarves from 9€ and "
    "gloves from 5€. Today only, in store and online. Reply STOP to opt out now."
)

#: Typographic characters and their GSM-7 equivalents (exercise e): the swap its hint names.
TO_GSM = {"“": '"', "”": '"', "’": "'", "…": "..."}

#: What (e) requires of a text that must be cut, as the exercise and the check say it.
CUT_RULE = (
    "keep its first 100 characters as they are, cut the rest short so that it ends with "
    "'...', and use at least 140 of the unit's 160 septets"
)

#: The code each hint, nudge and note of the workshop tells you to write, word for word.
#: The checks' messages and the notebooks quote these; the tests write each one into its
#: exercise and make sure the check then passes.
ADVICE: dict[str, str] = {
    "a-words": "re.findall(r'\\w+', message.text.lower())",
    "a-direction": "src=message.to, dst=message.from_",
    "b-solution": "Response().add_message(message.text, src=message.to, dst=TEAM)",
    "b-one-message": "dst=TEAM",
    "b-one-message-joined": "dst='<'.join(TEAM)",
    "b-commas": "dst=TEAM",
    "b-missing": "dst=TEAM",
    "b-extra": "dst=TEAM",
    "b-text": "message.text",
    "c-validate": "smsxml.validate_v2(url, nonce, signature, TOKEN)",
    "c-wrap": "WebhookApp(handler)",
    "c-same-token": "WebhookApp(handler)",
    "c-forbidden": "403 Forbidden",
    "c-not-an-app": "WebhookApp(handler)",
    "d-ampersand": "&amp;",
    "e-gsm": ", ".join(f"{typographic} → {plain}" for typographic, plain in TO_GSM.items()),
    "e-measure": "smsxml.segments(text).length",
    "f-append": "received.append(report)",
    "f-return": "return 200",
    "f-error-code": "report.error_code",
}

#: Where the learner's messages and the delivery reports of exercise (f) arrive, on the
#: same in-process host (no socket is opened).
MESSAGE_PATH = "/receive_sms/"
STATUS_PATH = "/sms_status/"
HOST = IN_PROCESS_HOST

#: Each exercise's title, as its check's result says it.
TITLES = {
    "a": "(a) reply in the sender's language",
    "b": "(b) notify a list with one bulk Message",
    "c": "(c) refuse unsigned requests",
    "d": "(d) fix a broken XML document",
    "e": "(e) keep a reply within one SMS unit",
    "f": "(f) acknowledge delivery reports",
}
#: What each exercise's check is given, by the names the workshop notebook defines.
NOTEBOOK_NAMES = {
    "a": ("reply_in_language",),
    "b": ("notify_team",),
    "c": ("build_app",),
    "d": ("fixed_xml",),
    "e": ("fit_one_sms",),
    "f": ("on_delivery_report", "received"),
}

#: Notebook 08's exercise: the texts its check sends (each books one table) and its title.
BOOKING_TEXTS = ("BOOK 2 at 8pm", "BOOK 4 at 7pm")
RETRIES_TITLE = "(08) take each booking once, however often Plivo asks"
#: The code each hint of notebook 08's check tells you to write, word for word (kept apart
#: from :data:`ADVICE`, the six exercises of notebook 06).
RETRY_ADVICE: dict[str, str] = {
    "r-idempotent": "WebhookApp(take_booking, idempotent=True)",
    "r-book": "bookings.append(message.message_uuid)",
    "r-per-text": "message.message_uuid",
}
