"""A progress counter on standard error, shown only when standard error is a terminal.

Standard error may be closed (``2>&-``: Python then has no ``sys.stderr``) or broken; the counter
is a courtesy, so it then stays silent rather than failing the run or touching the report.
"""

from __future__ import annotations

import sys
import time


def _is_terminal() -> bool:
    try:
        return bool(sys.stderr is not None and sys.stderr.isatty())
    except (AttributeError, OSError, ValueError):  # closed, detached or not a real stream
        return False


class Progress:
    def __init__(self, enabled: bool = True, every: float = 0.2):
        self.enabled = enabled and _is_terminal()
        self.every = every
        self._last = 0.0

    def _write(self, text: str) -> None:
        try:
            sys.stderr.write(text)
            sys.stderr.flush()
        except (AttributeError, OSError, ValueError):
            self.enabled = False  # the terminal went away: carry on without the counter

    def tick(self, files: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self._write(f"\rchecked {files:,} files")

    def done(self) -> None:
        if self.enabled and self._last:
            self._write("\r\033[K")
