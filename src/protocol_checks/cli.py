"""The ``protocol-checks`` command: parse the options, hand them to the sub-command with the
streams to write to, and turn what goes wrong into a message and exit status 2.

Exit statuses are defined in :mod:`protocol_checks.exits`; the sub-commands return them.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import os
import sys
from collections.abc import Iterator
from datetime import date

from protocol_checks import __version__
from protocol_checks.cli_options import add_display_options, add_report_target
from protocol_checks.editor.options import add_edit_parser
from protocol_checks.exits import EXIT_BAD_INPUT
from protocol_checks.reporters import REPORTERS
from protocol_checks.streams import Streams


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _jobs(text: str) -> int:
    """A positive number of worker processes, or ``auto`` (0)."""
    if text == "auto":
        return 0
    try:
        return _positive(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a positive number or auto") from None


class _VersionAction(argparse.Action):
    """``--version``: the tool's version and the protocol releases it can judge (read only
    when asked, so other commands do not pay for it)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the tool's version and the "
                         "protocol releases it judges, then exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from protocol_checks.release import all_releases

        lines = [f"protocol-checks {__version__}", "protocol releases judged:"]
        lines += [f"  {r.version}  {r.date.isoformat()}  {r.status.value}  {r.summary}"
                  for r in all_releases()]
        with contextlib.suppress(OSError, ValueError):  # stdout closed (>&-): nothing to say
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
        parser.exit(0)


def _release(text: str) -> str:
    if not text.count(".") == 2 or not all(p.isdigit() for p in text.split(".")):
        raise argparse.ArgumentTypeError("must be a release number such as 1.0.0")
    return text


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a date such as 2027-01-31") from None


def _add_profile_options(p: argparse.ArgumentParser, exclude: bool = True) -> None:
    p.add_argument("--profile", metavar="FILE",
                   help="the service profile to judge by (default: $PROTOCOL_CHECKS_PROFILE, "
                   "else the nearest protocol-profile.yaml beside the inputs or above them)")
    p.add_argument("--no-profile", action="store_true",
                   help="judge by the base protocol, ignoring any service profile")
    if exclude:
        p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                       help="skip paths under a folder that match GLOB (repeatable; added to "
                       "the profile's excludes)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="protocol-checks",
        description="Check pseudonymous case files against the outpatient treatment protocol.",
        epilog="Exit status: 0 no findings at or above --fail-on; 1 findings; "
        "2 unreadable input or misuse.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    v = sub.add_parser("validate", help="check case files, folders of them, or - for stdin",
                       description="Check case files against the protocol. Folders are searched "
                       "recursively for *.json; - reads one case from standard input.")
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument("--format", choices=list(REPORTERS), default=None,
                   help="output format (default: the profile's, else text)")
    v.add_argument("--protocol-version", type=_release, metavar="V",
                   help="judge every case as if it declared protocol release V: a preview of "
                   "moving the caseload to V (default: the release each case declares)")
    v.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    v.add_argument("--fail-on", choices=["error", "warning", "advice"], default=None,
                   help="lowest severity that makes the exit status 1 (default: the "
                   "profile's, else error)")
    v.add_argument("--handbook-url", metavar="URL",
                   help="base URL of the handbook for links in findings (default: "
                   "$PROTOCOL_CHECKS_HANDBOOK_URL, else the service profile's, else links "
                   "relative to the handbook root)")
    v.add_argument("-j", "--jobs", type=_jobs, default=0, metavar="N",
                   help="check files in N worker processes; auto (the default) uses one per "
                   "available CPU for 256 files or more, and this process for fewer")
    v.add_argument("--max-bytes", type=_positive, default=None, metavar="N",
                   help="largest case file accepted, in bytes (default: 1048576)")
    v.add_argument("-v", "--verbose", action="store_true", help="also list files with no findings")
    v.add_argument("--cache", metavar="DIR",
                   help="keep results in DIR and skip files unchanged since the last run (the "
                   "cache holds no file names or case values; it resets when the protocol, the "
                   "rules or --max-bytes change)")
    v.add_argument("--no-progress", action="store_true", help="never show the progress counter")
    add_display_options(v)
    _add_profile_options(v)

    r = sub.add_parser("report", help="write a self-contained HTML caseload report and audit",
                       description="Summarise a caseload as one offline HTML file: the audit "
                       "of each checklist item as a standard, the cases needing action, totals, "
                       "findings by rule and by stage; or the audit result as JSON.")
    r.add_argument("paths", nargs="+", metavar="PATH")
    add_report_target(r)
    r.add_argument("--format", choices=["html", "json"], default="html",
                   help="html (default): the report; json: the audit result (format_version 1)")
    r.add_argument("--save", metavar="DIR", help="save the audit result in DIR as "
                   "audit-DATE.json and compare with the last one saved there")
    r.add_argument("--audit-date", type=_iso_date, metavar="DATE",
                   help="the date the audit is recorded under (default: today)")
    r.add_argument("--handbook-url", metavar="URL", help="base URL of the handbook for links")
    r.add_argument("-j", "--jobs", type=_jobs, default=0, metavar="N",
                   help="worker processes, as for validate (default: auto)")
    r.add_argument("--cache", metavar="DIR", help="result cache, as for validate")
    _add_profile_options(r)

    s = sub.add_parser("schema", help="print the case file's JSON Schema",
                       description="Print the JSON Schema of the case file, generated from the "
                       "model, with descriptions citing the source paragraphs.")
    s.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE")
    s.add_argument("--protocol-version", type=_release, metavar="V",
                   help="the schema of release V (default: the newest)")

    ru = sub.add_parser("rules", help="list the rules", description="List every rule.")
    ru.add_argument("--format", choices=["text", "json"], default="text")
    _add_profile_options(ru, exclude=False)

    e = sub.add_parser("explain", help="explain one rule",
                       description="Say what a rule checks, why, its severity, stage and link.")
    e.add_argument("rule_id", metavar="RULE-ID")
    e.add_argument("--handbook-url", metavar="URL")
    _add_profile_options(e, exclude=False)

    c = sub.add_parser("checklist", help="print a checklist, optionally marked for a case",
                       description="Print a checklist. Given a case file, mark each item met, "
                       "not met, no record yet, awaiting attestation, not yet due or not "
                       "applicable; met only when the rules ran and found what the item needs "
                       "recorded. Exit 1 when an item is not met, has no record yet or awaits "
                       "attestation. Without a NAME, list the checklists.")
    c.add_argument("name", nargs="?", metavar="NAME", help="the checklist's ID, such as "
                   "before-assessment (without it: list the checklists)")
    c.add_argument("case", nargs="?", metavar="CASE", help="a case file (or - for standard "
                   "input) to mark the checklist for (without it: print the blank checklist)")
    c.add_argument("--format", choices=["text", "json"], default="text",
                   help="text (default) or json: each item's status, failing rules and reason")
    c.add_argument("--protocol-version", type=_release, metavar="V",
                   help="use release V's checklists and judge the case by V")
    _add_profile_options(c, exclude=False)
    add_edit_parser(sub, _add_profile_options)

    pr = sub.add_parser("profile", help="show, check or start a service profile",
                        description="show: the effective settings with their origin (base or "
                        "local) and every local change; check FILE: validate a profile and "
                        "apply it to every release (exit 1 on conflicts with the newest); new: "
                        "print a commented starting profile.")
    pr.add_argument("action", choices=["show", "check", "new"])
    pr.add_argument("file", nargs="?", metavar="FILE",
                    help="the profile (default: found as validate finds it)")
    pr.add_argument("--format", choices=["text", "json"], default="text")
    pr.add_argument("--profile", metavar="FILE", help=argparse.SUPPRESS)

    ch = sub.add_parser("changes", help="what changed between two protocol releases",
                        description="List what changed from release OLD to release NEW, read "
                        "from their ledgers: items, rules, severities, stages, settings and "
                        "case-file fields.")
    ch.add_argument("old", metavar="OLD", type=_release)
    ch.add_argument("new", metavar="NEW", type=_release)
    ch.add_argument("--format", choices=["text", "json"], default="text")

    le = sub.add_parser("ledger", help="write or check the newest release's ledger (maintainers)",
                        description="write: record the newest release's frozen snapshot in "
                        "releases/; check: exit 1 if the data differ from it.")
    le.add_argument("action", choices=["write", "check"])
    le.add_argument("--editorial", metavar="NOTE",
                    help="amend an existing ledger for wording-only changes, recording NOTE")

    g = sub.add_parser("governance", help="check the newest release's review date",
                       description="Exit 1 if the newest protocol release is past its review "
                       "date on the given day.")
    g.add_argument("--on", type=_iso_date, metavar="DATE", help="the day to judge (default: today)")

    n = sub.add_parser("new", help="start a case file for a stage, with placeholders to fill",
                       description="Write a starting case file for a stage: every field the "
                       "stage needs, each holding the placeholder \"<fill in>\", which never "
                       "validates, so the first validate lists what is left to fill.")
    n.add_argument("--stage", default="referral",
                   help="the case's stage (default: referral; a wrong one lists the stages)")
    n.add_argument("--modality", help="the planned treatment's modality, if chosen")
    n.add_argument("--case-id", help="pseudonymous case ID (default: a new unique one)")
    n.add_argument("-o", "--output", metavar="FILE", help="write to FILE (never over a file)")
    return parser


DEBUG_ENV = "PROTOCOL_CHECKS_DEBUG"


class _ClosedStream(io.TextIOBase):
    """Stands for standard output when the shell closed it (``>&-``): writing fails with a
    reason the command reports, where Python would otherwise have ``sys.stdout`` be None."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _guard_standard_streams() -> None:
    """Closed standard streams (``2>&-``) get the null device under their numbers, so no file
    opened later takes fd 1 or 2 and receives stray writes; a closed stderr then swallows
    messages (they have nowhere to go, and must never fall back to stdout, the report stream),
    and a closed stdout makes writing the report fail cleanly."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stdin is None:
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    if sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115


PLUGINS_ENV = "PYDANTIC_DISABLE_PLUGINS"


@contextlib.contextmanager
def _pydantic_plugins_off() -> Iterator[None]:
    """Third-party pydantic plugins (observability hooks) would see every case file validated;
    the command loads none, which also spares a scan of every installed package's metadata (a
    large share of start-up in a well-stocked environment). pydantic reads this variable each
    time it builds a model, so it is set for the command's run and restored afterwards: a
    program calling :func:`main` keeps its own environment."""
    before = os.environ.get(PLUGINS_ENV)
    os.environ[PLUGINS_ENV] = "__all__"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PLUGINS_ENV, None)
        else:
            os.environ[PLUGINS_ENV] = before


def main(argv: list[str] | None = None) -> int:
    _guard_standard_streams()
    args = build_parser().parse_args(argv)
    with _pydantic_plugins_off():
        return _run(args, Streams.standard())


def _run(args: argparse.Namespace, streams: Streams) -> int:
    # Imported here, not at the top: --help and --version must not load the core (start-up).
    from protocol_checks.names import UnsafeHandbookURL, display_name
    from protocol_checks.output import OutputClash, terminate_cleanly

    # File names that are not valid UTF-8 are shown with escapes rather than crashing output.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        from protocol_checks import commands

        with terminate_cleanly():  # SIGTERM unwinds, so partial report files are removed
            return commands.dispatch(args, streams)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): the output is incomplete
        _silence_stdout()
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except (OutputClash, UnsafeHandbookURL) as exc:  # may name a path: shown escaped
        streams.say(f"protocol-checks: {display_name(str(exc))}")
        return EXIT_BAD_INPUT
    except OSError as exc:
        streams.say(f"protocol-checks: cannot write output: {exc.strerror or type(exc).__name__}")
        return EXIT_BAD_INPUT
    except Exception as exc:  # a defect: say so briefly, never dump a traceback on users
        if os.environ.get(DEBUG_ENV):
            raise
        streams.say(f"protocol-checks: internal error ({type(exc).__name__}); please report it. "
                    f"Set {DEBUG_ENV}=1 for details.")
        return EXIT_BAD_INPUT


def _silence_stdout() -> None:
    """Point fd 1 at the null device, so flushing what is still buffered at exit cannot fail
    again and print Python's "Exception ignored" notice on stderr."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
