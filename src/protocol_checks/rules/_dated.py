"""The fixed messages that name which date is at fault (DATA-002, DATA-003).

Each message names the case-file fields involved (the format's own field names, never a value
from a file), so a finding says which date is wrong as well as where it is.
"""

from __future__ import annotations

from protocol_checks.findings import Path
from protocol_checks.rules.roles import ROLE_NAMES

OUT_OF_ORDER = {
    # DATA-002: one message per pair of dates that must run forwards (see _record.order_checks).
    "plan_end": "The treatment plan's planned end ('planned_end_on') is before its start "
    "('starts_on').",
    "plan_start": "The treatment plan's start ('treatment_plan.starts_on') is before the date "
    "assessment began ('assessment.started_on').",
    "treatment_end": "The end of formal treatment ('end_of_treatment.ended_on') is before the "
    "treatment plan's start ('treatment_plan.starts_on').",
    "assessment_start": "The date assessment began ('assessment.started_on') is before the date "
    "the referral was received ('referral.received_on').",
    "sharing_explained": "The information-sharing arrangement was explained to the patient "
    "('explained_to_patient_on') before the date it was set ('agreed_on').",
    "break_end": "A planned break's end ('ends_on') is before its start ('starts_on').",
    "previous_holder": "A previous role holder's last day in the role ('ended_on') is before the "
    "day they took it ('assigned_on').",
    "closed_before_referral": "The date the case was closed ('closure.closed_on') is before the "
    "date the referral was received ('referral.received_on').",
    "closed_before_end": "The date the case was closed ('closure.closed_on') is before the end "
    "of formal treatment ('end_of_treatment.ended_on').",
    "contact_review": "The long-term contact's next review ('next_review_on') is before the end "
    "of formal treatment ('end_of_treatment.ended_on').",
    "assessor_informed": "The risk assessor is recorded as told of a disclosure "
    "('risk_assessor_informed_on') before the date it was disclosed ('disclosed_on').",
    "safeguarding_decided": "A safeguarding decision on a disclosure "
    "('safeguarding_decided_on') is dated before the disclosure itself ('disclosed_on').",
    "waiver_review": "A waiver's review ('reviewed_on') is dated before the waiver itself "
    "('waived_on').",
    "deviation_review": "A deviation's review ('reviewed_on') is dated before the date its "
    "consequences were remedied ('remedied_on').",
}


_WHAT = {
    # DATA-003: the date, in words and by its field, keyed by its path without list indexes.
    "referral.received_on": "The date the referral was received ('received_on')",
    "referral.order.made_on": "The date the court order was made ('made_on')",
    "roles_explained.explained_on": "The date the roles were explained to the patient "
    "('explained_on')",
    "information_sharing.agreed_on": "The date the information-sharing arrangement was set "
    "('agreed_on')",
    "information_sharing.explained_to_patient_on": "The date the information-sharing "
    "arrangement was explained to the patient ('explained_to_patient_on')",
    "assessment.started_on": "The date assessment began ('started_on')",
    "assessment.motivation.assessed_on": "The date motivation was assessed ('assessed_on')",
    "assessment.therapeutic_contract.agreed_on": "The date the therapeutic contract was agreed "
    "('agreed_on')",
    "assessment.psychological_mindedness.assessed_on": "The date psychological mindedness was "
    "assessed ('assessed_on')",
    "medication.first_dose_on": "The date of the first dose ('first_dose_on')",
    "medication.consent.obtained_on": "The date informed consent was given ('obtained_on')",
    "sessions.on": "A session's date ('on')",
    "sessions.follow_up.contacted_on": "The date a missed session was followed up "
    "('contacted_on')",
    "sessions.follow_up.offender_manager_informed_on": "The date the offender manager was told "
    "of missed sessions ('offender_manager_informed_on')",
    "planned_breaks.discussed_with_patient_on": "The date a planned break was discussed with the "
    "patient ('discussed_with_patient_on')",
    "interim_reports.sent_on": "The date an interim report was sent ('sent_on')",
    "end_of_treatment.ended_on": "The date formal treatment ended ('ended_on')",
    "end_of_treatment.long_term_contact.arranged_on": "The date long-term contact was arranged "
    "('arranged_on')",
    "end_of_treatment.risk_review.reviewed_on": "The date of the risk review at the end of "
    "formal treatment ('reviewed_on')",
    "end_of_treatment.letters.sent_on": "The date a letter about the end of formal treatment "
    "was sent ('sent_on')",
    "closure.closed_on": "The date the case was closed ('closed_on')",
    "closure.risk_review.reviewed_on": "The date of the risk review at closure ('reviewed_on')",
    "attestations.confirmed_on": "The date of an attestation ('confirmed_on')",
    "waivers.waived_on": "The date of a waiver ('waived_on')",
    "waivers.reviewed_on": "The date a waiver was reviewed ('reviewed_on')",
    "communication_needs.asked_on": "The date the patient was asked about communication needs "
    "('asked_on')",
    "risk_disclosures.disclosed_on": "The date of a risk disclosure ('disclosed_on')",
    "risk_disclosures.risk_assessor_informed_on": "The date the risk assessor was told of a "
    "disclosure ('risk_assessor_informed_on')",
    "risk_disclosures.safeguarding_decided_on": "The date of a safeguarding decision on a "
    "disclosure ('safeguarding_decided_on')",
    "deviations.remedied_on": "The date a deviation's consequences were remedied "
    "('remedied_on')",
    "deviations.reviewed_on": "The date a deviation was reviewed ('reviewed_on')",
}
for _role in ROLE_NAMES:
    _words = _role.replace("_", " ")
    _WHAT[f"roles.{_role}.assigned_on"] = f"The date the {_words} was assigned ('assigned_on')"
    _WHAT[f"roles.{_role}.previous.ended_on"] = (
        f"A previous {_words}'s last day in the role ('ended_on')")
    _WHAT[f"roles.{_role}.patient_told_on"] = (
        f"The date the patient was told of a new {_words} ('patient_told_on')")

AFTER_AS_OF = {key: f"{what} is later than the case file's 'as_of' date."
               for key, what in _WHAT.items()}
"""DATA-003: one message per kind of recorded date, keyed as :func:`date_kind` names it."""


def date_kind(path: Path) -> str:
    """A date's path without its list indexes: ``sessions.follow_up.contacted_on``."""
    return ".".join(part for part in path if isinstance(part, str))
