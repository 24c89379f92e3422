"""The caseload report's running aggregates: bounded in memory whatever the number of files.

The page (:mod:`protocol_checks.reporters.caseload`) renders them; this module only counts.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

from protocol_checks.findings import FileResult
from protocol_checks.reporters.base import Summary
from protocol_checks.reporters.caseload_items import ItemCounts

TOP_CASES = 50
"""How many cases the "needing action first" table lists."""

MAX_UNREADABLE = 500
"""How many unreadable files are listed by name; the rest are counted."""


@dataclass(order=False, slots=True)
class _Ranked:
    """One case in the bounded heap; the heap's top is the *least* urgent case kept."""

    errors: int
    warnings: int
    advice: int
    name: str
    stage: str | None
    rules: tuple[str, ...]
    release: str | None = None
    local: frozenset[str] = frozenset()
    """Rules among ``rules`` whose findings a service profile's local setting produced."""

    def __lt__(self, other: _Ranked) -> bool:
        # Urgency: more errors, then more warnings, then the name (A before Z) come first.
        # "Less than" here means "less urgent", so a min-heap keeps the least urgent on top.
        if self.errors != other.errors:
            return self.errors < other.errors
        if self.warnings != other.warnings:
            return self.warnings < other.warnings
        return self.name > other.name


@dataclass(slots=True)
class _StageRow:
    cases: int = 0
    with_findings: int = 0
    findings: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Unreadable:
    name: str
    message: str
    line: int | None
    column: int | None
    path: str | None
    more: int


@dataclass
class Caseload:
    """Running aggregates over a stream of results; memory is bounded whatever their number."""

    summary: Summary = field(default_factory=Summary)
    files_by_rule: Counter[str] = field(default_factory=Counter)
    stages: dict[str, _StageRow] = field(default_factory=dict)
    top: list[_Ranked] = field(default_factory=list)
    unreadable: list[_Unreadable] = field(default_factory=list)
    items: ItemCounts = field(default_factory=ItemCounts)
    limit: int = TOP_CASES

    def add(self, result: FileResult) -> None:
        self.summary.add(result)
        if result.unreadable:
            if len(self.unreadable) < MAX_UNREADABLE:
                first = result.problems[0]
                self.unreadable.append(_Unreadable(
                    result.name, first.message, first.line, first.column, first.path,
                    len(result.problems) - 1))
            return
        self.items.add(result.items)
        counts = Counter(f.severity.value for f in result.findings if not f.settled)
        waived = sum(1 for f in result.findings if f.waived)
        deviations = sum(1 for f in result.findings if f.deviation)
        rules = sorted({f.rule_id for f in result.findings if not f.settled})
        self.files_by_rule.update(rules)
        row = self.stages.setdefault(result.stage or "unknown", _StageRow())
        row.cases += 1
        row.findings.update(counts)
        if waived:
            row.findings["waived"] += waived
        if deviations:
            row.findings["deviation"] += deviations
        if rules:
            row.with_findings += 1
        if counts["error"] or counts["warning"]:
            local = frozenset(f.rule_id for f in result.findings if f.local and not f.settled)
            self._rank(_Ranked(counts["error"], counts["warning"], counts["advice"], result.name,
                               result.stage, tuple(rules), result.release, local))

    def _rank(self, entry: _Ranked) -> None:
        if len(self.top) < self.limit:
            heapq.heappush(self.top, entry)
        elif self.top[0] < entry:
            heapq.heapreplace(self.top, entry)

    def ranked(self) -> list[_Ranked]:
        """The kept cases, most urgent first."""
        return sorted(self.top, reverse=True)
