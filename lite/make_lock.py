"""Write an offline pyodide-lock.json next to a local Pyodide runtime (used by lite/build).

Usage: python make_lock.py IN_LOCK OUT_DIR WHEEL_OR_DIR... [--stand-in REQ=PKG]...
                                         [--on-import PKG=MODULE]... [--defer PKG]...

* Every given wheel is copied into OUT_DIR (the folder that holds pyodide.mjs,
  i.e. Pyodide's indexURL), and gets a lock entry whose sha256 is the sha256 of
  *that* file (Pyodide checks the hash on load; PyPI's wheels differ
  byte-for-byte from the ones Pyodide rebuilt for its CDN, so the upstream
  hashes cannot be reused).
* Entries for packages already in the upstream lock keep their "depends"/"imports".
  New entries get "imports" from the wheel's top-level names and "depends" from
  Requires-Dist (markers evaluated for emscripten / py3.14), restricted to
  packages that are themselves in the output lock (dropped ones are reported).
* All entries with no local file are pruned, so nothing in the lock can point
  at a file that is not served by the site.
* ``--stand-in phonenumbers=phonenumberslite``: a requirement on phonenumbers is met by
  the shipped phonenumberslite (the same import name, a smaller wheel).
* ``--defer phonenumberslite``: no package depends on it, so loading smsxml does not load
  it; the site's kernel (lite/kernel) installs it when one of its modules is first imported.
* ``--on-import ipywidgets=smsxml.widgets``: ipywidgets is no package's dependency; Pyodide
  loads it when a cell imports one of its own names or ``smsxml.widgets`` (the kernel asks
  Pyodide for the packages of every dotted prefix a cell imports).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ENV = default_environment()
ENV.update(
    sys_platform="emscripten",
    platform_system="Emscripten",
    os_name="posix",
    platform_machine="wasm32",
    python_version="3.14",
    python_full_version="3.14.2",
    implementation_name="cpython",
    platform_python_implementation="CPython",
    extra="",
)


def wheel_meta(path: Path) -> tuple[list[str], list[str]]:
    """The wheel's top-level import names, and what it requires on Pyodide."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if re.match(r"[^/]+\.dist-info/METADATA$", n))
        meta = zf.read(meta_name).decode()
        top: set[str] = set()
        tl = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        if tl:
            top = {x.strip() for x in zf.read(tl[0]).decode().split() if x.strip()}
        if not top:
            for n in names:
                first = n.split("/")[0]
                if first.endswith((".dist-info", ".data")):
                    continue
                if "/" in n:
                    top.add(first)
                elif n.endswith(".py"):
                    top.add(n[:-3])
    reqs = []
    for line in meta.splitlines():
        if line.startswith("Requires-Dist:"):
            req = Requirement(line.split(":", 1)[1].strip())
            if req.marker is None or req.marker.evaluate(ENV):
                reqs.append(canonicalize_name(req.name))
    return sorted(top), reqs


def main(
    in_lock: str,
    out_dir: str,
    wheel_args: list[str],
    stand_ins: dict[str, str],
    on_import: dict[str, str],
    deferred: frozenset[str] | set[str] = frozenset(),
) -> None:
    lock = json.loads(Path(in_lock).read_text())
    out = Path(out_dir)
    upstream = {canonicalize_name(k): v for k, v in lock["packages"].items()}

    wheels: list[Path] = []
    for arg in wheel_args:
        p = Path(arg)
        wheels += sorted(p.glob("*.whl")) if p.is_dir() else [p]

    new_pkgs: dict[str, dict[str, object]] = {}
    raw_depends: dict[str, list[str]] = {}
    for whl in wheels:
        name, version, _, _ = parse_wheel_filename(whl.name)
        cname = canonicalize_name(name)
        if cname in new_pkgs:
            print(f"  skip duplicate {whl.name}")
            continue
        dest = out / whl.name
        if whl.resolve() != dest.resolve():
            shutil.copy2(whl, dest)
        sha = hashlib.sha256(dest.read_bytes()).hexdigest()
        imports, reqs = wheel_meta(dest)
        if cname in upstream:
            entry = dict(upstream[cname])
            if entry["version"] != str(version):
                print(f"  NOTE {cname}: upstream lock has {entry['version']}, using {version}")
            raw_depends[cname] = [canonicalize_name(d) for d in entry["depends"]]
        else:
            entry = {
                "name": cname,
                "imports": imports,
                "install_dir": "site",
                "package_type": "package",
                "unvendored_tests": False,
            }
            raw_depends[cname] = reqs
        entry.update(file_name=whl.name, sha256=sha, version=str(version))
        entry["unvendored_tests"] = False  # we don't ship the *-tests packages
        new_pkgs[cname] = entry

    for cname, entry in new_pkgs.items():
        wanted = [stand_ins.get(d, d) for d in raw_depends[cname] if d not in on_import]
        wanted = [d for d in wanted if d not in deferred]
        kept = [d for d in wanted if d in new_pkgs]
        dropped = [d for d in wanted if d not in new_pkgs]
        entry["depends"] = kept
        if dropped:
            print(f"  {cname}: dropped deps not shipped: {dropped}")

    for cname, module in on_import.items():
        imports = new_pkgs[cname]["imports"]
        assert isinstance(imports, list), imports
        new_pkgs[cname]["imports"] = [*imports, module]

    pruned = sorted(set(upstream) - set(new_pkgs))
    print(f"  lock: {len(new_pkgs)} packages kept/added, {len(pruned)} upstream entries pruned")
    lock["packages"] = dict(sorted(new_pkgs.items()))
    (out / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))


def _pairs(values: list[str]) -> dict[str, str]:
    pairs = dict(v.split("=", 1) for v in values)
    return {canonicalize_name(k): v for k, v in pairs.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("in_lock")
    parser.add_argument("out_dir")
    parser.add_argument("wheels", nargs="+", metavar="WHEEL_OR_DIR")
    parser.add_argument("--stand-in", action="append", default=[], metavar="REQ=PKG")
    parser.add_argument("--on-import", action="append", default=[], metavar="PKG=MODULE")
    parser.add_argument("--defer", action="append", default=[], metavar="PKG")
    args = parser.parse_args()
    stand_ins = {k: canonicalize_name(v) for k, v in _pairs(args.stand_in).items()}
    deferred = {canonicalize_name(name) for name in args.defer}
    main(args.in_lock, args.out_dir, args.wheels, stand_ins, _pairs(args.on_import), deferred)
