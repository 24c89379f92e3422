"""Behaviour of every rule: it fires on its failing example, stays quiet on a clean case where it
applies, speaks only its fixed messages, respects stages and waivers, and gets its boundaries right.

Parametrized over the rule registry, so a new rule is covered (and must bring a failing example)
as soon as it is registered.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from casefactory import case_values

from protocol_checks.case import CaseFile, Modality, ReferralSource, Stage
from protocol_checks.evidence import Verdict, judge
from protocol_checks.findings import Finding, Severity
from protocol_checks.judge import check_case, judging
from protocol_checks.protocol import load_protocol
from protocol_checks.protocols import protocol_for, releases_of
from protocol_checks.release import PUBLISHED, all_releases
from protocol_checks.rules import Rule
from protocol_checks.rules._dates import add_months

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"
CLEAN = CASES / "clean"
FAILING = CASES / "failing"

RULES = sorted(load_protocol().rules.values(), key=lambda r: r.id)  # as the newest release states them
BY_ID = {rule.id: rule for rule in RULES}
ERROR_RULES = [r for r in RULES if r.severity is Severity.error]
WARNING_RULES = [r for r in RULES if r.severity is Severity.warning]


def _rule_id(rule: Rule) -> str:
    return rule.id


# ---------------------------------------------------------------- helpers


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def build(data: dict[str, Any]) -> CaseFile:
    """A case from plain JSON data (the model is strict, so go through JSON as a file would)."""
    return CaseFile.model_validate_json(json.dumps(data))


def findings(case: CaseFile) -> list[Finding]:
    return check_case(case, load_protocol())


def active(case: CaseFile) -> list[str]:
    """Sorted ``RULE severity path`` lines of the findings that count (not waived)."""
    return sorted(f"{f.rule_id} {f.severity.value} {f.json_path}" for f in findings(case)
                  if not f.waived)


def clean(name: str) -> dict[str, Any]:
    return read(CLEAN / f"{name}.json")


def failing_path(rule: Rule) -> Path:
    return FAILING / f"{rule.id.lower()}.json"


CLEAN_CASES = {path.stem: CaseFile.model_validate_json(path.read_bytes())
               for path in sorted(CLEAN.glob("*.json"))}
FAILING_CASES = {path.stem: CaseFile.model_validate_json(path.read_bytes())
                 for path in sorted(FAILING.glob("*.json"))}


def _modality(case: CaseFile, modality: Modality) -> bool:
    return case.treatment_plan is not None and case.treatment_plan.modality is modality


def _past_break(case: CaseFile) -> bool:
    return any(b.starts_on <= case.as_of for b in case.planned_breaks)


def _attestations_due(case: CaseFile) -> bool:
    return any(item.is_attestation for item in load_protocol().due_items(case))


# A passing case must not only be at a stage where the rule applies: it must contain what the
# rule inspects (a psychodynamic plan for MOD-002, a past break for CON-003, ...), or the rule
# would pass vacuously.
EXERCISED: dict[str, Callable[[CaseFile], bool]] = {
    "ASMT-004": lambda c: c.assessment is not None and c.assessment.motivation is not None,
    "ATT-001": _attestations_due,
    "CON-001": lambda c: any(s.attendance.value == "missed" for s in c.sessions),
    "CON-007": lambda c: any(s.attendance.value == "missed" for s in c.sessions),
    "CON-008": lambda c: _past_break(c) and any(s.attendance.value == "missed" for s in c.sessions),
    "CON-009": lambda c: bool(c.interim_reports),
    "CON-010": lambda c: any(s.attendance.value == "cancelled_by_service" for s in c.sessions),
    "RISK-001": lambda c: bool(c.risk_disclosures),
    "RISK-002": lambda c: bool(c.risk_disclosures),
    "ROLE-014": lambda c: any(h is not None and h.previous for h in (
        c.roles.responsible_clinician, c.roles.risk_assessor, c.roles.therapist,
        c.roles.case_manager)),
    "ROLE-015": lambda c: c.communication_needs is not None and c.roles_explained is not None,
    "ASMT-005": lambda c: c.assessment is not None and c.assessment.motivation is not None,
    "ASMT-006": lambda c: c.assessment is not None and c.assessment.motivation is not None,
    "END-004": lambda c: c.end_of_treatment is not None,
    "END-005": lambda c: c.end_of_treatment is not None,
    "DATA-010": lambda c: bool(c.waivers),
    "DATA-011": lambda c: bool(c.deviations),
    "CON-003": _past_break,
    "CON-004": lambda c: len(c.interim_reports) >= 2,
    "CON-005": lambda c: bool(c.interim_reports),
    "CON-006": lambda c: bool(c.interim_reports),
    "DATA-004": lambda c: bool(c.sessions),
    "DATA-005": lambda c: bool(c.attestations) and c.roles_explained is not None,
    "DATA-006": lambda c: bool(c.waivers),
    "DATA-007": lambda c: bool(c.attestations),
    "DATA-008": lambda c: c.closure is not None,
    "END-002": lambda c: c.end_of_treatment is not None,
    "END-003": lambda c: c.end_of_treatment is not None and c.end_of_treatment.long_term_contact
    is not None,
    "INFO-002": lambda c: c.information_sharing is not None,
    "INFO-003": lambda c: c.information_sharing is not None,
    "MED-001": lambda c: _modality(c, Modality.pharmacological),
    "MED-002": lambda c: c.medication is not None,
    "MED-003": lambda c: c.medication is not None and c.medication.first_dose_on is not None,
    "MED-004": lambda c: c.medication is not None and c.medication.consent is not None,
    "MOD-006": lambda c: _modality(c, Modality.cbt),
    "PRIV-003": lambda c: bool(c.notes),
    "PRIV-004": lambda c: bool(c.notes),
    "REF-002": lambda c: c.referral is not None and c.referral.source is ReferralSource.court,
    "ROLE-011": lambda c: all((c.roles.responsible_clinician, c.roles.risk_assessor,
                               c.roles.therapist, c.roles.case_manager)),
}
for _id in ("MOD-002", "MOD-010", "MOD-011", "MOD-004", "MOD-005", "MOD-007", "MOD-008", "MOD-009"):
    EXERCISED[_id] = lambda c: _modality(c, Modality.psychodynamic)
for _id, _role in (("ROLE-005", "responsible_clinician"), ("ROLE-012", "responsible_clinician"),
                   ("ROLE-013", "responsible_clinician"),
                   ("ROLE-007", "risk_assessor"), ("ROLE-008", "risk_assessor")):
    EXERCISED[_id] = lambda c, role=_role: getattr(c.roles, role) is not None


def test_registry_is_complete_and_consistent() -> None:
    assert len(RULES) >= 52
    assert [r.id for r in RULES] == sorted(r.id for r in RULES)
    assert set(load_protocol().rules) == set(BY_ID)
    assert set(EXERCISED) <= set(BY_ID), "EXERCISED names a rule that does not exist"


# ---------------------------------------------------------------- (a) failing example fires


@pytest.mark.parametrize("rule", RULES, ids=_rule_id)
def test_rule_fires_on_its_failing_example(rule: Rule) -> None:
    path = failing_path(rule)
    if rule.example is not None and not path.is_file():
        # Only DATA-009 (a newer release exists) may lack one, and only while a single
        # release is published; tests/test_releases.py proves it with a release of its own.
        published = [r for r in all_releases() if r.status in PUBLISHED]
        assert rule.id == "DATA-009" and len(published) == 1, rule.example
        return
    assert path.is_file(), f"rule {rule.id} has no failing example {path.name}"
    case = FAILING_CASES[path.stem]
    # Judged as the command judges it: by the release the example declares.
    protocol = judging(case)
    target = protocol.rules[rule.id]
    assert target.applies_at(case.effective_stage)
    # The rule itself finds a breach, and the validator reports it, unsettled, at its severity.
    assert list(target.bind(protocol)(case)), f"{rule.id} does not fire on {path.name}"
    own = [f for f in check_case(case, protocol) if f.rule_id == rule.id]
    assert own and all(not f.settled and f.severity is target.severity for f in own)


# ---------------------------------------------------------------- (b) passing case


@pytest.mark.parametrize("rule", RULES, ids=_rule_id)
def test_rule_has_a_clean_case_where_it_applies_and_passes(rule: Rule) -> None:
    # Beyond what EXERCISED asks, the rule must positively find what it needs (its verdict is
    # "met", not "not applicable" or "no record"), so an omission from EXERCISED cannot make
    # this pass on a case the rule never really judged.
    exercised = EXERCISED.get(rule.id, lambda _case: True)
    candidates = {name: case for name, case in CLEAN_CASES.items()
                  if rule.applies_at(case.effective_stage) and exercised(case)
                  and _verdict(rule, case) is not Verdict.not_applicable}
    assert candidates, f"no clean case at a stage where {rule.id} applies exercises it"
    passing = [name for name, case in candidates.items()
               if not list(rule.bind(load_protocol())(case))
               and _verdict(rule, case) is Verdict.met]
    assert passing, f"{rule.id} is met on no clean case that exercises it: {sorted(candidates)}"


def _verdict(rule: Rule, case: CaseFile) -> Verdict:
    own = [f for f in findings(case) if f.rule_id == rule.id]
    return judge(rule, case, any(not f.waived for f in own), any(f.waived for f in own),
                 load_protocol()).verdict


# ---------------------------------------------------------------- (c) fixed messages




@functools.cache
def example_findings() -> list[tuple[str, frozenset[str], list[Finding]]]:
    """Every example's name, the values it holds, and its findings; computed once."""
    out = []
    for path in sorted(CLEAN.glob("*.json")) + sorted(FAILING.glob("*.json")):
        data = read(path)
        case = build(data)
        out.append((path.name, frozenset(case_values(data)), check_case(case, judging(case))))
    return out


@pytest.mark.parametrize("rule", RULES, ids=_rule_id)
def test_rule_speaks_only_its_fixed_messages(rule: Rule) -> None:
    assert len(rule.messages()) == len(set(rule.messages())), "two messages are identical"
    # Examples are judged by the release they declare: its wording of the rule is allowed.
    allowed = {m for version in releases_of(rule.id)
               for m in protocol_for(version).rules[rule.id].messages()}
    seen = 0
    for name, values, result in example_findings():
        for finding in result:
            if finding.rule_id != rule.id:
                continue
            seen += 1
            assert finding.message in allowed, f"{name}: unexpected message"
            leaked = [v for v in values if v in finding.message]
            assert not leaked, f"{name}: message carries case values {leaked}"
    assert seen or (rule.example is not None and not failing_path(rule).is_file()), \
        f"no example produced a {rule.id} finding"
    # Messages are plain sentences: no unfilled placeholders (but {items}, which each finding
    # fills with checklist item IDs), no trailing whitespace.
    for message in rule.messages():
        plain = message.replace("{items}", "")
        assert message == message.strip() and "{" not in plain and message.endswith(".")


def test_messages_are_the_same_whatever_the_case_holds() -> None:
    """Two cases breaking a rule in the same way but with different IDs give equal messages."""
    one = read(failing_path(BY_ID["CON-005"]))
    two = json.loads(json.dumps(one).replace("STAFF-03", "STAFF-07").replace("CASE-0", "CASE-9"))
    first = [(f.rule_id, f.message) for f in findings(build(one))]
    second = [(f.rule_id, f.message) for f in findings(build(two))]
    assert first == second and first


# ---------------------------------------------------------------- (d) stage gating


LATE_FAILING = {name: case for name, case in FAILING_CASES.items()
                if case.effective_stage.rank >= Stage.treatment.rank
                and name.upper() in BY_ID}  # withdrawn rules: see tests/test_releases.py


@pytest.mark.parametrize("name", sorted(LATE_FAILING))
def test_no_rule_fires_before_its_stage(name: str) -> None:
    case = LATE_FAILING[name]
    target = BY_ID[name.upper()]
    earlier = [s for s in Stage if s.rank < case.effective_stage.rank]
    for stage in earlier:
        moved = case.model_copy(update={"stage": stage})
        assert moved.effective_stage is stage
        result = findings(moved)
        too_early = [f.rule_id for f in result if BY_ID[f.rule_id].stage.rank > stage.rank]
        assert not too_early, f"at {stage.value}: {too_early}"
        if target.stage.rank > stage.rank:
            assert target.id not in {f.rule_id for f in result}
    # At referral only referral-stage rules may speak.
    at_referral = findings(case.model_copy(update={"stage": Stage.referral}))
    assert all(BY_ID[f.rule_id].stage is Stage.referral for f in at_referral)


def test_stage_gating_is_what_hides_a_treatment_breach() -> None:
    """Positive control: the same in-memory case, back at treatment, fires again."""
    case = FAILING_CASES["mod-006"]
    assert "MOD-006" not in {f.rule_id for f in findings(case.model_copy(update={"stage": Stage.referral}))}
    assert "MOD-006" in {f.rule_id for f in findings(case)}


def test_closed_case_is_judged_at_its_last_stage() -> None:
    data = clean("closed-not-accepted-at-referral")
    assert active(build(data)) == []  # no roles, no assessment: fine at referral
    data["closure"]["last_stage"] = "assessment"
    assert {"ROLE-001", "ASMT-001", "INFO-001", "ROLE-009"} <= {
        line.split()[0] for line in active(build(data))}


# ---------------------------------------------------------------- (e) severity and waivers


def _with_reviewer(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with a responsible clinician to review waivers (a referral-stage case may have
    none yet; no role rule runs at referral)."""
    roles = data.setdefault("roles", {})
    if not roles.get("responsible_clinician"):
        roles["responsible_clinician"] = {
            "staff_id": "STAFF-997", "profession": "psychiatrist", "can_admit": True,
            "care_coordinator": True, "assigned_on": data["referral"]["received_on"]}
    return data


def _waive(data: dict[str, Any], rule_id: str) -> int:
    """Add a waiver of ``rule_id``, reviewed (as release 1.1.0 asks) by the responsible
    clinician where the case has one."""
    waivers = data.setdefault("waivers", [])
    clinician = (data.get("roles") or {}).get("responsible_clinician") or {}
    reviewer = clinician.get("staff_id")
    author = "STAFF-998" if reviewer == "STAFF-001" else "STAFF-001"
    waivers.append({"rule": rule_id, "reason": "Accepted at the team review for stated reasons.",
                    "waived_by": author, "waived_on": data["as_of"],
                    **({"reviewed_by": reviewer, "reviewed_on": data["as_of"]} if reviewer
                       else {})})
    return len(waivers) - 1


@pytest.mark.parametrize("rule", ERROR_RULES, ids=_rule_id)
def test_an_error_cannot_be_waived(rule: Rule) -> None:
    data = read(failing_path(rule))
    before = [f for f in findings(build(data)) if f.rule_id == rule.id]
    index = _waive(data, rule.id)
    after = findings(build(data))
    own = [f for f in after if f.rule_id == rule.id]
    assert len(own) >= len(before) and own
    assert not any(f.waived for f in own), "an error was marked waived"
    refused = [f for f in after if f.rule_id == "DATA-006" and f.json_path == f"$.waivers[{index}].rule"]
    assert len(refused) == 1 and refused[0].severity is Severity.error and not refused[0].waived
    assert refused[0].message == BY_ID["DATA-006"].message


@pytest.mark.parametrize("rule", WARNING_RULES, ids=_rule_id)
def test_a_warning_waiver_marks_the_finding_waived(rule: Rule) -> None:
    data = _with_reviewer(read(failing_path(rule)))
    before = sorted((f.rule_id, f.json_path) for f in findings(build(data)))
    _waive(data, rule.id)
    after = findings(build(data))
    # The same findings are reported, and no new ones (a valid waiver adds nothing).
    assert sorted((f.rule_id, f.json_path) for f in after) == before
    own = [f for f in after if f.rule_id == rule.id]
    assert own and all(f.waived for f in own)
    assert all(not f.waived for f in after if f.rule_id != rule.id)
    assert "DATA-006" not in {f.rule_id for f in after}


def test_waived_finding_does_not_count_but_is_reported() -> None:
    data = clean("treatment-cbt-waived-duration")
    case = build(data)
    result = findings(case)
    assert [(f.rule_id, f.waived) for f in result] == [("MOD-006", True)]
    del data["waivers"]
    assert active(build(data)) == ["MOD-006 warning $.treatment_plan.planned_end_on"]


def test_waiver_naming_an_unknown_rule_is_an_error() -> None:
    data = clean("treatment-cbt-individual")
    _waive(data, "XYZ-999")
    result = [f for f in findings(build(data)) if f.rule_id == "DATA-006"]
    assert [(f.json_path, f.message) for f in result] == [
        ("$.waivers[0].rule", BY_ID["DATA-006"].variants["unknown"])]


# ---------------------------------------------------------------- boundaries


def _plan_end(name: str, planned_end: date) -> list[str]:
    data = clean(name)
    data["treatment_plan"]["planned_end_on"] = planned_end.isoformat()
    return active(build(data))


CBT_START = date(2026, 3, 9)
PSYCHODYNAMIC_START = date(2026, 2, 3)


def test_boundary_fixtures_start_where_the_tests_assume() -> None:
    assert clean("treatment-cbt-individual")["treatment_plan"]["starts_on"] == CBT_START.isoformat()
    assert (clean("treatment-psychodynamic-weekly")["treatment_plan"]["starts_on"]
            == PSYCHODYNAMIC_START.isoformat())


@pytest.mark.parametrize(("planned_end", "warns"), [
    (add_months(CBT_START, 6), False),
    (add_months(CBT_START, 12), False),
    (add_months(CBT_START, 5), True),
    (add_months(CBT_START, 13), True),
    (add_months(CBT_START, 6) - timedelta(days=1), True),
    (add_months(CBT_START, 12) + timedelta(days=1), True),
], ids=["6-months", "12-months", "5-months", "13-months", "6-months-less-a-day",
        "12-months-and-a-day"])
def test_cbt_planned_length(planned_end: date, warns: bool) -> None:
    expected = ["MOD-006 warning $.treatment_plan.planned_end_on"] if warns else []
    assert _plan_end("treatment-cbt-individual", planned_end) == expected


@pytest.mark.parametrize(("months", "warns"), [(24, False), (36, False), (23, True), (37, True)])
def test_psychodynamic_planned_length(months: int, warns: bool) -> None:
    expected = ["MOD-007 warning $.treatment_plan.planned_end_on"] if warns else []
    assert _plan_end("treatment-psychodynamic-weekly",
                     add_months(PSYCHODYNAMIC_START, months)) == expected


def test_duration_rules_ignore_other_modalities() -> None:
    """A two-year plan is a warning for CBT, not for psychodynamic work, and vice versa."""
    assert _plan_end("treatment-psychodynamic-weekly", add_months(PSYCHODYNAMIC_START, 12)) == [
        "MOD-007 warning $.treatment_plan.planned_end_on"]
    assert _plan_end("treatment-cbt-individual", add_months(CBT_START, 24)) == [
        "MOD-006 warning $.treatment_plan.planned_end_on"]
    assert _plan_end("treatment-pharmacological", date(2029, 5, 10)) == []


@pytest.mark.parametrize(("days_before", "warns"), [(1, True), (14, True), (15, False)])
def test_missed_session_before_a_break(days_before: int, warns: bool) -> None:
    data = clean("treatment-cbt-individual")
    missed_on = date(2026, 7, 20)
    index = next(i for i, s in enumerate(data["sessions"]) if s["on"] == missed_on.isoformat())
    data["sessions"][index]["attendance"] = "missed"
    data["planned_breaks"][0]["starts_on"] = (missed_on + timedelta(days=days_before)).isoformat()
    # Without follow-up: CON-008 inside the danger window, CON-007 outside it.
    rule = "CON-008" if warns else "CON-007"
    assert active(build(data)) == [f"{rule} warning $.sessions[{index}].follow_up"]
    _miss(data["sessions"][index])
    assert active(build(data)) == []
    data["sessions"][index]["follow_up"]["contacted_on"] = (missed_on - timedelta(days=1)).isoformat()
    assert active(build(data)) == [f"{rule} warning $.sessions[{index}].follow_up.contacted_on"]


def _miss(session: dict[str, Any]) -> None:
    """Mark ``session`` missed, with a follow-up the same day that also told the offender
    manager (so only regularity is judged)."""
    session["attendance"] = "missed"
    session["follow_up"] = {"contacted_on": session["on"],
                            "offender_manager_informed_on": session["on"]}


def test_missed_session_after_the_break_starts_is_not_a_danger_time_miss() -> None:
    data = clean("treatment-cbt-individual")
    data["planned_breaks"][0]["starts_on"] = "2026-07-20"
    index = next(i for i, s in enumerate(data["sessions"]) if s["on"] == "2026-07-20")
    data["sessions"][index]["attendance"] = "missed"
    assert {line.split()[0] for line in active(build(data))} == {"CON-007"}


@pytest.mark.parametrize(("gap", "warns"), [(90, False), (91, False), (92, True)])
def test_interim_report_gap_from_the_start_of_treatment(gap: int, warns: bool) -> None:
    data = clean("treatment-cbt-individual")
    data["interim_reports"][0]["sent_on"] = (CBT_START + timedelta(days=gap)).isoformat()
    assert active(build(data)) == (["CON-004 warning $.interim_reports"] if warns else [])


@pytest.mark.parametrize(("gap", "warns"), [(91, False), (92, True)])
def test_interim_report_gap_up_to_the_end_of_treatment(gap: int, warns: bool) -> None:
    """After treatment ends, the last report must fall within 91 days of the end, not of as_of."""
    data = clean("long-term-contact")
    ended = date.fromisoformat(data["end_of_treatment"]["ended_on"])
    reports = data["interim_reports"]
    data["interim_reports"] = [reports[0], {**reports[0],
                                            "sent_on": (ended - timedelta(days=gap)).isoformat()}]
    assert active(build(data)) == (["CON-004 warning $.interim_reports"] if warns else [])


@pytest.mark.parametrize(("offset", "late"), [(-7, False), (0, False), (1, True)])
def test_consent_and_first_dose(offset: int, late: bool) -> None:
    data = clean("treatment-pharmacological")
    first_dose = date.fromisoformat(data["medication"]["first_dose_on"])
    data["medication"]["consent"]["obtained_on"] = (first_dose + timedelta(days=offset)).isoformat()
    result = [f for f in findings(build(data)) if not f.waived]
    if late:
        assert [(f.rule_id, f.severity, f.json_path, f.message) for f in result] == [
            ("MED-003", Severity.error, "$.medication.consent.obtained_on",
             BY_ID["MED-003"].variants["late"])]
    else:
        assert result == []


def test_first_dose_without_any_consent_is_an_error() -> None:
    data = clean("treatment-pharmacological")
    del data["medication"]["consent"]
    assert active(build(data)) == ["MED-003 error $.medication.consent"]


@pytest.mark.parametrize("element", ["capacity_assessed", "material_risks_discussed",
                                     "alternatives_discussed", "right_to_withdraw_explained"])
def test_every_consent_element_is_required(element: str) -> None:
    data = clean("treatment-pharmacological")
    data["medication"]["consent"][element] = False
    result = [f for f in findings(build(data)) if not f.waived]
    assert [(f.rule_id, f.json_path, f.message) for f in result] == [
        ("MED-004", f"$.medication.consent.{element}", BY_ID["MED-004"].variants[element])]


@pytest.mark.parametrize(("missed", "warns"), [(1, False), (2, True)])
def test_consecutive_missed_sessions(missed: int, warns: bool) -> None:
    data = clean("treatment-cbt-individual")
    days = ["2026-09-07", "2026-09-14"][:missed]
    indexes = [i for i, s in enumerate(data["sessions"]) if s["on"] in days]
    for i in indexes:
        _miss(data["sessions"][i])
    assert active(build(data)) == ([f"CON-001 warning $.sessions[{indexes[-1]}]"] if warns else [])


@pytest.mark.parametrize(("gap_days", "warns"), [(21, False), (28, True)])
def test_gap_between_attended_sessions(gap_days: int, warns: bool) -> None:
    """Weekly sessions: a gap of three weeks passes, four weeks (outside a break) warns."""
    data = clean("treatment-cbt-individual")
    start = date(2026, 9, 7)
    dropped = {(start + timedelta(days=d)).isoformat() for d in range(7, gap_days, 7)}
    data["sessions"] = [s for s in data["sessions"] if s["on"] not in dropped]
    after = next(i for i, s in enumerate(data["sessions"])
                 if s["on"] == (start + timedelta(days=gap_days)).isoformat())
    assert active(build(data)) == ([f"CON-001 warning $.sessions[{after}]"] if warns else [])


def test_break_discussed_on_its_first_day_is_too_late() -> None:
    data = clean("treatment-cbt-individual")
    data["planned_breaks"][0]["discussed_with_patient_on"] = data["planned_breaks"][0]["starts_on"]
    assert active(build(data)) == ["CON-003 warning $.planned_breaks[0].discussed_with_patient_on"]


def test_break_still_ahead_need_not_be_discussed_yet() -> None:
    data = clean("treatment-cbt-individual")
    data["planned_breaks"].append({"starts_on": "2026-12-21", "ends_on": "2027-01-03"})
    assert active(build(data)) == []


def test_event_after_as_of_is_an_error_but_as_of_itself_is_not() -> None:
    data = clean("treatment-cbt-individual")
    as_of = date.fromisoformat(data["as_of"])
    data["interim_reports"][-1]["sent_on"] = as_of.isoformat()
    assert active(build(data)) == []
    data["interim_reports"][-1]["sent_on"] = (as_of + timedelta(days=1)).isoformat()
    assert active(build(data)) == [
        f"DATA-003 error $.interim_reports[{len(data['interim_reports']) - 1}].sent_on"]


@pytest.mark.parametrize("listed", ["by date", "reversed", "same day twice"])
def test_sessions_outside_treatment_or_after_as_of_are_found_however_listed(listed: str) -> None:
    """DATA-003 and DATA-004 test the earliest and latest session before any path: the ends of
    the list when the file lists its sessions by date, else min and max. Each finds what a plain
    scan of every session finds, in file order."""
    data = clean("long-term-contact")
    start = date.fromisoformat(data["treatment_plan"]["starts_on"])
    ended = date.fromisoformat(data["end_of_treatment"]["ended_on"])
    as_of = date.fromisoformat(data["as_of"])
    sessions = data["sessions"]
    sessions[0]["on"] = (start - timedelta(days=1)).isoformat()
    sessions[-2]["on"] = (ended + timedelta(days=1)).isoformat()
    sessions[-1]["on"] = (as_of + timedelta(days=1)).isoformat()
    if listed == "reversed":
        sessions.reverse()
    elif listed == "same day twice":
        sessions[1]["on"] = sessions[2]["on"]
    days = [date.fromisoformat(s["on"]) for s in sessions]
    expected = [f"DATA-003 $.sessions[{i}].on" for i, day in enumerate(days) if day > as_of] + [
        f"DATA-004 $.sessions[{i}].on" for i, day in enumerate(days) if not start <= day <= ended]
    assert [f"{f.rule_id} {f.json_path}" for f in findings(build(data))
            if f.rule_id in ("DATA-003", "DATA-004")] == expected
    assert len(expected) == 4


def test_roles_explained_on_the_day_assessment_starts_is_in_time() -> None:
    data = clean("assessment-roles-settled")
    started = data["assessment"]["started_on"]
    data["roles_explained"]["explained_on"] = started
    data["information_sharing"]["explained_to_patient_on"] = started
    assert active(build(data)) == []
    day_after = (date.fromisoformat(started) + timedelta(days=1)).isoformat()
    data["roles_explained"]["explained_on"] = day_after
    assert active(build(data)) == ["ROLE-009 error $.roles_explained.explained_on"]


# --- Regression tests for rule defects found in review -------------------------------------


def fired(case: CaseFile) -> set[str]:
    """IDs of the rules with findings that count."""
    return {line.split()[0] for line in active(case)}


def test_supervisor_may_attest_without_holding_a_role() -> None:
    data = clean("treatment-cbt-individual")
    data["attestations"][0]["confirmed_by"] = "STAFF-099"
    assert "DATA-005" not in fired(build(data))


def test_case_closed_during_treatment_may_record_an_early_end() -> None:
    data = clean("treatment-cbt-individual")
    last = max(s["on"] for s in data["sessions"])
    data["stage"] = "closed"
    data["end_of_treatment"] = {"ended_on": last, "reason": "patient_withdrew"}
    data["closure"] = {"closed_on": last, "reason": "patient_withdrew", "last_stage": "treatment"}
    assert "DATA-008" not in fired(build(data))


def test_open_case_in_treatment_with_an_end_recorded_is_behind() -> None:
    data = clean("treatment-cbt-individual")
    last = max(s["on"] for s in data["sessions"])
    data["end_of_treatment"] = {"ended_on": last, "reason": "completed"}
    assert "DATA-008" in fired(build(data))


def test_reports_are_not_due_after_closure() -> None:
    data = clean("treatment-cbt-individual")
    last_report = max(r["sent_on"] for r in data["interim_reports"])
    closed = (date.fromisoformat(last_report) + timedelta(days=30)).isoformat()
    data["sessions"] = [s for s in data["sessions"] if s["on"] <= closed]
    data["stage"] = "closed"
    data["closure"] = {"closed_on": closed, "reason": "patient_withdrew", "last_stage": "treatment"}
    data["as_of"] = (date.fromisoformat(closed) + timedelta(days=200)).isoformat()
    assert "CON-004" not in fired(build(data))


def test_break_discussed_after_the_file_date_is_in_the_future() -> None:
    data = clean("treatment-cbt-individual")
    data["planned_breaks"][0]["discussed_with_patient_on"] = "2099-01-01"
    assert "DATA-003" in fired(build(data))


def test_closure_before_end_of_treatment_runs_backwards() -> None:
    data = clean("closed-after-long-term-contact")
    ended = data["end_of_treatment"]["ended_on"]
    data["closure"]["closed_on"] = (date.fromisoformat(ended) - timedelta(days=1)).isoformat()
    assert "DATA-002" in fired(build(data))


def test_service_cancellation_does_not_break_a_run_of_missed_sessions() -> None:
    data = clean("treatment-cbt-individual")
    sessions = sorted(data["sessions"], key=lambda s: s["on"])
    for s, kind in zip(sessions[3:6], ["missed", "cancelled_by_service", "missed"], strict=True):
        s["attendance"] = kind
    data["sessions"] = sessions
    assert "CON-001" in fired(build(data))


def test_stage_set_too_low_for_the_record_is_an_error() -> None:
    data = clean("treatment-cbt-individual")
    data["stage"] = "assessment"
    assert "DATA-008" in fired(build(data))
    data = clean("assessment-roles-settled")
    data["stage"] = "referral"
    assert "DATA-008" in fired(build(data))


def test_planned_break_days_do_not_excuse_a_longer_gap() -> None:
    data = clean("treatment-cbt-individual")
    sessions = sorted(data["sessions"], key=lambda s: s["on"])
    start = date.fromisoformat(sessions[2]["on"])
    # Drop seven weeks of sessions, but plan only a two-day break inside the gap.
    data["sessions"] = [s for s in sessions
                        if not start < date.fromisoformat(s["on"]) <= start + timedelta(days=49)]
    brk = {"starts_on": (start + timedelta(days=20)).isoformat(),
           "ends_on": (start + timedelta(days=21)).isoformat(),
           "discussed_with_patient_on": start.isoformat()}
    data["planned_breaks"] = [*data["planned_breaks"], brk]
    assert "CON-001" in fired(build(data))


def test_roles_explained_before_they_were_assigned() -> None:
    data = clean("assessment-roles-settled")
    assigned = max(h["assigned_on"] for h in data["roles"].values())
    data["roles_explained"]["explained_on"] = (
        date.fromisoformat(assigned) - timedelta(days=1)).isoformat()
    assert "ROLE-009" in fired(build(data))


def test_sharing_set_after_assessment_began_is_late() -> None:
    data = clean("assessment-roles-settled")
    started = date.fromisoformat(data["assessment"]["started_on"])
    data["information_sharing"]["agreed_on"] = (started + timedelta(days=1)).isoformat()
    data["information_sharing"]["explained_to_patient_on"] = (
        started + timedelta(days=1)).isoformat()
    assert "INFO-001" in fired(build(data))


def test_sharing_explained_before_it_was_agreed_runs_backwards() -> None:
    data = clean("assessment-roles-settled")
    agreed = date.fromisoformat(data["information_sharing"]["agreed_on"])
    data["information_sharing"]["explained_to_patient_on"] = (
        agreed - timedelta(days=1)).isoformat()
    assert "DATA-002" in fired(build(data))


def test_waiver_with_a_path_covers_only_that_place() -> None:
    data = clean("treatment-cbt-individual")
    sessions = sorted(data["sessions"], key=lambda s: s["on"])
    data["sessions"] = sessions
    for i in (3, 4, 9, 10):
        _miss(sessions[i])
    hits = [f for f in findings(build(data)) if f.rule_id == "CON-001"]
    assert len(hits) == 2
    data["waivers"] = [{"rule": "CON-001", "path": hits[0].json_path, "waived_by": "STAFF-001",
                        "waived_on": data["as_of"], "reason": "Agreed absence for surgery.",
                        "reviewed_by": data["roles"]["responsible_clinician"]["staff_id"],
                        "reviewed_on": data["as_of"]}]
    after = {f.json_path: f.waived for f in findings(build(data)) if f.rule_id == "CON-001"}
    assert after == {hits[0].json_path: True, hits[1].json_path: False}


def test_handover_is_judged_by_who_held_the_role_on_each_date() -> None:
    data = clean("treatment-psychodynamic-handover")
    assert not fired(build(data))  # a handover after assessment began is not a late assignment
    data["interim_reports"][2]["author"] = "STAFF-054"  # the first case manager, after leaving
    assert "CON-005" in fired(build(data))


def test_previous_holder_cannot_end_before_starting() -> None:
    data = clean("treatment-psychodynamic-handover")
    data["roles"]["case_manager"]["previous"][0]["ended_on"] = "2025-01-01"
    assert "DATA-002" in fired(build(data))
