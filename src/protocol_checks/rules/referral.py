"""Referral and intake (P1, P2)."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules._members import COURT, NO_ORDER
from protocol_checks.rules.registry import Breach, rule


@rule(
    "REF-001",
    needs=("referral",),
    title="The referral is recorded",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P2",),
    message="No referral is recorded: record when it arrived, who referred and on what legal basis.",
    rationale="Patients reach the specialist centre from courts, probation officers, "
    "psychiatrists, social workers and sometimes GPs; who referred, and under what order, "
    "shapes every later step.",
)
def referral_recorded(case: CaseFile) -> Iterator[Breach]:
    if case.referral is None:
        yield Breach(("referral",))


def _not_from_court(case: CaseFile) -> Skip | None:
    ref = case.referral
    if ref is not None and ref.source is not COURT:
        return Skip("the referral is not from a court")
    return None


@rule(
    "REF-002",
    needs=("referral",),
    applies=_not_from_court,
    title="A court referral records its order",
    severity=Severity.warning,
    stage=Stage.referral,
    paragraphs=("P2",),
    message="The referral came from a court but no order is recorded; court referrals usually "
    "come with an order that includes a condition of treatment.",
    rationale="The source says court referrals usually arrive on an order with a treatment "
    "condition (today a mental health treatment requirement). A court referral with no order "
    "recorded is probably an incomplete record.",
)
def court_referral_has_order(case: CaseFile) -> Iterator[Breach]:
    ref = case.referral
    if ref is not None and ref.source is COURT and ref.legal_basis is NO_ORDER:
        yield Breach(("referral", "legal_basis"))
