"""Antilibidinal medication under strict informed consent (P1)."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, Modality, Profession, Stage
from protocol_checks.findings import Severity
from protocol_checks.rules.registry import Breach, rule

CONSENT_ELEMENTS = {
    "capacity_assessed": "The consent record does not show that capacity to make this "
    "decision was assessed.",
    "material_risks_discussed": "The consent record does not show that material risks were "
    "discussed.",
    "alternatives_discussed": "The consent record does not show that reasonable alternatives "
    "were discussed.",
    "right_to_withdraw_explained": "The consent record does not show that the right to "
    "withdraw consent was explained.",
}


@rule(
    "MED-001",
    title="A pharmacological plan records the medication",
    severity=Severity.error,
    stage=Stage.treatment,
    paragraphs=("P1", "P5"),
    message="The treatment plan is pharmacological but no antilibidinal medication is recorded.",
    rationale="Medication is prescribed only under strict consent rules; the record of drug, "
    "prescriber, first dose and consent is what those rules are checked against.",
)
def medication_recorded(case: CaseFile) -> Iterator[Breach]:
    plan = case.treatment_plan
    if plan is not None and plan.modality is Modality.pharmacological and case.medication is None:
        yield Breach(("medication",))


@rule(
    "MED-002",
    title="A psychiatrist prescribes antilibidinal medication",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P1",),
    message="Antilibidinal medication is prescribed by someone who is not a psychiatrist.",
    rationale="In the source it is a psychiatrist who may, rarely, be asked to prescribe "
    "antilibidinal medication; the protocol reads this as: only a psychiatrist prescribes it.",
)
def prescriber_is_psychiatrist(case: CaseFile) -> Iterator[Breach]:
    med = case.medication
    if med is not None and med.prescriber.profession is not Profession.psychiatrist:
        yield Breach(("medication", "prescriber", "profession"))


@rule(
    "MED-003",
    title="Informed consent is recorded before the first dose",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P1",),
    message="A first dose is recorded but no informed consent is recorded.",
    variants={"late": "Informed consent is dated after the first dose."},
    rationale="Antilibidinal medication is given only under strict informed-consent rules, so "
    "consent must exist, and predate the first dose.",
)
def consent_before_first_dose(case: CaseFile) -> Iterator[Breach]:
    med = case.medication
    if med is None or med.first_dose_on is None:
        return
    if med.consent is None:
        yield Breach(("medication", "consent"))
    elif med.consent.obtained_on > med.first_dose_on:
        yield Breach(("medication", "consent", "obtained_on"), "late")


@rule(
    "MED-004",
    title="The consent record is complete",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P1",),
    message="The consent record is incomplete.",
    variants=dict(CONSENT_ELEMENTS),
    rationale="Strict informed consent means, in today's UK law, capacity judged for this "
    "decision (Mental Capacity Act 2005) and material risks and reasonable alternatives "
    "discussed (Montgomery, 2015); this handbook adds, as its own setting, that the patient is "
    "told they may withdraw consent.",
)
def consent_complete(case: CaseFile) -> Iterator[Breach]:
    consent = case.medication.consent if case.medication else None
    if consent is None:
        return
    for name in CONSENT_ELEMENTS:
        if not getattr(consent, name):
            yield Breach(("medication", "consent", name), name)
