"""The Sphinx extension, tested with Sphinx's own fixtures on a small test root."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocol_checks.protocol import checklist_dir
from protocol_checks.sphinxext import setup
from protocol_checks.sphinxext.traceability import _outdated, _trace_docs
from protocol_checks.sphinxext.xref import citations


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return Path(__file__).parent / "roots"


@pytest.mark.sphinx("html", testroot="protocol", freshenv=True)
def test_checklist_page_depends_on_the_checklist_data(app) -> None:
    app.build()
    deps = {Path(p).name for p in app.env.dependencies["checklist"]}
    assert {p.name for p in checklist_dir().glob("*.yaml")} <= deps


@pytest.mark.sphinx("html", testroot="protocol", freshenv=True)
def test_rule_pages_depend_on_the_rule_modules(app) -> None:
    app.build()
    deps = {Path(p).name for p in app.env.dependencies["checklist"]}
    assert "roles.py" in deps


@pytest.mark.sphinx("html", testroot="protocol", freshenv=True)
def test_warnings_have_type_subtype_and_location(app, warning) -> None:
    app.build()
    text = warning.getvalue()
    assert "checklist.md" in text and "unknown checklist 'no-such-checklist'" in text
    assert "[protocol.checklist]" in text
    assert "unknown rule 'NOPE-999'" in text and "[protocol.summary]" in text
    assert "unknown source paragraph 'P99'" in text and "[protocol.source]" in text


@pytest.mark.sphinx("html", testroot="protocol", freshenv=True)
def test_traceability_flags_uncited_paragraphs_and_missing_anchors(app, warning) -> None:
    app.build()
    text = warning.getvalue()
    assert "source paragraph P9 is cited nowhere" in text
    assert "source paragraph P4 is cited nowhere" not in text
    assert "has no anchor in the handbook" in text  # no rule catalogue in this root


@pytest.mark.sphinx("html", testroot="protocol", freshenv=True)
def test_citations_are_recorded_per_document(app) -> None:
    app.build()
    assert citations(app.env)["trace"] == {"P4"}


@pytest.mark.sphinx("html", testroot="protocol", freshenv=True)
def test_aggregate_page_is_outdated_when_any_page_changes(app) -> None:
    app.build()
    assert _trace_docs(app.env) == {"trace"}
    assert _outdated(app, app.env, set(), {"checklist"}, set()) == ["trace"]
    assert _outdated(app, app.env, set(), set(), set()) == []


@pytest.mark.sphinx("html", testroot="protocol", freshenv=True)
def test_checklist_renders_items_with_anchors(app) -> None:
    app.build()
    html = (Path(app.outdir) / "checklist.html").read_text(encoding="utf-8")
    assert 'id="item-ba-1"' in html and 'id="item-ba-16"' in html
    assert "Initials" in html and "\u2610" in html


def test_extension_declares_parallel_safety() -> None:
    class FakeApp:
        def __getattr__(self, name):
            return lambda *a, **k: None

    meta = setup(FakeApp())  # type: ignore[arg-type]
    assert meta["parallel_read_safe"] and meta["parallel_write_safe"]
