"""Run the rules a case's stage calls for, and turn inputs into results.

The core of the validator: callable without the command line, prints nothing, raises nothing for
bad input (bad input becomes an :class:`InputProblem` on the file's result).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocol_checks.case import CaseFile
from protocol_checks.findings import FileResult, Finding, InputProblem, Severity, json_path
from protocol_checks.identifiers import name_problem
from protocol_checks.loader import MAX_BYTES, Loaded, parse, read_bytes
from protocol_checks.locate import PathLines
from protocol_checks.protocol import Protocol, load_protocol
from protocol_checks.status import all_statuses

if TYPE_CHECKING:
    from protocol_checks.cache import ResultCache

RULES_PAGE = "reference/rules.html"
"""Where the rule catalogue lives in the built handbook, relative to its root."""

URL_ENV = "PROTOCOL_CHECKS_HANDBOOK_URL"
STDIN = "-"


def handbook_base(explicit: str | None = None) -> str:
    """The handbook's base URL: the option, else the environment, else relative links.

    Only http(s), file and relative bases are accepted: every report turns the base into links,
    and a ``javascript:`` one would be live in a reader's browser. The URL is not repeated in
    the error (it may hold anything).
    """
    from protocol_checks.names import UnsafeHandbookURL, safe_link_base

    base = explicit if explicit is not None else os.environ.get(URL_ENV, "")
    if base and not safe_link_base(base):
        raise UnsafeHandbookURL(f"--handbook-url (or ${URL_ENV}) must be an http(s) or file URL, "
                                "or a relative path, without spaces or control characters")
    return base if not base or base.endswith("/") else base + "/"


@dataclass(frozen=True)
class Settings:
    handbook_url: str = ""
    max_bytes: int = MAX_BYTES
    item_statuses: bool = False
    """Also mark every checklist item for each case (the caseload report counts them)."""


def check_case(case: CaseFile, protocol: Protocol, base: str = "") -> list[Finding]:
    """Every finding for ``case``, judged at its stage, with waivers applied (no lines yet)."""
    waivers: dict[str, list[str | None]] = {}
    for w in case.waivers:
        waivers.setdefault(w.rule, []).append(w.path)
    findings = []
    for rule, check in protocol.rules_at(case.effective_stage):
        for breach in check(case):  # most rules find nothing: that path stays short
            scopes = waivers.get(rule.id) if rule.severity is not Severity.error else None
            path = breach.path
            findings.append(Finding(
                rule_id=rule.id, severity=rule.severity, path=path,
                message=rule.message if breach.variant is None else rule.variants[breach.variant],
                url=f"{base}{RULES_PAGE}#{rule.anchor}",
                waived=scopes is not None and _covered(json_path(path), scopes),
            ))
    return findings


def _covered(where: str, scopes: list[str | None]) -> bool:
    """Whether a waiver scope (None: the whole case) covers the finding at ``where``."""
    return any(scope is None or where == scope or where.startswith((scope + ".", scope + "["))
               for scope in scopes)


def result_for(name: str, loaded: Loaded, protocol: Protocol, base: str,
               items: bool = False) -> FileResult:
    """Findings located to lines (only when there are findings), or the input's problems;
    with ``items``, each checklist item's status as well."""
    if loaded.case is None:
        return FileResult(name, problems=loaded.problems)
    try:
        findings = check_case(loaded.case, protocol, base)
        statuses = tuple((item_id, status.value) for item_id, status in
                         all_statuses(loaded.case, findings, protocol)) if items else ()
    except Exception:  # a defect in a rule must not crash a whole caseload run
        return FileResult(name, problems=[InputProblem(
            "internal error while applying the rules to this file; please report it "
            "(the file itself may be fine)")])
    if findings and loaded.text is not None:
        located = PathLines(loaded.text)
        findings = [
            Finding(f.rule_id, f.severity, f.message, f.path, f.url, located.line_of(f.path),
                    f.waived)
            for f in findings
        ]
        findings.sort(key=lambda f: (f.line or 0, f.rule_id, f.json_path))
    return FileResult(name, findings=findings, stage=loaded.case.stage.value, items=statuses)


def name_findings(result: FileResult, base: str = "") -> FileResult:
    """``result`` with PRIV-002's finding added when the file's name looks like it holds an
    NHS number or a name (the name is not in the finding: the file's own line names it)."""
    kind = name_problem(result.name) if not result.unreadable else None
    if kind is None:
        return result
    rule = load_protocol().rules["PRIV-002"]
    finding = Finding(rule.id, rule.severity, rule.variants[f"file_name_{kind}"], (),
                      f"{base}{RULES_PAGE}#{rule.anchor}")
    return dataclasses.replace(result, findings=[finding, *result.findings])


def check_bytes(name: str, data: bytes, settings: Settings) -> FileResult:
    if len(data) > settings.max_bytes:
        return FileResult(name, problems=[InputProblem(
            f"input is larger than the limit of {settings.max_bytes:,} bytes (see --max-bytes)")])
    return result_for(name, parse(data), load_protocol(), handbook_base(settings.handbook_url),
                      settings.item_statuses)


def check_path(name: str, settings: Settings) -> FileResult:
    """Check one file (or ``-`` for standard input)."""
    if name == STDIN:
        data = sys.stdin.buffer.read(settings.max_bytes + 1)
        return check_bytes("<stdin>", data, settings)
    data, problem = read_bytes(name, settings.max_bytes)
    if problem is not None:
        return FileResult(name, problems=[problem])
    assert data is not None
    base = handbook_base(settings.handbook_url)
    if _CACHE is None:
        return result_for(name, parse(data), load_protocol(), base, settings.item_statuses)
    from protocol_checks.cache import digest

    key = digest(data)
    # The cache holds findings, not item statuses: a run that needs statuses checks afresh.
    cached = None if settings.item_statuses else _CACHE.get(name, key)
    if cached is not None:
        return cached
    result = result_for(name, parse(data), load_protocol(), base, settings.item_statuses)
    result.digest = key
    return result


_CACHE: ResultCache | None = None
"""The result cache for this process, if any: set before worker processes are forked, so that
they inherit it read-only; new results travel back to the parent, which stores them."""


def use_cache(cache: ResultCache | None) -> None:
    global _CACHE
    _CACHE = cache


def expand(paths: Iterable[str]) -> Iterator[str | FileResult]:
    """Files to check, in a stable order: folders are walked for ``*.json``; symlinked folders
    are not followed (no loops). A folder with no JSON yields a problem, not silence; so does
    every folder that cannot be read, by name, since its cases would otherwise pass unchecked."""
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
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".json"):
                    found = True
                    yield os.path.join(root, name)
        if not found and not failed:
            yield FileResult(path, problems=[InputProblem("folder holds no .json files")])


def _check_item(item: str | FileResult, settings: Settings) -> FileResult:
    return item if isinstance(item, FileResult) else check_path(item, settings)


_WORKER_SETTINGS = Settings()


def _start_worker(settings: Settings) -> None:
    """Receive the run's settings once per worker (not once per file) and load the protocol."""
    global _WORKER_SETTINGS
    _WORKER_SETTINGS = settings
    load_protocol()


def _worker(item: str | FileResult) -> FileResult:
    return _check_item(item, _WORKER_SETTINGS)


AUTO = 0
"""``--jobs auto``: one worker per available CPU, for inputs large enough to repay them."""

PARALLEL_FROM = 256
"""With ``--jobs auto``, fewer files than this are checked in this process: starting workers
would cost more than they save."""


_CAN_FORK = hasattr(os, "fork")
"""Whether this platform can fork workers; where it cannot (Windows), everything runs here."""


def available_cpus() -> int:
    """CPUs this process may run on (its affinity, which containers and ``taskset`` narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(jobs: int, files_at_least: int) -> int:
    """Worker processes for a run: ``jobs`` as asked, or for ``AUTO`` one per CPU once there
    are at least :data:`PARALLEL_FROM` files (1 means: no workers, check in this process).
    Without ``fork`` every run is in this process, whatever was asked."""
    if not _CAN_FORK:
        return 1  # workers are forked (they inherit the loaded protocol and the cache)
    if jobs != AUTO:
        return jobs
    return available_cpus() if files_at_least >= PARALLEL_FROM else 1


def run(paths: Iterable[str], settings: Settings, jobs: int = 1) -> Iterator[FileResult]:
    """Results for every input, streamed, in input order; more than one job uses worker
    processes, and ``AUTO`` decides from the CPUs and the number of files."""
    paths = list(paths)
    items = expand(paths)
    first = list(itertools.islice(items, PARALLEL_FROM)) if jobs == AUTO else []
    workers = worker_count(jobs, len(first))
    items = itertools.chain(first, items)
    if workers <= 1 or STDIN in paths:  # standard input is read once, by this process
        for item in items:
            yield _check_item(item, settings)
        return
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker,
                                                  initargs=(settings,)) as pool:
        yield from pool.imap(_worker, items, chunksize=64)
