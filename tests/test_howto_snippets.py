"""The CI how-to's snippets (docs/howto/snippets/) and the pre-commit hook actually work.

Each YAML snippet is parsed, every ``protocol-checks`` command in it is run (from a workspace whose
``cases/`` folder holds the examples) and its outputs are checked; nightly.sh is run with bash;
the hook in .pre-commit-hooks.yaml is run the way pre-commit runs it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from casefactory import filled

ROOT = Path(__file__).resolve().parents[1]
HOWTO = ROOT / "docs" / "howto"
SNIPPETS = HOWTO / "snippets"
EXAMPLES = ROOT / "examples" / "cases"
BIN = Path(sys.executable).parent
CLI = str(BIN / "protocol-checks")
HANDBOOK = "https://handbook.example.org/protocol/"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_HANDBOOK_URL"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _new_case(case_id: str) -> dict:
    done = subprocess.run([CLI, "new", "--case-id", case_id], capture_output=True, text=True,
                          check=True)
    return filled(json.loads(done.stdout))


def _fill(cases: Path, which: str) -> None:
    """cases/ from the examples (or generated), clean only or with failing ones too."""
    if (EXAMPLES / "clean").is_dir() and any((EXAMPLES / "clean").glob("*.json")):
        shutil.copytree(EXAMPLES / "clean", cases / "clean")
        if which == "all":
            shutil.copytree(EXAMPLES / "failing", cases / "failing")
    else:
        (cases / "clean").mkdir(parents=True)
        (cases / "clean" / "new.json").write_text(json.dumps(_new_case("CASE-0001")))
        if which == "all":
            (cases / "failing").mkdir()
            bad = _new_case("CASE-0002")
            bad["stage"] = "assessment"
            (cases / "failing" / "assessment.json").write_text(json.dumps(bad))
    if which == "all":  # one file that cannot be read
        (cases / "unreadable.json").write_text('{"case_id": ', encoding="utf-8")


@pytest.fixture(params=["clean", "all"])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, dict]:
    """A folder with cases/, and the validator's JSON results for it."""
    _fill(tmp_path / "cases", request.param)
    done = subprocess.run([CLI, "validate", "cases/", "--format", "json", "--no-progress"],
                          capture_output=True, text=True, cwd=tmp_path, env=_env())
    return tmp_path, json.loads(done.stdout)


def _expected_validate(results: dict, fail_on: str = "error") -> int:
    s = results["summary"]
    if s["unreadable"]:
        return 2
    failing = s["errors"] + (s["warnings"] if fail_on in ("warning", "advice") else 0) + (
        s["advice"] if fail_on == "advice" else 0)
    return 1 if failing else 0


def _commands(lines: list[str]) -> list[str]:
    out = []
    for block in lines:
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("protocol-checks "):
                out.append(line)
    return out


def _github() -> dict:
    return yaml.safe_load((SNIPPETS / "github-workflow.yml").read_text(encoding="utf-8"))


def _gitlab() -> dict:
    return yaml.safe_load((SNIPPETS / "gitlab-ci.yml").read_text(encoding="utf-8"))


def _github_commands() -> list[str]:
    steps = _github()["jobs"]["validate"]["steps"]
    return _commands([s["run"] for s in steps if "run" in s])


def _gitlab_commands() -> list[str]:
    job = _gitlab()["validate-cases"]
    return _commands(job["before_script"] + job["script"] + job["after_script"])


def _output_of(command: str) -> str | None:
    args = shlex.split(command.split("||")[0])
    return args[args.index("-o") + 1] if "-o" in args else None


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=cwd,
                          env=_env(), timeout=120)


# ---------------------------------------------------------------------------------------------
# The page


def test_page_includes_every_snippet() -> None:
    page = (HOWTO / "ci.md").read_text(encoding="utf-8")
    assert page.startswith("# Validate case files in CI and before commit\n")
    included = re.findall(r"^```\{literalinclude\} (\S+)\s*$", page, re.M)
    assert sorted(included) == sorted(f"snippets/{p.name}" for p in SNIPPETS.iterdir())
    assert {Path(p).name for p in included} >= {
        "github-workflow.yml", "gitlab-ci.yml", "pre-commit-config.yaml", "nightly.sh"}
    for target in included:
        assert (HOWTO / target).is_file()
    assert "ci" in (HOWTO / "index.md").read_text(encoding="utf-8").split()


# ---------------------------------------------------------------------------------------------
# GitHub Actions


def test_github_workflow_shape() -> None:
    wf = _github()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"push", "pull_request", "schedule"}
    assert wf["permissions"]["security-events"] == "write"
    steps = wf["jobs"]["validate"]["steps"]
    assert all(("uses" in s) != ("run" in s) for s in steps)
    commands = _github_commands()
    formats = [shlex.split(c)[shlex.split(c).index("--format") + 1] for c in commands
               if "--format" in c]
    assert formats == ["sarif", "github"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    sarif_cmd = next(c for c in commands if "--format sarif" in c)
    assert upload["with"]["sarif_file"] == _output_of(sarif_cmd)
    assert upload["if"] == "always()"
    # The last step decides the job: it must be the annotations run, not allowed to fail.
    assert "--format github" in steps[-1]["run"] and "continue-on-error" not in steps[-1]


def test_github_commands_run(workspace: tuple[Path, dict]) -> None:
    cwd, results = workspace
    expected = _expected_validate(results)
    for command in _github_commands():
        done = _run(command, cwd)
        if "--format sarif" in command:
            assert done.returncode == expected, done.stderr
            sarif = json.loads((cwd / _output_of(command)).read_text(encoding="utf-8"))
            assert sarif["version"] == "2.1.0"
            found = sum(len(r.get("results", [])) for r in sarif["runs"])
            assert found >= results["summary"]["errors"]
        elif "--format github" in command:
            assert done.returncode == expected, done.stderr
            for line in done.stdout.splitlines():
                m = re.match(r"::(error|warning|notice) file=([^,:]+)", line)
                if m:
                    assert (cwd / m.group(2)).is_file()
            if results["summary"]["errors"]:
                assert "::error file=cases/" in done.stdout
            else:
                assert "::error" not in done.stdout
        elif command.startswith("protocol-checks report"):
            assert done.returncode == 0, done.stderr  # `|| true`: the report never fails the job
            assert (cwd / _output_of(command)).read_text(encoding="utf-8").startswith("<!DOCTYPE")
        else:
            pytest.fail(f"unexpected command in the workflow: {command}")


# ---------------------------------------------------------------------------------------------
# GitLab CI


def test_gitlab_job_shape() -> None:
    job = _gitlab()["validate-cases"]
    junit_cmd = next(c for c in _gitlab_commands() if "--format junit" in c)
    assert job["artifacts"]["reports"]["junit"] == _output_of(junit_cmd)
    assert job["artifacts"]["when"] == "always"
    report_cmd = next(c for c in _gitlab_commands() if c.startswith("protocol-checks report"))
    assert _output_of(report_cmd) in job["artifacts"]["paths"]
    assert any("pip install" in line for line in job["before_script"])


def test_gitlab_commands_run(workspace: tuple[Path, dict]) -> None:
    cwd, results = workspace
    commands = _gitlab_commands()
    assert commands
    for command in commands:
        done = _run(command, cwd)
        if "--format junit" in command:
            assert done.returncode == _expected_validate(results), done.stderr
            suite = ET.parse(cwd / _output_of(command)).getroot()
            cases = suite.iter("testcase")
            assert sum(1 for _ in cases) == results["summary"]["files"]
            failing = sum(1 for r in results["results"] if r["status"] == "unreadable") + sum(
                1 for r in results["results"]
                if any(not (f["waived"] or f["deviation"]) and f["severity"] != "advice"
                       for f in r["findings"]))
            broken = sum(1 for tc in suite.iter("testcase")
                         if tc.find("failure") is not None or tc.find("error") is not None)
            assert broken == failing
        elif command.startswith("protocol-checks report"):
            assert done.returncode == 0, done.stderr
            assert (cwd / _output_of(command)).is_file()
        else:
            pytest.fail(f"unexpected command in the job: {command}")


# ---------------------------------------------------------------------------------------------
# Nightly, with cron


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_nightly_script(workspace: tuple[Path, dict]) -> None:
    cwd, results = workspace
    reports = cwd / "reports"
    reports.mkdir()
    old = reports / "caseload-2000-01-01.html"
    old.write_text("old")
    os.utime(old, (0, 0))
    other = reports / "notes.txt"
    other.write_text("kept")
    os.utime(other, (0, 0))
    done = subprocess.run(["bash", str(SNIPPETS / "nightly.sh"), "cases", "reports"],
                          capture_output=True, text=True, cwd=cwd, timeout=180,
                          env=_env(PROTOCOL_CHECKS_HANDBOOK_URL=HANDBOOK))
    assert done.returncode == _expected_validate(results), done.stderr
    today = dt.date.today().isoformat()
    page = reports / f"caseload-{today}.html"
    assert page.is_file() and (reports / f"caseload-{today}.json").is_file()
    assert os.readlink(reports / "latest.html") == page.name
    text = page.read_text(encoding="utf-8")
    if results["summary"]["errors"]:
        assert f'href="{HANDBOOK}reference/rules.html#rule-' in text
    nightly = json.loads((reports / f"caseload-{today}.json").read_text(encoding="utf-8"))
    assert nightly["summary"] == results["summary"]
    assert not old.exists() and other.exists()
    assert done.stderr.startswith(f"wrote reports/caseload-{today}.html: ")


# ---------------------------------------------------------------------------------------------
# pre-commit


def _hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and len(hooks) == 1
    return hooks[0]


def test_pre_commit_hook_definition() -> None:
    hook = _hook()
    assert hook["id"] == "protocol-checks"
    assert hook["entry"] == "protocol-checks validate --"
    assert hook["language"] == "python"
    assert hook["files"] == r"\.json$"
    assert hook["pass_filenames"] is True
    assert re.search(hook["files"], "cases/CASE-0001.json")
    assert not re.search(hook["files"], "cases/CASE-0001.expected")
    assert not re.search(hook["files"], "cases/CASE-0001.json.bak")


def test_pre_commit_config_uses_the_hook() -> None:
    config = yaml.safe_load((SNIPPETS / "pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert {"repo", "rev", "hooks"} <= set(repo)
    (used,) = repo["hooks"]
    assert used["id"] == _hook()["id"]
    assert re.search(used["files"], "cases/sub/CASE-0001.json")
    assert not re.search(used["files"], "tools/settings.json")


def test_pre_commit_entry_runs(workspace: tuple[Path, dict]) -> None:
    """As pre-commit runs it: the entry, then the staged files that match ``files``."""
    cwd, results = workspace
    hook = _hook()
    staged = sorted(str(p.relative_to(cwd)) for p in (cwd / "cases").rglob("*")
                    if p.is_file() and re.search(hook["files"], p.name))
    assert staged
    done = subprocess.run([*shlex.split(hook["entry"]), *staged], capture_output=True, text=True,
                          cwd=cwd, env=_env(), timeout=120)
    assert done.returncode == _expected_validate(results), done.stdout + done.stderr
    assert f"{results['summary']['files']} file" in done.stdout
    clean = [s for s in staged if s.startswith("cases/clean/")]
    done = subprocess.run([*shlex.split(hook["entry"]), *clean], capture_output=True, text=True,
                          cwd=cwd, env=_env(), timeout=120)
    assert done.returncode == 0, done.stdout


def test_snippets_pin_a_recorded_release_commit() -> None:
    """What the how-to pins (pre-commit's rev, pip's @commit) is a commit a ledger records."""
    import json as _json

    commits = {_json.loads(p.read_text(encoding="utf-8"))["source_commit"]
               for p in (ROOT / "releases").glob("*.json")}
    config = yaml.safe_load((SNIPPETS / "pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert config["repos"][0]["rev"] in commits
    for name in ("github-workflow.yml", "gitlab-ci.yml"):
        pins = re.findall(r"git\+\S+@([0-9a-f]{40})", (SNIPPETS / name).read_text(encoding="utf-8"))
        assert pins and set(pins) <= commits, name
