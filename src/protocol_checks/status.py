"""Mark each checklist item for one case: met, not met, awaiting attestation, not yet due, n/a."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from protocol_checks.case import CaseFile
from protocol_checks.findings import Finding
from protocol_checks.protocol import Checklist, Item


class ItemStatus(StrEnum):
    met = "met"
    waived = "met (warning waived)"
    not_met = "not met"
    awaiting = "awaiting attestation"
    not_due = "not yet due"
    not_applicable = "not applicable"


MARKS = {
    ItemStatus.met: "[x]",
    ItemStatus.waived: "[w]",
    ItemStatus.not_met: "[ ]",
    ItemStatus.awaiting: "[?]",
    ItemStatus.not_due: "[.]",
    ItemStatus.not_applicable: "[-]",
}


@dataclass(frozen=True)
class ItemResult:
    item: Item
    status: ItemStatus
    failing_rules: tuple[str, ...] = ()


def mark(checklist: Checklist, case: CaseFile, findings: list[Finding]) -> list[ItemResult]:
    """Each item of ``checklist`` with its status for ``case``, given the case's findings."""
    failing = {f.rule_id for f in findings if not f.waived}
    waived = {f.rule_id for f in findings if f.waived}
    attested = {a.item for a in case.attestations}
    due = case.effective_stage.rank >= checklist.stage.rank
    out = []
    for item in checklist.items:
        if not (checklist.when.holds(case) and item.when.holds(case)):
            out.append(ItemResult(item, ItemStatus.not_applicable))
        elif item.is_attestation:
            if item.id in attested:
                out.append(ItemResult(item, ItemStatus.met))
            else:
                out.append(ItemResult(item, ItemStatus.awaiting if due else ItemStatus.not_due))
        else:
            bad = tuple(r for r in item.rule_ids if r in failing)
            if bad:
                out.append(ItemResult(item, ItemStatus.not_met, bad))
            elif any(r in waived for r in item.rule_ids):
                out.append(ItemResult(item, ItemStatus.waived))
            else:
                out.append(ItemResult(item, ItemStatus.met if due else ItemStatus.not_due))
    return out
