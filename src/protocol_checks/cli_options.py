"""Options of ``validate`` and ``report`` that fit the command to a repository: what the terminal
shows, where the report goes and where its links lead. Kept out of :mod:`protocol_checks.cli`
(which stays small); like it, this imports nothing heavy, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse

REPORT_NAMES = {"html": "caseload-report.html", "json": "caseload-audit.json"}
"""Where ``report`` writes, in the current folder, when ``-o`` is left out."""


def add_display_options(p: argparse.ArgumentParser) -> None:
    """``--quiet`` and ``--color`` for ``validate``."""
    p.add_argument("-q", "--quiet", action="store_true",
                   help="hide waived findings and recorded deviations (they are settled and "
                   "never change the exit status; the summary still counts them)")
    p.add_argument("--color", "--colour", choices=["auto", "always", "never"], default="auto",
                   help="colour the text format's labels: auto (the default) only on a "
                   "terminal and when $NO_COLOR is unset")


def add_report_target(p: argparse.ArgumentParser) -> None:
    """``-o`` (optional, with a default file name) and ``--handbook-dir`` for ``report``."""
    p.add_argument("-o", "--output", metavar="FILE",
                   help="the file to write, or - for standard output (default: "
                   f"{REPORT_NAMES['html']}, or {REPORT_NAMES['json']} with --format json, in "
                   "the current folder; never over an input)")
    p.add_argument("--handbook-dir", metavar="DIR",
                   help="a built handbook on disk (its root folder): the report's links lead "
                   "there by a path relative to the report, so they work wherever the two "
                   "are opened together (instead of --handbook-url)")
