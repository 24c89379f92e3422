"""What a rule needs to find in the record before its item can count as met.

A rule that finds no breach has not thereby shown compliance: a rule that reads an absent
record finds nothing to object to. So every rule declares, as data, the fields that must be
recorded for it to count as met (its *needs*) and, where it has one, when it does not apply
(a :class:`Skip` with a fixed reason). :func:`judge` combines these with the rule's findings
into a positive verdict; "met" is never a default.

Needs are dotted case-file field names (``medication.consent``, ``sessions``); a need is
missing when the value is absent or an empty list. Names are checked against the case-file
model when a rule is registered, so a typo fails at import, not at run time.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from protocol_checks.case import CaseFile, Stage
from protocol_checks.format_words import stage_words


@dataclass(frozen=True, slots=True)
class Skip:
    """Why a rule does not judge this case: not applicable, or (``later``) not yet due.

    ``absent`` names the field whose absence is the reason (a rule about waivers has nothing
    to judge when none is recorded); the generated tests use it to tell a rule with no subject
    from a rule that switched itself off because a record was missing.
    """

    reason: str
    later: bool = False
    absent: str | None = None


Applies = Callable[[CaseFile], "Skip | None"]


class Verdict(StrEnum):
    """A rule's verdict on one case, as the checklist and the audit report count it."""

    met = "met"
    not_met = "not met"
    waived = "met (warning waived)"
    deviation = "deviation recorded"
    no_record = "no record yet"
    not_applicable = "not applicable"
    not_due = "not yet due"


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    rule_id: str
    verdict: Verdict
    reason: str | None = None  # a fixed sentence, never a value from the case
    missing: tuple[str, ...] = ()  # field names (not values) that are not recorded


def _model_of(annotation: object) -> type[BaseModel] | None:
    """The pydantic model inside ``X``, ``X | None`` or ``list[X]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (
            typing.Union, list):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def field_exists(dotted: str, model: type[BaseModel] = CaseFile) -> bool:
    """Whether ``dotted`` names a field of the case-file model (through nested objects)."""
    current: type[BaseModel] | None = model
    for name in dotted.split("."):
        if current is None or name not in current.model_fields:
            return False
        current = _model_of(current.model_fields[name].annotation)
    return True


def is_recorded(case: CaseFile, dotted: str) -> bool:
    """Whether the field is present: not absent, and not an empty list."""
    value: object = case
    for name in dotted.split("."):
        value = getattr(value, name, None)
        if value is None:
            return False
    return not (isinstance(value, list | tuple) and not value)


def missing_needs(case: CaseFile, needs: Iterable[str]) -> tuple[str, ...]:
    return tuple(n for n in needs if not is_recorded(case, n))


def judge(rule: typing.Any, case: CaseFile, breached: bool, waived: bool,
          protocol: typing.Any, deviation: bool = False) -> RuleVerdict:
    """The verdict of ``rule`` (a :class:`~protocol_checks.rules.registry.Rule`) on ``case``
    under ``protocol``, given whether it produced active (``breached``) findings, or findings
    settled only by a waiver or a recorded deviation."""
    stage: Stage = case.effective_stage
    if not rule.applies_at(stage):
        return RuleVerdict(rule.id, Verdict.not_due,
                           f"the rule applies from the {stage_words(rule.stage)} stage")
    skip = rule.skip(case, protocol)
    if breached:
        return RuleVerdict(rule.id, Verdict.not_met)
    if skip is not None:
        return RuleVerdict(rule.id, Verdict.not_due if skip.later else Verdict.not_applicable,
                           skip.reason)
    missing = missing_needs(case, rule.needs)
    if missing:
        return RuleVerdict(rule.id, Verdict.no_record, "not recorded: " + ", ".join(missing),
                           missing)
    if deviation:
        return RuleVerdict(rule.id, Verdict.deviation)
    return RuleVerdict(rule.id, Verdict.waived if waived else Verdict.met)
