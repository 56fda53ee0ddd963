"""Serve the zero-install site (lite/_output) on 127.0.0.1, with the runtime marked cacheable.

    python lite/serve.py                    # http://127.0.0.1:8000/lab/
    python lite/serve.py --port 8001 --directory lite/_output

``python -m http.server`` sends no Cache-Control, so a browser guesses how long to keep the
40 MB of Pyodide and JupyterLite, or asks again. Here a file whose URL names its content (a
hashed JupyterLite asset, a versioned wheel, the runtime under ``static/pyodide-<version>/``)
is sent ``immutable`` for a year: a second visit loads it from the browser's cache without
asking. Everything else (pages, settings, notebooks, the lock file) is ``no-cache``: asked
again each time, answered 304 when unchanged, so a rebuilt site is seen at once.
"""

from __future__ import annotations

import argparse
import functools
import re
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

SITE = Path(__file__).resolve().parent / "_output"
IMMUTABLE = "public, max-age=31536000, immutable"

#: URL paths whose content never changes under the same name.
_NAMED_BY_CONTENT = re.compile(
    r"""^/(?:
        static/pyodide-\d[^/]*/(?!pyodide-lock\.json$|package\.json$)[^/]+  # runtime, versioned
      | .*/[^/]+-\d[^/]*\.whl                                                # name-version wheels
      | .*\.[0-9a-f]{7,}\.(?:js|css|wasm)                                    # hashed assets
    )$""",
    re.VERBOSE,
)


def cache_control(url_path: str) -> str:
    """The Cache-Control for ``url_path``: immutable when the name pins the content."""
    return IMMUTABLE if _NAMED_BY_CONTENT.match(unquote(url_path)) else "no-cache"


class Handler(SimpleHTTPRequestHandler):
    """Static files with Cache-Control and the content types JupyterLite and Pyodide need."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".ipynb": "application/json",
        ".whl": "application/zip",
        ".webmanifest": "application/manifest+json",
    }
    quiet = False

    def end_headers(self) -> None:
        self.send_header("Cache-Control", cache_control(urlsplit(self.path).path))
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        if not self.quiet:
            super().log_message(format, *args)


def make_server(
    directory: Path = SITE,
    host: str = "127.0.0.1",
    port: int = 8000,
    handler: type[Handler] = Handler,
) -> ThreadingHTTPServer:
    """A server for ``directory`` (not yet serving: call ``serve_forever``); port 0: any."""
    return ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(directory)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bind", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--directory", type=Path, default=SITE, help="default lite/_output")
    args = parser.parse_args(argv)
    if not (args.directory / "index.html").exists():
        parser.error(f"no site in {args.directory}: build it with lite/build")
    server = make_server(args.directory, args.bind, args.port)
    url = f"http://{args.bind}:{server.server_port}/lab/"
    print(f"Serving {args.directory} on {url} (Ctrl+C stops)")
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
