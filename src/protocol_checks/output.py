"""Where reports are written: standard output, or a file replaced atomically.

A report file is written beside its target and renamed into place only when complete, so an
interrupted run never leaves half a report; and it may never be one of the inputs, nor a JSON file
inside a folder being checked (it would be read as a case file, or destroy one).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from typing import TextIO


class OutputClash(Exception):
    """The output would overwrite, or be read as, an input."""


def check_clash(output: str, inputs: Iterable[str]) -> None:
    target = os.path.realpath(output)
    for name in inputs:
        if name == "-" or not os.path.exists(name):
            continue
        source = os.path.realpath(name)
        if os.path.isdir(source):
            if target.endswith(".json") and target.startswith(source.rstrip(os.sep) + os.sep):
                raise OutputClash("the output file lies inside a folder being checked and would "
                                  "be read as a case file; write it elsewhere")
        elif target == source:
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
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                                dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            yield handle
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
