"""Where reports are written: standard output, or a file replaced atomically.

A report file is written beside its target and renamed into place only when complete, so an
interrupted run never leaves half a report; and it may never be one of the inputs, nor a JSON file
inside a folder being checked (it would be read as a case file, or destroy one).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from typing import TextIO


class OutputClash(Exception):
    """The output would overwrite, or be read as, an input."""


def _same(path: str, other: str) -> bool:
    """Same file, as the file system sees it (so ``A.JSON`` is ``a.json`` where case is folded)."""
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False


def _within(target: str, folder: str) -> bool:
    """Whether ``target`` lies under ``folder``, judged by path and by each existing ancestor."""
    if target.startswith(folder.rstrip(os.sep) + os.sep):
        return True
    parent, up = os.path.dirname(target), target
    while parent != up:
        if _same(parent, folder):
            return True
        parent, up = os.path.dirname(parent), parent
    return False


def check_clash(output: str, inputs: Iterable[str]) -> None:
    target = os.path.realpath(output)
    # The suffix is compared without case: on a case-insensitive file system ``X.JSON`` can
    # replace the input ``x.json``.
    as_case_file = target.lower().endswith(".json")
    exists = os.path.exists(target)
    for name in inputs:
        if name == "-" or not os.path.exists(name):
            continue
        source = os.path.realpath(name)
        if os.path.isdir(source):
            if as_case_file and _within(target, source):
                raise OutputClash("the output file lies inside a folder being checked and would "
                                  "be read as a case file; write it elsewhere")
        elif target == source or (exists and _same(target, source)):
            raise OutputClash("the output file is one of the inputs; it would be overwritten")


@contextlib.contextmanager
def opened(path: str | None, inputs: Iterable[str] = ()) -> Iterator[TextIO]:
    """Standard output for None or '-', else a file that appears only once complete."""
    if path is None or path == "-":
        yield sys.stdout
        return
    check_clash(path, inputs)
    if os.path.exists(path) and not os.path.isfile(path):
        # A device, FIFO or the like (/dev/null, /dev/stdout): write to it, never replace it.
        with open(path, "w", encoding="utf-8", errors="backslashreplace") as handle:
            yield handle
        return
    with atomic_write(path, errors="backslashreplace") as handle:
        yield handle


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], errors: str = "strict") -> Iterator[TextIO]:
    """A UTF-8 text file that appears at ``path`` only once complete: written to a hidden
    ``.NAME.*.part`` beside it (readable by its owner only) and renamed into place, so a reader
    never sees half of it and a failure leaves the previous file as it was. Reports and the
    result cache both write through this."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                                dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors=errors) as handle:
            yield handle
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


TERMINATED = 128 + signal.SIGTERM
"""The exit status after SIGTERM, as a shell reports a process it ended."""


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While inside, SIGTERM raises ``SystemExit`` in this process, so the ``finally`` and
    ``except`` blocks that remove a partial report run (by default SIGTERM ends the process at
    once and leaves the hidden ``.part`` file behind). A second SIGTERM during that cleanup is
    ignored; forked workers die of it as usual. The previous handler is restored on the way out.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; there SIGTERM keeps its default
        return
    owner = os.getpid()
    fired = False

    def handler(signum: int, frame: object) -> None:
        nonlocal fired
        if os.getpid() != owner:  # a forked worker inherited this: end as SIGTERM would
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if not fired:
            fired = True
            raise SystemExit(TERMINATED)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
