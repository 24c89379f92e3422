"""GitHub Actions workflow commands: annotations on the files, within GitHub's limits.

GitHub shows at most 10 error and 10 warning annotations per step (50 per job), so the rest are
counted in a closing notice rather than lost silently. File names go into the ``file`` property
with GitHub's own escaping (the runner decodes it back, so the annotation finds the file), after
:func:`~protocol_checks.names.os_name` turns undecodable bytes into ``\\xe9``.
"""

from __future__ import annotations

from protocol_checks.findings import FileResult, Severity
from protocol_checks.format_words import counted
from protocol_checks.links import rule_url
from protocol_checks.names import os_name
from protocol_checks.reporters.base import Reporter, Summary, local_note

LIMIT_PER_LEVEL = 10
_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.advice: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    def start(self) -> None:
        self._shown = {"error": 0, "warning": 0, "notice": 0}
        self._hidden = 0

    def _emit(self, level: str, file: str, line: int | None, title: str, message: str) -> None:
        if self._shown[level] >= LIMIT_PER_LEVEL:
            self._hidden += 1
            return
        self._shown[level] += 1
        props = f"file={_escape_prop(file)}"
        if line:
            props += f",line={line}"
        props += f",title={_escape_prop(title)}"
        self.out.write(f"::{level} {props}::{_escape_data(message)}\n")

    def file(self, result: FileResult) -> None:
        name = os_name(result.name)
        for p in result.problems:
            title = "invalid case file" if p.invalid else "unreadable case file"
            self._emit("error", name, p.line, title, p.located_message)
        for f in result.findings:
            if not f.settled:
                self._emit(_LEVEL[f.severity], name, f.line, f.rule_id,
                           f"{f.message} (release {result.release}){local_note(f)} "
                           f"{rule_url(self.handbook_url, f.rule_id)}")

    def finish(self, summary: Summary) -> None:
        s = summary.as_dict()
        if self._hidden:
            self.out.write(f"::notice title=protocol-checks::{self._hidden} more finding(s) not "
                           "annotated (GitHub's limit); see the text or SARIF output\n")
        self.out.write(
            f"protocol-checks: {counted(s['files'], 'file')}, {counted(s['errors'], 'error')}, "
            f"{counted(s['warnings'], 'warning')}, {s['advice']} advice, "
            + (f"{s['invalid']} invalid, " if s["invalid"] else "")
            + f"{s['unreadable']} unreadable\n")
