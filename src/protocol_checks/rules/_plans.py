"""Which treatment plan was in force on a date (release 1.2.0 keeps earlier plans).

A case's current plan is ``treatment_plan``; the plans it replaced are ``earlier_plans``,
oldest first, each ending the day the next starts. Rules that judge something on a date (a
session's rhythm, when treatment began) ask here rather than reading the current plan, so a
change of modality or frequency during treatment is judged by the plan of each date. Without
earlier plans every answer is the current plan's, exactly as before.
"""

from __future__ import annotations

from datetime import date

from protocol_checks.case import CaseFile, EarlierPlan, Modality, TreatmentPlan

Plan = TreatmentPlan | EarlierPlan


def all_plans(case: CaseFile) -> list[Plan]:
    """The earlier plans, oldest first, then the current one."""
    current: list[Plan] = [case.treatment_plan] if case.treatment_plan is not None else []
    return [*case.earlier_plans, *current]


def treatment_start(case: CaseFile) -> date | None:
    """The day formal treatment started: the first plan's start, whichever plan is current."""
    if case.earlier_plans:
        return case.earlier_plans[0].starts_on
    return case.treatment_plan.starts_on if case.treatment_plan is not None else None


def plan_on(case: CaseFile, day: date) -> Plan | None:
    """The plan in force on ``day``: the earlier plan whose dates hold it, else the current
    plan (also for a day before the first plan, as when no earlier plan is kept)."""
    for plan in case.earlier_plans:
        if plan.starts_on <= day < plan.ended_on:
            return plan
    return case.treatment_plan


def ever_had(case: CaseFile, modality: Modality) -> Plan | None:
    """The first plan with ``modality``, current or earlier, or None."""
    return next((p for p in all_plans(case) if p.modality is modality), None)
