"""Example cases run through the validator at build time.

``worked-example`` shows a synthetic case in tabs: the trainer's summary, the file itself, and the
validator's actual findings (each linked to its rule), computed when the handbook is built, so a
change to a rule changes the page. With ``:exercise:``, the findings are hidden behind an answer
dropdown ("spot the problem"). The catalogue uses the same helpers for its examples.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from protocol_checks.findings import FileResult
from protocol_checks.rules import Rule
from protocol_checks.sphinxext.common import ProtocolDirective, warn
from protocol_checks.validate import Settings, check_path


def examples_root(app: Sphinx) -> Path:
    return (Path(app.confdir) / app.config.protocol_examples_dir).resolve()


def relative_example(app: Sphinx, path: Path) -> str:
    try:
        return str(path.relative_to(Path(app.confdir).resolve()))
    except ValueError:
        return path.name


@functools.cache
def _result(path: str, mtime: float) -> FileResult:
    del mtime  # part of the cache key: an edited example is checked again
    return check_path(path, Settings())


def example_result(path: Path) -> FileResult:
    return _result(str(path), path.stat().st_mtime)


def example_findings(path: Path):
    return example_result(path).findings


def failing_example(app: Sphinx, rule_id: str) -> Path | None:
    path = examples_root(app) / "failing" / f"{rule_id.lower()}.json"
    return path if path.is_file() else None


def passing_example(app: Sphinx, rule: Rule) -> Path | None:
    """A clean example at a stage where ``rule`` applies (so it was judged, and passed)."""
    from protocol_checks.case import Stage

    for path in sorted((examples_root(app) / "clean").glob("*.json")):
        result = example_result(path)
        if result.problems or result.stage is None:
            continue
        stage = Stage(result.stage)
        if rule.applies_at(stage) and not any(f.rule_id == rule.id for f in result.findings):
            return path
    return None


def _summary_lines(data: dict) -> list[str]:
    plan = data.get("treatment_plan") or {}
    facts = [f"- **Stage:** {data.get('stage', 'unknown').replace('_', ' ')}"]
    if plan:
        facts.append(f"- **Treatment:** {plan.get('modality', '?')}, {plan.get('format', '?')}, "
                     f"{plan.get('session_frequency', '?')}, from {plan.get('starts_on', '?')} "
                     f"to {plan.get('planned_end_on', '?')}")
    if data.get("medication"):
        facts.append("- **Antilibidinal medication:** recorded")
    sessions = data.get("sessions", [])
    counts = {kind: sum(1 for s in sessions if s.get("attendance") == kind)
              for kind in ("attended", "missed", "cancelled_by_service")}
    facts.append(f"- **Sessions:** {counts['attended']} attended, {counts['missed']} missed, "
                 f"{counts['cancelled_by_service']} cancelled by the service; planned breaks: "
                 f"{len(data.get('planned_breaks', []))}; interim reports: "
                 f"{len(data.get('interim_reports', []))}")
    end = data.get("end_of_treatment")
    if end:
        contact = "arranged" if end.get("long_term_contact") else "not arranged"
        facts.append(f"- **Formal treatment ended:** {end.get('ended_on', '?')} "
                     f"({str(end.get('reason', '?')).replace('_', ' ')}); long-term contact "
                     f"{contact}")
    if data.get("closure"):
        facts.append(f"- **Closed:** {data['closure'].get('closed_on', '?')}")
    return facts


def findings_markdown(result: FileResult) -> str:
    """The validator's output for one case, as a MyST table with rule links."""
    if result.problems:
        return "\n".join(f"- Input problem: {p.message}" for p in result.problems)
    if not result.findings:
        return "The validator reports **no findings**: every rule due at this stage is met."
    rows = ["```{list-table}", ":header-rows: 1", ":class: findings-table", "",
            "* - Line", "  - Severity", "  - Rule", "  - Message"]
    for f in result.findings:
        severity = f"{f.severity.value} (waived)" if f.waived else f.severity.value
        rows += [f"* - {f.line or ''}", f"  - {severity}", f"  - {{rule}}`{f.rule_id}`",
                 f"  - {f.message}"]
    rows.append("```")
    return "\n".join(rows)


class WorkedExampleDirective(ProtocolDirective):
    """Show a case file with its validator findings, computed at build time."""

    required_arguments = 1  # path to the case, relative to the configuration directory
    has_content = True  # the trainer's narrative summary
    option_spec = {  # noqa: RUF012 (docutils API)
        # Hide the findings behind an "answer" dropdown: a spot-the-problem exercise.
        "exercise": directives.flag,
        # Tab title for the narrative (default "The case").
        "title": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        path = (Path(self.env.app.confdir) / self.arguments[0]).resolve()
        if not path.is_file():
            warn(f"worked example not found: {self.arguments[0]}", "examples", self.get_location())
            return []
        self.env.note_dependency(str(path))
        self.depend_on_checklists()
        self.depend_on_rule_modules()
        text = path.read_text(encoding="utf-8")
        result = example_result(path)
        try:
            facts = _summary_lines(json.loads(text))
        except ValueError:
            facts = ["- This file is not valid JSON (that is the point of the example)."]
        narrative = "\n".join(self.content) if self.content else ""
        findings = findings_markdown(result)
        if "exercise" in self.options:
            findings = (":::{dropdown} Show the answer\n:class-container: exercise-answer\n\n"
                        f"{findings}\n:::")
        fence = "`" * 4
        source = "\n".join([
            "::::::{tab-set}",
            f":::::{{tab-item}} {self.options.get('title', 'The case')}",
            narrative, "", *facts, ":::::",
            ":::::{tab-item} Case file",
            f"{fence}json", text.rstrip("\n"), fence,
            f"*File:* `{relative_example(self.env.app, path)}`", ":::::",
            ":::::{tab-item} Validator findings",
            findings, "", "*Produced by the validator when this page was built.*", ":::::",
            "::::::",
        ])
        box = nodes.container(classes=["worked-example"])
        self.set_source_info(box)
        box.extend(self.parse_text_to_nodes(source))
        return [box]


def setup_examples(app: Sphinx) -> None:
    app.add_config_value("protocol_examples_dir", "examples/cases", "env", types=[str])
    app.add_directive("worked-example", WorkedExampleDirective)
