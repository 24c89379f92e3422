"""Starting and growing a case: `new` skeletons, placeholders, fields newer than a release,
and ATT-001 naming the items it awaits."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from casefactory import CLI, filled, new_case

from protocol_checks.case import CaseFile, Modality, Stage
from protocol_checks.judge import check_case
from protocol_checks.loader import parse
from protocol_checks.placeholders import PLACEHOLDER, placeholders
from protocol_checks.protocols import followed_protocol, protocol_for
from protocol_checks.skeleton import skeleton, stage_needs

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cases"


def run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, input=stdin,
                          timeout=60, check=False)


@pytest.mark.parametrize("modality", [None, *Modality])
@pytest.mark.parametrize("stage", list(Stage))
def test_every_placeholder_is_reported_in_file_order_and_a_filled_skeleton_reads(
        stage: Stage, modality: Modality | None) -> None:
    start = skeleton(stage, modality, "CASE-0042", followed_protocol())
    holes = placeholders(start)
    assert holes, "a skeleton always has something left to fill"
    loaded = parse(json.dumps(start, indent=2).encode())
    assert loaded.case is None and all(p.invalid for p in loaded.problems)
    reported = [p.path for p in loaded.problems]
    assert reported == [re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", "$." + ".".join(map(str, h)))
                        .replace(".[", "[") for h in holes]
    assert all(p.message.startswith("to fill in: ") for p in loaded.problems)
    assert [p.line for p in loaded.problems] == sorted(p.line for p in loaded.problems)
    done = parse(json.dumps(filled(start)).encode())
    assert done.case is not None, [p.message for p in done.problems]
    assert done.case.stage is stage


def test_what_a_stage_needs_follows_the_modality() -> None:
    protocol = followed_protocol()
    psychodynamic = stage_needs(Stage.treatment, Modality.psychodynamic, protocol)
    cbt = stage_needs(Stage.treatment, Modality.cbt, protocol)
    pharmacological = stage_needs(Stage.treatment, Modality.pharmacological, protocol)
    assert "assessment.psychological_mindedness" in psychodynamic - cbt
    assert "medication.consent" in pharmacological - cbt
    assert not any(n.startswith("medication") for n in cbt)
    assert "referral" in stage_needs(Stage.referral, None, protocol)
    assert "end_of_treatment.long_term_contact" in stage_needs(
        Stage.long_term_contact, Modality.cbt, protocol)
    assert "closure" in stage_needs(Stage.closed, Modality.cbt, protocol)


def test_a_filled_referral_skeleton_is_clean() -> None:
    start = skeleton(Stage.referral, None, "CASE-0042", followed_protocol())
    case = CaseFile.model_validate_json(json.dumps(filled(start)))
    assert check_case(case, followed_protocol()) == []


def test_new_writes_a_file_once_and_checks_its_options(tmp_path: Path) -> None:
    done = run("new", "--stage", "treatment", "--modality", "cbt", "-o", "case.json",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = json.loads((tmp_path / "case.json").read_text(encoding="utf-8"))
    assert written["stage"] == "treatment"
    assert written["treatment_plan"]["modality"] == "cbt"
    assert PLACEHOLDER in json.dumps(written)
    again = run("new", "-o", "case.json", cwd=tmp_path)
    assert again.returncode == 2 and "never written over" in again.stderr
    assert json.loads((tmp_path / "case.json").read_text(encoding="utf-8")) == written
    wrong = run("new", "--stage", "somewhere", cwd=tmp_path)
    assert wrong.returncode == 2 and "referral, assessment, treatment" in wrong.stderr
    assert run("new", "--modality", "art", cwd=tmp_path).returncode == 2
    first = run("validate", "case.json", cwd=tmp_path)
    assert first.returncode == 2 and "1 invalid" in first.stdout
    assert first.stdout.count("to fill in: ") == json.dumps(written).count(PLACEHOLDER)


def test_a_field_newer_than_the_declared_release_is_refused_with_its_release(
        tmp_path: Path) -> None:
    changed = json.loads((EXAMPLES / "clean" / "treatment-modality-changed.json").read_text())
    assert changed["protocol_version"] == "1.2.0" and changed["earlier_plans"]
    older = dict(changed, protocol_version="1.1.0")
    path = tmp_path / "older.json"
    path.write_text(json.dumps(older, indent=2), encoding="utf-8")
    done = run("validate", "older.json", cwd=tmp_path)
    assert done.returncode == 2
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                if '"earlier_plans"' in text)
    assert (f"older.json:{line}: INPUT field 'earlier_plans' is not in the case-file format "
            "of release 1.1.0") in done.stdout
    assert "added in release 1.2.0" in done.stdout and "1 invalid" in done.stdout
    plain = dict(older)
    del plain["earlier_plans"]
    path.write_text(json.dumps(plain), encoding="utf-8")
    assert "INPUT" not in run("validate", "older.json", cwd=tmp_path).stdout


def test_att_001_names_the_items_awaited_in_the_release_that_says_so() -> None:
    data = json.loads((EXAMPLES / "failing" / "att-001.json").read_text())
    for version, named in (("1.2.0", True), ("1.1.0", False)):
        case = CaseFile.model_validate_json(json.dumps(dict(data, protocol_version=version)))
        protocol = protocol_for(version)
        (found,) = [f for f in check_case(case, protocol) if f.rule_id == "ATT-001"]
        awaited = sorted(protocol.due_attestations(case) - {a.item for a in case.attestations})
        if named:
            assert all(item in found.message for item in awaited), found.message
        else:
            assert found.message == json.loads(
                (EXAMPLES.parents[1] / "releases" / "1.1.0.json").read_text()
            )["rules"]["ATT-001"]["message"]


def test_a_cached_att_001_naming_items_reads_back(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "failing" / "att-001.json").read_text())
    (tmp_path / "case.json").write_text(json.dumps(dict(data, protocol_version="1.2.0")))
    first = run("validate", "--cache", "cache", "case.json", cwd=tmp_path)
    second = run("validate", "--cache", "cache", "case.json", cwd=tmp_path)
    assert "ATT-001 Checklist items that need" in first.stdout
    assert first.stdout == second.stdout


def test_new_case_helper_is_clean() -> None:
    case = CaseFile.model_validate_json(json.dumps(new_case()))
    assert check_case(case, followed_protocol()) == []


def _has(node: object, path: tuple) -> bool:
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return False
        elif not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@pytest.mark.parametrize("modality", [None, *Modality])
@pytest.mark.parametrize("stage", list(Stage))
def test_a_filled_skeleton_lacks_no_field_a_finding_asks_for(
        stage: Stage, modality: Modality | None) -> None:
    """The rules' findings on a filled skeleton point only at fields it offers (what is
    left is about the values chosen, such as one staff ID for every role)."""
    start = skeleton(stage, modality, "CASE-0042", followed_protocol())
    case = CaseFile.model_validate_json(json.dumps(filled(start)))
    missing = [(f.rule_id, f.json_path) for f in check_case(case, followed_protocol())
               if not _has(start, f.path)]
    assert missing == []
