"""Issue 11, defect 10: example case files reach the handbook as literal text, never as markup.

A small Sphinx project (built with sphinx.testing, as in test_sphinxext.py) renders hostile
examples with ``worked-example``; the built page must hold no script that came from them.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

CONF = """
extensions = ["myst_parser", "sphinx_design", "protocol_checks.sphinxext"]
myst_enable_extensions = ["colon_fence"]
protocol_examples_dir = "examples"
protocol_document = {"title": "t", "reference": "r", "status": "s", "author": "a", "owner": "o",
                     "approved_by": "c", "date_approved": "2026-01-01",
                     "next_review": "2099-01-01", "supersedes": "none"}
suppress_warnings = ["protocol.traceability"]
"""

RAW = "```{raw} html\n<script>HOSTILE_RAW()</script>\n```"
STAGE = f"treatment\n\n{RAW}\n\n<script>HOSTILE_INLINE()</script>\n"
BROKEN = ("{\n  \"stage\": \"treatment\",\n````\n\n" + RAW
          + "\n\n<script>HOSTILE_FENCE()</script>\n\n````\n")

INDEX = """# Hostile examples

```{worked-example} examples/invalid-stage.json
:title: Stage

The narrative is the author's own.
```

```{worked-example} examples/four-backticks.json
:exercise:

Broken JSON with a line of four backticks.
```
"""


class _Scripts(HTMLParser):
    """Collects the text of every live ``<script>`` element and every raw element name."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "script":
            self._inside = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.scripts[-1] += data


@pytest.fixture
def hostile_project(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "examples").mkdir(parents=True)
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    (src / "index.md").write_text(INDEX, encoding="utf-8")
    case = {"protocol_version": "1.0.0", "case_id": "CASE-0001", "stage": STAGE,
            "as_of": "2025-01-01", "treatment_plan": {"modality": RAW, "format": "group"}}
    (src / "examples" / "invalid-stage.json").write_text(json.dumps(case, indent=2),
                                                          encoding="utf-8")
    (src / "examples" / "four-backticks.json").write_text(BROKEN, encoding="utf-8")
    return src


def test_hostile_examples_render_as_text_and_no_script(make_app, hostile_project: Path) -> None:
    app = make_app("html", srcdir=hostile_project, freshenv=True)
    app.build()
    page = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    parser = _Scripts()
    parser.feed(page)
    assert not [s for s in parser.scripts if "HOSTILE" in s], "a script from an example is live"
    assert "<script>HOSTILE" not in page
    # Shown, as text: the file in a literal block, the stage value in the summary.
    assert page.count("&lt;script&gt;HOSTILE_RAW()&lt;/script&gt;") >= 3
    assert "&lt;script&gt;HOSTILE_FENCE()&lt;/script&gt;" in page
    assert "&lt;script&gt;HOSTILE_INLINE()&lt;/script&gt;" in page
    assert "The narrative is the author" in page  # the author's MyST is still parsed
    assert "Show the answer" in page and "Input problem" in page


def test_colon_fences_outgrow_the_narrative() -> None:
    from protocol_checks.sphinxext.examples import colon_fence

    assert colon_fence("plain text", 5) == 5
    assert colon_fence(":::::::{note}\nx\n:::::::", 5) == 8
