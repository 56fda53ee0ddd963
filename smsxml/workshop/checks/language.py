"""Exercise (a): reply in the sender's language, told by a greeting word."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..._text import plural
from ..exercises import ADVICE, CUSTOMER, GREETINGS, LANGUAGE_NAMES, OUR_NUMBER, REPLIES, TITLES
from ..grading import DEFAULT_GRADER, Grader
from ..harness import Run, quote, run_handler
from ..results import CheckResult

__all__ = ["check_language_reply"]

_WORD = re.compile(r"\w+")
#: The messages the check sends, with a hint for the reply a typical slip gives.
_CASES = (
    ("Hello there!", ""),
    ("Hola, ¿tienen envío gratis?", "It starts with the Spanish greeting 'hola' (GREETINGS)."),
    ("Bonjour, je voudrais de l'aide", "It starts with the French greeting 'bonjour'."),
    (
        "¡HOLA!",
        "The greeting is in capitals and stuck to '¡' and '!': compare whole words "
        f"in lower case, e.g. words = {ADVICE['a-words']}.",
    ),
    ("Buenas tardes", "'buenas' is a Spanish greeting too (GREETINGS['es'])."),
    ("salut !", "'salut' is a French greeting too (GREETINGS['fr'])."),
    (
        "Any news about my scholarship?",
        "'scholarship' contains 'hola' but is no greeting: match whole words, not pieces of words.",
    ),
)
_SHOWN = 3  # failing cases listed before "… and N more"


def _language(text: str) -> str:
    """The language the greeting words of ``text`` say (English when none does)."""
    words = set(_WORD.findall(text.lower()))
    for language, greetings in GREETINGS.items():
        if words & set(greetings):
            return language
    return "en"


def _problem(text: str, hint: str, run: Run) -> str | None:
    """What is wrong with the reply to ``text`` (None when it is the right one)."""
    messages = run.messages()
    backwards = len(messages) == 1 and (messages[0].src, messages[0].dst) == (
        CUSTOMER,
        OUR_NUMBER,
    )
    failed = run.reply_failed
    if failed and not backwards:
        return f"For {quote(text)}: {failed}"
    if len(messages) != 1:
        return (
            f"For {quote(text)}: your reply has {len(messages)} <Message> elements; "
            "send exactly one."
        )
    message = messages[0]
    if message.src != OUR_NUMBER or message.dst != CUSTOMER:
        return (
            f"For {quote(text)}: the reply goes from {message.src} to {message.dst}; "
            f"send it from your number ({OUR_NUMBER}) to the sender ({CUSTOMER}): "
            f"{ADVICE['a-direction']}."
        )
    expected = _language(text)
    got = next((k for k, v in REPLIES.items() if v == message.text), None)
    if got is None:
        return (
            f"For {quote(text)}: you replied {quote(message.text)}; reply with "
            f"REPLIES[{expected!r}] word for word."
        )
    if got != expected:
        return (
            f"For {quote(text)}: you replied in {LANGUAGE_NAMES[got]}; expected "
            f"{LANGUAGE_NAMES[expected]} (REPLIES[{expected!r}]). {hint}".rstrip()
        )
    return None


def check_language_reply(
    handler: Callable[..., Any], *, grader: Grader = DEFAULT_GRADER
) -> CheckResult:
    """(a) ``handler(message)`` answers in the sender's language: ``REPLIES["es"]`` when the
    text has a Spanish greeting word from ``GREETINGS``, ``REPLIES["fr"]`` for French,
    else ``REPLIES["en"]`` — one ``<Message>`` from your number to the sender."""
    exercise = TITLES["a"]
    if not callable(handler):
        return grader.decline(
            exercise, f"give your handler function itself (got {type(handler).__name__})."
        )
    problems: list[str] = []
    for number, (text, hint) in enumerate(_CASES, 1):
        problem = _problem(text, hint, run_handler(handler, text, seed=number))
        if problem is not None:
            problems.append(problem)
    if len(problems) > _SHOWN:
        problems[_SHOWN:] = [f"… and {plural(len(problems) - _SHOWN, 'more message')} like these."]
    return grader.grade(
        exercise,
        problems,
        f"{len(_CASES)} messages, each answered in the sender's language "
        "(English, Spanish, French), from your number to the sender.",
    )
