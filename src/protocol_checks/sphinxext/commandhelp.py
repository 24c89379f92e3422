"""``command-help``: the command's own ``--help`` text for every sub-command, so the reference
cannot drift from the program."""

from __future__ import annotations

import argparse
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

from protocol_checks.cli import build_parser
from protocol_checks.sphinxext.common import ProtocolDirective

WIDTH = 88
"""Columns of the help shown in the handbook, whatever the terminal building it."""


def _fixed_width(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=WIDTH)


def help_texts() -> list[tuple[str, str]]:
    """(name, help) for the main command and each sub-command, at a fixed width (given to the
    formatter, so the build does not touch the environment)."""
    parser = build_parser()
    parser.formatter_class = _fixed_width
    out = [("protocol-checks", parser.format_help())]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                sub.formatter_class = _fixed_width
                out.append((name, sub.format_help()))
    return out


class CommandHelpDirective(ProtocolDirective):
    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(Path(__file__).resolve().parents[1] / "cli.py"))
        out: list[nodes.Node] = []
        for name, text in help_texts():
            box = nodes.container(ids=[f"command-{name}"], classes=["command-help"])
            title = nodes.rubric()
            title += nodes.literal(text=name if name == "protocol-checks"
                                   else f"protocol-checks {name}")
            box += title
            box += nodes.literal_block(text, text, language="text")
            self.set_source_info(box)
            out.append(box)
        return out


def setup_commandhelp(app: Sphinx) -> None:
    app.add_directive("command-help", CommandHelpDirective)
