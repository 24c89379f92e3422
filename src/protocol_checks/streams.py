"""Where a command writes: its output stream, and messages for the person running it.

Commands are handed these rather than reaching for ``sys.stdout``, so they can be run
in-process (the tests do) and the report stream can never receive a message.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Streams:
    out: TextIO
    err: TextIO

    def say(self, line: str) -> None:
        """One line for the person running the command; lost, not raised, if that stream is
        broken (a message must never fall back to the output)."""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            print(line, file=self.err, flush=True)

    @classmethod
    def standard(cls) -> Streams:
        return cls(sys.stdout, sys.stderr)
