"""Treatment and after: the plan, medication and consent, sessions and breaks, interim reports,
risk disclosed in treatment, the end of formal treatment and closure (P1, P5-P13)."""

from __future__ import annotations

from pydantic import Field

from protocol_checks.case_before import RoleHolder
from protocol_checks.case_fields import (
    Attendance,
    ClinicalDate,
    ClosureReason,
    ContactFrequency,
    EndReason,
    FreeText,
    LetterRecipient,
    Modality,
    PlanChange,
    SafeguardingDecision,
    SessionFrequency,
    StaffId,
    Stage,
    Strict,
    TreatmentFormat,
)


class TreatmentPlan(Strict):
    """The agreed treatment (P5, P11, P13)."""

    modality: Modality = Field(
        description="Cognitive-behavioural, psychodynamic or pharmacological (P5)."
    )
    format: TreatmentFormat = Field(description="Individual or group treatment (P11).")
    starts_on: ClinicalDate = Field(description="Date formal treatment starts (P13).")
    planned_end_on: ClinicalDate = Field(description="Date formal treatment is planned to end (P13).")
    session_frequency: SessionFrequency = Field(
        description="How often sessions are planned; psychodynamic work is often weekly (P13)."
    )


class EarlierPlan(Strict):
    """A plan that was in force before the current one (release 1.2.0). Kept, not overwritten,
    so each session and report is judged by the plan in force on its date (P5, P13)."""

    modality: Modality = Field(description="The modality this plan had (P5).")
    format: TreatmentFormat = Field(description="Individual or group (P11).")
    session_frequency: SessionFrequency = Field(description="How often sessions were planned.")
    starts_on: ClinicalDate = Field(description="The day this plan came into force (P13).")
    ended_on: ClinicalDate = Field(
        description="The day it stopped being in force: the next plan (a later earlier plan, "
        "or the current treatment_plan) starts that day."
    )
    changed: list[PlanChange] = Field(
        min_length=1, max_length=5,
        description="What the next plan changed: modality, format, session_frequency, dates "
        "or other.",
    )


class InformedConsent(Strict):
    """Informed consent to antilibidinal medication (P1; context: Montgomery 2015, MCA 2005)."""

    obtained_on: ClinicalDate = Field(description="Date consent was given (P1).")
    obtained_by: StaffId
    capacity_assessed: bool = Field(
        description="Capacity to make this decision was considered, and formally assessed "
        "where in doubt; capacity is presumed (P1; context: MCA 2005)."
    )
    material_risks_discussed: bool = Field(
        description="Material risks were discussed (P1; context: Montgomery 2015)."
    )
    alternatives_discussed: bool = Field(
        description="Reasonable alternatives were discussed (P1; context: Montgomery 2015)."
    )
    right_to_withdraw_explained: bool = Field(
        description="The patient was told they may withdraw consent at any time (P1; context: "
        "GMC, Decision making and consent, 2020: consent is an ongoing process)."
    )


class Medication(Strict):
    """Antilibidinal medication, prescribed only under strict informed consent (P1)."""

    drug: FreeText = Field(min_length=1, description="The medicine's generic name (P1).")
    prescriber: RoleHolder = Field(
        description="Who prescribes: a profession the release's settings allow to prescribe "
        "(by default a psychiatrist, the protocol's reading of P1)."
    )
    first_dose_on: ClinicalDate | None = Field(
        default=None, description="Date of the first dose, once given (P1)."
    )
    consent: InformedConsent | None = Field(default=None, description="Informed consent (P1).")


class FollowUp(Strict):
    """What the service did after a missed session (handbook procedure beside P10)."""

    contacted_on: ClinicalDate = Field(
        description="Date the service first tried to contact the patient about the missed "
        "session (release 1.1.0)."
    )
    offender_manager_informed_on: ClinicalDate | None = Field(
        default=None,
        description="For a case under an order: date the offender manager was told, as "
        "agreed locally with probation (context: Sentencing Act 2020, Schedule 10).",
    )


class Session(Strict):
    """One planned treatment session and whether it took place (P10)."""

    on: ClinicalDate = Field(description="Date of the session (P10).")
    attendance: Attendance = Field(
        description="Attended, missed by the patient, or cancelled by the service (P10)."
    )
    follow_up: FollowUp | None = Field(
        default=None, description="For a missed session: how it was followed up (P10)."
    )


class PlannedBreak(Strict):
    """A planned break in therapy, a danger time (P10)."""

    starts_on: ClinicalDate = Field(description="First day of the break (P10).")
    ends_on: ClinicalDate = Field(description="Last day of the break (P10).")
    discussed_with_patient_on: ClinicalDate | None = Field(
        default=None,
        description="Date the break was discussed with the patient in advance (P10).",
    )


class InterimReport(Strict):
    """An interim progress report for risk assessment (P6)."""

    sent_on: ClinicalDate = Field(description="Date the report was sent (P6).")
    author: StaffId = Field(description="Who wrote it; the case manager (P6).")
    recipient: StaffId = Field(description="Who received it; the risk assessor (P4, P6).")
    motivation_reviewed: bool = Field(
        default=False,
        description="Whether motivation was assessed again for this report (P8, P10; "
        "release 1.1.0).",
    )
    mindedness_reviewed: bool = Field(
        default=False,
        description="For psychodynamic work: whether psychological mindedness was assessed "
        "again for this report; much is revealed only during treatment (P10; release 1.1.0).",
    )


class RiskDisclosure(Strict):
    """A risk to others disclosed during treatment (handbook procedure beside P4, P6)."""

    disclosed_on: ClinicalDate = Field(description="Date of the session in which it came out.")
    recorded_by: StaffId = Field(description="Who heard and recorded it, usually the therapist.")
    risk_assessor_informed_on: ClinicalDate | None = Field(
        default=None, description="Date the risk assessor was told (P4, P6)."
    )
    safeguarding: SafeguardingDecision = Field(
        default=SafeguardingDecision.not_yet_considered,
        description="Whether a safeguarding referral was made, or considered and judged not "
        "needed (context: Children Act 2004 s11; Care Act 2014 s42).",
    )
    safeguarding_decided_on: ClinicalDate | None = Field(
        default=None, description="Date of the safeguarding decision."
    )


class RiskReview(Strict):
    """A review of risk when formal treatment ends or the case closes (P13; handbook rule)."""

    reviewed_on: ClinicalDate = Field(description="Date of the risk review.")
    reviewed_by: StaffId = Field(description="Who reviewed risk; usually the risk assessor.")


class Letter(Strict):
    """A letter sent when formal treatment ends (handbook procedure)."""

    to: LetterRecipient = Field(
        description="The referrer, probation, the general practitioner, or another recipient."
    )
    sent_on: ClinicalDate = Field(description="Date the letter was sent.")


class LongTermContact(Strict):
    """The less formal, long-term supportive link with the service (P13)."""

    arranged_on: ClinicalDate = Field(description="Date the long-term contact was arranged (P13).")
    contact_frequency: ContactFrequency | None = Field(
        default=None, description="How often contact is planned (P13)."
    )
    next_review_on: ClinicalDate | None = Field(
        default=None, description="When the arrangement will next be reviewed (P13)."
    )


class EndOfTreatment(Strict):
    """The end of regular, formal treatment (P13)."""

    ended_on: ClinicalDate = Field(description="Date formal treatment ended (P13).")
    reason: EndReason = Field(description="Why formal treatment ended (P13).")
    long_term_contact: LongTermContact | None = Field(
        default=None, description="The long-term supportive contact arranged (P13)."
    )
    risk_review: RiskReview | None = Field(
        default=None, description="The risk review at the end of formal treatment (P13)."
    )
    letters: list[Letter] = Field(
        default_factory=list, max_length=20,
        description="Letters sent at the end of formal treatment.",
    )


class Closure(Strict):
    """Closing the case file."""

    closed_on: ClinicalDate = Field(description="Date the case was closed.")
    reason: ClosureReason = Field(description="Why the case was closed.")
    last_stage: Stage = Field(
        description="The last stage the case reached before closing; rules judge the case "
        "as at that stage."
    )
    risk_review: RiskReview | None = Field(
        default=None,
        description="The risk review before closing, for a case closed without a recorded "
        "end of formal treatment (P13).",
    )
