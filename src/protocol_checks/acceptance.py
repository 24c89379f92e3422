"""Waivers and recorded deviations: which findings of a case they settle, under a release.

A waiver accepts a warning or advice for a stated reason. An error can never be waived, but an
error about something that has already happened (the contract agreed after treatment began)
cannot be put right either: a *deviation* records what happened and its remedy, and settles
that finding, which is still shown and counted apart. Which findings are past events is data
of each rule (``past_events``).

From release 1.1.0 both need review: a second staff member, holding one of the release's
``reviewer_roles`` in the case on the day of the review, other than the author. A waiver
without a valid review takes no effect; a release without that setting (1.0.0) keeps its
original meaning: any waiver takes effect, and no deviation can be recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protocol_checks.case import CaseFile
from protocol_checks.release import Settings

REVIEW_PROBLEMS = {
    "no_review": "no second staff member's review (reviewed_by, reviewed_on) is recorded",
    "same_person": "the reviewer is the author",
    "not_reviewer": "the reviewer did not hold a reviewer role in this case on the day",
}
"""Why a review does not count, keyed as the review rules' variants are."""


def review_problem(author: str, reviewer: str | None, reviewed_on: object,
                   case: CaseFile, settings: Settings) -> str | None:
    """Why a waiver's or deviation's review does not count (a key of
    :data:`REVIEW_PROBLEMS`), or None when it counts or the release asks for none."""
    roles = settings.reviewer_roles
    if roles is None:
        return None
    if reviewer is None or reviewed_on is None:
        return "no_review"
    if reviewer == author:
        return "same_person"
    for name in roles:
        holder = getattr(case.roles, name)
        if holder is not None and holder.holder_on(reviewed_on) == reviewer:
            return None
    return "not_reviewer"


def covered(where: str, scopes: list[str | None]) -> bool:
    """Whether a scope (None: the whole case) covers the finding at JSON path ``where``."""
    return any(scope is None or where == scope or where.startswith((scope + ".", scope + "["))
               for scope in scopes)


@dataclass(frozen=True)
class Acceptance:
    """The scopes, per rule ID, of a case's waivers and deviations that take effect."""

    waivers: dict[str, list[str | None]] = field(default_factory=dict)
    deviations: dict[str, list[str | None]] = field(default_factory=dict)

    @classmethod
    def of(cls, case: CaseFile, settings: Settings) -> Acceptance:
        if not case.waivers and not case.deviations:
            return _NONE
        waivers: dict[str, list[str | None]] = {}
        for w in case.waivers:
            if review_problem(w.waived_by, w.reviewed_by, w.reviewed_on, case, settings) is None:
                waivers.setdefault(w.rule, []).append(w.path)
        deviations: dict[str, list[str | None]] = {}
        if settings.reviewer_roles is not None:
            for d in case.deviations:
                if review_problem(d.recorded_by, d.reviewed_by, d.reviewed_on, case,
                                  settings) is None:
                    deviations.setdefault(d.rule, []).append(d.path)
        return cls(waivers, deviations)

    def waives(self, rule_id: str, where: str) -> bool:
        scopes = self.waivers.get(rule_id)
        return scopes is not None and covered(where, scopes)

    def settles(self, rule_id: str, where: str) -> bool:
        scopes = self.deviations.get(rule_id)
        return scopes is not None and covered(where, scopes)


_NONE = Acceptance()
