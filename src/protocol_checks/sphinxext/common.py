"""Small builders shared by the directives: tables, cross-references, warnings, dependencies."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from protocol_checks.protocol import Protocol, checklist_dir
from protocol_checks.sphinxext.build_profile import edition_protocol
from protocol_checks.sphinxext.warnings_ import ProtocolWarning

LOGGER = logging.getLogger("protocol_checks")

Cell = str | nodes.Node | Sequence[nodes.Node]


def warn(message: str, code: ProtocolWarning, location: object = None) -> None:
    """Warnings carry a type and a code from the catalogue so a reader can find (and, if
    needed, filter) them."""
    LOGGER.warning(message, type="protocol", subtype=code.value, location=location)


def xref(role: str, target: str, text: str | None = None) -> addnodes.pending_xref:
    """A link to a rule (``rule``), checklist item (``item``) or label (``ref``)."""
    ref = addnodes.pending_xref(
        "", refdomain="std", reftype=role, reftarget=target.lower() if role == "ref" else target,
        refexplicit=True, refwarn=True,
    )
    ref += nodes.literal(text=text or target) if role in ("rule", "item") else nodes.inline(
        text=text or target)
    return ref


def joined(nodes_: Iterable[nodes.Node], sep: str = ", ") -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for node in nodes_:
        if out:
            out.append(nodes.Text(sep))
        out.append(node)
    return out


def _cell(content: Cell) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(content, str):
        entry += nodes.paragraph(text=content)
    elif isinstance(content, nodes.Node):
        entry += content if isinstance(content, nodes.Body) else nodes.paragraph("", "", content)
    else:
        para = nodes.paragraph()
        para.extend(content)
        entry += para
    return entry


def table(headers: Sequence[str], rows: Iterable[tuple[Sequence[Cell], list[str]]],
          widths: Sequence[int], classes: Sequence[str] = ()) -> nodes.table:
    """A table; each row is (cells, ids) so rows can carry their own anchors."""
    tbl = nodes.table(classes=["protocol-table", "colwidths-given", *classes])
    group = nodes.tgroup(cols=len(headers))
    tbl += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    header_row = nodes.row()
    for text in headers:
        header_row += _cell(text)
    head += header_row
    group += head
    body = nodes.tbody()
    for cells, ids in rows:
        row = nodes.row(ids=list(ids))
        for cell in cells:
            row += _cell(cell)
        body += row
    group += body
    return tbl


class ProtocolDirective(SphinxDirective):
    """Base: gives the loaded protocol and records the data files this page depends on."""

    def protocol(self) -> Protocol:
        """The protocol this build renders: the base, or a service's edition of it."""
        return edition_protocol(self.config)

    def depend_on_checklists(self) -> None:
        for path in sorted(checklist_dir().glob("*.yaml")):
            self.env.note_dependency(str(path))

    def depend_on_rule_modules(self, rule_ids: Iterable[str] | None = None) -> None:
        protocol = self.protocol()
        ids = protocol.rules if rule_ids is None else rule_ids
        files = {inspect.getsourcefile(protocol.rules[i].check) for i in ids if i in protocol.rules}
        for file in sorted(f for f in files if f):
            self.env.note_dependency(str(Path(file)))
