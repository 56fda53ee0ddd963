"""What this Python can do. In the browser (Pyodide, JupyterLite) there are no listening
sockets, no threads and no outgoing connections of the usual kind: smsxml then answers a
:class:`~smsxml.webhook.LocalWebhook` in-process instead of serving it."""

from __future__ import annotations

import sys

__all__ = ["in_browser"]


def in_browser() -> bool:
    """True when running on Pyodide (``sys.platform == "emscripten"``), e.g. in JupyterLite."""
    return sys.platform == "emscripten"
