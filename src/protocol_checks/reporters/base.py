"""What every reporter shares: the streaming interface and the running summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from protocol_checks.findings import FileResult, Finding, Severity


@dataclass
class Summary:
    """Totals over every file seen so far; kept small whatever the number of files."""

    files: int = 0
    files_with_findings: int = 0
    unreadable: int = 0
    """Files not read as JSON (missing, unreadable, not UTF-8, malformed JSON)."""
    invalid: int = 0
    """Files read as JSON that are not valid case files (schema errors, placeholders)."""
    by_severity: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    by_stage: Counter[str] = field(default_factory=Counter)
    by_release: Counter[str] = field(default_factory=Counter)

    def add(self, result: FileResult) -> None:
        self.files += 1
        if result.unreadable:
            if result.invalid:
                self.invalid += 1
            else:
                self.unreadable += 1
            return
        if result.stage:
            self.by_stage[result.stage] += 1
        if result.release:
            self.by_release[result.release] += 1
        active = [f for f in result.findings if not f.settled]
        if active:
            self.files_with_findings += 1
        for f in result.findings:
            self.by_severity[settled_as(f) or f.severity.value] += 1
            if not f.settled:
                self.by_rule[f.rule_id] += 1

    @property
    def not_checked(self) -> int:
        """Files whose problems stopped the check: unreadable or invalid."""
        return self.unreadable + self.invalid

    def count(self, severity: Severity | str) -> int:
        return self.by_severity[str(severity)]

    def as_dict(self) -> dict:
        return {
            "files": self.files,
            "files_with_findings": self.files_with_findings,
            "unreadable": self.unreadable,
            "invalid": self.invalid,
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "advice": self.count("advice"),
            "waived": self.count("waived"),
            "deviations": self.count("deviation"),
            "top_rules": [{"rule": r, "count": n} for r, n in self.top_rules()],
            "releases": dict(sorted(self.by_release.items())),
        }

    def top_rules(self, n: int = 5) -> list[tuple[str, int]]:
        return sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def settled_as(finding: Finding) -> str | None:
    """How a finding is settled, as the summaries count it: "waived", "deviation" or None."""
    if finding.deviation:
        return "deviation"
    return "waived" if finding.waived else None


def local_note(finding: Finding) -> str:
    """``" [local: name, ...]"`` for a finding a service profile produced or changed, else ""."""
    return f" [local: {', '.join(finding.local)}]" if finding.local else ""


class Reporter:
    """Base reporter: override ``file`` and ``finish``; ``start`` is optional."""

    def __init__(self, out: TextIO, verbose: bool = False, handbook_url: str = "",
                 color: bool = False):
        self.out = out
        self.verbose = verbose
        self.handbook_url = handbook_url
        self.color = color
        """Whether to colour the output (only the text format does; the command decides)."""

    def start(self) -> None:
        """Called once before the first result."""

    def file(self, result: FileResult) -> None:
        raise NotImplementedError

    def finish(self, summary: Summary) -> None:
        raise NotImplementedError
