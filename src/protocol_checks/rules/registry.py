"""The rule registry: each rule is a small function registered with its metadata.

A rule yields :class:`Breach` objects (where, and which of its fixed messages); it never raises
for a protocol breach and never builds a message from case values, so no output can leak them.
Each rule also declares what it needs to find recorded before it can count as met, and when it
does not apply (:mod:`protocol_checks.evidence`): finding no breach is not, by itself, "met".
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from protocol_checks.case import CaseFile, Stage
from protocol_checks.evidence import Applies, field_exists
from protocol_checks.findings import Path, Severity


@dataclass(frozen=True, slots=True)
class Breach:
    """Where a rule is not met, and which of the rule's declared messages applies."""

    path: Path
    variant: str | None = None
    items: tuple[str, ...] = ()
    """Checklist item IDs the breach is about (protocol data, never case values), named where
    the message has an ``{items}`` placeholder."""


Check = Callable[..., Iterable[Breach]]
"""``check(case)``, or ``check(case, protocol)`` for a rule that judges by the protocol in force
(its items, its rules): that protocol is passed in, never fetched from a global."""

Bound = Callable[[CaseFile], Iterable[Breach]]


class JudgedBy(Protocol):
    """What a rule may ask of the protocol in force. Rules see only this interface, so the
    rules do not import the protocol module (which imports them)."""

    rules: dict[str, Rule]
    items: dict[str, Any]
    release: Any  # a protocol_checks.release.Release: its settings are the release's own

    def due_attestations(self, case: CaseFile) -> frozenset[str]: ...


@functools.cache  # asked per case by skip() and DATA-011; a signature costs ~6 µs to read
def _takes_protocol(function: Callable[..., Any] | None) -> bool:
    return function is not None and "protocol" in inspect.signature(function).parameters


@dataclass(frozen=True)
class Rule:
    """A protocol rule: what it checks, how strongly, from which stage, and on what source."""

    id: str
    title: str
    severity: Severity
    stage: Stage
    paragraphs: tuple[str, ...]
    message: str
    rationale: str
    check: Check = field(repr=False, compare=False)
    variants: dict[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    """Case-file fields that must be recorded for the rule to count as met."""
    applies: Applies | None = field(default=None, repr=False, compare=False)
    """When given: a reason the rule does not judge a case (not applicable, or not yet due)."""
    example: str | None = None
    """Why the rule has no failing example case among the shipped ones (almost never: every
    rule is shown failing; this says when that cannot yet be, and what proves it instead)."""
    since: str = "1.0.0"
    """The first protocol release the rule belongs to (the tests check it against the ledgers)."""
    withdrawn_in: str | None = None
    """The release from which the rule no longer applies; its code stays, to judge the cases
    on earlier releases, and the catalogue keeps it, marked."""
    replaced_by: tuple[str, ...] = ()
    """The rules that took over what a withdrawn rule checked."""
    uses: tuple[str, ...] = ()
    """The release settings whose value changes what the rule finds (a service profile that
    sets one of them marks the rule's findings as local)."""
    past_events: tuple[str | None, ...] = ()
    """Which of an error rule's messages report a past event that cannot be undone (None: the
    main message; otherwise variant names). A recorded, reviewed deviation settles such a
    finding; a release that records none (1.0.0) allows no deviation."""

    @property
    def anchor(self) -> str:
        """The HTML id of this rule's entry in the handbook's rule catalogue."""
        return f"rule-{self.id.lower()}"

    @property
    def chapter(self) -> str:
        return self.id.split("-")[0]

    def applies_at(self, stage: Stage) -> bool:
        return stage.rank >= self.stage.rank

    def messages(self) -> list[str]:
        return [self.message, *self.variants.values()]

    def bind(self, protocol: Any) -> Bound:
        """The check as a function of the case alone, judging by ``protocol``."""
        if _takes_protocol(self.check):
            check = self.check
            return lambda case: check(case, protocol)
        return self.check

    def skip(self, case: CaseFile, protocol: Any) -> Any:
        """Why this rule does not judge ``case`` (a :class:`~protocol_checks.evidence.Skip`),
        or None."""
        if self.applies is None:
            return None
        if _takes_protocol(self.applies):
            return self.applies(case, protocol)
        return self.applies(case)


REGISTRY: dict[str, Rule] = {}


def rule(
    id: str,
    *,
    title: str,
    severity: Severity,
    stage: Stage,
    paragraphs: tuple[str, ...],
    message: str,
    rationale: str,
    needs: tuple[str, ...],
    applies: Applies | None = None,
    variants: dict[str, str] | None = None,
    example: str | None = None,
    since: str = "1.0.0",
    withdrawn_in: str | None = None,
    replaced_by: tuple[str, ...] = (),
    past_events: tuple[str | None, ...] = (),
    uses: tuple[str, ...] = (),
) -> Callable[[Check], Check]:
    """Register ``check`` as rule ``id``; IDs are stable and never reused.

    ``needs`` has no default on purpose: every rule must say what evidence it needs (``()``
    when the required fields of the record are all it reads).
    """
    unknown = [n for n in needs if not field_exists(n)]
    if unknown:
        raise ValueError(f"rule {id} needs unknown case-file fields: {', '.join(unknown)}")
    if past_events and severity is not Severity.error:
        raise ValueError(f"rule {id}: only an error can be settled by a recorded deviation")
    stray = [v for v in past_events if v is not None and v not in (variants or {})]
    if stray:
        raise ValueError(f"rule {id}: past_events names unknown variants: {stray}")

    def register(check: Check) -> Check:
        if id in REGISTRY:
            raise ValueError(f"rule {id} registered twice")
        REGISTRY[id] = Rule(
            id=id, title=title, severity=severity, stage=stage, paragraphs=paragraphs,
            message=message, rationale=rationale, check=check, variants=variants or {},
            needs=needs, applies=applies, example=example, since=since,
            withdrawn_in=withdrawn_in, replaced_by=replaced_by, past_events=past_events,
            uses=uses,
        )
        return check

    return register
