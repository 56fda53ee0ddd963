"""Interactive Jupyter widgets for learning Plivo SMS XML (built on ipywidgets).

Four panels, each a plain Python object with a small API (set fields, press buttons, read
results) so that code and tests can drive it without a browser:

* :class:`MessageComposer` (:mod:`.composer`) — build a ``<Message>``, see the XML,
  Plivo's objections, the SMS units, plivo SDK code and a curl line; run it through the
  offline simulator.
* :class:`SignatureExplorer` (:mod:`.explorer`) — every step of an
  ``X-Plivo-Signature-V2``, the verdict and, when it fails, the likely cause.
* :class:`RequestReplayer` (:mod:`.replayer`) — pick a recorded request, edit it, send it
  again (re-signed or as recorded) and compare the answer with the original.
* :class:`FlowTimeline` (:mod:`.timeline`) — a simulated :class:`~smsxml.flow.Flow` as a
  sequence diagram and a table of events.

``display(panel)`` (or a panel as the last expression of a cell) shows the live widget;
``panel.widget`` is the ipywidgets container. Where widgets cannot render, the display
falls back to ``text/html`` and ``text/plain`` summaries, deterministic for the same inputs
(no model ids, times or random nonces), so notebooks compare cleanly under nbval.
``import smsxml`` never imports this package or ipywidgets.

The auth token is never shown: it is typed into an ``ipywidgets.Password`` field (left
empty, the token given to the constructor — or ``$PLIVO_AUTH_TOKEN``, or the demo token —
is used without ever being sent to the browser) and never goes into any other widget, HTML
or repr.

Each module's docstring lists the stable CSS classes of its controls (the browser tests
find them by these).
"""

from ..exc import WidgetError
from ._panel import DEFAULT_NONCE
from .composer import DEFAULT_WEBHOOK_URL, MessageComposer
from .explorer import DEFAULT_URL, SignatureExplorer
from .replayer import RequestReplayer
from .timeline import FlowTimeline

__all__ = [
    "MessageComposer",
    "SignatureExplorer",
    "RequestReplayer",
    "FlowTimeline",
    "WidgetError",
    "DEFAULT_URL",
    "DEFAULT_NONCE",
    "DEFAULT_WEBHOOK_URL",
]
