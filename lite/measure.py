"""How much later the zero-install site shows notebook 00's first output than a bare
JupyterLite site with the same Pyodide and kernel shows the first output of the same
notebook text with ``print(1)`` for code (``--one-cell``: of a one-cell notebook).

    python lite/measure.py              # 5 rounds; builds what is missing
    python lite/measure.py --runs 7 --plain

Each site (lite/_output, and lite/_build/bare/_output from ``lite/build --bare``: no smsxml,
no widgets) is served by lite/serve.py on 127.0.0.1 and opened in headless Chromium: from
navigation (the page's ``performance.now()`` counts from there) until the first code cell
shows an output, having waited for the kernel, cleared the saved outputs and chosen
Run → Run All Cells, as a learner would. A round opens each site twice in a new Chromium
profile (its HTTP cache on disk, as a learner's is): cold (empty cache), then warm (a second
visit, cache kept). The sites take turns going first, so a busy machine slows both alike.
The table gives medians, min–max and the ratio of the medians (and of each round), and the
requests the server answered (304s included) with the MB it sent; the runs go to
lite/_build/measure.json. ``--plain`` serves without Cache-Control, as
``python -m http.server`` does.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serve import Handler, make_server

LITE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip
TIMEOUT = 240_000  # ms, for each step of one run (2 shared cores)
FIRST_OUTPUT_JS = """() => {
  const out = document.querySelector('.jp-NotebookPanel .jp-CodeCell .jp-OutputArea-output');
  return out ? {ms: performance.now(), text: out.innerText.slice(0, 300)} : null;
}"""


@dataclass
class Site:
    """A built site, the notebook to open in it, and the requests its server answered."""

    name: str
    directory: Path
    notebook: str
    build_args: list[str]
    hits: list[tuple[str, int, int]] = field(default_factory=list)  # path, status, bytes
    base: str = ""


def _handler(site: Site, plain: bool) -> type[Handler]:
    """serve.py's handler, counting what it answers (and without Cache-Control if plain)."""

    class Counting(Handler):
        quiet = True

        def end_headers(self) -> None:
            if plain:
                super(Handler, self).end_headers()  # http.server's: no Cache-Control
            else:
                super().end_headers()

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            path = self.translate_path(self.path)
            sent = Path(path).stat().st_size if code == 200 and Path(path).is_file() else 0
            site.hits.append((self.path, int(code), sent))

    return Counting


@contextmanager
def serving(site: Site, plain: bool) -> Iterator[None]:
    """Serve ``site`` on 127.0.0.1 (any free port) while in the block."""
    server = make_server(site.directory, port=0, handler=_handler(site, plain))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def first_output(context: Any, site: Site) -> dict[str, Any]:
    """Open the site's notebook in a new page of ``context``; seconds to its first output."""
    page = context.new_page()
    site.hits.clear()
    try:
        page.goto(f"{site.base}/lab/index.html?path={site.notebook}", wait_until="commit")
        panel = page.locator(".jp-NotebookPanel:visible")
        panel.locator(".jp-Cell").first.wait_for(timeout=TIMEOUT)
        idle = page.locator(".jp-StatusBar-TextItem", has_text="| Idle")
        idle.first.wait_for(timeout=TIMEOUT)
        ready_ms = page.evaluate("performance.now()")
        for menu, item in (("Edit", "Clear Outputs of All Cells"), ("Run", "Run All Cells")):
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).click()
            if menu == "Edit":
                assert panel.locator(".jp-OutputArea-output").count() == 0, "outputs left"
        shown = page.wait_for_function(FIRST_OUTPUT_JS, timeout=TIMEOUT, polling=20).json_value()
        hits = list(site.hits)
    finally:
        page.close()
    assert not re.search(r"Traceback|\b\w+Error: ", shown["text"]), f"{site.name}: {shown}"
    return {
        "seconds": round(shown["ms"] / 1000, 3),
        "kernel_idle": round(ready_ms / 1000, 3),  # of which: until the kernel was idle
        "requests": len(hits),
        "answered_200": sum(1 for _, code, _ in hits if code == 200),
        "mb_sent": round(sum(sent for *_, sent in hits) / 1e6, 2),
        "sent": [path for path, code, _ in hits if code == 200][:20],  # which, when few
    }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians and min–max of seconds, requests and MB sent, per site and kind."""
    summary: dict[str, Any] = {}
    for site in ("bare", "smsxml"):
        for kind in ("cold", "warm"):
            mine = [r for r in runs if r["site"] == site and r["kind"] == kind]
            seconds = [r["seconds"] for r in mine]
            summary.setdefault(site, {})[kind] = {
                "median": statistics.median(seconds),
                "min": min(seconds),
                "max": max(seconds),
                "requests": statistics.median(r["requests"] for r in mine),
                "answered_200": statistics.median(r["answered_200"] for r in mine),
                "mb_sent": statistics.median(r["mb_sent"] for r in mine),
            }
    summary["ratio"] = {
        kind: round(summary["smsxml"][kind]["median"] / summary["bare"][kind]["median"], 3)
        for kind in ("cold", "warm")
    }
    # each round's own ratio: the two sites ran minutes apart, under much the same load
    seconds = {(r["round"], r["site"], r["kind"]): r["seconds"] for r in runs}
    rounds = sorted({r["round"] for r in runs})
    summary["round_ratios"] = {
        kind: [round(seconds[n, "smsxml", kind] / seconds[n, "bare", kind], 3) for n in rounds]
        for kind in ("cold", "warm")
    }
    return summary


def print_table(summary: dict[str, Any]) -> None:
    """First output: median (min–max) seconds, and the requests (200s, MB) it took."""
    print(f"\n{'first output':14}  {'cold':49}warm")
    for site in ("bare", "smsxml"):
        cells = []
        for kind in ("cold", "warm"):
            s = summary[site][kind]
            cells.append(
                f"{s['median']:5.2f} s ({s['min']:.2f}–{s['max']:.2f}) "
                f"{s['requests']:3.0f} req {s['answered_200']:3.0f}×200 {s['mb_sent']:4.1f} MB"
            )
        print(f"{site:14}  " + "   ".join(cells))
    print(f"{'smsxml / bare':14}  ratio of the medians: cold {summary['ratio']['cold']:.3f}×, "
          f"warm {summary['ratio']['warm']:.3f}×")  # fmt: skip
    for kind, ratios in summary["round_ratios"].items():
        print(f"{'':14}  {kind}, round by round: median {statistics.median(ratios):.3f}× "
              f"({min(ratios):.3f}–{max(ratios):.3f})")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds (cold+warm per site)")
    parser.add_argument("--plain", action="store_true", help="serve without Cache-Control")
    parser.add_argument("--site", type=Path, default=LITE / "_output", help="the smsxml site")
    parser.add_argument("--bare", type=Path, default=LITE / "_build" / "bare" / "_output")
    parser.add_argument("--out", type=Path, default=LITE / "_build" / "measure.json")
    parser.add_argument(
        "--one-cell", action="store_true", help="the bare site opens a one-cell notebook"
    )
    args = parser.parse_args(argv)
    bare_notebook = "one_cell.ipynb" if args.one_cell else "00_bare.ipynb"
    sites = [
        Site("bare", args.bare, bare_notebook, ["--bare"]),
        Site("smsxml", args.site, "00_start_here.ipynb", []),
    ]
    for site in sites:
        if not (site.directory / "index.html").exists():
            subprocess.run(["bash", str(LITE / "build"), *site.build_args], check=True)

    from playwright.sync_api import sync_playwright

    runs: list[dict[str, Any]] = []
    with serving(sites[0], args.plain), serving(sites[1], args.plain), sync_playwright() as pw:
        for round_ in range(args.runs):
            for site in sites if round_ % 2 == 0 else sites[::-1]:
                with tempfile.TemporaryDirectory(prefix="measure-profile-") as profile:
                    context = pw.chromium.launch_persistent_context(
                        profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                        viewport={"width": 1280, "height": 1000},
                    )  # fmt: skip
                    for kind in ("cold", "warm"):
                        run = {"round": round_, "site": site.name, "kind": kind}
                        run.update(first_output(context, site))
                        runs.append(run)
                        shown = {k: v for k, v in run.items() if k != "sent"}
                        print(f"  {shown}", flush=True)
                    context.close()
    summary = summarize(runs)
    print_table(summary)
    summary.update(plain=args.plain, bare_notebook=bare_notebook, runs=runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1))
    print(f"runs: {args.out}")


if __name__ == "__main__":
    main()
