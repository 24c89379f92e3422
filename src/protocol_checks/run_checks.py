"""Checks across the files of one run, which no single case file can show: two files that
keep the same case (the same ``case_id``).

A case keeps one file for years; a copy started for a new stage, or the same ID typed for two
patients, splits its record, and every check of each half may pass. These checks belong to the
tool, not to a protocol release, so they apply whatever release a case declares (like the
checks of the input itself). Case IDs are compared as keyed digests: the run keeps no list of
IDs, and the cache, which holds no case value, stores only the digest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets

from protocol_checks.findings import FileResult, Finding, Severity
from protocol_checks.locate import PathLines
from protocol_checks.names import display_name
from protocol_checks.reading import MAX_BYTES


@dataclasses.dataclass(frozen=True)
class RunCheck:
    """A check of a run, described as a rule is (its ID is stable and never reused)."""

    id: str
    title: str
    severity: Severity
    message: str
    rationale: str

    @property
    def anchor(self) -> str:
        return f"rule-{self.id.lower()}"


SAME_CASE_ID = RunCheck(
    id="RUN-001",
    title="Each case keeps one file in a run",
    severity=Severity.error,
    message="Another file checked in this run has the same case ID ({first}); a case keeps "
    "one file, so merge the two or correct the ID.",
    rationale="Two files with one case ID split a case's record, so each half can pass its "
    "checks while the whole does not; or they are two cases given one ID. Found across the "
    "files of one run, whatever release each declares.",
)
RUN_CHECKS = (SAME_CASE_ID,)


def case_tag(case_id: str, key: bytes) -> bytes:
    """A keyed digest of a case ID (8 bytes: a false match among 100,000 files is about one
    in 10^9)."""
    return hashlib.blake2b(case_id.encode(), digest_size=8, key=key).digest()


def case_id_line(name: str) -> int | None:
    """The line of ``case_id`` in the file ``name``, read again (only for a duplicate, which
    is rare); None for standard input or a file no longer readable."""
    try:
        with open(name, "rb") as handle:
            text = handle.read(MAX_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return PathLines(text).line_of(("case_id",))


class CaseIds:
    """The case IDs seen so far in a run, as digests; a later file with one already seen gets
    a :data:`SAME_CASE_ID` finding naming the first file with it."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key or secrets.token_bytes(32)
        self._first: dict[bytes, str] = {}

    def earlier(self, tag: bytes, name: str) -> str | None:
        """The first file seen with this case ID's digest, when it is not ``name`` itself."""
        first = self._first.setdefault(tag, name)
        return None if first == name else first  # the first with this ID, or one path twice

    def check(self, result: FileResult) -> FileResult:
        tag = result.case_tag or (case_tag(result.case_id, self.key)
                                  if result.case_id is not None else None)
        if tag is None:
            return result
        first = self.earlier(tag, result.name)
        if first is None:
            return result
        finding = Finding(SAME_CASE_ID.id, SAME_CASE_ID.severity,
                          SAME_CASE_ID.message.format(first=display_name(first)), ("case_id",),
                          case_id_line(result.name))
        return dataclasses.replace(result, findings=[finding, *result.findings])
