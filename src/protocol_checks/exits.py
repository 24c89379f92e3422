"""Exit statuses, decided in one place: 0 nothing at or above ``--fail-on``; 1 findings at or
above it (or checklist items not met); 2 an input could not be read, or the command was
misused."""

from __future__ import annotations

from protocol_checks.findings import Severity
from protocol_checks.reporters.base import Summary

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def for_summary(summary: Summary, fail_on: Severity) -> int:
    """A run's status: input that could not be checked (unreadable or invalid) outranks
    findings, which outrank a clean run."""
    if summary.not_checked:
        return EXIT_BAD_INPUT
    failing = sum(summary.count(s) for s in Severity if s.rank >= fail_on.rank)
    return EXIT_FINDINGS if failing else EXIT_OK
