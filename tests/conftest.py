"""Shared fixtures: the handbook built once per test session, strictly (warnings are errors)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest) -> Path:
    """The built handbook: $HANDBOOK_SITE_DIR (a scratch build, to iterate on the browser tests
    quickly), else the session's strict build."""
    override = os.environ.get("HANDBOOK_SITE_DIR")
    return Path(override) if override else request.getfixturevalue("built_site")


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The site served on 127.0.0.1, as a first-time visitor reaches it."""
    from browser_support import serve

    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def pages(site: Path) -> list[str]:
    """Every HTML page of the site."""
    from browser_support import site_pages

    found = site_pages(site)
    assert "index.html" in found, f"no index.html in {site}"
    return found
