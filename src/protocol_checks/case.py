"""The case-file model: what a case file may say, and what each field means in the protocol.

Every field's description names the source paragraph it serves (P1..P13); those descriptions
flow into the published JSON Schema and the handbook's case-file reference, so they are the
documentation. The model is strict: unknown fields, wrong types, NaN and impossible dates are
rejected, because ambiguous clinical records must not pass silently.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "https://protocol-checks.invalid/schema/case-file.schema.json"

PseudonymousId = Annotated[
    str,
    Field(
        pattern=r"^[A-Z][A-Z0-9]{1,9}-[0-9A-Z]{2,12}$",
        description="A pseudonymous identifier such as CASE-0042 or STAFF-017: capital letters, "
        "a hyphen, then digits or capitals. Never a name, NHS number or other direct identifier.",
    ),
]
StaffId = Annotated[
    str,
    Field(
        pattern=r"^[A-Z][A-Z0-9]{1,9}-[0-9A-Z]{2,12}$",
        description="Pseudonymous staff identifier (for example STAFF-017), never a name.",
    ),
]
ScopePath = Annotated[
    str,
    Field(pattern=r"^\$(\.[a-z_]+|\[[0-9]+\])*$",
          description="A JSON path in this file, such as $.sessions[14]."),
]
RuleId = Annotated[str, Field(pattern=r"^[A-Z]{3,5}-[0-9]{3}$")]
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)
ClinicalDate = Annotated[
    date,
    Field(ge=EARLIEST, le=LATEST,
          description="An ISO 8601 date (YYYY-MM-DD) between 1900-01-01 and 2200-12-31."),
]
FreeText = Annotated[
    str,
    Field(
        max_length=2000,
        description="Free text. Never echoed by the validator; keep it free of identifiers.",
    ),
]


class Strict(BaseModel):
    """Base for every case-file object: strict types, no unknown fields, no NaN."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        frozen=True,
        use_enum_values=False,
    )


class Stage(StrEnum):
    """Where the patient is on the path through the service; ordered."""

    referral = "referral"
    assessment = "assessment"
    treatment = "treatment"
    long_term_contact = "long_term_contact"
    closed = "closed"

    @property
    def rank(self) -> int:
        return _STAGE_RANK[self]


_STAGE_RANK = {stage: i for i, stage in enumerate(Stage)}


class ReferralSource(StrEnum):
    court = "court"
    probation_officer = "probation_officer"
    psychiatrist = "psychiatrist"
    social_worker = "social_worker"
    general_practitioner = "general_practitioner"
    other = "other"


class LegalBasis(StrEnum):
    none = "none"
    order_with_treatment_condition = "order_with_treatment_condition"
    other_order = "other_order"


class Profession(StrEnum):
    psychiatrist = "psychiatrist"
    psychologist = "psychologist"
    psychotherapist = "psychotherapist"
    nurse = "nurse"
    social_worker = "social_worker"
    probation_officer = "probation_officer"
    other = "other"


class Agency(StrEnum):
    social_services = "social_services"
    probation = "probation"
    police = "police"
    other = "other"


class MotivationStrand(StrEnum):
    external_sanction = "external_sanction"
    avoid_prison = "avoid_prison"
    placate_partner = "placate_partner"
    insurance_policy = "insurance_policy"
    genuine_wish_to_change = "genuine_wish_to_change"


class Modality(StrEnum):
    cbt = "cbt"
    psychodynamic = "psychodynamic"
    pharmacological = "pharmacological"


class TreatmentFormat(StrEnum):
    individual = "individual"
    group = "group"


class SessionFrequency(StrEnum):
    more_than_weekly = "more_than_weekly"
    weekly = "weekly"
    fortnightly = "fortnightly"
    monthly = "monthly"
    irregular = "irregular"


class Attendance(StrEnum):
    attended = "attended"
    missed = "missed"
    cancelled_by_service = "cancelled_by_service"


class EndReason(StrEnum):
    completed = "completed"
    patient_withdrew = "patient_withdrew"
    discharged_by_service = "discharged_by_service"
    transferred = "transferred"
    other = "other"


class SafeguardingDecision(StrEnum):
    referral_made = "referral_made"
    considered_not_needed = "considered_not_needed"
    not_yet_considered = "not_yet_considered"


class LetterRecipient(StrEnum):
    referrer = "referrer"
    probation = "probation"
    general_practitioner = "general_practitioner"
    other = "other"


class ClosureReason(StrEnum):
    not_accepted = "not_accepted"
    patient_withdrew = "patient_withdrew"
    transferred = "transferred"
    contact_ended = "contact_ended"
    other = "other"


class Referral(Strict):
    """How the patient came to the service (P2)."""

    received_on: ClinicalDate = Field(description="Date the referral was received (P2).")
    source: ReferralSource = Field(
        description="Who referred: a court, a probation officer, a psychiatrist, a social worker, "
        "a general practitioner, or another source (P2)."
    )
    legal_basis: LegalBasis = Field(
        description="The legal frame of the referral: none (voluntary), an order with a condition "
        "of treatment (in the source a probation order; today a community order with a mental "
        "health treatment requirement), or another order (P2; context: Sentencing Act 2020)."
    )


class PreviousHolder(Strict):
    """Someone who held a role earlier in the case, before a handover."""

    staff_id: StaffId
    profession: Profession = Field(description="Their profession (P3-P6).")
    assigned_on: ClinicalDate = Field(description="Date they took the role (P2).")
    ended_on: ClinicalDate = Field(description="Their last day in the role.")


class RoleHolder(Strict):
    """A staff member holding one of the four roles (P3-P6)."""

    staff_id: StaffId
    profession: Profession = Field(description="The staff member's profession (P3-P6).")
    can_admit: bool = Field(
        default=False,
        description="Whether this person could arrange the patient's admission if it were "
        "needed during outpatient treatment (P3).",
    )
    care_coordinator: bool = Field(
        default=False,
        description="Whether this person is the patient's care coordinator (the source's "
        "keyworker under the care programme approach) (P3; context: CPA, 1991-2021).",
    )
    risk_trained: bool = Field(
        default=False,
        description="Whether this person is specifically trained in risk assessment and risk "
        "management (P4).",
    )
    assigned_on: ClinicalDate = Field(description="Date the role was assigned (P2).")
    patient_told_on: ClinicalDate | None = Field(
        default=None,
        description="After a handover (see previous): date the patient was told that this "
        "person now holds the role (P7, P10; release 1.1.0).",
    )
    previous: list[PreviousHolder] = Field(
        default_factory=list,
        max_length=50,
        description="Earlier holders of this role, oldest first, when it was handed over during "
        "a long treatment; the checks then judge each report and each deadline by whoever held "
        "the role at the time.",
    )

    @property
    def first_assigned_on(self) -> date:
        """When the role was first filled, by this holder or an earlier one."""
        if not self.previous:
            return self.assigned_on
        return min([self.assigned_on, *(p.assigned_on for p in self.previous)])

    def holder_on(self, day: date) -> str | None:
        """The staff ID holding this role on ``day`` (None if nobody did)."""
        if day >= self.assigned_on:
            return self.staff_id
        for p in self.previous:
            if p.assigned_on <= day <= p.ended_on:
                return p.staff_id
        return None

    def everyone(self) -> set[str]:
        return {self.staff_id, *(p.staff_id for p in self.previous)}


class Roles(Strict):
    """The four professional roles to identify before assessment and treatment begin (P2-P6)."""

    responsible_clinician: RoleHolder | None = Field(
        default=None,
        description="The clinician responsible for the patient's overall psychiatric care, who "
        "could for example admit the patient (P3).",
    )
    risk_assessor: RoleHolder | None = Field(
        default=None,
        description="Who judges the risk the patient poses to possible victims, and decides "
        "when that judgement is passed on to other agencies (P4).",
    )
    therapist: RoleHolder | None = Field(
        default=None,
        description="The person who provides the treatment, of whatever modality (P5).",
    )
    case_manager: RoleHolder | None = Field(
        default=None,
        description="The case manager in the specialist centre who liaises with the other "
        "professionals and agencies and writes interim progress reports (P6).",
    )


class RolesExplained(Strict):
    """Record that the roles were explained to the patient (P7)."""

    explained_on: ClinicalDate = Field(description="Date the roles were explained to the patient (P7).")
    explained_by: StaffId


class InformationSharing(Strict):
    """The arrangement for passing risk information to other agencies (P4)."""

    agencies: list[Agency] = Field(
        min_length=1,
        description="Agencies that may receive risk information: social services, probation, "
        "police or other (P4).",
    )
    circumstances: FreeText = Field(
        min_length=1,
        description="The circumstances in which risk information will be passed on (P4).",
    )
    set_by: StaffId = Field(description="Who set the arrangement; usually the risk assessor (P4).")
    agreed_on: ClinicalDate = Field(description="Date the arrangement was set (P4).")
    explained_to_patient_on: ClinicalDate | None = Field(
        default=None,
        description="Date the arrangement was explained to the patient (P4, P7).",
    )


class Motivation(Strict):
    """The assessment of the patient's motivation, the strongest predictor of outcome (P8)."""

    assessed_on: ClinicalDate = Field(description="Date motivation was assessed (P8).")
    assessed_by: StaffId
    strands: list[MotivationStrand] = Field(
        min_length=1,
        description="The strands of motivation present: fear of legal sanction, wish to avoid "
        "prison, wish to placate a partner, an 'insurance policy' against a further offence, "
        "a genuine wish to change (P8).",
    )
    formulation: FreeText | None = Field(
        default=None,
        description="A short formulation of how the strands combine for this patient; "
        "motivation is always a mixture, so ticks alone say little (P8, P12; release 1.1.0).",
    )


class TherapeuticContract(Strict):
    """The patient's agreement to a therapeutic contract (P8)."""

    agreed_on: ClinicalDate = Field(description="Date the patient agreed the therapeutic contract (P8).")


class PsychologicalMindedness(Strict):
    """The four capacities that make up psychological mindedness (P10)."""

    assessed_on: ClinicalDate = Field(description="Date psychological mindedness was assessed (P10).")
    assessed_by: StaffId
    recognises_own_feelings: bool = Field(
        description="Can recognise their own affective states (P10)."
    )
    acknowledges_internal_conflict: bool = Field(
        description="Is willing to acknowledge internal conflict (P10)."
    )
    flexible_thinking: bool = Field(description="Shows flexibility in thinking (P10).")
    links_present_to_childhood: bool = Field(
        description="Links current events with childhood experience unprompted (P10)."
    )
    previous_treatment_reviewed: bool = Field(
        default=False,
        description="Whether the history, including earlier attempts at treatment, was "
        "reviewed as evidence of these capacities (P10).",
    )


class Assessment(Strict):
    """Assessment of motivation and suitability (P8, P10)."""

    started_on: ClinicalDate = Field(description="Date assessment began (P2, P7).")
    motivation: Motivation | None = Field(default=None, description="Motivation (P8).")
    therapeutic_contract: TherapeuticContract | None = Field(
        default=None, description="The therapeutic contract (P8)."
    )
    seeks_treatment_voluntarily: bool | None = Field(
        default=None,
        description="Whether the patient seeks treatment of their own accord; the protocol "
        "requires it for psychodynamic treatment (P10).",
    )
    psychological_mindedness: PsychologicalMindedness | None = Field(
        default=None, description="Psychological mindedness (P10)."
    )
    externalises_responsibility: bool | None = Field(
        default=None,
        description="Whether the patient tends to put responsibility and control in other "
        "people or agencies, a poor sign for psychodynamic treatment (P10).",
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
    contact_frequency: SessionFrequency | None = Field(
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


class CommunicationNeeds(Strict):
    """Whether the patient has communication needs the service must meet (context: NHS
    Accessible Information Standard), so the roles can be explained clearly (P7)."""

    asked_on: ClinicalDate = Field(description="Date the patient's communication needs were asked about.")
    needs_identified: bool = Field(description="Whether any communication need was identified.")
    how_met: FreeText | None = Field(default=None, description="How the needs are met.")


class Attestation(Strict):
    """A person's confirmation of a checklist item that no program can verify (e.g. P12)."""

    item: str = Field(
        pattern=r"^[A-Z]{2}-[0-9]{1,2}$",
        description="The checklist item confirmed, for example DT-6.",
    )
    confirmed_by: StaffId
    confirmed_on: ClinicalDate = Field(description="Date of the confirmation.")


class Waiver(Strict):
    """A reasoned decision to accept a warning (or advice) for this case. Errors cannot be
    waived."""

    rule: RuleId = Field(description="The rule ID waived, e.g. MOD-006.")
    path: ScopePath | None = Field(
        default=None,
        description="Limit the waiver to findings at this JSON path or below it (for example "
        "$.sessions[14]); without it the waiver covers every finding of the rule in this case.",
    )
    reason: FreeText = Field(min_length=10, description="Why the warning is accepted.")
    waived_by: StaffId
    waived_on: ClinicalDate = Field(description="Date of the waiver.")
    reviewed_by: StaffId | None = Field(
        default=None,
        description="From release 1.1.0: a second staff member, holding the reviewer role in "
        "this case, who reviewed the waiver; without a valid review it takes no effect.",
    )
    reviewed_on: ClinicalDate | None = Field(default=None, description="Date of the review.")


class Deviation(Strict):
    """A past event that broke an error rule and cannot be undone, recorded with its remedy
    (release 1.1.0). The finding stays visible, counted apart, and no longer fails the case."""

    rule: RuleId = Field(description="The rule the event broke, e.g. ASMT-003.")
    path: ScopePath | None = Field(
        default=None,
        description="Limit the deviation to findings at this JSON path or below it.",
    )
    what_happened: FreeText = Field(min_length=10, description="What happened, and why.")
    remedied_on: ClinicalDate = Field(description="Date the consequences were remedied.")
    remedy: FreeText = Field(min_length=10, description="What was done about it.")
    recorded_by: StaffId
    reviewed_by: StaffId = Field(
        description="A second staff member, holding the reviewer role in this case."
    )
    reviewed_on: ClinicalDate = Field(description="Date of the review.")


class CaseFile(Strict):
    """One patient's case file, pseudonymous, as checked against the protocol."""

    model_config = ConfigDict(
        title="Case file",
        json_schema_extra={"$id": SCHEMA_ID},
    )

    protocol_version: str = Field(
        description="The protocol release the case follows, such as 1.0.0; the case is judged by "
        "that release's rules and checklists (protocol-checks --version lists them)."
    )
    case_id: PseudonymousId
    stage: Stage = Field(
        description="The case's current stage: referral, assessment, treatment, "
        "long_term_contact (after formal treatment), or closed."
    )
    as_of: ClinicalDate = Field(
        description="Date the case file was last brought up to date; rules about time "
        "(reports due, dates in the future) are judged at this date."
    )
    referral: Referral | None = Field(default=None, description="The referral (P2).")
    roles: Roles = Field(default_factory=Roles, description="The four roles (P3-P6).")
    roles_explained: RolesExplained | None = Field(
        default=None, description="When and by whom the roles were explained (P7)."
    )
    information_sharing: InformationSharing | None = Field(
        default=None, description="The information-sharing arrangement (P4)."
    )
    communication_needs: CommunicationNeeds | None = Field(
        default=None, description="The patient's communication needs (P7; release 1.1.0)."
    )
    assessment: Assessment | None = Field(default=None, description="Assessment (P8, P10).")
    treatment_plan: TreatmentPlan | None = Field(
        default=None, description="The treatment plan (P5, P11, P13)."
    )
    medication: Medication | None = Field(
        default=None, description="Antilibidinal medication, if any (P1)."
    )
    sessions: list[Session] = Field(
        default_factory=list, max_length=2000, description="Sessions held and missed (P10)."
    )
    planned_breaks: list[PlannedBreak] = Field(
        default_factory=list, max_length=200, description="Planned breaks in therapy (P10)."
    )
    interim_reports: list[InterimReport] = Field(
        default_factory=list, max_length=500, description="Interim progress reports (P6)."
    )
    risk_disclosures: list[RiskDisclosure] = Field(
        default_factory=list, max_length=200,
        description="Risks to others disclosed during treatment (P4, P6; release 1.1.0).",
    )
    end_of_treatment: EndOfTreatment | None = Field(
        default=None, description="End of formal treatment (P13)."
    )
    closure: Closure | None = Field(default=None, description="Case closure, once closed.")
    attestations: list[Attestation] = Field(
        default_factory=list, max_length=200, description="Confirmations of checklist items."
    )
    waivers: list[Waiver] = Field(
        default_factory=list, max_length=200, description="Waived warnings (never errors)."
    )
    deviations: list[Deviation] = Field(
        default_factory=list, max_length=200,
        description="Recorded deviations: past events that broke an error rule (release 1.1.0).",
    )
    notes: FreeText | None = Field(default=None, description="Free-text notes; never echoed.")

    @property
    def effective_stage(self) -> Stage:
        """The stage the rules judge: for a closed case, the last stage it reached."""
        if self.stage is Stage.closed and self.closure is not None:
            return self.closure.last_stage
        return self.stage
