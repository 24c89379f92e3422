"""The README shows real command lines with their real output, and a two-command Quick start."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_two_commands() -> None:
    block = re.search(r"## Quick start\s+```[a-z]*\n(.*?)```", README, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_validate_example_output_is_real() -> None:
    block = re.search(r"```console\n\$ (protocol-checks validate [^\n]+)\n(.*?)\$ echo \$\?\n(\d)\n```",
                      README, re.S)
    assert block is not None
    command, expected, status = block.groups()
    args = shlex.split(command)[1:]
    proc = subprocess.run([sys.executable, "-m", "protocol_checks", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert proc.stdout == expected
    assert proc.returncode == int(status)
