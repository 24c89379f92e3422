"""A result cache for repeated runs over a caseload (``--cache DIR``).

A nightly run over tens of thousands of case files mostly sees files that have not changed. The
cache maps a hash of a file's bytes to the findings it gave, in a cache file named by a
fingerprint of everything else those findings depend on (the version, every module of the
package, the checklists, the size limit, Python and the parser's versions); runs under other
fingerprints keep their own files beside it. It stores the day, rule IDs, messages, JSON paths and
line numbers only: never a file name or a value from a file.

Nothing read back is trusted: each entry is sealed with a key kept in the cache folder (so a
hand-edited or transplanted entry is dropped), and checked against the rule registry (the rule
exists and applies at the stage, the severity and message are its own); links are rebuilt from
the rule. An entry that does not fit is simply checked again. Where the folder may be is decided
by :mod:`protocol_checks.cache_store`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from inspect import isfunction
from pathlib import Path
from types import CodeType, FunctionType, ModuleType

import pydantic_core
import yaml

from protocol_checks import __version__
from protocol_checks.cache_store import CacheError, CacheFolder
from protocol_checks.case import Stage
from protocol_checks.findings import FileResult, Finding, Severity
from protocol_checks.judge import own_message
from protocol_checks.local import local_protocol
from protocol_checks.protocol import Protocol, checklist_dir
from protocol_checks.protocols import protocol_for
from protocol_checks.release import releases_dir
from protocol_checks.rules import REGISTRY, Rule
from protocol_checks.run_checks import case_tag

_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STAGES = frozenset(s.value for s in Stage)
_CLOCK = frozenset({"today", "now", "utcnow"})
_NOT_RESULTS = frozenset({"cli", "commands", "checklist_command", "release_commands", "ledger",
                          "caseload", "reporters", "progress", "output", "sphinxext", "cache",
                          "cache_store"})
"""Modules that present results (a report's timestamp, ``new``'s dates, the governance check's
day, a ledger amendment's date) rather than make them."""
_SETTLING = ("DATA-003", "as_of")
"""The one rule and variant known to read the clock ('as_of' is in the future). Such a finding
may disappear as days pass, but its absence stays true; so only results with it are day-bound."""


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def fingerprint(max_bytes: int, package: Path | None = None, profile: str | None = None) -> str:
    """A short hash of everything a cached result depends on, but the day (kept per entry).

    Every ``.py`` file of the package is hashed, not a list of them, so a new module cannot
    escape; so is the service profile in use, if any (its local settings change findings).
    The handbook URL is not included, as links are rebuilt from the rule on reading.
    """

    package = package or Path(__file__).resolve().parent
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{__version__}\0{max_bytes}\0{sys.version}\0{pydantic_core.__version__}\0"
             f"{yaml.__version__}\0".encode())
    sources = sorted(package.rglob("*.py"))
    data = [*sorted(checklist_dir().glob("*.yaml")), *sorted(releases_dir().glob("*"))]
    for path in [*sources, *data]:
        name = path.relative_to(package).as_posix() if path.is_relative_to(package) else path.name
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    if profile is not None:
        h.update(b"profile\0" + Path(profile).read_bytes())
    return h.hexdigest()


def _reads_clock(code: CodeType) -> bool:
    return bool(_CLOCK.intersection(code.co_names)) or any(
        isinstance(c, CodeType) and _reads_clock(c) for c in code.co_consts)


def _functions(module: ModuleType) -> Iterator[FunctionType]:
    """The functions and methods defined in a module.

    Only looks: nothing in a class's namespace is asked for an attribute, since a pydantic model
    not yet complete (a forward reference) rebuilds itself when its placeholders are touched,
    changing the namespace being read."""
    for obj in list(vars(module).values()):
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        members = list(vars(obj).values()) if isinstance(obj, type) else [obj]
        for member in members:
            if isinstance(member, property):
                member = member.fget
            elif isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isfunction(member):
                yield member


def rules_clock() -> tuple[date, bool]:
    """Today as the rules see it (through their module's ``date``), and whether DATA-003's check
    is the only function reading the clock in the modules results come from. When it is not (a
    new date-dependent rule), every entry is kept for its day only, until it is understood here."""
    readers = {f for n, m in sorted(sys.modules.items())
               if n.startswith("protocol_checks.") and n.split(".")[1] not in _NOT_RESULTS
               for f in _functions(m) if _reads_clock(f.__code__)}
    settling = REGISTRY.get(_SETTLING[0])
    clocks = [c for f in sorted(readers, key=lambda f: f.__qualname__)
              if isinstance(c := f.__globals__.get("date"), type) and issubclass(c, date)]
    return (clocks[0] if clocks else date).today(), (
        settling is not None and readers == {settling.check})


class ResultCache:
    """Results by content hash; read once at start, merged into the folder at the end."""

    def __init__(self, folder: str | os.PathLike[str], inputs: Iterable[str] = (), *,
                 max_bytes: int, today: date | None = None, profile: str | None = None) -> None:
        self.store = CacheFolder(folder, inputs)
        self.profile = profile
        self.fingerprint = fingerprint(max_bytes, profile=profile)
        self.name = f"results-{self.fingerprint}.json"
        day, self.settles = rules_clock()
        self.day = (today or day).isoformat()
        self.entries = self.store.read_entries(self.name)
        self.new: dict[str, str] = {}

    digest = staticmethod(digest)

    def _seal(self, key: str, text: str) -> str:
        data = f"{self.fingerprint}\0{key}\0{text}".encode()
        return hashlib.blake2b(data, digest_size=16, key=self.store.key).hexdigest()

    def _sealed(self, key: str, entry: str) -> str | None:
        """The entry's text if its seal is this folder's for this file hash, else None."""
        seal, _, text = entry.partition(":")
        return text if seal == self._seal(key, text) else None

    def get(self, name: str, key: str, profile: str | None = None) -> FileResult | None:
        """The cached result for a file with this hash, or None: absent, or not trusted."""
        entry = self.entries.get(key)
        text = self._sealed(key, entry) if entry is not None else None
        if text is None:
            return None
        try:
            return self._decode(name, json.loads(text), profile)
        except (TypeError, ValueError, KeyError):
            return None  # a damaged entry is simply checked again

    def _decode(self, name: str, entry: list, profile: str | None) -> FileResult | None:
        day, stage, release, rows, tag = entry
        if not isinstance(day, str) or day > self.day or stage not in _STAGES:
            return None  # made on a later day than today (the clock went back), or damaged
        if day != self.day and not self.settles:
            return None
        protocol = (None if not isinstance(release, str) else protocol_for(release)
                    if profile is None else _local(release, profile))
        if protocol is None:
            return None  # a release this tool no longer judges by
        at = Stage(stage)
        findings = []
        for rule_id, severity, message, path, line, waived, deviation in rows:
            rule = protocol.rules[rule_id]  # KeyError: not a rule of this protocol
            own = own_message(rule, message, protocol.items)
            if (severity != rule.severity.value or own is None
                    or not rule.applies_at(at) or not _fits(path, line, waived, deviation)
                    or (waived and rule.severity is Severity.error)
                    or (deviation and not _past_event(rule, message))):
                return None
            if day != self.day and rule.id == _SETTLING[0] and message == rule.variants.get(
                    _SETTLING[1]):
                return None  # 'as_of' was in the future on an earlier day; it may not be today
            findings.append(Finding(rule.id, rule.severity, own,
                                    tuple(path), line, waived, deviation,
                                    protocol.local.get(rule.id, ())))
        return FileResult(name, findings=findings, stage=at.value, release=release,
                          case_tag=bytes.fromhex(tag) if isinstance(tag, str) else None)

    def put(self, key: str, result: FileResult) -> None:
        """Keep a fresh result; unreadable files are not kept (their messages are not fixed
        sentences a rule owns, so they could not be checked on reading)."""
        if result.problems or result.stage is None or key in self.new:
            return
        tag = case_tag(result.case_id, self.store.key).hex() if result.case_id else None
        text = json.dumps([self.day, result.stage, result.release, [
            [f.rule_id, f.severity.value, f.message, list(f.path), f.line, f.waived, f.deviation]
            for f in result.findings], tag], separators=(",", ":"))
        self.new[key] = f"{self._seal(key, text)}:{text}"

    def save(self) -> str | None:
        """Merge this run's new results into the cache file, under the folder's lock (so
        concurrent runs keep each other's), and prune the tool's own old files. Returns a
        warning instead of raising: a cache not saved costs the next run time, not this one."""
        if not self.new:
            return None
        try:
            with self.store.locked():
                merged = {k: v for k, v in self.store.read_entries(self.name).items()
                          if self._sealed(k, v) is not None}
                merged.update(self.new)
                self.store.write_entries(self.name, merged)
                self.store.prune(keep=self.name)
        except CacheError as exc:
            return f"the results were not cached: {exc}"
        except OSError as exc:
            return f"the results were not cached: cannot write to {self.store.path}: " \
                   f"{exc.strerror or type(exc).__name__}"
        self.new.clear()
        return None


def _past_event(rule: Rule, message: str) -> bool:
    """Whether ``message`` is one of the error rule's past-event messages (which alone a
    recorded deviation can settle)."""
    if rule.severity is not Severity.error:
        return False
    variant = None if message == rule.message else next(
        (k for k, v in rule.variants.items() if v == message), None)
    return variant in rule.past_events


def _local(release: str, profile: str) -> Protocol | None:
    """The release under the service profile the cache was opened with."""
    adapted = local_protocol(release, profile)
    return adapted.protocol if adapted is not None else None


def _fits(path: object, line: object, waived: object, deviation: object) -> bool:
    """A JSON path of field names and indexes, a line number or none, and two flags: nothing
    else."""
    return (isinstance(path, list)
            and all((type(p) is int and p >= 0) or (isinstance(p, str) and _PART.fullmatch(p))
                    for p in path)
            and (line is None or (type(line) is int and line >= 1))
            and type(waived) is bool and type(deviation) is bool)
