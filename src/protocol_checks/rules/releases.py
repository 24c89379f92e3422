"""Which protocol release a case declares (document control): known to this tool, and the
newest published one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from protocol_checks.case import CaseFile, Stage
from protocol_checks.findings import Severity
from protocol_checks.release import Release, all_releases, newest_published
from protocol_checks.rules.registry import Breach, JudgedBy, rule


@dataclass(frozen=True)
class _Answers:
    """What DATA-001 and DATA-009 depend on, worked out once for a list of releases rather
    than by scanning the list for every case."""

    releases: tuple[Release, ...]
    versions: frozenset[str]
    """The versions this tool knows (DATA-001)."""
    older: dict[str, bool] = field(default_factory=dict)
    """By the judging release's version, whether a newer release is published (DATA-009)."""


_answers: _Answers | None = None


def _for_releases() -> _Answers:
    """The answers for the list of releases in use: worked out again when it changes (the
    tests swap it)."""
    global _answers
    releases = all_releases()
    if _answers is None or _answers.releases is not releases:
        _answers = _Answers(releases, frozenset(r.version for r in releases))
    return _answers


@rule(
    "DATA-001",
    needs=(),
    title="The case declares a protocol release this tool knows",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=(),
    message="The case file declares a protocol release this tool does not know; it was judged "
    "by the newest release instead. Correct the field, or use a tool that supports the release.",
    rationale="A case is judged by the release it declares; an unknown release cannot be "
    "silently judged by another one.",
)
def protocol_version_known(case: CaseFile) -> Iterator[Breach]:
    if case.protocol_version not in _for_releases().versions:  # release(version) is None
        yield Breach(("protocol_version",))


@rule(
    "DATA-009",
    needs=(),
    title="The case is on the newest protocol release",
    severity=Severity.advice,
    stage=Stage.referral,
    paragraphs=(),
    message="A newer protocol release exists. Preview this case under it with "
    "'protocol-checks validate --protocol-version {newest_release}', and see "
    "'protocol-checks changes' for what changed.",
    rationale="Cases live for years and protocols are revised: a team moves each case to a new "
    "release deliberately, after previewing what the new release would report. Until then the "
    "case is judged, correctly, by the release it declares.",
)
def newest_release(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    # The release judging the case (the declared one, or the one a preview asks for), so a
    # preview under the newest release does not advise previewing it.
    older, judged_by = _for_releases().older, protocol.release
    found = older.get(judged_by.version)  # the key is the version's, so the answer is too
    if found is None:
        newest = newest_published()
        found = older[judged_by.version] = newest is not None and judged_by.key < newest.key
    if found:
        yield Breach(("protocol_version",))
