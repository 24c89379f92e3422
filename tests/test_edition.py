"""A service's edition of the handbook, built strictly from the bundled example profile: each
local change appears where it should, and nothing local leaks into the base edition."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from protocol_checks.adapt import adapt
from protocol_checks.profile import load_profile
from protocol_checks.protocol import load_protocol

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "examples" / "profiles" / "northbridge.yaml"
SERVICE = "Northbridge Forensic Outpatient Service"
EASTVALE = ROOT / "examples" / "profiles" / "eastvale.yaml"


def _build(profile: Path, out: Path) -> Path:
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-j", "2", "-n", "-W", "-b", "html", "-c", str(ROOT),
         "-D", f"protocol_profile={profile}", str(ROOT / "docs"), str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, f"strict build of the local edition failed:\n{proc.stderr[-6000:]}"
    return out


@pytest.fixture(scope="module")
def local_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(PROFILE, tmp_path_factory.mktemp("local-site"))


@pytest.fixture(scope="module")
def eastvale_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(EASTVALE, tmp_path_factory.mktemp("eastvale-site"))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_annex_lists_every_local_change(local_site: Path) -> None:
    page = _text(local_site / "adaptations.html")
    changes = adapt(load_protocol(), load_profile(str(PROFILE))).changes
    assert changes
    for change in changes:
        assert f'id="{change.anchor}"' in page, change.subject
        assert change.rationale.replace("'", "&#8217;")[:40] in page.replace("\u2019", "&#8217;")


def test_local_settings_are_marked_with_the_base_value(local_site: Path) -> None:
    page = _text(local_site / "reference" / "settings.html")
    row = page[page.index('id="setting-report-interval-days"'):]
    row = row[:row.index("</tr>")]
    assert ">56<" in row and 'class="local-mark"' in row and "base 91" in row
    assert "The local probation service asks" in row  # the rationale, on the mark


def test_the_services_terms_items_and_document_control(local_site: Path) -> None:
    checklists = _text(local_site / "checklists" / "index.html")
    assert "LD-1" in checklists and "lead professional" in checklists
    for page in ("index.html", "protocol/roles.html", "checklists/index.html"):
        assert SERVICE in _text(local_site / page), page  # the footer of every page
    assert "NFOS-CP-07" in _text(local_site / "index.html")
    risk = _text(local_site / "protocol" / "risk-in-session.html")
    assert "On-call consultant psychiatrist" in risk


def test_nothing_local_leaks_into_the_base_edition(built_site: Path) -> None:
    leaks = re.compile(r"Northbridge|lead professional|LD-1|local-mark|NFOS-CP-07|"
                       r"On-call consultant psychiatrist")
    found = sorted(str(p.relative_to(built_site)) for p in built_site.rglob("*.html")
                   if leaks.search(_text(p)))
    assert found == []
    assert "This is the base edition" in _text(built_site / "adaptations.html")


def test_a_tightened_severity_is_marked_where_the_rule_is_shown(eastvale_site: Path) -> None:
    rules = _text(eastvale_site / "reference" / "rules.html")
    entry = rules[rules.index('id="rule-role-007"'):]
    entry = entry[:entry.index("</table>")]
    assert ">error<" in entry and 'class="local-mark"' in entry and "base warning" in entry
    conduct = _text(eastvale_site / "protocol" / "conduct.html")
    assert ">21<" in conduct and "base 14" in conduct  # the local danger window
    assert "case coordinator" in _text(eastvale_site / "checklists" / "index.html")


def test_history_pages_keep_the_base_terms(local_site: Path) -> None:
    """The key worker became the care coordinator: a fact the local term must not rewrite."""
    context = _text(local_site / "context.html")
    assert "care coordinator" in context and "lead professional" not in context
