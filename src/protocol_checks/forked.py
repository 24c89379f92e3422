"""Forked worker processes that work through tasks and hand back the results in task order.

``multiprocessing.Pool`` did this job before; measured on two CPUs it cost more than it should,
in three ways. Its three helper threads in the parent took about 15 µs of CPU per file (its
worker-handler thread wakes again and again while a result waits unread in the pipe), time taken
from the workers on the same cores; a worker killed from outside left its tasks waiting for ever;
and Ctrl-C printed a traceback from every worker. Here the parent runs no helper thread: it keeps
each worker :data:`AHEAD` tasks ahead, waits on their pipes and yields the results in order. A
worker that dies is reported (:class:`WorkerLost`), and Ctrl-C is the parent's to handle: it
ends the workers, which ignore it.
"""

from __future__ import annotations

import collections
import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

AHEAD = 2
"""Tasks given to each worker before it returns a result: one to work on and one waiting, so
a worker never idles while the parent writes what came back."""

WINDOW = 4
"""Tasks per worker that may be out (sent, or done and waiting for an earlier one) at once."""

_STOP_WAITING = 5.0
"""Seconds the parent waits for a worker to end on its own before ending it."""

_LOST = "a worker process ended before returning its results; the run is incomplete"

_NO_MORE = object()
"""What ``next`` returns here once every task has been sent."""


class WorkerLost(RuntimeError):
    """A worker process ended before returning a result (killed from outside, out of memory)."""


def ordered(work: Callable[[Task], Result], tasks: Iterable[Task], workers: int,
            start: Callable[[], None] = lambda: None) -> Iterator[Result]:
    """``work(task)`` for every task, computed in ``workers`` forked processes (each runs
    ``start()`` once first) and yielded in the order of ``tasks``, which are read as needed.

    The functions are inherited through ``fork``, not pickled; tasks and results are. An
    exception raised by ``work`` is raised here, in its task's place. However the caller
    stops (done, an error, the generator closed, SIGTERM's ``SystemExit``), no worker
    outlives the generator."""
    context = multiprocessing.get_context("fork")
    ends: list[Connection] = []
    processes: list[multiprocessing.process.BaseProcess] = []
    try:
        for _ in range(workers):
            mine, theirs = context.Pipe()
            ends.append(mine)
            # The child closes every parent end it inherits, so that each worker's pipe ends
            # (and the parent sees it end) when that worker does.
            process = context.Process(target=_serve, args=(theirs, list(ends), start, work),
                                      daemon=True)
            process.start()
            theirs.close()
            processes.append(process)
        yield from _in_order(iter(tasks), ends)
        for end in ends:
            end.close()  # the workers read the end of their pipe and exit
        for process in processes:
            process.join(_STOP_WAITING)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join()
        for end in ends:
            end.close()


def _in_order(tasks: Iterator[Task], ends: list[Connection]) -> Iterator[Result]:
    """Send tasks as the workers take them and yield each result once all before it are in.

    At most :data:`WINDOW` tasks per worker are out at once, counted from the oldest result not
    yet yielded: a worker that stalls holds up the others' next tasks, not the caller's memory."""
    sent_to: dict[Connection, collections.deque[int]] = {end: collections.deque()
                                                         for end in ends}
    arrived: dict[int, tuple[bool, Any]] = {}  # (succeeded, the result or the exception)
    count = yielded = 0
    window = WINDOW * len(ends)
    more = True

    def top_up() -> None:
        nonlocal count, more
        for end in ends:
            while more and len(sent_to[end]) < AHEAD and count - yielded < window:
                task = next(tasks, _NO_MORE)
                if task is _NO_MORE:
                    more = False
                    return
                try:
                    end.send(task)
                except OSError:  # the worker is gone (a broken pipe)
                    raise WorkerLost(_LOST) from None
                sent_to[end].append(count)
                count += 1

    top_up()
    while yielded < count:
        for end in wait([end for end in ends if sent_to[end]]):
            assert isinstance(end, Connection)
            try:
                reply = end.recv()
            except (EOFError, OSError):
                raise WorkerLost(_LOST) from None
            arrived[sent_to[end].popleft()] = reply
        while yielded in arrived:
            succeeded, value = arrived.pop(yielded)
            if not succeeded:
                raise value  # in its place: every result before it has been yielded
            yield value
            yielded += 1
        top_up()


def _serve(end: Connection, inherited: list[Connection], start: Callable[[], None],
           work: Callable[[Task], Result]) -> None:
    """A worker: results for tasks until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and ends us
    for other in inherited:
        other.close()
    start()
    while True:
        try:
            task = end.recv()
        except EOFError:
            return
        try:
            reply: tuple[bool, object] = (True, work(task))
        except Exception as exc:  # a defect: the parent raises it, as the caller's own
            reply = (False, exc)
        try:
            end.send(reply)
        except (BrokenPipeError, ConnectionResetError):
            return  # the parent has stopped listening
        except Exception as exc:  # an error that cannot be pickled: named, not lost
            end.send((False, RuntimeError(f"{type(exc).__name__} in a worker process")))
