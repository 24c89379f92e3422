"""Date arithmetic the rules share."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from protocol_checks.case import Session


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def all_between(sessions: Iterable[Session], first: date, last: date) -> bool:
    """Whether every session is dated from ``first`` to ``last``, both included.

    A plain loop: on Python 3.11 it reads a view's attribute faster than ``map`` over
    ``operator.attrgetter`` does, and the rules ask this of every file before building any paths.
    """
    for session in sessions:  # noqa: SIM110 (all() over a generator is slower)
        if not first <= session.on <= last:
            return False
    return True
