"""SARIF 2.1.0 for code-scanning tools: rule metadata with ``helpUri``, results with regions."""

from __future__ import annotations

import json
from pathlib import PurePath
from urllib.parse import quote

from protocol_checks import __version__
from protocol_checks.findings import FileResult, Severity
from protocol_checks.links import rule_url
from protocol_checks.names import name_bytes
from protocol_checks.protocol import load_protocol
from protocol_checks.reporters.base import Reporter, Summary
from protocol_checks.rules import all_rules
from protocol_checks.run_checks import RUN_CHECKS

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.advice: "note"}
_JUSTIFICATION = {True: "a deviation recorded and reviewed in the case file",
                  False: "waived, with a reviewed reason, in the case file"}
"""Fixed words (never the case's own reason), keyed by whether the finding is a deviation."""


def artifact_uri(name: str) -> str:
    """A valid URI reference for a file name: relative paths stay relative; stdin is named."""
    if name == "<stdin>":
        return "stdin"
    path = PurePath(name)
    encoded = quote(name_bytes(path.as_posix()))  # raw bytes, so any file name is a valid URI
    return f"file://{encoded}" if path.is_absolute() else encoded


class SarifReporter(Reporter):
    """Streams results into the run's ``results`` array; rule metadata comes first."""

    def start(self) -> None:
        base = self.handbook_url
        protocol = load_protocol()
        # Every registered rule, withdrawn ones too (a case on an earlier release may meet
        # them), as the newest release states them; each result gives its own level.
        known = [protocol.rules.get(r.id, r) for r in all_rules()]
        rules = [
            {
                "id": r.id,
                "name": r.title,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.rationale},
                "helpUri": rule_url(base, r.id),
                "defaultConfiguration": {"level": _LEVEL[r.severity]},
                "properties": {"paragraphs": list(r.paragraphs), "stage": r.stage.value},
            }
            for r in known
        ]
        rules += [{
            "id": c.id, "name": c.title, "shortDescription": {"text": c.title},
            "fullDescription": {"text": c.rationale}, "helpUri": rule_url(base, c.id),
            "defaultConfiguration": {"level": _LEVEL[c.severity]},
        } for c in RUN_CHECKS]
        rules.append({
            "id": "INPUT",
            "name": "Case file not checked",
            "shortDescription": {"text": "The file could not be read, or is not a valid case "
                                 "file"},
            "fullDescription": {"text": "Invalid JSON or UTF-8, duplicate keys, NaN, unknown "
                                "fields, wrong types or impossible dates; exit status 2."},
            "helpUri": f"{base}howto/validate.html#when-a-file-cannot-be-read",
            "defaultConfiguration": {"level": "error"},
        })
        self._index = {r["id"]: i for i, r in enumerate(rules)}
        driver = {"name": "protocol-checks", "version": __version__, "rules": rules}
        if "://" in base:  # SARIF wants an absolute URI here; a relative one would mislead
            driver = {**driver, "informationUri": f"{base}index.html"}
        head = {"$schema": SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}}]}
        text = json.dumps(head)
        self.out.write(text[:-3] + ', "results": [')
        self._first = True

    def _write(self, obj: dict) -> None:
        self.out.write(("\n" if self._first else ",\n") + json.dumps(obj))
        self._first = False

    def file(self, result: FileResult) -> None:
        uri = artifact_uri(result.name)
        for p in result.problems:
            location: dict = {"physicalLocation": {"artifactLocation": {"uri": uri}}}
            if p.line:
                region = {"startLine": p.line}
                if p.column:
                    region["startColumn"] = p.column
                location["physicalLocation"]["region"] = region
            if p.path:
                location["logicalLocations"] = [{"fullyQualifiedName": p.path}]
            self._write({"ruleId": "INPUT", "ruleIndex": self._index["INPUT"], "level": "error",
                         "message": {"text": p.message}, "locations": [location]})
        for f in result.findings:
            physical: dict = {"artifactLocation": {"uri": uri}}
            if f.line:
                physical["region"] = {"startLine": f.line}
            obj = {
                "ruleId": f.rule_id,
                "ruleIndex": self._index[f.rule_id],
                "level": _LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": physical,
                    "logicalLocations": [{"fullyQualifiedName": f.json_path}],
                }],
                "properties": {"release": result.release, "local": list(f.local)},
            }
            if f.settled:  # settled in the case file itself: SARIF's "inSource" suppression
                obj["suppressions"] = [{"kind": "inSource", "status": "accepted",
                                        "justification": _JUSTIFICATION[f.deviation]}]
            self._write(obj)

    def finish(self, summary: Summary) -> None:
        del summary
        self.out.write("\n]}]}\n")
