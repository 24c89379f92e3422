"""Risk disclosed during treatment: passed to the risk assessor, safeguarding considered.

The handbook's own procedure (not the source's words), built on the source's separation of
roles: the risk assessor, usually not the therapist, judges risk and decides when it goes to
other agencies (P4), and the case manager's reports protect the therapist's role (P6).
"""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, SafeguardingDecision, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules.registry import Breach, rule

_NOT_CONSIDERED = SafeguardingDecision.not_yet_considered


def _no_disclosure(case: CaseFile) -> Skip | None:
    if case.risk_disclosures:
        return None
    return Skip("no risk disclosure is recorded", absent="risk_disclosures")


@rule(
    "RISK-001",
    since="1.1.0",
    needs=(),
    applies=_no_disclosure,
    title="A risk disclosed in a session reaches the risk assessor",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P4", "P6"),
    message="A risk disclosed during treatment has no record that the risk assessor was told.",
    rationale="The risk assessor, not the therapist, judges risk to potential victims and "
    "decides when it is passed to other agencies. The handbook's procedure is that the person "
    "who hears a disclosure records it and tells the risk assessor, so that judgement can be "
    "made and the therapist's role is kept.",
)
def disclosure_passed_on(case: CaseFile) -> Iterator[Breach]:
    for i, disclosure in enumerate(case.risk_disclosures):
        if disclosure.risk_assessor_informed_on is None:
            yield Breach(("risk_disclosures", i, "risk_assessor_informed_on"))


@rule(
    "RISK-002",
    since="1.1.0",
    needs=(),
    applies=_no_disclosure,
    title="Safeguarding is considered for each disclosure",
    severity=Severity.warning,
    stage=Stage.referral,
    paragraphs=("P4",),
    message="A risk disclosed during treatment has no recorded safeguarding decision (a "
    "referral made, or considered and judged not needed).",
    variants={"undated": "A safeguarding decision on a disclosure is recorded without its date."},
    rationale="NHS bodies must have regard to the need to safeguard children (context: "
    "Children Act 2004, s11) and may be asked to contribute to enquiries about adults at risk "
    "(Care Act 2014, s42); the handbook's procedure records a safeguarding decision for each "
    "disclosure, beside the risk assessor's judgement.",
)
def safeguarding_considered(case: CaseFile) -> Iterator[Breach]:
    for i, disclosure in enumerate(case.risk_disclosures):
        if disclosure.safeguarding is _NOT_CONSIDERED:
            yield Breach(("risk_disclosures", i, "safeguarding"))
        elif disclosure.safeguarding_decided_on is None:
            yield Breach(("risk_disclosures", i, "safeguarding_decided_on"), "undated")
