"""Add Pyodide's bytecode to pure-Python wheels, so the browser does not compile them.

Usage: python precompile.py PYODIDE_DIR WHEEL...    (used by lite/build)

A wheel from PyPI carries only ``.py`` files: Pyodide compiles each module the first time
it is imported, in WebAssembly, on the learner's machine (smsxml's modules take about half
their import time that way). Pyodide ships its own packages compiled; this does the same for
the wheels the site adds. It runs the site's own Pyodide under node (``PYODIDE_DIR`` holds
``pyodide.mjs``: the same CPython, so the same bytecode) to compile each wheel's modules
into ``__pycache__/*.cpython-3XX.pyc``, then rewrites the wheel in place with them added
and its RECORD updated. The ``.py`` files stay (tracebacks show their lines); the ``.pyc``
are *unchecked-hash* (PEP 552): a wheel unpacked in the browser gets new modification
times, and Python uses these without comparing them with the source.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

_COMPILE = """
import {{ loadPyodide }} from {pyodide_mjs};
const pyodide = await loadPyodide({{ indexURL: {index_url} }});
pyodide.FS.mkdirTree("/wheels");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, {{ root: {root} }}, "/wheels");
pyodide.runPython(`
import compileall, py_compile, sys
mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
if not compileall.compile_dir("/wheels", quiet=1, invalidation_mode=mode):
    sys.exit("precompile: a module does not compile")
`);
"""


def _record_line(name: str, data: bytes) -> list[str]:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={digest}", str(len(data))]


def precompile(pyodide_dir: Path, wheels: list[Path]) -> None:
    """Compile every module of ``wheels`` with the Pyodide in ``pyodide_dir``; rewrite them."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n, wheel in enumerate(wheels):
            with zipfile.ZipFile(wheel) as zf:
                zf.extractall(root / str(n))
        script = root / "compile.mjs"
        script.write_text(
            _COMPILE.format(
                pyodide_mjs=repr(str(pyodide_dir.resolve() / "pyodide.mjs")),
                index_url=repr(f"{pyodide_dir.resolve()}/"),
                root=repr(str(root)),
            )
        )
        subprocess.run(["node", str(script)], check=True)
        for n, wheel in enumerate(wheels):
            _rewrite(wheel, root / str(n))


def _rewrite(wheel: Path, unpacked: Path) -> None:
    """``wheel`` again, with the ``.pyc`` found under ``unpacked`` added to it and its RECORD."""
    with zipfile.ZipFile(wheel) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    record_name = next(i.filename for i, _ in entries if i.filename.endswith(".dist-info/RECORD"))
    compiled = sorted(p for p in unpacked.rglob("*.pyc"))
    if not compiled:
        sys.exit(f"precompile: no module compiled in {wheel.name}")
    added = [(p.relative_to(unpacked).as_posix(), p.read_bytes()) for p in compiled]
    record = next(data for info, data in entries if info.filename == record_name)
    rows = [row for row in csv.reader(io.StringIO(record.decode())) if row]
    rows = [r for r in rows if r[0] != record_name] + [_record_line(n, d) for n, d in added]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([*rows, [record_name, "", ""]])
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            if info.filename != record_name:
                zf.writestr(info, data)
        for name, data in added:
            zf.writestr(name, data)
        zf.writestr(record_name, out.getvalue())


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    precompile(Path(sys.argv[1]), [Path(w) for w in sys.argv[2:]])
