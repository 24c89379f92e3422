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
    """Dates of things that have happened (not plans), with their paths.

    DATA-003 walks this for every file, so it is one generator (no inner one to resume for the
    later records), and most of its lists are empty in most files: each list is walked only
    when it has entries, which skips setting up a loop that finds nothing."""
    if referral := case.referral:
        yield ("referral", "received_on"), referral.received_on
        if referral.order is not None:
            yield ("referral", "order", "made_on"), referral.order.made_on
    roles = case.roles
    for name in ROLE_NAMES:
        holder = getattr(roles, name)
        if holder is not None:
            yield ("roles", name, "assigned_on"), holder.assigned_on
            if holder.previous:
                for i, p in enumerate(holder.previous):
                    yield ("roles", name, "previous", i, "ended_on"), p.ended_on
    if case.roles_explained:
        yield ("roles_explained", "explained_on"), case.roles_explained.explained_on
    if sharing := case.information_sharing:
        yield ("information_sharing", "agreed_on"), sharing.agreed_on
        if sharing.explained_to_patient_on:
            yield ("information_sharing", "explained_to_patient_on"), sharing.explained_to_patient_on
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
    if breaks := case.planned_breaks:
        for i, b in enumerate(breaks):
            if b.discussed_with_patient_on:
                yield ("planned_breaks", i, "discussed_with_patient_on"), b.discussed_with_patient_on
    if reports := case.interim_reports:
        for i, r in enumerate(reports):
            yield ("interim_reports", i, "sent_on"), r.sent_on
    if e := case.end_of_treatment:
        yield ("end_of_treatment", "ended_on"), e.ended_on
        if e.long_term_contact:
            yield ("end_of_treatment", "long_term_contact", "arranged_on"), e.long_term_contact.arranged_on
    if case.closure:
        yield ("closure", "closed_on"), case.closure.closed_on
    if attestations := case.attestations:
        for i, att in enumerate(attestations):
            yield ("attestations", i, "confirmed_on"), att.confirmed_on
    if waivers := case.waivers:
        for i, w in enumerate(waivers):
            yield ("waivers", i, "waived_on"), w.waived_on
            if w.reviewed_on:
                yield ("waivers", i, "reviewed_on"), w.reviewed_on
    if case.communication_needs:
        yield ("communication_needs", "asked_on"), case.communication_needs.asked_on
    if disclosures := case.risk_disclosures:
        for i, d in enumerate(disclosures):
            yield ("risk_disclosures", i, "disclosed_on"), d.disclosed_on
            if d.risk_assessor_informed_on:
                yield ("risk_disclosures", i, "risk_assessor_informed_on"), d.risk_assessor_informed_on
            if d.safeguarding_decided_on:
                yield ("risk_disclosures", i, "safeguarding_decided_on"), d.safeguarding_decided_on
    if deviations := case.deviations:
        for i, dev in enumerate(deviations):
            yield ("deviations", i, "remedied_on"), dev.remedied_on
            yield ("deviations", i, "reviewed_on"), dev.reviewed_on
    # The records release 1.1.0 added inside existing objects:
    for name in ROLE_NAMES:
        holder = getattr(roles, name)
        if holder is not None and holder.patient_told_on:
            yield ("roles", name, "patient_told_on"), holder.patient_told_on
    if session_list := case.sessions:  # (``sessions`` says whether to list their own dates)
        for i, s in enumerate(session_list):
            if s.follow_up is not None:
                yield ("sessions", i, "follow_up", "contacted_on"), s.follow_up.contacted_on
                if s.follow_up.offender_manager_informed_on:
                    yield (("sessions", i, "follow_up", "offender_manager_informed_on"),
                           s.follow_up.offender_manager_informed_on)
    for at, review in _risk_reviews(case):
        yield (*at, "reviewed_on"), review.reviewed_on
    if e and e.letters:  # e: the end of treatment, read above
        for i, letter in enumerate(e.letters):
            yield ("end_of_treatment", "letters", i, "sent_on"), letter.sent_on


def _risk_reviews(case: CaseFile) -> Iterator[tuple[Path, RiskReview]]:
    """The risk reviews at the end of formal treatment and at closure, with their paths."""
    if (end := case.end_of_treatment) and end.risk_review:
        yield ("end_of_treatment", "risk_review"), end.risk_review
    if (closure := case.closure) and closure.risk_review:
        yield ("closure", "risk_review"), closure.risk_review


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
    if breaks := case.planned_breaks:  # here and below: a list is walked only when it has entries
        for i, b in enumerate(breaks):
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
    if disclosures := case.risk_disclosures:
        for i, d in enumerate(disclosures):
            yield d.disclosed_on, d.risk_assessor_informed_on, (
                "risk_disclosures", i, "risk_assessor_informed_on"), "assessor_informed"
            yield d.disclosed_on, d.safeguarding_decided_on, (
                "risk_disclosures", i, "safeguarding_decided_on"), "safeguarding_decided"
    if waivers := case.waivers:
        for i, w in enumerate(waivers):
            yield w.waived_on, w.reviewed_on, ("waivers", i, "reviewed_on"), "waiver_review"
    if deviations := case.deviations:
        for i, dev in enumerate(deviations):
            yield (dev.remedied_on, dev.reviewed_on, ("deviations", i, "reviewed_on"),
                   "deviation_review")


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
    if reports := case.interim_reports:  # as in recorded_dates, a list is walked only when it has entries
        for i, r in enumerate(reports):
            yield ("interim_reports", i, "author"), r.author
            yield ("interim_reports", i, "recipient"), r.recipient
    if disclosures := case.risk_disclosures:
        for i, d in enumerate(disclosures):
            yield ("risk_disclosures", i, "recorded_by"), d.recorded_by
    for at, review in _risk_reviews(case):
        yield (*at, "reviewed_by"), review.reviewed_by
    # Attestations are left out on purpose: a supervisor who holds no role may confirm one.
