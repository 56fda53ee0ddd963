"""What the panels share: the :class:`_Panel` base (container widget, display protocol),
the auth-token field, the ``value`` property, small widget and HTML helpers.

CSS class (stable; the browser tests find the controls by it):

======================================  ===================================================
``smsxml-heading``                      HTML heading of each panel
``smsxml-<panel>-token-in-use``         HTML: which token is in use (masked), typed or given
``smsxml-<panel>-token-reset``          Button: back to the token the panel was made with
======================================  ===================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, Literal, TypeVar, overload

import ipywidgets as widgets

from .._html import escape
from ..tokens import mask, resolve_token

__all__ = [
    "DEFAULT_NONCE",
    "LABEL_STYLE",
    "Panel",
    "TokenField",
    "Value",
    "classed",
    "heading",
    "natural",
    "pre",
    "scaled",
    "wide",
]

#: A fixed Plivo-style nonce, so that first views are the same on every run.
DEFAULT_NONCE = "05429567804466091622"
LABEL_STYLE = {"description_width": "110px"}

T = TypeVar("T")


def classed(widget: Any, *classes: str) -> Any:
    """``widget`` (any ipywidget) with the CSS ``classes`` added."""
    for name in classes:
        widget.add_class(name)
    return widget


def heading(title: str) -> widgets.HTML:
    return classed(widgets.HTML(f"<h3>{escape(title)}</h3>"), "smsxml-heading")


#: How a ``<pre>`` wraps: at spaces, a word moving whole to the next line; a word broken only
#: when it is wider than a line on its own. (JupyterLab's outputs set ``word-break:
#: break-all``, which cuts ``receive_sms/`` into ``receive_sm`` and ``s/`` at any width.)
_PRE_STYLE = "white-space:pre-wrap;word-break:normal;overflow-wrap:break-word;margin:0"


def pre(text: str, css: str = "") -> str:
    """``text`` as an HTML ``<pre>`` that wraps long lines between words."""
    cls = f" class='{css}'" if css else ""
    return f"<pre{cls} style='{_PRE_STYLE}'>{escape(text)}</pre>"


def scaled(svg: object) -> str:
    """An inline SVG (a :class:`smsxml.diagram.SVG` or its text) that shrinks to the width of
    the panel, its viewBox keeping the proportions, instead of making the panel scroll
    sideways (a diagram with a callbackUrl lifeline is 964 px wide)."""
    return str(svg).replace("<svg ", "<svg style='max-width:100%;height:auto' ", 1)


def wide(**more: str) -> widgets.Layout:
    """A layout filling the width of the panel (a VBox), and no more: ``width: auto`` lets
    the box stretch its child to fit inside its margins, where ``width: 100%`` plus the
    widgets' 2 px margin stuck out (the input's right border cut off)."""
    return widgets.Layout(width="auto", **more)


def natural() -> widgets.Layout:
    """A button's layout: as wide as its label, never squeezed (in a row, flex would cut
    "Refresh list" to "Refresh…") nor stretched across the panel (in a column)."""
    return widgets.Layout(width="auto", flex="0 0 auto", align_self="flex-start")


def _walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _walk(child)


class Value(Generic[T]):
    """A property that reads and writes the ``value`` of the widget held in ``attr``."""

    def __init__(self, attr: str):
        self.attr = attr

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Value[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object, owner: type | None = None) -> Value[T] | T:
        if obj is None:
            return self
        value: T = getattr(obj, self.attr).value
        return value

    def __set__(self, obj: object, value: T) -> None:
        getattr(obj, self.attr).value = value


class Panel:
    """What every panel shares: a container widget and the display protocol."""

    title = ""
    widget: widgets.VBox

    def _repr_mimebundle_(
        self, include: object = None, exclude: object = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The live widget view, with a deterministic text/plain and text/html fallback."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self._repr_html_()
        return bundle

    def _repr_html_(self) -> str:  # pragma: no cover - overridden
        return f"<div><h3>{escape(self.title)}</h3></div>"

    def all_widgets(self) -> list[Any]:
        """Every widget of this panel, the container first (for tests and inspection)."""
        return list(_walk(self.widget))


class TokenField:
    """The auth-token input of a panel: a Password field, a label naming the token in use
    (masked; "typed" or "given") and a button back to the token the panel was made with.

    A typed token is taken when the learner presses Enter or leaves the field, not at each
    keystroke (which left the kernel with the last character only); then the field is
    cleared, so that no widget state, which JupyterLab can save into the .ipynb, holds it.
    Enter in the empty field, or the button, goes back to the given token. Place
    :attr:`widget` (field, label and button) in a panel; :attr:`field` is the Password.
    """

    def __init__(
        self, auth_token: str | None, css: str, on_change: Callable[[], None] | None = None
    ):
        self._given = resolve_token(auth_token)
        self._typed = ""
        self._on_change = on_change
        self.field = classed(
            widgets.Password(
                value="",
                description="auth token",
                style=LABEL_STYLE,
                continuous_update=False,
                layout=wide(flex="1 1 20em", min_width="0"),
            ),
            css,
        )
        self.in_use = classed(widgets.HTML(layout=natural()), f"{css}-in-use")
        self.reset_button = classed(
            widgets.Button(
                description="Use the given token",
                tooltip="Go back to the token this panel was made with",
                layout=natural(),
            ),
            f"{css}-reset",
        )
        self.widget = widgets.HBox(
            [self.field, self.in_use, self.reset_button],
            layout=wide(flex_flow="row wrap", align_items="center"),
        )
        self.field.observe(self._take, names="value")
        self.field.on_msg(self._on_message)
        self.reset_button.on_click(lambda _b: self.reset())
        self._show()

    def _take(self, change: dict[str, Any]) -> None:
        typed = change["new"]
        if typed:
            self._typed = typed
            self.field.value = ""  # the token lives in the kernel only
            self._changed()

    def _on_message(self, _widget: object, content: dict[str, Any], _buffers: object) -> None:
        # Enter sends "submit" before the value it commits: a typed token arrives just
        # after and wins; Enter in a field left empty goes back to the given token.
        if content.get("event") == "submit":
            self.reset()

    def _show(self) -> None:
        which = self.source
        hint = "type another, then Enter" if which == "given" else "Enter when empty: the given one"
        self.field.placeholder = f"{self.shown()} ({which}) — {hint}"
        self.in_use.value = f"in use: {escape(self.shown())}, <b>{which}</b>"
        self.reset_button.disabled = which == "given"

    def _changed(self) -> None:
        self._show()
        if self._on_change is not None:
            self._on_change()

    @property
    def token(self) -> str:
        """The token in use: the typed one, else the given one."""
        return self._typed or self._given

    @property
    def source(self) -> Literal["typed", "given"]:
        """Where the token in use comes from."""
        return "typed" if self._typed else "given"

    def set(self, auth_token: str | None) -> None:
        """Use ``auth_token`` as the given token from now on (a typed one is forgotten)."""
        self._given = resolve_token(auth_token)
        self._typed = ""
        self.field.value = ""
        self._changed()

    def reset(self) -> None:
        """Go back to the given token (nothing happens when it is already in use)."""
        if self._typed:
            self._typed = ""
            self._changed()

    def shown(self) -> str:
        """The token in use, masked."""
        return mask(self.token)
