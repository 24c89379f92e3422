"""Information sharing and the limits of confidentiality (P4, P7)."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, Stage
from protocol_checks.findings import Severity
from protocol_checks.rules.registry import Breach, rule


@rule(
    "INFO-001",
    needs=("information_sharing", "assessment"),
    title="The information-sharing arrangement is recorded",
    severity=Severity.error,
    stage=Stage.assessment,
    paragraphs=("P4",),
    message="No information-sharing arrangement is recorded: which agencies receive risk "
    "information, in what circumstances, and who decided.",
    variants={"late": "The information-sharing arrangement was set only after assessment had "
              "begun."},
    past_events=("late",),
    rationale="Before assessment the service must know the circumstances in which risk "
    "information will go to social services, probation, the police or others.",
)
def sharing_recorded(case: CaseFile) -> Iterator[Breach]:
    sharing = case.information_sharing
    if sharing is None:
        yield Breach(("information_sharing",))
    elif case.assessment is not None and sharing.agreed_on > case.assessment.started_on:
        yield Breach(("information_sharing", "agreed_on"), "late")


@rule(
    "INFO-002",
    needs=("information_sharing.explained_to_patient_on", "assessment"),
    title="The patient is told how risk information is shared",
    severity=Severity.error,
    stage=Stage.assessment,
    paragraphs=("P4", "P7"),
    message="There is no record that the information-sharing arrangement was explained to the "
    "patient.",
    variants={
        "late": "The information-sharing arrangement was explained only after assessment had "
        "begun.",
    },
    past_events=("late",),
    rationale="The limits of confidentiality belong with the roles the patient is to have "
    "explained; a patient who learns of them only later could not take them into account when "
    "deciding what to say. Explaining them before assessment is the protocol's reading of the "
    "source, which asks only that the roles be explained once established.",
)
def sharing_explained(case: CaseFile) -> Iterator[Breach]:
    sharing = case.information_sharing
    if sharing is None:
        return
    if sharing.explained_to_patient_on is None:
        yield Breach(("information_sharing", "explained_to_patient_on"))
    elif case.assessment is not None and sharing.explained_to_patient_on > case.assessment.started_on:
        yield Breach(("information_sharing", "explained_to_patient_on"), "late")


@rule(
    "INFO-003",
    needs=("information_sharing", "roles.risk_assessor"),
    title="The risk assessor sets the information-sharing arrangement",
    severity=Severity.warning,
    stage=Stage.assessment,
    paragraphs=("P4",),
    message="The information-sharing arrangement was set by someone other than the risk "
    "assessor.",
    rationale="The source gives the professional responsible for risk the decision on when "
    "risk information passes to other agencies.",
)
def sharing_set_by_assessor(case: CaseFile) -> Iterator[Breach]:
    sharing, assessor = case.information_sharing, case.roles.risk_assessor
    if sharing is not None and assessor is not None and sharing.set_by != assessor.staff_id:
        yield Breach(("information_sharing", "set_by"))
