"""Where reports are written: standard output, or a file replaced atomically.

A report file is written beside its target and renamed into place only when complete, so an
interrupted run never leaves half a report; and it may never be one of the inputs, nor a JSON file
inside a folder being checked (it would be read as a case file, or destroy one).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
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
def opened(path: str | None, inputs: Iterable[str] = (),
           stdout: TextIO | None = None) -> Iterator[TextIO]:
    """``stdout`` (the command's output stream) for None or '-', else a file that appears only
    once complete."""
    if path is None or path == "-":
        yield stdout if stdout is not None else sys.stdout
        return
    check_clash(path, inputs)
    if os.path.exists(path) and not os.path.isfile(path):
        # A device, FIFO or the like (/dev/null, /dev/stdout): write to it, never replace it.
        with open(path, "w", encoding="utf-8", errors="backslashreplace") as handle:
            yield handle
        return
    with atomic_write(path, errors="backslashreplace") as handle:
        yield handle


def write_json(obj: object, out: TextIO) -> None:
    """JSON as the commands print it: indented, UTF-8 kept readable."""
    out.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (setting it, even
    briefly, would race with files other threads create)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], errors: str = "strict",
                 private: bool = False) -> Iterator[TextIO]:
    """A UTF-8 text file that appears at ``path`` only once complete: written to a hidden
    ``.NAME.*.part`` beside it and renamed into place, so a reader never sees half of it and a
    failure leaves the previous file as it was. Reports get the user's umask (``0666 & ~umask``),
    as any other tool's output would; ``private`` keeps the file its owner's only (0600), as the
    result cache promises."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                                dir=folder)  # 0600 while it is written, whatever it becomes
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors=errors) as handle:
            yield handle
        if not private:
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


TERMINATED = 128 + signal.SIGTERM
"""The exit status after SIGTERM, as a shell reports a process it ended."""

GRACE = 5.0
"""Seconds the cleanup after SIGTERM may take before it is pushed on. When the signal went to
the whole process group, a worker it killed can leave the pool's locks held, and the pool's
shutdown would wait for them forever: the main thread is then interrupted once more (so the
partial file is still removed), and after as long again the process ends regardless."""

_STATE: dict[str, object] = {"owner": None, "terminating": False, "escalate": False}
"""The process inside :func:`terminate_cleanly` (its forks must not inherit the handler),
whether SIGTERM has arrived, and whether the watchdog asks the handler to interrupt again."""


def _owning() -> bool:
    return _STATE["owner"] == os.getpid()


def _block_before_fork() -> None:
    if _owning():  # no SIGTERM may slip in while the child is still ours in part
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})


def _unblock_in_parent() -> None:
    if _owning():
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _default_in_child() -> None:
    """A forked worker dies of SIGTERM at once, as it would without us; one forked after the
    signal (a pool replacing workers the signal killed) ends at once instead of being orphaned."""
    if _STATE["owner"] is None:
        return
    if _STATE["terminating"]:
        os._exit(TERMINATED)
    _STATE["owner"] = None
    signal.set_wakeup_fd(-1)  # the parent's, not ours: close our copies, so it sees the end
    for fd in _STATE.pop("pipe", ()):  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):
            os.close(fd)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_block_before_fork, after_in_parent=_unblock_in_parent,
                        after_in_child=_default_in_child)


def _forward(reader: int, main: int) -> None:
    """Pass SIGTERM on to the main thread. The kernel may deliver it to any thread, and only a
    signal to the main thread interrupts its wait there (for a worker's result, say), so without
    this the handler could wait forever to run. Ends when the pipe is closed."""
    try:
        while data := os.read(reader, 64):
            if signal.SIGTERM in data and not _STATE["terminating"]:
                signal.pthread_kill(main, signal.SIGTERM)
                time.sleep(0.01)  # the handler now runs; no need to spin while it starts
    finally:
        os.close(reader)


def _give_up() -> None:
    """The cleanup is stuck for good: end the workers and this process without waiting."""
    import multiprocessing  # only on a stuck shutdown; every command imports this module

    with contextlib.suppress(Exception):
        for child in multiprocessing.active_children():
            child.kill()
    os._exit(TERMINATED)


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While inside, SIGTERM raises ``SystemExit`` in this process, so the ``finally`` and
    ``except`` blocks that remove a partial report run (by default SIGTERM ends the process at
    once and leaves the hidden ``.part`` file behind). Forked workers keep the default. Further
    SIGTERMs are ignored while the cleanup runs; a stuck cleanup is handled as :data:`GRACE`
    says. The previous handler is restored on the way out.
    """
    if threading.current_thread() is not threading.main_thread() or _STATE["owner"] is not None:
        yield  # only the main thread may set handlers; nested use changes nothing
        return
    main = threading.get_ident()
    last = threading.Timer(GRACE, _give_up)
    hook = sys.unraisablehook

    def quiet(unraisable: object) -> None:  # the interrupt may land in a generator's close()
        if not isinstance(getattr(unraisable, "exc_value", None), SystemExit):
            hook(unraisable)  # type: ignore[arg-type]

    finished: list[bool] = []  # set first thing on the way out: no interrupt after that

    def escalate() -> None:
        if finished:
            return
        if not hasattr(signal, "pthread_kill"):  # Windows: no way to interrupt; no pool either
            _give_up()
        _STATE["escalate"] = True
        sys.unraisablehook = quiet
        last.start()
        signal.pthread_kill(main, signal.SIGTERM)  # breaks the main thread's blocked wait

    first = threading.Timer(GRACE, escalate)
    first.daemon = last.daemon = True

    def handler(signum: int, frame: object) -> None:
        if not _STATE["terminating"]:
            _STATE["terminating"] = True
            first.start()
            raise SystemExit(TERMINATED)
        if _STATE["escalate"] and not finished:
            _STATE["escalate"] = False
            raise SystemExit(TERMINATED)

    _STATE.update(owner=os.getpid(), terminating=False, escalate=False)
    previous = signal.signal(signal.SIGTERM, handler)
    writer, wakeup = -1, -1
    if hasattr(signal, "pthread_kill"):  # POSIX; on Windows only the main thread gets signals
        reader, writer = os.pipe()
        _STATE["pipe"] = (reader, writer)
        os.set_blocking(writer, False)
        wakeup = signal.set_wakeup_fd(writer, warn_on_full_buffer=False)
        threading.Thread(target=_forward, args=(reader, main), daemon=True).start()
    try:
        yield
    finally:
        finished.append(True)
        first.cancel()  # the cleanup finished in time (no-ops if they never started)
        last.cancel()
        if first.is_alive():  # an interrupt on its way must land while the handler is ours
            first.join()
        if writer != -1:
            signal.set_wakeup_fd(wakeup)
            _STATE.pop("pipe", None)
            os.close(writer)  # the forwarder reads the end of the pipe, closes it and stops
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
        _STATE.update(owner=None, terminating=False, escalate=False)
        sys.unraisablehook = hook
