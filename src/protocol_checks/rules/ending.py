"""End of formal treatment and long-term contact (P13)."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, Stage
from protocol_checks.findings import Severity
from protocol_checks.rules.registry import Breach, rule


@rule(
    "END-001",
    needs=("end_of_treatment",),
    title="The end of formal treatment is recorded",
    severity=Severity.error,
    stage=Stage.long_term_contact,
    paragraphs=("P13",),
    message="The case is past formal treatment but its end is not recorded.",
    rationale="The move from regular formal treatment to long-term contact is the point at "
    "which the source's advice on continuing support applies.",
)
def end_recorded(case: CaseFile) -> Iterator[Breach]:
    if case.end_of_treatment is None:
        yield Breach(("end_of_treatment",))


@rule(
    "END-002",
    needs=("end_of_treatment.long_term_contact",),
    title="Long-term supportive contact is arranged",
    severity=Severity.warning,
    stage=Stage.long_term_contact,
    paragraphs=("P13",),
    message="Formal treatment has ended but no long-term supportive contact is arranged.",
    rationale="A growing body of professional opinion, reported by the source, holds that the "
    "fantasies do not go away and that reoffending falls after formal treatment only where the "
    "patient keeps a looser supportive link with the service for many years. The source "
    "reports an opinion, so this is a warning; a waiver records why no contact was possible.",
)
def long_term_contact_arranged(case: CaseFile) -> Iterator[Breach]:
    end = case.end_of_treatment
    if end is not None and end.long_term_contact is None:
        yield Breach(("end_of_treatment", "long_term_contact"))


@rule(
    "END-003",
    needs=("end_of_treatment.long_term_contact.contact_frequency",
           "end_of_treatment.long_term_contact.next_review_on"),
    title="Long-term contact has a frequency and a review date",
    severity=Severity.advice,
    stage=Stage.long_term_contact,
    paragraphs=("P13",),
    message="The long-term contact has no planned frequency.",
    variants={"no_review": "The long-term contact has no review date."},
    rationale="Contact meant to last many years is easier to keep, and to notice when it "
    "lapses, if its rhythm and next review are written down.",
)
def long_term_contact_planned(case: CaseFile) -> Iterator[Breach]:
    contact = case.end_of_treatment.long_term_contact if case.end_of_treatment else None
    if contact is None:
        return
    if contact.contact_frequency is None:
        yield Breach(("end_of_treatment", "long_term_contact", "contact_frequency"))
    if contact.next_review_on is None:
        yield Breach(("end_of_treatment", "long_term_contact", "next_review_on"), "no_review")
