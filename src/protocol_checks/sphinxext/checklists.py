"""The ``checklist`` directive: one checklist from ``checklists/``, printable, every item anchored.

Columns: tick box, item (with its stable anchor), force, source paragraph, how it is checked (rule
links or attestation), and blank initials/date columns for paper use. The force is not written in
the data: it follows from the severity of the rule(s) that check the item (see :func:`item_force`),
so a service profile that tightens a rule changes the force its edition prints. Each checklist has
a header block for paper (case ID, completed by, role, date) and a button that prints it alone.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from protocol_checks.findings import Severity
from protocol_checks.protocol import Condition, Item, Protocol
from protocol_checks.sphinxext.common import ProtocolDirective, joined, table, warn, xref
from protocol_checks.sphinxext.warnings_ import ProtocolWarning
from protocol_checks.status import LEGEND, MARKS

STAGE_WORDS = {
    "referral": "from referral",
    "assessment": "before assessment begins",
    "treatment": "before and throughout treatment",
    "long_term_contact": "when formal treatment ends",
    "closed": "at closure",
}
WHEN_WORDS = {
    Condition.cbt: "CBT only",
    Condition.psychodynamic: "psychodynamic only",
    Condition.medication: "when medication is planned or given",
    Condition.court_order: "under a court order only",
}


FORCE_WORDS = {Severity.error: "must", Severity.warning: "usually", Severity.advice: "consider"}
ATTESTED = "confirm"
"""The force of an item no rule checks: a named person confirms it (an attestation)."""


def item_force(item: Item, protocol: Protocol) -> str:
    """must / usually / consider from the strongest severity among the item's rules (error,
    warning, advice); ``confirm`` for an attestation."""
    severities = [protocol.rules[r].severity for r in item.rule_ids if r in protocol.rules]
    if not severities:
        return ATTESTED
    return FORCE_WORDS[max(severities, key=lambda s: s.rank)]


def _force_cell(force: str) -> nodes.inline:
    return nodes.inline(text=force.capitalize(), classes=["force", f"force-{force}"])


HEADER_HTML = (
    '<div class="checklist-header">'
    + "".join(f'<div class="checklist-header-field"><span>{label}</span></div>'
              for label in ("Case ID", "Completed by", "Role", "Date"))
    + "</div>"
)
PRINT_BUTTON_HTML = (
    '<p class="print-one-wrap"><button type="button" class="print-one" data-checklist="{id}">'
    'Print this checklist only</button></p>'
)


def _how_checked(item: Item) -> list[nodes.Node]:
    if item.is_attestation:  # who confirms it is said under the item's text
        return [nodes.emphasis(text="Attestation")]
    return joined(xref("rule", rule_id) for rule_id in item.rule_ids)


def _sources(item: Item) -> list[nodes.Node]:
    if item.source:
        return joined(xref("ref", f"source-{p.lower()}", p) for p in item.source)
    return [nodes.emphasis(text="handbook")]  # its basis is given under the item's text


def _item_cell(item: Item) -> list[nodes.Node]:
    out: list[nodes.Node] = [nodes.strong(text=item.id), nodes.Text(" " + item.text)]
    if item.when is not Condition.always:
        out.append(nodes.inline(text=f" ({WHEN_WORDS[item.when]})", classes=["item-when"]))
    if item.is_attestation and item.guidance:
        out.append(nodes.inline(text=f" {item.guidance}", classes=["item-basis"]))
    if not item.source and item.basis:
        out.append(nodes.inline(text=f" Basis: {item.basis}", classes=["item-basis"]))
    return out


class ChecklistDirective(ProtocolDirective):
    """Render one checklist by its id, e.g. ``before-assessment``."""

    required_arguments = 1
    option_spec = {  # noqa: RUF012 (docutils API)
        # Omit the initials and date columns (for on-screen summaries).
        "no-signature": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        protocol = self.protocol()
        name = self.arguments[0]
        checklist = protocol.checklist(name)
        self.depend_on_checklists()
        if checklist is None:
            warn(f"unknown checklist {name!r}", ProtocolWarning.checklist, self.get_location())
            return []
        signature = "no-signature" not in self.options
        std = self.env.domains.standard_domain
        rows = []
        for item in checklist.items:
            anchor = item.anchor
            std.note_object("checklist-item", item.id, anchor, location=self.get_location())
            cells = [nodes.inline(text="\u2610", classes=["tick"]), _item_cell(item),
                     [_force_cell(item_force(item, protocol))], _sources(item),
                     _how_checked(item)]
            if signature:
                cells += ["", ""]
            rows.append((cells, [anchor]))
        headers = ["Done", "Item", "Force", "Source", "How it is checked"]
        widths = [5, 44, 9, 8, 16]
        if signature:
            headers += ["Initials", "Date"]
            widths += [8, 10]
        box = nodes.container(classes=["protocol-checklist",
                                       "with-signature" if signature else "no-signature"])
        due = STAGE_WORDS[checklist.stage.value]
        intro = nodes.paragraph(classes=["checklist-meta"])
        intro += nodes.strong(text="Due: ")
        intro += nodes.Text(due)
        if checklist.when is not Condition.always:
            intro += nodes.Text(f"; applies {WHEN_WORDS[checklist.when]}")
        intro += nodes.Text(f". Checklist id: {checklist.id}; {len(checklist.items)} items.")
        if signature:
            box += nodes.raw("", PRINT_BUTTON_HTML.format(id=checklist.id), format="html")
            box += nodes.raw("", HEADER_HTML, format="html")
        box += nodes.paragraph(text=checklist.purpose, classes=["checklist-purpose"])
        box += intro
        box += table(headers, rows, widths, classes=["checklist-table"])
        self.set_source_info(box)
        return [box]


class ChecklistLegendDirective(ProtocolDirective):
    """The statuses ``protocol-checks checklist`` gives an item, with their marks and meaning,
    rendered from the same table the command prints from."""

    def run(self) -> list[nodes.Node]:
        rows = [([[nodes.literal(text=MARKS[status])], [nodes.strong(text=status.value)],
                  LEGEND[status]], []) for status in LEGEND]
        result = table(["Mark", "Status", "Meaning"], rows, [8, 22, 70],
                       classes=["checklist-legend"])
        self.set_source_info(result)
        return [result]


def setup_checklists(app: Sphinx) -> None:
    app.add_directive("checklist", ChecklistDirective)
    app.add_directive("checklist-legend", ChecklistLegendDirective)
