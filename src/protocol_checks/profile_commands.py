"""Finding the service profile for a run, and the ``profile show|check|new`` command.

The profile is the one named by ``--profile``, else by ``$PROTOCOL_CHECKS_PROFILE``, else the
nearest ``protocol-profile.yaml`` in a case's folder or its parents, found for each case by
``validate`` (:mod:`protocol_checks.inputs`); ``--no-profile`` judges by the base protocol. The
other commands need one profile and refuse inputs under two.
A profile that cannot be used stops the run with its located problems (exit status 2) before
any case is judged.
"""

from __future__ import annotations

import argparse
import os

from protocol_checks.adapt import Adapted
from protocol_checks.exits import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from protocol_checks.links import URL_ENV
from protocol_checks.local import local_protocol
from protocol_checks.names import display_name
from protocol_checks.output import write_json
from protocol_checks.profile import (
    PROFILE_ENV,
    PROFILE_NAME,
    Profile,
    ProfileError,
    discover,
    load_profile,
)
from protocol_checks.profile_template import starting_profile
from protocol_checks.protocols import followed_protocol
from protocol_checks.release import Settings, all_releases
from protocol_checks.streams import Streams


class NoProfile(Exception):
    """The profile for this run cannot be used; the message says why (already located)."""


def find(args: argparse.Namespace, paths: list[str], single: bool = True) -> str | None:
    """The profile file for this run (an absolute path), or None. With ``single`` false (a
    validate run that judges each case by its own nearest profile), the first input's."""
    if getattr(args, "no_profile", False):
        return None
    named = getattr(args, "profile", None) or os.environ.get(PROFILE_ENV) or None
    if named is not None:
        if os.path.isdir(named):
            raise NoProfile(f"profile {display_name(named)} is a folder; name the profile file "
                            f"(for example {os.path.join(named, PROFILE_NAME)})")
        if not os.path.isfile(named):
            raise NoProfile(f"profile {display_name(named)} not found")
        return os.path.abspath(named)
    found = {discover(p) for p in paths if p != "-"}
    if not single:
        first = next((discover(p) for p in paths if p != "-"), None)
        return os.path.abspath(first) if first else None
    if len(found) > 1:
        raise NoProfile("the inputs lie under different service profiles ("
                        + ", ".join(sorted(display_name(f) for f in found if f) or ["none"])
                        + "); check each service's cases in its own run")
    only = next(iter(found), None)
    return os.path.abspath(only) if only else None


def prepare(args: argparse.Namespace, paths: list[str],
            streams: Streams) -> tuple[str | None, Profile | None]:
    """The run's profile, loaded and applied to the newest release (so every problem shows
    before a case is judged, and every conflict is said, not passed over), with its command
    defaults filled into ``args`` where no flag was given."""
    # A profile named on the command line or in the environment governs every input; found
    # by discovery, validate judges each case by its own nearest one (as ruff does), while
    # the other commands need one profile and refuse inputs under several.
    args.profile_named = bool(getattr(args, "profile", None) or os.environ.get(PROFILE_ENV)
                              or getattr(args, "no_profile", False))
    args.discover = not args.profile_named and args.command == "validate"
    path = find(args, paths, single=not args.discover)
    if path is None:
        return None, None
    try:
        profile = load_profile(path)
        adapted = local_protocol(followed_protocol().release.version, path)
    except ProfileError as exc:
        raise NoProfile(str(exc)) from None
    assert adapted is not None
    streams.say(f"protocol-checks: judging by the service profile {display_name(path)} "
                f"({profile.service.name}; {len(adapted.changes)} local changes)"
                + ("; a case under another profile is judged by that one" if args.discover
                   else ""))
    for conflict in adapted.conflicts:
        streams.say(f"protocol-checks: warning: service profile: {conflict} (see "
                    "'protocol-checks profile check')")
    defaults = profile.defaults
    for name in ("fail_on", "format", "handbook_url"):
        if name == "handbook_url" and os.environ.get(URL_ENV):
            continue  # the person's own setting wins over the team's default
        if hasattr(args, name) and getattr(args, name) is None:
            value = getattr(defaults, name)
            setattr(args, name, value.value if hasattr(value, "value") else value)
    return path, profile


def _origin_rows(adapted: Adapted) -> list[tuple[str, str, str]]:
    """Every setting of the adapted release: its value, and whether it is the base's or local."""
    local = {c.subject for c in adapted.changes if c.kind == "setting"}
    settings = adapted.protocol.release.settings
    return [(name, settings.value_text(name), "local" if name in local else "base")
            for name in Settings.model_fields if name in settings.model_fields_set]


def _show(path: str, streams: Streams, as_json: bool) -> int:
    newest = followed_protocol().release.version
    adapted = local_protocol(newest, path)
    assert adapted is not None
    profile = load_profile(path)
    if as_json:
        write_json({
            "profile": display_name(path), "service": profile.service.name,
            "base_release": profile.base_release, "applied_to": newest,
            "settings": [{"name": n, "value": v, "origin": o} for n, v, o in _origin_rows(adapted)],
            "changes": [vars(c) for c in adapted.changes],
            "targets": dict(profile.targets),
            "conflicts": list(adapted.conflicts)}, streams.out)
        return EXIT_OK
    out = [f"Service profile {display_name(path)}: {profile.service.name}",
           f"written for release {profile.base_release}; applied to release {newest}", "",
           "Settings (value, origin):"]
    out += [f"  {n:<24} {v:<28} {o}" for n, v, o in _origin_rows(adapted)]
    out += ["", "Local changes:"]
    out += [f"  {c.kind:<10} {c.subject:<24} {c.base or '-'} -> {c.local}  ({c.author}: "
            f"{c.rationale})" for c in adapted.changes] or ["  none"]
    out += ["", "Audit targets (percent of measured cases; 100 for every other item):"]
    out += [f"  {item:<10} {target:g}%" for item, target in profile.targets.items()] or [
        "  none: every item's target is 100%"]
    if adapted.conflicts:
        out += ["", "Conflicts:", *(f"  {c}" for c in adapted.conflicts)]
    streams.out.write("\n".join(out) + "\n")
    return EXIT_OK


def _check(path: str, streams: Streams) -> int:
    """Validate the profile and apply it to every release this tool judges by; conflicts
    with the newest published release make the exit status 1 (review before adopting it); a
    draft's are shown, since a draft may change before it is published."""
    newest = followed_protocol().release.version
    status = EXIT_OK
    for r in all_releases():
        try:
            adapted = local_protocol(r.version, path)
        except ProfileError as exc:
            streams.say(f"protocol-checks: release {r.version}: {exc}")
            if r.version == newest:
                return EXIT_BAD_INPUT
            continue
        assert adapted is not None
        for conflict in adapted.conflicts:
            print(f"release {r.version}: {conflict}", file=streams.out)
            if r.version == newest:
                status = EXIT_FINDINGS
    if status == EXIT_OK:
        print(f"{display_name(path)}: a valid profile; it applies to release {newest} without "
              "conflicts", file=streams.out)
    return status


def profile_command(args: argparse.Namespace, streams: Streams) -> int:
    if args.action == "new":
        streams.out.write(starting_profile())
        return EXIT_OK
    try:
        path = (os.path.abspath(args.file) if args.file else find(args, [os.getcwd()]))
        if args.file and not os.path.isfile(args.file):
            raise NoProfile(f"profile {display_name(args.file)} not found")
        if path is None:
            streams.say("protocol-checks: no profile found (give FILE, --profile, or "
                        f"${PROFILE_ENV}; 'protocol-checks profile new' starts one)")
            return EXIT_BAD_INPUT
        load_profile(path)
        if args.action == "check":
            return _check(path, streams)
        local_protocol(followed_protocol().release.version, path)
        return _show(path, streams, args.format == "json")
    except (NoProfile, ProfileError) as exc:
        streams.say(f"protocol-checks: {exc}")
        return EXIT_BAD_INPUT
