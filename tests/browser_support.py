"""Helpers for tests/test_browser.py: a local HTTP server for the built site, page recording, axe."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
BAD_IMPACTS = ("serious", "critical")
# Schemes that never leave the page (no host involved), so they cannot reach another server.
LOCAL_SCHEMES = ("data", "blob", "about")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def chromium(what: str) -> Iterator[Any]:
    """Debian's Chromium, launched headless for ``what`` is tested; without it the test skips
    with the reason, except under CI=true, where it fails (a green CI means a real browser)."""
    import os

    import pytest

    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium package"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; a CI run must test {what} in a real browser", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 at a free port; yields the base URL ending in '/'."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, as paths relative to its root (posix style).

    `_static/` holds theme assets (pydata ships a Jinja macro file there named *.html), not pages.
    """
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if p.relative_to(site).parts[0] not in ("_static", "_sources", "_images")
    )


@dataclass
class Recorder:
    """Everything a page did on the network and console while it loaded."""

    origin: str
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("request", self._on_request)
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_response)
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)

    def _on_request(self, request: Any) -> None:
        url = request.url
        self.requests.append(url)
        parsed = urlparse(url)
        if parsed.scheme in LOCAL_SCHEMES:
            return
        if f"{parsed.scheme}://{parsed.netloc}" != self.origin:
            self.problems.append(f"request to another host: {request.method} {url}")

    def _on_failed(self, request: Any) -> None:
        self.problems.append(f"request failed ({request.failure}): {request.url}")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            loc = message.location or {}
            self.problems.append(f"console error: {message.text} (at {loc.get('url', '?')})")

    def _on_pageerror(self, error: Any) -> None:
        self.problems.append(f"uncaught exception: {error}")


def axe_failures(results: dict[str, Any], where: str, max_targets: int = 3) -> list[str]:
    """One line per serious/critical axe violation: page, rule id, impact, first target selectors."""
    lines = []
    for violation in results.get("violations", []):
        if violation.get("impact") not in BAD_IMPACTS:
            continue
        nodes = violation.get("nodes", [])
        targets = [" ".join(map(str, n.get("target", []))) for n in nodes[:max_targets]]
        more = f" (+{len(nodes) - max_targets} more)" if len(nodes) > max_targets else ""
        lines.append(
            f"{where}: {violation['id']} [{violation['impact']}] on {len(nodes)} node(s): "
            f"{'; '.join(targets)}{more} - {violation.get('help', '')}"
        )
    return lines
