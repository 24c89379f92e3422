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
