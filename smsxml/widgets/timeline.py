"""The :class:`FlowTimeline` panel: a simulated :class:`~smsxml.flow.Flow` as a sequence
diagram and a table of events.

CSS classes (stable; the browser tests find the controls by them):

======================================  ===================================================
``smsxml-timeline``                     FlowTimeline container
``smsxml-timeline-summary``             HTML: one line about the flow
``smsxml-timeline-diagram``             HTML: SVG sequence diagram
``smsxml-timeline-events``              HTML: table of events
``smsxml-timeline-outcome``             HTML: each SMS sent and its final status
======================================  ===================================================

Each status (in the outcome line and the events table) is an element of class
`smsxml-timeline-status`: whole, never cut; every failure in the same red.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import ipywidgets as widgets

from .._html import escape, table
from ..exc import WidgetError
from ..flow import LIFELINES, Event, Flow, event_status, status_html, timeline_rows
from ._panel import Panel, classed, heading, scaled, wide

__all__ = ["FlowTimeline"]

_STATUS_CSS = "smsxml-timeline-status"

#: Who an event can be from or to: the lifelines of the sequence diagram.
_ACTORS = tuple(LIFELINES)


class FlowTimeline(Panel):
    """A :class:`~smsxml.flow.Flow` as a sequence diagram and a table of events.

    :meth:`update` shows another flow; :meth:`add_event` appends one event (the panel is
    also callable with an Event, so it can serve as an ``on_event`` callback).
    """

    title = "Flow timeline"

    def __init__(self, flow: Flow | None = None):
        self._flow: Flow | None = None
        self._events: list[Event] = []
        self._summary_out = classed(widgets.HTML(), "smsxml-timeline-summary")
        self._outcome_out = classed(widgets.HTML(layout=wide()), "smsxml-timeline-outcome")
        self._diagram_out = classed(widgets.HTML(layout=wide()), "smsxml-timeline-diagram")
        self._events_out = classed(widgets.HTML(layout=wide()), "smsxml-timeline-events")
        self.widget = classed(
            widgets.VBox(
                [
                    heading(self.title),
                    self._summary_out,
                    self._outcome_out,
                    self._diagram_out,
                    self._events_out,
                ]
            ),
            "smsxml-timeline",
        )
        self.update(flow)

    @property
    def flow(self) -> Flow | None:
        return self._flow

    @property
    def events(self) -> list[Event]:
        return list(self._events)

    def update(self, flow: Flow | None) -> FlowTimeline:
        """Show ``flow`` (None: empty). Returns ``self``."""
        self._flow = flow
        self._events = list(flow.timeline) if flow is not None else []
        self._render()
        return self

    def clear(self) -> None:
        self.update(None)

    def add_event(self, event: Event | None = None, **fields: Any) -> Event:
        """Append an :class:`~smsxml.flow.Event` (or build one from ``time``, ``actor``,
        ``kind``, ``summary``, ``target``…) and re-render. Returns the event."""
        if event is None:
            try:
                event = Event(**fields)
            except TypeError as exc:
                raise WidgetError(f"an event needs time, actor, kind and summary: {exc}") from None
        elif fields:
            raise WidgetError("give an Event or its fields, not both")
        for who in (event.actor, event.target):
            if who is not None and who not in _ACTORS:
                raise WidgetError(
                    f"an event's actor and target are one of {', '.join(_ACTORS)}, not {who!r}"
                )
        self._events.append(event)
        self._render()
        return event

    __call__ = add_event

    def _diagram(self) -> str:
        if not self._events:
            return ""
        if self._flow is not None:
            shown = dataclasses.replace(self._flow, timeline=list(self._events))
        else:
            # Only the timeline is drawn: a flow without an inbound request will do.
            shown = Flow(inbound=None, timeline=list(self._events))  # type: ignore[arg-type]
        return scaled(shown.sequence_diagram())

    def _summary(self) -> str:
        count = len(self._events)
        events = f"{count} event{'s' * (count != 1)}"
        if self._flow is None:
            return f"No flow yet ({events})." if count else "No flow yet."
        return f"{str(self._flow).splitlines()[0]} — {events}"

    def _render(self) -> None:
        self._summary_out.value = escape(self._summary())
        self._outcome_out.value = self._outcome_html()
        self._diagram_out.value = self._diagram()
        self._events_out.value = self._events_html()

    def _outcome_html(self) -> str:
        """Each SMS Plivo sent and its final status, first: what the flow came to."""
        if self._flow is None or not self._flow.outbound:
            return ""
        items = []
        for m in self._flow.outbound:
            code = f" (ErrorCode {escape(m.error_code)})" if m.error_code else ""
            items.append(
                f"<span style='white-space:nowrap'>{escape(m.dst)}: "
                f"{status_html(m.status, _STATUS_CSS)}{code}</span>"
            )
        return "<b>SMS sent</b>: " + " · ".join(items)

    def _events_html(self) -> str:
        if not self._events:
            return ""
        rows = []
        for e in self._events:
            status = event_status(e)
            shown = status_html(status, _STATUS_CSS) if status else ""
            rows.append((e.time[11:23], e.actor, e.target or "", e.kind, shown, e.summary))
        header = ("time", "from", "to", "kind", "status", "what")
        return table(rows, header, row_heads=False, header_style="")

    def __repr__(self) -> str:
        lines = [f"FlowTimeline: {self._summary()}"]
        lines += [f"  {row}" for row in timeline_rows(self._events)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (
            f"<div class='smsxml-timeline'><h3>{escape(self.title)}</h3>"
            f"<p>{escape(self._summary())}</p><p>{self._outcome_html()}</p>{self._diagram()}"
            f"{self._events_html()}</div>"
        )
