"""The handbook builds strictly, renders the protocol's data, and holds together."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

from protocol_checks.case import SCHEMA_PATH
from protocol_checks.cli import build_parser
from protocol_checks.links import RULES_PAGE
from protocol_checks.protocol import load_protocol
from protocol_checks.schema import case_schema

ROOT = Path(__file__).resolve().parents[1]
COPIED = ROOT.parent / "shared" / "tools" / "copied-sentences"


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value:
                self.links.append((tag, value))


def parse(path: Path) -> _Ids:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_validator_link_lands_on_an_anchor(built_site: Path) -> None:
    ids = parse(built_site / RULES_PAGE).ids
    for rule in load_protocol().rules.values():
        assert rule.anchor in ids, f"{RULES_PAGE}#{rule.anchor} missing"


def test_every_checklist_item_has_an_anchor(built_site: Path) -> None:
    ids = parse(built_site / "checklists" / "index.html").ids
    missing = [i.anchor for i in load_protocol().items.values() if i.anchor not in ids]
    assert not missing


def test_checklist_page_shows_item_text_and_rule_links(built_site: Path) -> None:
    html = (built_site / "checklists" / "index.html").read_text(encoding="utf-8")
    protocol = load_protocol()
    for item in protocol.items.values():
        assert item.id in html
    assert f'href="../{RULES_PAGE}#rule-role-007"' in html


def test_schema_is_served_at_its_published_path(built_site: Path) -> None:
    served = built_site / SCHEMA_PATH
    assert json.loads(served.read_text(encoding="utf-8")) == case_schema()


def test_every_internal_link_resolves(built_site: Path) -> None:
    broken = []
    for page in built_site.rglob("*.html"):
        if page.relative_to(built_site).parts[0] == "_static":
            continue  # theme templates shipped as static files, not pages
        parsed = parse(page)
        for tag, link in parsed.links:
            url = urlparse(link)
            if url.scheme or link.startswith(("mailto:", "data:", "javascript:")):
                continue
            target = (page.parent / url.path).resolve() if url.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(built_site)}: {tag} {link}")
                continue
            if url.fragment and target.suffix == ".html" and url.fragment not in parse(target).ids:
                broken.append(f"{page.relative_to(built_site)}: #{url.fragment} in {url.path}")
    assert not broken, "\n".join(broken[:40])


# What makes the browser fetch: src attributes, <link href> (styles, icons, preloads) and CSS
# url(). Ordinary <a href> links to outside documentation are not requests.
_REMOTE = re.compile(r"""\ssrc\s*=\s*["']\s*(?:https?:)?//|<link\b[^>]*\shref\s*=\s*["']\s*(?:https?:)?//"""
                     r"""|url\(\s*["']?(?:https?:)?//""", re.I)


def test_site_loads_nothing_from_other_hosts(built_site: Path) -> None:
    offenders = []
    for page in built_site.rglob("*"):
        if page.suffix in (".html", ".css") and _REMOTE.search(page.read_text(errors="ignore")):
            offenders.append(str(page.relative_to(built_site)))
    assert not offenders, offenders


def test_command_reference_documents_every_subcommand(built_site: Path) -> None:
    html = (built_site / "reference" / "command.html").read_text(encoding="utf-8")
    parser = build_parser()
    subs = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, sub in subs.choices.items():
        assert f'id="command-{name}"' in html
        assert sub.description, f"sub-command {name} has no description"


def test_case_file_reference_lists_every_field(built_site: Path) -> None:
    html = (built_site / "reference" / "case-file.html").read_text(encoding="utf-8")
    schema = case_schema()
    for spec in [schema, *schema["$defs"].values()]:
        for field in spec.get("properties", {}):
            literal = f'<code class="docutils literal notranslate"><span class="pre">{field}</span></code>'
            assert literal in html, field


def test_release_and_review_date_in_every_page_footer(built_site: Path) -> None:
    from protocol_checks.release import working_release

    current = working_release()
    for page in ["index.html", "checklists/index.html", RULES_PAGE]:
        html = (built_site / page).read_text(encoding="utf-8")
        assert f"Protocol release <strong>{current.version}</strong>" in html
        assert f"next review <strong>{current.review_date.isoformat()}</strong>" in html
        assert f'data-review="{current.review_date.isoformat()}"' in html
        assert "review-notice.js" in html


def test_search_index_is_local_and_holds_protocol_terms(built_site: Path) -> None:
    index = (built_site / "searchindex.js").read_text(encoding="utf-8")
    assert "mindedness" in index


@pytest.mark.skipif(not COPIED.exists(), reason="shared/tools/copied-sentences not present")
def test_no_sentence_is_copied_from_the_source() -> None:
    proc = subprocess.run([sys.executable, str(COPIED), str(ROOT)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_remote_pattern_catches_what_browsers_fetch() -> None:
    assert _REMOTE.search('<script src="https://cdn.example/x.js">')
    assert _REMOTE.search('<link rel="stylesheet" href="//fonts.example/css">')
    assert _REMOTE.search("body { background: url('https://img.example/a.png') }")
    assert not _REMOTE.search('<a href="https://pre-commit.com">pre-commit</a>')
    assert not _REMOTE.search('<script src="_static/x.js">')


def test_protocol_chapters_put_what_to_do_first_and_keep_the_first_layer_short() -> None:
    """Each chapter opens with "What to do": every recommendation, one line with its force,
    its second layer in a dropdown. The first layer of all chapters stays under 3,000 words,
    measured by scripts/first_layer_words.py."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from first_layer_words import WHAT_TO_DO, counts

    found = counts()
    assert sum(found.values()) < 3000, found
    for chapter in sorted((ROOT / "docs" / "protocol").glob("*.md")):
        text = chapter.read_text(encoding="utf-8")
        sections = re.findall(r"^## .*$", text, re.M)
        assert sections and sections[0] == WHAT_TO_DO, f"{chapter.name} opens with {sections[:1]}"
        first = text[: text.find("\n## ", text.find(WHAT_TO_DO) + 1)]
        labels = re.findall(r"^\((rec-[\w-]+)\)=$", text, re.M)
        assert labels == re.findall(r"^\((rec-[\w-]+)\)=$", first, re.M), chapter.name
        for label in labels:
            line = re.search(rf"^\({label}\)=\n(\*\*.+)\n\n(.*)$", text, re.M)
            assert line and re.search(r"\*\* \*[^*]+\*", line[1]), f"{label}: no one-line force"
            assert line[2].startswith(":::") and "{dropdown} Why and how it is checked" in line[2], label


def test_checklist_force_follows_the_severity_of_its_rules(built_site: Path) -> None:
    """The force column is derived, not written: error -> must, warning -> usually,
    advice -> consider (the strongest of an item's rules); confirm for an attestation."""
    html = (built_site / "checklists" / "index.html").read_text(encoding="utf-8")
    protocol = load_protocol()
    words = {"error": "must", "warning": "usually", "advice": "consider"}
    rank = ["advice", "warning", "error"]
    for item in protocol.items.values():
        row = re.search(rf'<tr[^>]*id="{item.anchor}".*?</tr>', html, re.S)
        assert row, item.id
        severities = [protocol.rules[r].severity.value for r in item.rule_ids]
        force = words[max(severities, key=rank.index)] if severities else "confirm"
        assert f'class="force force-{force}"' in row[0], (item.id, force)
