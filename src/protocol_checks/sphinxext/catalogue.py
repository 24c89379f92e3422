"""The rule catalogue (``rule-catalogue``) and compact rule tables (``rule-summary``).

Every link the validator prints points at an anchor made here (``rule-<id>``); the traceability
check fails the build if one is missing.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from protocol_checks import run_checks
from protocol_checks.protocols import protocol_for, releases_of
from protocol_checks.rules import REGISTRY, Rule, all_rules
from protocol_checks.sphinxext.common import ProtocolDirective, joined, table, warn, xref
from protocol_checks.sphinxext.edition import severity_nodes
from protocol_checks.sphinxext.examples import (
    example_findings,
    failing_example,
    passing_example,
    relative_example,
)
from protocol_checks.sphinxext.warnings_ import ProtocolWarning

STAGE_LABEL = {
    "referral": "referral",
    "assessment": "assessment",
    "treatment": "treatment",
    "long_term_contact": "end of formal treatment",
    "closed": "closure",
}


def _sources(rule: Rule) -> list[nodes.Node]:
    if not rule.paragraphs:
        return [nodes.Text("record keeping (no source paragraph)")]
    return joined(xref("ref", f"source-{p.lower()}", p) for p in rule.paragraphs)


def _needs(rule: Rule) -> list[nodes.Node]:
    """The fields the rule needs before its items can count as met (never met by silence)."""
    if not rule.needs:
        return [nodes.Text("the case file's required fields only")]
    return joined(nodes.literal(text=n) for n in rule.needs)


def _severity(rule: Rule) -> nodes.inline:
    return nodes.inline(text=rule.severity.value, classes=["severity", f"severity-{rule.severity}"])


class RuleCatalogueDirective(ProtocolDirective):
    """Every rule whose ID starts with the given prefix (e.g. ``ROLE``), or all rules."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        protocol = self.protocol()
        prefix = self.arguments[0].upper() if self.arguments else None
        # Withdrawn rules stay in the catalogue (marked), as cases on earlier releases still
        # meet them.
        chosen = [r for r in all_rules() if (prefix is None or r.chapter == prefix)
                  and (r.id in protocol.rules or r.withdrawn_in is not None)]
        chosen = [protocol.rules.get(r.id, r) for r in chosen]
        if not chosen:
            warn(f"no rules with prefix {prefix!r}", ProtocolWarning.catalogue, self.get_location())
            return []
        self.depend_on_checklists()
        self.depend_on_rule_modules(r.id for r in chosen)
        std = self.env.domains.standard_domain
        out: list[nodes.Node] = []
        for rule in chosen:
            std.note_object("protocol-rule", rule.id, rule.anchor, location=self.get_location())
            out.append(self._entry(rule, protocol.items_of_rule.get(rule.id, [])))
        return out

    def _entry(self, rule: Rule, items: list[str]) -> nodes.container:
        box = nodes.container(ids=[rule.anchor], classes=["rule-entry"])
        title = nodes.rubric(classes=["rule-title"])
        title += nodes.literal(text=rule.id)
        title += nodes.Text(f"  {rule.title}")
        box += title
        messages = nodes.bullet_list()
        for message in rule.messages():
            messages += nodes.list_item("", nodes.paragraph(text=message))
        rows = [
            (["Severity", [_severity(rule), *severity_nodes(self.config, rule.id)[1:]]], []),
            (["In releases", _in_releases(rule)], []),
            (["Applies from", STAGE_LABEL[rule.stage.value]], []),
            (["Source", _sources(rule)], []),
            (["Checklist items", joined(xref("item", i) for i in items)], []),
            (["Met only if recorded", _needs(rule)], []),
            (["Why", rule.rationale], []),
            (["What it reports", messages], []),
        ]
        if rule.past_events:
            past = nodes.bullet_list()
            for variant in rule.past_events:
                text = rule.message if variant is None else rule.variants[variant]
                past += nodes.list_item("", nodes.paragraph(text=text))
            rows.append((["Past events: a recorded deviation may settle", past], []))
        if rule.withdrawn_in is not None:
            replaced = joined(xref("rule", r) for r in rule.replaced_by)
            rows.insert(0, (["Withdrawn", [nodes.Text(f"in release {rule.withdrawn_in}"),
                                           *([nodes.Text(", replaced by "), *replaced]
                                             if replaced else [])]], []))
        rows += self._example_rows(rule)
        box += table(["", ""], rows, [18, 82], classes=["rule-fields"])
        self.set_source_info(box)
        return box

    def _example_rows(self, rule: Rule) -> list:
        rows = []
        failing = failing_example(self.env.app, rule.id)
        if failing is None and rule.example is not None:
            rows.append((["Failing example", rule.example], []))
        elif failing is None:
            warn(f"rule {rule.id} has no failing example", ProtocolWarning.examples,
                 self.get_location())
        else:
            self.env.note_dependency(str(failing))
            found = [f for f in example_findings(failing, self.config) if f.rule_id == rule.id]
            text = [nodes.literal(text=relative_example(self.env.app, failing)),
                    nodes.Text(f" gives {len(found)} finding(s) from this rule, at "),
                    *joined(nodes.literal(text=f"{f.json_path} (line {f.line})") for f in found)]
            rows.append((["Failing example", text], []))
        passing = passing_example(self.env.app, rule)
        if passing is not None:
            self.env.note_dependency(str(passing))
            rows.append((["Passing example", [nodes.literal(
                text=relative_example(self.env.app, passing)),
                nodes.Text(" (no finding from this rule)")]], []))
        return rows


def _in_releases(rule: Rule) -> str:
    """The releases the rule belongs to, each with its severity there when it has changed."""
    versions = releases_of(rule.id)
    severities = {v: found.rules[rule.id].severity.value for v in versions
                  if (found := protocol_for(v)) is not None}
    if len(set(severities.values())) <= 1:
        return ", ".join(versions) or "none yet"
    return ", ".join(f"{v} ({severities[v]})" for v in versions)


class RuleSummaryDirective(ProtocolDirective):
    """A compact table of the named rules: ID link, title, severity, stage."""

    required_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        protocol = self.protocol()
        rows = []
        for rule_id in self.arguments[0].split():
            rule = protocol.rules.get(rule_id)
            old = REGISTRY.get(rule_id)
            if rule is None and old is not None and old.withdrawn_in is not None:
                # Cases on earlier releases still meet it, as the catalogue says: shown marked.
                instead = f", replaced by {', '.join(old.replaced_by)}" if old.replaced_by else ""
                rows.append(([[xref("rule", old.id)], old.title,
                              f"withdrawn in {old.withdrawn_in}{instead}",
                              STAGE_LABEL[old.stage.value]], []))
                continue
            if rule is None:
                warn(f"unknown rule {rule_id!r}", ProtocolWarning.summary, self.get_location())
                continue
            rows.append(([[xref("rule", rule.id)], rule.title,
                          [_severity(rule), *severity_nodes(self.config, rule.id)[1:]],
                          STAGE_LABEL[rule.stage.value]], []))
        self.depend_on_rule_modules(self.arguments[0].split())
        result = table(["Rule", "Checks that", "Severity", "Applies from"], rows,
                       [12, 58, 12, 18], classes=["rule-summary"])
        self.set_source_info(result)
        return [result]


class RunChecksDirective(ProtocolDirective):
    """The checks across the files of a run (not rules of a release), with their anchors."""

    def run(self) -> list[nodes.Node]:
        std = self.env.domains.standard_domain
        self.env.note_dependency(run_checks.__file__)
        out: list[nodes.Node] = []
        for check in run_checks.RUN_CHECKS:
            std.note_object("protocol-rule", check.id, check.anchor, location=self.get_location())
            box = nodes.container(ids=[check.anchor], classes=["rule-entry"])
            title = nodes.rubric(classes=["rule-title"])
            title += nodes.literal(text=check.id)
            title += nodes.Text(f"  {check.title}")
            box += title
            rows = [(["Severity", [nodes.inline(text=check.severity.value, classes=[
                         "severity", f"severity-{check.severity}"])]], []),
                    (["In releases", "every release (a check of the run)"], []),
                    (["Why", check.rationale], []),
                    (["What it reports", check.message.format(first="the earlier file")], [])]
            box += table(["", ""], rows, [18, 82], classes=["rule-fields"])
            self.set_source_info(box)
            out.append(box)
        return out


def setup_catalogue(app: Sphinx) -> None:
    app.add_directive("run-checks", RunChecksDirective)
    app.add_directive("rule-catalogue", RuleCatalogueDirective)
    app.add_directive("rule-summary", RuleSummaryDirective)
