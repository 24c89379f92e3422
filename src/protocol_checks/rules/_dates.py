"""Date arithmetic the rules share."""

from __future__ import annotations

import calendar
import operator
from datetime import date


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


session_day = operator.attrgetter("on")
"""A session's date, for ``map`` over a case's sessions (C-level, no call per session)."""
