"""One function per sub-command. Each receives its options and the streams to write to, and
returns the exit status (:mod:`protocol_checks.exits`); results are formatted by reporters.

Imports of the core sit inside the handlers on purpose: ``protocol-checks --version`` and
``--help`` must not pay for pydantic and the case model (measured: about 140 ms of start-up).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from datetime import date

from protocol_checks.exits import EXIT_BAD_INPUT, EXIT_OK, for_summary
from protocol_checks.findings import Severity
from protocol_checks.output import opened, write_json
from protocol_checks.streams import Streams


def dispatch(args: argparse.Namespace, streams: Streams) -> int:
    from protocol_checks import checklist_command, new_command, release_commands
    from protocol_checks.profile_commands import NoProfile, prepare, profile_command

    handler = {
        "validate": validate, "report": report, "schema": schema, "rules": rules,
        "explain": explain, "checklist": checklist_command.checklist, "new": new_command.new,
        "changes": release_commands.changes, "ledger": release_commands.ledger,
        "governance": release_commands.governance, "profile": profile_command, "edit": edit,
    }[args.command]
    if args.command in ("validate", "report", "checklist", "rules", "explain", "edit"):
        paths = (args.paths if args.command in ("validate", "report")
                 else [args.case] if getattr(args, "case", None) not in (None, "-")
                 else [os.getcwd()])
        try:
            args.profile_path, profile = prepare(args, paths, streams)
        except NoProfile as exc:
            streams.say(f"protocol-checks: {exc}")
            return EXIT_BAD_INPUT
        args.exclude = (*getattr(args, "exclude", ()), *(profile.defaults.exclude if profile
                                                         else ()))
    return handler(args, streams)


def edit(args: argparse.Namespace, streams: Streams) -> int:
    # Imported only for this command: no other command loads the editor or its server.
    from protocol_checks.editor.command import edit as run_editor

    return run_editor(args, streams)


def _settings(args: argparse.Namespace):
    from protocol_checks.inputs import Settings
    from protocol_checks.links import handbook_base
    from protocol_checks.loader import MAX_BYTES

    return Settings(handbook_url=handbook_base(args.handbook_url),
                    max_bytes=getattr(args, "max_bytes", None) or MAX_BYTES,
                    release=getattr(args, "protocol_version", None),
                    # Found per file when discovering: each case by its own nearest profile.
                    profile=None if getattr(args, "discover", False)
                    else getattr(args, "profile_path", None),
                    exclude=tuple(getattr(args, "exclude", ())),
                    nested_profiles=getattr(args, "profile_named", True),
                    discover=getattr(args, "discover", False))


def _known_release(version: str | None, streams: Streams) -> bool:
    from protocol_checks.release import release, supported_versions

    if version is None or release(version) is not None:
        return True
    streams.say(f"protocol-checks: this tool judges releases {', '.join(supported_versions())}; "
                "--protocol-version names none of them")
    return False


def validate(args: argparse.Namespace, streams: Streams) -> int:
    from protocol_checks.checker import Checker
    from protocol_checks.display import NO_URL_NOTE, wants_color, without_settled
    from protocol_checks.progress import Progress
    from protocol_checks.rendering import Renders
    from protocol_checks.reporters import Summary, reporter_class

    if not _known_release(args.protocol_version, streams):
        return EXIT_BAD_INPUT
    settings = _settings(args)
    checker = Checker(args.paths, settings, args.jobs, args.cache)
    summary = Summary()
    progress = Progress(enabled=not args.no_progress)
    color = wants_color(args.color, args.output, streams.out)
    with opened(args.output, args.paths, streams.out) as out:
        reporter = reporter_class(args.format or "text")(out, verbose=args.verbose,
                                          handbook_url=settings.handbook_url, color=color)
        reporter.start()
        texts = checker.rendered(reporter, summary, args.quiet)
        if isinstance(reporter, Renders) and texts is not None:
            for text in texts:  # entries made by the workers, which count the summary too
                reporter.write_text(text)
                progress.tick(summary.files)
        else:
            for result in checker.results():
                summary.add(result)  # counts settled findings even when --quiet hides them
                reporter.file(without_settled(result) if args.quiet else result)
                progress.tick(summary.files)
        progress.done()
        reporter.finish(summary)
    _warn_unsaved(checker.close(), streams)
    if not settings.handbook_url:  # every format's links leave the handbook: say so, last
        streams.say(NO_URL_NOTE)
    return for_summary(summary, Severity(args.fail_on or "error"))


def _warn_unsaved(warning: str | None, streams: Streams) -> None:
    if warning:
        streams.say(f"protocol-checks: warning: {warning}")


def report(args: argparse.Namespace, streams: Streams) -> int:
    from protocol_checks.report_command import caseload_report, link_base

    base = link_base(args, streams)
    if base is None:
        return EXIT_BAD_INPUT
    settings = dataclasses.replace(_settings(args), item_statuses=True, handbook_url=base)
    # Today only as the default audit date (a saved run's name), never in a figure or due date.
    return caseload_report(args, streams, settings, _protocol(args),
                           args.audit_date or date.today())


def schema(args: argparse.Namespace, streams: Streams) -> int:
    from protocol_checks.ledger import read_ledger
    from protocol_checks.release import working_release
    from protocol_checks.schema import case_schema

    version = args.protocol_version
    if not _known_release(version, streams):
        return EXIT_BAD_INPUT
    if version is None or version == working_release().version:
        found = case_schema()
    else:
        ledger = read_ledger(version)
        assert ledger is not None  # every listed release has a ledger (checked by the tests)
        found = ledger["schema"]
    with opened(args.output, (), streams.out) as out:
        write_json(found, out)
    return EXIT_OK


def _protocol(args: argparse.Namespace):
    """The release teams follow, under the run's service profile when there is one."""
    from protocol_checks.local import local_protocol
    from protocol_checks.protocols import followed_protocol

    base = followed_protocol()
    profile = getattr(args, "profile_path", None)
    adapted = local_protocol(base.release.version, profile) if profile else None
    return adapted.protocol if adapted is not None else base


def rules(args: argparse.Namespace, streams: Streams) -> int:
    from protocol_checks.format_words import stage_words
    from protocol_checks.run_checks import RUN_CHECKS

    protocol = _protocol(args)
    if args.format == "json":
        write_json([
            {"id": r.id, "title": r.title, "severity": r.severity.value, "stage": r.stage.value,
             "paragraphs": list(r.paragraphs), "items": protocol.items_of_rule[r.id],
             "needs": list(r.needs), "anchor": r.anchor, "scope": "release"}
            for r in protocol.rules.values()
        ] + [{"id": c.id, "title": c.title, "severity": c.severity.value, "stage": None,
              "paragraphs": [], "items": [], "needs": [], "anchor": c.anchor, "scope": "run"}
             for c in RUN_CHECKS], streams.out)
        return EXIT_OK
    for r in protocol.rules.values():
        source = ",".join(r.paragraphs) or "-"
        print(f"{r.id:<9} {r.severity.value:<8} {stage_words(r.stage):<17} {source:<12} {r.title}",
              file=streams.out)
    for c in RUN_CHECKS:  # checks across the files of a run, whatever the release
        print(f"{c.id:<9} {c.severity.value:<8} {'every run':<17} {'-':<12} {c.title}",
              file=streams.out)
    return EXIT_OK


def explain(args: argparse.Namespace, streams: Streams) -> int:
    from protocol_checks.display import NO_URL_NOTE
    from protocol_checks.format_words import stage_words
    from protocol_checks.links import handbook_base, rule_url
    from protocol_checks.protocols import releases_of
    from protocol_checks.rules import REGISTRY
    from protocol_checks.run_checks import RUN_CHECKS

    protocol = _protocol(args)
    rule = protocol.rules.get(args.rule_id.upper()) or REGISTRY.get(args.rule_id.upper())
    across = next((c for c in RUN_CHECKS if c.id == args.rule_id.upper()), None)
    base = handbook_base(args.handbook_url)
    if not base and (rule or across):
        streams.say(NO_URL_NOTE)
    if across is not None:
        streams.out.write("\n".join([
            f"{across.id}: {across.title}", f"  severity:  {across.severity.value}",
            "  applies:   to every run, whatever release each case declares",
            f"  checks:    {across.message.format(first='the earlier file')}",
            f"  why:       {across.rationale}",
            f"  handbook:  {rule_url(base, across.id)}"]) + "\n")
        return EXIT_OK
    if rule is None:
        streams.say(f"protocol-checks: no rule {args.rule_id!r}; 'protocol-checks rules' lists them")
        return EXIT_BAD_INPUT
    lines = [
        f"{rule.id}: {rule.title}",
        f"  severity:  {rule.severity.value}"
        + (" (local: " + ", ".join(protocol.local[rule.id]) + ")"
           if protocol.local.get(rule.id) else ""),
        f"  applies:   from the {stage_words(rule.stage)} stage",
        f"  releases:  {', '.join(releases_of(rule.id))}"
        + (f" (withdrawn in {rule.withdrawn_in}"
           + (f", replaced by {', '.join(rule.replaced_by)})" if rule.replaced_by else ")")
           if rule.withdrawn_in else ""),
        f"  source:    {', '.join(rule.paragraphs) or 'record keeping (no source paragraph)'}",
        f"  items:     {', '.join(protocol.items_of_rule.get(rule.id, [])) or 'none now'}",
        f"  met when:  {', '.join(rule.needs) or 'the required fields'} recorded, and no breach",
        f"  checks:    {rule.message}",
        f"  why:       {rule.rationale}",
        f"  handbook:  {rule_url(base, rule.id)}",
    ]
    streams.out.write("\n".join(lines) + "\n")
    return EXIT_OK
