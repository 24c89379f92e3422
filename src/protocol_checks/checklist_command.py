"""``protocol-checks checklist``: a checklist, blank or marked item by item for one case.

A case is marked against the checklists of the release it declares (or ``--protocol-version``),
so a checklist printed for a case always matches the rules that judged it.
"""

from __future__ import annotations

import argparse
import sys

from protocol_checks.exits import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from protocol_checks.findings import InputProblem
from protocol_checks.format_words import stage_words
from protocol_checks.judge import check_case, judging
from protocol_checks.loader import MAX_BYTES, Loaded, load, parse
from protocol_checks.local import local_protocol
from protocol_checks.names import display_name
from protocol_checks.output import write_json
from protocol_checks.protocol import Protocol
from protocol_checks.protocols import followed_protocol, protocol_for
from protocol_checks.status import MARKS, ItemResult, mark
from protocol_checks.streams import Streams


def checklist(args: argparse.Namespace, streams: Streams) -> int:
    chosen_release = getattr(args, "protocol_version", None)
    profile = getattr(args, "profile_path", None)
    if profile is not None:
        adapted = local_protocol(chosen_release or followed_protocol().release.version, profile)
        protocol = adapted.protocol if adapted is not None else None
    else:
        protocol = protocol_for(chosen_release) if chosen_release else followed_protocol()
    if protocol is None:
        streams.say("protocol-checks: --protocol-version names a release this tool does not "
                    "judge; 'protocol-checks --version' lists them")
        return EXIT_BAD_INPUT
    if args.name is None:
        for c in protocol.checklists:
            print(f"{c.id:<26} {c.title} (due by: {stage_words(c.stage)}, {len(c.items)} items)",
                  file=streams.out)
        return EXIT_OK
    if protocol.checklist(args.name) is None:
        names = ", ".join(c.id for c in protocol.checklists)
        streams.say(f"protocol-checks: no checklist {args.name!r}; choose from: {names}")
        return EXIT_BAD_INPUT
    if args.case is None:
        return _blank(protocol, args.name, streams)
    return _marked(args, chosen_release, streams)


def _blank(protocol: Protocol, name: str, streams: Streams) -> int:
    chosen = protocol.checklist(name)
    assert chosen is not None
    print(f"{chosen.title} ({chosen.id}); release {protocol.release.version}; due by the "
          f"{stage_words(chosen.stage)} stage", file=streams.out)
    for item in chosen.items:
        how = "attestation" if item.is_attestation else ", ".join(item.rule_ids)
        print(f"  [ ] {item.id:<6} {item.text}  ({', '.join(item.source) or 'record'}; {how})",
              file=streams.out)
    return EXIT_OK


def _read(case: str) -> Loaded:
    if case != "-":
        return load(case)
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return Loaded(None, None, [InputProblem(
            f"input is larger than the limit of {MAX_BYTES:,} bytes")])
    return parse(data)


def _marked(args: argparse.Namespace, chosen_release: str | None, streams: Streams) -> int:
    loaded = _read(args.case)
    shown = display_name("<stdin>" if args.case == "-" else args.case)
    if loaded.case is None:
        for p in loaded.problems:
            where = "".join(f":{n}" for n in (p.line, p.column) if n)
            at = f" (at {p.path})" if p.path else ""
            streams.say(f"{shown}{where}: INPUT {p.message}{at}")
        return EXIT_BAD_INPUT
    protocol = judging(loaded.case, chosen_release, getattr(args, "profile_path", None))
    chosen = protocol.checklist(args.name)
    if chosen is None:
        streams.say(f"{shown}: the case's release {protocol.release.version} has no such "
                    "checklist")
        return EXIT_BAD_INPUT
    try:
        findings = check_case(loaded.case, protocol, None if args.case == "-" else args.case)
    except Exception:  # the same guard as validate: a rule defect must not crash the command
        streams.say(f"{shown}: INPUT internal error while applying the rules; please report it")
        return EXIT_BAD_INPUT
    results = mark(chosen, loaded.case, findings, protocol)
    status = EXIT_FINDINGS if any(r.status.counts_as_not_met for r in results) else EXIT_OK
    if args.format == "json":
        write_json({"checklist": chosen.id, "release": protocol.release.version,
                    "stage": loaded.case.effective_stage.value,
                    "items": [_item_json(r) for r in results]}, streams.out)
        return status
    print(f"{chosen.title} ({chosen.id}); judged by release {protocol.release.version}; due by "
          f"the {stage_words(chosen.stage)} stage", file=streams.out)
    for r in results:
        extra = f" <- {', '.join(r.failing_rules)}" if r.failing_rules else ""
        why = f" ({r.reason})" if r.reason and not r.failing_rules else ""
        print(f"  {MARKS[r.status]} {r.item.id:<6} {r.status.value:<21} {r.item.text}{extra}{why}",
              file=streams.out)
    return status


def _item_json(result: ItemResult) -> dict:
    """One item's status as data: IDs, fixed reasons and field names, never case values."""
    return {"item": result.item.id, "status": result.status.value,
            "counts_as_not_met": result.status.counts_as_not_met,
            "failing_rules": list(result.failing_rules), "reason": result.reason,
            "rules": [{"rule": v.rule_id, "verdict": v.verdict.value, "reason": v.reason,
                       "missing": list(v.missing)} for v in result.verdicts]}
