"""The caseload audit (``report``): figures per standard, the cases needing action, re-audit.

Figures are checked against counts made by hand from six shipped examples (their facts are
restated beside each expectation); every run names its ``--audit-date``, so no test depends on
today's date.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from protocol_checks.judge import result_for
from protocol_checks.loader import parse
from protocol_checks.reporters.audit_chart import run_chart

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cases"
CLI = str(Path(sys.executable).with_name("protocol-checks"))
PICKED = {
    # file -> (case ID, what matters for the hand count)
    "clean/referral-new.json": "CASE-0101",  # referral stage: treatment items not yet due
    "clean/treatment-cbt-individual.json": "CASE-0103",  # court; reports every <= 91 days
    "clean/long-term-contact.json": "CASE-0108",  # long-term contact, review due 2027-03-02
    "failing/con-004.json": "CASE-0209",  # release 1.0.0; 147 days without a report (CON-004)
    "clean/treatment-cbt-waived-duration.json": "CASE-0107",  # MOD-006 waived (BT-10)
    "clean/treatment-cbt-contract-deviation.json": "CASE-0112",  # ASMT-003 deviation (BT-3)
}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_PROFILE"}
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture()
def cases(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    for name in PICKED:
        shutil.copy(EXAMPLES / name, folder / Path(name).name)
    return folder


def _audit(folder: Path, out: Path, *extra: str, day: str = "2027-01-01") -> dict:
    judged_by = () if "--profile" in extra else ("--no-profile",)
    done = _cli("report", str(folder), *judged_by, "-o", str(out), "--format", "json",
                "--audit-date", day, *extra)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _by_item(doc: dict) -> dict[str, dict]:
    return {s["item"]: s for s in doc["standards"]}


def _figures(s: dict) -> tuple:
    return (s["cases"], s["excluded"]["not_applicable"], s["excluded"]["not_yet_due"], s["due"],
            s["exceptions"]["waived"], s["exceptions"]["deviation"], s["measured"], s["met"],
            s["not_met"] + s["no_record"] + s["awaiting_attestation"], s["compliance"])


def test_figures_match_the_hand_count(cases: Path, tmp_path: Path) -> None:
    doc = _audit(cases, tmp_path / "audit.json")
    assert doc["format_version"] == 1 and doc["audit_date"] == "2027-01-01"
    assert doc["files"] == {"checked": 6, "audited": 6, "not_audited": 0, "case_ids_withheld": 0,
                            "repeated_case_ids": 0}
    assert doc["releases"] == {"1.0.0": 1, "1.2.0": 5}
    found = _by_item(doc)
    # (cases, n/a, not due, due, waived, deviation, measured, met, gaps, compliance)
    # DT-4: the referral case is not yet due; CASE-0209 went 147 days without a report.
    assert _figures(found["DT-4"]) == (6, 0, 1, 5, 0, 0, 5, 4, 1, 80.0)
    assert found["DT-4"]["cases_not_met"] == ["CASE-0209"]
    # BA-2: applies to court referrals only (CASE-0103, CASE-0209, CASE-0112); the others
    # came from probation (CASE-0101, CASE-0108) or a social worker (CASE-0107).
    assert _figures(found["BA-2"])[:4] == (6, 3, 0, 3)
    assert {r["reason"] for r in found["BA-2"]["exclusion_reasons"]} == {
        "the referral is not from a court"}
    # EF-3: due only for the long-term-contact case, which has a frequency and a review date.
    assert _figures(found["EF-3"]) == (6, 0, 5, 1, 0, 0, 1, 1, 0, 100.0)
    # Exceptions are counted apart and left out of the denominator: BT-10 (a waiver), BT-3
    # (a deviation); the referral case is not yet due for either.
    assert _figures(found["BT-10"])[3:] == (5, 1, 0, 4, 4, 0, 100.0)
    assert found["BT-3"]["exceptions"] == {"waived": 0, "deviation": 1}
    assert found["BT-3"]["measured"] == found["BT-3"]["due"] - 1
    assert "CASE-0112" not in found["BT-3"]["cases_met"] + found["BT-3"]["cases_not_met"]
    assert all(s["target"] == 100.0 for s in doc["standards"])
    # Within a checklist, the largest gap to target comes first.
    during = [s["item"] for s in doc["standards"] if s["checklist"] == "during-treatment"]
    assert during[0] == "DT-4"


def test_report_shows_standards_and_the_agenda(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = _cli("report", str(cases), "--no-profile", "-o", str(out), "--audit-date", "2027-01-01")
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    row = re.search(r'<tr data-standard="DT-4" data-compliance="80.0">(.*?)</tr>', text)
    assert row is not None and "below target" in row.group(1)
    assert "compliance = met ÷ (due − exceptions)" in text
    agenda = re.search(r'<table id="agenda">(.*?)</table>', text, re.S)
    assert agenda is not None
    # Only CASE-0209 needs action; its next report is due 91 days after its last (2026-10-23).
    assert re.findall(r'data-case="([^"]*)"', agenda.group(1)) == ["CASE-0209"]
    assert "interim report (DT-4): due <time datetime=\"2027-01-22\">" in agenda.group(1)
    assert 'href="reference/rules.html#rule-con-004"' in agenda.group(1)
    assert "<script" not in text.lower()


def _facts(path: Path, profile: str | None = None):
    result = result_for(path.name, parse(path.read_bytes()), items=True, profile=profile)
    assert result.audit is not None
    return result.audit


def test_due_dates_come_from_the_case_and_the_release_settings(tmp_path: Path) -> None:
    review = _facts(EXAMPLES / "clean/long-term-contact.json")
    assert [(d.what, d.item, d.on) for d in review.due] == [
        ("long-term contact review", "EF-3", date(2027, 3, 2))]
    assert review.as_of == date(2026, 10, 19)
    report = _facts(EXAMPLES / "clean/treatment-cbt-individual.json")
    assert [(d.what, d.on) for d in report.due] == [("interim report", date(2027, 1, 22))]
    # A service's own report interval moves the due date: 2026-10-23 + 60 days.
    profile = tmp_path / "protocol-profile.yaml"
    profile.write_text((ROOT / "examples/profiles/eastvale.yaml").read_text(encoding="utf-8")
                       .replace("settings:\n", "settings:\n  report_interval_days:\n    value: 60\n"
                                "    rationale: Our commissioners ask for two-monthly reports.\n"
                                "    author: Head of service\n", 1), encoding="utf-8")
    local = _facts(EXAMPLES / "clean/treatment-cbt-individual.json", str(profile))
    assert [(d.what, d.on) for d in local.due] == [("interim report", date(2026, 12, 22))]
    # An attestation awaited is due at the case's own as-of date.
    data = json.loads((EXAMPLES / "clean/treatment-cbt-individual.json").read_text("utf-8"))
    data["attestations"] = [a for a in data["attestations"] if a["item"] != "DT-8"]
    changed = tmp_path / "c.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    awaited = [d for d in _facts(changed).due if d.what == "attestation"]
    assert [(d.item, d.on) for d in awaited] == [("DT-8", date(2026, 10, 30))]


def _set_reports(path: Path, reports: list[str]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    template = data["interim_reports"][0]
    data["interim_reports"] = [{**template, "sent_on": day} for day in reports]
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def test_reaudit_compares_with_the_last_saved_run(cases: Path, tmp_path: Path) -> None:
    saved = tmp_path / "audits"
    first = _audit(cases, tmp_path / "a1.json", "--save", str(saved), day="2027-01-01")
    assert first["compared_with"] is None
    # Between the audits: CASE-0209's missing report is found, CASE-0103 loses one.
    _set_reports(cases / "con-004.json", ["2026-05-29", "2026-08-21", "2026-10-23"])
    _set_reports(cases / "treatment-cbt-individual.json", ["2026-05-29", "2026-10-23"])
    second = _audit(cases, tmp_path / "a2.json", "--save", str(saved), day="2027-02-01")
    assert sorted(p.name for p in saved.iterdir()) == ["audit-2027-01-01.json",
                                                       "audit-2027-02-01.json"]
    assert second["compared_with"]["audit_date"] == "2027-01-01"
    change = {c["item"]: c for c in second["compared_with"]["standards"]}["DT-4"]
    assert change == {"item": "DT-4", "before": 80.0, "now": 80.0, "change": 0.0,
                      "to_met": ["CASE-0209"], "to_not_met": ["CASE-0103"]}
    # Run again on the second day: that day's run is replaced, the comparison stays.
    out = tmp_path / "report.html"
    done = _cli("report", str(cases), "--no-profile", "-o", str(out), "--save", str(saved),
                "--audit-date", "2027-02-01")
    assert done.returncode == 0, done.stderr
    assert len(list(saved.iterdir())) == 2
    text = out.read_text(encoding="utf-8")
    assert "Compared with the audit of <time>2027-01-01</time>" in text
    row = re.search(r'<tr data-change="DT-4">(.*?)</tr>', text)
    assert row is not None and "CASE-0209" in row.group(1) and "CASE-0103" in row.group(1)
    chart = re.search(r'<svg id="run-dt-4".*?</svg>', text, re.S)
    assert chart is not None
    assert ('<desc id="run-dt-4-d">DT-4 compliance by audit date, target 100%: '
            "2027-01-01: 80%; 2027-02-01: 80%.</desc>") in chart.group(0)
    assert re.search(r'<table id="trend-table">.*?2027-01-01.*?2027-02-01', text, re.S)


def test_saved_runs_hold_no_case_values(cases: Path, tmp_path: Path) -> None:
    planted = cases / "con-004.json"
    data = json.loads(planted.read_text(encoding="utf-8"))
    data["notes"] = "zq-canary-notes-7f3a"
    planted.write_text(json.dumps(data), encoding="utf-8")
    saved = tmp_path / "audits"
    _audit(cases, tmp_path / "a.json", "--save", str(saved))
    text = (saved / "audit-2027-01-01.json").read_text(encoding="utf-8")
    assert "zq-canary" not in text
    assert re.findall(r"\d{4}-\d{2}-\d{2}", text) == ["2027-01-01"]  # no case date at all
    assert set(re.findall(r"CASE-[0-9A-Z]+", text)) == set(PICKED.values())


def test_an_identifying_case_id_is_counted_but_never_listed(cases: Path, tmp_path: Path) -> None:
    planted = cases / "con-004.json"
    data = json.loads(planted.read_text(encoding="utf-8"))
    data["case_id"] = "MRN-ZQ4417"
    planted.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "a.json"
    doc = _audit(cases, out)
    assert doc["files"]["case_ids_withheld"] == 1
    assert _by_item(doc)["DT-4"]["not_met"] == 1 and _by_item(doc)["DT-4"]["cases_not_met"] == []
    report = tmp_path / "r.html"
    _cli("report", str(cases), "--no-profile", "-o", str(report), "--audit-date", "2027-01-01")
    for text in (out.read_text(encoding="utf-8"), report.read_text(encoding="utf-8")):
        assert "ZQ4417" not in text
    assert "case ID withheld" in report.read_text(encoding="utf-8")


def test_unusable_saved_runs_and_folders_are_located_errors(cases: Path, tmp_path: Path) -> None:
    saved = tmp_path / "audits"
    saved.mkdir()
    (saved / "audit-2026-12-01.json").write_text('{"format_version": 1,', encoding="utf-8")
    out = tmp_path / "r.html"
    done = _cli("report", str(cases), "-o", str(out), "--save", str(saved),
                "--audit-date", "2027-01-01")
    assert done.returncode == 2
    assert "audit-2026-12-01.json:1: not a saved audit: invalid JSON" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
    (saved / "audit-2026-12-01.json").write_text('{"format_version": 2}', encoding="utf-8")
    done = _cli("report", str(cases), "-o", str(out), "--save", str(saved))
    assert done.returncode == 2 and "(at $.format_version)" in done.stderr
    inside = _cli("report", str(cases), "-o", str(out), "--save", str(cases / "audits"),
                  "--audit-date", "2027-01-01")
    assert inside.returncode == 2 and "inside a folder being checked" in inside.stderr
    a_file = tmp_path / "file"
    a_file.write_text("", encoding="utf-8")
    done = _cli("report", str(cases), "-o", str(out), "--save", str(a_file))
    assert done.returncode == 2 and "needs a folder" in done.stderr


def _profile(tmp_path: Path, targets: str) -> Path:
    path = tmp_path / "profile.yaml"
    base = (ROOT / "examples/profiles/eastvale.yaml").read_text(encoding="utf-8")
    path.write_text(base.rstrip("\n") + "\ntargets:\n" + targets, encoding="utf-8")
    return path


def test_profile_targets_are_used_validated_and_shown(cases: Path, tmp_path: Path) -> None:
    profile = _profile(tmp_path, "  DT-4: 75\n  CF-11: 90.5\n")
    doc = _audit(cases, tmp_path / "a.json", "--profile", str(profile))
    found = _by_item(doc)
    assert (found["DT-4"]["target"], found["DT-4"]["meets_target"]) == (75.0, True)
    assert found["CF-11"]["target"] == 90.5 and found["BA-1"]["target"] == 100.0
    assert doc["profile"]["service"].startswith("Eastvale")
    shown = _cli("profile", "show", str(profile))
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"DT-4\s+75%", shown.stdout) and re.search(r"CF-11\s+90.5%", shown.stdout)
    as_json = json.loads(_cli("profile", "show", str(profile), "--format", "json").stdout)
    assert as_json["targets"] == {"DT-4": 75.0, "CF-11": 90.5}
    for bad, message in [("  ZZ-9: 50\n", "targets.ZZ-9: no checklist item ZZ-9"),
                         ("  DT-4: 101\n", "Input should be less than or equal to 100"),
                         ("  DT-4: \"90\"\n", "Input should be a valid number")]:
        wrong = _profile(tmp_path, bad)
        line = len(wrong.read_text(encoding="utf-8").splitlines())  # the bad entry is last
        done = _cli("profile", "show", str(wrong))
        assert done.returncode == 2, bad
        assert f"{wrong}:{line}: {message}" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_run_chart_is_labelled_and_leaves_gaps() -> None:
    svg = run_chart("run-x", "DT-4", [(date(2027, 1, 1), 50.0), (date(2027, 2, 1), None),
                                      (date(2027, 3, 1), 75.0), (date(2027, 4, 1), 100.0)], 90)
    assert 'role="img" aria-labelledby="run-x-t run-x-d"' in svg
    assert "2027-02-01: not measured" in svg and "target 90%" in svg
    assert svg.count("<circle") == 3 and svg.count("<polyline") == 1  # no line across the gap
    assert "<script" not in svg


CHROMIUM = Path("/usr/bin/chromium")


def test_report_in_chromium_without_scripts_axe_and_a4(cases: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; a CI run must test the report in a real browser")
        pytest.skip(reason)
    from importlib.resources import files

    from browser_support import CHROMIUM_ARGS, axe_failures
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    saved = tmp_path / "audits"
    _audit(cases, tmp_path / "a.json", "--save", str(saved), day="2027-01-01")
    out = tmp_path / "report.html"
    done = _cli("report", str(cases), "--no-profile", "-o", str(out), "--save", str(saved),
                "--audit-date", "2027-02-01")
    assert done.returncode == 0, done.stderr
    url = out.resolve().as_uri()
    axe = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            quiet = browser.new_context(java_script_enabled=False)
            page = quiet.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="load")
            assert requests == [url]  # nothing else is fetched
            assert page.locator("#audit-h").is_visible()
            assert page.locator('tr[data-standard="DT-4"]').is_visible()
            assert page.locator("#agenda tr[data-case='CASE-0209']").is_visible()
            chart = page.locator("#run-dt-4")
            assert chart.is_visible() and chart.get_attribute("role") == "img"
            page.emulate_media(media="print")
            page.pdf(path=str(pdf), format="A4")
            quiet.close()
            context = browser.new_context()
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.add_script_tag(content=axe)
            results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            assert axe_failures(results, "report") == []
            context.close()
        finally:
            browser.close()
    pages = PdfReader(pdf).pages
    assert len(pages) > 1
    for page in pages:  # A4 is 595 x 842 points
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595) < 2 and abs(height - 842) < 2


def test_a_case_kept_in_two_files_is_counted_once(cases: Path, tmp_path: Path) -> None:
    """A later file with a case ID already seen (RUN-001) is in no figure a second time, and
    is on the agenda to be merged."""
    once = _audit(cases, tmp_path / "once.json")
    shutil.copy(cases / "treatment-cbt-individual.json", cases / "zz-copy.json")
    twice = _audit(cases, tmp_path / "twice.json")
    assert twice["files"]["checked"] == once["files"]["checked"] + 1
    assert twice["files"]["repeated_case_ids"] == 1
    assert twice["files"]["audited"] == once["files"]["audited"]
    assert [_figures(s) for s in twice["standards"]] == [_figures(s) for s in once["standards"]]
    html = tmp_path / "twice.html"
    done = _cli("report", str(cases), "--no-profile", "-o", str(html), "--audit-date", "2027-01-01")
    assert done.returncode == 1  # RUN-001 is an error
    page = html.read_text(encoding="utf-8")
    assert "zz-copy.json" in page and "repeat the case ID" in page
