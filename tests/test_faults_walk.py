"""Issue 11, item 2: a folder (or file) that cannot be read is an input problem, never skipped.

The walk used to pass over an unreadable subfolder in silence: "1 file checked", exit 0, and the
cases inside it never checked. Root reads everything, so the real command runs here as ``nobody``
(through runuser) over a tree that only the subfolder is closed to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from protocol_checks import inputs
from protocol_checks.findings import FileResult

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cases"
CLEAN = EXAMPLES / "clean" / "referral-new.json"
FAILING = EXAMPLES / "failing" / "asmt-001.json"  # ASMT-001, an error
NOBODY = "nobody"


def _python_path() -> str:
    return os.pathsep.join(dict.fromkeys(
        [str(ROOT / "src"), sysconfig.get_path("purelib"), sysconfig.get_path("platlib")]))


def _unprivileged() -> list[str]:
    """A command prefix running ``python`` as an unprivileged user, or a skip saying why not.

    Under root it is ``runuser -u nobody -- env PYTHONPATH=... PYTHON``, with the first Python
    that nobody may run: this one, else the system's build of the same version (the venv's may
    live under an unreadable /root), given this environment's packages.
    """
    env = ["env", f"PYTHONPATH={_python_path()}", "PYTHONDONTWRITEBYTECODE=1"]
    if os.geteuid() != 0:
        return [*env, sys.executable]
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("runuser is not available: cannot run as a user that permissions bind")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"]
    for python in dict.fromkeys(candidates):
        prefix = [runuser, "-u", NOBODY, "--", *env, python]
        try:
            probe = subprocess.run([*prefix, "-c", "import os, protocol_checks.cli; "
                                    "print(os.geteuid())"], capture_output=True, text=True,
                                   cwd="/", timeout=60)
        except OSError:
            continue
        if probe.returncode == 0 and probe.stdout.strip() not in ("", "0"):
            return prefix
    pytest.skip(f"no Python {version} that user {NOBODY} may run with this environment")


@pytest.fixture(scope="module")
def as_nobody() -> list[str]:
    return _unprivileged()


@pytest.fixture
def tree() -> Iterator[Path]:
    """A world-readable folder (outside pytest's private temporary root) with a case tree:
    cases/a holds a clean case, cases/b (closed to everyone) a case breaking ASMT-001."""
    top = Path(tempfile.mkdtemp(prefix="protocol-checks-walk-"))
    top.chmod(0o755)
    for sub, example in (("a", CLEAN), ("b", FAILING)):
        (top / "cases" / sub).mkdir(parents=True)
        shutil.copy(example, top / "cases" / sub / example.name)
    for folder in (top / "cases", top / "cases" / "a", top / "cases" / "b"):
        folder.chmod(0o755)
    for case in top.rglob("*.json"):
        case.chmod(0o644)
    (top / "cases" / "b").chmod(0)
    yield top
    for folder in top.rglob("*"):
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)
    (top / "cases" / "b").chmod(0o755)
    shutil.rmtree(top)


def _validate(prefix: list[str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, "-m", "protocol_checks", "validate", "--no-progress", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_unreadable_subfolder_is_named_and_fails_the_run(as_nobody: list[str], tree: Path) -> None:
    done = _validate(as_nobody, tree, "cases")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "cases/b: INPUT cannot read folder: Permission denied; the files in it were not " \
           "checked" in lines, done.stdout
    summary = next(x for x in lines if " checked, " in x)
    assert "1 unreadable" in summary, summary

    report = json.loads(_validate(as_nobody, tree, "--format", "json", "cases").stdout)
    by_file = {r["file"]: r for r in report["results"]}
    assert by_file["cases/b"]["status"] == "unreadable"
    assert by_file["cases/b"]["problems"][0]["message"].startswith("cannot read folder: ")
    assert f"cases/a/{CLEAN.name}" in by_file  # the readable folder is still checked
    assert report["summary"]["unreadable"] == 1


def test_the_hidden_case_has_an_error_once_readable(as_nobody: list[str], tree: Path) -> None:
    """What the silence hid: the same tree, opened, fails on the case inside cases/b."""
    (tree / "cases" / "b").chmod(0o755)
    done = _validate(as_nobody, tree, "cases")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"cases/b/{FAILING.name}:" in done.stdout and "ASMT-001" in done.stdout


def test_unreadable_folder_named_directly(as_nobody: list[str], tree: Path) -> None:
    done = _validate(as_nobody, tree, "cases/a", "cases/b")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cases/b: INPUT cannot read folder: Permission denied" in done.stdout
    assert "holds no .json files" not in done.stdout  # it may well hold some


def test_unreadable_file_in_a_readable_folder(as_nobody: list[str], tree: Path) -> None:
    secret = tree / "cases" / "a" / "closed.json"
    shutil.copy(FAILING, secret)
    secret.chmod(0)
    done = _validate(as_nobody, tree, "cases/a")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cases/a/closed.json: INPUT cannot open: Permission denied" in done.stdout


def test_walk_errors_keep_their_place_in_the_order(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Folders failing in the middle and at the very end of the walk are each reported, where
    the walk meets them (the last one only after every folder it could list)."""
    for sub in ("a", "b", "c", "d"):
        (tmp_path / sub).mkdir()
    (tmp_path / "a" / "1.json").write_text("{}")
    (tmp_path / "c" / "2.json").write_text("{}")
    closed = {str(tmp_path / "b"), str(tmp_path / "d")}
    real = os.scandir

    def scandir(path: str) -> object:
        if str(path) in closed:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(inputs.expand([str(tmp_path)]))
    monkeypatch.undo()
    shown = [(i.name, i.problems[0].message) if isinstance(i, FileResult) else i for i in items]
    problem = "cannot read folder: Permission denied; the files in it were not checked"
    assert shown == [str(tmp_path / "a" / "1.json"), (str(tmp_path / "b"), problem),
                     str(tmp_path / "c" / "2.json"), (str(tmp_path / "d"), problem)]
