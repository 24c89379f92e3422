"""Antilibidinal medication under strict informed consent (P1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from protocol_checks.case import CaseFile, InformedConsent, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules._members import ATTENDED, PHARMACOLOGICAL
from protocol_checks.rules._plans import ever_had, plan_on
from protocol_checks.rules.registry import Breach, JudgedBy, rule


def _pharmacological(case: CaseFile) -> bool:
    """Whether a plan, current or earlier, is pharmacological."""
    plan = case.treatment_plan  # the current plan first: it answers for almost every file
    if plan is not None and plan.modality is PHARMACOLOGICAL:
        return True
    return bool(case.earlier_plans) and ever_had(case, PHARMACOLOGICAL) is not None


def treatment_began(case: CaseFile) -> date | None:
    """The earliest day pharmacological treatment is known to have begun, by any sign in the
    record: a first dose, or for a pharmacological plan its start date reached or a session
    (a review) held. ``None`` when nothing shows that it has begun.

    Taking every sign, rather than the first-dose date alone, keeps the consent checks from
    switching off when one optional date is left out of the record.
    """
    signs: list[date] = []
    med = case.medication
    if med is not None and med.first_dose_on is not None:
        signs.append(med.first_dose_on)
    first = ever_had(case, PHARMACOLOGICAL)
    if first is not None:
        if first.starts_on <= case.as_of:
            signs.append(first.starts_on)
        signs += [s.on for s in case.sessions if s.attendance is ATTENDED
                  and _pharmacological_on(case, s.on)]
    return min(signs) if signs else None


def _pharmacological_on(case: CaseFile, day: date) -> bool:
    plan = plan_on(case, day)
    return plan is not None and plan.modality is PHARMACOLOGICAL


def _no_pharmacological_plan(case: CaseFile) -> Skip | None:
    if case.treatment_plan is None:  # MOD-001 reports the missing plan
        return Skip("no treatment plan is recorded", absent="treatment_plan")
    return None if _pharmacological(case) else Skip("the treatment plan is not pharmacological")


def _no_medication(case: CaseFile) -> Skip | None:
    return Skip("no medication is recorded", absent="medication") if case.medication is None else None


CONSENT_ELEMENTS = {
    # One message per consent element; the keys are the model's own field names (checked below).
    "capacity_assessed": "The consent record does not show that capacity to make this "
    "decision was considered (and formally assessed where in doubt).",
    "material_risks_discussed": "The consent record does not show that material risks were "
    "discussed.",
    "alternatives_discussed": "The consent record does not show that reasonable alternatives "
    "were discussed.",
    "right_to_withdraw_explained": "The consent record does not show that the right to "
    "withdraw consent was explained.",
}
assert set(CONSENT_ELEMENTS) == {
    name for name, f in InformedConsent.model_fields.items() if f.annotation is bool}


@rule(
    "MED-001",
    needs=("medication",),
    applies=_no_pharmacological_plan,
    title="A pharmacological plan records the medication",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P1", "P5"),
    message="The treatment plan is pharmacological but no antilibidinal medication is recorded.",
    rationale="Medication is prescribed only under strict consent rules; the record of the "
    "medicine and its prescriber is what those rules are checked against.",
)
def medication_recorded(case: CaseFile) -> Iterator[Breach]:
    if case.medication is None and _pharmacological(case):  # the cheaper test first
        yield Breach(("medication",))


@rule(
    "MED-002",
    uses=("prescriber_professions",),
    needs=("medication",),
    applies=_no_medication,
    title="Antilibidinal medication is prescribed by a permitted prescriber",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P1",),
    message="Antilibidinal medication is prescribed by someone whose profession this release "
    "does not permit to prescribe it (permitted: {prescriber_professions}; a service setting).",
    rationale="The source speaks of a psychiatrist being asked to prescribe; that only a "
    "psychiatrist prescribes is the protocol's reading of it, not the source's words. Nurse "
    "independent prescribers may prescribe within their competence (context: BNF), so who may "
    "prescribe is a service setting, by default a psychiatrist.",
)
def prescriber_permitted(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    med = case.medication
    if med is not None and med.prescriber.profession not in (
            protocol.release.settings.prescriber_professions):
        yield Breach(("medication", "prescriber", "profession"))


@rule(
    "MED-003",
    needs=("medication.consent",),
    title="Informed consent is recorded before treatment begins",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P1",),
    message="Pharmacological treatment has begun (a first dose, the plan's start date or a "
    "session held) but no informed consent is recorded.",
    variants={
        "late": "Informed consent is dated after the first dose.",
        "late_start": "Informed consent is dated after pharmacological treatment began (the "
        "plan's start date or the first session held).",
    },
    past_events=("late", "late_start"),
    rationale="Antilibidinal medication is given only under strict informed-consent rules, so "
    "consent must exist before treatment begins. Any sign that it has begun counts, so that "
    "leaving out the first-dose date cannot switch the check off.",
)
def consent_before_treatment(case: CaseFile) -> Iterator[Breach]:
    med = case.medication
    if med is None:
        return  # no medication record: MED-001 reports it, and AM-3 shows no record yet
    began = treatment_began(case)
    if began is None:
        return
    consent = med.consent
    if consent is None:
        yield Breach(("medication", "consent"))
    elif consent.obtained_on > began:
        first_dose = med.first_dose_on
        yield Breach(("medication", "consent", "obtained_on"),
                     "late" if first_dose is not None and consent.obtained_on > first_dose
                     else "late_start")


@rule(
    "MED-004",
    needs=("medication.consent",),
    title="The consent record is complete",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P1",),
    message="The consent record is incomplete.",
    variants=dict(CONSENT_ELEMENTS),
    rationale="The source asks for strict informed consent without saying what it contains. "
    "The protocol reads it through today's UK law and guidance (context): capacity presumed "
    "but considered for this decision and assessed where in doubt (Mental Capacity Act 2005), "
    "material risks and reasonable alternatives discussed (Montgomery, 2015), and consent "
    "treated as an ongoing process the patient may withdraw from (GMC, 2020).",
)
def consent_complete(case: CaseFile) -> Iterator[Breach]:
    consent = case.medication.consent if case.medication else None
    if consent is None:
        return
    for name in CONSENT_ELEMENTS:
        if not getattr(consent, name):
            yield Breach(("medication", "consent", name), name)
