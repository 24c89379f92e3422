"""Choosing a modality and its planned length (P5, P10, P11, P13)."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, Modality, PsychologicalMindedness, SessionFrequency, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules._dates import add_months
from protocol_checks.rules._members import CBT, PSYCHODYNAMIC
from protocol_checks.rules.registry import Breach, rule

CAPACITIES = tuple(name for name, f in PsychologicalMindedness.model_fields.items()
                   if f.annotation is bool and name != "previous_treatment_reviewed")
"""The four capacities of psychological mindedness (P10), as the case-file model names them;
the history review is a separate check (MOD-009)."""


# Enum members bound once: looking one up on its class costs more than the test it serves.


def _psychodynamic(case: CaseFile) -> bool:
    return case.treatment_plan is not None and case.treatment_plan.modality is PSYCHODYNAMIC


def _other_than(modality: Modality, reason: str):
    """An ``applies`` test: the rule does not apply when a plan of another modality is recorded
    (with no plan at all it applies, and its need of a plan shows the record is missing)."""

    def applies(case: CaseFile) -> Skip | None:
        plan = case.treatment_plan
        return Skip(reason) if plan is not None and plan.modality is not modality else None

    return applies


_NOT_PSYCHODYNAMIC = _other_than(Modality.psychodynamic, "the plan is not psychodynamic")
_NOT_CBT = _other_than(Modality.cbt, "the plan is not cognitive-behavioural")


@rule(
    "MOD-001",
    needs=("treatment_plan",),
    title="The treatment plan is recorded",
    severity=Severity.error,
    stage=Stage.treatment,
    paragraphs=("P5", "P11", "P13"),
    message="No treatment plan is recorded: modality, individual or group, start, planned end "
    "and session frequency.",
    rationale="Who treats, with which modality, and for how long are the basis of every later "
    "check on the conduct and length of treatment.",
)
def plan_recorded(case: CaseFile) -> Iterator[Breach]:
    if case.treatment_plan is None:
        yield Breach(("treatment_plan",))


@rule(
    "MOD-002",
    needs=("treatment_plan", "assessment.psychological_mindedness"),
    applies=_NOT_PSYCHODYNAMIC,
    title="Psychodynamic treatment needs psychological mindedness assessed",
    severity=Severity.error,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="Psychodynamic treatment is planned but psychological mindedness has not been "
    "assessed.",
    variants={"late": "Psychological mindedness was assessed only after treatment had started."},
    past_events=("late",),
    rationale="Psychodynamic work needs some psychological mindedness: awareness of one's own "
    "feelings, readiness to admit inner conflict, flexible thinking, and linking the present "
    "with childhood.",
)
def mindedness_assessed(case: CaseFile) -> Iterator[Breach]:
    if not _psychodynamic(case):
        return
    assert case.treatment_plan is not None
    pm = case.assessment.psychological_mindedness if case.assessment else None
    if pm is None:
        yield Breach(("assessment", "psychological_mindedness"))
    elif pm.assessed_on > case.treatment_plan.starts_on:
        yield Breach(("assessment", "psychological_mindedness", "assessed_on"), "late")


@rule(
    "MOD-003",
    withdrawn_in="1.1.0",
    replaced_by=("MOD-010", "MOD-011"),
    needs=("treatment_plan", "assessment.psychological_mindedness"),
    applies=_NOT_PSYCHODYNAMIC,
    title="Psychodynamic treatment: the capacities are present",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="Psychodynamic treatment is planned although one or more of the four capacities of "
    "psychological mindedness were judged absent.",
    rationale="An element of psychological mindedness is needed for psychodynamic work. Much "
    "may only emerge during treatment, so a missing capacity is a warning to weigh, not a bar.",
)
def mindedness_present(case: CaseFile) -> Iterator[Breach]:
    pm = case.assessment.psychological_mindedness if case.assessment else None
    if not _psychodynamic(case) or pm is None:
        return
    for name in CAPACITIES:
        if not getattr(pm, name):
            yield Breach(("assessment", "psychological_mindedness", name))


@rule(
    "MOD-004",
    needs=("treatment_plan", "assessment.seeks_treatment_voluntarily"),
    applies=_NOT_PSYCHODYNAMIC,
    title="Psychodynamic treatment only when sought voluntarily",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="Psychodynamic treatment is planned but the patient is not recorded as seeking "
    "treatment voluntarily.",
    variants={"unknown": "Psychodynamic treatment is planned but whether the patient seeks "
              "treatment voluntarily is not recorded."},
    rationale="The source reports it as generally accepted, in outpatient and secure settings "
    "alike, that dynamic psychotherapy works only when the patient chooses it. It reports a "
    "consensus rather than setting a condition, and most patients are referred by a court, so "
    "from release 1.1.0 this is a warning: the clinician judges whether this patient seeks "
    "the treatment, and a waiver records the reasoning (release 1.0.0 made it an error).",
)
def psychodynamic_voluntary(case: CaseFile) -> Iterator[Breach]:
    if not _psychodynamic(case):
        return
    voluntary = case.assessment.seeks_treatment_voluntarily if case.assessment else None
    if voluntary is None:
        yield Breach(("assessment", "seeks_treatment_voluntarily"), "unknown")
    elif not voluntary:
        yield Breach(("assessment", "seeks_treatment_voluntarily"))


@rule(
    "MOD-005",
    needs=("treatment_plan", "assessment.externalises_responsibility"),
    applies=_NOT_PSYCHODYNAMIC,
    title="Psychodynamic treatment: externalising responsibility is flagged",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="Psychodynamic treatment is planned for a patient who tends to place responsibility "
    "and control in others; this bodes poorly and should be weighed.",
    variants={"unknown": "Psychodynamic treatment is planned but whether the patient "
              "externalises responsibility is not recorded."},
    rationale="A patient who puts the locus of control in other people or agencies is a poor "
    "prospect for psychodynamic treatment, according to the source.",
)
def externalising_flagged(case: CaseFile) -> Iterator[Breach]:
    if not _psychodynamic(case):
        return
    externalises = case.assessment.externalises_responsibility if case.assessment else None
    if externalises is None:
        yield Breach(("assessment", "externalises_responsibility"), "unknown")
    elif externalises:
        yield Breach(("assessment", "externalises_responsibility"))


def _outside(case: CaseFile, modality: Modality, low_months: int,
             high_months: int) -> list[Breach]:
    """A breach at the plan's end if its length crosses a bound: "too_short" or "too_long"."""
    plan = case.treatment_plan
    if plan is None or plan.modality is not modality:
        return []
    start, end = plan.starts_on, plan.planned_end_on
    if end < start:
        return []
    # An end in a later calendar month than the bound's is past it, and in an earlier month
    # short of it: only an end in the bound's own month needs the exact date (add_months).
    months = (end.year - start.year) * 12 + end.month - start.month
    if months <= low_months and end < add_months(start, low_months):
        return [Breach(("treatment_plan", "planned_end_on"), "too_short")]
    if months >= high_months and end > add_months(start, high_months):
        return [Breach(("treatment_plan", "planned_end_on"), "too_long")]
    return []


@rule(
    "MOD-006",
    needs=("treatment_plan",),
    applies=_NOT_CBT,
    title="CBT is planned for 6 to 12 months",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P13",),
    message="Cognitive-behavioural treatment is planned for less than 6 or more than 12 months.",
    variants={
        "too_short": "Cognitive-behavioural treatment is planned for less than 6 months (the "
        "plan's 'planned_end_on' is under six months after its 'starts_on').",
        "too_long": "Cognitive-behavioural treatment is planned for more than 12 months (the "
        "plan's 'planned_end_on' is over twelve months after its 'starts_on').",
    },
    rationale="Cognitive and behavioural treatments are intensive and time-limited: the source "
    "gives six months to a year.",
)
def cbt_duration(case: CaseFile) -> list[Breach]:
    return _outside(case, CBT, 6, 12)


@rule(
    "MOD-007",
    needs=("treatment_plan",),
    applies=_NOT_PSYCHODYNAMIC,
    title="Psychodynamic treatment is planned for 2 to 3 years",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P13",),
    message="Psychodynamic treatment is planned for less than 2 or more than 3 years.",
    variants={
        "too_short": "Psychodynamic treatment is planned for less than 2 years (the plan's "
        "'planned_end_on' is under two years after its 'starts_on').",
        "too_long": "Psychodynamic treatment is planned for more than 3 years (the plan's "
        "'planned_end_on' is over three years after its 'starts_on').",
    },
    rationale="Dynamic treatments last longer than CBT; the source says they often run for "
    "two to three years. 'Often' makes this a warning.",
)
def psychodynamic_duration(case: CaseFile) -> list[Breach]:
    return _outside(case, PSYCHODYNAMIC, 24, 36)


@rule(
    "MOD-008",
    needs=("treatment_plan",),
    applies=_NOT_PSYCHODYNAMIC,
    title="Psychodynamic sessions are weekly",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P13",),
    message="Psychodynamic treatment is planned at a frequency other than weekly.",
    rationale="The source describes dynamic treatment as often weekly sessions over years.",
)
def psychodynamic_weekly(case: CaseFile) -> Iterator[Breach]:
    if _psychodynamic(case):
        assert case.treatment_plan is not None
        if case.treatment_plan.session_frequency is not SessionFrequency.weekly:
            yield Breach(("treatment_plan", "session_frequency"))


@rule(
    "MOD-009",
    needs=("treatment_plan", "assessment.psychological_mindedness"),
    applies=_NOT_PSYCHODYNAMIC,
    title="Mindedness is judged from the history as well as interviews",
    severity=Severity.advice,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="The assessment of psychological mindedness does not record a review of the "
    "history, including any earlier treatment.",
    rationale="Some of the needed capacities can be judged from the patient's history, earlier "
    "attempts at treatment among it, as well as from the first interviews.",
)
def mindedness_uses_history(case: CaseFile) -> Iterator[Breach]:
    pm = case.assessment.psychological_mindedness if case.assessment else None
    if _psychodynamic(case) and pm is not None and not pm.previous_treatment_reviewed:
        yield Breach(("assessment", "psychological_mindedness", "previous_treatment_reviewed"))


ABSENT_CAPACITY = {
    # One message per capacity; the keys are the model's own field names (checked below).
    "recognises_own_feelings": "Psychodynamic treatment is planned although the patient was "
    "judged not to recognise their own feelings ('recognises_own_feelings'), one of the four "
    "capacities of psychological mindedness.",
    "acknowledges_internal_conflict": "Psychodynamic treatment is planned although the patient "
    "was judged unwilling to acknowledge internal conflict ('acknowledges_internal_conflict'), "
    "one of the four capacities of psychological mindedness.",
    "flexible_thinking": "Psychodynamic treatment is planned although the patient was judged "
    "not to show flexibility in thinking ('flexible_thinking'), one of the four capacities of "
    "psychological mindedness.",
    "links_present_to_childhood": "Psychodynamic treatment is planned although the patient "
    "was judged not to link current events with childhood experience "
    "('links_present_to_childhood'), one of the four capacities of psychological mindedness.",
}
assert set(ABSENT_CAPACITY) == set(CAPACITIES)


def _absent_capacities(case: CaseFile) -> list[str]:
    pm = case.assessment.psychological_mindedness if case.assessment else None
    if not _psychodynamic(case) or pm is None:
        return []
    return [name for name in CAPACITIES if not getattr(pm, name)]


@rule(
    "MOD-010",
    since="1.1.0",
    needs=("treatment_plan", "assessment.psychological_mindedness"),
    applies=_NOT_PSYCHODYNAMIC,
    title="Psychodynamic treatment: some psychological mindedness is present",
    severity=Severity.error,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="Psychodynamic treatment is planned although none of the four capacities of "
    "psychological mindedness was judged present.",
    rationale="The source calls an element of psychological mindedness necessary for "
    "psychodynamic treatment; with none of its four capacities present, that element is "
    "missing, so this is an error.",
)
def some_mindedness(case: CaseFile) -> Iterator[Breach]:
    if len(_absent_capacities(case)) == len(CAPACITIES):
        yield Breach(("assessment", "psychological_mindedness"))


@rule(
    "MOD-011",
    since="1.1.0",
    needs=("treatment_plan", "assessment.psychological_mindedness"),
    applies=_NOT_PSYCHODYNAMIC,
    title="Psychodynamic treatment: a capacity judged absent is weighed",
    severity=Severity.warning,
    stage=Stage.treatment,
    paragraphs=("P10",),
    message="Psychodynamic treatment is planned although some of the four capacities of "
    "psychological mindedness were judged absent.",
    variants=dict(ABSENT_CAPACITY),
    rationale="An element of psychological mindedness is necessary, not all of it, and much "
    "may only emerge in treatment: some capacities absent is a warning to weigh.",
)
def capacities_weighed(case: CaseFile) -> Iterator[Breach]:
    absent = _absent_capacities(case)
    if len(absent) < len(CAPACITIES):
        for name in absent:
            yield Breach(("assessment", "psychological_mindedness", name), name)
