"""Graded checks for the workshop (``notebooks/06_workshop_exercises.ipynb``).

Each exercise has a ``check_…()`` function. It runs your code the way Plivo would — a
signed request from the offline :class:`~smsxml.simulator.Simulator` into your handler or
app, in-process — and returns a :class:`CheckResult`: ``passed``, and ``messages`` saying
in plain words what is wrong and how to fix it (or what passed). A check never raises
because of your code: a crash is reported as a message. Checks are deterministic (seeded
simulator, no ports, no times) and never show the auth token.

=====  ==========================================  =============================================
 ex.   check                                       what you give it
=====  ==========================================  =============================================
 (a)   :func:`check_language_reply`                ``handler(message) -> Response``
 (b)   :func:`check_bulk_notify`                   ``handler(message) -> Response``
 (c)   :func:`check_refuses_unsigned`              a WSGI app (``WebhookApp``, Flask…)
 (d)   :func:`check_fixed_xml`                     the repaired XML document (``str``)
 (e)   :func:`check_one_unit`                      ``fit(text) -> str``
 (f)   :func:`check_delivery_reports`              ``on_report(report) -> int`` and its list
=====  ==========================================  =============================================

Notebook 08 (``08_when_things_go_wrong.ipynb``) adds :func:`check_retries`: an app that takes
a booking by SMS answers 200 within 8 s and books once per MessageUUID when Plivo retries.

The package, one concept a module: :mod:`.exercises` (the data the exercises use: numbers,
replies, the broken document, the rules, the advice), :mod:`.checks` (one module per
check), :mod:`.grading` (the :class:`Grader` whose state the hints follow),
:mod:`.harness` (running your code through the simulator), :mod:`.results`
(:class:`CheckResult`, :class:`Score`) and :mod:`.scoring` (:func:`score`).
"""

from __future__ import annotations

from .checks import (
    check_bulk_notify,
    check_delivery_reports,
    check_fixed_xml,
    check_language_reply,
    check_one_unit,
    check_refuses_unsigned,
    check_retries,
)
from .exercises import (
    ADVICE,
    BOOKING_TEXTS,
    BROKEN_XML,
    CUSTOMER,
    CUT_RULE,
    GREETINGS,
    MANAGER,
    ORDER_UPDATE,
    OUR_NUMBER,
    REPLIES,
    RETRY_ADVICE,
    STATUS_PATH,
    TEAM,
    TO_GSM,
)
from .grading import DEFAULT_GRADER, Grader
from .results import CheckResult, Score
from .scoring import score

__all__ = [
    "CheckResult",
    "OUR_NUMBER",
    "CUSTOMER",
    "MANAGER",
    "TEAM",
    "REPLIES",
    "GREETINGS",
    "BROKEN_XML",
    "ORDER_UPDATE",
    "STATUS_PATH",
    "ADVICE",
    "TO_GSM",
    "CUT_RULE",
    "check_language_reply",
    "check_bulk_notify",
    "check_refuses_unsigned",
    "check_fixed_xml",
    "check_one_unit",
    "check_delivery_reports",
    "check_retries",
    "BOOKING_TEXTS",
    "RETRY_ADVICE",
    "Score",
    "score",
    "Grader",
    "DEFAULT_GRADER",
]
