"""Messages that say what to fix: a misspelt key gets the nearest field, a pattern is said in
words; still without any value from the file."""

from __future__ import annotations

import json

from protocol_checks.loader import parse

BASE = {"protocol_version": "1.2.0", "case_id": "CASE-0001", "stage": "referral",
        "as_of": "2026-01-01"}


def _problems(**fields: object) -> list[str]:
    loaded = parse(json.dumps({**BASE, **fields}).encode())
    assert loaded.case is None
    return [f"{p.message} (at {p.path})" for p in loaded.problems]


def test_a_misspelt_key_gets_the_nearest_field() -> None:
    assert _problems(roles={"therapst": None}) == [
        "unknown field 'therapst'; did you mean 'therapist'? (at $.roles.<unknown>)"]
    assert _problems(referal={}) == ["unknown field 'referal'; did you mean 'referral'? "
                                     "(at $.<unknown>)"]


def test_a_key_that_is_no_slip_is_not_repeated() -> None:
    """A key far from every field could hold anything (a name): it is never echoed, and the
    object's fields are listed instead."""
    (problem,) = _problems(roles={"Jane Smith": 1})
    assert "Jane" not in problem
    assert problem.startswith("unknown field: the case-file format does not define it; the "
                              "fields here are: responsible_clinician, risk_assessor")


def test_patterns_are_said_in_words() -> None:
    problems = _problems(case_id="case-1", attestations=[
        {"item": "BA7", "confirmed_by": "STAFF-001", "confirmed_on": "2026-01-01"}])
    assert "should be capital letters, a hyphen, then digits or capitals (for example " \
        "CASE-0042 or STAFF-017) (at $.case_id)" in problems
    assert "should be two capital letters, a hyphen and one or two digits (for example BA-7) " \
        "(at $.attestations[0].item)" in problems
    assert not any("^" in p or "[A-Z]" in p for p in problems)
