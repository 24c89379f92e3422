"""Date arithmetic the rules share."""

from __future__ import annotations

import calendar
from datetime import date

from protocol_checks.rules._sessions import Sessions


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def session_span(facts: Sessions) -> tuple[date, date]:
    """The earliest and the latest date of a case's sessions (it must record some).

    DATA-003 and DATA-004 ask this of every file before building any paths. When the file
    lists its sessions in date order (most files; the attendance rules have found that out by
    then) the ends of the list answer; otherwise ``min`` and ``max`` do, in C."""
    days = facts.days
    if isinstance(facts.order, range):  # in date order
        return days[0], days[-1]
    return min(days), max(days)
