"""SARIF 2.1.0 for code-scanning tools: rule metadata with ``helpUri``, results with regions."""

from __future__ import annotations

import json

from protocol_checks import __version__
from protocol_checks.findings import FileResult, Severity
from protocol_checks.reporters.base import Reporter, Summary

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.advice: "note"}


class SarifReporter(Reporter):
    """Streams results into the run's ``results`` array; rule metadata comes first."""

    def start(self) -> None:
        from protocol_checks.protocol import load_protocol
        from protocol_checks.validate import RULES_PAGE

        base = self.handbook_url
        protocol = load_protocol()
        rules = [
            {
                "id": r.id,
                "name": r.title,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.rationale},
                "helpUri": f"{base}{RULES_PAGE}#{r.anchor}",
                "defaultConfiguration": {"level": _LEVEL[r.severity]},
                "properties": {"paragraphs": list(r.paragraphs), "stage": r.stage.value},
            }
            for r in protocol.rules.values()
        ]
        self._index = {r["id"]: i for i, r in enumerate(rules)}
        head = {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {
                "name": "protocol-checks", "version": __version__,
                "informationUri": f"{base}index.html", "rules": rules}}}],
        }
        text = json.dumps(head)
        self.out.write(text[:-3] + ', "results": [')
        self._first = True

    def _write(self, obj: dict) -> None:
        self.out.write(("\n" if self._first else ",\n") + json.dumps(obj))
        self._first = False

    def file(self, result: FileResult) -> None:
        for p in result.problems:
            location = {"physicalLocation": {"artifactLocation": {"uri": result.name}}}
            if p.line:
                location["physicalLocation"]["region"] = {"startLine": p.line}
            self._write({"ruleId": "INPUT", "level": "error", "message": {"text": p.message},
                         "locations": [location]})
        for f in result.findings:
            physical: dict = {"artifactLocation": {"uri": result.name}}
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
            }
            if f.waived:
                obj["suppressions"] = [{"kind": "external", "justification": "waived in case file"}]
            self._write(obj)

    def finish(self, summary: Summary) -> None:
        del summary
        self.out.write("\n]}]}\n")
