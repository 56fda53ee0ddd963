"""The zero-install site's kernel: start importing smsxml as soon as the kernel is ready.

An IPython extension, loaded at kernel start by the ``ipython_config.py`` this wheel puts in
``/etc/ipython`` (lite/build ships the wheel and preloads it with the kernel). It does not
import anything while the kernel starts: it asks the event loop to import what notebook
00's first cell needs right after, while the learner reads the notebook, so that cell does
not wait for smsxml's modules (about 0.3 s in the browser).
"""

from __future__ import annotations

import asyncio
from typing import Any


def _preload() -> None:
    """Import the modules behind ``smsxml.WebhookApp`` and ``smsxml.Response``."""
    try:
        import smsxml

        smsxml.WebhookApp, smsxml.Response  # noqa: B018 - each loads its module
    except Exception:  # noqa: BLE001 - the cell that imports it will say what is wrong
        pass


def load_ipython_extension(ipython: Any) -> None:
    asyncio.get_event_loop().call_soon(_preload)
