"""One check per exercise, each in its own module: (a) :mod:`.language`, (b) :mod:`.bulk`,
(c) :mod:`.signatures`, (d) :mod:`.broken_xml`, (e) :mod:`.one_unit`, (f)
:mod:`.delivery_reports`; notebook 08's :mod:`.retries`.

Every check takes what the exercise asks for (and, optionally, the ``grader`` whose state
its hints follow) and returns a :class:`~smsxml.workshop.results.CheckResult`; none raises
because of the learner's code.
"""

from __future__ import annotations

from .broken_xml import check_fixed_xml
from .bulk import check_bulk_notify
from .delivery_reports import check_delivery_reports
from .language import check_language_reply
from .one_unit import check_one_unit
from .retries import check_retries
from .signatures import check_refuses_unsigned

__all__ = [
    "check_language_reply",
    "check_bulk_notify",
    "check_refuses_unsigned",
    "check_fixed_xml",
    "check_one_unit",
    "check_delivery_reports",
    "check_retries",
]
