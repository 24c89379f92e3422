"""Which service profile a handbook build follows (``-D protocol_profile=PATH``), if any, and
the protocol every directive of that build renders."""

from __future__ import annotations

import functools
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

from protocol_checks.adapt import Adapted
from protocol_checks.local import local_protocol
from protocol_checks.profile import Profile, load_profile
from protocol_checks.protocol import Protocol, load_protocol


def resolve(app: Sphinx, config: Config) -> None:
    """At ``config-inited``: a relative profile path is relative to the configuration folder."""
    given = config.protocol_profile
    if given:
        config.protocol_profile = str((Path(app.confdir) / given).resolve())


def profile_path(config: Config) -> str | None:
    """The profile file this build follows (an absolute path), or None."""
    return getattr(config, "protocol_profile", "") or None


@functools.cache
def _edition(path: str) -> tuple[Adapted, Profile]:
    adapted = local_protocol(load_protocol().release.version, path)
    assert adapted is not None
    return adapted, load_profile(path)


def edition(config: Config) -> tuple[Adapted, Profile] | None:
    """The adapted protocol and the profile of a service's edition; None for the base."""
    path = profile_path(config)
    return _edition(path) if path else None


def edition_protocol(config: Config) -> Protocol:
    found = edition(config)
    return found[0].protocol if found else load_protocol()
