"""The progress counter appears on a terminal only, and never on standard output."""

from __future__ import annotations

import io
import sys

import pytest

from protocol_checks.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_writes_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    progress = Progress(every=0.0)
    progress.tick(1500)
    progress.done()
    assert "checked 1,500 files" in err.getvalue()
    assert err.getvalue().endswith("\r\033[K")


def test_progress_is_silent_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    progress = Progress(every=0.0)
    progress.tick(10)
    progress.done()
    assert err.getvalue() == ""


def test_no_progress_option_silences_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    progress = Progress(enabled=False, every=0.0)
    progress.tick(10)
    assert err.getvalue() == ""
