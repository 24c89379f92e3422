"""Plain text: one line per finding,
``file:line: SEVERITY RULE-ID message (at $.path; release R)  <url>``, where R is the protocol
release that judged the file.

The JSON path matters because a missing field's line is that of its nearest parent. File names
are shown through :func:`~protocol_checks.names.display_name`, so a hostile name cannot add a
line, move the cursor or start a GitHub workflow command.
"""

from __future__ import annotations

from protocol_checks.findings import FileResult
from protocol_checks.links import rule_url
from protocol_checks.names import display_name
from protocol_checks.reporters.base import Reporter, Summary, local_note

_COLORS = {"ERROR": "1;31", "WARNING": "33", "ADVICE": "36", "INPUT": "1;31"}
"""SGR codes by label: bold red, yellow, cyan; settled findings (waived, deviation) are dim."""


def _paint(label: str, on: bool) -> str:
    """The label in its colour when colour is on; only fixed labels are painted, never a name
    or a message."""
    if not on:
        return label
    code = "2" if label.startswith(("WAIVED", "DEVIATION")) else _COLORS[label]
    return f"\033[{code}m{label}\033[0m"


def _where(name: str, line: int | None, column: int | None = None) -> str:
    """``name:line:column``; ``name`` is already shown through ``display_name``."""
    out = name
    if line is not None:
        out += f":{line}"
        if column is not None:
            out += f":{column}"
    return out


class TextReporter(Reporter):
    def file(self, result: FileResult) -> None:
        name = display_name(result.name)
        for p in result.problems:
            at = f" (at {p.path})" if p.path else ""
            self.out.write(f"{_where(name, p.line, p.column)}: {_paint('INPUT', self.color)} "
                           f"{p.message}{at}\n")
        release = f"; release {result.release}" if result.release else ""
        for f in result.findings:
            label = f.severity.value.upper()
            if f.settled:
                label = f"{'DEVIATION' if f.deviation else 'WAIVED'} {label}"
            url = f"  <{rule_url(self.handbook_url, f.rule_id)}>"
            self.out.write(f"{_where(name, f.line)}: {_paint(label, self.color)} {f.rule_id} "
                           f"{f.message} "
                           f"(at {f.json_path}{release}){local_note(f)}{url}\n")
        if self.verbose and not result.problems and not result.findings:
            self.out.write(f"{name}: ok (release {result.release})\n")

    def finish(self, summary: Summary) -> None:
        s = summary.as_dict()
        parts = [
            f"{s['files']} file{'s' if s['files'] != 1 else ''} checked",
            f"{s['errors']} error{'s' if s['errors'] != 1 else ''}",
            f"{s['warnings']} warning{'s' if s['warnings'] != 1 else ''}",
            f"{s['advice']} advice",
        ]
        if s["waived"]:
            parts.append(f"{s['waived']} waived")
        if s["deviations"]:
            parts.append(f"{s['deviations']} recorded deviation{'s' if s['deviations'] != 1 else ''}")
        if s["invalid"]:
            parts.append(f"{s['invalid']} invalid (not a valid case file)")
        if s["unreadable"]:
            parts.append(f"{s['unreadable']} unreadable")
        self.out.write("\n" + ", ".join(parts) + "\n")
        if s["top_rules"] and s["files"] > 1:  # one file's findings are all listed above
            top = ", ".join(f"{t['rule']} ({t['count']})" for t in s["top_rules"])
            self.out.write(f"most frequent: {top}\n")
        if s["releases"]:
            judged = ", ".join(f"{v} ({n})" for v, n in s["releases"].items())
            self.out.write(f"judged by release: {judged}\n")
