"""The case-file model: what a case file may say, and what each field means in the protocol.

The parts live in :mod:`case_fields` (identifiers, dates, vocabularies), :mod:`case_before`
(referral to assessment) and :mod:`case_treatment` (treatment to closure); this module holds
the governance records (attestations, waivers, deviations) and the case file itself, and
re-exports every part, so ``from protocol_checks.case import ...`` names them all.

Every field's description names the source paragraph it serves (P1..P13); those descriptions
flow into the published JSON Schema and the handbook's case-file reference, so they are the
documentation. The model is strict: unknown fields, wrong types, NaN and impossible dates are
rejected, because ambiguous clinical records must not pass silently.
"""


from pydantic import ConfigDict, Field

from protocol_checks.case_before import (
    Assessment,
    CommunicationNeeds,
    CourtOrder,
    InformationSharing,
    Motivation,
    PreviousHolder,
    PsychologicalMindedness,
    Referral,
    RoleHolder,
    Roles,
    RolesExplained,
    TherapeuticContract,
)
from protocol_checks.case_fields import (
    EARLIEST,
    ITEM_ID_PATTERN,
    LATEST,
    SCHEMA_FILE,
    SCHEMA_ID,
    SCHEMA_PATH,
    Agency,
    Attendance,
    ClinicalDate,
    ClosureReason,
    ContactFrequency,
    EndReason,
    FreeText,
    LegalBasis,
    LetterRecipient,
    Modality,
    MotivationStrand,
    OrderRequirement,
    PlanChange,
    Profession,
    PseudonymousId,
    ReferralSource,
    RuleId,
    SafeguardingDecision,
    SchemaReference,
    ScopePath,
    SessionFrequency,
    StaffId,
    Stage,
    Strict,
    TreatmentFormat,
)
from protocol_checks.case_treatment import (
    Closure,
    EarlierPlan,
    EndOfTreatment,
    FollowUp,
    InformedConsent,
    InterimReport,
    Letter,
    LongTermContact,
    Medication,
    PlannedBreak,
    RiskDisclosure,
    RiskReview,
    Session,
    TreatmentPlan,
)

__all__ = [
    "EARLIEST",
    "LATEST",
    "SCHEMA_FILE",
    "SCHEMA_ID",
    "SCHEMA_PATH",
    "Agency",
    "Assessment",
    "Attendance",
    "Attestation",
    "CaseFile",
    "ClinicalDate",
    "Closure",
    "ClosureReason",
    "CommunicationNeeds",
    "ContactFrequency",
    "CourtOrder",
    "Deviation",
    "EarlierPlan",
    "EndOfTreatment",
    "EndReason",
    "FollowUp",
    "FreeText",
    "InformationSharing",
    "InformedConsent",
    "InterimReport",
    "LegalBasis",
    "Letter",
    "LetterRecipient",
    "LongTermContact",
    "Medication",
    "Modality",
    "Motivation",
    "MotivationStrand",
    "OrderRequirement",
    "PlanChange",
    "PlannedBreak",
    "PreviousHolder",
    "Profession",
    "PseudonymousId",
    "PsychologicalMindedness",
    "Referral",
    "ReferralSource",
    "RiskDisclosure",
    "RiskReview",
    "RoleHolder",
    "Roles",
    "RolesExplained",
    "RuleId",
    "SafeguardingDecision",
    "SchemaReference",
    "ScopePath",
    "Session",
    "SessionFrequency",
    "StaffId",
    "Stage",
    "Strict",
    "TherapeuticContract",
    "TreatmentFormat",
    "TreatmentPlan",
    "Waiver",
]


class Attestation(Strict):
    """A person's confirmation of a checklist item that no program can verify (e.g. P12)."""

    item: str = Field(
        pattern=ITEM_ID_PATTERN,
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
        serialize_by_alias=True,  # a dumped case reads back: "$schema", not the attribute name
    )

    json_schema: SchemaReference | None = Field(
        default=None,
        alias="$schema",
        title="Schema",
        description="Where an editor finds the JSON Schema that checks this file as it is "
        "typed: a URL or a path relative to the case file whose last part is "
        "case-file.schema.json (for example ../case-file.schema.json, or the handbook's "
        "schema/case-file.schema.json). Optional, top level only (release 1.2.0); the validator "
        "checks that it names this schema and never fetches it.",
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
        default=None, description="The treatment plan in force now (P5, P11, P13); when it "
        "replaced another, that one is kept in earlier_plans."
    )
    earlier_plans: list[EarlierPlan] = Field(
        default_factory=list, max_length=20,
        description="Plans in force before the current treatment_plan, oldest first, each "
        "ending the day the next starts: a change of modality, format or frequency during "
        "treatment (P5, P13; release 1.2.0).",
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
