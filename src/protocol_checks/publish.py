"""Publish every release side by side: the newest at the site's root, each release (the newest
too) at ``v/<release>/``, a release switcher on every page, and a banner on superseded ones.

Each release is built from its own recorded sources (the commit its ledger names) by
``scripts/build_site.py``; this module only assembles built trees. The list of releases and
their pages is written as a plain script (``_releases.js``) that every page loads with a
``<script>`` tag, because browsers refuse to fetch a JSON file for a page opened from
``file://`` (pydata-sphinx-theme issue 1958). A release's own pages are never rebuilt when a
later release is made: assembling only adds that one tag.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from protocol_checks.release import Release

SCRIPT = "_releases.js"
MARK = "<!-- protocol-releases -->"
_BODY_END = re.compile(r"</body>", re.I)


_NOT_PAGES = ("_static", "_sources", "_images", "v")
"""Folders of a built tree that hold assets, not pages (the theme ships a macro file named
``*.html`` in ``_static``), and ``v``, where the releases are put."""


def _pages(tree: Path) -> list[str]:
    return sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*.html")
                  if p.relative_to(tree).parts[0] not in _NOT_PAGES)


def _tag(depth: int, version: str, page: str) -> str:
    """The tag each page carries: where the site root is from here, and who this page is."""
    root = "../" * depth or "./"
    return (f'{MARK}<script src="{root}{SCRIPT}" data-root="{root}" '
            f'data-release="{version}" data-page="{page}"></script>')


def _inject(tree: Path, version: str, depth_of_tree: int) -> None:
    for page in _pages(tree):
        path = tree / page
        text = path.read_text(encoding="utf-8")
        if MARK in text:
            continue
        depth = depth_of_tree + page.count("/")
        text, n = _BODY_END.subn(_tag(depth, version, page) + "</body>", text, count=1)
        if n:
            path.write_text(text, encoding="utf-8")


def assemble(out: Path, builds: Mapping[str, Path], releases: list[Release], current: str,
             changes_page: str = "releases.html") -> None:
    """Copy each built release into ``out`` and write the switcher's data and code.

    ``builds`` maps a release number to its built HTML folder; ``current`` is published at the
    root as well as under ``v/``."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copytree(builds[current], out, dirs_exist_ok=True)
    _inject(out, current, 0)
    for version, tree in builds.items():
        target = out / "v" / version
        shutil.copytree(tree, target)
        _inject(target, version, 2)
    listed = [r for r in releases if r.version in builds]
    data = {
        "current": current,
        "changes": changes_page,
        "releases": [{"version": r.version, "status": r.status.value, "date": r.date.isoformat(),
                      "path": f"v/{r.version}/", "pages": _pages(builds[r.version])}
                     for r in reversed(listed)],
    }
    code = (Path(__file__).with_name("releases-switcher.js")).read_text(encoding="utf-8")
    (out / SCRIPT).write_text("window.PROTOCOL_RELEASES = " + json.dumps(data) + ";\n" + code,
                              encoding="utf-8")
