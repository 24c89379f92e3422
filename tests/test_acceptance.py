"""Reviewed waivers and recorded deviations (release 1.1.0), and what release 1.0.0 still means.

A waiver takes effect under 1.1.0 only with a second staff member's review by a holder of a
reviewer role; a deviation settles only an error about a past event, once reviewed. Under 1.0.0
(no reviewer roles) every waiver takes effect as it did, and no deviation settles anything.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from protocol_checks.case import CaseFile
from protocol_checks.findings import Finding
from protocol_checks.judge import check_case
from protocol_checks.protocol import load_protocol
from protocol_checks.protocols import protocol_for
from protocol_checks.status import ItemStatus, all_statuses

CLEAN = Path(__file__).resolve().parents[1] / "examples" / "cases" / "clean"


def _read(name: str) -> dict[str, Any]:
    return json.loads((CLEAN / f"{name}.json").read_text(encoding="utf-8"))


def _judge(data: dict[str, Any], version: str | None = None) -> list[Finding]:
    case = CaseFile.model_validate_json(json.dumps(data))
    protocol = protocol_for(version) if version else load_protocol()
    assert protocol is not None
    return check_case(case, protocol)


def _lines(found: list[Finding]) -> list[str]:
    return sorted(f"{f.rule_id} {'deviation' if f.deviation else 'waived' if f.waived else f.severity.value} "
                  f"{f.json_path}" for f in found)


def _as_1_0_0(data: dict[str, Any]) -> dict[str, Any]:
    """The case declared under 1.0.0, without confirmations of items 1.1.0 added."""
    old = protocol_for("1.0.0")
    assert old is not None
    data["attestations"] = [a for a in data["attestations"] if a["item"] in old.items]
    return {**data, "protocol_version": "1.0.0"}


WAIVED = "treatment-cbt-waived-duration"
DEVIATION = "treatment-cbt-contract-deviation"


def test_a_reviewed_waiver_takes_effect() -> None:
    assert _lines(_judge(_read(WAIVED))) == ["MOD-006 waived $.treatment_plan.planned_end_on"]


@pytest.mark.parametrize(("change", "variant"), [
    (lambda w, case: w.pop("reviewed_by"), "no_review"),
    (lambda w, case: w.update(reviewed_by=w["waived_by"]), "same_person"),
    # The therapist holds a role, but not the reviewer role (the responsible clinician).
    (lambda w, case: w.update(reviewed_by=case["roles"]["therapist"]["staff_id"]), "not_reviewer"),
])
def test_a_waiver_without_a_valid_review_takes_no_effect(change, variant: str) -> None:
    data = _read(WAIVED)
    change(data["waivers"][0], data)
    found = _judge(data)
    assert _lines(found) == ["DATA-010 error $.waivers[0].reviewed_by",
                             "MOD-006 warning $.treatment_plan.planned_end_on"]
    refusal = next(f for f in found if f.rule_id == "DATA-010")
    assert refusal.message == load_protocol().rules["DATA-010"].variants[variant]


def test_a_review_before_the_reviewer_held_the_role_does_not_count() -> None:
    data = _read(WAIVED)
    clinician = data["roles"]["responsible_clinician"]
    data["waivers"][0]["reviewed_on"] = data["waivers"][0]["waived_on"]
    clinician["assigned_on"] = data["waivers"][0]["waived_on"]
    assert "DATA-010" not in {f.rule_id for f in _judge(data)}
    data["waivers"][0]["reviewed_on"] = "2020-01-01"  # before the clinician took the role
    assert "DATA-010" in {f.rule_id for f in _judge(data)}


def test_release_1_0_0_keeps_its_meaning_for_waivers() -> None:
    """Under 1.0.0 an unreviewed waiver still waives, and DATA-010 is not a rule of it."""
    data = _read(WAIVED)
    del data["waivers"][0]["reviewed_by"], data["waivers"][0]["reviewed_on"]
    assert _lines(_judge(_as_1_0_0(data), "1.0.0")) == [
        "DATA-009 advice $.protocol_version", "MOD-006 waived $.treatment_plan.planned_end_on"]


def test_a_reviewed_deviation_settles_a_past_event_error() -> None:
    data = _read(DEVIATION)
    found = _judge(data)
    assert _lines(found) == ["ASMT-003 deviation $.assessment.therapeutic_contract.agreed_on"]
    statuses = dict(all_statuses(CaseFile.model_validate_json(json.dumps(data)), found,
                                 load_protocol()))
    assert statuses["BT-3"] is ItemStatus.deviation
    assert not ItemStatus.deviation.counts_as_not_met


def test_without_the_deviation_the_error_fails() -> None:
    data = _read(DEVIATION)
    del data["deviations"]
    assert _lines(_judge(data)) == ["ASMT-003 error $.assessment.therapeutic_contract.agreed_on"]


@pytest.mark.parametrize(("change", "variant"), [
    (lambda d, case: d.update(reviewed_by=d["recorded_by"]), "same_person"),
    (lambda d, case: d.update(reviewed_by=case["roles"]["therapist"]["staff_id"]), "not_reviewer"),
])
def test_an_unreviewed_deviation_settles_nothing(change, variant: str) -> None:
    data = _read(DEVIATION)
    change(data["deviations"][0], data)
    found = _judge(data)
    assert _lines(found) == ["ASMT-003 error $.assessment.therapeutic_contract.agreed_on",
                             "DATA-011 error $.deviations[0].reviewed_by"]
    refusal = next(f for f in found if f.rule_id == "DATA-011")
    assert refusal.message == load_protocol().rules["DATA-011"].variants[variant]


def test_a_deviation_cannot_settle_a_missing_record() -> None:
    """ASMT-003's main message (no contract at all) is not a past event: record the contract."""
    data = _read(DEVIATION)
    del data["assessment"]["therapeutic_contract"]
    data["deviations"][0]["path"] = None
    assert "ASMT-003 error $.assessment.therapeutic_contract" in _lines(_judge(data))


@pytest.mark.parametrize(("rule", "variant"), [("MOD-006", None), ("NOPE-001", "unknown")])
def test_a_deviation_must_name_a_rule_with_past_events(rule: str, variant: str | None) -> None:
    data = _read(DEVIATION)
    data["deviations"].append({**copy.deepcopy(data["deviations"][0]), "rule": rule})
    refusal = [f for f in _judge(data) if f.rule_id == "DATA-011"]
    expected = load_protocol().rules["DATA-011"]
    assert [f.message for f in refusal] == [
        expected.message if variant is None else expected.variants[variant]]


def test_release_1_0_0_allows_no_deviation() -> None:
    assert _lines(_judge(_as_1_0_0(_read(DEVIATION)), "1.0.0")) == [
        "ASMT-003 error $.assessment.therapeutic_contract.agreed_on",
        "DATA-009 advice $.protocol_version"]


def test_past_events_are_release_data() -> None:
    """1.1.0 names the past-event messages; 1.0.0's ledger names none."""
    assert load_protocol().rules["ASMT-003"].past_events == ("late",)
    old = protocol_for("1.0.0")
    assert old is not None and all(not r.past_events for r in old.rules.values())


def test_a_deviation_that_matches_no_past_event_is_reported() -> None:
    data = _read(DEVIATION)
    data["deviations"][0]["path"] = "$.sessions[0]"  # not where ASMT-003 reports the event
    found = _judge(data)
    assert _lines(found) == ["ASMT-003 error $.assessment.therapeutic_contract.agreed_on",
                             "DATA-011 error $.deviations[0]"]
    refusal = next(f for f in found if f.rule_id == "DATA-011")
    assert refusal.message == load_protocol().rules["DATA-011"].variants["nothing"]
