"""Build the published site: every protocol release, each from its own recorded sources.

    python scripts/build_site.py OUT

The newest release is built from this checkout; each earlier release from the commit its ledger
names (``git archive``), with that commit's own extension and data, so a published release's
pages do not change when a later one is made. The trees are then assembled by
:mod:`protocol_checks.publish` (the newest at the root, every release under ``v/``, a switcher
that works from ``file://`` too).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from protocol_checks.ledger import read_ledger
from protocol_checks.publish import assemble
from protocol_checks.release import all_releases, newest_published, working_release

ROOT = Path(__file__).resolve().parents[1]


def sphinx(source: Path, out: Path, pythonpath: Path | None = None) -> None:
    """A strict HTML build of the handbook in ``source`` (its conf.py at the root)."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)  # that release's own extension and data
    with tempfile.TemporaryDirectory() as doctrees:  # Sphinx's cache, never in the site
        subprocess.run([sys.executable, "-m", "sphinx", "-q", "-n", "-W", "-b", "html", "-c",
                        str(source), "-d", doctrees, str(source / "docs"), str(out)],
                       check=True, env=env)


def sources_at(commit: str, into: Path) -> Path:
    """The repository's files at ``commit``, unpacked into ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the folder to write the site into")
    args = parser.parse_args(argv)
    working = working_release().version
    published = newest_published()
    current = published.version if published else working  # a draft is never at the root
    with tempfile.TemporaryDirectory(prefix="protocol-site-") as work:
        work_dir = Path(work)
        builds = {working: work_dir / "html" / working}
        sphinx(ROOT, builds[working])
        for r in all_releases():
            if r.version == working:
                continue
            ledger = read_ledger(r.version)
            if ledger is None or ledger["source_commit"] == "unknown":
                print(f"release {r.version}: no recorded commit; not published", file=sys.stderr)
                continue
            source = sources_at(ledger["source_commit"], work_dir / "src" / r.version)
            builds[r.version] = work_dir / "html" / r.version
            sphinx(source, builds[r.version], pythonpath=source / "src")
        assemble(args.out, builds, list(all_releases()), current)
    print(f"site written to {args.out}: releases {', '.join(sorted(builds))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
