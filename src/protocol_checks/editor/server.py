"""The editor's web server: the standard library's threading HTTP server, on 127.0.0.1 only.

A single person's page on the loopback interface needs no framework. Every request, the page
and its script included, must carry the session's random token, and name this server in its
Host header (``127.0.0.1:PORT`` or ``localhost:PORT``), so neither another local user's
browser tab nor a web site resolving its own name to 127.0.0.1 can read or write the case.
Nothing is logged: request lines carry the token, and bodies carry case values.
"""

from __future__ import annotations

import hmac
import json
import secrets
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs, urlsplit

from protocol_checks.editor.api import Answer, EditorApi
from protocol_checks.editor.saving import loads
from protocol_checks.reading import MAX_BYTES

HOST = "127.0.0.1"
TOKEN_HEADER = "X-Editor-Token"
MAX_BODY = 2 * MAX_BYTES + 4096
"""Largest request accepted: a case file at the validator's limit, escaped, and its envelope."""

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never pass it to a link
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}

STATIC = {
    "/static/editor.js": ("editor.js", "text/javascript; charset=utf-8"),
    "/static/editor.css": ("editor.css", "text/css; charset=utf-8"),
    "/static/icon.svg": ("icon.svg", "image/svg+xml"),
}
PAGE = "editor.html"
TOKEN_MARK = "__TOKEN__"


def _static(name: str) -> bytes:
    return (files("protocol_checks.editor") / "static" / name).read_bytes()


class EditorServer(ThreadingHTTPServer):
    """One editing session: the API it answers with, its token and the static files."""

    daemon_threads = False  # a save in progress finishes before the process ends
    block_on_close = True

    def __init__(self, api: EditorApi, port: int = 0, token: str | None = None) -> None:
        super().__init__((HOST, port), EditorHandler)
        self.api = api
        self.token = token or secrets.token_urlsafe(32)
        port = self.server_address[1]
        self.hosts = frozenset({f"{HOST}:{port}", f"localhost:{port}"})
        self.page = _static(PAGE).decode("utf-8").replace(TOKEN_MARK, self.token).encode("utf-8")
        self.files = {path: (_static(name), kind) for path, (name, kind) in STATIC.items()}

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/?token={self.token}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line, no traceback: a traceback could quote a value from a request."""
        exc = sys.exc_info()[1]
        print(f"protocol-checks edit: a request failed ({type(exc).__name__})", file=sys.stderr)


class EditorHandler(BaseHTTPRequestHandler):
    server: EditorServer
    timeout = 30  # a connection left open cannot hold up the end of the session
    server_version = "protocol-checks-editor"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the request line holds the token."""

    # ------------------------------------------------------------------ checks

    def _refused(self) -> bool:
        """Answer and return True unless the request names this server and holds the token."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0] not in self.server.hosts:
            self._send_json(Answer(HTTPStatus.MISDIRECTED_REQUEST,
                                   {"error": "this server answers only to its own address"}))
            return True
        given = parse_qs(urlsplit(self.path).query).get("token", [""])[0]
        given = self.headers.get(TOKEN_HEADER, given)
        if not hmac.compare_digest(given.encode("utf-8", "replace"),
                                   self.server.token.encode("utf-8")):
            self._send_json(Answer(HTTPStatus.FORBIDDEN, {"error": "wrong or missing token"}))
            return True
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {f"http://{h}" for h in self.server.hosts}:
            self._send_json(Answer(HTTPStatus.FORBIDDEN, {"error": "request from another site"}))
            return True
        return False

    # ------------------------------------------------------------------ methods

    def do_GET(self) -> None:
        if self._refused():
            return
        route = urlsplit(self.path).path
        api = self.server.api
        if route in ("/", "/index.html"):
            self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8")
        elif route in self.server.files:
            body, kind = self.server.files[route]
            self._send(HTTPStatus.OK, body, kind)
        elif route == "/api/schema":
            self._send_json(api.schema())
        elif route == "/api/case":
            self._send_json(api.case())
        else:
            self._send_json(Answer(HTTPStatus.NOT_FOUND, {"error": "not found"}))

    def do_POST(self) -> None:
        if self._refused():
            return
        route = urlsplit(self.path).path
        handlers = {"/api/check": self.server.api.check, "/api/save": self.server.api.save}
        if route not in handlers:
            self._send_json(Answer(HTTPStatus.NOT_FOUND, {"error": "not found"}))
            return
        body = self._body()
        if isinstance(body, Answer):
            self._send_json(body)
            return
        self._send_json(handlers[route](body))

    def _not_allowed(self) -> None:
        self._send_json(Answer(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "only GET and POST"}),
                        extra={"Allow": "GET, POST"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _not_allowed

    # ------------------------------------------------------------------ bodies

    def _body(self) -> Any:
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            return Answer(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send application/json"})
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return Answer(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length needed"})
        if length < 0 or length > MAX_BODY:
            return Answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too large"})
        try:
            return loads(self.rfile.read(length).decode("utf-8"))
        except ValueError:
            return Answer(HTTPStatus.BAD_REQUEST, {"error": "the request is not JSON"})

    def _send_json(self, answer: Answer, extra: dict[str, str] | None = None) -> None:
        body = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
        self._send(answer.status, body, "application/json; charset=utf-8", extra)

    def _send(self, status: int, body: bytes, kind: str,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {**SECURITY_HEADERS, "Content-Type": kind,
                            "Content-Length": str(len(body)), **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
