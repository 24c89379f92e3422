"""JUnit XML for CI dashboards: one test case per file, one failure per finding or problem.

File names are shown as in the text format (:func:`~protocol_checks.names.display_name`), so
they hold no control characters, and every string passes :func:`~protocol_checks.names.xml_text`
before escaping: whatever the name, the document stays well-formed XML 1.0.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from protocol_checks.findings import FileResult, Severity
from protocol_checks.links import rule_url
from protocol_checks.names import display_name, xml_text
from protocol_checks.reporters.base import Reporter, Summary, local_note


def _attr(text: str) -> str:
    return quoteattr(xml_text(text))


def _text(text: str) -> str:
    return escape(xml_text(text))


class JunitReporter(Reporter):
    """Buffers only the rendered test cases (short strings), then writes the suite."""

    def start(self) -> None:
        self._cases: list[str] = []
        self._failures = 0
        self._errors = 0

    def file(self, result: FileResult) -> None:
        shown = display_name(result.name)
        body = []
        for p in result.problems:
            self._errors += 1
            where = f" line {p.line}" if p.line else ""
            body.append(f'<error type="input" message={_attr(p.located_message)}>'
                        f"{_text(shown + where)}</error>")
        failing = [f for f in result.findings if not f.settled and f.severity is not Severity.advice]
        if failing:
            self._failures += 1
            text = "\n".join(
                f"{shown}:{f.line or ''}: {f.severity.value.upper()} {f.rule_id} "
                f"{f.message}{local_note(f)} <{rule_url(self.handbook_url, f.rule_id)}>"
                for f in failing)
            body.append(f'<failure type="protocol" message={_attr(f"{len(failing)} finding(s)")}>'
                        f"{_text(text)}</failure>")
        release = (f'<properties><property name="release" value={_attr(result.release)}/>'
                   "</properties>" if result.release else "")
        self._cases.append(f'  <testcase classname="protocol-checks" name={_attr(shown)}>'
                           + release + "".join(body) + "</testcase>")

    def finish(self, summary: Summary) -> None:
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(
            f'<testsuite name="protocol-checks" tests="{len(self._cases)}" '
            f'failures="{self._failures}" errors="{self._errors}">\n')
        for case in self._cases:
            self.out.write(case + "\n")
        self.out.write("</testsuite>\n")
