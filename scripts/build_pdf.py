#!/usr/bin/env python3
"""Build a PDF of the whole handbook without TeX: the single-page HTML build, printed to A4 by
headless Chromium with the handbook's own print stylesheet.

Usage: python scripts/build_pdf.py [OUTPUT.pdf]   (default docs/_build/handbook.pdf)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=20000",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


def build_singlehtml(out: Path, strict: bool = True, profile: str | None = None) -> Path:
    edition = ["-D", f"protocol_profile={Path(profile).resolve()}"] if profile else []
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", *(["-n", "-W"] if strict else []), "-b",
         "singlehtml", "-c", str(ROOT), *edition, str(ROOT / "docs"), str(out)],
        check=True, cwd=ROOT,
    )
    return out / "index.html"


def print_pdf(chromium: str, page: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--print-to-pdf={pdf}", page.as_uri()],
            check=True, capture_output=True, timeout=600,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(ROOT / "docs/_build/handbook.pdf"))
    parser.add_argument("--html", default=str(ROOT / "docs/_build/singlehtml"),
                        help="where to build the single-page HTML")
    parser.add_argument("--draft", action="store_true",
                        help="build even if Sphinx warns (never for a published copy)")
    parser.add_argument("--profile", metavar="FILE",
                        help="print a service's own edition, built from its service profile")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("build_pdf: Chromium is needed (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    page = build_singlehtml(Path(args.html), strict=not args.draft, profile=args.profile)
    pdf = Path(args.output).resolve()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    print_pdf(chromium, page, pdf)
    print(f"wrote {pdf} ({pdf.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
