"""The four professional roles and explaining them to the patient (P2-P7)."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, Roles, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules._members import PSYCHIATRIST
from protocol_checks.rules.registry import Breach, rule

ROLE_NAMES = tuple(Roles.model_fields)
"""The four roles, in the order the case-file model declares them."""

ALL_ROLES = tuple(f"roles.{name}" for name in ROLE_NAMES)


def _identified(role: str, paragraph: str, rule_id: str, title: str, why: str) -> None:
    @rule(
        rule_id,
        needs=(f"roles.{role}",),
        title=title,
        severity=Severity.error,
        stage=Stage.assessment,
        paragraphs=("P2", paragraph),
        message=f"No {role.replace('_', ' ')} is identified; every role must be named before "
        "assessment begins.",
        rationale=why,
    )
    def check(case: CaseFile) -> Iterator[Breach]:
        if getattr(case.roles, role) is None:
            yield Breach(("roles", role))

    check.__name__ = f"{role}_identified"


_identified(
    "responsible_clinician", "P3", "ROLE-001", "The responsible clinician is identified",
    "Someone must hold overall psychiatric responsibility: the source's example is the "
    "clinician who could arrange admission if outpatient treatment needed it.",
)
_identified(
    "risk_assessor", "P4", "ROLE-002", "The risk assessor is identified",
    "Someone must own the assessment of risk to potential victims and decide when that "
    "information goes to other agencies.",
)
_identified(
    "therapist", "P5", "ROLE-003", "The therapist is identified",
    "The person who will deliver treatment, whatever its modality, must be known from the start.",
)
_identified(
    "case_manager", "P6", "ROLE-004", "The case manager is identified",
    "A case manager in the centre links the professionals and agencies; the role may include "
    "interim progress reports, which spares the therapist that task.",
)


@rule(
    "ROLE-005",
    needs=("roles.responsible_clinician",),
    title="The responsible clinician can arrange admission",
    severity=Severity.warning,
    stage=Stage.assessment,
    paragraphs=("P3",),
    message="The responsible clinician is not recorded as able to arrange admission should "
    "outpatient treatment need it.",
    rationale="The source's example of what the responsible clinician is for is arranging the "
    "patient's admission if that becomes necessary during outpatient treatment.",
)
def clinician_can_admit(case: CaseFile) -> Iterator[Breach]:
    rc = case.roles.responsible_clinician
    if rc is not None and not rc.can_admit:
        yield Breach(("roles", "responsible_clinician", "can_admit"))


@rule(
    "ROLE-006",
    withdrawn_in="1.1.0",
    replaced_by=("ROLE-012", "ROLE-013"),
    needs=("roles.responsible_clinician",),
    title="The responsible clinician is a psychiatrist and care coordinator",
    severity=Severity.warning,
    stage=Stage.assessment,
    paragraphs=("P3",),
    message="The responsible clinician is not a psychiatrist; in the source this role is held "
    "by a psychiatrist.",
    variants={
        "not_coordinator": "The responsible clinician is not also the care coordinator, as "
        "they usually are in UK services.",
    },
    rationale="In UK services the source describes the responsible clinician as a psychiatrist "
    "who usually also acts as the keyworker under the care programme approach (today's care "
    "coordinator). 'Usually' makes this a warning.",
)
def clinician_is_psychiatrist_coordinator(case: CaseFile) -> Iterator[Breach]:
    rc = case.roles.responsible_clinician
    if rc is None:
        return
    if rc.profession is not PSYCHIATRIST:
        yield Breach(("roles", "responsible_clinician", "profession"))
    if not rc.care_coordinator:
        yield Breach(("roles", "responsible_clinician", "care_coordinator"), "not_coordinator")


@rule(
    "ROLE-007",
    needs=("roles.risk_assessor", "roles.therapist"),
    title="Risk assessment is kept apart from therapy",
    severity=Severity.warning,
    stage=Stage.assessment,
    paragraphs=("P4", "P6"),
    message="The risk assessor is also the therapist; usually these are different people.",
    rationale="The source says the risk assessor is usually not the person giving treatment; "
    "'usually' makes this a warning.",
)
def assessor_not_therapist(case: CaseFile) -> Iterator[Breach]:
    ra, th = case.roles.risk_assessor, case.roles.therapist
    if ra is not None and th is not None and ra.staff_id == th.staff_id:
        yield Breach(("roles", "risk_assessor", "staff_id"))


@rule(
    "ROLE-008",
    needs=("roles.risk_assessor",),
    title="The risk assessor is a psychiatrist trained in risk",
    severity=Severity.warning,
    stage=Stage.assessment,
    paragraphs=("P4",),
    message="The risk assessor is not a psychiatrist; ideally they are.",
    variants={
        "not_trained": "The risk assessor is not recorded as specifically trained in risk "
        "assessment and risk management; ideally they are.",
    },
    rationale="Ideally, says the source, the risk assessor is a psychiatrist with specific "
    "training in assessing and managing risk. 'Ideally' makes this a warning.",
)
def assessor_is_trained_psychiatrist(case: CaseFile) -> Iterator[Breach]:
    ra = case.roles.risk_assessor
    if ra is None:
        return
    if ra.profession is not PSYCHIATRIST:
        yield Breach(("roles", "risk_assessor", "profession"))
    if not ra.risk_trained:
        yield Breach(("roles", "risk_assessor", "risk_trained"), "not_trained")


@rule(
    "ROLE-009",
    # All four roles too: "the four roles were explained" cannot be met while one is unassigned.
    needs=("roles_explained", "assessment", *ALL_ROLES),
    title="The roles are explained to the patient before assessment",
    severity=Severity.error,
    stage=Stage.assessment,
    paragraphs=("P7",),
    message="There is no record that the four roles were explained to the patient.",
    variants={
        "late": "The roles were explained to the patient only after assessment had begun.",
        "early": "The roles were explained before all of them had been assigned.",
    },
    past_events=("late", "early"),
    rationale="Once the roles are settled they are to be explained to the patient as clearly "
    "as possible, so the patient knows who treats, who assesses risk and who co-ordinates. "
    "That this happens before assessment begins is the protocol's reading of 'once "
    "established', not the source's words.",
)
def roles_explained(case: CaseFile) -> Iterator[Breach]:
    explained = case.roles_explained
    if explained is None:
        yield Breach(("roles_explained",))
        return
    if case.assessment is not None and explained.explained_on > case.assessment.started_on:
        yield Breach(("roles_explained", "explained_on"), "late")
    assigned = [h.first_assigned_on for name in ROLE_NAMES if (h := getattr(case.roles, name))]
    if assigned and explained.explained_on < max(assigned):
        yield Breach(("roles_explained", "explained_on"), "early")


@rule(
    "ROLE-010",
    needs=("assessment", *ALL_ROLES),
    title="The roles are settled before assessment begins",
    severity=Severity.error,
    stage=Stage.assessment,
    paragraphs=("P2",),
    message="A role was assigned only after assessment had begun; all four are to be settled "
    "before it starts.",
    past_events=(None,),
    rationale="The source asks for the roles to be identified before assessment and treatment "
    "are embarked upon.",
)
def roles_before_assessment(case: CaseFile) -> Iterator[Breach]:
    if case.assessment is None:
        return
    for name in ROLE_NAMES:
        holder = getattr(case.roles, name)
        if holder is not None and holder.first_assigned_on > case.assessment.started_on:
            yield Breach(("roles", name, "assigned_on"))


@rule(
    "ROLE-011",
    needs=ALL_ROLES,
    title="The four roles are not all held by one person",
    severity=Severity.warning,
    stage=Stage.assessment,
    paragraphs=("P3", "P4", "P5", "P6"),
    message="One person holds all four roles; the protocol separates them so that treatment, "
    "risk assessment and liaison check one another.",
    rationale="The source describes four distinct functions and usually keeps risk assessment "
    "apart from treatment; the protocol reads one person in all four as losing that "
    "separation, so this is a warning.",
)
def roles_not_one_person(case: CaseFile) -> Iterator[Breach]:
    holders = [getattr(case.roles, name) for name in ROLE_NAMES]
    if all(holders) and len({h.staff_id for h in holders if h}) == 1:
        yield Breach(("roles",))


@rule(
    "ROLE-012",
    since="1.1.0",
    needs=("roles.responsible_clinician",),
    title="The responsible clinician is a psychiatrist",
    severity=Severity.warning,
    stage=Stage.assessment,
    paragraphs=("P3",),
    message="The responsible clinician is not a psychiatrist; the source speaks of this role "
    "as held by one.",
    rationale="The source speaks of the clinician in overall charge of psychiatric care, the "
    "one who could arrange admission, as a psychiatrist; it assumes this rather than making "
    "it a condition, so the protocol makes another profession a warning.",
)
def clinician_is_psychiatrist(case: CaseFile) -> Iterator[Breach]:
    rc = case.roles.responsible_clinician
    if rc is not None and rc.profession is not PSYCHIATRIST:
        yield Breach(("roles", "responsible_clinician", "profession"))


@rule(
    "ROLE-013",
    since="1.1.0",
    needs=("roles.responsible_clinician",),
    title="The responsible clinician is also the care coordinator",
    severity=Severity.advice,
    stage=Stage.assessment,
    paragraphs=("P3",),
    message="The responsible clinician is not also the patient's care coordinator; the source "
    "says they usually were, under an approach that has since been replaced.",
    rationale="The source's keyworker under the care programme approach became the care "
    "coordinator; NHS England's position statement of July 2021 says the Community Mental "
    "Health Framework replaces the CPA for community services (context). What the source "
    "reports of UK practice around 2000 is therefore advice, not a warning.",
)
def clinician_is_coordinator(case: CaseFile) -> Iterator[Breach]:
    rc = case.roles.responsible_clinician
    if rc is not None and not rc.care_coordinator:
        yield Breach(("roles", "responsible_clinician", "care_coordinator"))


def _no_handover(case: CaseFile) -> Skip | None:
    if any((h := getattr(case.roles, name)) is not None and h.previous for name in ROLE_NAMES):
        return None
    return Skip("no role has been handed over")


@rule(
    "ROLE-014",
    since="1.1.0",
    needs=(),
    applies=_no_handover,
    title="The patient is told of a role handover",
    severity=Severity.warning,
    stage=Stage.assessment,
    paragraphs=("P7", "P10"),
    message="A role was handed over to a new holder but there is no record that the patient "
    "was told.",
    variants={"early": "The patient is recorded as told of a handover before the new holder "
              "took the role."},
    rationale="The roles are to be explained to the patient once settled, and reliability "
    "matters particularly for these patients; the protocol reads a change of holder as a "
    "change the patient must be told of, on the service's side of regularity.",
)
def handover_told(case: CaseFile) -> Iterator[Breach]:
    for name in ROLE_NAMES:
        holder = getattr(case.roles, name)
        if holder is None or not holder.previous:
            continue
        if holder.patient_told_on is None:
            yield Breach(("roles", name, "patient_told_on"))
        elif holder.patient_told_on < holder.assigned_on:
            yield Breach(("roles", name, "patient_told_on"), "early")


@rule(
    "ROLE-015",
    since="1.1.0",
    needs=("communication_needs", "roles_explained"),
    title="Communication needs are known before the roles are explained",
    severity=Severity.warning,
    stage=Stage.assessment,
    paragraphs=("P7",),
    message="There is no record that the patient was asked about communication needs.",
    variants={"late": "The patient was asked about communication needs only after the roles "
              "had been explained."},
    rationale="The roles are to be explained as clearly as possible; for a patient with a "
    "disability, impairment or sensory loss that means knowing their communication needs "
    "first (context: NHS Accessible Information Standard; Equality Act 2010, s149). The timing "
    "is the protocol's reading.",
)
def communication_needs_known(case: CaseFile) -> Iterator[Breach]:
    needs = case.communication_needs
    if needs is None:
        yield Breach(("communication_needs",))
    elif case.roles_explained is not None and needs.asked_on > case.roles_explained.explained_on:
        yield Breach(("communication_needs", "asked_on"), "late")
