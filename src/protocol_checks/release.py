"""Protocol releases: what staff follow and case files declare, separate from the tool's version.

``releases/releases.yaml`` lists every release with its metadata (date, status, review date,
summary); the newest is the one the working data in ``checklists/`` and the rule code describe.
Its settings (the report interval, the danger window before breaks) are data of the release, so
a later release can change them without changing what an earlier one meant.

Each released version also has a frozen snapshot, its ledger (``releases/<version>.json``,
:mod:`protocol_checks.ledger`), from which a case declaring that version is judged.
"""

from __future__ import annotations

import functools
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from protocol_checks.case import Profession, Roles

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The safe YAML loader for the protocol's data files, in C (libyaml) when available: 10x faster."""

VERSION_PATTERN = r"^[0-9]+\.[0-9]+\.[0-9]+$"


@functools.lru_cache(maxsize=64)
def version_key(version: str) -> tuple[int, ...]:
    """A version as numbers, for ordering (worked out once per version: DATA-009 compares
    releases for every case)."""
    return tuple(int(part) for part in version.split("."))


class ReleaseError(Exception):
    """The shipped release data is inconsistent: a packaging error, not a user error."""


class ReleaseStatus(StrEnum):
    draft = "draft"
    consultation = "consultation"
    approved = "approved"
    superseded = "superseded"


RoleName = Literal[tuple(Roles.model_fields)]  # type: ignore[valid-type]
"""A role in the case, as the case-file model names them."""


PRESCRIBING = (Profession.psychiatrist, Profession.nurse)
"""Professions a service may permit to prescribe antilibidinal medication (context: BNF)."""
REVIEWING = ("responsible_clinician", "risk_assessor", "case_manager")
"""Roles whose holder a service may name to review waivers and deviations."""


class Settings(BaseModel):
    """Service settings a release fixes: every number or choice the protocol needs that the
    source does not give. Each is the handbook's own, labelled so wherever it appears, and
    listed in the handbook's settings table (generated from this model).

    A setting added in a later release has, as its default, what the earlier releases did,
    so an earlier ledger that does not state it still means what it meant.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    report_interval_days: int = Field(
        ge=28, le=182, title="Report interval (days)",
        description="Longest interval between interim reports during treatment (P6 gives "
        "no interval).")
    danger_window_days: int = Field(
        ge=7, le=28, title="Danger window before a break (days)",
        description="Days before a planned break in which a missed session is a warning sign "
        "(P10 names the danger time, not its length).")
    missed_in_a_row: int = Field(
        default=2, ge=2, le=4, title="Missed sessions in a row",
        description="How many sessions missed in a row (by the patient, or cancelled by the "
        "service) call for a warning (P10 asks for regularity, without a number).")
    gap_factor: int = Field(
        default=3, ge=2, le=6, title="Longest gap, in planned intervals",
        description="A gap between sessions held longer than this many planned intervals, "
        "planned breaks aside, is a warning.")
    prescriber_professions: tuple[Profession, ...] = Field(
        default=(Profession.psychiatrist,), min_length=1, title="Who may prescribe",
        description="Professions that may prescribe antilibidinal medication: the protocol's "
        "reading of P1 is a psychiatrist; who may prescribe is a local governance decision "
        "(context: BNF, non-medical prescribing).")
    reviewer_roles: tuple[RoleName, ...] | None = Field(
        default=None, min_length=1, title="Who reviews waivers and deviations",
        description="Roles in the case whose holder may review a waiver or a recorded "
        "deviation written by someone else. Unset (release 1.0.0): waivers need no review "
        "and deviations cannot be recorded.")

    @field_validator("prescriber_professions")
    @classmethod
    def _prescribers(cls, value: tuple[Profession, ...]) -> tuple[Profession, ...]:
        if any(p not in PRESCRIBING for p in value):
            raise ValueError("only " + " and ".join(p.value for p in PRESCRIBING) + " may be "
                             "permitted to prescribe (context: BNF, non-medical prescribing)")
        return value

    @field_validator("reviewer_roles")
    @classmethod
    def _reviewers(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and any(r not in REVIEWING for r in value):
            raise ValueError("the reviewer roles may be " + ", ".join(REVIEWING) + "; the "
                             "therapist's own practice is most often what a waiver concerns")
        return value

    @classmethod
    def allowed(cls, name: str) -> str:
        """The range a service may choose a setting from, in words (from the model itself)."""
        if name == "prescriber_professions":
            return "one or more of " + ", ".join(p.value for p in PRESCRIBING)
        if name == "reviewer_roles":
            return "one or more of " + ", ".join(r.replace("_", " ") for r in REVIEWING)
        info = cls.model_fields[name]
        low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
        high = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
        return f"{low} to {high}"

    def value_text(self, name: str) -> str:
        """A setting's value as a message or a table shows it."""
        value = getattr(self, name)
        if isinstance(value, tuple):
            return " or ".join(str(v).replace("_", " ") for v in value)
        return "none" if value is None else str(value)


class Release(BaseModel):
    """One protocol release and its document control."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(pattern=VERSION_PATTERN)
    date: date
    status: ReleaseStatus
    review_date: date
    summary: str = Field(min_length=10, max_length=200)
    settings: Settings

    @property
    def key(self) -> tuple[int, ...]:
        """For ordering releases: 1.10.0 comes after 1.9.0."""
        return version_key(self.version)

    def review_overdue(self, today: date) -> bool:
        """Whether the review date has passed on ``today`` (given, never read from the clock
        here, so a build or a test cannot start failing on a calendar date)."""
        return today > self.review_date


class _Releases(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    releases: list[Release] = Field(min_length=1)


def releases_dir() -> Path:
    """The release data: shipped inside the wheel, or beside ``src/`` in a source checkout."""
    packaged = resources.files("protocol_checks") / "releases"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "releases"


@functools.cache
def all_releases(folder: str | None = None) -> tuple[Release, ...]:
    """Every release, oldest first; the last is the working release."""
    path = Path(folder or releases_dir()) / "releases.yaml"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        found = _Releases.model_validate(data).releases
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ReleaseError(f"{path.name}: {exc}") from None
    ordered = sorted(found, key=lambda r: r.key)
    if [r.version for r in ordered] != [r.version for r in found]:
        raise ReleaseError("releases.yaml must list releases oldest first")
    if len({r.version for r in found}) != len(found):
        raise ReleaseError("releases.yaml lists a release twice")
    return tuple(found)


def working_release() -> Release:
    """The newest release: the one ``checklists/`` and the rule code describe."""
    return all_releases()[-1]


def release(version: str) -> Release | None:
    return _index()[0].get(version)


def supported_versions() -> list[str]:
    return [r.version for r in all_releases()]


PUBLISHED = frozenset({ReleaseStatus.consultation, ReleaseStatus.approved,
                       ReleaseStatus.superseded})
"""Statuses of a release teams may follow; a draft is still being written."""


def newest_published() -> Release | None:
    """The newest release teams may move their cases to (never a draft)."""
    return _index()[1]


_INDEXED: list[tuple[object, tuple[dict[str, Release], Release | None]]] = [(None, ({}, None))]


def _index() -> tuple[dict[str, Release], Release | None]:
    """Each release by version, and the newest published one: worked out once for the list of
    releases in use (DATA-001 and DATA-009 ask for every case), again when the list changes."""
    releases = all_releases()
    seen, index = _INDEXED[0]  # one read of one pair, as the list may be replaced meanwhile
    if seen is not releases:
        index = ({r.version: r for r in releases},
                 next((r for r in reversed(releases) if r.status in PUBLISHED), None))
        _INDEXED[0] = (releases, index)
    return index
