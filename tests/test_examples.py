"""The example case files agree with their ``.expected`` files, through the core and the command.

Every ``examples/cases/**/*.json`` is a case; beside it, ``<name>.expected`` says what checking it
must produce: the exit status under the default ``--fail-on error``, then one sorted line per
finding, ``RULE-ID severity $.json.path`` (``RULE-ID waived $.path`` for a waived warning,
``RULE-ID deviation $.path`` for an error settled by a recorded deviation).
Adding a case is adding the two files; nothing here lists them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from protocol_checks.case import CaseFile, Modality, Stage, TreatmentFormat
from protocol_checks.findings import FileResult, Finding, Severity
from protocol_checks.inputs import Settings, check_path
from protocol_checks.release import newest_published
from protocol_checks.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"
CLEAN = CASES / "clean"
FAILING = CASES / "failing"

CASE_FILES = sorted(CASES.rglob("*.json"))
EXPECTED_FILES = sorted(CASES.rglob("*.expected"))
CLEAN_FILES = sorted(CLEAN.glob("*.json"))
FAILING_FILES = sorted(FAILING.glob("*.json"))

EXIT_LINE = re.compile(r"^exit [012]$")
FINDING_LINE = re.compile(
    r"^[A-Z]{3,5}-[0-9]{3} (error|warning|advice|waived|deviation) \$(\.[a-z_]+|\[[0-9]+\])*$")


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def finding_line(finding: Finding) -> str:
    label = "deviation" if finding.deviation else ("waived" if finding.waived
                                                   else finding.severity.value)
    return f"{finding.rule_id} {label} {finding.json_path}"


def exit_status(result: FileResult, fail_on: Severity = Severity.error) -> int:
    """The exit status the command gives for this one file (see ``protocol_checks.cli``)."""
    if result.problems:
        return 2
    failing = [f for f in result.findings if not f.settled and f.severity.rank >= fail_on.rank]
    return 1 if failing else 0


def actual_lines(path: Path) -> list[str]:
    result = check_path(str(path), Settings())
    assert not result.problems, f"{_name(path)} is not a readable case file: {result.problems}"
    return [f"exit {exit_status(result)}", *sorted(finding_line(f) for f in result.findings)]


def expected_lines(path: Path) -> list[str]:
    expected = path.with_suffix(".expected")
    assert expected.is_file(), f"{_name(path)} has no {expected.name} beside it"
    return expected.read_text(encoding="utf-8").splitlines()


def load_case(path: Path) -> CaseFile:
    return CaseFile.model_validate_json(path.read_bytes())


def test_the_example_folders_are_populated() -> None:
    assert len(CLEAN_FILES) >= 10
    assert len(FAILING_FILES) >= len([r for r in all_rules() if r.example is None])


@pytest.mark.parametrize("path", CASE_FILES, ids=_name)
def test_case_matches_its_expected_file(path: Path) -> None:
    assert actual_lines(path) == expected_lines(path)


@pytest.mark.parametrize("path", EXPECTED_FILES, ids=_name)
def test_expected_file_is_well_formed(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert path.with_suffix(".json").is_file(), f"{_name(path)} has no case file beside it"
    assert lines and EXIT_LINE.match(lines[0]), f"first line must be 'exit N', got {lines[:1]}"
    findings = lines[1:]
    bad = [line for line in findings if not FINDING_LINE.match(line)]
    assert not bad, f"malformed finding lines: {bad}"
    assert findings == sorted(findings), "finding lines must be sorted"
    # The exit line must agree with the finding lines (an active error means exit 1).
    has_error = any(line.split()[1] == "error" for line in findings)
    assert lines[0] == f"exit {1 if has_error else 0}"


@pytest.mark.parametrize("path", CLEAN_FILES, ids=_name)
def test_clean_case_has_no_active_finding_at_any_severity(path: Path) -> None:
    result = check_path(str(path), Settings())
    assert not result.problems
    assert [finding_line(f) for f in result.findings if not f.settled] == []
    assert exit_status(result, Severity.advice) == 0
    # A waived finding is always a warning (errors cannot be waived), a recorded deviation
    # always an error; both are still reported.
    assert all(f.severity is (Severity.error if f.deviation else Severity.warning)
               for f in result.findings)


@pytest.mark.parametrize("path", FAILING_FILES, ids=_name)
def test_failing_case_is_named_after_the_rule_it_breaks(path: Path) -> None:
    rule_ids = {rule.id for rule in all_rules()}
    rule_id = path.stem.upper()
    assert rule_id in rule_ids, f"{_name(path)} names no registered rule"
    result = check_path(str(path), Settings())
    fired = {f.rule_id for f in result.findings if not f.settled}
    assert rule_id in fired
    if result.release != newest_published().version:
        fired.discard("DATA-009")  # the advice every case on an older release gets
    # Anything else that fires must be explained in the case's notes.
    notes = load_case(path).notes or ""
    unexplained = sorted(r for r in fired - {rule_id} if r not in notes)
    assert not unexplained, f"{_name(path)} also triggers {unexplained} without saying why"


def test_clean_cases_cover_every_stage_modality_format_and_a_waiver() -> None:
    cases = {path.stem: load_case(path) for path in CLEAN_FILES}
    assert {case.stage for case in cases.values()} == set(Stage)
    in_treatment = [c for c in cases.values() if c.stage is Stage.treatment]
    modalities = {c.treatment_plan.modality for c in in_treatment if c.treatment_plan}
    assert modalities == set(Modality)
    assert any(c.treatment_plan and c.treatment_plan.format is TreatmentFormat.group
               for c in in_treatment)
    pharmacological = [c for c in in_treatment if c.treatment_plan
                       and c.treatment_plan.modality is Modality.pharmacological]
    for case in pharmacological:
        med = case.medication
        assert med is not None and med.consent is not None and med.first_dose_on is not None
        assert med.consent.obtained_on <= med.first_dose_on
        assert all((med.consent.capacity_assessed, med.consent.material_risks_discussed,
                    med.consent.alternatives_discussed, med.consent.right_to_withdraw_explained))
    waived = [stem for stem, c in cases.items() if c.waivers]
    assert waived, "no clean case shows a waiver"
    for stem in waived:
        assert any(line.split()[1] == "waived" for line in expected_lines(CLEAN / f"{stem}.json"))


def _validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "protocol_checks", "validate", "--no-progress", *args],
        capture_output=True, text=True, timeout=300, cwd=ROOT, check=False,
    )


def _expected_totals(files: list[Path]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for path in files:
        for line in expected_lines(path)[1:]:
            totals[line.split()[1]] += 1
    return totals


def _summary_line(files: int, totals: Counter[str]) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    parts = [f"{plural(files, 'file')} checked", plural(totals["error"], "error"),
             plural(totals["warning"], "warning"), f"{totals['advice']} advice"]
    if totals["waived"]:
        parts.append(f"{totals['waived']} waived")
    if totals["deviation"]:
        parts.append(f"{plural(totals['deviation'], 'recorded deviation')}")
    return ", ".join(parts)


def _summary_of(stdout: str) -> str:
    lines = [line for line in stdout.splitlines() if re.match(r"^\d+ files? checked", line)]
    assert len(lines) == 1, stdout[-2000:]
    return lines[0]


@pytest.mark.parametrize("fail_on", ["error", "advice"])
def test_command_passes_the_clean_folder(fail_on: str) -> None:
    proc = _validate("--fail-on", fail_on, str(CLEAN))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert _summary_of(proc.stdout) == _summary_line(len(CLEAN_FILES), _expected_totals(CLEAN_FILES))
    assert " 0 errors, 0 warnings, 0 advice" in _summary_of(proc.stdout)


def test_command_fails_the_failing_folder() -> None:
    proc = _validate(str(FAILING))
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    totals = _expected_totals(FAILING_FILES)
    assert totals["error"] > 0
    assert _summary_of(proc.stdout) == _summary_line(len(FAILING_FILES), totals)


def _label(finding: dict) -> str:
    """A JSON finding's label as the .expected files write it."""
    return "deviation" if finding["deviation"] else (
        "waived" if finding["waived"] else finding["severity"])


def test_command_reports_each_file_as_the_core_does() -> None:
    """The JSON report of the real command matches every .expected file, file by file."""
    proc = _validate("--format", "json", str(CLEAN), str(FAILING))
    assert proc.returncode == 1, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    by_file = {Path(r["file"]).resolve(): r for r in report["results"]}
    assert set(by_file) == {p.resolve() for p in CLEAN_FILES + FAILING_FILES}
    for path in CLEAN_FILES + FAILING_FILES:
        entry = by_file[path.resolve()]
        assert entry["problems"] == []
        lines = sorted(f"{f['rule']} {_label(f)} {f['path']}"
                       for f in entry["findings"])
        assert lines == expected_lines(path)[1:], _name(path)
        # Every finding is located to a line of the file.
        assert all(isinstance(f["line"], int) and f["line"] >= 1 for f in entry["findings"])
