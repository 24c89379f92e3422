"""The caseload audit: each checklist item is an audit standard, measured over the caseload.

Per standard: the cases judged by a release that has the item; *exclusions* (not applicable,
not yet due, with their reasons) leave the cases it was *due* for; *exceptions* (a waived
warning, a recorded deviation) are counted apart and left out of the compliance denominator,
so compliance = met / (due - exceptions). Not met, no record yet and awaiting attestation are
all gaps: absence of evidence is never compliance. A standard with no case to measure has no
compliance figure (not 100%). The target is 100% unless the service profile sets its own.

Only counts, item and rule IDs, stage names, fixed reasons and pseudonymous case IDs are kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from protocol_checks.audit_facts import Due
from protocol_checks.findings import FileResult, Severity
from protocol_checks.protocol import Protocol
from protocol_checks.run_checks import SAME_CASE_ID
from protocol_checks.status import ItemStatus

DEFAULT_TARGET = 100.0
OTHER_CHECKLIST = ("earlier-releases", "Items of earlier releases only")
"""Where a standard goes that only a case's older release has (so it is never dropped)."""


@dataclass(slots=True)
class Standard:
    """One audit standard's figures."""

    item: str
    checklist: str
    counts: Counter[ItemStatus] = field(default_factory=Counter)
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)  # (status, reason)
    met_cases: set[str] = field(default_factory=set)
    gap_cases: set[str] = field(default_factory=set)
    target: float = DEFAULT_TARGET

    @property
    def cases(self) -> int:
        return sum(self.counts.values())

    @property
    def excluded(self) -> int:
        return self.counts[ItemStatus.not_applicable] + self.counts[ItemStatus.not_due]

    @property
    def due(self) -> int:
        return self.cases - self.excluded

    @property
    def exceptions(self) -> int:
        return self.counts[ItemStatus.waived] + self.counts[ItemStatus.deviation]

    @property
    def measured(self) -> int:
        return self.due - self.exceptions

    @property
    def met(self) -> int:
        return self.counts[ItemStatus.met]

    @property
    def gaps(self) -> int:
        return self.measured - self.met

    @property
    def compliance(self) -> float | None:
        """Met as a percentage of the measured cases, to one decimal; None with none measured."""
        return round(100 * self.met / self.measured, 1) if self.measured else None

    @property
    def gap_to_target(self) -> float | None:
        return None if self.compliance is None else round(self.target - self.compliance, 1)

    @property
    def meets_target(self) -> bool | None:
        return None if self.compliance is None else self.compliance >= self.target


@dataclass(frozen=True, slots=True)
class ActionCase:
    """A case on the team's agenda: its unsettled findings, its gaps and what falls due."""

    name: str
    case_id: str | None
    stage: str | None
    as_of: date
    rules: tuple[tuple[str, str], ...]  # (rule ID, severity), errors first
    gaps: tuple[tuple[str, str], ...]  # (item ID, status)
    due: tuple[Due, ...]

    @property
    def next_due(self) -> date | None:
        return self.due[0].on if self.due else None


class Audit:
    """Running audit figures over a stream of results (judged with item statuses)."""

    def __init__(self, protocol: Protocol, targets: dict[str, float] | None = None) -> None:
        self.protocol = protocol
        self.targets = dict(targets or {})
        self.order = {i.id: (c.id, n) for c in protocol.checklists for n, i in enumerate(c.items)}
        self.standards: dict[str, Standard] = {}
        self.agenda: list[ActionCase] = []
        self.files = self.audited = self.unreadable = self.withheld = self.repeats = 0
        self.releases: Counter[str] = Counter()

    def add(self, result: FileResult) -> None:
        self.files += 1
        if result.unreadable or result.audit is None:
            self.unreadable += 1
            return
        facts = result.audit
        key = facts.case_id
        if any(f.rule_id == SAME_CASE_ID.id for f in result.findings):
            # A second file of a case already counted: the case is counted once, and the
            # file goes on the agenda, to be merged or given its own ID.
            self.repeats += 1
            self.agenda.append(ActionCase(result.name, key, result.stage, facts.as_of,
                                          ((SAME_CASE_ID.id, SAME_CASE_ID.severity.value),),
                                          (), facts.due))
            return
        self.audited += 1
        self.releases[result.release or "unknown"] += 1
        if key is None:
            self.withheld += 1
        reasons = {(item, status): reason for item, status, reason in facts.reasons}
        gaps = []
        for item_id, value in result.items:
            status = ItemStatus(value)
            standard = self._standard(item_id)
            standard.counts[status] += 1
            if (item_id, value) in reasons:
                standard.reasons[(value, reasons[(item_id, value)])] += 1
            if status.counts_as_not_met:
                gaps.append((item_id, value))
                if key is not None:
                    standard.gap_cases.add(key)
            elif status is ItemStatus.met and key is not None:
                standard.met_cases.add(key)
        rules = sorted({(f.rule_id, f.severity.value) for f in result.findings
                        if not f.settled and f.severity is not Severity.advice},
                       key=lambda r: (r[1] != "error", r[0]))
        if rules or gaps:
            self.agenda.append(ActionCase(result.name, key, result.stage, facts.as_of,
                                          tuple(rules), tuple(gaps), facts.due))

    def _standard(self, item_id: str) -> Standard:
        found = self.standards.get(item_id)
        if found is None:
            checklist = self.order.get(item_id, (OTHER_CHECKLIST[0], 0))[0]
            found = self.standards[item_id] = Standard(
                item_id, checklist, target=self.targets.get(item_id, DEFAULT_TARGET))
        return found

    def grouped(self) -> list[tuple[str, str, list[Standard]]]:
        """(checklist ID, title, standards) in checklist order; within each, the largest gap
        to target first, then item order; standards with nothing measured last."""
        titles = [(c.id, c.title) for c in self.protocol.checklists] + [OTHER_CHECKLIST]
        out = []
        for checklist_id, title in titles:
            members = [s for s in self.standards.values() if s.checklist == checklist_id]
            if members:
                members.sort(key=lambda s: (s.gap_to_target is None, -(s.gap_to_target or 0),
                                            self.order.get(s.item, ("", 999))[1], s.item))
                out.append((checklist_id, title, members))
        return out

    def ranked_agenda(self) -> list[ActionCase]:
        """Cases needing action, the soonest due first (what is due at the as-of date leads),
        then those with nothing due, each by case ID or file name."""
        return sorted(self.agenda, key=lambda a: (a.next_due is None, a.next_due or a.as_of,
                                                  a.case_id or "~", a.name))
