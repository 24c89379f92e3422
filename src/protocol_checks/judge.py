"""Judge one parsed case: the rules its declared release calls for, as findings.

The core of the validator: callable without the command line, prints nothing, raises nothing
for bad input (bad input becomes an :class:`InputProblem` on the file's result). A case is
judged by the protocol release it declares (:mod:`protocol_checks.protocols`), or by the one a
preview asks for; an unknown release is judged by the newest, and DATA-001 says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Container

from protocol_checks.acceptance import Acceptance
from protocol_checks.audit_case import case_audit
from protocol_checks.case import CaseFile
from protocol_checks.findings import FileResult, Finding, InputProblem, Severity, json_path
from protocol_checks.identifiers import name_problem
from protocol_checks.loader import Loaded
from protocol_checks.local import local_protocol
from protocol_checks.locate import PathLines
from protocol_checks.protocol import Protocol
from protocol_checks.protocols import followed_protocol, protocol_for
from protocol_checks.release_fields import newer_fields
from protocol_checks.rules.registry import Breach, Rule
from protocol_checks.status import mark


def naming_items(message: str, items: tuple[str, ...]) -> str:
    """``message`` with its ``{items}`` placeholder naming ``items`` (checklist item IDs)."""
    return message.replace("{items}", ", ".join(items))


def own_message(rule: Rule, message: object, items: Container[str]) -> str | None:
    """``message`` as the rule's own: one of its fixed sentences, or one whose ``{items}``
    placeholder names checklist items of this protocol (and nothing else); else None."""
    for known in rule.messages():
        if message == known:
            return known
        head, found, tail = known.partition("{items}")
        if found and isinstance(message, str) and message.startswith(head) and message.endswith(
                tail) and len(message) > len(head) + len(tail):
            named = message[len(head):len(message) - len(tail)].split(", ")
            if all(item in items for item in named):
                return message
    return None


def check_case(case: CaseFile, protocol: Protocol, name: str | None = None) -> list[Finding]:
    """Every finding for ``case``, judged at its stage, with waivers and recorded deviations
    applied as its release allows (no lines yet).

    With the file's ``name``, PRIV-002 also judges the name (an identifying file name), so
    item statuses and waivers see that finding like any other."""
    accepted = Acceptance.of(case, protocol.release.settings)
    local = protocol.local
    findings = []
    judged = protocol.rules_at(case.effective_stage)
    if name is not None and (kind := name_problem(name)) is not None and "PRIV-002" in protocol.rules:
        rule = protocol.rules["PRIV-002"]  # a copy of the list only for this rare file
        judged = [*judged, (rule, lambda _case: [Breach((), f"file_name_{kind}")])]
    for rule, check in judged:
        for breach in check(case):  # most rules find nothing: that path stays short
            path = breach.path
            error = rule.severity is Severity.error
            message = rule.message if breach.variant is None else rule.variants[breach.variant]
            findings.append(Finding(
                rule_id=rule.id, severity=rule.severity, path=path,
                message=naming_items(message, breach.items) if breach.items else message,
                waived=not error and accepted.waives(rule.id, json_path(path)),
                deviation=error and breach.variant in rule.past_events
                and accepted.settles(rule.id, json_path(path)),
                local=local.get(rule.id, ()) if local else (),
            ))
    return findings


def judging(case: CaseFile, release: str | None = None, profile: str | None = None) -> Protocol:
    """The protocol that judges ``case``: the ``release`` asked for (a preview), else the one
    the case declares, else (unknown) the newest, under which DATA-001 reports it; with the
    service ``profile`` (a file path) applied when one is in use."""
    version = release or case.protocol_version
    if profile is not None:
        adapted = local_protocol(version, profile) or local_protocol(
            followed_protocol().release.version, profile)
        assert adapted is not None
        return adapted.protocol
    return protocol_for(version) or followed_protocol()


def result_for(name: str, loaded: Loaded, items: bool = False,
               release: str | None = None, profile: str | None = None) -> FileResult:
    """Findings located to lines (only when there are findings), or the input's problems;
    with ``items``, each checklist item's status and the case's audit facts as well."""
    if loaded.case is None:
        return FileResult(name, problems=loaded.problems)
    try:
        protocol = judging(loaded.case, release, profile)
        if newer_fields(loaded.case, protocol.release.version):  # rare: then located
            return FileResult(name, problems=newer_fields(
                loaded.case, protocol.release.version, loaded.text))
        findings = check_case(loaded.case, protocol, name)
        marked = [r for checklist in protocol.checklists
                  for r in mark(checklist, loaded.case, findings, protocol)] if items else []
        statuses = tuple((r.item.id, r.status.value) for r in marked)
        audit = case_audit(loaded.case, protocol, marked) if items else None
    except Exception:  # a defect in a rule must not crash a whole caseload run
        return FileResult(name, problems=[InputProblem(
            "internal error while applying the rules to this file; please report it "
            "(the file itself may be fine)")])
    if findings and loaded.text is not None:
        located = PathLines(loaded.text)
        findings = [dataclasses.replace(f, line=located.line_of(f.path)) for f in findings]
        findings.sort(key=lambda f: (f.line or 0, f.rule_id, f.json_path))
    return FileResult(name, findings=findings, stage=loaded.case.stage.value, items=statuses,
                      release=protocol.release.version, audit=audit,
                      case_id=loaded.case.case_id)

