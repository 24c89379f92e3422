"""Conduct of treatment: regularity, breaks and interim reports (P6, P10)."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from protocol_checks.case import Attendance, CaseFile, SessionFrequency, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules.registry import Breach, JudgedBy, rule

# The danger window before breaks (P10) and the longest interval between interim reports (P6)
# are settings of each release (releases/releases.yaml), read from the protocol in force.

_INTERVAL_DAYS = {
    SessionFrequency.more_than_weekly: 4,
    SessionFrequency.weekly: 7,
    SessionFrequency.fortnightly: 14,
    SessionFrequency.monthly: 31,
}


# Enum members bound once: looking them up on the class is a descriptor call in the hot loop.
_MISSED, _ATTENDED, _CANCELLED = (
    Attendance.missed, Attendance.attended, Attendance.cancelled_by_service)


def _break_days(case: CaseFile, start: date, end: date) -> int:
    """Days strictly between two sessions that fall inside planned breaks."""
    days = 0
    for b in case.planned_breaks:
        first = max(b.starts_on, start + timedelta(days=1))
        last = min(b.ends_on, end - timedelta(days=1))
        if first <= last:
            days += (last - first).days + 1
    return days


def _treatment_end(case: CaseFile) -> date:
    """The last day of treatment so far: the file's date, or the end or closure if earlier."""
    end = case.as_of
    if case.end_of_treatment is not None:
        end = min(end, case.end_of_treatment.ended_on)
    if case.closure is not None:
        end = min(end, case.closure.closed_on)
    return end


_NO_BREAK = Skip("no planned break is recorded", absent="planned_breaks")


def _not_started(case: CaseFile) -> Skip | None:
    plan = case.treatment_plan
    if plan is not None and plan.starts_on > case.as_of and not case.sessions:
        return Skip("treatment has not started yet", later=True)
    return None


def _no_breaks(case: CaseFile) -> Skip | None:
    return None if case.planned_breaks else _NO_BREAK


def _no_break_begun(case: CaseFile) -> Skip | None:
    if not case.planned_breaks:
        return _NO_BREAK
    if all(b.starts_on > case.as_of for b in case.planned_breaks):
        return Skip("no planned break has begun yet", later=True)
    return None


def _no_report_due(case: CaseFile, protocol: JudgedBy) -> Skip | None:
    """No report is due while treatment is younger than one interval and none is recorded."""
    plan = case.treatment_plan
    interval = protocol.release.settings.report_interval_days
    if plan is not None and not case.interim_reports and (
            _treatment_end(case) - plan.starts_on).days <= interval:
        return Skip("no interim report is due yet", later=True)
    return None


@rule(
    "CON-001",
    needs=("treatment_plan", "sessions"),
    applies=_not_started,
    title="Attendance is regular",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="Two or more sessions in a row were missed.",
    variants={"gap": "There is a gap between sessions of more than three times the planned "
              "interval, not counting planned breaks."},
    rationale="Regularity and reliability matter in any therapy and particularly for these "
    "patients, whose early lives were so often marked by inconsistency and deceit.",
)
def attendance_regular(case: CaseFile) -> Iterator[Breach]:
    sessions = case.sessions
    days = [s.on for s in sessions]
    kinds = [s.attendance for s in sessions]
    # Order by date, then by kind, so that the file's order of same-day entries cannot matter
    # (files are usually in strict date order already, which saves the sort).
    if all(map(operator.lt, days, days[1:])):
        order: Sequence[int] = range(len(sessions))
    else:
        order = sorted(range(len(sessions)), key=lambda i: (days[i], kinds[i].value))
    run = 0
    for i in order:
        attendance = kinds[i]
        if attendance is _CANCELLED:
            continue  # the service's cancellation neither breaks nor extends a run
        run = run + 1 if attendance is _MISSED else 0
        if run == 2:
            yield Breach(("sessions", i))
    plan = case.treatment_plan
    interval = _INTERVAL_DAYS.get(plan.session_frequency) if plan else None
    if interval is None:
        return
    limit = 3 * interval
    held = [i for i in order if kinds[i] is _ATTENDED]
    held_days = [days[i] for i in held]
    for n, gap in enumerate(map(operator.sub, held_days[1:], held_days)):
        if gap.days > limit and gap.days - _break_days(
                case, held_days[n], held_days[n + 1]) > limit:
            yield Breach(("sessions", held[n + 1]), "gap")


@rule(
    "CON-002",
    needs=("sessions",),
    applies=_no_breaks,
    title="No missed sessions just before a break",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="A session was missed in the {danger_window_days} days before a planned break, the "
    "danger time when a patient may withdraw first.",
    rationale="Breaks are danger times: the patient may strike first and stay away from the "
    "sessions before a break, taking the control that was missing from their life.",
)
def no_missed_before_break(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    if not case.planned_breaks:
        return
    window = timedelta(days=protocol.release.settings.danger_window_days)
    for i, session in enumerate(case.sessions):
        if session.attendance is not _MISSED:
            continue
        for brk in case.planned_breaks:
            if brk.starts_on - window <= session.on < brk.starts_on:
                yield Breach(("sessions", i))
                break


@rule(
    "CON-003",
    needs=(),
    applies=_no_break_begun,
    title="Each planned break is prepared with the patient",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="A planned break was not discussed with the patient before it began.",
    rationale="Because breaks are danger times, each is talked through with the patient ahead "
    "of time so the sessions before it are not lost.",
)
def breaks_prepared(case: CaseFile) -> Iterator[Breach]:
    for i, brk in enumerate(case.planned_breaks):
        if brk.starts_on > case.as_of:
            continue  # still ahead: not yet due
        talked = brk.discussed_with_patient_on
        if talked is None or talked >= brk.starts_on:
            yield Breach(("planned_breaks", i, "discussed_with_patient_on"))


@rule(
    "CON-004",
    needs=("treatment_plan", "interim_reports"),
    applies=_no_report_due,
    title="Interim reports are regular during treatment",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P6",),
    message="During treatment more than {report_interval_days} days passed without an interim "
    "progress report.",
    rationale="The case manager's interim reports on progress feed the risk assessment. The "
    "source gives no interval; this handbook sets one quarter (91 days in release 1.0.0), a "
    "setting of each release.",
)
def reports_regular(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    plan = case.treatment_plan
    if plan is None:
        return
    end = _treatment_end(case)
    if end <= plan.starts_on:
        return
    dates = sorted(r.sent_on for r in case.interim_reports if plan.starts_on <= r.sent_on <= end)
    marks = [plan.starts_on, *dates, end]
    interval = protocol.release.settings.report_interval_days
    if any((b - a).days > interval for a, b in itertools.pairwise(marks)):
        yield Breach(("interim_reports",))


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
