"""Service profiles: validated and located, applied by the validator (found as ruff finds its
configuration), refused when they loosen, marked in every output, re-applied to other releases
with the conflicts reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_cli import run_cli

from protocol_checks.adapt import adapt
from protocol_checks.profile import ProfileError, parse_profile
from protocol_checks.protocols import followed_protocol, protocol_for

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "examples" / "profiles"
NORTHBRIDGE, EASTVALE = PROFILES / "northbridge.yaml", PROFILES / "eastvale.yaml"
CASES = ROOT / "examples" / "cases"
CBT = CASES / "clean" / "treatment-cbt-individual.json"

MINIMAL = """\
base_release: 1.1.0
service:
  name: Test Service
  document_control: {reference: T-1, owner: Clinical lead, approved_by: Test committee}
"""


def _profile(tmp_path: Path, extra: str = "", name: str = "protocol-profile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(MINIMAL + extra, encoding="utf-8")
    return path


def _findings(out: str) -> dict[str, list[dict]]:
    return {Path(r["file"]).name: r["findings"] for r in json.loads(out)["results"]}


# --- the profile file ---------------------------------------------------------------------

def test_the_example_profiles_are_valid_and_apply_without_conflict() -> None:
    for path in (NORTHBRIDGE, EASTVALE):
        done = run_cli("profile", "check", str(path), cwd=ROOT)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "without conflicts" in done.stdout


@pytest.mark.parametrize(("extra", "line", "where"), [
    ("settings:\n  report_interval_days: {value: 56, rationale: short, author: Lead}\n", 6,
     "$.settings.report_interval_days.rationale"),
    ("terms:\n  keyworker: {name: key worker, rationale: Our trust's own word., author: Lead}\n",
     6, "$.terms.keyworker"),
    ("defaults:\n  fail_on: sometimes\n", 6, "$.defaults.fail_on"),
])
def test_a_bad_profile_is_refused_with_its_line_and_path(tmp_path: Path, extra: str, line: int,
                                                        where: str) -> None:
    path = _profile(tmp_path, extra)
    done = run_cli("validate", "--profile", str(path), str(CBT), cwd=tmp_path)
    assert done.returncode == 2
    assert f"protocol-profile.yaml:{line}:" in done.stderr and f"(at {where})" in done.stderr
    assert done.stdout == ""  # no case was judged


def test_a_setting_outside_its_bounds_is_refused(tmp_path: Path) -> None:
    path = _profile(tmp_path, "settings:\n  report_interval_days:\n    value: 400\n"
                    "    rationale: We report once a year only.\n    author: Clinical lead\n")
    done = run_cli("profile", "check", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert "protocol-profile.yaml:7:" in done.stderr and "less than or equal to 182" in done.stderr


def test_an_error_can_never_be_loosened(tmp_path: Path) -> None:
    path = _profile(tmp_path, "severities:\n  RISK-001:\n    severity: warning\n"
                    "    rationale: We would rather review these case by case.\n"
                    "    author: Clinical lead\n")
    done = run_cli("validate", "--profile", str(path), str(CBT), cwd=tmp_path)
    assert done.returncode == 2
    assert "protocol-profile.yaml:7:" in done.stderr  # the entry refused
    assert "may only tighten" in done.stderr and "an error can never be loosened" in done.stderr


@pytest.mark.parametrize("field", ["author: jane.doe@example.org",
                                   "author: Dr Jane Smith"])
def test_personal_data_is_refused_in_a_profile(tmp_path: Path, field: str) -> None:
    with pytest.raises(ProfileError, match="personal data"):
        parse_profile(MINIMAL + "escalation:\n  - situation: Risk disclosed out of hours\n"
                      "    contact: On-call consultant psychiatrist\n"
                      "    rationale: The on-call consultant decides out of hours.\n"
                      f"    {field}\n", "p.yaml")


def test_profile_new_prints_a_profile_that_loads() -> None:
    done = run_cli("profile", "new", cwd=ROOT)
    assert done.returncode == 0
    profile = parse_profile(done.stdout, "new.yaml")
    assert profile.base_release == followed_protocol().release.version
    assert "report_interval_days" in done.stdout and "allowed 28 to 182" in done.stdout


def test_profile_show_gives_every_setting_with_its_origin() -> None:
    done = run_cli("profile", "show", str(NORTHBRIDGE), "--format", "json", cwd=ROOT)
    shown = json.loads(done.stdout)
    origins = {s["name"]: (s["value"], s["origin"]) for s in shown["settings"]}
    assert origins["report_interval_days"] == ("56", "local")
    assert origins["danger_window_days"] == ("14", "base")
    assert {c["kind"] for c in shown["changes"]} >= {"setting", "term", "item", "escalation"}


# --- the validator follows it --------------------------------------------------------------

def test_the_same_case_is_judged_differently_under_each_service(tmp_path: Path) -> None:
    case = json.loads(CBT.read_text(encoding="utf-8"))
    case["roles"]["therapist"]["staff_id"] = case["roles"]["risk_assessor"]["staff_id"]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")

    def rules(*flags: str) -> dict[str, tuple[str, list[str]]]:
        done = run_cli("validate", "--format", "json", *flags, str(path), cwd=tmp_path)
        return {f["rule"]: (f["severity"], f["local"]) for f in _findings(done.stdout)["case.json"]}

    base = rules()
    assert base["ROLE-007"] == ("warning", []) and "CON-004" not in base
    east = rules("--profile", str(EASTVALE))
    assert east["ROLE-007"] == ("error", ["severity of ROLE-007"])
    north = rules("--profile", str(NORTHBRIDGE))
    # Reports every 91 days meet the base, but not Northbridge's 56-day interval; and its
    # local item LD-1 awaits its confirmation.
    assert north["CON-004"] == ("warning", ["report_interval_days"])
    assert north["ROLE-007"] == ("warning", []) and "ATT-001" in north


def test_a_local_mark_in_every_output_format(tmp_path: Path) -> None:
    text = run_cli("validate", "--profile", str(NORTHBRIDGE), "--fail-on", "error", str(CBT),
                   cwd=tmp_path)
    assert "CON-004" in text.stdout and "[local: report_interval_days]" in text.stdout
    sarif = json.loads(run_cli("validate", "--profile", str(NORTHBRIDGE), "--format", "sarif",
                               str(CBT), cwd=tmp_path).stdout)
    results = sarif["runs"][0]["results"]
    assert any(r["properties"]["local"] == ["report_interval_days"] for r in results)
    github = run_cli("validate", "--profile", str(NORTHBRIDGE), "--format", "github", str(CBT),
                     cwd=tmp_path).stdout
    assert "[local: report_interval_days]" in github


def test_the_profile_is_found_beside_the_cases_or_above_them(tmp_path: Path) -> None:
    shutil.copy(NORTHBRIDGE, tmp_path / "protocol-profile.yaml")
    cases = tmp_path / "team" / "cases"
    cases.mkdir(parents=True)
    shutil.copy(CBT, cases / "case.json")
    found = run_cli("validate", "--format", "json", str(cases), cwd=ROOT)
    assert "CON-004" in {f["rule"] for f in _findings(found.stdout)["case.json"]}
    # Its defaults apply: fail on warnings, so the CON-004 warning fails the run.
    assert found.returncode == 1
    base = run_cli("validate", "--format", "json", "--no-profile", str(cases), cwd=ROOT)
    assert "CON-004" not in {f["rule"] for f in _findings(base.stdout)["case.json"]}
    assert base.returncode == 0
    named = run_cli("validate", "--format", "json", str(CBT), cwd=ROOT,
                    env={"PROTOCOL_CHECKS_PROFILE": str(NORTHBRIDGE)})
    assert "CON-004" in {f["rule"] for f in _findings(named.stdout)[CBT.name]}


def _two_services(tmp_path: Path) -> Path:
    """A team folder (Northbridge's profile) holding a folder of Eastvale's with its own, each
    with the same case in which the therapist also assesses risk."""
    case = json.loads(CBT.read_text(encoding="utf-8"))
    case["roles"]["therapist"]["staff_id"] = case["roles"]["risk_assessor"]["staff_id"]
    team = tmp_path / "team"
    (team / "east").mkdir(parents=True)
    shutil.copy(NORTHBRIDGE, team / "protocol-profile.yaml")
    shutil.copy(EASTVALE, team / "east" / "protocol-profile.yaml")
    for folder in (team, team / "east"):
        (folder / "case.json").write_text(json.dumps(case), encoding="utf-8")
    return team


def test_each_case_is_judged_by_its_nearest_profile(tmp_path: Path) -> None:
    root = _two_services(tmp_path)
    for extra in ((), ("--cache", str(tmp_path / "cache")), ("--cache", str(tmp_path / "cache")),
                  ("-j", "2")):
        done = run_cli("validate", "--format", "json", *extra, str(root), cwd=ROOT)
        results = {Path(r["file"]).parent.name: {f["rule"]: f["severity"] for f in r["findings"]}
                   for r in json.loads(done.stdout)["results"]}
        assert results["team"]["ROLE-007"] == "warning"  # Northbridge keeps the base
        assert results["east"]["ROLE-007"] == "error"  # Eastvale tightened it
        assert "CON-004" in results["team"] and "CON-004" not in results["east"]


def test_the_report_needs_one_profile(tmp_path: Path) -> None:
    root = _two_services(tmp_path)
    done = run_cli("report", "-o", str(tmp_path / "r.html"), str(root / "case.json"),
                   str(root / "east"), cwd=ROOT)
    assert done.returncode == 2 and "different service profiles" in done.stderr


def test_a_nested_profile_that_cannot_be_used_is_reported(tmp_path: Path) -> None:
    root = _two_services(tmp_path)
    (root / "east" / "protocol-profile.yaml").write_text(MINIMAL + "severities:\n  RISK-001:\n"
                                                         "    severity: advice\n"
                                                         "    rationale: Loosened on purpose.\n"
                                                         "    author: Clinical lead\n",
                                                         encoding="utf-8")
    done = run_cli("validate", str(root), cwd=ROOT)
    assert done.returncode == 2
    assert "east/protocol-profile.yaml: INPUT this service profile cannot be used" in done.stdout
    assert "may only tighten" in done.stdout
    assert "east/case.json" not in done.stdout  # not judged by another profile instead


def test_the_profiles_excludes_are_skipped(tmp_path: Path) -> None:
    shutil.copy(NORTHBRIDGE, tmp_path / "protocol-profile.yaml")
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "half-written.json").write_text("{", encoding="utf-8")
    shutil.copy(CBT, tmp_path / "case.json")
    done = run_cli("validate", "--format", "json", str(tmp_path), cwd=tmp_path)
    assert set(_findings(done.stdout)) == {"case.json"}  # the unreadable draft was skipped
    flagged = run_cli("validate", "--no-profile", str(tmp_path), cwd=tmp_path)
    assert flagged.returncode == 2  # without the profile, the draft is read and refused


def test_the_cache_knows_the_profile(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "")
    cache = tmp_path / "cache"

    def interim_findings() -> int:
        done = run_cli("validate", "--format", "json", "--profile", str(profile), "--cache",
                       str(cache), str(CBT), cwd=tmp_path)
        return sum(f["rule"] == "CON-004" for f in _findings(done.stdout)[CBT.name])

    assert interim_findings() == 0
    profile.write_text(MINIMAL + "settings:\n  report_interval_days:\n    value: 56\n"
                       "    rationale: Probation asks for a report every eight weeks.\n"
                       "    author: Clinical lead\n", encoding="utf-8")
    assert interim_findings() == 1  # not the cached result of the earlier profile


def test_local_items_join_their_checklist(tmp_path: Path) -> None:
    done = run_cli("checklist", "during-treatment", str(CBT), "--profile", str(NORTHBRIDGE),
                   cwd=tmp_path)
    assert "LD-1" in done.stdout and "awaiting attestation" in done.stdout
    assert "lead professional" not in run_cli("checklist", "before-assessment",
                                              "--no-profile", cwd=tmp_path).stdout
    local = run_cli("checklist", "before-assessment", "--profile", str(NORTHBRIDGE),
                    cwd=tmp_path).stdout
    assert "lead professional" in local and "care coordinator" not in local


# --- other releases ------------------------------------------------------------------------

def test_a_profile_is_re_applied_to_another_release_with_its_conflicts() -> None:
    profile = parse_profile(NORTHBRIDGE.read_text(encoding="utf-8"), "n.yaml")
    old = protocol_for("1.0.0")
    assert old is not None
    adapted = adapt(old, profile)
    assert adapted.protocol.release.settings.report_interval_days == 56  # named by 1.0.0
    assert any("prescriber_professions is not adaptable" in c for c in adapted.conflicts)
    assert adapted.protocol.release.settings.reviewer_roles is None  # 1.0.0 keeps its meaning


def test_a_withdrawn_rule_in_a_profile_is_a_conflict(tmp_path: Path) -> None:
    path = _profile(tmp_path, "severities:\n  ROLE-006:\n    severity: error\n"
                    "    rationale: Our responsible clinicians are always psychiatrists.\n"
                    "    author: Clinical lead\n")
    done = run_cli("profile", "check", str(path), cwd=tmp_path)
    assert done.returncode == 1
    assert "release 1.1.0: rule ROLE-006 is not in release 1.1.0 (withdrawn; replaced by " \
        "ROLE-012, ROLE-013" in done.stdout


def test_the_caseload_report_names_the_profile_and_its_items(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = run_cli("report", "--profile", str(NORTHBRIDGE), "-o", str(out), str(CBT),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "Northbridge Forensic Outpatient Service" in page and "LD-1" in page
    base = tmp_path / "base.html"
    run_cli("report", "--no-profile", "-o", str(base), str(CBT), cwd=tmp_path)
    assert "Northbridge" not in base.read_text(encoding="utf-8")


def test_the_report_marks_a_case_finding_a_local_setting_produced(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run_cli("report", "--profile", str(NORTHBRIDGE), "-o", str(out), str(CBT), cwd=tmp_path)
    page = out.read_text(encoding="utf-8")
    row = page[page.index("first-table"):]
    row = row[:row.index("</table>")]
    assert "<code>CON-004</code> <abbr class=\"local\"" in row
