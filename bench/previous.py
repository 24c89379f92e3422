"""The previous engine, for ``bench.py --compare-with DIR``: a source checkout of an earlier
commit (``git worktree add /tmp/base <commit>``, or ``git archive <commit> | tar -x -C DIR``),
run with this environment's Python and packages, so that both engines are timed on the same
machine in the same run and their JSON reports can be compared byte for byte.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

_TOOL_VERSION = re.compile(rb'"tool_version": "[^"]*"')


def engine(folder: Path) -> tuple[list[str], dict[str, str]]:
    """The command and environment that run ``protocol-checks`` from the checkout ``folder``."""
    src = folder / "src"
    if not (src / "protocol_checks" / "__init__.py").is_file():
        raise SystemExit(f"--compare-with {folder}: no src/protocol_checks in it")
    env = dict(os.environ, PYTHONPATH=str(src))
    return [sys.executable, "-m", "protocol_checks"], env


def differences(ours: Path, theirs: Path) -> str | None:
    """None when the two JSON reports are byte-identical apart from the tool's version in the
    header (the checkouts may carry different version numbers); else where they first differ."""
    a = _TOOL_VERSION.sub(b'"tool_version": ""', ours.read_bytes(), count=1)
    b = _TOOL_VERSION.sub(b'"tool_version": ""', theirs.read_bytes(), count=1)
    if a == b:
        return None
    lines_a, lines_b = a.split(b"\n"), b.split(b"\n")
    for number, (x, y) in enumerate(zip(lines_a, lines_b, strict=False), start=1):
        if x != y:
            return f"line {number} differs"
    return f"one report is longer ({len(lines_a):,} against {len(lines_b):,} lines)"
