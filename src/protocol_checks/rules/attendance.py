"""Regularity: attendance, missed sessions and their follow-up, breaks (P10).

Regularity and reliability matter particularly for these patients (P10), and they bind the
service as well as the patient: sessions the service cancels are counted too. The numbers (how
many in a row, how long a gap, how long the danger window before a break) are settings of each
release, read from the protocol in force.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import compress, repeat

from protocol_checks.case import CaseFile, SessionFrequency, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules._members import CANCELLED, MISSED, NO_ORDER
from protocol_checks.rules._plans import all_plans, plan_on, treatment_start
from protocol_checks.rules._sessions import Sessions, runs, sessions_of
from protocol_checks.rules.registry import Breach, JudgedBy, rule

_DAY = timedelta(days=1)
_INTERVAL_DAYS = {
    SessionFrequency.more_than_weekly: 4,
    SessionFrequency.weekly: 7,
    SessionFrequency.fortnightly: 14,
    SessionFrequency.monthly: 31,
}


def _tightest_interval(case: CaseFile) -> int | None:
    """The shortest planned interval of any plan the case had, or None if none sets one: no
    gap within that many intervals can be too long, whichever plan was in force."""
    if not case.earlier_plans:  # the usual case: one plan throughout
        plan = case.treatment_plan
        return _INTERVAL_DAYS.get(plan.session_frequency) if plan is not None else None
    intervals = [_INTERVAL_DAYS[p.session_frequency] for p in all_plans(case)
                 if p.session_frequency in _INTERVAL_DAYS]
    return min(intervals, default=None)


def _break_days(case: CaseFile, start: date, end: date) -> int:
    """Days strictly between two sessions that fall inside planned breaks."""
    days = 0
    after, before = start + _DAY, end - _DAY
    for b in case.planned_breaks:
        first = max(b.starts_on, after)
        last = min(b.ends_on, before)
        if first <= last:
            days += (last - first).days + 1
    return days


def _danger_windows(case: CaseFile, protocol: JudgedBy) -> list[tuple[date, date]]:
    """Each planned break's danger window, from its first day up to the break's first day."""
    window = timedelta(days=protocol.release.settings.danger_window_days)
    return [(b.starts_on - window, b.starts_on) for b in case.planned_breaks]


def _in_danger_window(day: date, windows: list[tuple[date, date]]) -> bool:
    for first, starts in windows:  # noqa: SIM110 (any() over a generator is slower)
        if first <= day < starts:
            return True
    return False


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
def attendance_regular(case: CaseFile, protocol: JudgedBy) -> list[Breach]:
    settings = protocol.release.settings
    facts = sessions_of(case)
    return runs(facts, MISSED, CANCELLED, settings.missed_in_a_row) + _long_gaps(
        case, facts, settings.gap_factor)


def _long_gaps(case: CaseFile, facts: Sessions, gap_factor: int) -> list[Breach]:
    """A breach at each session held after a gap longer than ``gap_factor`` intervals of the
    plan in force then, not counting planned breaks."""
    shortest = _tightest_interval(case)
    if case.treatment_plan is None or shortest is None:
        return []
    held_days = facts.held_days()
    numbers = list(map(date.toordinal, held_days))  # day numbers: their gaps are plain ints
    gaps = list(map(operator.sub, numbers[1:], numbers))
    # Only a gap longer than the shortest plan's limit can be too long: most cases have none,
    # most others one, across a planned break.
    shortest_limit = gap_factor * shortest
    if not gaps or max(gaps) <= shortest_limit:
        return []
    found: list[Breach] = []
    held: list[int] = []
    for n in compress(range(len(gaps)), map(operator.gt, gaps, repeat(shortest_limit))):
        plan = plan_on(case, held_days[n + 1])  # the rhythm of the plan in force then
        interval = _INTERVAL_DAYS.get(plan.session_frequency) if plan else None
        if interval is None:
            continue
        limit = gap_factor * interval
        days = gaps[n]
        if days > limit and days - _break_days(case, held_days[n], held_days[n + 1]) > limit:
            held = held or facts.held()
            found.append(Breach(("sessions", held[n + 1]), "gap"))
    return found


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
    windows = _danger_windows(case, protocol)
    for i in sessions_of(case).missed:
        if _in_danger_window(case.sessions[i].on, windows):
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


def _unfollowed(case: CaseFile, missed: list[int], windows: list[tuple[date, date]],
                in_window: bool) -> list[Breach]:
    """The ``missed`` sessions with no follow-up (or one dated before the session), inside or
    outside the danger ``windows`` before the planned breaks."""
    found = []
    for i in missed:
        session = case.sessions[i]
        if _in_danger_window(session.on, windows) is not in_window:
            continue
        follow_up = session.follow_up
        if follow_up is None:
            found.append(Breach(("sessions", i, "follow_up")))
        elif follow_up.contacted_on < session.on:
            found.append(Breach(("sessions", i, "follow_up", "contacted_on"), "early"))
    return found


def _after_break(missed: date, contacted: date, windows: list[tuple[date, date]]) -> bool:
    """Whether the follow-up came only once the break it preceded had begun."""
    for first, starts in windows:  # noqa: SIM110 (any() over a generator is slower)
        if first <= missed < starts <= contacted:
            return True
    return False


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
def missed_followed_up(case: CaseFile, protocol: JudgedBy) -> list[Breach]:
    missed = sessions_of(case).missed
    if not missed:  # nothing missed, nothing to follow up
        return []
    return _unfollowed(case, missed, _danger_windows(case, protocol), in_window=False)


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
def danger_window_followed_up(case: CaseFile, protocol: JudgedBy) -> list[Breach]:
    missed = sessions_of(case).missed
    if not missed or not case.planned_breaks:  # no session missed, or no break to miss it before
        return []
    windows = _danger_windows(case, protocol)
    found = _unfollowed(case, missed, windows, in_window=True)
    for i in missed:  # followed up, but only once the break began
        session = case.sessions[i]
        follow_up = session.follow_up
        if follow_up is not None and _after_break(session.on, follow_up.contacted_on, windows):
            found.append(Breach(("sessions", i, "follow_up", "contacted_on"), "after_break"))
    return found


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
def service_regular(case: CaseFile, protocol: JudgedBy) -> list[Breach]:
    return runs(sessions_of(case), CANCELLED, MISSED, protocol.release.settings.missed_in_a_row)


def _not_on_order(case: CaseFile) -> Skip | None:
    referral = case.referral
    if referral is None:
        return Skip("no referral is recorded", absent="referral")
    if referral.legal_basis is NO_ORDER:
        return Skip("the case is not under a court order")
    return None




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
def offender_manager_told(case: CaseFile, protocol: JudgedBy) -> list[Breach]:
    length = protocol.release.settings.missed_in_a_row
    facts = sessions_of(case)
    found = []
    for breach in runs(facts, MISSED, CANCELLED, length):  # usually none
        index = breach.path[1]
        assert isinstance(index, int)
        days, kinds = facts.days, facts.kinds
        run = [i for i in facts.order if kinds[i] is MISSED and days[i] <= days[index]]
        told = [case.sessions[i].follow_up for i in run[-length:]]
        if not any(f is not None and f.offender_manager_informed_on is not None for f in told):
            found.append(breach)
    return found
