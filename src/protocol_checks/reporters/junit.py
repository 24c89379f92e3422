"""JUnit XML for CI dashboards: one test case per file, one failure per finding or problem."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from protocol_checks.findings import FileResult, Severity
from protocol_checks.reporters.base import Reporter, Summary


class JunitReporter(Reporter):
    """Buffers only the rendered test cases (short strings), then writes the suite."""

    def start(self) -> None:
        self._cases: list[str] = []
        self._failures = 0
        self._errors = 0

    def file(self, result: FileResult) -> None:
        name = quoteattr(result.name)
        body = []
        for p in result.problems:
            self._errors += 1
            where = f" line {p.line}" if p.line else ""
            body.append(f'<error type="input" message={quoteattr(p.located_message)}>'
                        f"{escape(result.name + where)}</error>")
        failing = [f for f in result.findings if not f.waived and f.severity is not Severity.advice]
        if failing:
            self._failures += 1
            text = "\n".join(
                f"{result.name}:{f.line or ''}: {f.severity.value.upper()} {f.rule_id} "
                f"{f.message} <{f.url}>" for f in failing)
            body.append(f'<failure type="protocol" message={quoteattr(f"{len(failing)} finding(s)")}>'
                        f"{escape(text)}</failure>")
        self._cases.append(f'  <testcase classname="protocol-checks" name={name}>'
                           + "".join(body) + "</testcase>")

    def finish(self, summary: Summary) -> None:
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(
            f'<testsuite name="protocol-checks" tests="{len(self._cases)}" '
            f'failures="{self._failures}" errors="{self._errors}">\n')
        for case in self._cases:
            self.out.write(case + "\n")
        self.out.write("</testsuite>\n")
