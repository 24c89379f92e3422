"""Reporters turn results into output; they are the only code that writes it.

Chosen by name from :data:`REPORTERS`. Each receives results one at a time (so a caseload of any
size streams) and the summary at the end.
"""

from __future__ import annotations

from protocol_checks.reporters.base import Reporter, Summary
from protocol_checks.reporters.github import GithubReporter
from protocol_checks.reporters.json import JsonReporter
from protocol_checks.reporters.junit import JunitReporter
from protocol_checks.reporters.sarif import SarifReporter
from protocol_checks.reporters.text import TextReporter

REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "junit": JunitReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
}

__all__ = ["REPORTERS", "Reporter", "Summary"]
