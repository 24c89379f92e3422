"""Commands about releases: ``changes OLD NEW``, ``ledger write|check`` and ``governance``.

``ledger`` is the maintainers' command: it writes the working release's frozen snapshot, and
``check`` proves the data still matches it (CI runs the same comparison as a test).
``governance`` is the review-date check a service runs on a schedule; it compares with the date
it is given (default: today), so no build or test depends on the calendar.
"""

from __future__ import annotations

import argparse
import subprocess
from datetime import date
from pathlib import Path

from protocol_checks.changes import between, incompatible
from protocol_checks.exits import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from protocol_checks.ledger import differences, meaning, read_ledger, snapshot, write_ledger
from protocol_checks.output import write_json
from protocol_checks.protocol import load_protocol
from protocol_checks.release import ReleaseError, all_releases, release, working_release
from protocol_checks.streams import Streams


def _ledger_of(version: str, streams: Streams) -> dict | None:
    if release(version) is None:
        streams.say(f"protocol-checks: no release {version}; releases: "
                    f"{', '.join(r.version for r in all_releases())}")
        return None
    found = read_ledger(version)
    if found is None:
        streams.say(f"protocol-checks: release {version} has no ledger yet")
    return found


def changes(args: argparse.Namespace, streams: Streams) -> int:
    old, new = _ledger_of(args.old, streams), _ledger_of(args.new, streams)
    if old is None or new is None:
        return EXIT_BAD_INPUT
    found = between(old, new)
    if args.format == "json":
        write_json({"from": args.old, "to": args.new,
                    "changes": [c.as_dict() for c in found]}, streams.out)
        return EXIT_OK
    print(f"Changes from release {args.old} to {args.new}: {len(found)}", file=streams.out)
    for change in found:
        print(f"  - {change.sentence()}", file=streams.out)
    return EXIT_OK


def ledger(args: argparse.Namespace, streams: Streams) -> int:
    protocol = load_protocol()
    version = protocol.release.version
    if args.action == "check":
        recorded = read_ledger(version)
        if recorded is None:
            streams.say(f"protocol-checks: release {version} has no ledger; run "
                        "'protocol-checks ledger write'")
            return EXIT_FINDINGS
        changed = differences(meaning(recorded), meaning(snapshot(protocol)))
        if changed:
            streams.say(f"protocol-checks: the data differ from release {version}'s ledger at: "
                        f"{', '.join(changed[:12])}")
            return EXIT_FINDINGS
        print(f"release {version}: the data match the ledger", file=streams.out)
        return EXIT_OK
    root = Path(__file__).resolve().parents[2]
    if _uncommitted(root):
        streams.say("protocol-checks: commit the data and code first: a ledger records the "
                    "commit it was written from, and that commit must hold the release")
        return EXIT_BAD_INPUT
    broken = _breaks_earlier_cases(protocol)
    if broken:
        streams.say(f"protocol-checks: within a major release the case-file format may only "
                    f"gain optional fields: {', '.join(broken)}")
        return EXIT_BAD_INPUT
    try:
        path, changed = write_ledger(protocol, root, args.editorial)
    except ReleaseError as exc:
        streams.say(f"protocol-checks: {exc}")
        return EXIT_BAD_INPUT
    what = f"amended ({len(changed)} wording changes)" if changed else "written"
    print(f"{path.name}: {what}", file=streams.out)
    return EXIT_OK


def _uncommitted(root: Path) -> bool:
    """Whether the checkout has changes not committed (outside ``releases/``, where the
    ledger is about to be written)."""
    try:
        done = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", ".",
                               ":(exclude)releases"], capture_output=True, text=True,
                              check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False  # not a git checkout (an installed package): nothing to compare with
    return done.returncode == 0 and bool(done.stdout.strip())


def _breaks_earlier_cases(protocol) -> list[str]:
    """Schema changes since the previous release of the same major number that would make its
    cases invalid."""
    earlier = [r for r in all_releases() if r.key < protocol.release.key
               and r.key[0] == protocol.release.key[0]]
    if not earlier or (previous := read_ledger(earlier[-1].version)) is None:
        return []
    return incompatible(previous, snapshot(protocol))


def governance(args: argparse.Namespace, streams: Streams) -> int:
    """Exit 1 when the current release is past its review date on ``--on`` (default: today)."""
    on = args.on or date.today()
    current = working_release()
    overdue = current.review_overdue(on)
    state = "overdue for review" if overdue else "within its review date"
    print(f"release {current.version} ({current.status.value}): review by "
          f"{current.review_date.isoformat()}; on {on.isoformat()} it is {state}",
          file=streams.out)
    return EXIT_FINDINGS if overdue else EXIT_OK
