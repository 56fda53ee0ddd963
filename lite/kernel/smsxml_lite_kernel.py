"""The zero-install site's kernel: smsxml imported while the learner reads, and what smsxml
needs later installed when it is first imported.

An IPython extension, loaded at kernel start by the ``ipython_config.py`` this wheel puts in
``/etc/ipython`` (lite/build ships the wheel and preloads it with the kernel).

- It does not import anything while the kernel starts: it asks the event loop to import
  what notebook 00's first cell needs right after, while the learner reads the notebook, so
  that cell does not wait for smsxml's modules (about 0.3 s in the browser).
- Packages lite/build leaves out of what the kernel loads at start (``make_lock.py
  --defer``: phonenumberslite, which notebook 00's first cell does not need, and which
  takes about a quarter of a second to unpack) are installed by :class:`FromTheSite` the
  first time a module of theirs is imported: the import cannot wait for Pyodide's own
  loader (it is asynchronous), so the wheel is fetched synchronously, which a web worker
  (where the kernel runs) may do, checked against the lock's sha256, and unpacked.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import importlib.abc
import importlib.machinery
import io
import sys
import sysconfig
import zipfile
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["FromTheSite", "load_ipython_extension"]


def _preload() -> None:
    """Import the modules behind ``smsxml.WebhookApp`` and ``smsxml.Response``."""
    try:
        import smsxml

        smsxml.WebhookApp, smsxml.Response  # noqa: B018 - each loads its module
    except Exception:  # noqa: BLE001 - the cell that imports it will say what is wrong
        pass


class FromTheSite(importlib.abc.MetaPathFinder):
    """Last on ``sys.meta_path``: a top-level module no other finder found, which a package
    of the site's Pyodide lock provides, is found after that package is installed from
    the site (once; a module no package provides is left to fail as it would)."""

    def __init__(self) -> None:
        self._tried: set[str] = set()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if path is not None or fullname in self._tried:
            return None  # a submodule (its package was found), or installed already
        package = _provider(fullname)
        if package is None:
            return None
        try:
            _install(package)
        except Exception as exc:  # e.g. the site unreachable: the import fails, may be retried
            raise ImportError(f"{fullname}: could not install {package.name}: {exc}") from None
        self._tried.add(fullname)
        importlib.invalidate_caches()
        return importlib.machinery.PathFinder.find_spec(fullname)


def _provider(module: str) -> Any:
    """The lock entry of the package that provides top-level ``module``, or None."""
    import pyodide_js

    for _, entry in pyodide_js.lockfile.packages.object_entries():
        if module in list(entry.imports):
            return entry
    return None


def _install(entry: Any) -> None:
    """Install the package of lock entry ``entry``, and what it depends on that is not
    loaded yet, and tell Pyodide they are loaded (so that it does not load them again)."""
    import pyodide_js

    loaded = pyodide_js.loadedPackages
    for name in entry.depends:
        if getattr(loaded, name, None) is None:
            _install(getattr(pyodide_js.lockfile.packages, name))
    if getattr(loaded, entry.name, None) is None:
        _unpack(entry)
        setattr(loaded, entry.name, "smsxml-lite-kernel")


def _unpack(entry: Any) -> None:
    """Fetch the wheel of lock entry ``entry`` (synchronously), check it, unpack it."""
    import js
    import pyodide_js

    base = js.URL.new(pyodide_js.lockfileBaseUrl, js.location.href)  # as Pyodide fetches
    url = js.URL.new(entry.file_name, base).href
    request = js.XMLHttpRequest.new()
    request.open("GET", url, False)
    request.responseType = "arraybuffer"
    request.send()
    if request.status != 200:
        raise ImportError(f"{entry.name}: {url} answered {request.status}")
    wheel = request.response.to_bytes()
    if hashlib.sha256(wheel).hexdigest() != entry.sha256:
        raise ImportError(f"{entry.name}: {url} is not the file the lock names")
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        archive.extractall(sysconfig.get_paths()["purelib"])


def load_ipython_extension(ipython: Any) -> None:
    if not any(isinstance(finder, FromTheSite) for finder in sys.meta_path):
        sys.meta_path.append(FromTheSite())
    asyncio.get_event_loop().call_soon(_preload)
