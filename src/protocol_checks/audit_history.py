"""Re-audit: a run's audit result as a JSON document, saved by date, and compared with the last.

The document (shape in the handbook's "Audit JSON" reference, ``format_version`` 1) holds counts,
item IDs, fixed reasons and pseudonymous case IDs only: never a value from a case file, so a
folder of saved runs can be kept for clinical governance. Saved runs are read back strictly; one
that cannot be read stops the run with its name and problem rather than being passed over.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol_checks import __version__
from protocol_checks.audit import Audit, Standard
from protocol_checks.output import atomic_write, check_clash
from protocol_checks.status import ItemStatus

FORMAT_VERSION = 1
SAVED = re.compile(r"^audit-(\d{4}-\d{2}-\d{2})\.json$")
"""Saved runs are named by their audit date; other files in the folder are left alone."""


class HistoryError(Exception):
    """A saved-runs folder or file that cannot be used; the message names it and says why."""


def _standard(s: Standard) -> dict[str, Any]:
    c = s.counts
    return {
        "item": s.item, "checklist": s.checklist, "cases": s.cases,
        "excluded": {"not_applicable": c[ItemStatus.not_applicable],
                     "not_yet_due": c[ItemStatus.not_due]},
        "exclusion_reasons": [{"status": status, "reason": reason, "cases": n}
                              for (status, reason), n in sorted(s.reasons.items())],
        "due": s.due,
        "exceptions": {"waived": c[ItemStatus.waived], "deviation": c[ItemStatus.deviation]},
        "measured": s.measured, "met": s.met, "not_met": c[ItemStatus.not_met],
        "no_record": c[ItemStatus.no_record], "awaiting_attestation": c[ItemStatus.awaiting],
        "compliance": s.compliance, "target": s.target, "meets_target": s.meets_target,
        "cases_met": sorted(s.met_cases), "cases_not_met": sorted(s.gap_cases),
    }


def document(audit: Audit, audit_date: date, profile: dict[str, str] | None) -> dict[str, Any]:
    """The run's audit result as the saved file and ``--format json`` give it."""
    return {
        "format_version": FORMAT_VERSION,
        "audit_date": audit_date.isoformat(),
        "tool_version": __version__,
        "releases": dict(sorted(audit.releases.items())),
        "profile": profile,
        "files": {"checked": audit.files, "audited": audit.audited,
                  "not_audited": audit.unreadable, "case_ids_withheld": audit.withheld,
                  "repeated_case_ids": audit.repeats},
        "standards": [_standard(s) for _, _, group in audit.grouped() for s in group],
    }


class _Saved(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SavedStandard(_Saved):
    item: str
    compliance: float | None = Field(ge=0, le=100)
    target: float = Field(ge=0, le=100)
    measured: int = Field(ge=0)
    cases_met: list[str]
    cases_not_met: list[str]


class SavedRun(_Saved):
    """What a comparison and a run chart read back from a saved run."""

    format_version: Literal[1]
    audit_date: date
    releases: dict[str, int]
    profile: dict[str, str] | None
    standards: list[SavedStandard]

    def by_item(self) -> dict[str, SavedStandard]:
        return {s.item: s for s in self.standards}


def _read(path: Path, day: str) -> SavedRun:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        run = SavedRun.model_validate(data)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise HistoryError(f"{path}: cannot read the saved audit: {reason}") from None
    except json.JSONDecodeError as exc:
        raise HistoryError(f"{path}:{exc.lineno}: not a saved audit: invalid JSON") from None
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        raise HistoryError(f"{path}: not a saved audit of format {FORMAT_VERSION}: "
                           f"{first['msg']} (at {where})") from None
    if run.audit_date.isoformat() != day:
        raise HistoryError(f"{path}: its audit_date {run.audit_date} differs from the date in "
                           "its name; rename or remove it")
    return run


def load(folder: str) -> list[SavedRun]:
    """Every run saved in ``folder``, oldest first; none for a folder not made yet."""
    where = Path(folder)
    if not where.exists():
        return []
    if not where.is_dir():
        raise HistoryError(f"{folder}: --save needs a folder; this is a file")
    try:
        names = sorted(os.listdir(where))
    except OSError as exc:
        raise HistoryError(f"{folder}: cannot list the folder: {exc.strerror}") from None
    return [_read(where / n, m.group(1)) for n in names if (m := SAVED.match(n))]


def saved_path(folder: str, audit_date: date) -> str:
    """Where the run of ``audit_date`` is saved in ``folder``."""
    return os.path.join(folder, f"audit-{audit_date.isoformat()}.json")


def save(folder: str, doc: dict[str, Any], inputs: list[str]) -> str:
    """Write ``doc`` as ``audit-DATE.json`` in ``folder`` (replacing that day's earlier run);
    refused inside a folder being checked, where it would be read as a case file."""
    path = saved_path(folder, date.fromisoformat(doc["audit_date"]))
    check_clash(path, inputs)
    try:
        os.makedirs(folder, exist_ok=True)
        with atomic_write(path) as out:
            out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise HistoryError(f"{folder}: cannot save the audit: "
                           f"{exc.strerror or type(exc).__name__}") from None
    return path


@dataclass(frozen=True, slots=True)
class Change:
    """One standard's change since the previous saved run."""

    item: str
    before: float | None
    now: float | None
    to_met: tuple[str, ...]
    to_not_met: tuple[str, ...]

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.now is None else round(self.now - self.before, 1)


def previous(runs: list[SavedRun], audit_date: date) -> SavedRun | None:
    """The newest saved run before ``audit_date`` (a run saved again on its day is replaced)."""
    earlier = [r for r in runs if r.audit_date < audit_date]
    return earlier[-1] if earlier else None


def compare(before: SavedRun, now: SavedRun) -> list[Change]:
    """Per standard in either run: compliance then and now, and the cases (by pseudonymous ID)
    that moved from not met to met and back."""
    old, new = before.by_item(), now.by_item()
    out = []
    for item in [*new, *(i for i in old if i not in new)]:
        a, b = old.get(item), new.get(item)
        was_gap = set(a.cases_not_met) if a else set()
        was_met = set(a.cases_met) if a else set()
        out.append(Change(item, a.compliance if a else None, b.compliance if b else None,
                          tuple(sorted(was_gap & set(b.cases_met))) if b else (),
                          tuple(sorted(was_met & set(b.cases_not_met))) if b else ()))
    return out


def comparison(before: SavedRun, now: SavedRun) -> dict[str, Any]:
    """The comparison as ``--format json`` gives it (``compared_with``)."""
    return {"audit_date": before.audit_date.isoformat(), "standards": [
        {"item": c.item, "before": c.before, "now": c.now, "change": c.change,
         "to_met": list(c.to_met), "to_not_met": list(c.to_not_met)}
        for c in compare(before, now)]}


def trend(runs: list[SavedRun], now: SavedRun, last: int = 12) -> list[SavedRun]:
    """The runs a run chart shows: the saved ones before this run, then this run; at most
    ``last``, the newest."""
    kept = [r for r in runs if r.audit_date < now.audit_date] + [now]
    return kept[-last:]
