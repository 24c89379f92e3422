"""The plan history (release 1.2.0): earlier plans in order, each ending as the next begins."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity
from protocol_checks.rules.registry import Breach, rule


def _no_earlier_plans(case: CaseFile) -> Skip | None:
    if case.earlier_plans:
        return None
    return Skip("no earlier plan is recorded", absent="earlier_plans")


@rule(
    "DATA-013",
    needs=("treatment_plan",),
    applies=_no_earlier_plans,
    title="Earlier plans run in order into the current plan",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=("P5", "P13"),
    message="An earlier plan ends on or before the day it starts.",
    variants={
        "gap": "An earlier plan ends before the next plan starts: the days between have no "
        "plan in force.",
        "overlap": "An earlier plan ends after the next plan starts: two plans are in force "
        "on the same days.",
        "no_current": "Earlier plans are recorded but no current treatment plan follows them.",
    },
    rationale="Each session and report is judged by the plan in force on its date, so the "
    "plans must follow one another without gaps or overlaps, the last earlier plan ending the "
    "day the current plan starts (the handbook's record keeping for a change of plan).",
    since="1.2.0",
)
def plans_in_order(case: CaseFile) -> Iterator[Breach]:
    plans = case.earlier_plans
    if not plans:
        return
    for i, plan in enumerate(plans):
        if plan.ended_on <= plan.starts_on:
            yield Breach(("earlier_plans", i, "ended_on"))
    if case.treatment_plan is None:
        yield Breach(("earlier_plans",), "no_current")
        return
    starts = [p.starts_on for p in plans[1:]] + [case.treatment_plan.starts_on]
    for i, (plan, next_start) in enumerate(zip(plans, starts, strict=True)):
        if plan.ended_on < next_start:
            yield Breach(("earlier_plans", i, "ended_on"), "gap")
        elif plan.ended_on > next_start:
            yield Breach(("earlier_plans", i, "ended_on"), "overlap")
