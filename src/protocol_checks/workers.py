"""Many files at once: the run over every input, in this process or in forked workers.

Results stream back in input order. ``--jobs auto`` starts one worker per CPU only for inputs
large enough to repay starting them; where the platform cannot fork, everything runs here.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Iterable, Iterator

from protocol_checks.findings import FileResult
from protocol_checks.forked import ordered
from protocol_checks.inputs import STDIN, Settings, check_item, inputs
from protocol_checks.protocol import load_protocol

AUTO = 0
"""``--jobs auto``: one worker per available CPU, for inputs large enough to repay them."""

PARALLEL_FROM = 256
"""With ``--jobs auto``, fewer files than this are checked in this process: starting workers
would cost more than they save."""

_CAN_FORK = hasattr(os, "fork")
"""Whether this platform can fork workers; where it cannot (Windows), everything runs here."""

CHUNK = 64
"""Inputs per task sent to a worker: enough to make each round trip cheap, few enough to keep
every worker busy to the end."""


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


Plan = tuple[Iterator[str | FileResult], int]
"""What a run checks (its inputs, streamed) and how many processes check it."""


def planned(paths: Iterable[str], settings: Settings, jobs: int = 1) -> Plan:
    """The inputs of a run and its number of workers: ``AUTO`` decides from the CPUs and the
    first inputs found (standard input is read once, by this process)."""
    paths = list(paths)
    items = inputs(paths, settings)
    first = list(itertools.islice(items, PARALLEL_FROM)) if jobs == AUTO else []
    workers = 1 if STDIN in paths else worker_count(jobs, len(first))
    return itertools.chain(first, items), workers


def run(paths: Iterable[str], settings: Settings, jobs: int = 1) -> Iterator[FileResult]:
    """Results for every input, streamed, in input order; more than one job uses worker
    processes, and ``AUTO`` decides from the CPUs and the number of files."""
    items, workers = planned(paths, settings, jobs)
    if workers <= 1:
        for item in items:
            yield check_item(item, settings)
        return
    chunks = iter(lambda: list(itertools.islice(items, CHUNK)), [])
    for results in ordered(functools.partial(_checked, settings=settings), chunks, workers,
                           start=load_protocol):
        yield from results


def _checked(items: list[str | FileResult], settings: Settings) -> list[FileResult]:
    """A worker's task: the results of a chunk of inputs."""
    return [check_item(item, settings) for item in items]
