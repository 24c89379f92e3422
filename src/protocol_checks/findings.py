"""What a check produces: findings (protocol breaches) and input problems (unreadable files).

A finding never carries a value from the case file: its message is one of the rule's own fixed
sentences, and its location is a JSON path and a line number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from protocol_checks.audit_facts import CaseAudit


class Severity(StrEnum):
    """How strongly the source speaks: must/should (error), usually/ideally (warning), advice."""

    error = "error"
    warning = "warning"
    advice = "advice"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.advice: 1, Severity.warning: 2, Severity.error: 3}


Path = tuple[str | int, ...]


def json_path(path: Path) -> str:
    """Render a path tuple as a JSONPath string such as ``$.sessions[3].on``."""
    out = ["$"]
    for part in path:
        out.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Finding:
    """One breach of one rule in one case file."""

    rule_id: str
    severity: Severity
    message: str
    path: Path
    line: int | None = None
    waived: bool = False
    deviation: bool = False
    """An error about a past event, settled by a recorded and reviewed deviation: shown and
    counted apart, not failing."""
    local: tuple[str, ...] = ()
    """The service profile's settings that produced or changed this finding (their names)."""

    @property
    def settled(self) -> bool:
        """Whether a waiver or a recorded deviation accepts this finding (it does not fail)."""
        return self.waived or self.deviation

    @property
    def json_path(self) -> str:
        return json_path(self.path)


@dataclass(frozen=True, slots=True)
class InputProblem:
    """Why a file could not be read as a case file; located as precisely as possible."""

    message: str
    line: int | None = None
    column: int | None = None
    path: str | None = None
    invalid: bool = False
    """Read as JSON, but not a case file of this format (a schema error, a duplicate key, a
    placeholder left to fill); otherwise the file could not be read as JSON at all."""

    @property
    def located_message(self) -> str:
        """The message with its JSON path, for formats that carry only line numbers."""
        return f"{self.message} (at {self.path})" if self.path else self.message


@dataclass(slots=True)
class FileResult:
    """Everything known about one input: its findings, or the problems that stopped the check."""

    name: str
    findings: list[Finding] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    stage: str | None = None
    digest: str | None = None  # set when freshly checked under a cache, so the parent stores it
    items: tuple[tuple[str, str], ...] = ()  # (item ID, status), when the run asked for them
    release: str | None = None  # the protocol release that judged the file
    case_id: str | None = None
    """The case's pseudonymous ID, kept in memory only, to find two files of one case in a
    run (:mod:`protocol_checks.run_checks`); no reporter writes it."""
    case_tag: bytes | None = None
    """A keyed digest of the case ID, for a result read back from the cache (which keeps no
    case value)."""
    audit: CaseAudit | None = None  # with item statuses: what the caseload audit needs

    @property
    def unreadable(self) -> bool:
        """Whether problems stopped the check (the file was not judged)."""
        return bool(self.problems)

    @property
    def invalid(self) -> bool:
        """Whether the file was read as JSON but is not a valid case file (counted apart
        from files that could not be read)."""
        return bool(self.problems) and all(p.invalid for p in self.problems)
