"""What the caseload audit needs from one case, beyond its item statuses: its pseudonymous ID,
its as-of date, why items are excluded, and what falls due next.

Computed where the case is judged (in a worker, while the parsed case is at hand), so only these
few facts travel back to the report. Due dates come from the case's own dates and its release's
settings, never from today: the report stays the same whenever it is run.
"""

from __future__ import annotations

from datetime import timedelta

from protocol_checks.audit_facts import CaseAudit, Due
from protocol_checks.case import CaseFile, Stage
from protocol_checks.identifiers import id_problem
from protocol_checks.protocol import Protocol
from protocol_checks.rules.conduct import _treatment_end
from protocol_checks.status import ItemResult, ItemStatus

REPORT_RULE = "CON-004"
"""The rule that says when an interim report is due (the release's ``report_interval_days``)."""
REVIEW_RULE = "END-003"
"""The rule that asks for the long-term contact's review date."""

EXCLUDED = (ItemStatus.not_applicable, ItemStatus.not_due)


def _first_item(protocol: Protocol, rule_id: str) -> str | None:
    items = protocol.items_of_rule.get(rule_id) or []
    return items[0] if items else None


def next_report(case: CaseFile, protocol: Protocol) -> Due | None:
    """When the next interim report is due during treatment: one report interval after the
    start of treatment or the last report in it, as CON-004 measures the gaps."""
    plan = case.treatment_plan
    if (plan is None or case.stage is not Stage.treatment or case.end_of_treatment is not None
            or REPORT_RULE not in protocol.rules):
        return None
    end = _treatment_end(case)
    sent = [r.sent_on for r in case.interim_reports if plan.starts_on <= r.sent_on <= end]
    last = max([plan.starts_on, *sent])
    interval = protocol.release.settings.report_interval_days
    return Due("interim report", _first_item(protocol, REPORT_RULE),
               last + timedelta(days=interval))


def next_review(case: CaseFile, protocol: Protocol) -> Due | None:
    """The long-term contact's next review, as the case records it."""
    end = case.end_of_treatment
    contact = end.long_term_contact if end is not None else None
    if case.stage is not Stage.long_term_contact or contact is None or (
            contact.next_review_on is None):
        return None
    return Due("long-term contact review", _first_item(protocol, REVIEW_RULE),
               contact.next_review_on)


def case_audit(case: CaseFile, protocol: Protocol, marked: list[ItemResult]) -> CaseAudit:
    """The case's audit facts from its marked items; attestations awaited are due at its as-of."""
    reasons = tuple((r.item.id, r.status.value, r.reason or "no reason given")
                    for r in marked if r.status in EXCLUDED)
    due = [d for d in (next_report(case, protocol), next_review(case, protocol)) if d]
    due += [Due("attestation", r.item.id, case.as_of) for r in marked
            if r.status is ItemStatus.awaiting]
    due.sort(key=lambda d: (d.on, d.what, d.item or ""))
    case_id = case.case_id if id_problem(case.case_id) is None else None
    return CaseAudit(case_id, case.as_of, reasons, tuple(due))
