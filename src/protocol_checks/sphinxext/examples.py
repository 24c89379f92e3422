"""Example cases run through the validator at build time.

``worked-example`` shows a synthetic case in tabs: the trainer's summary, the file itself, and the
validator's actual findings (each linked to its rule), computed when the handbook is built, so a
change to a rule changes the page. With ``:exercise:``, the findings are hidden behind an answer
dropdown ("spot the problem"). The catalogue uses the same helpers for its examples.

An example file is data, never markup: its text, the facts drawn from it and the findings are
built as docutils nodes (a literal block, text nodes, a table), so no value in it, however
hostile, can open a raw HTML block or close a code fence.
"""

from __future__ import annotations

import functools
import json
import uuid
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.config import Config

from protocol_checks.case import Stage
from protocol_checks.findings import FileResult
from protocol_checks.inputs import Settings, check_path
from protocol_checks.rules import Rule
from protocol_checks.sphinxext.build_profile import profile_path
from protocol_checks.sphinxext.common import ProtocolDirective, table, warn, xref


def examples_root(app: Sphinx) -> Path:
    return (Path(app.confdir) / app.config.protocol_examples_dir).resolve()


def relative_example(app: Sphinx, path: Path) -> str:
    return _relative(Path(app.confdir), path)


def _relative(confdir: Path, path: Path) -> str:
    try:
        return str(path.relative_to(confdir.resolve()))
    except ValueError:
        return path.name


def _record_confdir(app: Sphinx, config: Config) -> None:
    """Directives need the configuration folder (example paths are relative to it), and
    ``env.app`` is deprecated from Sphinx 9: keep it on the config, which they can reach."""
    config.protocol_confdir = str(app.confdir)


@functools.cache
def _result(path: str, mtime: float, profile: str | None) -> FileResult:
    del mtime  # part of the cache key: an edited example is checked again
    return check_path(path, Settings(profile=profile))


def example_result(path: Path, config: Config | None = None) -> FileResult:
    """The example as the validator judges it in this edition (under its profile, if any)."""
    return _result(str(path), path.stat().st_mtime,
                   profile_path(config) if config is not None else None)


def example_findings(path: Path, config: Config | None = None):
    return example_result(path, config).findings


def failing_example(app: Sphinx, rule_id: str) -> Path | None:
    path = examples_root(app) / "failing" / f"{rule_id.lower()}.json"
    return path if path.is_file() else None


def passing_example(app: Sphinx, rule: Rule) -> Path | None:
    """A clean example at a stage where ``rule`` applies (so it was judged, and passed)."""
    for path in sorted((examples_root(app) / "clean").glob("*.json")):
        result = example_result(path, app.config)
        if result.problems or result.stage is None:
            continue
        stage = Stage(result.stage)
        if rule.applies_at(stage) and not any(f.rule_id == rule.id for f in result.findings):
            return path
    return None


def _field(obj: object, key: str) -> object:
    """``obj[key]`` if ``obj`` is an object, else None: an example may be invalid on purpose."""
    return obj.get(key) if isinstance(obj, dict) else None


def _items(obj: object) -> list:
    return obj if isinstance(obj, list) else []


def _shown(value: object, default: str = "?") -> str:
    return default if value is None else str(value)


def _words(value: object, default: str = "?") -> str:
    return _shown(value, default).replace("_", " ")


def _summary_facts(data: object) -> list[tuple[str, str]]:
    """The case at a glance, as (label, text) pairs; the texts come from the example file, so
    they are only ever shown as plain text nodes, never parsed as markup."""
    plan = _field(data, "treatment_plan")
    facts = [("Stage", _words(_field(data, "stage"), "unknown"))]
    if plan:
        how = ", ".join(_shown(_field(plan, k)) for k in ("modality", "format", "session_frequency"))
        facts.append(("Treatment", f"{how}, from {_shown(_field(plan, 'starts_on'))} to "
                                   f"{_shown(_field(plan, 'planned_end_on'))}"))
    if _field(data, "medication"):
        facts.append(("Antilibidinal medication", "recorded"))
    sessions = _items(_field(data, "sessions"))
    counts = {kind: sum(1 for s in sessions if _field(s, "attendance") == kind)
              for kind in ("attended", "missed", "cancelled_by_service")}
    followed = sum(1 for x in sessions
                   if _field(x, "attendance") == "missed" and _field(x, "follow_up"))
    facts.append(("Sessions", f"{counts['attended']} attended, {counts['missed']} missed "
                  f"({followed} followed up), {counts['cancelled_by_service']} cancelled by the "
                  f"service; planned breaks: {len(_items(_field(data, 'planned_breaks')))}; "
                  f"interim reports: {len(_items(_field(data, 'interim_reports')))}"))
    roles = _field(data, "roles")
    handovers = [f"{name.replace('_', ' ')} (the patient "
                 + ("told" if _field(holder, "patient_told_on") else "not recorded as told") + ")"
                 for name, holder in (roles.items() if isinstance(roles, dict) else ())
                 if _items(_field(holder, "previous"))]
    if handovers:  # regularity binds the service too (P10): who holds a role is part of it
        facts.append(("Role handovers", "; ".join(handovers)))
    end = _field(data, "end_of_treatment")
    if end:
        contact = "arranged" if _field(end, "long_term_contact") else "not arranged"
        facts.append(("Formal treatment ended", f"{_shown(_field(end, 'ended_on'))} "
                      f"({_words(_field(end, 'reason'))}); long-term contact {contact}"))
    if _field(data, "closure"):
        facts.append(("Closed", _shown(_field(_field(data, "closure"), "closed_on"))))
    return facts


def _bullets(items: list[list[nodes.Node]]) -> nodes.bullet_list:
    out = nodes.bullet_list()
    for content in items:
        out += nodes.list_item("", nodes.paragraph("", "", *content))
    return out


def summary_nodes(text: str) -> list[nodes.Node]:
    """The trainer's facts about an example, built as nodes (text from the file stays text)."""
    try:
        facts = _summary_facts(json.loads(text))
    except ValueError:
        return [_bullets([[nodes.Text("This file is not valid JSON (that is the point of the "
                                      "example).")]])]
    return [_bullets([[nodes.strong(text=f"{label}:"), nodes.Text(f" {value}")]
                      for label, value in facts])]


def findings_nodes(result: FileResult) -> list[nodes.Node]:
    """The validator's output for one case: a table with rule links, built as nodes."""
    if result.problems:
        return [_bullets([[nodes.Text(f"Input problem: {p.message}")] for p in result.problems])]
    if not result.findings:
        return [nodes.paragraph("", "", nodes.Text("The validator reports "),
                                nodes.strong(text="no findings"),
                                nodes.Text(": every rule due at this stage is met."))]
    rows = [([str(f.line or ""), f"{f.severity.value} ({'deviation recorded' if f.deviation else 'waived'})"
              if f.settled else f.severity.value,
              [xref("rule", f.rule_id)], f.message], []) for f in result.findings]
    return [table(["Line", "Severity", "Rule", "Message"], rows, [8, 14, 14, 64],
                  classes=["findings-table"])]


def _language(text: str) -> str:
    """``json`` for highlighting, or plain text for a file broken on purpose (highlighting it
    would warn, and a strict build would fail)."""
    try:
        json.loads(text)
    except ValueError:
        return "text"
    return "json"


def colon_fence(content: str, minimum: int) -> int:
    """A colon-fence length longer than any colon run opening a line of ``content``, so the
    author's narrative can never close the fence that holds it."""
    runs = [len(line) - len(line.lstrip(":")) for line in content.splitlines()]
    return max([minimum, *(r + 1 for r in runs)])


class WorkedExampleDirective(ProtocolDirective):
    """Show a case file with its validator findings, computed at build time.

    Only the author's narrative and title are parsed as MyST. Everything that comes from the
    example file (the file itself, the facts drawn from it, the findings) is built as docutils
    nodes and put into placeholders, so no value in an example can become markup or raw HTML.
    """

    required_arguments = 1  # path to the case, relative to the configuration directory
    has_content = True  # the trainer's narrative summary
    option_spec = {  # noqa: RUF012 (docutils API)
        # Hide the findings behind an "answer" dropdown: a spot-the-problem exercise.
        "exercise": directives.flag,
        # Tab title for the narrative (default "The case").
        "title": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        confdir = Path(self.config.protocol_confdir)
        path = (confdir / self.arguments[0]).resolve()
        if not path.is_file():
            warn(f"worked example not found: {self.arguments[0]}", "examples", self.get_location())
            return []
        self.env.note_dependency(str(path))
        self.depend_on_checklists()
        self.depend_on_rule_modules()
        text = path.read_text(encoding="utf-8")
        result = example_result(path, self.config)
        file_part = [nodes.literal_block(text, text, language=_language(text)),
                     nodes.paragraph("", "", nodes.emphasis(text="File:"), nodes.Text(" "),
                                     nodes.literal(text=_relative(confdir, path)))]
        slots = {f"protocolexampleslot{uuid.uuid4().hex}": part for part in (
            summary_nodes(text), file_part, findings_nodes(result))}
        facts, case_file, findings = slots  # the placeholders, in order
        narrative = "\n".join(self.content) if self.content else ""
        if "exercise" in self.options:
            findings = (":::{dropdown} Show the answer\n:class-container: exercise-answer\n\n"
                        f"{findings}\n:::")
        item = colon_fence(narrative, 5)
        outer, inner = ":" * (item + 1), ":" * item
        source = "\n".join([
            f"{outer}{{tab-set}}",
            f"{inner}{{tab-item}} {self.options.get('title', 'The case')}",
            narrative, "", facts, inner,
            f"{inner}{{tab-item}} Case file", case_file, inner,
            f"{inner}{{tab-item}} Validator findings",
            findings, "", "*Produced by the validator when this page was built.*", inner,
            outer,
        ])
        box = nodes.container(classes=["worked-example"])
        self.set_source_info(box)
        box.extend(self.parse_text_to_nodes(source))
        self._fill(box, slots)
        return [box]

    def _fill(self, box: nodes.Element, slots: dict[str, list[nodes.Node]]) -> None:
        """Replace each placeholder paragraph with its nodes; warn if the narrative hid one."""
        for para in list(box.findall(nodes.paragraph)):
            part = slots.pop(para.astext(), None)
            if part is not None:
                para.replace_self(part)
        if slots:
            warn("worked example: the narrative broke the tab layout", "examples",
                 self.get_location())


def setup_examples(app: Sphinx) -> None:
    app.add_config_value("protocol_examples_dir", "examples/cases", "env", types=[str])
    app.add_config_value("protocol_confdir", "", "", types=[str])  # set by _record_confdir
    app.connect("config-inited", _record_confdir)
    app.add_directive("worked-example", WorkedExampleDirective)
