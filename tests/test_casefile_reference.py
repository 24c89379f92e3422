"""The case-file reference follows the patient's path and shows whole descriptions.

Its objects are listed as a depth-first walk of the case file's fields reaches them, so the
order is the model's field order (which follows the path), not the alphabet; and a description
wrapped over lines in a docstring is shown whole, not cut at its first line break.
"""

from __future__ import annotations

from protocol_checks.case import CaseFile
from protocol_checks.schema import case_schema
from protocol_checks.sphinxext.casefile import _paragraphs, object_order


def test_objects_follow_the_case_files_fields_depth_first() -> None:
    schema = case_schema()
    order = object_order(schema)
    objects = [n for n, spec in schema["$defs"].items() if "properties" in spec]
    assert sorted(order) == sorted(objects) and len(order) == len(set(order))
    assert order[:2] == ["Referral", "CourtOrder"]  # the referral, then what it holds
    assert order[-3:] == ["Attestation", "Waiver", "Deviation"]
    firsts = [f for f in CaseFile.model_fields if f in {
        "referral", "roles", "assessment", "treatment_plan", "end_of_treatment", "closure"}]
    assert firsts == ["referral", "roles", "assessment", "treatment_plan", "end_of_treatment",
                      "closure"], "the model's fields no longer follow the patient's path"
    path = ["Referral", "Roles", "Assessment", "TreatmentPlan", "EndOfTreatment", "Closure"]
    assert [order.index(n) for n in path] == sorted(order.index(n) for n in path)


def test_descriptions_are_shown_whole() -> None:
    waiver = case_schema()["$defs"]["Waiver"]["description"]
    assert "\n" in waiver  # wrapped in the docstring
    assert _paragraphs(waiver) == [" ".join(waiver.split())]
    assert _paragraphs(waiver)[0].endswith("Errors cannot be waived.")
    assert _paragraphs("One line\nwrapped.\n\nA second paragraph.") == [
        "One line wrapped.", "A second paragraph."]
