"""One function per sub-command; each returns the exit status and writes only via reporters."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from datetime import date

from protocol_checks import PROTOCOL_VERSION
from protocol_checks.cli import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, print_json
from protocol_checks.findings import FileResult, InputProblem, Severity
from protocol_checks.identifiers import id_problem
from protocol_checks.output import opened


def dispatch(args: argparse.Namespace) -> int:
    handler = {
        "validate": validate, "report": report, "schema": schema, "rules": rules,
        "explain": explain, "checklist": checklist, "new": new,
    }[args.command]
    return handler(args)


def _settings(args: argparse.Namespace):
    from protocol_checks.loader import MAX_BYTES
    from protocol_checks.validate import Settings, handbook_base

    return Settings(handbook_url=handbook_base(args.handbook_url),
                    max_bytes=getattr(args, "max_bytes", None) or MAX_BYTES)


def _exit_status(summary, fail_on: Severity) -> int:
    if summary.unreadable:
        return EXIT_BAD_INPUT
    failing = sum(summary.count(s) for s in Severity if s.rank >= fail_on.rank)
    return EXIT_FINDINGS if failing else EXIT_OK


def validate(args: argparse.Namespace) -> int:
    from protocol_checks.progress import Progress
    from protocol_checks.reporters import Summary, reporter_class

    settings = _settings(args)
    summary = Summary()
    progress = Progress(enabled=not args.no_progress)
    cache = _open_cache(args, settings)
    with opened(args.output, args.paths) as out:
        reporter = reporter_class(args.format)(out, verbose=args.verbose,
                                          handbook_url=settings.handbook_url)
        reporter.start()
        for result in _checked(args, settings, cache):
            summary.add(result)
            reporter.file(result)
            progress.tick(summary.files)
        progress.done()
        reporter.finish(summary)
    _save_cache(cache)
    return _exit_status(summary, Severity(args.fail_on))


def _checked(args: argparse.Namespace, settings, cache) -> Iterator[FileResult]:
    """Every input's result, storing fresh ones in the cache (shared by validate and report);
    file names that look identifying get PRIV-002's finding here, after the cache, because
    the cache is keyed by content and a name is not content."""
    from protocol_checks.validate import name_findings, run

    for result in run(args.paths, settings, jobs=args.jobs):
        if cache is not None and result.digest is not None:
            cache.put(result.digest, result)
        yield name_findings(result, settings.handbook_url)


def _open_cache(args: argparse.Namespace, settings):
    """The result cache named by --cache, installed for this run (None without the option)."""
    if not getattr(args, "cache", None):
        return None
    from protocol_checks.cache import ResultCache
    from protocol_checks.validate import use_cache

    # A folder that is not safe to use raises CacheError (an OutputClash): exit 2, a message.
    cache = ResultCache(args.cache, args.paths, max_bytes=settings.max_bytes,
                        handbook_url=settings.handbook_url)
    use_cache(cache)
    return cache


def _save_cache(cache) -> None:
    """Store the run's new results and uninstall the cache. A cache that cannot be saved costs
    the next run time, not this run its result: a warning, and the exit status stands."""
    if cache is None:
        return
    from protocol_checks.validate import use_cache

    use_cache(None)
    warning = cache.save()
    if warning:
        print(f"protocol-checks: warning: {warning}", file=sys.stderr)


def report(args: argparse.Namespace) -> int:
    from protocol_checks.caseload import write_report

    settings = dataclasses.replace(_settings(args), item_statuses=True)
    cache = _open_cache(args, settings)
    with opened(args.output, args.paths) as out:
        summary = write_report(_checked(args, settings, cache), out, settings.handbook_url)
    _save_cache(cache)
    print(f"wrote {args.output}: {summary.files} files, {summary.count('error')} errors, "
          f"{summary.count('warning')} warnings, {summary.unreadable} unreadable",
          file=sys.stderr)
    return _exit_status(summary, Severity.error)


def schema(args: argparse.Namespace) -> int:
    from protocol_checks.schema import case_schema

    with opened(args.output) as out:
        print_json(case_schema(), out)
    return EXIT_OK


def rules(args: argparse.Namespace) -> int:
    from protocol_checks.protocol import load_protocol

    protocol = load_protocol()
    if args.format == "json":
        print_json([
            {"id": r.id, "title": r.title, "severity": r.severity.value, "stage": r.stage.value,
             "paragraphs": list(r.paragraphs), "items": protocol.items_of_rule[r.id],
             "anchor": r.anchor}
            for r in protocol.rules.values()
        ], sys.stdout)
        return EXIT_OK
    for r in protocol.rules.values():
        source = ",".join(r.paragraphs) or "-"
        print(f"{r.id:<9} {r.severity.value:<8} {r.stage.value:<17} {source:<12} {r.title}")
    return EXIT_OK


def explain(args: argparse.Namespace) -> int:
    from protocol_checks.protocol import load_protocol
    from protocol_checks.validate import RULES_PAGE, handbook_base

    protocol = load_protocol()
    rule = protocol.rules.get(args.rule_id.upper())
    if rule is None:
        print(f"protocol-checks: no rule {args.rule_id!r}; 'protocol-checks rules' lists them",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    base = handbook_base(args.handbook_url)
    print(f"{rule.id}: {rule.title}")
    print(f"  severity:  {rule.severity.value}")
    print(f"  applies:   from the {rule.stage.value} stage")
    print(f"  source:    {', '.join(rule.paragraphs) or 'record keeping (no source paragraph)'}")
    print(f"  items:     {', '.join(protocol.items_of_rule[rule.id])}")
    print(f"  checks:    {rule.message}")
    print(f"  why:       {rule.rationale}")
    print(f"  handbook:  {base}{RULES_PAGE}#{rule.anchor}")
    return EXIT_OK


def checklist(args: argparse.Namespace) -> int:
    from protocol_checks.protocol import load_protocol
    from protocol_checks.status import MARKS, mark
    from protocol_checks.validate import check_case

    protocol = load_protocol()
    if args.name is None:
        for c in protocol.checklists:
            print(f"{c.id:<26} {c.title} (due by: {c.stage.value}, {len(c.items)} items)")
        return EXIT_OK
    chosen = protocol.checklist(args.name)
    if chosen is None:
        names = ", ".join(c.id for c in protocol.checklists)
        print(f"protocol-checks: no checklist {args.name!r}; choose from: {names}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.case is None:
        print(f"{chosen.title} ({chosen.id}); due by the {chosen.stage.value} stage")
        for item in chosen.items:
            how = "attestation" if item.is_attestation else ", ".join(item.rule_ids)
            print(f"  [ ] {item.id:<6} {item.text}  ({', '.join(item.source) or 'record'}; {how})")
        return EXIT_OK
    from protocol_checks.loader import MAX_BYTES, Loaded, load, parse

    if args.case == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        loaded = parse(data) if len(data) <= MAX_BYTES else Loaded(None, None, [InputProblem(
            f"input is larger than the limit of {MAX_BYTES:,} bytes")])
    else:
        loaded = load(args.case)
    from protocol_checks.names import display_name  # a file name may hold control characters

    shown = display_name("<stdin>" if args.case == "-" else args.case)
    if loaded.case is None:
        for p in loaded.problems:
            where = "".join(f":{n}" for n in (p.line, p.column) if n)
            at = f" (at {p.path})" if p.path else ""
            print(f"{shown}{where}: INPUT {p.message}{at}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        findings = check_case(loaded.case, protocol)
    except Exception:  # the same guard as validate: a rule defect must not crash the command
        print(f"{shown}: INPUT internal error while applying the rules; please report it",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    results = mark(chosen, loaded.case, findings, protocol)
    if args.format == "json":
        print_json({"checklist": chosen.id, "stage": loaded.case.effective_stage.value,
                    "items": [_item_json(r) for r in results]}, sys.stdout)
        return _checklist_status(results)
    print(f"{chosen.title} ({chosen.id}); due by the {chosen.stage.value} stage")
    for r in results:
        extra = f" <- {', '.join(r.failing_rules)}" if r.failing_rules else ""
        why = f" ({r.reason})" if r.reason and not r.failing_rules else ""
        print(f"  {MARKS[r.status]} {r.item.id:<6} {r.status.value:<21} {r.item.text}{extra}{why}")
    return _checklist_status(results)


def _checklist_status(results) -> int:
    return EXIT_FINDINGS if any(r.status.counts_as_not_met for r in results) else EXIT_OK


def _item_json(result) -> dict:
    """One item's status as data: IDs, fixed reasons and field names, never case values."""
    return {"item": result.item.id, "status": result.status.value,
            "counts_as_not_met": result.status.counts_as_not_met,
            "failing_rules": list(result.failing_rules), "reason": result.reason,
            "rules": [{"rule": v.rule_id, "verdict": v.verdict.value, "reason": v.reason,
                       "missing": list(v.missing)} for v in result.verdicts]}


def new(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from protocol_checks.case import CaseFile

    today = date.today().isoformat()
    blank = {
        "protocol_version": PROTOCOL_VERSION,
        "case_id": args.case_id,
        "stage": "referral",
        "as_of": today,
        "referral": {"received_on": today, "source": "other", "legal_basis": "none"},
    }
    try:
        CaseFile.model_validate_json(json.dumps(blank))
    except ValidationError:
        print("protocol-checks: --case-id must look like CASE-0001 (capitals, hyphen, digits)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if id_problem(args.case_id) is not None:
        print("protocol-checks: --case-id looks like an NHS number or a name; choose a "
              "pseudonymous code such as CASE-0001", file=sys.stderr)
        return EXIT_BAD_INPUT
    print_json(blank, sys.stdout)
    return EXIT_OK
