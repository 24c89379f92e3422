"""Release ledgers: the frozen snapshot of a protocol release, written by a command.

A ledger (``releases/<version>.json``) holds everything a release means: its checklists and
items, its rules (severity, stage, paragraphs, messages), its settings, and its case-file
schema, with the commit it was written from. Cases declaring an earlier release are judged from
its ledger; the newest release's ledger must equal what the working data would write (a test
checks it), so no rule or item changes without a release. Wording-only changes may be written
into a ledger with a recorded note (``amendments``), never silently.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

from protocol_checks import __version__
from protocol_checks.release import Release, ReleaseError, ReleaseStatus, releases_dir
from protocol_checks.rules import REGISTRY
from protocol_checks.schema import case_schema

LEDGER_FORMAT = 1
EDITORIAL_FIELDS = frozenset({"title", "message", "variants", "rationale", "text", "guidance",
                              "purpose"})
"""Fields whose change is wording only: allowed within a release if an amendment records it."""
_UNRECORDED = ("source_commit", "tool_version", "amendments", "written_on")
"""Ledger keys that describe the writing of the ledger, not the release's meaning."""


def ledger_path(version: str, folder: Path | None = None) -> Path:
    return (folder or releases_dir()) / f"{version}.json"


def snapshot(protocol: Any) -> dict[str, Any]:
    """What ``protocol`` (a :class:`~protocol_checks.protocol.Protocol`) means, as plain data
    in a stable order; everything the release fixes, nothing about how it was written."""
    release: Release = protocol.release
    return {
        "ledger_format": LEDGER_FORMAT,
        # Status, review date and summary are document control, not what the release means:
        # they move on in releases.yaml (a review that changes nothing sets a new date) while
        # the release stays the same.
        "release": release.model_dump(mode="json", include={"version", "date"}),
        "settings": release.settings.model_dump(mode="json"),
        "checklists": [c.model_dump(mode="json") for c in protocol.templates],
        "rules": {r.id: _recorded(r, REGISTRY[r.id])
                  for r in sorted(protocol.rules.values(), key=lambda r: r.id)},
        "schema": case_schema(),
    }


def _recorded(rule: Any, code: Any) -> dict[str, Any]:
    """A rule as its release states it; messages as written, with ``{setting}`` placeholders
    kept, so they are filled in from the release's settings whenever it is loaded. What a rule
    needs recorded to count as met is not recorded: that is the tool's evidence model, and a
    correction to it applies to every release (see the changelog)."""
    return {
        "title": rule.title, "severity": rule.severity.value, "stage": rule.stage.value,
        "paragraphs": list(rule.paragraphs), "message": code.message,
        "variants": dict(sorted(code.variants.items())), "rationale": rule.rationale,
        # Only where there are some, so a release before deviations (1.0.0) reads the same.
        **({"past_events": [v or "" for v in rule.past_events]} if rule.past_events else {}),
    }


def meaning(ledger: dict[str, Any]) -> dict[str, Any]:
    """A ledger without what records its writing (commit, tool version, amendments)."""
    return {k: v for k, v in ledger.items() if k not in _UNRECORDED}


def read_ledger(version: str, folder: Path | None = None) -> dict[str, Any] | None:
    path = ledger_path(version, folder)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{path.name}: {exc}") from None
    if data.get("ledger_format") != LEDGER_FORMAT:
        raise ReleaseError(f"{path.name}: unknown ledger format")
    return data


def source_commit(root: Path) -> str:
    """The commit the working tree is at (``unknown`` outside a git checkout)."""
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=False, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def differences(old: dict[str, Any], new: dict[str, Any], at: str = "") -> list[str]:
    """Dotted paths where two ledgers' meanings differ (leaves only)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            out += differences(old.get(key), new.get(key), f"{at}.{key}" if at else str(key))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new, strict=True))
                for d in differences(a, b, f"{at}[{i}]")]
    return [] if old == new else [at]


def is_editorial(path: str) -> bool:
    """Whether a difference at ``path`` is wording only (see :data:`EDITORIAL_FIELDS`)."""
    parts = [p.split("[")[0] for p in path.split(".")]
    return any(p in EDITORIAL_FIELDS for p in parts[1:]) and not path.startswith("schema")


def write_ledger(protocol: Any, root: Path, note: str | None = None,
                 today: date | None = None, folder: Path | None = None) -> tuple[Path, list[str]]:
    """Write (or amend) the ledger of ``protocol``'s release; return its path and the changes.

    An existing ledger may be rewritten only for wording changes, and only with a ``note``
    recorded as an amendment; a change of meaning needs a new release number.
    """
    new = snapshot(protocol)
    version = protocol.release.version
    path = ledger_path(version, folder)
    old = read_ledger(version, folder)
    amendments: list[dict[str, Any]] = []
    changed: list[str] = []
    if old is not None and protocol.release.status is ReleaseStatus.draft:
        old = None  # a draft is still being written: its ledger is simply written again
    if old is not None:
        changed = differences(meaning(old), meaning(new))
        if not changed:
            return path, []
        of_meaning = [c for c in changed if not is_editorial(c)]
        if of_meaning:
            raise ReleaseError(f"release {version} is already recorded and these changes alter "
                               f"its meaning: {', '.join(of_meaning[:8])}; make a new release")
        if not note:
            raise ReleaseError(f"release {version} is already recorded; wording changes "
                               f"({', '.join(changed[:8])}) need --editorial NOTE")
        amendments = [*old.get("amendments", []), {
            "date": (today or date.today()).isoformat(), "tool_version": __version__,
            "note": note, "changed": changed}]
    record = {**new, "source_commit": source_commit(root), "tool_version": __version__,
              "amendments": amendments}
    if old is not None:  # an amendment keeps the commit the release was made from
        record["source_commit"] = old.get("source_commit", record["source_commit"])
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path, changed
