"""Shared test helpers: synthetic case files (pseudonymous, built in code) and the command."""

from __future__ import annotations

import shutil
import sys
from datetime import date, timedelta
from pathlib import Path


def day(n: int) -> str:
    """An ISO date n days after 2025-01-01."""
    return (date(2025, 1, 1) + timedelta(days=n)).isoformat()


def new_case(**changes: object) -> dict:
    """A case valid at referral on the newest published release (1.2.0), with no finding at
    all (not even DATA-009)."""
    today = day(30)
    case: dict = {
        "protocol_version": "1.2.0", "case_id": "CASE-0001", "stage": "referral", "as_of": today,
        "referral": {"received_on": today, "source": "other", "legal_basis": "none"},
    }
    case.update(changes)
    return case


FILLED = {"as_of": day(30), "received_on": day(0), "source": "other", "legal_basis": "none"}
"""Values for the placeholders of a referral case that make it clean (the rest by type)."""


def filled(skeleton: dict, values: dict[str, object] | None = None) -> dict:
    """A skeleton from `protocol-checks new` with every placeholder replaced: by the value
    ``values`` (default :data:`FILLED`) gives for its field name, else the first choice of
    an enumeration, a fixed date, a staff ID, true or a short text, read from the schema."""
    from protocol_checks.placeholders import PLACEHOLDER
    from protocol_checks.schema_words import spec_at

    chosen = FILLED if values is None else values

    def value_at(path: tuple) -> object:
        name = next((p for p in reversed(path) if isinstance(p, str)), "")
        if name in chosen:
            return chosen[name]
        spec = spec_at(path) or {}
        if "enum" in spec:
            return spec["enum"][0]
        if spec.get("format") == "date":
            return day(0)
        if "pattern" in spec:
            return "STAFF-001"
        return {"boolean": True, "integer": 1}.get(spec.get("type"), "Synthetic text.")

    def walk(node: object, path: tuple) -> object:
        if node == PLACEHOLDER:
            return value_at(path)
        if isinstance(node, dict):
            return {k: walk(v, (*path, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*path, i)) for i, v in enumerate(node)]
        return node

    return walk(skeleton, ())  # type: ignore[return-value]


def clean_treatment_case() -> dict:
    """A treatment-stage CBT case on the newest release, with no findings at all (the tests
    assert it)."""

    def holder(staff_id: str, profession: str, **extra: object) -> dict:
        return {"staff_id": staff_id, "profession": profession, "assigned_on": day(0), **extra}

    return {
        "protocol_version": "1.2.0", "case_id": "CASE-0042", "stage": "treatment",
        "as_of": day(120),
        "referral": {"received_on": day(0), "source": "court",
                     "legal_basis": "order_with_treatment_condition"},
        "roles": {
            "responsible_clinician": holder("STAFF-001", "psychiatrist", can_admit=True,
                                            care_coordinator=True),
            "risk_assessor": holder("STAFF-002", "psychiatrist", risk_trained=True),
            "therapist": holder("STAFF-003", "psychologist"),
            "case_manager": holder("STAFF-004", "social_worker"),
        },
        "roles_explained": {"explained_on": day(1), "explained_by": "STAFF-004"},
        "communication_needs": {"asked_on": day(1), "needs_identified": False},
        "information_sharing": {
            "agencies": ["probation"], "circumstances": "Any disclosed risk to a child.",
            "set_by": "STAFF-002", "agreed_on": day(1), "explained_to_patient_on": day(1)},
        "assessment": {
            "started_on": day(2),
            "motivation": {"assessed_on": day(3), "assessed_by": "STAFF-002",
                           "strands": ["external_sanction", "genuine_wish_to_change"],
                           "formulation": "The order weighs most; some wish to change."},
            "therapeutic_contract": {"agreed_on": day(4)},
            "seeks_treatment_voluntarily": True, "externalises_responsibility": False},
        "treatment_plan": {"modality": "cbt", "format": "group", "starts_on": day(10),
                           "planned_end_on": day(280), "session_frequency": "weekly"},
        "sessions": [{"on": day(10 + 7 * i), "attendance": "attended"} for i in range(15)],
        "interim_reports": [{"sent_on": day(80), "author": "STAFF-004",
                             "recipient": "STAFF-002", "motivation_reviewed": True}],
        "attestations": [{"item": item, "confirmed_by": "STAFF-004", "confirmed_on": day(100)}
                         for item in ("BA-16", "BT-12", "BT-13", "BT-14", "DT-6", "DT-8",
                                      "DT-9")],
    }


def _command() -> list[str]:
    """The installed `protocol-checks` script beside this interpreter, else `python -m`."""
    script = Path(sys.executable).with_name("protocol-checks")
    if script.exists():
        return [str(script)]
    found = shutil.which("protocol-checks")
    return [found] if found else [sys.executable, "-m", "protocol_checks"]


CLI = _command()
"""How the tests run the real command."""
