"""Regularity: attendance, missed sessions and their follow-up, breaks (P10).

Regularity and reliability matter particularly for these patients (P10), and they bind the
service as well as the patient: sessions the service cancels are counted too. The numbers (how
many in a row, how long a gap, how long the danger window before a break) are settings of each
release, read from the protocol in force.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from protocol_checks.case import Attendance, CaseFile, LegalBasis, SessionFrequency, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules._dates import session_day
from protocol_checks.rules._plans import plan_on, treatment_start
from protocol_checks.rules.registry import Breach, JudgedBy, rule

_INTERVAL_DAYS = {
    SessionFrequency.more_than_weekly: 4,
    SessionFrequency.weekly: 7,
    SessionFrequency.fortnightly: 14,
    SessionFrequency.monthly: 31,
}

# Enum members bound once: looking them up on the class is a descriptor call in the hot loop.
_MISSED, _ATTENDED, _CANCELLED = (
    Attendance.missed, Attendance.attended, Attendance.cancelled_by_service)
_attendance = operator.attrgetter("attendance")
"""A session's attendance, for ``map`` over a case's sessions (C-level, no call per session)."""


def _in_order(case: CaseFile) -> tuple[list[date], list[Attendance], Sequence[int]]:
    """Session dates, kinds, and their indexes by date then kind, so that the file's order of
    same-day entries cannot matter (files are usually in date order already: no sort)."""
    days = list(map(session_day, case.sessions))
    kinds = list(map(_attendance, case.sessions))
    if all(map(operator.lt, days, days[1:])):
        return days, kinds, range(len(days))
    return days, kinds, sorted(range(len(days)), key=lambda i: (days[i], kinds[i].value))


def _runs(order: Sequence[int], kinds: list[Attendance], counted: Attendance,
          ignored: Attendance, length: int) -> Iterator[Breach]:
    """A breach at the session that makes a run of ``length`` ``counted`` sessions in a row;
    ``ignored`` sessions neither break nor extend a run."""
    if kinds.count(counted) < length:  # too few in all for a run: most cases stop here
        return
    run = 0
    for i in order:
        attendance = kinds[i]
        if attendance is ignored:
            continue
        run = run + 1 if attendance is counted else 0
        if run == length:
            yield Breach(("sessions", i))


def _break_days(case: CaseFile, start: date, end: date) -> int:
    """Days strictly between two sessions that fall inside planned breaks."""
    days = 0
    for b in case.planned_breaks:
        first = max(b.starts_on, start + timedelta(days=1))
        last = min(b.ends_on, end - timedelta(days=1))
        if first <= last:
            days += (last - first).days + 1
    return days


def _in_danger_window(case: CaseFile, day: date, protocol: JudgedBy) -> bool:
    window = timedelta(days=protocol.release.settings.danger_window_days)
    return any(b.starts_on - window <= day < b.starts_on for b in case.planned_breaks)


_NO_BREAK = Skip("no planned break is recorded", absent="planned_breaks")


def _not_started(case: CaseFile) -> Skip | None:
    start = treatment_start(case)
    if start is not None and start > case.as_of and not case.sessions:
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


@rule(
    "CON-001",
    uses=("missed_in_a_row", "gap_factor"),
    needs=("treatment_plan", "sessions"),
    applies=_not_started,
    title="Attendance is regular",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="{missed_in_a_row} or more sessions in a row were missed (the number is a "
    "service setting).",
    variants={"gap": "There is a gap between sessions of more than {gap_factor} times the "
              "planned interval, not counting planned breaks (a service setting)."},
    rationale="Regularity and reliability matter in any therapy and particularly for these "
    "patients, whose early lives were so often marked by inconsistency and deceit.",
)
def attendance_regular(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    settings = protocol.release.settings
    days, kinds, order = _in_order(case)
    yield from _runs(order, kinds, _MISSED, _CANCELLED, settings.missed_in_a_row)
    if case.treatment_plan is None:
        return
    held = [i for i in order if kinds[i] is _ATTENDED]
    held_days = [days[i] for i in held]
    gaps = list(map(operator.sub, held_days[1:], held_days))
    if not case.earlier_plans:  # one plan throughout: one limit, so test the longest gap first
        interval = _INTERVAL_DAYS.get(case.treatment_plan.session_frequency)
        if interval is None or not gaps or max(gaps).days <= settings.gap_factor * interval:
            return
    for n, gap in enumerate(gaps):
        plan = plan_on(case, held_days[n + 1])  # the rhythm of the plan in force then
        interval = _INTERVAL_DAYS.get(plan.session_frequency) if plan else None
        if interval is None:
            continue
        limit = settings.gap_factor * interval
        if gap.days > limit and gap.days - _break_days(
                case, held_days[n], held_days[n + 1]) > limit:
            yield Breach(("sessions", held[n + 1]), "gap")


@rule(
    "CON-002",
    uses=("danger_window_days",),
    withdrawn_in="1.1.0",
    replaced_by=("CON-007", "CON-008"),
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
    for i, session in enumerate(case.sessions):
        if session.attendance is _MISSED and _in_danger_window(case, session.on, protocol):
            yield Breach(("sessions", i))


@rule(
    "CON-003",
    needs=(),
    applies=_no_break_begun,
    title="Each planned break is prepared with the patient",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="A planned break was not discussed with the patient before it began.",
    variants={"late": "A planned break was discussed with the patient only once it had begun "
              "(its 'discussed_with_patient_on' is not before its 'starts_on')."},
    rationale="Because breaks are danger times, each is talked through with the patient ahead "
    "of time so the sessions before it are not lost.",
)
def breaks_prepared(case: CaseFile) -> Iterator[Breach]:
    for i, brk in enumerate(case.planned_breaks):
        if brk.starts_on > case.as_of:
            continue  # still ahead: not yet due
        talked = brk.discussed_with_patient_on
        if talked is None:
            yield Breach(("planned_breaks", i, "discussed_with_patient_on"))
        elif talked >= brk.starts_on:
            yield Breach(("planned_breaks", i, "discussed_with_patient_on"), "late")


def _any_missed(case: CaseFile) -> bool:
    """Whether any session was missed: a cheap test before the rules that look at each."""
    return _MISSED in map(_attendance, case.sessions)


def _unfollowed(case: CaseFile, protocol: JudgedBy, in_window: bool) -> Iterator[Breach]:
    """Missed sessions with no follow-up (or one dated before the session), inside or
    outside the danger window before a planned break."""
    if not _any_missed(case):
        return
    for i, session in enumerate(case.sessions):
        if session.attendance is not _MISSED or (
                _in_danger_window(case, session.on, protocol) is not in_window):
            continue
        follow_up = session.follow_up
        if follow_up is None:
            yield Breach(("sessions", i, "follow_up"))
        elif follow_up.contacted_on < session.on:
            yield Breach(("sessions", i, "follow_up", "contacted_on"), "early")


def _after_break(case: CaseFile, missed: date, contacted: date, protocol: JudgedBy) -> bool:
    """Whether the follow-up came only once the break it preceded had begun."""
    window = timedelta(days=protocol.release.settings.danger_window_days)
    return any(b.starts_on - window <= missed < b.starts_on <= contacted
               for b in case.planned_breaks)


_EARLY = {"early": "A missed session's follow-up is dated before the session itself."}


@rule(
    "CON-007",
    uses=("danger_window_days",),
    since="1.1.0",
    needs=("treatment_plan", "sessions"),
    applies=_not_started,
    title="Missed sessions are followed up",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="A missed session has no recorded follow-up (an attempt to contact the patient).",
    variants=_EARLY,
    rationale="Regularity matters particularly for these patients; the handbook's procedure "
    "for non-attendance starts with a recorded attempt to contact the patient after each "
    "missed session, so that disengagement is noticed early.",
)
def missed_followed_up(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    yield from _unfollowed(case, protocol, in_window=False)


@rule(
    "CON-008",
    uses=("danger_window_days",),
    since="1.1.0",
    needs=("sessions",),
    applies=_no_breaks,
    title="A session missed just before a break is followed up",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="A session was missed in the {danger_window_days} days before a planned break (the "
    "danger window, a service setting) and has no recorded follow-up.",
    variants={**_EARLY, "after_break": "A session missed just before a planned break was "
              "followed up only after the break had begun."},
    rationale="Breaks are danger times: the patient may strike first and stay away from the "
    "sessions before a break. A session missed then is followed up at once, before the break "
    "begins.",
)
def danger_window_followed_up(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    yield from _unfollowed(case, protocol, in_window=True)
    if not _any_missed(case):
        return
    for i, session in enumerate(case.sessions):  # followed up, but only once the break began
        follow_up = session.follow_up
        if (session.attendance is _MISSED and follow_up is not None
                and _after_break(case, session.on, follow_up.contacted_on, protocol)):
            yield Breach(("sessions", i, "follow_up", "contacted_on"), "after_break")


@rule(
    "CON-010",
    uses=("missed_in_a_row",),
    since="1.1.0",
    needs=("treatment_plan", "sessions"),
    applies=_not_started,
    title="The service keeps sessions regular too",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="The service cancelled {missed_in_a_row} or more sessions in a row (the number is "
    "a service setting).",
    rationale="Regularity and reliability are of particular significance for patients whose "
    "childhood was marked by inconsistency; the service's own cancellations break them as much "
    "as the patient's absences.",
)
def service_regular(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    _days, kinds, order = _in_order(case)
    yield from _runs(order, kinds, _CANCELLED, _MISSED,
                     protocol.release.settings.missed_in_a_row)


def _not_on_order(case: CaseFile) -> Skip | None:
    referral = case.referral
    if referral is None:
        return Skip("no referral is recorded", absent="referral")
    if referral.legal_basis is _NO_ORDER:
        return Skip("the case is not under a court order")
    return None


_NO_ORDER = LegalBasis.none


@rule(
    "CON-011",
    since="1.1.0",
    uses=("missed_in_a_row",),
    needs=("treatment_plan", "sessions"),
    applies=_not_on_order,
    title="Under a court order, a run of missed sessions reaches the offender manager",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P2", "P10"),
    message="{missed_in_a_row} or more sessions in a row were missed by a patient under a court "
    "order, and no follow-up records that the offender manager was told (a service setting).",
    rationale="Most patients come on an order with a condition of treatment. Whether to warn "
    "or prosecute is probation's decision (context: Sentencing Act 2020, Schedule 10); the "
    "service's part is to tell the offender manager promptly what it knows, as agreed with "
    "probation at the start. The handbook's procedure records that it did.",
)
def offender_manager_told(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    days, kinds, order = _in_order(case)
    for breach in _runs(order, kinds, _MISSED, _CANCELLED,
                        protocol.release.settings.missed_in_a_row):
        index = breach.path[1]
        assert isinstance(index, int)
        run = [i for i in order if kinds[i] is _MISSED and days[i] <= days[index]]
        told = [case.sessions[i].follow_up for i in run[-protocol.release.settings.missed_in_a_row:]]
        if not any(f is not None and f.offender_manager_informed_on is not None for f in told):
            yield breach
