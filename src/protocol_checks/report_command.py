"""The ``report`` command's run: the caseload report (HTML) or the audit result (JSON), the
audit measured on the same pass over the files, and the run saved for the next re-audit.

Saved runs are read before any case is checked, so a folder that cannot be used stops the run
at once (exit status 2) rather than after a long check.
"""

from __future__ import annotations

import argparse
import html
import os
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote

from protocol_checks import audit_history as history
from protocol_checks.audit import Audit
from protocol_checks.checker import Checker
from protocol_checks.cli_options import REPORT_NAMES
from protocol_checks.display import NO_URL_NOTE
from protocol_checks.exits import EXIT_BAD_INPUT, for_summary
from protocol_checks.findings import FileResult, Severity
from protocol_checks.format_words import counted
from protocol_checks.inputs import Settings
from protocol_checks.links import RULES_PAGE, handbook_base
from protocol_checks.names import display_name
from protocol_checks.output import OutputClash, check_clash, opened, write_json
from protocol_checks.profile import load_profile, profile_tag
from protocol_checks.protocol import Protocol
from protocol_checks.reporters.audit_html import NAV, sections
from protocol_checks.reporters.base import Summary
from protocol_checks.reporters.caseload import Extra, write_report
from protocol_checks.streams import Streams


def _counted(results: Iterable[FileResult], audit: Audit) -> Iterator[FileResult]:
    for result in results:
        audit.add(result)
        yield result


def _note(audit: Audit, audit_date: date) -> str:
    """The audit's scope in a sentence or two: what is in the figures and what is not."""
    text = (f"Audit date {audit_date.isoformat()}: {audit.audited:,} of {audit.files:,} files "
            "audited.")
    if audit.unreadable:
        text += (f" {audit.unreadable:,} could not be read as case files and are in no figure: "
                 "the audit is incomplete until they are fixed (see Unreadable files).")
    if audit.repeats:
        text += (f" {audit.repeats:,} files repeat the case ID of a file before them "
                 "(RUN-001): each case is counted once, and those files are on the agenda.")
    if audit.withheld:
        text += (f" {audit.withheld:,} cases have an ID that looks identifying (PRIV-002): they "
                 "are counted, but not listed by ID.")
    return text


def _baseline(save: str | None) -> str:
    if save is None:
        return ("Not compared: save each run with <code>--save DIR</code> and the next run "
                "saved there is compared with it.")
    return (f"No earlier audit is saved in {html.escape(display_name(save))}: this run is the "
            "baseline, and the next run saved there is compared with it.")


def link_base(args: argparse.Namespace, streams: Streams) -> str | None:
    """The report's file (``-o``, else :data:`REPORT_NAMES` in the current folder) and the base
    of its links: ``--handbook-dir`` as a path from the report's folder, so the links work
    wherever the report and the handbook are opened together; else the handbook URL. None
    (after saying why) when the folder is no folder."""
    if args.output is None:
        args.output = REPORT_NAMES[args.format]  # opened() still refuses to replace an input
    if args.handbook_dir is None:
        return handbook_base(args.handbook_url)
    if not os.path.isdir(args.handbook_dir):
        streams.say(f"protocol-checks: --handbook-dir: {display_name(args.handbook_dir)} is "
                    "not a folder; give the root folder of a built handbook")
        return None
    if not os.path.isfile(os.path.join(args.handbook_dir, *RULES_PAGE.split("/"))):
        streams.say(f"protocol-checks: warning: --handbook-dir: {display_name(args.handbook_dir)}"
                    f" has no {RULES_PAGE}; is it the root of a built handbook?")
    here = (os.getcwd() if args.output == "-"
            else os.path.dirname(os.path.abspath(args.output)))
    try:
        relative = os.path.relpath(os.path.abspath(args.handbook_dir), here)
    except ValueError:  # another drive (Windows): no relative path, so an absolute file URL
        return Path(args.handbook_dir).resolve().as_uri() + "/"
    return quote(Path(relative).as_posix(), safe="/") + "/"


def caseload_report(args: argparse.Namespace, streams: Streams, settings: Settings,
                    protocol: Protocol, audit_date: date) -> int:
    """Check every input once; write the report or the audit JSON; save the run if asked."""
    save: str | None = args.save
    try:
        runs = history.load(save) if save is not None else []
        if save is not None:  # refused now, not after the whole check
            check_clash(history.saved_path(save, audit_date), args.paths)
    except (history.HistoryError, OutputClash) as exc:
        streams.say(f"protocol-checks: {display_name(str(exc))}")
        return EXIT_BAD_INPUT
    targets = load_profile(settings.profile).targets if settings.profile else {}
    profile = ({"tag": profile_tag(settings.profile),
                "service": load_profile(settings.profile).service.name}
               if settings.profile else None)
    audit = Audit(protocol, targets)
    checker = Checker(args.paths, settings, args.jobs, args.cache)
    results = _counted(checker.results(), audit)
    state: dict[str, dict] = {}

    def finish() -> tuple[dict, history.SavedRun, history.SavedRun | None]:
        doc = state.setdefault("doc", history.document(audit, audit_date, profile))
        now = history.SavedRun.model_validate(doc)
        return doc, now, history.previous(runs, audit_date)

    def extra() -> Extra:
        _, now, before = finish()
        html = sections(audit, now, before, history.trend(runs, now), settings.handbook_url,
                        _note(audit, audit_date), _baseline(save))
        return NAV, html

    with opened(args.output, args.paths, streams.out) as out:
        if args.format == "json":
            summary = Summary()
            for result in results:
                summary.add(result)
            doc, now, before = finish()
            write_json({**doc, "compared_with": history.comparison(before, now)
                        if before is not None else None}, out)
        else:
            summary = write_report(results, out, settings.handbook_url, settings.profile,
                                   extra)
    if (warning := checker.close()) is not None:
        streams.say(f"protocol-checks: warning: {warning}")
    where = ("the report to standard output" if args.output == "-"
             else display_name(args.output))
    streams.say(f"wrote {where}: {counted(summary.files, 'file')}, "
                f"{counted(summary.count('error'), 'error')}, "
                f"{counted(summary.count('warning'), 'warning')}, "
                f"{summary.invalid} invalid, {summary.unreadable} unreadable")
    if not settings.handbook_url and args.format == "html":
        streams.say(f"{NO_URL_NOTE}, or --handbook-dir DIR for a handbook on disk")
    if save is not None:
        replaced = os.path.exists(history.saved_path(save, audit_date))
        try:
            path = history.save(save, finish()[0], list(args.paths))
        except (history.HistoryError, OSError) as exc:
            streams.say(f"protocol-checks: {display_name(str(exc))}")
            return EXIT_BAD_INPUT
        streams.say(f"saved the audit of {audit_date.isoformat()} to {display_name(path)}"
                    + (" (it replaces the one saved earlier for that date)" if replaced else ""))
    return for_summary(summary, Severity.error)
