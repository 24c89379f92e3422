"""The forked workers (:mod:`protocol_checks.forked`): results in task order whatever finishes
first, a worker's exception raised in the caller, a killed worker reported rather than waited
for, tasks read only as needed, and no worker left behind however the caller stops."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import time

import pytest

from protocol_checks import forked
from protocol_checks.forked import WorkerLost, ordered

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")

_STARTED: list[int] = []


def _slow_for_small(n: int) -> int:
    time.sleep(0.002 * (5 - n % 5))  # early tasks finish last
    return n * n


def _no_workers_left() -> bool:
    return not multiprocessing.active_children()


def test_results_come_in_task_order_from_every_worker() -> None:
    def work(n: int) -> tuple[int, int]:
        return _slow_for_small(n), os.getpid()

    results = list(ordered(work, range(40), workers=3))
    assert [square for square, _ in results] == [n * n for n in range(40)]
    pids = {pid for _, pid in results}
    assert len(pids) == 3 and os.getpid() not in pids
    assert _no_workers_left()


def test_start_runs_once_in_each_worker_before_its_tasks() -> None:
    def start() -> None:
        _STARTED.append(os.getpid())

    def work(_: int) -> list[int]:
        return list(_STARTED)

    seen = list(ordered(work, range(12), workers=2, start=start))
    assert all(len(started) == 1 for started in seen)  # once per worker, before any task
    assert len({started[0] for started in seen}) == 2
    assert _STARTED == []  # never in the caller's process


def test_no_tasks_no_results() -> None:
    assert list(ordered(abs, [], workers=2)) == []
    assert _no_workers_left()


def test_an_exception_in_a_worker_is_raised_in_the_caller() -> None:
    def work(n: int) -> int:
        if n == 7:
            raise ValueError("task seven")
        return n

    got = []
    with pytest.raises(ValueError, match="task seven"):
        for value in ordered(work, range(20), workers=2):
            got.append(value)
    assert got == list(range(7))  # everything before it, in order
    assert _no_workers_left()


def test_a_worker_killed_from_outside_is_reported_not_waited_for() -> None:
    def work(n: int) -> int:
        if n == 5:
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return n

    started = time.monotonic()
    with pytest.raises(WorkerLost):
        list(ordered(work, range(30), workers=2))
    assert time.monotonic() - started < 30
    assert _no_workers_left()


def test_tasks_are_read_as_needed_and_closing_ends_the_workers() -> None:
    read = []

    def tasks():
        for n in itertools.count():
            read.append(n)
            yield n

    results = ordered(abs, tasks(), workers=2)
    first = list(itertools.islice(results, 5))
    assert first == [0, 1, 2, 3, 4]
    assert len(read) <= 5 + 2 * forked.WINDOW  # a few ahead, never the whole stream
    results.close()
    assert _no_workers_left()


def test_workers_ignore_ctrl_c_which_is_the_callers_to_handle() -> None:
    def work(_: int) -> bool:
        return signal.getsignal(signal.SIGINT) is signal.SIG_IGN

    assert all(ordered(work, range(4), workers=2))
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # the caller's is unchanged
