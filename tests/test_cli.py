"""The real ``protocol-checks`` command in subprocesses: options, sub-commands, every output
format (parsed, not grepped), exit statuses, standard input, folders and the handbook link base.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from casefactory import CLI, clean_treatment_case, filled, new_case

from protocol_checks import __version__
from protocol_checks.case import SCHEMA_ID
from protocol_checks.protocols import followed_protocol
from protocol_checks.release import supported_versions, working_release
from protocol_checks.rules import REGISTRY
from protocol_checks.run_checks import RUN_CHECKS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cases"
TIMEOUT = 20
SUBCOMMANDS = ("validate", "report", "schema", "rules", "explain", "checklist", "new")




def run_cli(*args: str, cwd: Path, stdin: bytes = b"", env: dict[str, str] | None = None,
            fresh_process: bool = False) -> subprocess.CompletedProcess:
    """Run the command; text output, and no handbook URL from the caller.

    In this process (through :func:`protocol_checks.cli.main`, with its own standard streams,
    folder and environment) unless the run forks workers or ``fresh_process`` asks for the
    installed script: a subprocess adds nothing else these tests look at, and costs ~0.3 s.
    """
    forks = any(a in ("-j", "--jobs") and args[i + 1] not in ("1", "auto")
                for i, a in enumerate(args[:-1]))
    if fresh_process or forks:
        base = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_HANDBOOK_URL"}
        base["PYTHONDONTWRITEBYTECODE"] = "1"
        proc = subprocess.run([*CLI, *args], cwd=cwd, input=stdin, capture_output=True,
                              timeout=TIMEOUT, env={**base, **(env or {})}, check=False)
        out, err = proc.stdout.decode(), proc.stderr.decode()
        status = proc.returncode
    else:
        status, out, err = _in_process(list(args), cwd, stdin, env or {})
    assert "Traceback" not in out + err, err
    return subprocess.CompletedProcess(["protocol-checks", *args], status, out, err)


def _in_process(args: list[str], cwd: Path, stdin: bytes,
                env: dict[str, str]) -> tuple[int, str, str]:
    from protocol_checks import cli

    saved = sys.stdin, sys.stdout, sys.stderr, os.getcwd(), dict(os.environ)
    out, err = io.BytesIO(), io.BytesIO()
    streams = (io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"),
               io.TextIOWrapper(out, encoding="utf-8", write_through=True),
               io.TextIOWrapper(err, encoding="utf-8", write_through=True))
    sys.stdin, sys.stdout, sys.stderr = streams  # kept referenced: closing one closes its bytes
    os.environ.pop("PROTOCOL_CHECKS_HANDBOOK_URL", None)
    os.environ.update(env)
    os.chdir(cwd)
    try:
        try:
            status = cli.main(args)
        except SystemExit as done:  # argparse: --help, --version, usage errors
            status = done.code if isinstance(done.code, int) else 2
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        sys.stdin, sys.stdout, sys.stderr, cwd_before, env_before = saved
        os.chdir(cwd_before)
        os.environ.clear()
        os.environ.update(env_before)
    result = status, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8")
    del streams
    return result


# --------------------------------------------------------------------------------------------
# Cases with known findings, built here so that the assertions can be exact.


def pretty(obj: object) -> str:
    return json.dumps(obj, indent=2) + "\n"


def line_of(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


@pytest.fixture
def cases(tmp_path: Path) -> dict[str, Path]:
    """clean (no findings), error (DATA-001), warning (REF-002 only), advice (ASMT-004 only),
    broken (unreadable), each in ``tmp_path``. All but error declare the newest release, 1.2.0
    (so none has DATA-009)."""
    error = new_case(case_id="CASE-0002")  # each its own case: one ID twice is RUN-001
    error["protocol_version"] = "0.9.0"
    warning = new_case(case_id="CASE-0003")
    warning["referral"]["source"] = "court"
    advice = clean_treatment_case()
    advice["assessment"]["motivation"]["strands"] = ["avoid_prison"]
    files = {
        "clean": pretty(new_case()), "error": pretty(error), "warning": pretty(warning),
        "advice": pretty(advice), "broken": '{\n  "case_id": "CASE-0001",\n}\n',
    }
    out = {}
    for name, text in files.items():
        out[name] = tmp_path / f"{name}.json"
        out[name].write_text(text)
    return out


# --------------------------------------------------------------------------------------------
# Options and help.


def test_version(tmp_path: Path) -> None:
    proc = run_cli("--version", cwd=tmp_path, fresh_process=True)  # the installed script
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == f"protocol-checks {__version__}"
    assert lines[1] == "protocol releases judged:"
    assert [x.split()[0] for x in lines[2:]] == supported_versions()


def test_top_level_help_lists_subcommands_and_exit_status(tmp_path: Path) -> None:
    proc = run_cli("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for sub in SUBCOMMANDS:
        assert re.search(rf"^\s+{sub}\b", proc.stdout, re.M), sub
    assert "2 unreadable input or misuse" in " ".join(proc.stdout.split())


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_help_for_each_subcommand(sub: str, tmp_path: Path) -> None:
    proc = run_cli(sub, "--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"usage: protocol-checks {sub}")
    assert "-h, --help" in proc.stdout
    assert proc.stderr == ""


@pytest.mark.parametrize("args", [
    (), ("frobnicate",), ("validate",), ("validate", "--format", "xml", "x.json"),
    ("validate", "--fail-on", "never", "x.json"), ("validate", "-j", "0", "x.json"),
    ("explain",), ("report",),
], ids=["no-command", "unknown-command", "no-path", "bad-format", "bad-fail-on", "zero-jobs",
        "explain-no-id", "report-no-path"])
def test_misuse_exits_2(args: tuple[str, ...], tmp_path: Path) -> None:
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert "usage: protocol-checks" in proc.stderr
    assert proc.stdout == ""


# --------------------------------------------------------------------------------------------
# validate: every output format, parsed.

ORDER = ("error", "warning", "clean", "broken")


def _validate(cases: dict[str, Path], *options: str,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cwd = cases["clean"].parent
    return run_cli("validate", *options, *(f"{n}.json" for n in ORDER), cwd=cwd, env=env)


def test_text_format(cases: dict[str, Path]) -> None:
    proc = _validate(cases)
    assert proc.returncode == 2  # an unreadable file outranks findings
    lines = proc.stdout.splitlines()
    assert ("error.json:2: ERROR DATA-001 The case file declares a protocol release this tool "
            "does not know;") in proc.stdout
    finding = re.compile(r"^(?P<file>\S+):(?P<line>\d+): (?P<sev>ERROR|WARNING|ADVICE) "
                         r"(?P<rule>[A-Z]+-\d{3}) .+  <(?P<url>\S+)>$")
    found = [m.groupdict() for line in lines if (m := finding.match(line))]
    assert {(f["file"], f["rule"], f["sev"]) for f in found} == {
        ("error.json", "DATA-001", "ERROR"), ("warning.json", "REF-002", "WARNING")}
    for f in found:
        assert f["url"] == f"reference/rules.html#rule-{f['rule'].lower()}"
    warning_text = cases["warning"].read_text()
    assert any(f["file"] == "warning.json" and int(f["line"]) == line_of(warning_text,
               '"legal_basis"') for f in found)
    assert "broken.json:3:1: INPUT invalid JSON: Expecting property name enclosed in double " \
           "quotes" in lines
    assert lines[-3:] == ["4 files checked, 1 error, 1 warning, 0 advice, 1 unreadable",
                          "most frequent: DATA-001 (1), REF-002 (1)",
                          "judged by release: 1.2.0 (3)"]  # the unreadable file by none


def test_verbose_lists_files_without_findings(cases: dict[str, Path]) -> None:
    proc = run_cli("validate", "-v", "clean.json", cwd=cases["clean"].parent)
    assert proc.returncode == 0
    assert "clean.json: ok (release 1.2.0)" in proc.stdout.splitlines()


def test_json_format(cases: dict[str, Path]) -> None:
    proc = _validate(cases, "--format", "json")
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert report["format_version"] == 1
    assert report["tool_version"] == __version__
    assert report["protocol_version"] == working_release().version
    assert report["releases"] == supported_versions()
    assert {r["release"] for r in report["results"]
            if r["status"] not in ("unreadable", "invalid")} == {"1.2.0"}
    results = report["results"]
    assert [r["file"] for r in results] == [f"{n}.json" for n in ORDER]
    assert [r["status"] for r in results] == ["findings", "findings", "ok", "unreadable"]
    (error,) = results[0]["findings"]
    assert error == {
        "rule": "DATA-001", "severity": "error", "message": REGISTRY["DATA-001"].message,
        "path": "$.protocol_version", "line": 2,
        "url": "reference/rules.html#rule-data-001", "waived": False, "deviation": False,
        "local": [],  # no service profile: no local setting produced or changed it
    }
    assert results[0]["stage"] == "referral" and results[3]["stage"] is None
    (problem,) = results[3]["problems"]
    assert problem["line"] == 3 and problem["column"] == 1
    assert problem["message"].startswith("invalid JSON")
    summary = report["summary"]
    assert (summary["files"], summary["errors"], summary["warnings"], summary["unreadable"]) == (
        4, 1, 1, 1)
    assert summary["top_rules"] == [{"rule": "DATA-001", "count": 1},
                                    {"rule": "REF-002", "count": 1}]


def test_junit_format(cases: dict[str, Path]) -> None:
    proc = _validate(cases, "--format", "junit")
    assert proc.returncode == 2
    suite = ET.fromstring(proc.stdout)
    assert suite.tag == "testsuite"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "1")
    testcases = suite.findall("testcase")
    assert [t.get("name") for t in testcases] == [f"{n}.json" for n in ORDER]
    by_name = {t.get("name"): t for t in testcases}
    failure = by_name["error.json"].find("failure")
    assert failure is not None and "DATA-001" in (failure.text or "")
    assert "error.json:2: ERROR DATA-001" in (failure.text or "")
    assert by_name["clean.json"].find("failure") is None
    assert by_name["clean.json"].find("error") is None
    error = by_name["broken.json"].find("error")
    assert error is not None and error.get("type") == "input"
    assert error.get("message", "").startswith("invalid JSON")
    assert "line 3" in (error.text or "")


def _sarif(cases: dict[str, Path], *options: str) -> dict:
    proc = _validate(cases, "--format", "sarif", *options)
    assert proc.returncode == 2
    return json.loads(proc.stdout)


def test_sarif_format(cases: dict[str, Path]) -> None:
    sarif = _sarif(cases)
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "protocol-checks" and driver["version"] == __version__
    rules = driver["rules"]
    assert {r["id"] for r in rules} == {*REGISTRY, "INPUT", *(c.id for c in RUN_CHECKS)}
    for rule in rules:
        if rule["id"] != "INPUT":
            assert rule["helpUri"] == f"reference/rules.html#rule-{rule['id'].lower()}"
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    results = run["results"]
    assert {r["ruleId"] for r in results} == {"DATA-001", "REF-002", "INPUT"}
    for result in results:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] in {f"{n}.json" for n in ORDER}
        assert isinstance(physical["region"]["startLine"], int)
        assert physical["region"]["startLine"] >= 1
        assert result["message"]["text"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        if result["ruleId"] != "INPUT":
            assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("$.")
    data001 = next(r for r in results if r["ruleId"] == "DATA-001")
    assert data001["level"] == "error"
    assert data001["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def _offline_sarif_schema() -> Path | None:
    """A SARIF 2.1.0 schema already on disk (never downloaded)."""
    candidates = [Path(os.environ["SARIF_SCHEMA"])] if os.environ.get("SARIF_SCHEMA") else []
    candidates += [ROOT / ".cache" / "sarif-2.1.0.json"]  # scripts/fetch-sarif-schema
    candidates += sorted((ROOT / "tests").rglob("sarif*2.1.0*.json"))
    candidates += sorted(Path(sys.prefix).glob("share/**/sarif*2.1.0*.json"))
    return next((c for c in candidates if c.is_file()), None)


def test_sarif_validates_against_schema_when_available_offline(cases: dict[str, Path]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = _offline_sarif_schema()
    if schema_path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must validate SARIF: run scripts/fetch-sarif-schema")
        pytest.skip("no SARIF 2.1.0 schema is available offline (set SARIF_SCHEMA to one)")
    schema = json.loads(schema_path.read_text())
    jsonschema.validate(_sarif(cases), schema)


def test_github_format(cases: dict[str, Path]) -> None:
    proc = _validate(cases, "--format", "github")
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    command = re.compile(r"^::(?P<level>error|warning|notice) file=(?P<file>[^,]+),"
                         r"line=(?P<line>\d+),title=(?P<title>[^:]+)::(?P<msg>.+)$")
    annotations = [m.groupdict() for line in lines if (m := command.match(line))]
    assert len(annotations) == len(lines) - 1
    assert {(a["level"], a["file"], a["title"]) for a in annotations} == {
        ("error", "error.json", "DATA-001"), ("warning", "warning.json", "REF-002"),
        ("error", "broken.json", "unreadable case file")}
    data001 = next(a for a in annotations if a["title"] == "DATA-001")
    assert data001["line"] == "2"
    assert data001["msg"].endswith("reference/rules.html#rule-data-001")
    assert lines[-1] == ("protocol-checks: 4 files, 1 error, 1 warning, 0 advice, "
                         "1 unreadable")


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_output_file(fmt: str, cases: dict[str, Path]) -> None:
    cwd = cases["clean"].parent
    to_stdout = run_cli("validate", "--format", fmt, "error.json", cwd=cwd)
    proc = run_cli("validate", "--format", fmt, "--output", "report.out", "error.json", cwd=cwd)
    assert proc.returncode == to_stdout.returncode == 1
    assert proc.stdout == ""
    written = (cwd / "report.out").read_text()
    assert written == to_stdout.stdout
    if fmt in {"json", "sarif"}:
        json.loads(written)
    if fmt == "junit":
        ET.fromstring(written)


def test_output_to_unwritable_place_exits_2(cases: dict[str, Path]) -> None:
    proc = run_cli("validate", "-o", "no/such/folder/report.txt", "clean.json",
                   cwd=cases["clean"].parent)
    assert proc.returncode == 2
    assert proc.stderr.startswith("protocol-checks: cannot write output:")


def test_output_never_overwrites_an_input(cases: dict[str, Path]) -> None:
    before = cases["error"].read_bytes()
    proc = run_cli("validate", "-o", "error.json", "error.json", cwd=cases["clean"].parent)
    assert cases["error"].read_bytes() == before
    assert proc.returncode == 2


@pytest.mark.parametrize(("name", "fail_on", "status"), [
    ("clean", "error", 0), ("clean", "advice", 0),
    ("error", "error", 1), ("error", "warning", 1), ("error", "advice", 1),
    ("warning", "error", 0), ("warning", "warning", 1), ("warning", "advice", 1),
    ("advice", "error", 0), ("advice", "warning", 0), ("advice", "advice", 1),
    ("broken", "error", 2), ("broken", "advice", 2),
])
def test_fail_on_sets_exit_status(name: str, fail_on: str, status: int,
                                  cases: dict[str, Path]) -> None:
    proc = run_cli("validate", "--fail-on", fail_on, f"{name}.json", cwd=cases["clean"].parent)
    assert proc.returncode == status, proc.stdout


def _waive_ref_002(cases: dict[str, Path], **review: str) -> subprocess.CompletedProcess:
    """Waive the warning case's REF-002 (its waiver written by STAFF-002, its responsible
    clinician STAFF-001), with ``review`` added, and validate it failing on warnings."""
    case = json.loads(cases["warning"].read_text())
    case["roles"] = {"responsible_clinician": {
        "staff_id": "STAFF-001", "profession": "psychiatrist", "assigned_on": case["as_of"]}}
    case["waivers"] = [{"rule": "REF-002", "reason": "Order recorded in the court bundle.",
                        "waived_by": "STAFF-002", "waived_on": case["as_of"], **review}]
    cases["warning"].write_text(pretty(case))
    return run_cli("validate", "--fail-on", "warning", "warning.json", cwd=cases["clean"].parent)


def test_waived_warning_does_not_fail(cases: dict[str, Path]) -> None:
    as_of = json.loads(cases["warning"].read_text())["as_of"]
    proc = _waive_ref_002(cases, reviewed_by="STAFF-001", reviewed_on=as_of)
    assert proc.returncode == 0, proc.stdout
    assert "WAIVED WARNING REF-002" in proc.stdout
    assert "1 file checked, 0 errors, 0 warnings, 0 advice, 1 waived" in proc.stdout


def test_unreviewed_waiver_takes_no_effect(cases: dict[str, Path]) -> None:
    """From release 1.1.0 a waiver needs a second staff member's review (DATA-010)."""
    proc = _waive_ref_002(cases)
    assert proc.returncode == 1
    assert "WAIVED" not in proc.stdout
    assert re.search(r"^warning\.json:\d+: WARNING REF-002 ", proc.stdout, re.M)
    assert re.search(r"^warning\.json:\d+: ERROR DATA-010 .*\(at \$\.waivers\[0\]\.reviewed_by;",
                     proc.stdout, re.M)


@pytest.mark.parametrize(("name", "status"), [("clean", 0), ("error", 1), ("broken", 2)])
def test_stdin(name: str, status: int, cases: dict[str, Path]) -> None:
    proc = run_cli("validate", "-", cwd=cases["clean"].parent, stdin=cases[name].read_bytes())
    assert proc.returncode == status
    if status:
        assert proc.stdout.startswith("<stdin>:")


def test_stdin_and_files_together(cases: dict[str, Path]) -> None:
    proc = run_cli("validate", "--format", "json", "error.json", "-",
                   cwd=cases["clean"].parent, stdin=cases["warning"].read_bytes())
    results = json.loads(proc.stdout)["results"]
    assert [(r["file"], r["findings"][0]["rule"]) for r in results] == [
        ("error.json", "DATA-001"), ("<stdin>", "REF-002")]


def test_stdin_with_jobs(cases: dict[str, Path]) -> None:
    """Standard input is read by the main process even with worker processes."""
    proc = run_cli("validate", "-j", "2", "--format", "json", "-", "error.json",
                   cwd=cases["clean"].parent, stdin=cases["clean"].read_bytes())
    assert proc.returncode == 1, proc.stdout
    results = json.loads(proc.stdout)["results"]
    assert [(r["file"], r["status"]) for r in results] == [("<stdin>", "ok"),
                                                           ("error.json", "findings")]


def _tree(root: Path, case: str) -> list[str]:
    """Create files in a scrambled order, each its own case; return the order a walk must
    report them in."""
    for n, rel in enumerate( ("zeta/b.json", "b.json", "alpha/deeper/y.json", "a.json", "alpha/z.json",
                "alpha/notes.txt", "zeta/a.json", "mid/only.json.bak", "10.json", "9.json")):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(case.replace('"CASE-0001"', f'"CASE-{n + 1:04d}"'))
    return ["cases/10.json", "cases/9.json", "cases/a.json", "cases/b.json",
            "cases/alpha/z.json", "cases/alpha/deeper/y.json",
            "cases/zeta/a.json", "cases/zeta/b.json"]


def test_folder_is_walked_recursively_in_a_stable_sorted_order(tmp_path: Path) -> None:
    expected = _tree(tmp_path / "cases", pretty(new_case()))
    runs = [run_cli("validate", "--format", "json", "cases", *jobs, cwd=tmp_path)
            for jobs in ((), (), ("-j", "2"))]
    for proc in runs:
        assert proc.returncode == 0
        assert [r["file"] for r in json.loads(proc.stdout)["results"]] == expected
    # within each folder its files come sorted, then its sub-folders, sorted
    assert expected.index("cases/alpha/z.json") < expected.index("cases/alpha/deeper/y.json")


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a.json").write_text(pretty(new_case()))
    os.symlink("..", tmp_path / "cases" / "up")  # would loop if followed
    proc = run_cli("validate", "--format", "json", "cases", cwd=tmp_path)
    assert proc.returncode == 0
    assert [r["file"] for r in json.loads(proc.stdout)["results"]] == ["cases/a.json"]


# --------------------------------------------------------------------------------------------
# The examples written for the handbook, when present.


def _example_files() -> list[Path]:
    return sorted(EXAMPLES.rglob("*.json")) if EXAMPLES.is_dir() else []


def _example_counts() -> Counter[str]:
    """Findings over the examples by severity ("waived" and "deviation" apart), from the core,
    not the CLI."""
    from protocol_checks.inputs import Settings
    from protocol_checks.workers import run

    counts: Counter[str] = Counter()
    seen: set[str] = set()
    for path in _example_files():  # a later file of a case already seen: RUN-001, an error
        case_id = json.loads(path.read_text(encoding="utf-8"))["case_id"]
        counts["error"] += case_id in seen
        seen.add(case_id)
    for result in run([str(EXAMPLES)], Settings()):
        assert not result.problems, result.name
        counts.update("deviation" if f.deviation else "waived" if f.waived else f.severity.value
                      for f in result.findings)
    return counts


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github", "text"])
def test_examples_in_every_format(fmt: str, tmp_path: Path) -> None:
    proc = run_cli("validate", "--format", fmt, str(EXAMPLES), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # the failing examples have errors
    counts = _example_counts()
    active = counts["error"] + counts["warning"] + counts["advice"]
    assert (counts["error"] and counts["warning"] and counts["advice"] and counts["waived"]
            and counts["deviation"])
    if fmt == "text":
        finding = re.compile(r"^\S+\.json:\d+: (ERROR|WARNING|ADVICE) [A-Z]+-\d{3} .+ \(at \$[^)]*\)  "
                             r"<reference/rules\.html#rule-[a-z]+-\d{3}>$")
        lines = proc.stdout.splitlines()
        assert sum(bool(finding.match(x)) for x in lines) == active
        deviations = f"{counts['deviation']} recorded deviation" + (
            "s" if counts["deviation"] != 1 else "")
        assert (f"{len(_example_files())} files checked, {counts['error']} errors, "
                f"{counts['warning']} warnings, {counts['advice']} advice, "
                f"{counts['waived']} waived, {deviations}") in lines
        settled = re.compile(r"^\S+\.json:\d+: (WAIVED|DEVIATION) (ERROR|WARNING|ADVICE) ")
        assert sum(bool(settled.match(x)) for x in lines) == counts["waived"] + counts["deviation"]
    elif fmt == "github":
        lines = proc.stdout.splitlines()
        annotated = [x for x in lines if re.match(r"^::(error|warning|notice) file=[^,]+,line=\d+,", x)]
        more = [int(m.group(1)) for x in lines if (m := re.search(r"(\d+) more finding", x))]
        assert len(annotated) + sum(more) == active
        assert all(x.startswith("::") for x in lines[:-1])
        assert lines[-1].startswith(f"protocol-checks: {len(_example_files())} files, ")
    elif fmt == "json":
        results = json.loads(proc.stdout)["results"]
        files = [r["file"] for r in results]
        assert len(files) == len(_example_files())
        assert files == sorted(files, key=lambda f: (Path(f).parent.parts, Path(f).name))
    elif fmt == "sarif":
        assert json.loads(proc.stdout)["version"] == "2.1.0"
    elif fmt == "junit":
        assert int(ET.fromstring(proc.stdout).get("tests", "0")) == len(_example_files())


def test_clean_examples_exit_0(tmp_path: Path) -> None:
    proc = run_cli("validate", str(EXAMPLES / "clean"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout


# --------------------------------------------------------------------------------------------
# schema, rules, explain, checklist, new.


def _properties(node: object, where: str = "$") -> list[tuple[str, dict]]:
    out = []
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            out.append((f"{where}.{name}", prop))
        for key, value in node.items():
            out += _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _properties(value, f"{where}[{i}]")
    return out


def test_schema_command(tmp_path: Path) -> None:
    proc = run_cli("schema", cwd=tmp_path)
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] == "Case file"
    assert schema["description"]
    assert schema["additionalProperties"] is False
    props = _properties(schema)
    assert len(props) > 50
    missing = [where for where, prop in props if not prop.get("description")]
    assert missing == []
    written = run_cli("schema", "-o", "schema.json", cwd=tmp_path)
    assert written.returncode == 0 and written.stdout == ""
    assert json.loads((tmp_path / "schema.json").read_text()) == schema


def test_a_filled_new_case_validates_against_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(run_cli("schema", cwd=tmp_path).stdout)
    skeleton = json.loads(run_cli("new", cwd=tmp_path).stdout)
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid(skeleton)  # placeholders never pass
    case = filled(skeleton)
    validator.validate(case)
    assert not validator.is_valid(dict(case, stage="nowhere"))


def test_rules_command(tmp_path: Path) -> None:
    """The rules of the release teams follow (never a draft while one is published): withdrawn
    ones are left out (explain still knows them)."""
    proc = run_cli("rules", cwd=tmp_path)
    assert proc.returncode == 0
    ids = [line.split()[0] for line in proc.stdout.splitlines()]
    assert sorted(ids) == sorted([*followed_protocol().rules, *(c.id for c in RUN_CHECKS)])
    assert not {"ROLE-006", "MOD-003", "CON-002"} & set(ids)
    as_json = json.loads(run_cli("rules", "--format", "json", cwd=tmp_path).stdout)
    assert [r["id"] for r in as_json] == ids
    for rule in as_json:
        assert rule["anchor"] == f"rule-{rule['id'].lower()}"
        assert rule["severity"] in {"error", "warning", "advice"}
        if rule["scope"] == "run":  # a check across files: no release item checks it
            assert rule["title"] == next(c.title for c in RUN_CHECKS if c.id == rule["id"])
            continue
        assert rule["scope"] == "release"
        assert rule["items"], rule["id"]
        assert rule["title"] == REGISTRY[rule["id"]].title


@pytest.mark.parametrize("rule_id", ["DATA-002", "data-002"])
def test_explain_known_rule(rule_id: str, tmp_path: Path) -> None:
    proc = run_cli("explain", rule_id, cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"DATA-002: {REGISTRY['DATA-002'].title}\n")
    assert "  severity:  error" in proc.stdout
    assert "  handbook:  reference/rules.html#rule-data-002" in proc.stdout


def test_explain_withdrawn_rule(tmp_path: Path) -> None:
    proc = run_cli("explain", "CON-002", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"CON-002: {REGISTRY['CON-002'].title}\n")
    assert "  releases:  1.0.0 (withdrawn in 1.1.0, replaced by CON-007, CON-008)\n" in proc.stdout
    assert "  items:     none now\n" in proc.stdout


def test_explain_unknown_rule(tmp_path: Path) -> None:
    proc = run_cli("explain", "NOPE-999", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "no rule 'NOPE-999'" in proc.stderr


def test_checklist_list(tmp_path: Path) -> None:
    from protocol_checks.protocol import load_protocol

    proc = run_cli("checklist", cwd=tmp_path)
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert names == [c.id for c in load_protocol().checklists]


def test_checklist_by_name(tmp_path: Path) -> None:
    proc = run_cli("checklist", "case-file", cwd=tmp_path)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("The case file is in order (case-file)")
    items = [line for line in lines[1:] if line.startswith("  [ ] CF-")]
    assert items and len(items) == len(lines) - 1


def test_checklist_with_case(cases: dict[str, Path]) -> None:
    cwd = cases["clean"].parent
    ok = run_cli("checklist", "case-file", "clean.json", cwd=cwd)
    assert ok.returncode == 0
    assert "not met" not in ok.stdout and "[x]" in ok.stdout
    bad = run_cli("checklist", "case-file", "error.json", cwd=cwd)
    assert bad.returncode == 1
    assert re.search(r"\[ \] CF-\d+\s+not met .* <- DATA-001", bad.stdout)


def test_checklist_with_unreadable_case(cases: dict[str, Path]) -> None:
    proc = run_cli("checklist", "case-file", "broken.json", cwd=cases["clean"].parent)
    assert proc.returncode == 2
    assert "broken.json:3:1: INPUT invalid JSON" in proc.stderr
    missing = run_cli("checklist", "case-file", "missing.json", cwd=cases["clean"].parent)
    assert missing.returncode == 2
    assert "missing.json: INPUT file not found" in missing.stderr


def test_checklist_with_case_on_stdin(cases: dict[str, Path]) -> None:
    proc = run_cli("checklist", "case-file", "-", cwd=cases["clean"].parent,
                   stdin=cases["clean"].read_bytes())
    assert proc.returncode == 0
    assert "[x]" in proc.stdout


def test_checklist_unknown_name(tmp_path: Path) -> None:
    proc = run_cli("checklist", "no-such-list", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no checklist 'no-such-list'; choose from: " in proc.stderr
    assert proc.stdout == ""


def test_new_lists_what_is_left_to_fill_and_is_clean_once_filled(tmp_path: Path) -> None:
    new = run_cli("new", cwd=tmp_path)
    assert new.returncode == 0
    case = json.loads(new.stdout)
    assert case["stage"] == "referral" and re.fullmatch(r"CASE-[A-Z0-9]{6}", case["case_id"])
    assert case["as_of"] == "<fill in>"  # never today's date, which would pass unnoticed
    first = run_cli("validate", "-", cwd=tmp_path, stdin=new.stdout.encode())
    assert first.returncode == 2
    paths = re.findall(r"INPUT to fill in: .* \(at (\S+)\)", first.stdout)
    assert paths == ["$.as_of", "$.referral.received_on", "$.referral.source",
                     "$.referral.legal_basis"]  # what is left, in the order of the file
    assert "1 invalid (not a valid case file)" in first.stdout
    checked = run_cli("validate", "--fail-on", "advice", "-", cwd=tmp_path,
                      stdin=json.dumps(filled(case)).encode())
    assert checked.returncode == 0, checked.stdout
    custom = run_cli("new", "--case-id", "CASE-0777", cwd=tmp_path)
    assert json.loads(custom.stdout)["case_id"] == "CASE-0777"
    others = {json.loads(run_cli("new", cwd=tmp_path).stdout)["case_id"] for _ in range(3)}
    assert len(others | {case["case_id"]}) == 4  # a new ID each time


def test_new_refuses_identifying_case_id(tmp_path: Path) -> None:
    proc = run_cli("new", "--case-id", "John Smith", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "--case-id must look like CASE-0042" in proc.stderr


# --------------------------------------------------------------------------------------------
# The handbook link base.

BASE = "https://handbook.example/protocol"


def _urls(text: str) -> list[str]:
    return re.findall(r"<(\S+#rule-[a-z]+-\d{3})>", text)


@pytest.mark.parametrize(("options", "env", "base"), [
    ((), {}, ""),
    (("--handbook-url", BASE), {}, BASE + "/"),
    (("--handbook-url", BASE + "/"), {}, BASE + "/"),
    ((), {"PROTOCOL_CHECKS_HANDBOOK_URL": BASE}, BASE + "/"),
    (("--handbook-url", "https://other.example/"), {"PROTOCOL_CHECKS_HANDBOOK_URL": BASE},
     "https://other.example/"),
], ids=["relative", "option", "option-with-slash", "environment", "option-beats-environment"])
def test_handbook_url_sets_link_base(options: tuple[str, ...], env: dict[str, str], base: str,
                                     cases: dict[str, Path]) -> None:
    cwd = cases["clean"].parent
    text = run_cli("validate", *options, "error.json", cwd=cwd, env=env)
    assert _urls(text.stdout) == [f"{base}reference/rules.html#rule-data-001"]
    sarif = json.loads(run_cli("validate", "--format", "sarif", *options, "error.json", cwd=cwd,
                               env=env).stdout)
    driver = sarif["runs"][0]["tool"]["driver"]
    assert all(r["helpUri"] == f"{base}reference/rules.html#rule-{r['id'].lower()}"
               for r in driver["rules"] if r["id"] != "INPUT")
    assert [r["helpUri"] for r in driver["rules"] if r["id"] == "INPUT"] == [
        f"{base}howto/validate.html#when-a-file-cannot-be-read"]
    # SARIF wants an absolute informationUri: a relative one is left out, not made up.
    assert driver.get("informationUri") == (f"{base}index.html" if base else None)
    # Relative links open only inside the handbook: the run says so once, and how to fix it.
    assert text.stderr.count("no handbook URL is set") == (0 if base else 1)
    explain = run_cli("explain", "DATA-001", *options, cwd=cwd, env=env)
    assert f"  handbook:  {base}reference/rules.html#rule-data-001" in explain.stdout


def test_jobs_give_the_same_report(cases: dict[str, Path]) -> None:
    one = _validate(cases, "--format", "json")
    many = _validate(cases, "--format", "json", "-j", "3")
    assert one.returncode == many.returncode == 2
    assert json.loads(one.stdout) == json.loads(many.stdout)


def test_jobs_auto_is_the_default_and_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    """No --jobs means auto, and auto is parsed as the AUTO value (not as one job)."""
    from protocol_checks import checker, cli, workers

    seen: list[int] = []
    real_run = workers.run

    def spy(paths, settings, jobs=1):
        seen.append(jobs)
        return real_run(paths, settings, jobs=1)

    monkeypatch.setattr(checker, "run", spy)
    for argv in (["validate", str(EXAMPLES / "clean")],
                 ["validate", "--jobs", "auto", str(EXAMPLES / "clean")],
                 ["validate", "--jobs", "2", str(EXAMPLES / "clean")]):
        assert cli.main([*argv, "--output", os.devnull]) == 0
    assert seen == [workers.AUTO, workers.AUTO, 2]


def test_jobs_auto_uses_workers_only_for_large_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    from protocol_checks import workers

    monkeypatch.setattr(workers, "available_cpus", lambda: 4)
    assert workers.worker_count(workers.AUTO, workers.PARALLEL_FROM - 1) == 1
    assert workers.worker_count(workers.AUTO, workers.PARALLEL_FROM) == 4
    assert workers.worker_count(3, 1) == 3  # an explicit number is obeyed
    monkeypatch.setattr(workers, "_CAN_FORK", False)  # e.g. Windows: no workers at all
    assert workers.worker_count(workers.AUTO, 10_000) == workers.worker_count(3, 1) == 1


def test_jobs_auto_over_a_large_folder_matches_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the threshold, auto starts workers; results keep the input order regardless."""
    from protocol_checks import inputs, workers

    folder = tmp_path / "cases"
    folder.mkdir()
    for i in range(12):
        case = new_case(case_id=f"CASE-{i:04d}")
        if i % 3 == 0:
            case["protocol_version"] = "0.9.0"
        (folder / f"{i:02d}.json").write_text(pretty(case), encoding="utf-8")
    (folder / "05.json").write_text("{", encoding="utf-8")
    monkeypatch.setattr(workers, "PARALLEL_FROM", 4)
    monkeypatch.setattr(workers, "available_cpus", lambda: 2)
    started = []
    original = workers.ordered

    def counting(work, tasks, count, **kwargs):
        started.append(count)
        return original(work, tasks, count, **kwargs)

    monkeypatch.setattr(workers, "ordered", counting)
    settings = inputs.Settings()
    auto = list(workers.run([str(folder)], settings, jobs=workers.AUTO))
    one = list(workers.run([str(folder)], settings, jobs=1))
    assert started == [2]
    assert [(r.name, r.findings, r.problems) for r in auto] == [
        (r.name, r.findings, r.problems) for r in one]
    assert [r.name for r in auto] == sorted(str(p) for p in folder.iterdir())


def test_case_builders_are_what_they_claim(cases: dict[str, Path]) -> None:
    """The fixture's cases carry exactly the findings the tests above rely on."""
    from protocol_checks.inputs import Settings, check_path

    results = {name: check_path(str(path), Settings())
               for name, path in cases.items() if name != "broken"}
    found = {name: sorted(f.rule_id for f in result.findings)
             for name, result in results.items()}
    assert found == {"clean": [], "error": ["DATA-001"], "warning": ["REF-002"],
                     "advice": ["ASMT-004"]}
    declared = {name: json.loads(cases[name].read_text())["protocol_version"] for name in results}
    assert declared == {"clean": "1.2.0", "error": "0.9.0", "warning": "1.2.0",
                        "advice": "1.2.0"}


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_file_names_that_are_not_utf8_do_not_crash_any_format(fmt: str, tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    odd = os.path.join(os.fsencode(folder), b"caf\xe9.json")
    case = new_case()
    case["referral"]["source"] = "court"  # a warning (REF-002), so every format names the file
    with open(odd, "wb") as handle:
        handle.write(pretty(case).encode())
    to_file = run_cli("validate", "--format", fmt, "-o", "out.txt", "cases", cwd=tmp_path)
    assert to_file.returncode == 0, to_file.stderr
    assert "caf" in (tmp_path / "out.txt").read_text(encoding="utf-8")
    to_stdout = run_cli("validate", "--format", fmt, "cases", cwd=tmp_path)
    assert to_stdout.returncode == 0 and "caf" in to_stdout.stdout


def test_broken_pipe_is_not_reported_as_success(tmp_path: Path) -> None:
    for i in range(300):
        (tmp_path / f"c{i:03d}.json").write_text("{", encoding="utf-8")
    proc = subprocess.run(
        f"{shlex.join(CLI)} validate . | head -n 1; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", cwd=tmp_path, capture_output=True, timeout=TIMEOUT)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr


def test_output_to_a_device_writes_to_it_and_never_replaces_it(tmp_path: Path) -> None:
    (tmp_path / "case.json").write_text(pretty(new_case()), encoding="utf-8")
    before = os.stat(os.devnull)
    proc = run_cli("validate", "--format", "json", "-o", os.devnull, "case.json", cwd=tmp_path)
    after = os.stat(os.devnull)
    assert proc.returncode == 0
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (
        before.st_ino, before.st_rdev)


def test_output_file_appears_whole_and_replaces_an_old_report(tmp_path: Path) -> None:
    (tmp_path / "case.json").write_text(pretty(new_case()), encoding="utf-8")
    (tmp_path / "report.json").write_text("old", encoding="utf-8")
    proc = run_cli("validate", "--format", "json", "-o", "report.json", "case.json", cwd=tmp_path)
    assert proc.returncode == 0
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["summary"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.json", "report.json"]


def test_two_files_with_one_case_id_are_a_finding_in_any_release(tmp_path: Path) -> None:
    """RUN-001: a later file with a case ID already seen in the run names the first file;
    the case ID itself is never printed; the cache keeps only a digest and finds it again."""
    first, copy, other = (tmp_path / n for n in ("a.json", "b.json", "c.json"))
    first.write_text(json.dumps(new_case(case_id="CASE-7Q7Q")), encoding="utf-8")
    copy.write_text(json.dumps(new_case(case_id="CASE-7Q7Q", protocol_version="1.0.0")),
                    encoding="utf-8")
    other.write_text(json.dumps(new_case(case_id="CASE-8R8R")), encoding="utf-8")
    for extra in ((), ("--cache", str(tmp_path / "cache")), ("--cache", str(tmp_path / "cache"))):
        done = run_cli("validate", "--format", "json", *extra, "a.json", "b.json", "c.json",
                       cwd=tmp_path)
        assert done.returncode == 1, done.stdout + done.stderr
        results = {r["file"]: r for r in json.loads(done.stdout)["results"]}
        found = [f for f in results["b.json"]["findings"] if f["rule"] == "RUN-001"]
        assert len(found) == 1 and found[0]["path"] == "$.case_id"
        assert "(a.json)" in found[0]["message"]
        assert all(f["rule"] != "RUN-001" for n in ("a.json", "c.json")
                   for f in results[n]["findings"])
        assert "7Q7Q" not in done.stdout + done.stderr
    assert "7Q7Q" not in "".join(p.read_text(errors="replace")
                                 for p in (tmp_path / "cache").rglob("*") if p.is_file())
