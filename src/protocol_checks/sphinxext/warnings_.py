"""The catalogue of warnings the handbook's Sphinx extension can give.

Each warning is logged as ``protocol.<code>`` (Sphinx prints the code after the message), so a
reader can find what produced it and, where truly needed, silence one kind with
``suppress_warnings = ["protocol.<code>"]``. The handbook renders this catalogue from the
members' docstrings (the ``protocol-warnings`` directive), so the list cannot drift.
"""

from __future__ import annotations

import ast
import inspect
import itertools
from enum import Enum

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


class ProtocolWarning(Enum):
    """Warning codes of the "protocol_checks.sphinxext" directives."""

    checklist = "checklist"
    """A "checklist" directive names a checklist that does not exist."""

    catalogue = "catalogue"
    """A "rule-catalogue" directive's prefix matches no rule."""

    summary = "summary"
    """A "rule-summary" directive names a rule that does not exist."""

    source = "source"
    """A source role names a paragraph outside P1 to P13."""

    examples = "examples"
    """A rule has no failing example case, or a worked example is missing or broke its layout;
    every rule is shown failing on a case of its own."""

    traceability = "traceability"
    """The traceability check found a gap: a source paragraph with no item or no citation, a
    missing anchor, a rule link with no target, or a checklist item not rendered."""

    doccontrol = "doccontrol"
    """Document control is incomplete or its review date is not a date."""


def descriptions() -> dict[ProtocolWarning, str]:
    """Each member's docstring, read from this module's source (Enum members cannot carry
    docstrings at run time; the string after each assignment is where a reader looks)."""
    tree = ast.parse(inspect.getsource(ProtocolWarning))
    body = tree.body[0].body  # type: ignore[attr-defined]
    out = {}
    for node, after in itertools.pairwise(body):
        if (isinstance(node, ast.Assign) and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)):
            name = node.targets[0].id  # type: ignore[attr-defined]
            out[ProtocolWarning[name]] = " ".join(after.value.value.split())
    return out


class WarningCatalogueDirective(SphinxDirective):
    """``protocol-warnings``: the catalogue above as a definition list, code then meaning."""

    def run(self) -> list[nodes.Node]:
        listing = nodes.definition_list(classes=["protocol-warnings"])
        for code, text in descriptions().items():
            term = nodes.term()
            term += nodes.literal(text=f"protocol.{code.value}")
            listing += nodes.definition_list_item(
                "", term, nodes.definition("", nodes.paragraph(text=text)))
        self.set_source_info(listing)
        return [listing]


def setup_warnings(app: Sphinx) -> None:
    app.add_directive("protocol-warnings", WarningCatalogueDirective)
