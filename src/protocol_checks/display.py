"""How a run is shown to the person at the terminal: colour, what ``--quiet`` hides, and the
note that links are relative when no handbook URL is set.

Kept apart from the reporters, which only format what they are given: these decisions depend
on the terminal and the options, not on the results.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TextIO

from protocol_checks.findings import FileResult
from protocol_checks.links import URL_ENV

NO_COLOR_ENV = "NO_COLOR"
"""https://no-color.org: present and not empty means no colour, whatever the terminal."""

NO_URL_NOTE = (
    "protocol-checks: note: no handbook URL is set, so the rule links are relative to the "
    "handbook's root and open only from inside it; set one with --handbook-url URL, "
    f"${URL_ENV} or the service profile's handbook_url")
"""Said once per run, on stderr, by the commands whose links leave the handbook."""


def wants_color(choice: str | None, output: str | None, out: TextIO) -> bool:
    """Colour for ``always``; for ``auto`` (the default) only when the report goes to standard
    output, that is a terminal, ``NO_COLOR`` is unset or empty and the terminal is not dumb:
    a file, a pipe or a CI log gets plain text."""
    if choice == "always":
        return True
    if choice == "never" or output not in (None, "-"):
        return False
    if os.environ.get(NO_COLOR_ENV) or os.environ.get("TERM") == "dumb":
        return False
    try:
        return out.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def without_settled(result: FileResult) -> FileResult:
    """``result`` without its waived findings and recorded deviations (``--quiet``): both are
    settled, so neither changes the exit status; the summary still counts them."""
    if not any(f.settled for f in result.findings):
        return result
    return dataclasses.replace(result, findings=[f for f in result.findings if not f.settled])
