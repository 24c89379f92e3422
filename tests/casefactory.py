"""Shared test helpers: synthetic case files (pseudonymous, built in code) and the command."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any


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
    ``values`` (default :data:`FILLED`) gives for its field name, else the tool's own example
    value for the field (the first choice of an enumeration, a date, a staff ID, true or a
    text, read from the schema)."""
    from protocol_checks.placeholders import PLACEHOLDER, example_value

    chosen = FILLED if values is None else values

    def walk(node: object, path: tuple) -> object:
        if node == PLACEHOLDER:
            name = next((p for p in reversed(path) if isinstance(p, str)), "")
            return chosen[name] if name in chosen else example_value(path)
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


def case_values(data: Any) -> Iterator[str]:
    """String values from a case that must never reach a message: IDs, dates and free text."""
    if isinstance(data, dict):
        for value in data.values():
            yield from case_values(value)
    elif isinstance(data, list):
        for value in data:
            yield from case_values(value)
    elif isinstance(data, str) and (
        re.fullmatch(r"[A-Z][A-Z0-9]{1,9}-[0-9A-Z]{2,12}", data)
        or re.fullmatch(r"\d{4}-\d{2}-\d{2}", data)
        or len(data) > 20
    ):
        yield data
