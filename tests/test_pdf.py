"""The whole handbook prints to a PDF without TeX, with text and every checklist in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from protocol_checks.protocol import load_protocol

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pdf_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    if shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI to build the PDF")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    out = tmp_path_factory.mktemp("pdf")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_pdf.py"), str(out / "handbook.pdf"),
         "--html", str(out / "singlehtml")],
        capture_output=True, text=True, timeout=900, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    from pypdf import PdfReader

    reader = PdfReader(out / "handbook.pdf")
    assert len(reader.pages) > 20
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_pdf_text_is_extractable(pdf_text: str) -> None:
    assert "psychological mindedness" in pdf_text.lower()


def test_pdf_contains_every_checklist_and_item(pdf_text: str) -> None:
    protocol = load_protocol()
    flat = " ".join(unicodedata.normalize("NFKC", pdf_text).split())  # undo ligatures (ﬁ)
    for checklist in protocol.checklists:
        assert checklist.title in flat, checklist.title
        for item in checklist.items:
            assert item.id in flat, item.id


def test_pdf_pages_carry_release_and_review_date(pdf_text: str) -> None:
    from protocol_checks.release import working_release

    current = working_release()
    assert pdf_text.count(f"release {current.version}") > 20  # the print footer on every page
    assert f"next review {current.review_date.isoformat()}" in pdf_text


# --------------------------------------------------------------------------- the checklists on paper

CHECKLISTS = "checklists/index.html"
FOOTER = "printed copies are uncontrolled"


@pytest.fixture(scope="module")
def checklists_page(request: pytest.FixtureRequest):
    from browser_support import CHROMIUM, CHROMIUM_ARGS

    override = os.environ.get("HANDBOOK_SITE_DIR")  # a scratch build, as in test_browser.py
    built_site = Path(override) if override else request.getfixturevalue("built_site")

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.goto((built_site / CHECKLISTS).as_uri())  # from file://, as a ward computer may
        yield page
        browser.close()


def _pdf_pages(page, path: Path) -> list[str]:
    from pypdf import PdfReader

    page.pdf(path=str(path), format="A4", prefer_css_page_size=True)
    return [" ".join(unicodedata.normalize("NFKC", p.extract_text() or "").split())
            for p in PdfReader(path).pages]


def _on_one_page(pages: list[str], checklist) -> list[int]:
    return [n for n, text in enumerate(pages)
            if checklist.title in text and all(i.id in text.split() or f"{i.id} " in text
                                               for i in checklist.items)]


def test_each_checklist_prints_whole_on_one_a4_page(checklists_page, tmp_path: Path) -> None:
    """What the checklists page says: a first sheet (the introduction), then each checklist on
    exactly one A4 sheet, with its header block; one footer per sheet."""
    checklists = load_protocol().checklists
    pages = _pdf_pages(checklists_page, tmp_path / "checklists.pdf")
    assert len(pages) == len(checklists) + 1, f"{len(pages)} pages for {len(checklists)} checklists"
    for checklist in checklists:
        assert _on_one_page(pages, checklist), f"{checklist.title}: not whole on one page"
    for n, text in enumerate(pages[1:], start=2):
        assert all(label in text for label in ("Case ID", "Completed by", "Role", "Date")), n
    assert [text.count(FOOTER) for text in pages] == [1] * len(pages), "one footer per page"


def test_print_this_checklist_only_gives_one_page(checklists_page, tmp_path: Path) -> None:
    protocol = load_protocol()
    chosen = protocol.checklists[0]
    others = [i.id for c in protocol.checklists[1:] for i in c.items]
    # What the "Print this checklist only" button does before it calls print() (print-one.js).
    checklists_page.evaluate(
        """id => { const b = document.querySelector(`button.print-one[data-checklist="${id}"]`);
                   document.documentElement.classList.add('print-one');
                   b.closest('section').classList.add('print-target'); }""", chosen.id)
    pages = _pdf_pages(checklists_page, tmp_path / "one.pdf")
    checklists_page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert len(pages) == 1, f"{len(pages)} pages for one checklist"
    assert _on_one_page(pages, chosen)
    assert not [i for i in others if f"{i} " in pages[0]], "another checklist was printed"
    assert checklists_page.evaluate("document.querySelectorAll('.print-target').length") == 0
