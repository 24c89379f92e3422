"""Inputs to results: files and folders to check, their bytes, and the result cache.

Folders are walked in a stable order; every file or folder that cannot be read becomes an input
problem naming it, never a silent skip. The cache (``--cache``) is installed here before worker
processes are forked, so they inherit it read-only; new results travel back to the parent,
which stores them.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import itertools
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from protocol_checks.findings import FileResult, InputProblem
from protocol_checks.identifiers import name_problem
from protocol_checks.judge import result_for
from protocol_checks.loader import MAX_BYTES, parse, read_bytes
from protocol_checks.local import unusable
from protocol_checks.profile import PROFILE_NAME, discover, profile_tag

if TYPE_CHECKING:  # the cache module imports this one's neighbours; only its type is needed
    from protocol_checks.cache import ResultCache

STDIN = "-"


@dataclass(frozen=True)
class Settings:
    """What a run's results depend on, apart from the files themselves."""

    handbook_url: str = ""
    max_bytes: int = MAX_BYTES
    item_statuses: bool = False
    """Also mark every checklist item for each case (the caseload report counts them)."""
    release: str | None = None
    """Judge every case by this protocol release instead of the one it declares (a preview)."""
    profile: str | None = None
    """The service profile file the cases are judged under (its absolute path), if any."""
    exclude: tuple[str, ...] = ()
    """Glob patterns of paths under a folder argument that the walk skips (a profile's)."""
    nested_profiles: bool = True
    """False for a run that must judge every case by one profile (the caseload report, whose
    item counts need one protocol): a folder below with a profile of its own is reported
    and left unchecked, never judged by the wrong profile."""
    discover: bool = False
    """Judge each case by its own nearest profile (``validate`` when no profile is named), as
    ruff finds each file's configuration."""

    @property
    def cacheable(self) -> bool:
        """The cache holds findings under the declared release: previews and item statuses
        are checked afresh."""
        return not self.item_statuses and self.release is None


def check_bytes(name: str, data: bytes, settings: Settings) -> FileResult:
    if len(data) > settings.max_bytes:
        return FileResult(name, problems=[InputProblem(
            f"input is larger than the limit of {settings.max_bytes:,} bytes (see --max-bytes)")])
    return result_for(name, parse(data), settings.item_statuses, settings.release,
                      settings.profile)


class Job(NamedTuple):
    """A file to check under the service profile that governs it (found per file)."""

    path: str
    profile: str | None


def check_path(name: str, settings: Settings) -> FileResult:
    """Check one file (or ``-`` for standard input)."""
    if name == STDIN:
        data = sys.stdin.buffer.read(settings.max_bytes + 1)
        return check_bytes("<stdin>", data, settings)
    data, problem = read_bytes(name, settings.max_bytes)
    if problem is not None:
        return FileResult(name, problems=[problem])
    assert data is not None
    if _CACHE is None or not settings.cacheable:
        return result_for(name, parse(data), settings.item_statuses, settings.release,
                          settings.profile)
    # The file's name is judged too (PRIV-002), so what the name looks like is in the key.
    key = f"{_CACHE.digest(data)}:{name_problem(name) or ''}"
    if settings.profile is not None:  # the same file judged under another profile differs
        key += f":{profile_tag(settings.profile)}"
    cached = _CACHE.get(name, key, settings.profile)
    if cached is not None:
        return cached
    result = result_for(name, parse(data), profile=settings.profile)
    result.digest = key
    return result


_CACHE: ResultCache | None = None
"""The result cache for this process, if any (see the module docstring)."""


def use_cache(cache: ResultCache | None) -> None:
    global _CACHE
    _CACHE = cache


def _excluded(relative: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(relative, p) or fnmatch.fnmatchcase(relative + "/", p)
               for p in patterns)


def _hidden(name: str) -> bool:
    """A dot-file or dot-folder: tool settings and version control, never a case file."""
    return name.startswith(".")


def _governed(paths: Iterable[str], exclude: tuple[str, ...]) -> Iterator[Job | FileResult]:
    """Every file to check with the nearest profile above it; a profile that cannot be used is
    reported once, with its problems, and the files it governs are not checked."""
    refused: set[str] = set()
    problems: dict[str, str | None] = {}  # each profile checked once per run, not per file
    for item in expand(paths, exclude):
        if isinstance(item, FileResult):
            yield item
            continue
        if item == STDIN:
            yield Job(item, discover(os.getcwd()))
            continue
        profile = _nearest(os.path.dirname(item) or ".")
        if profile is None:
            yield item  # most repositories have no profile: a plain path costs nothing more
            continue
        if profile not in problems:
            problems[profile] = unusable(profile)
        if (problem := problems[profile]) is not None:
            if profile not in refused:
                refused.add(profile)
                yield FileResult(profile, problems=[InputProblem(
                    "this service profile cannot be used, so the cases under it were not "
                    f"checked: {problem}")])
            continue
        yield Job(item, profile)


@functools.cache
def _nearest(folder: str) -> str | None:
    """The nearest profile for files in ``folder`` (one lookup per folder, not per file)."""
    return discover(os.path.join(folder, "x.json"))


def expand(paths: Iterable[str], exclude: tuple[str, ...] = (),
           nested_profiles: bool = True) -> Iterator[str | FileResult]:
    """Files to check, in a stable order: folders are walked for ``*.json``; symlinked folders
    are not followed (no loops). A folder with no JSON yields a problem, not silence; so does
    every folder that cannot be read, by name, since its cases would otherwise pass unchecked.
    Hidden files and folders (``.vscode/``, ``.git/``) under a folder are skipped, as git and
    linters skip them: editor settings are not case files. Paths under a folder that match an
    ``exclude`` glob (relative to that folder, with ``/``) are skipped too; a file or folder
    named on the command line is always checked, hidden or not."""
    for path in paths:
        if path == STDIN or not os.path.isdir(path):
            yield path
            continue
        found = failed = False
        errors: list[OSError] = []
        # The walk reports a folder it cannot list through ``onerror`` while moving on to the
        # next; the trailing None collects any reported after the last folder it yields.
        for step in itertools.chain(os.walk(path, onerror=errors.append), [None]):
            for exc in errors:
                failed = True
                reason = (os.strerror(exc.errno) if exc.errno else "") or "unknown error"
                yield FileResult(exc.filename or path, problems=[InputProblem(
                    f"cannot read folder: {reason}; the files in it were not checked")])
            errors.clear()
            if step is None:
                break
            root, dirs, files = step
            if not nested_profiles and root != path and PROFILE_NAME in files:
                dirs[:] = []
                failed = True
                yield FileResult(os.path.join(root, PROFILE_NAME), problems=[InputProblem(
                    "this folder has a service profile of its own, so its cases were not "
                    "checked under the profile of this run; check it in a run of its own")])
                continue
            where = os.path.relpath(root, path).replace(os.sep, "/")
            where = "" if where == "." else where + "/"
            dirs[:] = sorted(d for d in dirs
                             if not _hidden(d) and not _excluded(where + d, exclude))
            for name in sorted(files):
                if (name.endswith(".json") and not _hidden(name)
                        and not _excluded(where + name, exclude)):
                    found = True
                    yield os.path.join(root, name)
        if not found and not failed:
            yield FileResult(path, problems=[InputProblem("folder holds no .json files")])


def check_item(item: str | Job | FileResult, settings: Settings) -> FileResult:
    """A file's result, or the problem ``expand`` already found."""
    if isinstance(item, Job):
        return check_path(item.path, _under(settings, item.profile))
    return item if isinstance(item, FileResult) else check_path(item, settings)


@functools.lru_cache(maxsize=64)
def _under(settings: Settings, profile: str | None) -> Settings:
    """The run's settings with the case's own profile (made once per profile, not per file)."""
    return dataclasses.replace(settings, profile=profile)


def inputs(paths: Iterable[str], settings: Settings) -> Iterator[str | Job | FileResult]:
    """What a run checks: each file with the profile found for it, or all under one."""
    if settings.discover:
        _nearest.cache_clear()  # profiles may have been added or moved since the last run
        return _governed(paths, settings.exclude)
    return expand(paths, settings.exclude, settings.nested_profiles)
