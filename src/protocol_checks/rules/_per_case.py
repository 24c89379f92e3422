"""Facts about a case that several rules read, worked out once per case.

Rules are judged one after another on the same case, and some ask the same question of it (the
free text prepared for the privacy detectors, the sessions in date order). A fact marked
:func:`per_case` is remembered for the last case it was asked about, so the second rule that
asks gets the first one's answer. The case itself is held (and compared with ``is``), never its
``id()``, which a freed case could hand on to the next; the answer must not be modified.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from protocol_checks.case import CaseFile

Fact = TypeVar("Fact")


def per_case(work_out: Callable[[CaseFile], Fact]) -> Callable[[CaseFile], Fact]:
    """``work_out(case)``, worked out once for each case in turn."""
    last: list[tuple[object, object]] = [(None, None)]

    @functools.wraps(work_out, updated=())  # a class's namespace is not a function's to copy
    def remembered(case: CaseFile) -> Fact:
        seen, fact = last[0]  # one read of one pair: threads (the editor's) never mix two cases
        if seen is not case:
            fact = work_out(case)
            last[0] = (case, fact)
        return fact  # type: ignore[return-value]

    return remembered
