"""Document control: the block NHS protocols open with, and the release and review date that
every page's footer shows (so they print).

The release's number, status, date and review date come from the release data
(``releases/releases.yaml``), not from ``conf.py``: each release carries its own. Whether the
review date has passed is decided when a page is read (a small script shows a notice), and by
``protocol-checks governance`` in a service's CI, never by the build: a strict build must not
start failing on a calendar date.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

from protocol_checks import __version__
from protocol_checks.release import all_releases, working_release
from protocol_checks.sphinxext.build_profile import edition
from protocol_checks.sphinxext.common import ProtocolDirective, table, warn
from protocol_checks.sphinxext.warnings_ import ProtocolWarning

FIELDS = [
    ("title", "Title"),
    ("reference", "Reference"),
    ("version", "Protocol release"),
    ("release_date", "Release date"),
    ("status", "Status"),
    ("author", "Author"),
    ("owner", "Owner"),
    ("approved_by", "Approving committee"),
    ("date_approved", "Date approved"),
    ("next_review", "Next review date"),
    ("supersedes", "Supersedes"),
    ("tool_version", "Built with"),
]

STATUS_WORDS = {
    "draft": "Draft in preparation; approved by no one",
    "consultation": "Draft for consultation: a template for local adoption, approved by no one",
    "approved": "Approved",
    "superseded": "Superseded by a later release",
}

# The status as the page-margin footer of every printed sheet gives it (one line at 8pt).
SHORT_STATUS = {"draft": "draft", "consultation": "draft for consultation",
                "approved": "approved", "superseded": "superseded"}


def document(config: Config) -> dict[str, str]:
    """conf.py's fields (title, owner...) with the release's own number, dates and status."""
    current = working_release()
    earlier = all_releases()[:-1]
    data = dict(config.protocol_document)
    data.update(version=current.version, release_date=current.date.isoformat(),
                status=STATUS_WORDS[current.status.value],
                next_review=current.review_date.isoformat(),
                supersedes=(f"Release {earlier[-1].version} ({earlier[-1].date.isoformat()})"
                            if earlier else "None (first issue)"),
                tool_version=f"protocol-checks {__version__}")
    found = edition(config)
    if found is not None:  # a service's edition: its own document control
        control = found[1].service.document_control
        data.update(
            title=f"{data['title']}: the edition of {found[1].service.name}",
            reference=control.reference, owner=control.owner, approved_by=control.approved_by,
            date_approved=(control.date_approved.isoformat() if control.date_approved
                           else "Not yet approved by the service"),
            status=(f"Local edition of release {current.version}, whose own status is: "
                    f"{STATUS_WORDS[current.status.value]} (local changes: see Adaptations)"),
            author=control.author or data.get("author", ""),
            service=found[1].service.name)
        if control.next_review is not None:
            data["next_review"] = control.next_review.isoformat()
    return data


class DocumentControlDirective(ProtocolDirective):
    def run(self) -> list[nodes.Node]:
        data = document(self.config)
        missing = [label for key, label in FIELDS if not data.get(key)]
        if missing:
            warn(f"document control is missing: {', '.join(missing)}", ProtocolWarning.doccontrol,
                 self.get_location())
        rows = [([label, str(data.get(key, ""))], []) for key, label in FIELDS]
        result = table(["Document control", ""], rows, [30, 70], classes=["document-control"])
        self.set_source_info(result)
        return [result]


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict,
                  doctree: object) -> None:
    del pagename, templatename, doctree
    data = document(app.config)
    context["protocol_version"] = data["version"]
    context["protocol_review"] = data.get("next_review", "")
    context["protocol_status"] = data.get("status", "")
    context["protocol_service"] = data.get("service", "")


PRINT_CSS = "protocol-print.css"
REVIEW_JS = "review-notice.js"


def _print_css(app: Sphinx, exception: Exception | None) -> None:
    """Write the footer every printed page carries: version, status and review date."""
    if exception is not None or app.builder.format != "html":
        return
    data = document(app.config)
    status = f" ({SHORT_STATUS.get(working_release().status.value, '')})"
    label = (f"{data.get('reference', '')} release {data['version']}{status} · next review "
             f"{data.get('next_review', '')} · printed copies are uncontrolled")
    css = (
        "@media print {\n  @page {\n"
        f"    @bottom-left {{ content: {json.dumps(label, ensure_ascii=False)}; font-size: 8pt; }}\n"
        '    @bottom-right { content: "Page " counter(page) " of " counter(pages); '
        "font-size: 8pt; }\n  }\n}\n"
    )
    target = Path(app.outdir) / "_static" / PRINT_CSS
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(css, encoding="utf-8")
    notice = Path(__file__).with_name(REVIEW_JS).read_text(encoding="utf-8")
    (target.parent / REVIEW_JS).write_text(notice, encoding="utf-8")


def setup_doccontrol(app: Sphinx) -> None:
    app.add_css_file(PRINT_CSS)
    app.connect("build-finished", _print_css)
    app.add_config_value("protocol_document", {}, "env", types=[dict])
    app.add_directive("document-control", DocumentControlDirective)
    app.add_js_file(REVIEW_JS)
    app.connect("html-page-context", _page_context)
