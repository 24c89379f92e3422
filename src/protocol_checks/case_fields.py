"""The building blocks of the case-file model: identifiers, dates, free text, the strict base
and the closed vocabularies (stages, sources, professions, agencies ...)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_FILE = "case-file.schema.json"
"""The schema's file name, wherever a copy lives: the handbook's, the team's intranet copy, or
one written by ``protocol-checks schema -o``. ``$schema`` in a case file is checked against it."""
SCHEMA_PATH = f"schema/{SCHEMA_FILE}"
"""Where the handbook publishes the schema, relative to the site's root (so it works offline,
from a copy of the site, and wherever the team serves the handbook)."""
SCHEMA_ID = "urn:protocol-checks:case-file-schema"
"""The schema's ``$id``: a name, not a location. The schema has no single home (each team serves
its own handbook), so a URL here would point editors at a host that does not hold it."""
SCHEMA_REF_PATTERN = r"^([^\s?#]*/)?case-file\.schema\.json$"
"""A ``$schema`` that names this format's schema: any URL or relative path whose last segment
is :data:`SCHEMA_FILE`, so an intranet copy and a local copy both qualify."""

PSEUDONYMOUS_PATTERN = r"^[A-Z][A-Z0-9]{1,9}-[0-9A-Z]{2,12}$"
RULE_ID_PATTERN = r"^[A-Z]{3,5}-[0-9]{3}$"
ITEM_ID_PATTERN = r"^[A-Z]{2}-[0-9]{1,2}$"
SCOPE_PATTERN = r"^\$(\.[a-z_]+|\[[0-9]+\])*$"
PseudonymousId = Annotated[
    str,
    Field(
        pattern=PSEUDONYMOUS_PATTERN,
        description="A pseudonymous identifier such as CASE-0042 or STAFF-017: capital letters, "
        "a hyphen, then digits or capitals. Never a name, NHS number or other direct identifier.",
    ),
]
StaffId = Annotated[
    str,
    Field(
        pattern=PSEUDONYMOUS_PATTERN,
        description="Pseudonymous staff identifier (for example STAFF-017), never a name.",
    ),
]
ScopePath = Annotated[
    str,
    Field(pattern=SCOPE_PATTERN,
          description="A JSON path in this file, such as $.sessions[14]."),
]
RuleId = Annotated[str, Field(pattern=RULE_ID_PATTERN)]
SchemaReference = Annotated[
    str,
    Field(
        max_length=500,
        pattern=SCHEMA_REF_PATTERN,
        description="A URL, or a path relative to the case file, ending in "
        "case-file.schema.json.",
    ),
]
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


class PlanChange(StrEnum):
    """What changed when a plan was replaced (release 1.2.0)."""

    modality = "modality"
    format = "format"
    session_frequency = "session_frequency"
    dates = "dates"
    other = "other"


class ContactFrequency(StrEnum):
    """How often long-term contact is planned: it runs for years, so its rhythm is often
    slower than treatment's (release 1.1.0 added quarterly, six-monthly and yearly)."""

    more_than_weekly = "more_than_weekly"
    weekly = "weekly"
    fortnightly = "fortnightly"
    monthly = "monthly"
    quarterly = "quarterly"
    six_monthly = "six_monthly"
    yearly = "yearly"
    irregular = "irregular"


class OrderRequirement(StrEnum):
    """The treatment requirement of a court order (context: Sentencing Act 2020, Sch 9)."""

    mental_health_treatment = "mental_health_treatment"
    other = "other"


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
