"""Pseudonymous names: IDs and file names that look like an NHS number or a name are flagged."""

from __future__ import annotations

import json
import subprocess

import pytest
from casefactory import CLI, clean_treatment_case

from protocol_checks.case import CaseFile
from protocol_checks.identifiers import id_problem, identifiers, name_problem
from protocol_checks.judge import check_case
from protocol_checks.protocol import load_protocol


@pytest.mark.parametrize(("value", "kind"), [
    ("NHS-9434765919", "nhs_number"), ("CASE-9990000018", "nhs_number"),
    ("CHI-0101701234", "nhs_number"), ("SMITH-JOHN1970", "name"), ("JONES-ANNA", "name"),
    ("CASE-0042", None), ("STAFF-017", None), ("CASE-1234567890", None),  # fails mod 11
])
def test_id_problem(value: str, kind: str | None) -> None:
    assert id_problem(value) == kind


@pytest.mark.parametrize(("name", "kind"), [
    ("cases/943 476 5919.json", "nhs_number"), ("NHS-9990000018.json", "nhs_number"),
    ("smith_john_1970.json", "name"), ("notes/mr-smith.json", "name"),
    ("cases/CASE-0042.json", None), ("referral-new.json", None),
    ("1970-01-01/CASE-0042.json", None),  # the folder is not judged
])
def test_name_problem(name: str, kind: str | None) -> None:
    assert name_problem(name) == kind


def test_every_id_field_is_walked() -> None:
    data = clean_treatment_case()
    data["interim_reports"][0]["recipient"] = "SMITH-JOHN1970"
    case = CaseFile.model_validate_json(json.dumps(data))
    paths = dict(identifiers(case))
    assert paths[("case_id",)] == "CASE-0042"
    assert ("roles", "therapist", "staff_id") in paths
    findings = [f for f in check_case(case, load_protocol()) if f.rule_id == "PRIV-002"]
    assert [f.path for f in findings] == [("interim_reports", 0, "recipient")]
    assert "SMITH" not in findings[0].message


def test_new_refuses_an_identifying_case_id() -> None:
    done = subprocess.run([*CLI, "new", "--case-id", "NHS-9434765919"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert "pseudonymous" in done.stderr and "9434765919" not in done.stderr
    ok = subprocess.run([*CLI, "new", "--case-id", "CASE-0077"], capture_output=True,
                        text=True, check=False)
    assert ok.returncode == 0 and json.loads(ok.stdout)["case_id"] == "CASE-0077"


def test_identifying_file_name_is_flagged_by_the_command(tmp_path) -> None:
    case = json.dumps(clean_treatment_case())
    (tmp_path / "smith_john_1970.json").write_text(case, encoding="utf-8")
    other = json.dumps({**clean_treatment_case(), "case_id": "CASE-0043"})  # two cases
    (tmp_path / "CASE-0043.json").write_text(other, encoding="utf-8")
    done = subprocess.run([*CLI, "validate", "--format", "json", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr  # a warning: exit 0 at the default --fail-on
    by_name = {r["file"].rsplit("/", 1)[-1]: r for r in json.loads(done.stdout)["results"]}
    assert [f["rule"] for f in by_name["smith_john_1970.json"]["findings"]] == ["PRIV-002"]
    assert by_name["CASE-0043.json"]["findings"] == []


def test_an_identifying_file_name_leaves_cf_10_not_met(tmp_path) -> None:
    """The name's finding is made before the checklist is marked, so CF-10 cannot say met."""
    path = tmp_path / "NHS-9434765919.json"
    path.write_text(json.dumps(clean_treatment_case()), encoding="utf-8")
    done = subprocess.run([*CLI, "checklist", "case-file", str(path)], capture_output=True,
                          text=True, check=False)
    line = next(x for x in done.stdout.splitlines() if " CF-10 " in x)
    assert "not met" in line and "PRIV-002" in line and done.returncode == 1
