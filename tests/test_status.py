"""Checklist status for one case: met, not met, waived, awaiting attestation, not due, n/a."""

from __future__ import annotations

import json
from pathlib import Path

from protocol_checks.case import CaseFile
from protocol_checks.judge import check_case
from protocol_checks.protocol import load_protocol
from protocol_checks.status import ItemStatus, mark

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cases"


def statuses(relative: str, checklist: str) -> dict[str, ItemStatus]:
    case = CaseFile.model_validate_json((EXAMPLES / relative).read_bytes())
    protocol = load_protocol()
    chosen = protocol.checklist(checklist)
    assert chosen is not None
    return {r.item.id: r.status for r in mark(chosen, case, check_case(case, protocol), protocol)}


def test_clean_treatment_case_meets_its_checklist() -> None:
    found = statuses("clean/treatment-psychodynamic-weekly.json", "before-treatment")
    assert found["BT-7"] is ItemStatus.met  # psychodynamic items apply
    assert found["BT-10"] is ItemStatus.not_applicable  # the CBT-only item does not


def test_failing_rule_marks_its_item_not_met() -> None:
    assert statuses("failing/mod-004.json", "before-treatment")["BT-7"] is ItemStatus.not_met


def test_waived_warning_is_shown_as_waived() -> None:
    found = statuses("clean/treatment-cbt-waived-duration.json", "before-treatment")
    assert found["BT-10"] is ItemStatus.waived


def test_later_checklist_is_not_yet_due_at_referral() -> None:
    found = statuses("clean/referral-new.json", "before-treatment")
    assert set(found.values()) <= {ItemStatus.not_due, ItemStatus.not_applicable}


def test_missing_attestation_is_awaited() -> None:
    path = EXAMPLES / "failing" / "att-001.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    confirmed = {a["item"] for a in data["attestations"]}
    found = statuses("failing/att-001.json", "during-treatment")
    assert found["DT-6"] is ItemStatus.awaiting and "DT-6" not in confirmed


def test_contact_details_are_not_met_without_any_contact() -> None:
    """EF-3 (frequency and review date) cannot be met when no long-term contact exists."""
    found = statuses("failing/end-002.json", "end-of-treatment")
    assert found["EF-2"] is ItemStatus.not_met
    assert found["EF-3"] is ItemStatus.not_met


def test_contact_details_are_met_with_a_planned_contact() -> None:
    found = statuses("clean/long-term-contact.json", "end-of-treatment")
    assert found["EF-2"] is found["EF-3"] is ItemStatus.met
