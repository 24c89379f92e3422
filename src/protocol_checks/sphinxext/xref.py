"""Cross-reference types: ``{rule}`ID```, ``{item}`ID```, and ``{source}`P4``` citations.

Rules and items are objects of Sphinx's standard domain, so links resolve (or warn) through
Sphinx's own machinery. Citations are also recorded per document for the traceability page.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxRole

from protocol_checks.protocol import PARAGRAPHS
from protocol_checks.sphinxext.common import warn, xref
from protocol_checks.sphinxext.warnings_ import ProtocolWarning


class SourceRole(SphinxRole):
    """``{source}`P4``` links to the paragraph's summary on the sources page."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        target = self.text.strip().upper()
        if target not in PARAGRAPHS:
            warn(f"unknown source paragraph {self.text!r} (expected P1..P13)", ProtocolWarning.source,
                 self.get_location())
            return [nodes.literal(text=self.text)], []
        citations(self.env).setdefault(self.env.current_document.docname, set()).add(target)
        ref = xref("ref", f"source-{target.lower()}", target)
        ref["classes"].append("source-cite")
        return [ref], []


def citations(env: BuildEnvironment) -> dict[str, set[str]]:
    """Paragraph citations by document, gathered while reading (kept on the environment)."""
    if not hasattr(env, "protocol_citations"):
        env.protocol_citations = {}  # type: ignore[attr-defined]
    return env.protocol_citations  # type: ignore[attr-defined]


def _purge(_app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    citations(env).pop(docname, None)


def _merge(_app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = citations(other)
    mine = citations(env)
    for docname in docnames:
        if docname in theirs:
            mine[docname] = theirs[docname]


def setup_xref(app: Sphinx) -> None:
    app.add_crossref_type("protocol-rule", "rule", objname="protocol rule")
    app.add_crossref_type("checklist-item", "item", objname="checklist item")
    app.add_role("source", SourceRole())
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
