"""A service profile: how one service adopts the protocol without forking it.

The base protocol stays locked; the profile pairs each local change with the base value, a
rationale and an author (the pattern of GRADEpro's adolopment, without copying the guideline).
What may change is stated by the protocol's own data: the release settings (within the bounds
their model states), the names of the roles, severities (tightened only), who prescribes and
who reviews waivers (both settings), escalation contacts, the agencies the service shares with,
document control, extra local attestation items, and the caseload audit's targets per item.
Anything else is refused.

A profile file can also hold the team's command defaults, so a repository of case files needs
no flags. Loading validates it and reports every problem with the file's line and the entry's
path; the model is strict, as the case-file model is.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from protocol_checks.case import Agency, Roles
from protocol_checks.findings import Severity
from protocol_checks.release import VERSION_PATTERN, YAML_LOADER
from protocol_checks.rules.privacy import looks_identifying

PROFILE_NAME = "protocol-profile.yaml"
"""The file name the validator looks for beside case files and in their parent folders."""
PROFILE_ENV = "PROTOCOL_CHECKS_PROFILE"

Text = Annotated[str, Field(min_length=1, max_length=300)]
Rationale = Annotated[str, Field(min_length=10, max_length=600,
                                 description="Why the service differs from the base protocol.")]
Author = Annotated[str, Field(min_length=2, max_length=80, description=(
    "Who made the change: a role (for example 'Clinical lead') or a pseudonymous staff ID, "
    "never a name."))]

TERM_NAMES = (*Roles.model_fields, "care_coordinator", "offender_manager")
"""Terms a service may call by its own name: the four roles and two outside ones."""
Term = Literal[TERM_NAMES]  # type: ignore[valid-type]


class ProfileError(Exception):
    """A profile that cannot be used; its message names the file, line and entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Change(_Strict):
    rationale: Rationale
    author: Author

    @field_validator("author")
    @classmethod
    def _not_a_person(cls, value: str) -> str:
        if looks_identifying(value):
            raise ValueError("looks like personal data (a name, email, phone or NHS number); "
                             "give a role or a pseudonymous staff ID")
        return value


class LocalSetting(_Change):
    value: Any = Field(description="The local value; checked against the setting's own type "
                       "and bounds when the profile is applied.")


class LocalTerm(_Change):
    name: Text = Field(description="What the service calls it, for example 'lead professional'.")


class LocalSeverity(_Change):
    severity: Severity = Field(description="Tighter than the base: advice to warning or error, "
                               "warning to error. An error is never loosened.")


class EscalationContact(_Change):
    situation: Text = Field(description="When to escalate, e.g. 'risk disclosed out of hours'.")
    contact: Text = Field(description="Whom, as a role ('on-call consultant psychiatrist'), "
                          "never a person's name or number.")

    @field_validator("contact", "situation")
    @classmethod
    def _a_role(cls, value: str) -> str:
        if looks_identifying(value):
            raise ValueError("looks like personal data; describe a role, not a person")
        return value


class LocalAgency(_Change):
    name: Text = Field(description="The agency's local name (an organisation, not a person).")
    kind: Agency = Field(description="Which of the protocol's agencies it is (P4).")


class LocalItem(_Change):
    id: str = Field(pattern=r"^L[A-Z]-[0-9]{1,2}$", description="A local item ID such as LD-1: "
                    "'L' for local, then a letter, so it can never clash with a base item.")
    checklist: str = Field(description="The base checklist it joins, e.g. during-treatment.")
    text: Annotated[str, Field(min_length=10, max_length=300)]
    policy: Text = Field(description="The local policy the item comes from.")
    guidance: Text | None = None


class DocumentControl(_Strict):
    reference: Text
    owner: Text
    approved_by: Text = Field(description="The committee that approved the local edition.")
    date_approved: date | None = None
    next_review: date | None = None
    author: Text | None = None


class Service(_Strict):
    name: Text
    document_control: DocumentControl


class CommandDefaults(_Strict):
    """What the team's runs use unless a flag says otherwise."""

    fail_on: Severity | None = None
    format: Literal["text", "json", "github", "sarif", "junit"] | None = None
    handbook_url: str | None = Field(default=None, max_length=500)
    exclude: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50,
        description="Glob patterns of files and folders the command skips (relative paths).")


Percent = Annotated[float, Field(ge=0, le=100, strict=True)]  # strict: "90" or true is a slip
ItemId = Annotated[str, Field(pattern=r"^[A-Z]{2}-[0-9]{1,2}$")]


class Profile(_Strict):
    """One service's adaptation of a base protocol release."""

    profile_format: Literal[1] = 1
    base_release: str = Field(pattern=VERSION_PATTERN,
                              description="The protocol release this profile was written for.")
    service: Service
    terms: dict[Term, LocalTerm] = Field(default_factory=dict)
    settings: dict[str, LocalSetting] = Field(default_factory=dict)
    severities: dict[Annotated[str, Field(pattern=r"^[A-Z]{3,5}-[0-9]{3}$")], LocalSeverity] = (
        Field(default_factory=dict))
    agencies: list[LocalAgency] = Field(default_factory=list, max_length=50)
    escalation: list[EscalationContact] = Field(default_factory=list, max_length=50)
    local_items: list[LocalItem] = Field(default_factory=list, max_length=50)
    defaults: CommandDefaults = Field(default_factory=CommandDefaults)
    targets: dict[ItemId, Percent] = Field(default_factory=dict, description=(
        "Local audit targets: checklist item ID to the percentage of measured cases that "
        "should meet it (NICE leaves the level to local decision); 100 where not given."))

    @field_validator("terms", "settings", "severities", "defaults", "targets", mode="before")
    @classmethod
    def _no_mapping(cls, value: object) -> object:
        """A key left with nothing under it (all its entries commented out) means none."""
        return {} if value is None else value

    @field_validator("agencies", "escalation", "local_items", mode="before")
    @classmethod
    def _no_list(cls, value: object) -> object:
        return [] if value is None else value

    @field_validator("local_items")
    @classmethod
    def _unique(cls, items: list[LocalItem]) -> list[LocalItem]:
        seen = [i.id for i in items]
        twice = sorted({i for i in seen if seen.count(i) > 1})
        if twice:
            raise ValueError(f"local item IDs must be unique; given twice: {', '.join(twice)}")
        return items


def line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The line of the YAML node at ``loc`` (or of its nearest ancestor), 1-based."""
    node, line = root, None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(
                node.value):
            node = node.value[part]
        else:
            node = None
    return node.start_mark.line + 1 if node is not None else line


def _where(loc: tuple[int | str, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def _duplicate_key(node: yaml.Node | None) -> tuple[str, int] | None:
    """The first key given twice in one mapping (YAML keeps the last silently), with its line."""
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key, value in node.value:
            if key.value in keys:
                return key.value, key.start_mark.line + 1
            keys.add(key.value)
            if (found := _duplicate_key(value)) is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for value in node.value:
            if (found := _duplicate_key(value)) is not None:
                return found
    return None


def parse_profile(text: str, name: str) -> Profile:
    """The profile in ``text``; :class:`ProfileError` lists every problem, located."""
    try:
        data = yaml.load(text, Loader=YAML_LOADER)
        root = yaml.compose(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ProfileError(f"{name}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})"
                           ) from None
    if not isinstance(data, dict):
        raise ProfileError(f"{name}: a profile is a mapping of keys such as base_release, service")
    if (twice := _duplicate_key(root)) is not None:
        raise ProfileError(f"{name}:{twice[1]}: the key {twice[0]!r} is given twice in the same "
                           "mapping; YAML would silently keep only the last")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_url=False, include_input=False):
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            line = line_of(root, loc)
            lines.append(f"{name}:{line or 1}: {error['msg']} (at {_where(loc)})")
        raise ProfileError("\n".join(lines)) from None


def stamp(path: str) -> tuple[int, int]:
    """What tells one version of a profile file from another (so a long-lived process, or
    a test, never judges by a profile that has since been edited)."""
    try:
        info = os.stat(path)
    except OSError:
        return (0, -1)
    return info.st_mtime_ns, info.st_size


def profile_tag(path: str) -> str:
    """A short hash of the profile file's bytes: what a cached result judged under it is keyed
    on, so an edited profile is never mistaken for the old one."""
    return _tag(path, stamp(path))


@functools.cache
def _tag(path: str, _stamp: tuple[int, int]) -> str:
    try:
        return hashlib.blake2b(Path(path).read_bytes(), digest_size=8).hexdigest()
    except OSError:
        return "unreadable"


def load_profile(path: str) -> Profile:
    """The profile at ``path`` (read once per version of the file); :class:`ProfileError`
    if unusable."""
    return _load(path, stamp(path))


@functools.cache
def _load(path: str, _stamp: tuple[int, int]) -> Profile:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ProfileError(f"{path}: cannot read the profile: {reason}") from None
    return parse_profile(text, path)


def discover(start: str) -> str | None:
    """The nearest profile file in ``start``'s folder or a parent folder (as ruff finds its
    configuration), or None. A folder that cannot be looked into is passed over: the input
    itself is reported, by the walk, if it cannot be read."""
    here = Path(os.path.abspath(start))
    folder = here if _is(here, Path.is_dir) else here.parent
    for candidate in (folder, *folder.parents):
        found = candidate / PROFILE_NAME
        if _is(found, Path.is_file):
            return str(found)
    return None


def _is(path: Path, test: Callable[[Path], bool]) -> bool:
    try:
        return bool(test(path))
    except OSError:
        return False
