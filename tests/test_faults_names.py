"""Issue 11, defects 8, 9 and 14: hostile file names and link bases cannot forge output.

Property tests drive every reporter in-process over random names (controls, newlines, ``::``,
surrogates); real-command tests use hostile names on disk.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from casefactory import CLI, new_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol_checks.findings import FileResult, Finding, InputProblem
from protocol_checks.names import display_name, os_name, safe_link_base
from protocol_checks.protocol import load_protocol
from protocol_checks.reporters import Summary, reporter_class

SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
FRAGMENTS = ["\n", "\r", "\r\n", "::", "\n::stop-commands::x\n", "\x1b[31m", "\x1b]8;;x\x07",
             "\x01", "\x0b", "\x0c", "\x00", "\x7f", "\x85", "\x9b", "\u2028", "\u2029",
             "\u202e", "\ufeff", "\ufffe", "\uffff", "\ud800", "\udce9", "\udfff", "##[", "%0A",
             "<", "&", "]]>", '"', "x.json:1: ERROR FORGED-001 forged", " ", "/", "é", "\U0001f600"]
names = st.lists(st.one_of(st.sampled_from(FRAGMENTS),
                           st.text(st.characters(exclude_categories=()), max_size=4)),
                 min_size=1, max_size=6).map("".join)
RULES = list(load_protocol().rules.values())


@st.composite
def results(draw: st.DrawFn) -> FileResult:
    name = draw(names)
    if draw(st.booleans()):
        return FileResult(name, problems=[InputProblem("invalid JSON: something", 2, 3, "$.a")
                                          for _ in range(draw(st.integers(1, 2)))])
    rules = draw(st.lists(st.sampled_from(RULES), max_size=3))
    return FileResult(name, stage="treatment", findings=[
        Finding(r.id, r.severity, r.message, ("sessions", i), line=i + 1,
                waived=draw(st.booleans()) and r.severity.value != "error")
        for i, r in enumerate(rules)])


def render(fmt: str, batch: list[FileResult], verbose: bool = False) -> str:
    out = io.StringIO()
    reporter = reporter_class(fmt)(out, verbose=verbose)
    summary = Summary()
    reporter.start()
    for result in batch:
        summary.add(result)
        reporter.file(result)
    reporter.finish(summary)
    return out.getvalue()


def no_command_lines(text: str) -> None:
    """No line GitHub's runner would read as a workflow command (it trims leading blanks)."""
    for line in text.split("\n"):
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line


def visible(text: str) -> None:
    """Nothing a terminal would act on: no controls but newlines, no bidi or line separators."""
    bad = [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
    assert not bad, bad


@SETTINGS
@given(st.lists(results(), min_size=1, max_size=5), st.booleans())
def test_text_has_one_line_per_finding_and_nothing_raw(batch: list[FileResult],
                                                       verbose: bool) -> None:
    text = render("text", batch, verbose)
    lines = text.splitlines()  # also splits at \x0b, \x85, \u2028...: none may be left raw
    per_file = [len(r.problems) + len(r.findings) or (1 if verbose else 0) for r in batch]
    # "most frequent" only when more than one file was checked
    summary_lines = 3 if len(batch) > 1 and any(not f.waived for r in batch
                                                for f in r.findings) else 2
    assert len(lines) == sum(per_file) + summary_lines
    body = iter(lines)
    for result, count in zip(batch, per_file, strict=True):
        for _ in range(count):
            assert next(body).startswith(display_name(result.name) + ":")
    no_command_lines(text)
    visible(text)


@SETTINGS
@given(st.lists(results(), min_size=1, max_size=5))
def test_json_parses_strictly_with_one_result_per_file(batch: list[FileResult]) -> None:
    text = render("json", batch)
    doc = json.loads(text)
    assert [r["file"] for r in doc["results"]] == [os_name(r.name) for r in batch]
    text.encode("utf-8")  # no lone surrogates anywhere
    json.dumps(doc, ensure_ascii=False).encode("utf-8")
    no_command_lines(text)


@SETTINGS
@given(st.lists(results(), min_size=1, max_size=5))
def test_junit_is_well_formed_xml_with_one_case_per_file(batch: list[FileResult]) -> None:
    text = render("junit", batch)
    suite = ET.fromstring(text.encode("utf-8"))
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [display_name(r.name) for r in batch]
    assert len(suite.findall("testcase/error")) == sum(len(r.problems) for r in batch)
    no_command_lines(text)


@SETTINGS
@given(st.lists(results(), min_size=1, max_size=5))
def test_sarif_parses_with_one_result_per_finding(batch: list[FileResult]) -> None:
    text = render("sarif", batch)
    run = json.loads(text)["runs"][0]
    assert len(run["results"]) == sum(len(r.problems) + len(r.findings) for r in batch)
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.isascii() and uri.isprintable() and " " not in uri
    no_command_lines(text)


COMMAND = re.compile(r"::(error|warning|notice) file=[^,:\r\n]*(,line=\d+)?,title=[^,:\r\n]*::"
                     r"[^\r\n]*")


@SETTINGS
@given(st.lists(results(), min_size=1, max_size=5))
def test_github_writes_only_well_formed_commands(batch: list[FileResult]) -> None:
    lines = render("github", batch).split("\n")
    assert lines.pop() == "" and lines.pop().startswith("protocol-checks: ")
    for line in lines:
        assert COMMAND.fullmatch(line) or line.startswith("::notice title=protocol-checks::"), line
    shown = sum(len(r.problems) + sum(not f.waived for f in r.findings) for r in batch)
    notices = [x for x in lines if x.startswith("::notice title=protocol-checks::")]
    assert len([x for x in lines if "file=" in x]) == min(shown, len(lines) - len(notices))


def test_display_name_examples() -> None:
    assert display_name("a\nb.json") == "a\\nb.json"
    assert display_name("\x1b[31mred.json") == "\\x1b[31mred.json"
    assert display_name("::stop-commands::x") == "./::stop-commands::x"
    assert display_name("caf\udce9.json") == "caf\\xe9.json"  # the real byte, not \udce9
    assert display_name("cases/ok-é.json") == "cases/ok-é.json"


# --------------------------------------------------------------------------------------------
# The real command, with hostile names on disk.

FORGED = "a\n::stop-commands::x\nx.json:1: ERROR FORGED-001 forged\x1b[31m\x01.json"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_HANDBOOK_URL"}
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, timeout=60, env=env,
                          check=False)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    case = new_case()
    case["referral"]["source"] = "court"  # one warning (REF-002)
    (folder / FORGED).write_text(json.dumps(case, indent=2), encoding="utf-8")
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.json"), "wb") as handle:
        handle.write(b"{")
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif"])
def test_real_hostile_names_forge_nothing(fmt: str, hostile: Path) -> None:
    proc = run("validate", "--format", fmt, "cases", cwd=hostile)
    assert proc.returncode == 2, proc.stderr  # the undecodable file is invalid JSON
    out = proc.stdout.decode("utf-8")
    no_command_lines(out)
    assert "\x1b" not in out and "\x01" not in out and "\udce9" not in out
    if fmt == "text":
        assert out.count("\n") == 2 + 4  # two files, one line each, then the summary
        assert "FORGED-001" not in "".join(x for x in out.splitlines() if x.startswith("x.json"))
        assert "cases/caf\\xe9.json:1:2: INPUT" in out
    elif fmt == "json":
        assert {r["file"] for r in json.loads(out)["results"]} == {
            f"cases/{FORGED}", "cases/caf\\xe9.json"}
    elif fmt == "junit":
        assert len(ET.fromstring(proc.stdout).findall("testcase")) == 2
    else:
        assert len(json.loads(out)["runs"][0]["results"]) == 2


def test_checklist_escapes_the_name_on_stderr(hostile: Path) -> None:
    (hostile / "cases" / FORGED).write_text("{", encoding="utf-8")
    proc = run("checklist", "before-assessment", f"cases/{FORGED}", cwd=hostile)
    assert proc.returncode == 2
    err = proc.stderr.decode("utf-8")
    assert err.count("\n") == 1 and "\x1b" not in err
    assert err.startswith("cases/" + display_name(FORGED) + ":1:2: INPUT invalid JSON")
    no_command_lines(err + proc.stdout.decode("utf-8"))


# --------------------------------------------------------------------------------------------
# Defect 14: link bases, and an output that differs from an input only by case.

BAD_BASES = ["javascript:alert(1)//", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
             " javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x"]


@pytest.mark.parametrize("base", BAD_BASES)
def test_unsafe_handbook_urls_are_refused(base: str, tmp_path: Path) -> None:
    (tmp_path / "case.json").write_text(json.dumps(new_case()), encoding="utf-8")
    assert not safe_link_base(base)
    for command in (["validate", "case.json"], ["report", "case.json", "-o", "r.html"],
                    ["explain", "DATA-001"]):
        proc = run(*command, "--handbook-url", base, cwd=tmp_path)
        assert proc.returncode == 2, (command, proc.stdout)
        assert proc.stdout == b"" and b"--handbook-url" in proc.stderr
        assert base.encode() not in proc.stderr  # never echoed
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("base", ["https://intranet.example/p/", "http://h/p", "../handbook/",
                                  "//handbook.example/", "file:///srv/handbook/"])
def test_safe_handbook_urls_are_accepted(base: str) -> None:
    assert safe_link_base(base)


def test_the_html_writer_drops_an_unsafe_base_itself() -> None:
    from protocol_checks.reporters.caseload import Caseload, render

    caseload = Caseload()
    result = FileResult("x\n<b>\udce9.json", stage="treatment", findings=[
        Finding(RULES[0].id, RULES[0].severity, RULES[0].message, ("a",), 1)])
    caseload.add(result)
    page = render(caseload, load_protocol(), "javascript:alert(1)//", datetime.now(UTC))
    assert "javascript:" not in page
    assert f'href="reference/rules.html#{RULES[0].anchor}"' in page
    assert "x\\n&lt;b&gt;\\xe9.json" in page and "\udce9" not in page


def test_output_differing_only_in_case_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(new_case()), encoding="utf-8")
    for target in ("cases/REPORT.JSON", "cases/new.Json"):
        proc = run("validate", "--format", "json", "-o", target, "cases", cwd=tmp_path)
        assert proc.returncode == 2 and b"inside a folder being checked" in proc.stderr
        assert not (tmp_path / target).exists()
