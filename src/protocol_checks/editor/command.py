"""``protocol-checks edit CASE``: open the case, serve the page until Ctrl-C or SIGTERM.

The address, with its token, goes to standard error only (it is the key to the case while the
command runs). Stopping the command loses nothing saved: every save is on disk, complete,
before the page is told it succeeded.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
import webbrowser
from collections.abc import Iterator
from typing import Any

from protocol_checks.editor.api import EditorApi
from protocol_checks.editor.saving import CannotOpen, CaseSession
from protocol_checks.editor.server import EditorServer
from protocol_checks.exits import EXIT_BAD_INPUT, EXIT_OK
from protocol_checks.links import handbook_base
from protocol_checks.names import display_name
from protocol_checks.streams import Streams


class _Stop(Exception):
    """SIGTERM arrived: stop serving and end normally."""


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM ends the session as Ctrl-C does (exit status 0), in the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping: list[bool] = []

    def handler(signum: int, frame: Any) -> None:
        if not stopping:  # the signal may be passed on to this thread twice
            stopping.append(True)
            raise _Stop

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        # After a SIGTERM, a copy of it passed on by another thread may still be on its way:
        # it is ignored rather than handed to the previous handler (which would exit 143).
        signal.signal(signal.SIGTERM, signal.SIG_IGN if stopping else previous)


def edit(args: argparse.Namespace, streams: Streams) -> int:
    try:
        session = CaseSession.open(args.case)
    except CannotOpen as exc:
        streams.say(f"protocol-checks: {display_name(args.case)}: {exc}")
        return EXIT_BAD_INPUT
    api = EditorApi(session, profile=getattr(args, "profile_path", None),
                    handbook_url=handbook_base(args.handbook_url))
    try:
        server = EditorServer(api, port=args.port)
    except OSError as exc:
        streams.say(f"protocol-checks: cannot listen on 127.0.0.1 port {args.port}: "
                    f"{exc.strerror or type(exc).__name__}")
        return EXIT_BAD_INPUT
    with server:
        streams.say(f"protocol-checks: editing {display_name(args.case)} at {server.url}")
        streams.say("protocol-checks: the address holds a one-off key: do not share it. "
                    "Press Ctrl-C to stop.")
        if not args.no_browser:
            with contextlib.suppress(Exception):  # no browser here: the address is printed
                webbrowser.open(server.url)
        # Ctrl-C or SIGTERM ends the session normally.
        with _stop_on_sigterm(), contextlib.suppress(KeyboardInterrupt, _Stop):
            server.serve_forever()
    streams.say("protocol-checks: editor stopped; everything saved is on disk")
    return EXIT_OK
