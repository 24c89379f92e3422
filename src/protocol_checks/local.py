"""The protocol a service judges by: a release with the service's profile applied.

Loaded once per (release, profile file) in a process; worker processes forked for a run inherit
what the parent loaded. A problem :func:`~protocol_checks.adapt.adapt` finds is given the
profile file's line, as problems in the file's shape are.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from protocol_checks.adapt import Adapted, adapt
from protocol_checks.profile import ProfileError, line_of, load_profile, stamp
from protocol_checks.protocols import followed_protocol, protocol_for
from protocol_checks.release import YAML_LOADER

_LOCATION = re.compile(r"^(?P<at>[a-z_]+(?:\.[A-Za-z0-9_-]+)*)[: ]")


def _line(path: str, dotted: str) -> int | None:
    """The line in the profile file of the entry at ``dotted`` (e.g. settings.report_interval_days)."""
    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return line_of(root, tuple(dotted.split(".")))


def local_protocol(version: str, path: str) -> Adapted | None:
    """Release ``version`` adapted by the profile at ``path``; None for an unknown release.
    :class:`ProfileError` (located) when the profile cannot apply to it."""
    return _local(version, path, stamp(path))


@functools.cache
def _local(version: str, path: str, _stamp: tuple[int, int]) -> Adapted | None:
    base = protocol_for(version)
    if base is None:
        return None
    profile = load_profile(path)
    try:
        return adapt(base, profile, strict=version == followed_protocol().release.version)
    except ProfileError as exc:
        text = str(exc)
        found = _LOCATION.match(text)
        line = _line(path, found.group("at")) if found else None
        raise ProfileError(f"{path}:{line or 1}: {text}") from None


def unusable(path: str) -> str | None:
    """Why the profile at ``path`` cannot be used (its located problems), or None. Checked by
    applying it to the newest release, as a run does before judging any case under it."""
    try:
        local_protocol(followed_protocol().release.version, path)
    except ProfileError as exc:
        return str(exc)
    return None
