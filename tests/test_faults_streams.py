"""Issue 11, defects 11 and 12: closed or broken standard streams, and SIGTERM mid-run.

Real subprocesses throughout: a stream closed by the shell (``2>&-``) is not the same as one
sent to /dev/null, and only a real signal tests the handler.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from casefactory import CLI, new_case

from protocol_checks.progress import Progress

TIMEOUT = 60
TERMINATED = 128 + signal.SIGTERM  # what a shell reports for a process ended by SIGTERM


def shell(redirect: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The command with a shell redirection such as ``2>&-`` applied to it alone."""
    env = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_HANDBOOK_URL"}
    return subprocess.run(["/bin/sh", "-c", f'exec "$@" {redirect}', "sh", *args], cwd=cwd,
                          capture_output=True, timeout=TIMEOUT, env=env, check=False)


@pytest.fixture
def case(tmp_path: Path) -> Path:
    warned = new_case()
    warned["referral"]["source"] = "court"  # one warning, REF-002
    (tmp_path / "case.json").write_text(json.dumps(warned, indent=2), encoding="utf-8")
    return tmp_path


def test_closed_stderr_leaves_the_json_report_whole(case: Path) -> None:
    proc = shell("2>&-", *CLI, "validate", "--format", "json", "case.json", cwd=case)
    assert proc.returncode == 0
    report = json.loads(proc.stdout)
    assert [f["rule"] for f in report["results"][0]["findings"]] == ["REF-002"]


CRASH = ("import sys; from protocol_checks import cli, commands\n"
         "def boom(args, streams): raise RuntimeError('a defect')\n"
         "commands.validate = boom\n"
         "sys.exit(cli.main(['validate', '--format', 'json', 'case.json']))\n")


def test_internal_error_never_goes_to_stdout(case: Path) -> None:
    closed = shell("2>&-", sys.executable, "-c", CRASH, cwd=case)
    assert closed.returncode == 2 and closed.stdout == b""
    open_ = shell("", sys.executable, "-c", CRASH, cwd=case)
    assert open_.returncode == 2 and open_.stdout == b""
    assert b"internal error (RuntimeError)" in open_.stderr


def test_closed_stderr_drops_checklist_messages_rather_than_print_them_on_stdout(
        case: Path) -> None:
    (case / "bad.json").write_text("{", encoding="utf-8")
    proc = shell("2>&-", *CLI, "checklist", "before-assessment", "bad.json", cwd=case)
    assert proc.returncode == 2 and proc.stdout == b""


def test_closed_stdout_is_reported_on_stderr(case: Path) -> None:
    proc = shell(">&-", *CLI, "validate", "case.json", cwd=case)
    assert proc.returncode == 2
    assert proc.stderr == b"protocol-checks: cannot write output: standard output is closed\n"


def test_closed_stdout_and_stderr_still_write_the_output_file(case: Path) -> None:
    proc = shell(">&- 2>&-", *CLI, "validate", "--format", "json", "-o", "r.json", "case.json",
                 cwd=case)
    assert proc.returncode == 0
    assert json.loads((case / "r.json").read_text(encoding="utf-8"))["summary"]["warnings"] == 1


def test_closed_stdin_is_an_empty_input(case: Path) -> None:
    proc = shell("<&-", *CLI, "validate", "-", cwd=case)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert proc.stdout.startswith(b"<stdin>:1:1: INPUT file is empty")


@pytest.mark.parametrize("redirect", ["", "2>&-"])
def test_stdout_closed_by_the_reader_exits_quietly(redirect: str, tmp_path: Path) -> None:
    for i in range(400):
        (tmp_path / f"c{i:03d}.json").write_text("{", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_HANDBOOK_URL"}
    with subprocess.Popen(["/bin/sh", "-c", f'exec "$@" {redirect}', "sh", *CLI, "validate",
                           "--jobs", "1", "."], cwd=tmp_path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith(b"./c000.json:")
        proc.stdout.close()  # like `| head -1`
        err = proc.stderr.read()
        assert proc.wait(timeout=TIMEOUT) == 2
    assert err == b"", err  # no traceback, no "Exception ignored ... BrokenPipeError"


def test_progress_survives_a_missing_or_broken_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", None)
    progress = Progress(every=0.0)
    progress.tick(5)
    progress.done()
    assert not progress.enabled

    class Broken(io.StringIO):
        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stderr", Broken())
    progress = Progress(every=0.0)
    progress.tick(5)  # must not raise
    assert not progress.enabled


# --------------------------------------------------------------------------------------------
# Defect 12: SIGTERM removes the partial report.


def test_sigterm_handler_raises_and_is_restored() -> None:
    from protocol_checks import output
    from protocol_checks.output import terminate_cleanly

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as exc, terminate_cleanly():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler runs at once; this is never reached
    assert exc.value.code == output.TERMINATED == TERMINATED == 143
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.fixture(scope="module")
def caseload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sigterm") / "cases"
    folder.mkdir()
    warned = new_case()
    warned["referral"]["source"] = "court"
    text = json.dumps(warned, indent=2)
    for i in range(15000):
        (folder / f"{i:05d}.json").write_text(text, encoding="utf-8")
    return folder


def _wait_until_writing(proc: subprocess.Popen, folder: Path, part_glob: str) -> None:
    """Return once the running command has written part of its report (so it is mid-run)."""
    deadline = time.monotonic() + TIMEOUT
    parts: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(FileNotFoundError):
            parts = [p for p in folder.glob(part_glob) if p.stat().st_size]
        if parts:
            break
        time.sleep(0.01)
    assert parts and proc.poll() is None, "the run ended before it could be interrupted"


@pytest.mark.parametrize(("jobs", "group"), [("1", False), ("2", False), ("2", True)],
                         ids=["one-process", "workers", "whole-process-group"])
def test_sigterm_mid_run_leaves_no_partial_file(jobs: str, group: bool, caseload: Path,
                                                tmp_path: Path) -> None:
    """SIGTERM to the command (as ``kill PID`` does) or to its whole process group (as a
    service manager or ``kill -- -PGID`` does, reaching the workers too)."""
    env = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_HANDBOOK_URL"}
    with subprocess.Popen([*CLI, "validate", str(caseload), "--output", "report.txt",
                           "--jobs", jobs], cwd=tmp_path, env=env, start_new_session=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        _wait_until_writing(proc, tmp_path, ".report.txt.*.part")
        if group:
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=TIMEOUT)  # returns once no process holds the pipes
    assert proc.returncode == TERMINATED, err
    assert err == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no .part, no half report
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no worker outlived the command


@pytest.mark.parametrize("fmt", ["text", "json"], ids=["results-to-parent", "workers-render"])
def test_ctrl_c_with_workers_stops_quietly(fmt: str, caseload: Path, tmp_path: Path) -> None:
    """Ctrl-C at a terminal reaches the whole foreground process group, workers too: the
    command ends with 130 and no worker prints a traceback or outlives it."""
    env = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_HANDBOOK_URL"}
    with subprocess.Popen([*CLI, "validate", str(caseload), "--output", "report.out",
                           "--jobs", "2", "--format", fmt], cwd=tmp_path, env=env,
                          start_new_session=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        _wait_until_writing(proc, tmp_path, ".report.out.*.part")
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no .part, no half report
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
