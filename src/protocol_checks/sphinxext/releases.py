"""Release pages: the list of protocol releases, and what changed for staff in this release.

Both are generated from the release data and the ledgers, so the handbook cannot list a change
that the validator does not make, or miss one it does. The changelog's prose sits beside the
generated list; the list is the authority.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from protocol_checks.changes import Change, between, show
from protocol_checks.ledger import ledger_path, read_ledger
from protocol_checks.protocol import Protocol
from protocol_checks.release import Settings, all_releases, working_release
from protocol_checks.rules import REGISTRY
from protocol_checks.sphinxext.common import ProtocolDirective, joined, table, xref
from protocol_checks.sphinxext.doccontrol import STATUS_WORDS
from protocol_checks.sphinxext.edition import setting_nodes

GROUPS = [
    ("item", "Checklist items: what staff do or record differently"),
    ("rule", "Validator rules: what the validator reports differently"),
    ("setting", "Service settings"),
    ("field", "Case-file fields"),
]


class ReleaseListDirective(ProtocolDirective):
    """``release-list``: every release with its date, status, review date and summary."""

    def run(self) -> list[nodes.Node]:
        rows = []
        for r in reversed(all_releases()):
            self.env.note_dependency(str(ledger_path(r.version)))
            rows.append(([[nodes.strong(text=r.version)], r.date.isoformat(),
                          STATUS_WORDS[r.status.value], r.review_date.isoformat(), r.summary],
                         [f"release-{r.version.replace('.', '-')}"]))
        result = table(["Release", "Date", "Status", "Review by", "Summary"], rows,
                       [10, 12, 26, 12, 40], classes=["release-list"])
        self.set_source_info(result)
        return [result]


def _subject(change: Change) -> list[nodes.Node]:
    if change.kind == "item" and change.what != "removed":
        return [xref("item", change.subject)]
    if change.kind == "rule":
        return [xref("rule", change.subject)]
    return [nodes.literal(text=change.subject)]


def _what(change: Change) -> str:
    if change.what == "added":
        return f"New: {change.new}" if isinstance(change.new, str) else "New"
    if change.what in ("removed", "withdrawn"):
        return f"{change.what.capitalize()}: {change.old}"
    if change.what in ("reworded", "message", "retitled"):
        return f"Now reads: {change.new} (before: {change.old})"
    if change.what == "named":
        return (f"Named as a setting: {change.new} (the earlier release's unnamed equivalent: "
                f"{change.old})")
    if change.what == "past events":
        return ("A recorded, reviewed deviation may now settle these findings about past "
                "events: " + show(change.new))
    labels = {"checked by": "Checked by", "source": "Source paragraphs", "applies": "Applies",
              "severity": "Severity", "stage": "Applies from the stage",
              "paragraphs": "Source paragraphs", "value": "Value", "checklist": "Checklist"}
    return f"{labels.get(change.what, change.what)}: {show(change.old)} \u2192 {show(change.new)}"


class ReleaseChangesDirective(ProtocolDirective):
    """``release-changes``: what changed in the newest release since the one before it,
    grouped for staff, one row per change."""

    def run(self) -> list[nodes.Node]:
        releases = all_releases()
        current = working_release()
        if len(releases) < 2:
            return [nodes.paragraph(text=f"Release {current.version} is the first release: "
                                    "there is nothing earlier to compare it with.")]
        previous = releases[-2]
        old, new = read_ledger(previous.version), read_ledger(current.version)
        for version in (previous.version, current.version):
            self.env.note_dependency(str(ledger_path(version)))
        if old is None or new is None:
            return [nodes.paragraph(text="The ledgers of these releases are not recorded yet.")]
        found = between(old, new)
        out: list[nodes.Node] = [nodes.paragraph(
            text=f"From release {previous.version} to {current.version}: {len(found)} changes, "
            "read from the two releases' ledgers.")]
        for kind, heading in GROUPS:
            rows = [([_subject(c), _what(c)], []) for c in found if c.kind == kind]
            if rows:
                out.append(nodes.rubric(text=heading))
                out.append(table(["What", "Change"], rows, [20, 80], classes=["release-changes"]))
        for node in out:
            self.set_source_info(node)
        return out


def _used_by(name: str, protocol: Protocol) -> list[nodes.Node]:
    """The items and rules whose wording states the setting (``{name}`` in their text)."""
    mark = "{" + name + "}"
    items = [i.id for c in protocol.templates for i in c.items if mark in i.text]
    rules = [r for r in sorted(protocol.rules) if any(
        mark in m for m in (REGISTRY[r].message, *REGISTRY[r].variants.values()))]
    return joined([*(xref("item", i) for i in items), *(xref("rule", r) for r in rules)])


class SettingsTableDirective(ProtocolDirective):
    """``settings-table``: every service setting of the working release, with its value, the
    range a service may choose from, and the items and rules that state it."""

    def run(self) -> list[nodes.Node]:
        protocol = self.protocol()
        rows = [([[nodes.strong(text=info.title or name), nodes.Text(" ("),
                   nodes.literal(text=name), nodes.Text(")")],
                  setting_nodes(self.config, name), Settings.allowed(name), info.description or "",
                  _used_by(name, protocol)], [f"setting-{name.replace('_', '-')}"])
                for name, info in Settings.model_fields.items()]
        result = table(["Setting", f"Release {protocol.release.version}", "Allowed",
                        "What it is", "Stated in"], rows, [20, 12, 10, 38, 20],
                       classes=["settings-table"])
        self.set_source_info(result)
        return [result]


def setup_releases(app: Sphinx) -> None:
    app.add_directive("release-list", ReleaseListDirective)
    app.add_directive("release-changes", ReleaseChangesDirective)
    app.add_directive("settings-table", SettingsTableDirective)
