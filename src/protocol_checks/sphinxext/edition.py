"""A service's own edition of the handbook, built from its profile.

Build with ``-D protocol_profile=PATH`` (``make docs PROFILE=PATH``): the protocol every
directive renders is the release with the profile applied, so checklists, the rule catalogue
and the settings table show the local values and items; the text speaks the service's terms;
a ``{setting}`` role shows a setting's value with a visible *local* mark (the base value and the
rationale on hover, and a link to the annex); the ``adaptations`` directive lists every local
change; document control is the service's. Without a profile the base edition is built,
unchanged.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxRole

from protocol_checks.adapt import Adaptation, local_terms
from protocol_checks.release import Settings
from protocol_checks.sphinxext.build_profile import edition, edition_protocol, resolve
from protocol_checks.sphinxext.common import ProtocolDirective, table, warn, xref
from protocol_checks.sphinxext.warnings_ import ProtocolWarning


def _marked(config: object, kind: str, subject: str, value: nodes.Node) -> list[nodes.Node]:
    """``value``, and when the edition's profile changed it, a *local* mark with the base value
    and the rationale (on hover, and in print beside it) linking to the annex entry."""
    found = edition(config)  # type: ignore[arg-type]
    change = next((c for c in found[0].changes if c.kind == kind and c.subject == subject),
                  None) if found else None
    if change is None:
        return [value]
    mark = nodes.abbreviation(text="local", explanation=(
        f"Local {kind}; the base protocol has {change.base}. {change.rationale}"),
        classes=["local-mark"])
    return [value, nodes.Text(" ("), mark, nodes.Text("; "),
            xref("ref", change.anchor, f"base {change.base}"), nodes.Text(")")]


def setting_nodes(config: object, name: str) -> list[nodes.Node]:
    """A setting's value in this edition, marked when it is local."""
    settings = edition_protocol(config).release.settings  # type: ignore[arg-type]
    return _marked(config, "setting", name,
                   nodes.inline(text=settings.value_text(name), classes=["setting-value"]))


def severity_nodes(config: object, rule_id: str) -> list[nodes.Node]:
    """A rule's severity in this edition, marked when the profile tightened it."""
    rule = edition_protocol(config).rules.get(rule_id)  # type: ignore[arg-type]
    if rule is None:
        return [nodes.Text("withdrawn")]
    return _marked(config, "severity", rule_id,
                   nodes.inline(text=rule.severity.value, classes=["severity-value"]))


class SeverityRole(SphinxRole):
    """``{severity}`ROLE-007```: the rule's severity in this edition."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        return severity_nodes(self.config, self.text.strip().upper()), []


class StatusDirective(ProtocolDirective):
    """``document-status``: what this edition is and who approved it (the base: no one)."""

    def run(self) -> list[nodes.Node]:
        found = edition(self.config)
        version = self.protocol().release.version
        if found is None:
            text = (f"Release {version} is a draft for consultation: a template for local "
                    "adoption, approved by no one. A service that adopts it writes a service "
                    "profile, which fills in its own approving committee and date of approval "
                    "and records its local settings, and uses its own edition as its protocol.")
        else:
            control = found[1].service.document_control
            approved = (f"approved by {control.approved_by} on {control.date_approved}"
                        if control.date_approved else
                        f"to be approved by {control.approved_by}; not yet approved")
            text = (f"This is the edition of {found[1].service.name}: release {version} of the "
                    f"protocol (itself a draft for consultation, approved by no one) with the "
                    f"service's local changes, listed in the Adaptations annex; {approved}.")
        para = nodes.paragraph(text=text, classes=["document-status", KEEP_BASE_TERMS])
        self.set_source_info(para)
        return [para]


class SettingRole(SphinxRole):
    """``{setting}`report_interval_days```: the setting's value in this edition."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        name = self.text.strip()
        if name not in Settings.model_fields:
            warn(f"unknown setting {name!r}", ProtocolWarning.source, self.get_location())
            return [nodes.literal(text=name)], []
        return setting_nodes(self.config, name), []


KEEP_BASE_TERMS = "keep-base-terms"
"""A class that keeps the base terms inside an element (the annex, which shows both)."""


def _keeps_base_terms(node: nodes.Node) -> bool:
    """Inside code, the annex, or a Context box: there the base term is the historical or
    statutory one (the care coordinator of the care programme approach), not the service's."""
    while node is not None:
        if isinstance(node, nodes.literal | nodes.literal_block | nodes.raw):
            return True
        if isinstance(node, nodes.Element) and KEEP_BASE_TERMS in node.get("classes", []):
            return True
        if isinstance(node, nodes.admonition) and node.children and isinstance(
                node.children[0], nodes.title) and node.children[0].astext().startswith("Context"):
            return True
        node = node.parent
    return False


HISTORY_PAGES = frozenset({"context", "sources", "changelog", "releases", "adaptations"})
"""Pages about the source, its context and the releases' history: their terms are facts of
the record (the key worker became the care coordinator), never the service's renaming."""


class LocalTerms(SphinxTransform):
    """The text of every page in the service's terms, except where the base term must stay."""

    default_priority = 700

    def apply(self, **kwargs: object) -> None:
        found = edition(self.config)
        if (found is None or not found[1].terms
                or self.env.current_document.docname in HISTORY_PAGES):
            return
        profile = found[1]
        for text in list(self.document.findall(nodes.Text)):
            if _keeps_base_terms(text.parent):
                continue
            changed = local_terms(text.astext(), profile)
            if changed != text.astext():
                text.parent.replace(text, nodes.Text(changed))


_KIND_WORDS = {"setting": "Setting", "severity": "Severity", "term": "Term", "item": "Local item",
               "agency": "Agency", "escalation": "Escalation"}


def _subject(change: Adaptation) -> list[nodes.Node]:
    if change.kind == "severity":
        return [xref("rule", change.subject)]
    if change.kind == "item":
        return [xref("item", change.subject)]
    return [nodes.literal(text=change.subject) if change.kind in ("setting", "term")
            else nodes.Text(change.subject)]


class AdaptationsDirective(ProtocolDirective):
    """``adaptations``: the annex of every local change, each beside the base it replaces,
    with its rationale and author; in the base edition, a sentence saying there are none."""

    def run(self) -> list[nodes.Node]:
        found = edition(self.config)
        if found is None:
            return [nodes.paragraph(text="This is the base edition of the protocol: it has no "
                                    "local changes. A service's edition, built from its "
                                    "profile, lists each of its changes here.")]
        adapted, profile = found
        intro = nodes.paragraph(text=(
            f"The edition of {profile.service.name}: release {adapted.protocol.release.version} "
            f"of the protocol with {len(adapted.changes)} local changes (profile written for "
            f"release {profile.base_release}). Everything not listed here is the base protocol."))
        rows = [([_KIND_WORDS[c.kind], _subject(c), c.base or "none", c.local, c.rationale,
                  c.author], [c.anchor]) for c in adapted.changes]
        std = self.env.domains.standard_domain
        docname = self.env.current_document.docname
        for c in adapted.changes:  # so {setting} marks elsewhere can link to the entry
            std.anonlabels[c.anchor] = (docname, c.anchor)
            std.labels[c.anchor] = (docname, c.anchor, f"{_KIND_WORDS[c.kind]} {c.subject}")
        out: list[nodes.Node] = [intro, table(
            ["Change", "What", "Base", "Local", "Rationale", "Author"], rows,
            [10, 16, 14, 22, 28, 10], classes=["adaptations", KEEP_BASE_TERMS])]
        if adapted.conflicts:
            items = nodes.bullet_list()
            for conflict in adapted.conflicts:
                items += nodes.list_item("", nodes.paragraph(text=conflict))
            out += [nodes.rubric(text="Not applied to this release"), items]
        for node in out:
            self.set_source_info(node)
        return out


class EscalationDirective(ProtocolDirective):
    """``escalation-contacts``: whom this service escalates to, as roles; in the base edition,
    a note that each service names them in its profile."""

    def run(self) -> list[nodes.Node]:
        found = edition(self.config)
        contacts = found[1].escalation if found else []
        if not contacts:
            return [nodes.paragraph(text="Escalation contacts are a local decision: each "
                                    "service names them, as roles, in its profile, and its "
                                    "edition of the handbook lists them here.")]
        rows = [([c.situation, c.contact], []) for c in contacts]
        result = table(["When", "Escalate to (a role)"], rows, [45, 55],
                       classes=["escalation-contacts"])
        self.set_source_info(result)
        return [result]


class AgenciesDirective(ProtocolDirective):
    """``local-agencies``: the agencies this service shares risk information with."""

    def run(self) -> list[nodes.Node]:
        found = edition(self.config)
        agencies = found[1].agencies if found else []
        if not agencies:
            return [nodes.paragraph(text="Which agencies a service shares with is a local "
                                    "decision: each service lists them in its profile, and "
                                    "its edition of the handbook lists them here.")]
        rows = [([a.name, a.kind.value.replace("_", " ")], []) for a in agencies]
        result = table(["Agency", "Kind (P4)"], rows, [65, 35], classes=["local-agencies"])
        self.set_source_info(result)
        return [result]


def setup_edition(app: Sphinx) -> None:
    app.add_config_value("protocol_profile", "", "env", types=[str])
    app.connect("config-inited", resolve)
    app.add_role("setting", SettingRole())
    app.add_role("severity", SeverityRole())
    app.add_directive("document-status", StatusDirective)
    app.add_transform(LocalTerms)
    app.add_directive("adaptations", AdaptationsDirective)
    app.add_directive("escalation-contacts", EscalationDirective)
    app.add_directive("local-agencies", AgenciesDirective)
