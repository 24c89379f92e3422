"""Privacy: no output ever repeats what a case file says.

Distinctive canary strings are planted in every free-text field, in identifiers, in unknown keys
and in the bad values of broken files; every output format, the checklist command and the
caseload report are run on them, and no canary may appear in anything written. Also unit tests
of the identifier detector behind PRIV-001.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from casefactory import CLI, new_case

from protocol_checks.rules.privacy import looks_identifying, valid_nhs_number

TIMEOUT = 20
FORMATS = ("text", "json", "junit", "sarif", "github")

CANARIES = {
    "notes": "KQ7NOTESCANARY",
    "circumstances": "KQ7SHARINGCANARY",
    "drug": "KQ7DRUGCANARY",
    "reason": "KQ7WAIVERCANARY",
    "case_id": "KQ7CASE-CANARY9",
    "staff": "KQ7STAFF-CANARY1",
    "unknown_key": "KQ7UNKNOWNKEYCANARY",
    "bad_value": "KQ7BADVALUECANARY",
}
"""Every canary starts with KQ7, which appears in no rule text, message or file name."""
MARK = "KQ7"




def run_cli(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_HANDBOOK_URL"}
    proc = subprocess.run([*CLI, *args], cwd=cwd, input=stdin, capture_output=True,
                          timeout=TIMEOUT, env=env, check=False)
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


def run_many(calls: list[tuple[tuple[str, ...], bytes]], cwd: Path
             ) -> list[subprocess.CompletedProcess]:
    """Several runs of the command, concurrently, in order."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda call: run_cli(*call[0], cwd=cwd, stdin=call[1]), calls))


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        assert MARK not in text, f"case content echoed: ...{text[max(0, text.find(MARK) - 80):][:200]}"


# --------------------------------------------------------------------------------------------
# A valid case with a canary in every free-text field and identifier; identifying text beside
# each canary so that PRIV-001 fires on every field (a finding about the text, never the text).


def canary_case() -> dict:
    staff = CANARIES["staff"]
    holder = {"staff_id": staff, "profession": "nurse", "assigned_on": "2025-01-01"}
    return {
        "protocol_version": "1.0.0",
        "case_id": CANARIES["case_id"],
        "stage": "treatment",
        "as_of": "2025-06-01",
        "referral": {"received_on": "2025-01-01", "source": "court", "legal_basis": "none"},
        "roles": {"responsible_clinician": holder, "risk_assessor": holder,
                  "therapist": holder, "case_manager": holder},
        "roles_explained": {"explained_on": "2025-01-02", "explained_by": staff},
        "information_sharing": {
            "agencies": ["police"],
            "circumstances": f"{CANARIES['circumstances']} call Mr Smith on 020 7946 0000",
            "set_by": staff, "agreed_on": "2025-01-02"},
        "assessment": {"started_on": "2025-01-03"},
        "treatment_plan": {"modality": "pharmacological", "format": "individual",
                           "starts_on": "2025-02-01", "planned_end_on": "2025-01-01",
                           "session_frequency": "weekly"},
        "medication": {
            "drug": f"{CANARIES['drug']} for patient 943 476 5919",
            "prescriber": holder, "first_dose_on": "2025-02-02"},
        "sessions": [{"on": "2025-01-15", "attendance": "missed"},
                     {"on": "2025-02-15", "attendance": "missed"}],
        "interim_reports": [{"sent_on": "2025-03-01", "author": "KQ7OTHER-CANARY2",
                             "recipient": "KQ7OTHER-CANARY3"}],
        "waivers": [{"rule": "REF-002", "reason": f"{CANARIES['reason']} lives at SW1A 1AA",
                     "waived_by": staff, "waived_on": "2025-01-05"}],
        "attestations": [{"item": "BA-16", "confirmed_by": "KQ7SUPER-CANARY4",
                          "confirmed_on": "2025-01-05"}],
        "notes": f"{CANARIES['notes']} email kq7canary@example.org or +44 7700 900123",
    }


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def broken_files(folder: Path) -> list[str]:
    """Broken files with the canary in unknown keys, bad values and malformed text."""
    good = canary_case()
    c = CANARIES
    files = {
        "unknown-key.json": {**good, c["unknown_key"]: c["bad_value"]},
        "unknown-nested-key.json": {**good, "referral": {**good["referral"],
                                                         c["unknown_key"]: 1}},
        "bad-enum.json": {**good, "stage": c["bad_value"]},
        "bad-date.json": {**good, "as_of": c["bad_value"]},
        "bad-id.json": {**good, "case_id": c["bad_value"] + " Smith"},
        "bad-bool.json": {**good, "assessment": {"started_on": "2025-01-03",
                                                 "seeks_treatment_voluntarily": c["bad_value"]}},
        "too-long.json": {**good, "notes": c["notes"] * 200},
        "wrong-type.json": {**good, "sessions": c["bad_value"]},
        "top-level-array.json": [c["bad_value"], good],
    }
    names = []
    for name, obj in files.items():
        _write(folder, name, (json.dumps(obj, indent=2) + "\n").encode())
        names.append(name)
    text = json.dumps(good, indent=2)
    raw = {
        "duplicate-unknown-key.json": f'{{"{c["unknown_key"]}": 1, "{c["unknown_key"]}": 2}}'
        .encode(),
        "duplicate-known-key.json": text.replace('"notes":', f'"notes": "{c["notes"]}",\n  "notes":')
        .encode(),
        "trailing-comma.json": text.replace('"notes":', f'"{c["unknown_key"]}": 1,}}, "notes":')
        .encode(),
        "single-quotes.json": f"{{'{c['unknown_key']}': '{c['bad_value']}'}}".encode(),
        "nan.json": f'{{"{c["unknown_key"]}": NaN}}'.encode(),
        "bad-escape.json": f'{{"notes": "{c["notes"]}\\x41"}}'.encode(),
        "control-char.json": f'{{"notes": "{c["notes"]}\t{c["notes"]}"}}'.encode(),
        "lone-surrogate.json": f'{{"{c["unknown_key"]}\\ud800": 1}}'.encode(),
        "bad-utf8.json": f'{{"notes": "{c["notes"]}'.encode() + b"\xff\xfe" + b'"}',
        "long-number.json": f'{{"{c["unknown_key"]}": {"9" * 5000}}}'.encode(),
        "unclosed-string.json": f'{{"notes": "{c["notes"]}'.encode(),
        "garbage.json": f"{c['bad_value']} {c['notes']}".encode(),
    }
    for name, data in raw.items():
        _write(folder, name, data)
        names.append(name)
    return names


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, list[str]]:
    _write(tmp_path, "canary.json", (json.dumps(canary_case(), indent=2) + "\n").encode())
    return tmp_path, ["canary.json", *broken_files(tmp_path)]


def test_canary_case_is_valid_and_breaks_many_rules(planted: tuple[Path, list[str]]) -> None:
    """The planted case must be readable, so its free text reaches every rule and reporter."""
    from protocol_checks.inputs import Settings, check_path

    folder, _ = planted
    result = check_path(str(folder / "canary.json"), Settings())
    assert result.problems == []
    rules = {f.rule_id for f in result.findings}
    assert {"PRIV-001", "DATA-002", "DATA-005", "ROLE-011", "MED-003"} <= rules
    priv = sorted(f.json_path for f in result.findings if f.rule_id == "PRIV-001")
    assert priv == ["$.information_sharing.circumstances", "$.medication.drug", "$.notes",
                    "$.waivers[0].reason"]
    for finding in result.findings:
        assert MARK not in finding.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_canary_in_any_output_format(fmt: str, planted: tuple[Path, list[str]]) -> None:
    folder, names = planted
    proc = run_cli("validate", "--format", fmt, "--fail-on", "advice", "-v", *names, cwd=folder)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert_no_canary(proc.stdout, proc.stderr)
    written = run_cli("validate", "--format", fmt, "-o", "report.out", *names, cwd=folder)
    assert written.returncode == 2
    assert_no_canary(written.stdout, written.stderr, (folder / "report.out").read_text())
    # and each file really was reported (GitHub annotations are capped, so not there)
    if fmt != "github":
        for name in names:
            assert name in proc.stdout
    else:
        assert f"{len(names)} files" in proc.stdout.splitlines()[-1]


def test_no_canary_from_standard_input(planted: tuple[Path, list[str]]) -> None:
    folder, names = planted
    sample = ["canary.json", "unknown-key.json", "bad-enum.json", "duplicate-known-key.json",
              "bad-utf8.json", "long-number.json"]
    assert set(sample) <= set(names)
    runs = run_many([(("validate", "--format", fmt, "-"), (folder / name).read_bytes())
                     for name in sample for fmt in ("text", "json")], folder)
    for proc in runs:
        assert proc.returncode in {1, 2}
        assert "<stdin>" in proc.stdout
        assert_no_canary(proc.stdout, proc.stderr)


def test_no_canary_from_checklists(planted: tuple[Path, list[str]]) -> None:
    from protocol_checks.protocol import load_protocol

    folder, names = planted
    checklists = load_protocol().checklists
    runs = run_many([(("checklist", c.id, "canary.json"), b"") for c in checklists], folder)
    for checklist, proc in zip(checklists, runs, strict=True):
        assert proc.stdout.startswith(checklist.title)
        assert_no_canary(proc.stdout, proc.stderr)
    assert {p.returncode for p in runs} <= {0, 1} and 1 in {p.returncode for p in runs}
    broken = ["unknown-key.json", "bad-enum.json", "bad-id.json", "top-level-array.json",
              "duplicate-unknown-key.json", "nan.json", "lone-surrogate.json", "garbage.json"]
    assert set(broken) <= set(names)
    runs = run_many([(("checklist", "case-file", name), b"") for name in broken], folder)
    for name, proc in zip(broken, runs, strict=True):
        assert proc.returncode == 2
        assert name in proc.stderr
        assert_no_canary(proc.stdout, proc.stderr)


def test_no_canary_in_caseload_report(planted: tuple[Path, list[str]]) -> None:
    folder, names = planted
    proc = run_cli("report", "-o", "caseload.html", *names, cwd=folder)
    assert proc.returncode == 2
    page = (folder / "caseload.html").read_text()
    # The audit names cases by their pseudonymous case ID, by design, and only in its marked
    # places; every other planted value stays out.
    case_id = CANARIES["case_id"]
    marked = (f'data-case="{case_id}"', f'<span class="case-id">{case_id}</span>')
    assert any(m in page for m in marked)
    for m in marked:
        page = page.replace(m, "")
    assert_no_canary(proc.stdout, proc.stderr, page)


def test_core_results_carry_no_canary(planted: tuple[Path, list[str]]) -> None:
    from protocol_checks.inputs import Settings, check_path

    folder, names = planted
    for name in names:
        result = check_path(str(folder / name), Settings())
        assert result.findings or result.problems
        for problem in result.problems:
            assert_no_canary(problem.message, problem.path or "")
        for finding in result.findings:
            assert_no_canary(finding.message, finding.json_path)


# --------------------------------------------------------------------------------------------
# The detector behind PRIV-001.


def nhs_check_digit(nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None when no valid number exists."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def test_nhs_check_digit_helper_agrees_with_the_published_example() -> None:
    assert nhs_check_digit("943476591") == 9  # 943 476 5919, the NHS's well-known test number


@pytest.mark.parametrize("nine", ["943476591", "401023213", "123456788", "000000000",
                                  "999999999", "450557710"])
def test_valid_nhs_number(nine: str) -> None:
    check = nhs_check_digit(nine)
    if check is None:
        assert not any(valid_nhs_number(nine + str(d)) for d in range(10))
        return
    assert valid_nhs_number(nine + str(check))
    for wrong in set(range(10)) - {check}:
        assert not valid_nhs_number(nine + str(wrong))


def test_nhs_numbers_whose_check_digit_would_be_10_are_invalid() -> None:
    nine = next(f"{n:09d}" for n in range(100_000_000, 100_001_000)
                if nhs_check_digit(f"{n:09d}") is None)
    assert not any(valid_nhs_number(nine + str(d)) for d in range(10))


@pytest.mark.parametrize("value", ["", "943476591", "94347659190", "943 476 5919", "94347659x9",
                                   "-943476591"])
def test_valid_nhs_number_needs_ten_ascii_digits(value: str) -> None:
    assert not valid_nhs_number(value)


@pytest.mark.parametrize(("text", "kind"), [
    ("NHS number 943 476 5919", "nhs_number"),
    ("9434765919", "nhs_number"),
    ("ref 943-476-5919.", "nhs_number"),
    ("write to j.smith@example.org", "email"),
    ("JOHN.SMITH+case@nhs.net", "email"),
    ("mobile +44 7700 900123", "phone"),
    ("+447700900123", "phone"),
    ("call 020 7946 0000 after 5", "phone"),
    ("07700 900123", "phone"),
    ("+44 (0)20 7946 0000", "phone"),
    ("lives near SW1A 1AA", "postcode"),
    ("M1 1AE", "postcode"),
    ("EC1A1BB", "postcode"),
    ("seen with Mr Smith", "name"),
    ("Mrs Patel attended", "name"),
    ("Dr. Jones prescribes", "name"),
    ("Miss O'Neill", "name"),
])
def test_identifiers_are_flagged(text: str, kind: str) -> None:
    assert looks_identifying(text) == kind


def test_invalid_nhs_check_digit_is_not_an_nhs_number() -> None:
    assert looks_identifying("ref 9434765918") != "nhs_number"
    assert looks_identifying("ref 943 476 5918") != "nhs_number"


@pytest.mark.parametrize("text", [
    "Attended group session; discussed relapse prevention plan and coping strategies.",
    "Cyproterone acetate 50 mg twice daily; reviewed after 12 weeks.",
    "Missed 2 sessions in March 2025 before the summer break; CBT module 3 of 12.",
    "Risk information is shared with probation if there is a disclosed risk to a child.",
    "Seen on 2025-01-14 for 50 minutes; next review 2025-04-14.",
    "ICD-10 F65.4; PHQ-9 score 12; GAD-7 8.",
    "Leuprorelin 11.25 mg every 3 months",
    "Medroxyprogesterone 150mg IM every 90 days",
    "Reviewed by the MDT; see STAFF-004 and CASE-0042.",
    "Session 3 of 12 held 10:00-11:00.",
    "Triptorelin 3 mg monthly (SPC section 4.4)",
    "The therapist and the case manager met; the Dr is on leave.",
    "MRSA screen negative; Mrsa is not a title.",
    "",
])
def test_ordinary_clinical_text_is_not_flagged(text: str) -> None:
    assert looks_identifying(text) is None


def test_digits_are_counted_in_any_text() -> None:
    """The detectors count digits in the text's UTF-8: other letters' bytes are never digits,
    and a lone surrogate (impossible in a case file, possible in a profile's text) is no error."""
    assert looks_identifying("caf\u00e9 943 476 5919 \u00e9") == "nhs_number"
    assert looks_identifying("ref \ud800 943 476 5919") == "nhs_number"


def test_priv_001_finding_for_each_kind(tmp_path: Path) -> None:
    from protocol_checks.inputs import Settings, check_path

    for text, variant_word in [("943 476 5919", "NHS number"), ("a@b.example.org", "email"),
                               ("+44 7700 900123", "telephone"), ("SW1A 1AA", "postcode"),
                               ("Mr Smith", "titled personal name")]:
        # on 1.1.0, the last release with PRIV-001 (1.2.0 split it into PRIV-003 and
        # PRIV-004); otherwise free of findings but the advice that 1.2.0 is published
        case = new_case(notes=f"{MARK} {text}", protocol_version="1.1.0")
        path = tmp_path / "case.json"
        path.write_text(json.dumps(case))
        (finding,) = [f for f in check_path(str(path), Settings()).findings
                      if f.rule_id != "DATA-009"]
        assert finding.rule_id == "PRIV-001" and finding.json_path == "$.notes"
        assert variant_word in finding.message
        assert MARK not in finding.message and text not in finding.message
