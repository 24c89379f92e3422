"""Which protocol release a case declares (document control): known to this tool, and the
newest published one."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, Stage
from protocol_checks.findings import Severity
from protocol_checks.release import newest_published, release
from protocol_checks.rules.registry import Breach, JudgedBy, rule


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
    if release(case.protocol_version) is None:
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
    newest = newest_published()
    if newest is not None and protocol.release.key < newest.key:
        yield Breach(("protocol_version",))
