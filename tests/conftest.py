"""Shared fixtures: the handbook built once per test session, strictly (warnings are errors)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handbook as HTML, built with -n -W as `make docs` does, in two processes (so the
    extension's parallel-read merge is exercised by every test that reads the site)."""
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-j", "2", "-n", "-W", "-b", "html", "-c", str(ROOT),
         str(ROOT / "docs"), str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )
    assert proc.returncode == 0, f"strict docs build failed:\n{proc.stderr[-6000:]}"
    return out
