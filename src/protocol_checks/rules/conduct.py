"""Conduct of treatment: interim reports to risk assessment, and what each one reviews (P6, P8,
P10). Attendance and breaks are in :mod:`protocol_checks.rules.attendance`."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator
from datetime import date

from protocol_checks.case import CaseFile, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules._members import PSYCHODYNAMIC
from protocol_checks.rules._plans import plan_on, treatment_start
from protocol_checks.rules.registry import Breach, JudgedBy, rule

# The longest interval between interim reports (P6) is a setting of each release
# (releases/releases.yaml), read from the protocol in force.



def _treatment_end(case: CaseFile) -> date:
    """The last day of treatment so far: the file's date, or the end or closure if earlier."""
    end = case.as_of
    if case.end_of_treatment is not None:
        end = min(end, case.end_of_treatment.ended_on)
    if case.closure is not None:
        end = min(end, case.closure.closed_on)
    return end


def _no_report_due(case: CaseFile, protocol: JudgedBy) -> Skip | None:
    """No report is due while treatment is younger than one interval and none is recorded."""
    start = treatment_start(case)
    interval = protocol.release.settings.report_interval_days
    if start is not None and not case.interim_reports and (
            _treatment_end(case) - start).days <= interval:
        return Skip("no interim report is due yet", later=True)
    return None


@rule(
    "CON-004",
    uses=("report_interval_days",),
    needs=("treatment_plan", "interim_reports"),
    applies=_no_report_due,
    title="Interim reports are regular during treatment",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P6",),
    message="During treatment more than {report_interval_days} days passed without an interim "
    "progress report.",
    variants={
        "none": "More than {report_interval_days} days of treatment have passed since its start "
        "(the plan's 'starts_on') and no interim progress report is recorded.",
        "first": "More than {report_interval_days} days passed between the start of treatment "
        "(the plan's 'starts_on') and the first interim progress report ('sent_on').",
        "between": "More than {report_interval_days} days passed between two interim progress "
        "reports ('sent_on').",
        "since_last": "More than {report_interval_days} days have passed since the last interim "
        "progress report ('sent_on'), counting to the case file's 'as_of' date, or to the end "
        "of treatment or the closure if earlier.",
    },
    rationale="The case manager's interim reports on progress feed the risk assessment. The "
    "source gives no interval; the longest gap is a service setting of each release.",
)
def reports_regular(case: CaseFile, protocol: JudgedBy) -> list[Breach]:
    start = treatment_start(case)  # the first plan's: reports run on through a change of plan
    if start is None:
        return []
    end = _treatment_end(case)
    if end <= start:
        return []
    dates = sorted([r.sent_on for r in case.interim_reports if start <= r.sent_on <= end])
    marks = [start, *dates, end]
    interval = protocol.release.settings.report_interval_days
    if max(map(operator.sub, marks[1:], marks)).days <= interval:
        return []  # no interval too long: most cases stop here
    late = [(b - a).days > interval for a, b in itertools.pairwise(marks)]
    first = late.index(True)  # the first interval too long names the message
    if not dates:
        return [Breach(("interim_reports",), "none")]
    if first == 0:
        return [Breach(("interim_reports",), "first")]
    if first == len(dates):
        return [Breach(("interim_reports",), "since_last")]
    return [Breach(("interim_reports",), "between")]


@rule(
    "CON-005",
    needs=("roles.case_manager", "interim_reports"),
    applies=_no_report_due,
    title="The case manager writes the interim reports",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P6",),
    message="An interim report was written by someone other than the case manager.",
    variants={"therapist": "An interim report was written by the therapist; the case manager "
              "writes them, which protects the therapist's role."},
    rationale="Reports come from the case manager so that the therapist is not also the "
    "patient's reporter.",
)
def reports_by_case_manager(case: CaseFile) -> Iterator[Breach]:
    manager, therapist = case.roles.case_manager, case.roles.therapist
    if manager is None:
        return
    for i, report in enumerate(case.interim_reports):
        if report.author == manager.holder_on(report.sent_on):
            continue
        is_therapist = therapist is not None and report.author == therapist.holder_on(
            report.sent_on)
        yield Breach(("interim_reports", i, "author"), "therapist" if is_therapist else None)


@rule(
    "CON-006",
    needs=("roles.risk_assessor", "interim_reports"),
    applies=_no_report_due,
    title="Interim reports go to the risk assessor",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P4", "P6"),
    message="An interim report was sent to someone other than the risk assessor.",
    rationale="Interim reports are co-ordinated for risk assessment; the protocol reads this "
    "as: they go to the risk assessor, whose task that is.",
)
def reports_to_assessor(case: CaseFile) -> Iterator[Breach]:
    assessor = case.roles.risk_assessor
    if assessor is None:
        return
    for i, report in enumerate(case.interim_reports):
        if report.recipient != assessor.holder_on(report.sent_on):
            yield Breach(("interim_reports", i, "recipient"))


@rule(
    "CON-009",
    since="1.1.0",
    # The plan too: whether mindedness must be reassessed depends on its modality.
    needs=("treatment_plan", "interim_reports"),
    applies=_no_report_due,
    title="Each interim report reassesses motivation and suitability",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P8", "P10"),
    message="An interim report does not record that motivation was assessed again.",
    variants={"mindedness": "An interim report on psychodynamic treatment does not record "
              "that psychological mindedness was assessed again."},
    rationale="Much about a patient is revealed only in the course of treatment, and "
    "motivation is a shifting mixture; the protocol reads this as: each interim report "
    "assesses both again, rather than relying on the assessment made before treatment.",
)
def reports_reassess(case: CaseFile) -> list[Breach]:
    found = []
    for i, report in enumerate(case.interim_reports):
        if not report.motivation_reviewed:
            found.append(Breach(("interim_reports", i, "motivation_reviewed")))
        if report.mindedness_reviewed:
            continue  # reviewed: whatever the plan, nothing more to find
        plan = plan_on(case, report.sent_on)  # psychodynamic when the report was written
        if plan is not None and plan.modality is PSYCHODYNAMIC:
            found.append(Breach(("interim_reports", i, "mindedness_reviewed"), "mindedness"))
    return found
