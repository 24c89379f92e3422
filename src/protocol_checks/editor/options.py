"""The ``edit`` sub-command's options, apart from :mod:`protocol_checks.cli` (which keeps to
its size limit); imports nothing but argparse, so ``--help`` stays fast."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be a port number from 0 to 65535")
    return value


def add_edit_parser(sub: Any, add_profile_options: Callable[..., None]) -> None:
    """Add ``edit CASE [--port N] [--no-browser]`` and the profile options to ``sub``."""
    ed = sub.add_parser(
        "edit", help="edit a case file as a form in the browser (local only)",
        description="Open a local page, on 127.0.0.1 only and with a one-off token, that shows "
        "CASE as a form with the validator's findings and the checklists for its stage beside "
        "the fields, refreshed as you type. Saving writes the file in its canonical layout and "
        "refuses to overwrite changes made on disk meanwhile. Nothing leaves this computer. "
        "Stop with Ctrl-C.")
    ed.add_argument("case", metavar="CASE", help="the case file (it must exist; "
                    "'protocol-checks new' starts one)")
    ed.add_argument("--port", type=_port, default=0, metavar="N",
                    help="the port to listen on (default: 0, any free port)")
    ed.add_argument("--no-browser", action="store_true",
                    help="print the page's address without opening a browser")
    ed.set_defaults(handbook_url=None)  # filled from the service profile, as validate does
    add_profile_options(ed, exclude=False)
