"""Which protocol judges a case: its declared release, rebuilt from that release's ledger.

The working release comes from ``checklists/`` and the rule code (:func:`load_protocol`); an
earlier one is rebuilt from its ledger: its checklists and items as recorded, and each of its
rules as the registered code with the severity, stage, paragraphs and messages the ledger
records. A rule's code serves every release that lists its ID, so a change in what a rule
requires must be a new rule ID (the old one withdrawn), never a silent edit.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date

from protocol_checks.case import Stage
from protocol_checks.findings import Severity
from protocol_checks.ledger import read_ledger
from protocol_checks.protocol import Checklist, Protocol, ProtocolError, load_protocol
from protocol_checks.release import (
    Settings,
    all_releases,
    newest_published,
    release,
    working_release,
)
from protocol_checks.rules import REGISTRY, Rule


def _rule_as_recorded(rule_id: str, recorded: dict) -> Rule:
    code = REGISTRY.get(rule_id)
    if code is None:
        raise ProtocolError(f"a ledger names rule {rule_id}, which this tool does not have; "
                            "rules are withdrawn, never deleted")
    return replace(code, title=recorded["title"], severity=Severity(recorded["severity"]),
                   stage=Stage(recorded["stage"]), paragraphs=tuple(recorded["paragraphs"]),
                   message=recorded["message"], rationale=recorded["rationale"],
                   # A message the code gained later (a clearer wording of the same breach)
                   # reads, for this release, as the release recorded it: its main message.
                   variants={**dict.fromkeys(code.variants, recorded["message"]),
                             **recorded["variants"]},
                   past_events=_past_events(code, recorded))


def _past_events(code: Rule, recorded: dict) -> tuple[str | None, ...]:
    """The past-event messages as recorded; a variant the code gained later reads as the
    recorded main message (above), so it is a past event when that message was one."""
    past = tuple(v or None for v in recorded.get("past_events", ()))
    later = tuple(k for k in code.variants if k not in recorded["variants"])
    return past + later if None in past else past


@functools.cache
def protocol_for(version: str) -> Protocol | None:
    """The protocol of release ``version``, or None when this tool does not know it."""
    found = release(version)
    if found is None:
        return None
    if found.version == working_release().version:
        return load_protocol()
    ledger = read_ledger(version)
    if ledger is None:
        raise ProtocolError(f"release {version} is listed but has no ledger")
    checklists = [Checklist.model_validate(c) for c in ledger["checklists"]]
    # Document control (status, review date, summary) as releases.yaml says now; meaning
    # (the release's date and settings) as its ledger recorded it.
    settings_release = found.model_copy(update={
        "date": date.fromisoformat(ledger["release"]["date"]),
        "settings": Settings.model_validate(ledger["settings"])})
    rules = [_rule_as_recorded(rid, rec) for rid, rec in ledger["rules"].items()]
    return Protocol(checklists, rules, settings_release)


def followed_protocol() -> Protocol:
    """The protocol of the newest release teams may follow: never a draft while a release is
    published. A run judges by it when a case names no release it knows, and ``rules``,
    ``explain``, ``checklist`` and service profiles show it."""
    found = protocol_for((newest_published() or working_release()).version)
    assert found is not None
    return found


def releases_of(rule_id: str) -> list[str]:
    """The releases a rule belongs to: those whose ledger lists it, and the newest if it is
    among its rules (read from the data, so it cannot disagree with what judges the cases)."""
    out = []
    for r in all_releases():
        if r.version == working_release().version:
            if rule_id in load_protocol().rules:
                out.append(r.version)
        elif (ledger := read_ledger(r.version)) is not None and rule_id in ledger["rules"]:
            out.append(r.version)
    return out


