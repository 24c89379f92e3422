"""JSON: one document, streamed file by file. Its shape is documented and stable (version 1).

``file`` is the name as the OS gives it (:func:`~protocol_checks.names.os_name`): bytes that are not
UTF-8 appear as ``\\xe9`` rather than as a lone surrogate, which strict JSON parsers refuse. A
``[`` after ``##`` is written ``\\u005b`` (the same string once parsed), so no line of the
document can be read by the GitHub Actions runner as a ``##[command]``.
"""

from __future__ import annotations

import functools
import json

from protocol_checks import __version__
from protocol_checks.findings import FileResult
from protocol_checks.links import rule_url
from protocol_checks.names import os_name
from protocol_checks.release import supported_versions, working_release
from protocol_checks.reporters.base import Reporter, Summary

FORMAT_VERSION = 1


def _status(result: FileResult) -> str:
    if result.problems:
        return "invalid" if result.invalid else "unreadable"
    return "findings" if result.findings else "ok"


def result_dict(result: FileResult, base: str = "") -> dict:
    return {
        "file": os_name(result.name),
        "status": _status(result),
        "stage": result.stage,
        "release": result.release,
        "problems": [
            {"message": p.message, "line": p.line, "column": p.column, "path": p.path,
             "invalid": p.invalid}
            for p in result.problems
        ],
        "findings": [
            {
                "rule": f.rule_id, "severity": f.severity.value, "message": f.message,
                "path": f.json_path, "line": f.line, "url": rule_url(base, f.rule_id),
                "waived": f.waived, "deviation": f.deviation, "local": list(f.local),
            }
            for f in result.findings
        ],
    }


def _string(value: object) -> str:
    """``value`` as JSON text, with no ``##[`` that a CI runner could read as a command."""
    return json.dumps(value).replace("##[", "##\\u005b")


@functools.lru_cache(maxsize=64)
def _scalar(value: str | None) -> str:
    """A stage or release name as JSON (a handful of values, written once each)."""
    return _string(value)


class JsonReporter(Reporter):
    def start(self) -> None:
        # protocol_version: the newest release (kept from the first format); each result names
        # the release that judged it.
        head = {"format_version": FORMAT_VERSION, "tool_version": __version__,
                "protocol_version": working_release().version,
                "releases": supported_versions()}
        self.out.write(json.dumps(head)[:-1] + ', "results": [')
        self._first = True

    def file(self, result: FileResult) -> None:
        self.write_text(self.text_of(result))

    def text_of(self, result: FileResult) -> str:
        """One result's entry, which depends on nothing else: a worker process can make it
        (:mod:`protocol_checks.rendering`), so the parent only writes it."""
        if not result.problems and not result.findings:  # most files: the same shape each time
            return (f'{{"file": {_string(os_name(result.name))}, "status": "ok", "stage": '
                    f'{_scalar(result.stage)}, "release": {_scalar(result.release)}, '
                    '"problems": [], "findings": []}')
        return _string(result_dict(result, self.handbook_url))

    def write_text(self, text: str) -> None:
        """Write an entry made by :meth:`text_of`, in its place in the list."""
        self.out.write(("\n" if self._first else ",\n") + text)
        self._first = False

    def finish(self, summary: Summary) -> None:
        self.out.write('\n], "summary": ' + json.dumps(summary.as_dict()) + "}\n")
