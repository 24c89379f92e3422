"""Before treatment: the referral, the four roles, the information-sharing arrangement, the
patient's communication needs and the assessment (P2-P10)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from protocol_checks.case_fields import (
    Agency,
    ClinicalDate,
    FreeText,
    LegalBasis,
    MotivationStrand,
    OrderRequirement,
    Profession,
    ReferralSource,
    StaffId,
    Strict,
)


class CourtOrder(Strict):
    """The court order behind a referral (P2; context: Sentencing Act 2020, Schedules 9-10)."""

    made_on: ClinicalDate = Field(description="Date the court made the order.")
    length_months: int = Field(ge=1, le=120, description="How long the order runs, in months.")
    requirement: OrderRequirement = Field(
        description="The requirement the treatment serves: a mental health treatment "
        "requirement, or another."
    )


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
    order: CourtOrder | None = Field(
        default=None,
        description="For a referral under an order: when it was made, for how long, and its "
        "requirement (release 1.1.0).",
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


class CommunicationNeeds(Strict):
    """Whether the patient has communication needs the service must meet (context: NHS
    Accessible Information Standard), so the roles can be explained clearly (P7)."""

    asked_on: ClinicalDate = Field(description="Date the patient's communication needs were asked about.")
    needs_identified: bool = Field(description="Whether any communication need was identified.")
    how_met: FreeText | None = Field(default=None, description="How the needs are met.")
