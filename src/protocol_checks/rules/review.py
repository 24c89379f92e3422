"""Waivers and recorded deviations are reviewed by a second person (release 1.1.0 on).

Which records take effect is decided in :mod:`protocol_checks.acceptance`; these rules say why
one does not, so the author of a waiver is never left wondering why it did nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from protocol_checks.acceptance import REVIEW_PROBLEMS, covered, review_problem
from protocol_checks.case import CaseFile, Stage
from protocol_checks.evidence import Skip
from protocol_checks.findings import Severity, json_path
from protocol_checks.rules.integrity import no_waivers
from protocol_checks.rules.registry import REGISTRY, Breach, JudgedBy, rule

_REVIEW_VARIANTS = {key: f"A {{record}}'s review does not count: {text}."
                    for key, text in REVIEW_PROBLEMS.items()}


def _variants(record: str) -> dict[str, str]:
    return {key: text.replace("{record}", record) for key, text in _REVIEW_VARIANTS.items()}


def _matches(scope: str | None, target: Any, case: CaseFile, protocol: JudgedBy) -> bool:
    """Whether ``target`` (a rule) reports a past event in ``case`` within ``scope``."""
    if not target.applies_at(case.effective_stage):
        return False
    return any(b.variant in target.past_events and covered(json_path(b.path), [scope])
               for b in target.bind(protocol)(case))


def _no_deviations(case: CaseFile) -> Skip | None:
    return None if case.deviations else Skip("no deviation is recorded", absent="deviations")


_REVIEWERS = ("Who may review is a setting of each release, reviewer_roles: by default the "
              "responsible clinician.")


@rule(
    "DATA-010",
    uses=("reviewer_roles",),
    since="1.1.0",
    needs=(),
    applies=no_waivers,
    title="Waivers are reviewed by a second staff member",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=(),
    message="A waiver has no valid review, so it takes no effect.",
    variants=_variants("waiver"),
    rationale="A waiver accepts a departure from the protocol for one case; the clinician "
    "whose practice is at issue should not be the only one to accept it. " + _REVIEWERS,
)
def waivers_reviewed(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    settings = protocol.release.settings
    for i, w in enumerate(case.waivers):
        problem = review_problem(w.waived_by, w.reviewed_by, w.reviewed_on, case, settings)
        if problem is not None:
            yield Breach(("waivers", i, "reviewed_by"), problem)


@rule(
    "DATA-011",
    uses=("reviewer_roles",),
    since="1.1.0",
    needs=(),
    applies=_no_deviations,
    title="Recorded deviations are valid and reviewed",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=(),
    message="A deviation names a rule whose findings are not past events; only those can be "
    "recorded as deviations (a warning is waived instead).",
    variants={"unknown": "A deviation names a rule that does not exist.",
              "not_in_release": "A deviation names a rule that is not part of this protocol "
              "release (withdrawn, or added later).",
              "nothing": "A deviation matches no past-event finding of its rule (at its path, if "
              "it gives one), so it settles nothing; correct the rule or the path.",
              **_variants("deviation")},
    rationale="A deviation settles an error about something that can no longer be undone; it "
    "must name such a rule, and, like a waiver, be reviewed by a second staff member. "
    + _REVIEWERS,
)
def deviations_valid(case: CaseFile, protocol: JudgedBy) -> Iterator[Breach]:
    settings = protocol.release.settings
    for i, d in enumerate(case.deviations):
        target = protocol.rules.get(d.rule)
        if target is None:
            yield Breach(("deviations", i, "rule"),
                         "not_in_release" if d.rule in REGISTRY else "unknown")
        elif not target.past_events:
            yield Breach(("deviations", i, "rule"))
        elif not _matches(d.path, target, case, protocol):
            yield Breach(("deviations", i), "nothing")
        elif (problem := review_problem(d.recorded_by, d.reviewed_by, d.reviewed_on, case,
                                        settings)) is not None:
            yield Breach(("deviations", i, "reviewed_by"), problem)
