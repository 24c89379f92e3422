"""Where a case file records dates of events and staff IDs, with their paths.

The integrity rules read these (dates in the future, dates out of order, staff who hold no
role); each new record the model gains is listed here once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from protocol_checks.case import CaseFile, RiskReview
from protocol_checks.findings import Path
from protocol_checks.rules.roles import ROLE_NAMES


def recorded_dates(case: CaseFile, sessions: bool = True) -> Iterator[tuple[Path, date]]:
    """Dates of things that have happened (not plans), with their paths."""
    if case.referral:
        yield ("referral", "received_on"), case.referral.received_on
        if case.referral.order is not None:
            yield ("referral", "order", "made_on"), case.referral.order.made_on
    for name in ROLE_NAMES:
        holder = getattr(case.roles, name)
        if holder is not None:
            yield ("roles", name, "assigned_on"), holder.assigned_on
            for i, p in enumerate(holder.previous):
                yield ("roles", name, "previous", i, "ended_on"), p.ended_on
    if case.roles_explained:
        yield ("roles_explained", "explained_on"), case.roles_explained.explained_on
    if case.information_sharing:
        yield ("information_sharing", "agreed_on"), case.information_sharing.agreed_on
        if case.information_sharing.explained_to_patient_on:
            yield (("information_sharing", "explained_to_patient_on"),
                   case.information_sharing.explained_to_patient_on)
    if a := case.assessment:
        yield ("assessment", "started_on"), a.started_on
        if a.motivation:
            yield ("assessment", "motivation", "assessed_on"), a.motivation.assessed_on
        if a.therapeutic_contract:
            yield ("assessment", "therapeutic_contract", "agreed_on"), a.therapeutic_contract.agreed_on
        if a.psychological_mindedness:
            yield (("assessment", "psychological_mindedness", "assessed_on"),
                   a.psychological_mindedness.assessed_on)
    if m := case.medication:
        if m.first_dose_on:
            yield ("medication", "first_dose_on"), m.first_dose_on
        if m.consent:
            yield ("medication", "consent", "obtained_on"), m.consent.obtained_on
    if sessions:
        for i, s in enumerate(case.sessions):
            yield ("sessions", i, "on"), s.on
    for i, b in enumerate(case.planned_breaks):
        if b.discussed_with_patient_on:
            yield ("planned_breaks", i, "discussed_with_patient_on"), b.discussed_with_patient_on
    for i, r in enumerate(case.interim_reports):
        yield ("interim_reports", i, "sent_on"), r.sent_on
    if e := case.end_of_treatment:
        yield ("end_of_treatment", "ended_on"), e.ended_on
        if e.long_term_contact:
            yield ("end_of_treatment", "long_term_contact", "arranged_on"), e.long_term_contact.arranged_on
    if case.closure:
        yield ("closure", "closed_on"), case.closure.closed_on
    for i, att in enumerate(case.attestations):
        yield ("attestations", i, "confirmed_on"), att.confirmed_on
    for i, w in enumerate(case.waivers):
        yield ("waivers", i, "waived_on"), w.waived_on
        if w.reviewed_on:
            yield ("waivers", i, "reviewed_on"), w.reviewed_on
    if case.communication_needs:
        yield ("communication_needs", "asked_on"), case.communication_needs.asked_on
    for i, d in enumerate(case.risk_disclosures):
        yield ("risk_disclosures", i, "disclosed_on"), d.disclosed_on
        if d.risk_assessor_informed_on:
            yield ("risk_disclosures", i, "risk_assessor_informed_on"), d.risk_assessor_informed_on
        if d.safeguarding_decided_on:
            yield ("risk_disclosures", i, "safeguarding_decided_on"), d.safeguarding_decided_on
    for i, dev in enumerate(case.deviations):
        yield ("deviations", i, "remedied_on"), dev.remedied_on
        yield ("deviations", i, "reviewed_on"), dev.reviewed_on
    yield from _later_dates(case)


def _later_dates(case: CaseFile) -> Iterator[tuple[Path, date]]:
    """Dates of the records release 1.1.0 added inside existing objects."""
    for name in ROLE_NAMES:
        holder = getattr(case.roles, name)
        if holder is not None and holder.patient_told_on:
            yield ("roles", name, "patient_told_on"), holder.patient_told_on
    for i, s in enumerate(case.sessions):
        if s.follow_up is not None:
            yield ("sessions", i, "follow_up", "contacted_on"), s.follow_up.contacted_on
            if s.follow_up.offender_manager_informed_on:
                yield (("sessions", i, "follow_up", "offender_manager_informed_on"),
                       s.follow_up.offender_manager_informed_on)
    for at, review in _risk_reviews(case):
        yield (*at, "reviewed_on"), review.reviewed_on
    if e := case.end_of_treatment:
        for i, letter in enumerate(e.letters):
            yield ("end_of_treatment", "letters", i, "sent_on"), letter.sent_on


def _risk_reviews(case: CaseFile) -> Iterator[tuple[Path, RiskReview]]:
    if case.end_of_treatment and case.end_of_treatment.risk_review:
        yield ("end_of_treatment", "risk_review"), case.end_of_treatment.risk_review
    if case.closure and case.closure.risk_review:
        yield ("closure", "risk_review"), case.closure.risk_review


def order_checks(case: CaseFile) -> Iterator[tuple[date | None, date | None, Path, str]]:
    """Pairs (earlier, later, path of later, which pair) that must not run backwards; the
    pair's name is its message's key in :data:`~protocol_checks.rules._dated.OUT_OF_ORDER`."""
    plan, a, ref = case.treatment_plan, case.assessment, case.referral
    end, closure = case.end_of_treatment, case.closure  # each read once: DATA-002 runs on every file
    if plan:
        # Treatment starts with the first plan: the earliest earlier plan, when it changed.
        start, at = ((case.earlier_plans[0].starts_on, ("earlier_plans", 0, "starts_on"))
                     if case.earlier_plans else (plan.starts_on, ("treatment_plan", "starts_on")))
        yield plan.starts_on, plan.planned_end_on, ("treatment_plan", "planned_end_on"), "plan_end"
        if a:
            yield a.started_on, start, at, "plan_start"
        if end:
            yield start, end.ended_on, ("end_of_treatment", "ended_on"), "treatment_end"
    if ref and a:
        yield ref.received_on, a.started_on, ("assessment", "started_on"), "assessment_start"
    if sharing := case.information_sharing:
        yield sharing.agreed_on, sharing.explained_to_patient_on, (
            "information_sharing", "explained_to_patient_on"), "sharing_explained"
    for i, b in enumerate(case.planned_breaks):
        yield b.starts_on, b.ends_on, ("planned_breaks", i, "ends_on"), "break_end"
    for name, holder in vars(case.roles).items():  # the four roles, as ROLE_NAMES lists them
        if holder is not None and holder.previous:
            for i, p in enumerate(holder.previous):
                yield (p.assigned_on, p.ended_on, ("roles", name, "previous", i, "ended_on"),
                       "previous_holder")
    if ref and closure:
        yield ref.received_on, closure.closed_on, ("closure", "closed_on"), "closed_before_referral"
    if end and closure:
        yield end.ended_on, closure.closed_on, ("closure", "closed_on"), "closed_before_end"
    if end and end.long_term_contact:
        yield end.ended_on, end.long_term_contact.next_review_on, (
            "end_of_treatment", "long_term_contact", "next_review_on"), "contact_review"
    for i, d in enumerate(case.risk_disclosures):
        yield d.disclosed_on, d.risk_assessor_informed_on, (
            "risk_disclosures", i, "risk_assessor_informed_on"), "assessor_informed"
        yield d.disclosed_on, d.safeguarding_decided_on, (
            "risk_disclosures", i, "safeguarding_decided_on"), "safeguarding_decided"
    for i, w in enumerate(case.waivers):
        yield w.waived_on, w.reviewed_on, ("waivers", i, "reviewed_on"), "waiver_review"
    for i, dev in enumerate(case.deviations):
        yield dev.remedied_on, dev.reviewed_on, ("deviations", i, "reviewed_on"), "deviation_review"


def staff_references(case: CaseFile) -> Iterator[tuple[Path, str]]:
    if case.roles_explained:
        yield ("roles_explained", "explained_by"), case.roles_explained.explained_by
    if case.information_sharing:
        yield ("information_sharing", "set_by"), case.information_sharing.set_by
    if a := case.assessment:
        if a.motivation:
            yield ("assessment", "motivation", "assessed_by"), a.motivation.assessed_by
        if a.psychological_mindedness:
            yield (("assessment", "psychological_mindedness", "assessed_by"),
                   a.psychological_mindedness.assessed_by)
    if case.medication and case.medication.consent:
        yield ("medication", "consent", "obtained_by"), case.medication.consent.obtained_by
    for i, r in enumerate(case.interim_reports):
        yield ("interim_reports", i, "author"), r.author
        yield ("interim_reports", i, "recipient"), r.recipient
    for i, d in enumerate(case.risk_disclosures):
        yield ("risk_disclosures", i, "recorded_by"), d.recorded_by
    for at, review in _risk_reviews(case):
        yield (*at, "reviewed_by"), review.reviewed_by
    # Attestations are left out on purpose: a supervisor who holds no role may confirm one.
