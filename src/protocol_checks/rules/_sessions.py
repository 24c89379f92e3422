"""What the attendance rules read of a case's sessions, worked out once per case.

CON-001, CON-007, CON-008, CON-010 and CON-011 all start from the same facts (and DATA-003
reads the dates): each session's
date and kind, their order by date, and which were missed. The validator runs the rules one
after another on each case, so :data:`sessions_of` remembers the facts of the last case it
was asked about (:mod:`~protocol_checks.rules._per_case`), and all but the first of those
rules find them there.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import date
from itertools import compress, repeat

from protocol_checks.case import Attendance, CaseFile
from protocol_checks.rules._members import ATTENDED, MISSED
from protocol_checks.rules._per_case import per_case
from protocol_checks.rules.registry import Breach


class Sessions:
    """A case's sessions as the attendance rules read them. Each fact is worked out when a rule
    first asks for it (the cheap tests most cases stop at need only the kinds), then kept."""

    __slots__ = ("_days", "_missed", "_order", "kinds", "sessions")

    def __init__(self, case: CaseFile) -> None:
        self.sessions = case.sessions
        # A comprehension reads a view's attributes faster than map(attrgetter(...)).
        self.kinds: list[Attendance] = [s.attendance for s in self.sessions]
        self._days: list[date] | None = None
        self._order: Sequence[int] | None = None
        self._missed: list[int] | None = None

    @property
    def days(self) -> list[date]:
        """Each session's date, in file order."""
        if self._days is None:
            self._days = [s.on for s in self.sessions]
        return self._days

    @property
    def order(self) -> Sequence[int]:
        """The sessions' indexes by date then kind, so that the file's order of same-day
        entries cannot matter; a ``range`` when the file has them in that order already."""
        if self._order is None:
            days, kinds = self.days, self.kinds
            self._order = range(len(days)) if all(map(operator.lt, days, days[1:])) else sorted(
                range(len(days)), key=lambda i: (days[i], kinds[i].value))
        return self._order

    @property
    def missed(self) -> list[int]:
        """The missed sessions' indexes, in file order."""
        if self._missed is None:
            found, i = [], -1
            for _ in range(self.kinds.count(MISSED)):  # few: list.index finds each in C
                i = self.kinds.index(MISSED, i + 1)
                found.append(i)
            self._missed = found
        return self._missed

    def held(self) -> list[int]:
        """The indexes of the sessions held (attended), by date."""
        if isinstance(self.order, range):  # in file order already
            return list(compress(range(len(self.kinds)), map(operator.is_, self.kinds,
                                                             repeat(ATTENDED))))
        return [i for i in self.order if self.kinds[i] is ATTENDED]

    def held_days(self) -> list[date]:
        """The dates of the sessions held, by date: those of :meth:`held`, without indexes."""
        if not isinstance(self.order, range):  # not in file order: rare
            return list(map(self.days.__getitem__, self.held()))
        if self.kinds.count(ATTENDED) == len(self.kinds):
            return self.days  # every session held: most cases
        return list(compress(self.days, map(operator.is_, self.kinds, repeat(ATTENDED))))


sessions_of = per_case(Sessions)
"""The session facts of a case, computed once for the run of rules on it. They stay true as
long as nothing changes the case in place, which nothing does (cases are read-only views or
frozen models, and no code modifies their lists); callers read the facts and never modify them."""


def runs(facts: Sessions, counted: Attendance, ignored: Attendance,
         length: int) -> list[Breach]:
    """A breach at the session that makes a run of ``length`` ``counted`` sessions in a row,
    by date; ``ignored`` sessions neither break nor extend a run."""
    if facts.kinds.count(counted) < length:  # too few in all for a run: most cases stop here
        return []
    found = []
    run = 0
    kinds = facts.kinds
    for i in facts.order:
        kind = kinds[i]
        if kind is ignored:
            continue
        run = run + 1 if kind is counted else 0
        if run == length:
            found.append(Breach(("sessions", i)))
    return found
