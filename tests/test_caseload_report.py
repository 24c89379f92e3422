"""The caseload report (``protocol-checks report``): offline, consistent, leak-free, accessible.

The report is built by the real command in a subprocess, from the shipped examples when they
exist (else from cases generated with ``protocol-checks new`` and mutated), plus cases that plant
canary strings in fields whose values must never reach any output.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from casefactory import filled

from protocol_checks import __version__
from protocol_checks.findings import FileResult, Finding, InputProblem, Severity
from protocol_checks.format_words import stage_words
from protocol_checks.reporters.caseload import TOP_CASES, Caseload, write_report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cases"
CLI = str(Path(sys.executable).with_name("protocol-checks"))
CHROMIUM = "/usr/bin/chromium"
HANDBOOK = "https://handbook.example.org/protocol/"

# Values planted in case files; none may appear in the report or on the terminal.
CANARY_NOTES = "zq-canary-notes-7f3a"
CANARY_CASE_ID = "CASE-ZQ7F3A"
CANARY_STAFF = "STAFF-ZQ9K2B"
CANARIES = (CANARY_NOTES, CANARY_CASE_ID, CANARY_STAFF, "ZQ7F3A", "ZQ9K2B")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def _new_case(case_id: str) -> dict:
    done = _cli("new", "--case-id", case_id)
    assert done.returncode == 0, done.stderr
    return filled(json.loads(done.stdout))


def _write(path: Path, data: dict | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")


def _generate(folder: Path) -> None:
    """A handful of cases from ``protocol-checks new``, mutated to break rules in various ways."""
    _write(folder / "clean" / "referral-ok.json", _new_case("CASE-0001"))
    for n, stage in enumerate(["assessment", "treatment", "long_term_contact"], start=2):
        case = _new_case(f"CASE-000{n}")
        case["stage"] = stage  # later stages without the records they need: errors
        _write(folder / "failing" / f"{stage}-missing.json", case)
    old = _new_case("CASE-0005")
    old["protocol_version"] = "0.9.0"
    _write(folder / "failing" / "old-version.json", old)
    _write(folder / "failing" / "not-json.json", '{"case_id": "CASE-0006", ')


@pytest.fixture(scope="module")
def caseload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/cases (or generated cases) plus canary cases, in a fresh folder."""
    folder = tmp_path_factory.mktemp("caseload") / "cases"
    if EXAMPLES.is_dir() and any(EXAMPLES.rglob("*.json")):
        shutil.copytree(EXAMPLES, folder)
    else:
        _generate(folder)
    planted = _new_case(CANARY_CASE_ID)
    planted["stage"] = "assessment"
    planted["notes"] = f"Seen by {CANARY_STAFF}. {CANARY_NOTES}"
    planted["roles_explained"] = {"explained_on": planted["as_of"], "explained_by": CANARY_STAFF}
    _write(folder / "planted" / "with-notes.json", planted)
    # Unreadable: an unknown field named after the canary, and a wrongly typed notes field.
    broken = _new_case(CANARY_CASE_ID)
    broken[CANARY_NOTES] = CANARY_NOTES
    _write(folder / "planted" / "unknown-field.json", broken)
    typed = _new_case(CANARY_CASE_ID)
    typed["notes"] = [CANARY_NOTES]
    _write(folder / "planted" / "wrong-type.json", typed)
    _write(folder / "planted" / "truncated.json", f'{{"notes": "{CANARY_NOTES}", "case_id": ')
    return folder


@pytest.fixture(scope="module")
def validated(caseload: Path) -> dict:
    done = _cli("validate", str(caseload), "--format", "json", "--no-progress")
    assert done.returncode in (0, 1, 2), done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def built(caseload: Path,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    return out, _cli("report", str(caseload), "-o", str(out))


class _Tables(HTMLParser):
    """Every table's caption and rows (cell texts), and every data-total value."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.totals: dict[str, str] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._total: str | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []
        elif tag == "dd" and a.get("data-total"):
            self._total, self._cell = a["data-total"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._rows is not None and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "dd" and self._total is not None and self._cell is not None:
            self.totals[self._total] = "".join(self._cell).strip()
            self._total = self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._caption or ""] = self._rows[1:]  # drop the header row
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self._caption = (self._caption or "") + data
        elif self._cell is not None:
            self._cell.append(data)


def _parse(text: str) -> _Tables:
    parser = _Tables()
    parser.feed(text)
    return parser


def _num(text: str) -> int:
    return int(text.replace(",", ""))


# ---------------------------------------------------------------------------------------------
# The command and what it writes


def test_report_exit_status_and_summary_line(built, validated) -> None:
    out, done = built
    summary = validated["summary"]
    not_checked = summary["unreadable"] + summary["invalid"]
    assert summary["files"] > 1 and summary["errors"] > 1 and summary["warnings"] > 1  # plurals
    expected_status = 2 if not_checked else (1 if summary["errors"] else 0)
    assert done.returncode == expected_status, done.stderr
    assert not_checked >= 3  # the three planted files that cannot be checked, at least
    assert out.is_file()
    assert done.stdout == ""  # the HTML goes to the file; the note about it to stderr
    wrote, note = done.stderr.strip().splitlines()
    assert wrote == (
        f"wrote {out}: {summary['files']:,} files, {summary['errors']:,} errors, "
        f"{summary['warnings']:,} warnings, {summary['invalid']} invalid, "
        f"{summary['unreadable']} unreadable")
    assert "no handbook URL is set" in note and "--handbook-dir" in note  # links are relative


def test_totals_match_validate_json(built, validated) -> None:
    page = _parse(built[0].read_text(encoding="utf-8"))
    summary = validated["summary"]
    expected = {
        "files": summary["files"], "with-findings": summary["files_with_findings"],
        "unreadable": summary["unreadable"], "invalid": summary["invalid"],
        "errors": summary["errors"],
        "warnings": summary["warnings"], "advice": summary["advice"], "waived": summary["waived"],
        "deviations": summary["deviations"],
    }
    assert {k: _num(v) for k, v in page.totals.items()} == expected
    assert summary["files"] == len(validated["results"])


def _settled(finding: dict) -> bool:
    """Whether a waiver or a recorded deviation accepts the finding: counted apart."""
    return finding["waived"] or finding["deviation"]


def test_rule_and_stage_tables_match_validate_json(built, validated) -> None:
    page = _parse(built[0].read_text(encoding="utf-8"))
    findings: dict[str, int] = {}
    files: dict[str, int] = {}
    stages: dict[str, list[int]] = {}
    for r in validated["results"]:
        active = [f for f in r["findings"] if not _settled(f)]
        for f in active:
            findings[f["rule"]] = findings.get(f["rule"], 0) + 1
        for rule in {f["rule"] for f in active}:
            files[rule] = files.get(rule, 0) + 1
        if r["status"] not in ("unreadable", "invalid"):
            row = stages.setdefault(stage_words(r["stage"]), [0, 0, 0, 0, 0])
            row[0] += 1
            row[1] += bool(active)
            for i, sev in enumerate(("error", "warning", "advice"), start=2):
                row[i] += sum(f["severity"] == sev for f in active)
    assert findings, "the input should produce findings"
    settled = {f["rule"] for r in validated["results"] for f in r["findings"] if _settled(f)}
    assert {"MOD-006", "ASMT-003"} <= settled  # a waived warning and a recorded deviation
    rules = page.tables["Findings by rule, most frequent first"]
    assert {row[0]: (_num(row[3]), _num(row[4])) for row in rules} == {
        rule: (n, files[rule]) for rule, n in findings.items()}
    counts = [_num(row[3]) for row in rules]
    assert counts == sorted(counts, reverse=True)
    by_stage = page.tables["Findings by stage"]
    assert {row[0]: [_num(c) for c in row[1:6]] for row in by_stage} == stages


def test_cases_needing_action_first_are_ranked(built, validated) -> None:
    page = _parse(built[0].read_text(encoding="utf-8"))
    ranked = []
    for r in validated["results"]:
        active = [f for f in r["findings"] if not _settled(f)]
        e = sum(f["severity"] == "error" for f in active)
        w = sum(f["severity"] == "warning" for f in active)
        if e or w:
            ranked.append((-e, -w, r["file"], sorted({f["rule"] for f in active})))
    ranked.sort()
    rows = page.tables["Cases needing action first"]
    assert [(row[1], -_num(row[3]), -_num(row[4])) for row in rows] == [
        (name, e, w) for e, w, name, _ in ranked[:TOP_CASES]]
    assert [row[6].split() for row in rows] == [rules for *_, rules in ranked[:TOP_CASES]]


def test_unreadable_files_are_listed_with_their_problem(built, validated) -> None:
    page = _parse(built[0].read_text(encoding="utf-8"))
    rows = page.tables["Files that could not be checked and the first problem in each"]
    expected = {r["file"]: r["problems"][0]["message"]
                for r in validated["results"] if r["status"] in ("unreadable", "invalid")}
    assert {row[0]: row[1].split(" (and ")[0] for row in rows} == expected


def test_report_is_self_contained_with_relative_links(built) -> None:
    text = built[0].read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in text
    assert re.findall(r"https?://", text) == []
    assert "<script" not in text.lower()
    assert "<link" not in text.lower()
    assert not re.search(r"\bsrc\s*=", text, re.I)
    assert "@import" not in text and "url(" not in text
    assert 'href="reference/rules.html#rule-' in text
    # The tool's version is not a protocol release: each case is judged by the one it declares.
    assert (f"by protocol-checks {__version__}, judging each case by the protocol release it "
            "declares.") in text
    assert "protocol version" not in text.lower()
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00">', text)


def test_only_the_handbook_url_is_absolute(caseload: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = _cli("report", str(caseload), "-o", str(out), "--handbook-url", HANDBOOK.rstrip("/"))
    assert done.returncode in (0, 2), done.stderr
    text = out.read_text(encoding="utf-8")
    urls = re.findall(r"https?://[^\s\"'<>)]*", text)
    assert urls
    assert all(u.startswith((HANDBOOK + "reference/rules.html#rule-",
                             HANDBOOK + "checklists/index.html#item-")) for u in urls), urls
    for anchor in re.findall(r'href="([^"#]*#rule-[^"]*)"', text):
        assert anchor.startswith(HANDBOOK)
    assert re.search(r'<a class="rule" href="' + re.escape(HANDBOOK)
                     + r'reference/rules\.html#rule-([a-z]+-\d{3})">([A-Z]+-\d{3})</a>', text)


def test_no_case_values_in_report_or_terminal(built) -> None:
    out, done = built
    text = out.read_text(encoding="utf-8")
    # The pseudonymous case ID is how the audit names a case (the agenda, the re-audit), so
    # it may appear there, and only there: as a marked case ID or a row's data-case key.
    as_id = re.compile(rf'<span class="case-id">{CANARY_CASE_ID}</span>|'
                       rf'data-case="{CANARY_CASE_ID}"')
    assert as_id.search(text), "the planted readable case is on the audit's agenda by its ID"
    rest = as_id.sub("", text)
    for canary in CANARIES:
        assert canary.lower() not in rest.lower()
        assert canary.lower() not in (done.stdout + done.stderr).lower()
    # The planted files are in the report by name only (<wbr> lets long paths wrap).
    names = text.replace("<wbr>", "")
    assert "planted/with-notes.json" in names
    assert "planted/unknown-field.json" in names


# ---------------------------------------------------------------------------------------------
# write_report directly: escaping, bounded memory, empty input


def _finding(rule: str, severity: Severity, waived: bool = False) -> Finding:
    return Finding(rule, severity, "fixed message", ("roles",), 1, waived)


def test_file_names_are_escaped(tmp_path: Path) -> None:
    import io

    name = '<img src=x onerror="alert(1)">&.json'
    results = [
        FileResult(name, findings=[_finding("ROLE-001", Severity.error)], stage="assessment"),
        FileResult(name + "2", problems=[InputProblem("invalid JSON: Expecting value", 1, 2)]),
    ]
    out = io.StringIO()
    summary = write_report(iter(results), out, "")
    assert summary.files == 2 and summary.unreadable == 1 and summary.count("error") == 1
    text = out.getvalue()
    assert "<img" not in text and "onerror=\"" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;.json" in text


def test_memory_is_bounded_and_ranking_exact() -> None:
    import random

    rng = random.Random(7)
    caseload = Caseload()
    expected = []
    for i in range(5000):
        e, w, a = rng.randrange(4), rng.randrange(4), rng.randrange(2)
        findings = ([_finding("ROLE-001", Severity.error)] * e
                    + [_finding("ROLE-005", Severity.warning)] * w
                    + [_finding("ASMT-004", Severity.advice)] * a
                    + [_finding("MOD-006", Severity.warning, waived=True)])
        name = f"case-{rng.randrange(10**6):06d}-{i}.json"
        caseload.add(FileResult(name, findings=findings, stage="treatment"))
        if e or w:
            expected.append((-e, -w, name))
        assert len(caseload.top) <= TOP_CASES
    for i in range(1000):
        caseload.add(FileResult(f"bad-{i}.json", problems=[InputProblem("file is empty")]))
    expected.sort()
    assert [(-r.errors, -r.warnings, r.name) for r in caseload.ranked()] == expected[:TOP_CASES]
    assert len(caseload.unreadable) <= 500 and caseload.summary.unreadable == 1000
    assert caseload.stages["treatment"].cases == 5000
    assert caseload.summary.count("waived") == 5000
    assert "MOD-006" not in caseload.files_by_rule


def test_empty_caseload_renders() -> None:
    import io

    out = io.StringIO()
    summary = write_report(iter([]), out, "")
    assert summary.files == 0
    page = _parse(out.getvalue())
    assert page.totals["files"] == "0"
    assert "No findings" in out.getvalue() and "Every file was read and valid." in out.getvalue()


# ---------------------------------------------------------------------------------------------
# In a browser: no errors, no requests, totals visible, and a screenshot to look at


BROWSER_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")
def test_report_in_headless_chromium(built, validated, tmp_path: Path) -> None:
    screenshot = tmp_path / "caseload-report.png"  # kept by pytest for a look afterwards
    from playwright.sync_api import sync_playwright

    out, _ = built
    url = out.resolve().as_uri()
    summary = validated["summary"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            for javascript in (True, False):
                context = browser.new_context(java_script_enabled=javascript,
                                              viewport={"width": 1100, "height": 900})
                page = context.new_page()
                errors: list[str] = []
                requests: list[str] = []
                page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.on("request", lambda r, requests=requests: requests.append(r.url))
                page.goto(url, wait_until="load")
                assert errors == []
                assert requests == [url]
                assert page.locator("h1").inner_text() == "Caseload report"
                for key, value in [("files", summary["files"]), ("errors", summary["errors"]),
                                   ("warnings", summary["warnings"]),
                                   ("unreadable", summary["unreadable"])]:
                    cell = page.locator(f'[data-total="{key}"]')
                    assert cell.is_visible()
                    assert _num(cell.inner_text()) == value
                chart = page.locator("#chart-rules")
                assert chart.is_visible()
                assert chart.get_attribute("role") == "img"
                assert chart.bounding_box()["width"] > 300
                if javascript:
                    page.screenshot(path=str(screenshot), full_page=True)
                    page.emulate_media(media="print")
                    assert page.locator('[data-total="files"]').is_visible()
                    assert not page.locator("nav").is_visible()
                context.close()
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000


def test_report_counts_item_statuses_including_no_record(tmp_path: Path) -> None:
    """The checklist section counts statuses, so a missing record shows though no rule fired."""
    from casefactory import clean_treatment_case

    folder = tmp_path / "cases"
    folder.mkdir()
    data = clean_treatment_case()
    data["sessions"] = []
    (folder / "CASE-0042.json").write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "report.html"
    done = _cli("report", str(folder), "-o", str(out))
    assert done.returncode == 0, done.stderr  # no error-level finding: the gap is a record
    text = out.read_text(encoding="utf-8")
    row = re.search(r'<tr><th scope="row"><a href="[^"]*#item-dt-1">DT-1</a></th>(.*?)</tr>', text)
    assert row is not None
    cells = re.findall(r"<td>([0-9,]+)</td>", row.group(1))
    columns = ["met", "met (warning waived)", "deviation recorded", "not met", "no record yet",
               "awaiting attestation", "not yet due", "not applicable"]
    assert "".join(f'<th scope="col">{c}</th>' for c in ["Item", *columns]) in text
    assert dict(zip(columns, cells, strict=True)) == {c: "1" if c == "no record yet" else "0"
                                                     for c in columns}
