"""Issue 11, item 3: file names handed to the pre-commit hook are never read as options.

pre-commit appends the staged file names to the hook's ``entry``. A case file named
``--output=settings.json`` used to become the ``--output`` option: the hook overwrote
settings.json with its report and never checked the case. The entry now ends with ``--``.

The real pre-commit runs here on a throwaway git repository, offline: a ``repo: local`` hook
built from this repository's .pre-commit-hooks.yaml (its entry, files and pass_filenames), with
the command's name replaced by the installed script.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from casefactory import CLI

from protocol_checks.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cases"
FAILING = EXAMPLES / "failing" / "asmt-001.json"  # breaks ASMT-001, an error
CLEAN = EXAMPLES / "clean" / "referral-new.json"
TRAP = "--output=settings.json"
SETTINGS = b'{"editor.tabSize": 2}\n'


def _hook() -> dict:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return hook


def _local_config(hook: dict) -> str:
    """A config running the published hook as a local one: no clone, no network, no install."""
    program, *rest = shlex.split(hook["entry"])
    assert program == "protocol-checks"
    local = {
        "id": hook["id"], "name": hook["name"], "language": "system",
        "entry": shlex.join([*CLI, *rest]), "files": hook["files"],
        "pass_filenames": hook["pass_filenames"],
        "exclude": r"^settings\.json$",  # the repository's own settings are not a case file
    }
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]})


def _git(repo: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
                    "-c", "commit.gpgsign=false", *args], cwd=repo, env=env, check=True,
                   capture_output=True, timeout=60)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository holding settings.json (committed) and two staged cases: a clean one and
    a failing one named like an option."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_INDEX_FILE", None)
    work = tmp_path / "cases-repo"
    work.mkdir()
    _git(work, "init", "-q", env=env)
    (work / "settings.json").write_bytes(SETTINGS)
    (work / ".pre-commit-config.yaml").write_text(_local_config(_hook()), encoding="utf-8")
    _git(work, "add", "settings.json", ".pre-commit-config.yaml", env=env)
    _git(work, "commit", "-q", "-m", "settings", env=env)
    shutil.copy(FAILING, work / TRAP)
    shutil.copy(CLEAN, work / "clean.json")
    _git(work, "add", "--", TRAP, "clean.json", env=env)
    return work, env


def test_hook_entry_ends_the_options() -> None:
    hook = _hook()
    assert shlex.split(hook["entry"])[-1] == "--"
    assert hook["pass_filenames"] is True


def test_pre_commit_checks_a_case_named_like_an_option(repo: tuple[Path, dict[str, str]]) -> None:
    work, env = repo
    done = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=work,
                          env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert (work / "settings.json").read_bytes() == SETTINGS, output
    assert done.returncode == 1, output
    assert "protocol-checks" in output and "Failed" in output, output
    findings = re.findall(rf"^{re.escape(TRAP)}:\d+: (?:ERROR|WARNING|ADVICE) ([A-Z]+-\d{{3}}) ",
                          output, re.M)
    # the case was checked in full: exactly the findings its example promises (ASMT-001, and
    # DATA-009 while it declares release 1.0.0)
    promised = [line.split()[0] for line in
                FAILING.with_suffix(".expected").read_text(encoding="utf-8").splitlines()[1:]
                if line.strip()]
    assert "ASMT-001" in findings and sorted(findings) == sorted(promised), output
    assert "2 files checked" in output, output
    assert not list(work.glob(".settings.json.*")), "a report was being written there"


@pytest.mark.parametrize("command", ["validate", "report"])
def test_double_dash_ends_the_options(command: str) -> None:
    """After ``--`` every argument is a path, even one spelled like an option."""
    extra = ["-o", "out.html"] if command == "report" else []
    args = build_parser().parse_args([command, *extra, "--", TRAP, "--cache=x", "-", "a.json"])
    assert args.paths == [TRAP, "--cache=x", "-", "a.json"]
    assert args.output == ("out.html" if command == "report" else None)
    assert args.cache is None


def test_validate_after_double_dash_reads_the_file(tmp_path: Path) -> None:
    shutil.copy(FAILING, tmp_path / TRAP)
    done = subprocess.run([*CLI, "validate", "--no-progress", "--", TRAP], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{TRAP}:" in done.stdout and "ASMT-001" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [TRAP]
