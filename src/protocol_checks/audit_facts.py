"""The facts about one case that travel back to the caseload audit with its result.

Kept apart, with no imports of the core, so a file's result (:mod:`protocol_checks.findings`)
can carry them without depending on the case model. :mod:`protocol_checks.audit_case` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Due:
    """One thing that falls due for a case: what, for which item, and by when."""

    what: str  # a fixed phrase: "interim report", "long-term contact review", "attestation"
    item: str | None
    on: date


@dataclass(frozen=True, slots=True)
class CaseAudit:
    """A case's facts for the audit; none is a value from the case but its ID and dates."""

    case_id: str | None
    """The pseudonymous case ID, or None when it looks identifying (PRIV-002): withheld."""
    as_of: date
    reasons: tuple[tuple[str, str, str], ...]
    """(item ID, status, reason) for each excluded item; reasons are fixed sentences."""
    due: tuple[Due, ...]
