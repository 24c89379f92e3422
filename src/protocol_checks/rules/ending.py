"""End of formal treatment and long-term contact (P13)."""

from __future__ import annotations

from collections.abc import Iterator

from protocol_checks.case import CaseFile, LegalBasis, LetterRecipient, ReferralSource, Stage
from protocol_checks.evidence import Skip
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


def _not_ended(case: CaseFile) -> Skip | None:
    if case.end_of_treatment is None and case.closure is None:
        return Skip("formal treatment has not ended and the case is open", later=True)
    return None


@rule(
    "END-004",
    since="1.1.0",
    needs=(),
    applies=_not_ended,
    title="Risk is reviewed when formal treatment ends, and before a case closes",
    severity=Severity.error,
    stage=Stage.assessment,
    paragraphs=("P13",),
    message="Formal treatment has ended but no risk review is recorded.",
    variants={"closure": "The case was closed after assessment began but no risk review is "
              "recorded."},
    rationale="Professional opinion reported by the source holds that the underlying "
    "fantasies do not go away when formal treatment ends. The handbook's procedure is a "
    "recorded risk review at that point, and no case closed without one once the service has "
    "begun to assess the person (a referral not accepted needs none).",
)
def risk_reviewed_at_end(case: CaseFile) -> Iterator[Breach]:
    end, closure = case.end_of_treatment, case.closure
    closing_review = closure.risk_review if closure is not None else None
    if end is not None:
        if end.risk_review is None and closing_review is None:
            yield Breach(("end_of_treatment", "risk_review"))
    elif closure is not None and closing_review is None:
        yield Breach(("closure", "risk_review"), "closure")


_GP, _PROBATION, _REFERRER = (LetterRecipient.general_practitioner, LetterRecipient.probation,
                              LetterRecipient.referrer)
_REFERRER_AS = {ReferralSource.probation_officer: _PROBATION,
                ReferralSource.general_practitioner: _GP}
"""Referrers that are themselves one of the other recipients: one letter serves both."""


def _no_end(case: CaseFile) -> Skip | None:
    if case.end_of_treatment is None:  # END-001 reports the missing end
        return Skip("the end of formal treatment is not recorded", absent="end_of_treatment")
    return None


@rule(
    "END-005",
    since="1.1.0",
    needs=("referral", "end_of_treatment.letters"),
    applies=_no_end,
    title="The end of formal treatment is written to the referrer, probation and the GP",
    severity=Severity.warning,
    stage=Stage.long_term_contact,
    paragraphs=("P13",),
    message="No letter to the referrer about the end of formal treatment is recorded.",
    variants={
        "probation": "The case is under an order or was referred by probation, but no letter "
        "to probation about the end of formal treatment is recorded.",
        "gp": "No letter to the general practitioner about the end of formal treatment is "
        "recorded.",
    },
    rationale="Those who referred the patient, supervise their order and provide their "
    "general care need to know that formal treatment has ended and what long-term contact "
    "continues; this is the handbook's procedure, so a warning that a waiver can answer (for "
    "example where the patient has no GP).",
)
def end_letters_sent(case: CaseFile) -> Iterator[Breach]:
    end, referral = case.end_of_treatment, case.referral
    if end is None or referral is None:
        return
    sent = {letter.to for letter in end.letters}
    referrer = _REFERRER_AS.get(referral.source, _REFERRER)
    if referrer not in sent and _REFERRER not in sent:
        yield Breach(("end_of_treatment", "letters"))
    on_order = referral.legal_basis is not LegalBasis.none
    if (on_order or referral.source is ReferralSource.probation_officer) and _PROBATION not in sent:
        yield Breach(("end_of_treatment", "letters"), "probation")
    if _GP not in sent:
        yield Breach(("end_of_treatment", "letters"), "gp")
