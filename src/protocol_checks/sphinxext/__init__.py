"""Sphinx extension: render the protocol's data (checklists, rules, case-file model, command help)
into the handbook, so that page and validator can never disagree.

One module per component, each with its own ``setup_<thing>(app)``; this module only wires them.
The core never imports Sphinx; this package imports the core.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from protocol_checks import __version__
from protocol_checks.sphinxext.casefile import setup_casefile
from protocol_checks.sphinxext.catalogue import setup_catalogue
from protocol_checks.sphinxext.checklists import setup_checklists
from protocol_checks.sphinxext.commandhelp import setup_commandhelp
from protocol_checks.sphinxext.doccontrol import setup_doccontrol
from protocol_checks.sphinxext.edition import setup_edition
from protocol_checks.sphinxext.examples import setup_examples
from protocol_checks.sphinxext.releases import setup_releases
from protocol_checks.sphinxext.traceability import setup_traceability
from protocol_checks.sphinxext.warnings_ import setup_warnings
from protocol_checks.sphinxext.xref import setup_xref


def setup(app: Sphinx) -> dict:
    setup_xref(app)
    setup_checklists(app)
    setup_catalogue(app)
    setup_casefile(app)
    setup_commandhelp(app)
    setup_doccontrol(app)
    setup_traceability(app)
    setup_examples(app)
    setup_releases(app)
    setup_warnings(app)
    setup_edition(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
