"""Traceability: source paragraph -> handbook pages -> checklist items -> rules -> examples.

The page is assembled after every document is read (it lists which chapters cite each
paragraph), and it is marked outdated whenever any document changes (``env-get-outdated``).
The consistency check makes the build fail (warnings are errors) when a paragraph has no item or
no citation, or when a link the validator can print has no anchor in the site.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.nodes import make_refnode

from protocol_checks.links import RULES_PAGE
from protocol_checks.protocol import PARAGRAPHS
from protocol_checks.sphinxext.build_profile import edition_protocol
from protocol_checks.sphinxext.common import ProtocolDirective, joined, table, warn
from protocol_checks.sphinxext.examples import failing_example, relative_example
from protocol_checks.sphinxext.warnings_ import ProtocolWarning
from protocol_checks.sphinxext.xref import citations

RULES_DOC = RULES_PAGE.removesuffix(".html")


class traceability_matrix(nodes.General, nodes.Element):
    """Placeholder, replaced once every document has been read."""


def _trace_docs(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "protocol_trace_docs"):
        env.protocol_trace_docs = set()  # type: ignore[attr-defined]
    return env.protocol_trace_docs  # type: ignore[attr-defined]


class TraceabilityDirective(ProtocolDirective):
    def run(self) -> list[nodes.Node]:
        self.depend_on_checklists()
        self.depend_on_rule_modules()
        _trace_docs(self.env).add(self.env.current_document.docname)
        node = traceability_matrix()
        self.set_source_info(node)
        return [node]


def _link(app: Sphinx, fromdoc: str, objtype: str, name: str) -> nodes.Node:
    std = app.env.domains.standard_domain
    found = std.objects.get((objtype, name))
    text = nodes.literal(text=name)
    if found is None:
        return text
    return make_refnode(app.builder, fromdoc, found[0], found[1], text)


def _build(app: Sphinx, fromdoc: str) -> nodes.table:
    protocol = edition_protocol(app.config)
    cited = citations(app.env)
    rows = []
    for paragraph in PARAGRAPHS:
        docs = sorted(doc for doc, paras in cited.items() if paragraph in paras)
        pages = joined(
            make_refnode(app.builder, fromdoc, doc, "",
                         nodes.inline(text=str(app.env.titles[doc].astext())))
            for doc in docs if doc in app.env.titles
        )
        items = [i for i in protocol.items.values() if paragraph in i.source]
        rules = sorted({r for i in items for r in i.rule_ids})
        examples = []
        for rule_id in rules:
            path = failing_example(app, rule_id)
            if path is not None:
                examples.append(nodes.literal(text=relative_example(app, path).rsplit("/", 1)[-1]))
        anchor = std_label(app, f"source-{paragraph.lower()}")
        para_cell = (make_refnode(app.builder, fromdoc, anchor[0], anchor[1],
                                  nodes.strong(text=paragraph)) if anchor
                     else nodes.strong(text=paragraph))
        attest = [i.id for i in items if i.is_attestation]
        item_cell = joined(_link(app, fromdoc, "checklist-item", i.id) for i in items)
        if attest:
            item_cell.append(nodes.Text(f" ({len(attest)} by attestation)"))
        rows.append(([[para_cell], pages or "none", item_cell or "none",
                      joined(_link(app, fromdoc, "protocol-rule", r) for r in rules) or "none",
                      joined(examples) or "none"], [f"trace-{paragraph.lower()}"]))
    return table(["Source", "Handbook pages citing it", "Checklist items", "Rules",
                  "Failing examples"], rows, [8, 26, 26, 22, 18], classes=["traceability"])


def std_label(app: Sphinx, name: str) -> tuple[str, str] | None:
    return app.env.domains.standard_domain.anonlabels.get(name)


def _resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in doctree.findall(traceability_matrix):
        node.replace_self(_build(app, docname))


def _check(app: Sphinx, env: BuildEnvironment) -> None:
    protocol = edition_protocol(app.config)
    std = env.domains.standard_domain
    cited = set().union(*citations(env).values()) if citations(env) else set()
    for paragraph in PARAGRAPHS:
        if not any(paragraph in item.source for item in protocol.items.values()):
            warn(f"source paragraph {paragraph} has no checklist item",
                 ProtocolWarning.traceability)
        if paragraph not in cited:
            warn(f"source paragraph {paragraph} is cited nowhere in the handbook",
                 ProtocolWarning.traceability)
        if (f"source-{paragraph.lower()}") not in std.anonlabels:
            warn(f"no anchor source-{paragraph.lower()} for {paragraph} on the sources page",
                 ProtocolWarning.traceability)
    for rule in protocol.rules.values():
        found = std.objects.get(("protocol-rule", rule.id))
        if found is None or found != (RULES_DOC, rule.anchor):
            warn(f"validator link {RULES_PAGE}#{rule.anchor} has no anchor in the handbook",
                 ProtocolWarning.traceability)
    for item in protocol.items.values():
        if ("checklist-item", item.id) not in std.objects:
            warn(f"checklist item {item.id} is not rendered in the handbook",
                 ProtocolWarning.traceability)


def _outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
              removed: set[str]) -> list[str]:
    del app
    if added or changed or removed:
        return sorted(_trace_docs(env) - added - changed)
    return []


def _purge(_app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _trace_docs(env).discard(docname)


def _merge(_app: Sphinx, env: BuildEnvironment, docnames: set[str],
           other: BuildEnvironment) -> None:
    _trace_docs(env).update(_trace_docs(other) & docnames)


def setup_traceability(app: Sphinx) -> None:
    app.add_node(traceability_matrix)
    app.add_directive("traceability", TraceabilityDirective)
    app.connect("doctree-resolved", _resolve)
    app.connect("env-check-consistency", _check)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
