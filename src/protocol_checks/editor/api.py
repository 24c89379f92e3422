"""What the editor page asks the local process: the schema, the case, a check, a save.

A check judges exactly the bytes a save would write, through the validator's own functions
(:func:`~protocol_checks.loader.parse`, :func:`~protocol_checks.judge.result_for`), so the page
shows what ``protocol-checks validate`` would say of the saved file, line numbers included.
Answers carry rule IDs, fixed messages, JSON paths and statuses; never a value from the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol_checks.editor.saving import CaseSession, Conflict, canonical_bytes, loads
from protocol_checks.findings import FileResult
from protocol_checks.judge import judging, result_for
from protocol_checks.links import item_url, rule_url
from protocol_checks.loader import parse
from protocol_checks.names import display_name
from protocol_checks.profile import ProfileError
from protocol_checks.schema import case_schema
from protocol_checks.status import ItemStatus


@dataclass(frozen=True)
class Answer:
    """An HTTP status and the JSON to send."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class EditorApi:
    """The answers for one session: its file, the profile it is judged by, the handbook."""

    session: CaseSession
    profile: str | None = None
    handbook_url: str = ""

    def schema(self) -> Answer:
        return Answer(200, case_schema())

    def case(self) -> Answer:
        """The case as last read or saved, with the version a save must name."""
        data, now = self.session.current()
        if data is None or now is None:
            return Answer(410, {"error": "the file is no longer there"})
        try:
            value = loads(data.decode("utf-8-sig"))
        except ValueError:
            return Answer(422, {"error": "the file on disk is no longer JSON; correct it in a "
                                "text editor"})
        if not isinstance(value, dict):
            return Answer(422, {"error": "the file on disk no longer holds a JSON object"})
        return Answer(200, {"name": display_name(self.session.name), "case": value, "base": now})

    def check(self, body: Any) -> Answer:
        """The validator's findings and the checklists due at the case's stage."""
        value = body.get("case") if isinstance(body, dict) else None
        if not isinstance(value, dict):
            return Answer(400, {"error": "expected {\"case\": {...}}"})
        return Answer(200, self._judged(value))

    def save(self, body: Any) -> Answer:
        """Write the case if the file is still the version the page holds; else the conflict."""
        if not isinstance(body, dict) or not isinstance(body.get("case"), dict) \
                or not isinstance(body.get("base"), str):
            return Answer(400, {"error": "expected {\"base\": \"...\", \"case\": {...}}"})
        try:
            new = self.session.save(body["case"], body["base"])
        except Conflict as exc:
            return Answer(409, {"conflict": True, "current": exc.current, "paths": exc.paths,
                                "readable": exc.readable})
        except OSError as exc:
            return Answer(500, {"error": f"not saved: {exc.strerror or type(exc).__name__}"})
        return Answer(200, {"saved": True, "base": new, **self._judged(body["case"])})

    def _judged(self, value: dict[str, Any]) -> dict[str, Any]:
        loaded = parse(canonical_bytes(value))
        try:
            result = result_for(self.session.name, loaded, items=True, profile=self.profile)
        except ProfileError as exc:  # the profile was edited into a broken state meanwhile
            return {"problems": [{"message": f"the service profile cannot be used: {exc}",
                                  "path": None, "line": None}], "findings": [], "checklists": []}
        if result.problems or loaded.case is None:
            return {"problems": [{"message": p.message, "path": p.path, "line": p.line}
                                 for p in result.problems], "findings": [], "checklists": []}
        return {"problems": [], "stage": result.stage, "release": result.release,
                "findings": self._findings(result),
                "checklists": self._checklists(loaded.case, result)}

    def _findings(self, result: FileResult) -> list[dict[str, Any]]:
        return [{"rule": f.rule_id, "severity": f.severity.value, "message": f.message,
                 "path": f.json_path, "line": f.line, "waived": f.waived,
                 "deviation": f.deviation, "url": rule_url(self.handbook_url, f.rule_id)}
                for f in result.findings]

    def _checklists(self, case: Any, result: FileResult) -> list[dict[str, Any]]:
        """The checklists due by the case's stage, each item with its status."""
        statuses = dict(result.items)
        protocol = judging(case, None, self.profile)
        rank = case.effective_stage.rank
        out = []
        for checklist in protocol.checklists:
            if checklist.stage.rank > rank:
                continue
            items = []
            for item in checklist.items:
                status = statuses.get(item.id, ItemStatus.not_due.value)
                items.append({"id": item.id, "text": item.text, "status": status,
                              "gap": ItemStatus(status).counts_as_not_met,
                              "url": item_url(self.handbook_url, item.id)})
            out.append({"id": checklist.id, "title": checklist.title,
                        "stage": checklist.stage.value, "items": items})
        return out
