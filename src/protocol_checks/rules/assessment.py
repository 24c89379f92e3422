"""Assessment: motivation and the therapeutic contract (P8)."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, MotivationStrand, Stage
from protocol_checks.findings import Severity
from protocol_checks.rules._plans import treatment_start
from protocol_checks.rules.registry import Breach, rule


@rule(
    "ASMT-001",
    needs=("assessment",),
    title="Assessment is recorded",
    severity=Severity.error,
    stage=Stage.assessment,
    paragraphs=("P2", "P8"),
    message="The case is at or past assessment but no assessment (with its start date) is "
    "recorded.",
    rationale="Assessment, starting on a known date, is the point before which the roles must "
    "be settled and explained, and from which motivation is judged.",
)
def assessment_recorded(case: CaseFile) -> Iterator[Breach]:
    if case.assessment is None:
        yield Breach(("assessment",))


@rule(
    "ASMT-002",
    needs=("assessment.motivation", "treatment_plan"),
    title="Motivation is assessed before treatment starts",
    severity=Severity.error,
    stage=Stage.treatment,
    paragraphs=("P8",),
    message="No assessment of motivation is recorded before treatment.",
    variants={"late": "Motivation was assessed only after treatment had started."},
    past_events=("late",),
    rationale="The source names motivation, with willingness to enter a therapeutic contract, "
    "as the strongest single predictor of a good outcome.",
)
def motivation_assessed(case: CaseFile) -> Iterator[Breach]:
    motivation = case.assessment.motivation if case.assessment else None
    if motivation is None:
        yield Breach(("assessment", "motivation"))
    elif (start := treatment_start(case)) is not None and motivation.assessed_on > start:
        yield Breach(("assessment", "motivation", "assessed_on"), "late")


@rule(
    "ASMT-003",
    needs=("assessment.therapeutic_contract", "treatment_plan"),
    title="A therapeutic contract is agreed before treatment starts",
    severity=Severity.error,
    stage=Stage.treatment,
    paragraphs=("P8",),
    message="No therapeutic contract is recorded before treatment.",
    variants={"late": "The therapeutic contract was agreed only after treatment had started."},
    past_events=("late",),
    rationale="Willingness to enter a therapeutic contract is part of the motivation that best "
    "predicts outcome; the protocol reads this as: treatment starts only once it is agreed.",
)
def contract_agreed(case: CaseFile) -> Iterator[Breach]:
    contract = case.assessment.therapeutic_contract if case.assessment else None
    if contract is None:
        yield Breach(("assessment", "therapeutic_contract"))
    elif (start := treatment_start(case)) is not None and contract.agreed_on > start:
        yield Breach(("assessment", "therapeutic_contract", "agreed_on"), "late")


@rule(
    "ASMT-004",
    needs=("assessment.motivation.strands",),
    title="Some genuine wish to change is present",
    severity=Severity.advice,
    stage=Stage.treatment,
    paragraphs=("P8",),
    message="Motivation rests only on external pressures; no genuine wish to change is "
    "recorded. Revisit motivation with the patient.",
    rationale="Motivation is always a mixture of pressures (the law, prison, a partner, "
    "self-protection) and, in part, a real wish to change. Where only the external strands "
    "appear, the strongest predictor of outcome is weak.",
)
def genuine_wish_present(case: CaseFile) -> Iterator[Breach]:
    motivation = case.assessment.motivation if case.assessment else None
    if motivation is not None and MotivationStrand.genuine_wish_to_change not in motivation.strands:
        yield Breach(("assessment", "motivation", "strands"))


@rule(
    "ASMT-005",
    since="1.1.0",
    needs=("assessment.motivation",),
    title="Motivation is recorded as a formulation, not only as ticks",
    severity=Severity.advice,
    stage=Stage.treatment,
    paragraphs=("P8",),
    message="The motivation assessment records its strands but no short formulation of how "
    "they combine for this patient.",
    rationale="Motivation is always a mixture of strands; which ones are present says less "
    "than how they weigh against one another, which only a few sentences can record.",
)
def motivation_formulated(case: CaseFile) -> Iterator[Breach]:
    motivation = case.assessment.motivation if case.assessment else None
    if motivation is not None and not motivation.formulation:
        yield Breach(("assessment", "motivation", "formulation"))


@rule(
    "ASMT-006",
    since="1.1.0",
    needs=("assessment.motivation.strands",),
    title="A genuine wish to change is not taken as the whole story",
    severity=Severity.advice,
    stage=Stage.treatment,
    paragraphs=("P8", "P12"),
    message="Motivation is recorded as nothing but a genuine wish to change; the source holds "
    "that motivation is always mixed. Ask what else is at work, and keep false compliance in "
    "mind.",
    rationale="The source describes motivation as always a complex mixture, and asks the "
    "therapist to stay alert to false compliance throughout; a record of pure goodwill is the "
    "one most worth questioning.",
)
def motivation_mixed(case: CaseFile) -> Iterator[Breach]:
    motivation = case.assessment.motivation if case.assessment else None
    if motivation is not None and set(motivation.strands) == {_GENUINE}:
        yield Breach(("assessment", "motivation", "strands"))


_GENUINE = MotivationStrand.genuine_wish_to_change
