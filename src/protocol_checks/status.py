"""Mark each checklist item for one case, from what its rules positively found.

An item checked by rules is *met* only when every rule that judges it ran at this case's stage,
found no breach, and found recorded what it needs (:mod:`protocol_checks.evidence`). Silence is
never compliance: a rule that did not run leaves its item *not yet due*, and a rule whose
evidence is absent leaves it *no record yet*, which counts as not met.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from protocol_checks.case import CaseFile
from protocol_checks.evidence import RuleVerdict, Verdict, judge
from protocol_checks.findings import Finding
from protocol_checks.format_words import stage_words
from protocol_checks.protocol import Checklist, Item, Protocol


class ItemStatus(StrEnum):
    met = "met"
    waived = "met (warning waived)"
    deviation = "deviation recorded"
    not_met = "not met"
    no_record = "no record yet"
    awaiting = "awaiting attestation"
    not_due = "not yet due"
    not_applicable = "not applicable"

    @property
    def counts_as_not_met(self) -> bool:
        """Whether an audit counts this as a gap: a breach, a missing record or a missing
        confirmation. (Recording is the remedy for the last two, not treatment.)"""
        return self in _GAPS


_GAPS = frozenset({ItemStatus.not_met, ItemStatus.no_record, ItemStatus.awaiting})

MARKS = {
    ItemStatus.met: "[x]",
    ItemStatus.waived: "[w]",
    ItemStatus.deviation: "[d]",
    ItemStatus.not_met: "[ ]",
    ItemStatus.no_record: "[_]",
    ItemStatus.awaiting: "[?]",
    ItemStatus.not_due: "[.]",
    ItemStatus.not_applicable: "[-]",
}

LEGEND = {
    ItemStatus.met: "the rules ran at this stage and the record shows what the item needs",
    ItemStatus.waived: "met, with a warning accepted by a recorded waiver",
    ItemStatus.deviation: "a past event broke an error rule; the remedy is recorded and "
    "reviewed (counted apart, not as met)",
    ItemStatus.not_met: "a rule found a breach: remedy it",
    ItemStatus.no_record: "due, but what the item needs is not recorded: record it "
    "(counted as not met)",
    ItemStatus.awaiting: "due, and needs a named person's confirmation (counted as not met)",
    ItemStatus.not_due: "its rules or its checklist apply only from a later stage",
    ItemStatus.not_applicable: "does not apply to this case (the reason is shown)",
}
"""What each status means; the checklist command and the handbook's legend both print it."""

_FROM_VERDICT = {
    Verdict.met: ItemStatus.met,
    Verdict.waived: ItemStatus.waived,
    Verdict.deviation: ItemStatus.deviation,
    Verdict.not_met: ItemStatus.not_met,
    Verdict.no_record: ItemStatus.no_record,
    Verdict.not_due: ItemStatus.not_due,
    Verdict.not_applicable: ItemStatus.not_applicable,
}
# Which rule verdict decides an item checked by several rules: the first present in this order.
_PRECEDENCE = (Verdict.not_met, Verdict.no_record, Verdict.not_due, Verdict.deviation,
               Verdict.waived, Verdict.met, Verdict.not_applicable)


@dataclass(frozen=True)
class ItemResult:
    item: Item
    status: ItemStatus
    failing_rules: tuple[str, ...] = ()
    reason: str | None = None  # a fixed sentence or field names, never a value from the case
    verdicts: tuple[RuleVerdict, ...] = ()


def _combine(item: Item, verdicts: list[RuleVerdict]) -> ItemResult:
    """An item's status from its rules' verdicts: a breach or a gap in any rule decides it;
    it is met only if every rule that applies is met."""
    by_kind = {v.verdict for v in verdicts}
    decisive = next(k for k in _PRECEDENCE if k in by_kind)
    failing = tuple(v.rule_id for v in verdicts if v.verdict is Verdict.not_met)
    reasons = [v.reason for v in verdicts if v.verdict is decisive and v.reason]
    return ItemResult(item, _FROM_VERDICT[decisive], failing,
                      "; ".join(dict.fromkeys(reasons)) or None, tuple(verdicts))


def mark(checklist: Checklist, case: CaseFile, findings: list[Finding],
         protocol: Protocol) -> list[ItemResult]:
    """Each item of ``checklist`` with its status for ``case``, given the case's findings."""
    failing = {f.rule_id for f in findings if not f.settled}
    waived = {f.rule_id for f in findings if f.waived}
    deviations = {f.rule_id for f in findings if f.deviation}
    attested = {a.item for a in case.attestations}
    due = case.effective_stage.rank >= checklist.stage.rank
    out = []
    for item in checklist.items:
        if not checklist.when.holds(case):
            out.append(ItemResult(item, ItemStatus.not_applicable, reason=checklist.when.reason))
        elif not item.when.holds(case):
            out.append(ItemResult(item, ItemStatus.not_applicable, reason=item.when.reason))
        elif item.is_attestation:
            if item.id in attested:
                out.append(ItemResult(item, ItemStatus.met, reason="confirmed in the record"))
            elif due:
                out.append(ItemResult(item, ItemStatus.awaiting))
            else:
                out.append(ItemResult(item, ItemStatus.not_due, reason=(
                    f"the checklist is due by the {stage_words(checklist.stage)} stage")))
        else:
            verdicts = [judge(protocol.rules[r], case, r in failing, r in waived, protocol,
                              deviation=r in deviations)
                        for r in item.rule_ids]
            out.append(_combine(item, verdicts))
    return out


def all_statuses(case: CaseFile, findings: list[Finding],
                 protocol: Protocol) -> tuple[tuple[str, ItemStatus], ...]:
    """Every item of every checklist with its status for ``case`` (for the caseload report)."""
    return tuple((r.item.id, r.status) for checklist in protocol.checklists
                 for r in mark(checklist, case, findings, protocol))
