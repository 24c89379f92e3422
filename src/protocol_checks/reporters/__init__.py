"""Reporters turn results into output; they are the only code that writes it.

Chosen by name from :data:`REPORTERS` and imported only when chosen, so start-up stays fast.
Each receives results one at a time (so a caseload of any size streams) and the summary at the
end.
"""

from __future__ import annotations

from importlib import import_module

from protocol_checks.reporters.base import Reporter, Summary

REPORTERS: dict[str, str] = {
    "text": "text:TextReporter",
    "json": "json:JsonReporter",
    "junit": "junit:JunitReporter",
    "sarif": "sarif:SarifReporter",
    "github": "github:GithubReporter",
}


def reporter_class(name: str) -> type[Reporter]:
    """The reporter class for a format name (one of :data:`REPORTERS`)."""
    module, cls = REPORTERS[name].split(":")
    return getattr(import_module(f"protocol_checks.reporters.{module}"), cls)


__all__ = ["REPORTERS", "Reporter", "Summary", "reporter_class"]
