"""A progress counter on standard error, shown only when standard error is a terminal."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, enabled: bool = True, every: float = 0.2):
        self.enabled = enabled and sys.stderr.isatty()
        self.every = every
        self._last = 0.0

    def tick(self, files: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            sys.stderr.write(f"\rchecked {files:,} files")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self._last:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
