"""The Sphinx extension, tested on a small test root built once for the whole module.

Directive output is compared with doctree snapshots (``tests/snapshots/``), as sphinx-design's
snippet tests do: a change to what a directive renders shows as a readable diff. Regenerate
them after an intended change with ``PROTOCOL_CHECKS_UPDATE_SNAPSHOTS=1 pytest
tests/test_sphinxext.py``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

from protocol_checks.protocol import checklist_dir
from protocol_checks.sphinxext import setup
from protocol_checks.sphinxext.traceability import _outdated, _trace_docs
from protocol_checks.sphinxext.warnings_ import ProtocolWarning, descriptions
from protocol_checks.sphinxext.xref import citations

ROOT = Path(__file__).parent / "roots" / "test-protocol"
SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """One fresh build of the test root, shared by every test here (its app and warnings)."""
    src = tmp_path_factory.mktemp("root") / "src"
    shutil.copytree(ROOT, src)
    warnings = io.StringIO()
    app = SphinxTestApp("html", srcdir=src, warning=warnings, freshenv=True)
    try:
        app.build()
        yield app, warnings.getvalue()
    finally:
        app.cleanup()


def test_checklist_page_depends_on_the_checklist_data(built) -> None:
    app, _ = built
    deps = {Path(p).name for p in app.env.dependencies["checklist"]}
    assert {p.name for p in checklist_dir().glob("*.yaml")} <= deps


def test_rule_pages_depend_on_the_rule_modules(built) -> None:
    app, _ = built
    deps = {Path(p).name for p in app.env.dependencies["checklist"]}
    assert "roles.py" in deps


def test_warnings_have_type_code_and_location(built) -> None:
    _, text = built
    assert re.search(r"checklist\.md:\d+: WARNING: unknown checklist 'no-such-checklist' "
                     r"\[protocol\.checklist\]", text)
    assert re.search(r"unknown rule 'NOPE-999' \[protocol\.summary\]", text)
    assert re.search(r"trace\.md:\d+: WARNING: unknown source paragraph 'P99'.*"
                     r"\[protocol\.source\]", text)
    codes = set(re.findall(r"\[protocol\.([a-z]+)\]", text))
    assert codes <= {c.value for c in ProtocolWarning}


def test_every_warning_code_is_documented() -> None:
    found = descriptions()
    assert set(found) == set(ProtocolWarning)
    assert all(len(text) > 20 for text in found.values())


def test_traceability_flags_uncited_paragraphs_and_missing_anchors(built) -> None:
    _, text = built
    assert "source paragraph P9 is cited nowhere" in text
    assert "source paragraph P4 is cited nowhere" not in text
    assert "has no anchor in the handbook" in text  # no full rule catalogue in this root


def test_citations_are_recorded_per_document(built) -> None:
    app, _ = built
    assert citations(app.env)["trace"] == {"P4"}


def test_aggregate_page_is_outdated_when_any_page_changes(built) -> None:
    app, _ = built
    assert _trace_docs(app.env) == {"trace"}
    assert _outdated(app, app.env, set(), {"checklist"}, set()) == ["trace"]
    assert _outdated(app, app.env, set(), set(), set()) == []


def test_checklist_renders_items_with_anchors(built) -> None:
    app, _ = built
    html = (Path(app.outdir) / "checklist.html").read_text(encoding="utf-8")
    assert 'id="item-ba-1"' in html and 'id="item-ba-16"' in html
    assert "Initials" in html and "\u2610" in html


def _snapshot_text(app, docname: str) -> str:
    """The page's doctree as text, without the build's own paths."""
    text = app.env.get_doctree(docname).pformat()
    return text.replace(str(app.srcdir), "<srcdir>")


@pytest.mark.parametrize("docname", ["snippets"])
def test_directive_output_matches_its_doctree_snapshot(built, docname: str) -> None:
    app, _ = built
    snapshot = SNAPSHOTS / f"{docname}.doctree.txt"
    actual = _snapshot_text(app, docname)
    if os.environ.get("PROTOCOL_CHECKS_UPDATE_SNAPSHOTS"):
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(actual, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot {snapshot.name}; see the module docstring"
    assert actual == snapshot.read_text(encoding="utf-8")


def test_extension_declares_parallel_safety() -> None:
    class FakeApp:
        def __getattr__(self, name):
            return lambda *a, **k: None

    meta = setup(FakeApp())  # type: ignore[arg-type]
    assert meta["parallel_read_safe"] and meta["parallel_write_safe"]
