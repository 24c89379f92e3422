"""Case-file integrity: the record must be coherent before the protocol can be judged on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from protocol_checks.case import CaseFile, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules._dated import AFTER_AS_OF, OUT_OF_ORDER, date_kind
from protocol_checks.rules._dates import session_span
from protocol_checks.rules._members import ATTENDED, CLOSED
from protocol_checks.rules._plans import treatment_start
from protocol_checks.rules._record import order_checks, recorded_dates, staff_references
from protocol_checks.rules._sessions import sessions_of
from protocol_checks.rules.registry import Breach, JudgedBy, rule

FUTURE_TOLERANCE = timedelta(days=1)

# Stage.rank is a property (a call): the ranks these rules compare are read once.
_RANK = {stage: stage.rank for stage in Stage}
_ASSESSMENT_RANK, _TREATMENT_RANK, _LONG_TERM_RANK = (
    _RANK[Stage.assessment], _RANK[Stage.treatment], _RANK[Stage.long_term_contact])


@rule(
    "DATA-002",
    needs=(),
    title="Dates run forwards",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=(),
    message="A date comes before the date it must follow (for example an end before its start).",
    variants=dict(OUT_OF_ORDER),
    rationale="A record whose dates run backwards cannot be judged: every rule about 'before' "
    "and 'after' would be meaningless.",
)
def dates_in_order(case: CaseFile) -> Iterator[Breach]:
    for earlier, later, path, pair in order_checks(case):
        if earlier is not None and later is not None and later < earlier:
            yield Breach(path, pair)  # the pair's name keys its message (OUT_OF_ORDER)


@rule(
    "DATA-003",
    needs=(),
    title="Nothing is recorded as done after the file's date",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=(),
    message="Something is recorded as having happened after the case file's 'as_of' date.",
    variants={"as_of": "The case file's 'as_of' date is in the future.", **AFTER_AS_OF},
    rationale="Events recorded in the future are typing errors or invented records; either way "
    "the protocol cannot be judged on them.",
)
def nothing_in_future(case: CaseFile) -> Iterator[Breach]:
    as_of = case.as_of
    if as_of > date.today() + FUTURE_TOLERANCE:
        yield Breach(("as_of",), "as_of")
    # Sessions are most of a file's dates: test their latest (the attendance rules have listed
    # their dates already) before building any paths.
    if case.sessions and session_span(sessions_of(case))[1] > as_of:
        yield from (Breach(("sessions", i, "on"), "sessions.on")
                    for i, day in enumerate(sessions_of(case).days) if day > as_of)
    for path, day in recorded_dates(case, sessions=False):
        if day > as_of:
            kind = date_kind(path)  # names its message (AFTER_AS_OF); a new kind: the main one
            yield Breach(path, kind if kind in AFTER_AS_OF else None)


def _no_sessions(case: CaseFile) -> Skip | None:
    return None if case.sessions else Skip("no sessions are recorded", absent="sessions")


def no_waivers(case: CaseFile) -> Skip | None:
    """No waiver is recorded: the rules about waivers have nothing to judge."""
    return None if case.waivers else Skip("no waiver is recorded", absent="waivers")


def _no_attestations(case: CaseFile) -> Skip | None:
    return None if case.attestations else Skip("no attestation is recorded", absent="attestations")


def _no_attestation_due(case: CaseFile, protocol: JudgedBy) -> Skip | None:
    if protocol.due_attestations(case):
        return None
    return Skip("no confirmation is due at this stage")


@rule(
    "DATA-004",
    needs=("treatment_plan",),
    applies=_no_sessions,
    title="Sessions fall within formal treatment",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P13",),
    message="A session is recorded before formal treatment started or after it ended.",
    variants={
        "before_start": "A session ('on') is dated before formal treatment started (the "
        "treatment plan's 'starts_on').",
        "after_end": "A session ('on') is dated after formal treatment ended "
        "('end_of_treatment.ended_on').",
    },
    rationale="Sessions outside the treatment period belong to another record (assessment or "
    "long-term contact) and would distort the checks on attendance.",
)
def sessions_within_treatment(case: CaseFile) -> Iterator[Breach]:
    start = treatment_start(case)  # the first plan's, when the plan changed (release 1.2.0)
    if start is None or not case.sessions:
        return
    end = case.end_of_treatment.ended_on if case.end_of_treatment else None
    facts = sessions_of(case)
    first, last = session_span(facts)
    if start <= first and (end is None or last <= end):
        return  # the usual case, found without building paths
    for i, day in enumerate(facts.days):
        if day < start:
            yield Breach(("sessions", i, "on"), "before_start")
        elif end is not None and day > end:
            yield Breach(("sessions", i, "on"), "after_end")


@rule(
    "DATA-005",
    needs=(),
    title="Staff named in the record hold a role",
    severity=Severity.warning,
    stage=Stage.referral,
    paragraphs=("P3", "P4", "P5", "P6"),
    message="A staff ID in the record holds none of the four roles (nor prescribes); check for "
    "a typing error.",
    rationale="Every action in the record should trace to a named role; an unknown staff ID is "
    "most often a typing error that would hide who is responsible. Attestations are not "
    "checked, since a supervisor who holds no role may confirm an item.",
)
def staff_hold_roles(case: CaseFile) -> Iterator[Breach]:
    known: set[str] = set()
    for holder in vars(case.roles).values():  # the four roles, as ROLE_NAMES lists them
        if holder is not None:
            # everyone() is the holder alone when no one held the role before: most files.
            if holder.previous:
                known.update(holder.everyone())
            else:
                known.add(holder.staff_id)
    if case.medication:
        known.add(case.medication.prescriber.staff_id)
    for path, staff_id in staff_references(case):
        if staff_id not in known:
            yield Breach(path)


@rule(
    "DATA-006",
    needs=(),
    applies=no_waivers,
    title="Waivers are valid",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=(),
    message="A waiver names an error rule; errors cannot be waived.",
    variants={"unknown": "A waiver names a rule that does not exist."},
    rationale="A warning may be accepted for a reason; a requirement of the protocol may not.",
)
def waivers_valid(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    for i, waiver in enumerate(case.waivers):
        target = protocol.rules.get(waiver.rule)
        if target is None:
            yield Breach(("waivers", i, "rule"), "unknown")
        elif target.severity is Severity.error:
            yield Breach(("waivers", i, "rule"))


@rule(
    "DATA-007",
    needs=(),
    applies=_no_attestations,
    title="Attestations name attestation items",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=(),
    message="An attestation names a checklist item that is checked by a rule, not by "
    "attestation.",
    variants={"unknown": "An attestation names a checklist item that does not exist.",
              "local": "An attestation names a local item (an ID starting with L) that no "
              "service profile in use defines; check it under its service's profile."},
    rationale="Only items that no program can verify are confirmed by a person; the others "
    "are checked from the record itself.",
)
def attestations_valid(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    items = protocol.items
    attestable = _attestation_items(items)
    for i, att in enumerate(case.attestations):
        if att.item in attestable:
            continue  # the usual case, answered without reading the item
        item = items.get(att.item)
        if item is None:
            yield Breach(("attestations", i, "item"), "local" if att.item.startswith("L")
                         else "unknown")
        elif not item.is_attestation:
            yield Breach(("attestations", i, "item"))


_ATTESTABLE: dict[int, tuple[dict[str, Any], frozenset[str]]] = {}


def _attestation_items(items: dict[str, Any]) -> frozenset[str]:
    """The IDs of the attestation items among a protocol's ``items``, gathered once per
    protocol rather than read item by item for every file. Keyed by the dict's id; the entry
    holds the dict, so no other object can take that id while it is kept."""
    entry = _ATTESTABLE.get(id(items))
    if entry is None:
        if len(_ATTESTABLE) >= 64:  # protocols are few; tests build many, one after another
            _ATTESTABLE.clear()
        attestable = frozenset(key for key, item in items.items() if item.is_attestation)
        entry = _ATTESTABLE[id(items)] = (items, attestable)
    return entry[1]


@rule(
    "DATA-008",
    needs=(),
    title="The stage agrees with the record",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=(),
    message="The case is marked closed but no closure is recorded.",
    variants={
        "not_closed": "A closure is recorded but the case is not marked closed.",
        "last_stage": "A closed case's last stage cannot itself be 'closed'.",
        "behind": "The end of formal treatment is recorded but the case is still marked as in "
        "treatment or earlier.",
        "no_treatment_yet": "Treatment sessions are recorded but the case is marked as before "
        "treatment, which would switch the treatment rules off.",
        "no_assessment_yet": "An assessment is recorded but the case is marked as at referral, "
        "which would switch the assessment rules off.",
    },
    rationale="Rules apply by stage; a stage that disagrees with the record would switch the "
    "wrong rules on or off.",
)
def stage_consistent(case: CaseFile) -> Iterator[Breach]:
    stage, closure = case.stage, case.closure
    if stage is CLOSED and closure is None:
        yield Breach(("stage",))
    if closure is not None:
        if stage is not CLOSED:
            yield Breach(("closure",), "not_closed")
        if closure.last_stage is CLOSED:
            yield Breach(("closure", "last_stage"), "last_stage")
    if case.end_of_treatment is not None and _RANK[stage] < _LONG_TERM_RANK:
        yield Breach(("stage",), "behind")
    reached = _RANK[case.effective_stage]
    if reached < _TREATMENT_RANK and any(s.attendance is ATTENDED for s in case.sessions):
        yield Breach(("stage",), "no_treatment_yet")
    if reached < _ASSESSMENT_RANK and case.assessment is not None:
        yield Breach(("stage",), "no_assessment_yet")


@rule(
    "ATT-001",
    needs=(),
    applies=_no_attestation_due,
    title="Attestations due at this stage are recorded",
    severity=Severity.warning,
    stage=Stage.referral,
    paragraphs=(),
    message="A checklist item that needs a person's confirmation at this stage has none yet; "
    "see the checklist command for which.",
    variants={"awaiting": "Checklist items that need a person's confirmation at this stage "
              "have none yet: {items}. Record an attestation for each (who confirmed it, in "
              "which role, on which day)."},
    rationale="Some items (for example alertness to deception, P12) cannot be read from the "
    "record; they count as met only when someone accountable confirms them.",
)
def attestations_due(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    awaited = protocol.due_attestations(case) - {att.item for att in case.attestations}
    if awaited:
        yield Breach(("attestations",), "awaiting", items=tuple(sorted(awaited, key=_item_order)))


def _item_order(item_id: str) -> tuple[str, int]:
    """BA-2 before BA-10: checklist prefix, then number."""
    prefix, _, number = item_id.partition("-")
    return prefix, int(number)
