"""The protocol: checklists bound to rules, loaded and cross-checked once.

Items name the rules that check them; the rules' own list of items is derived here, so the link
is written once. Loading refuses a protocol with duplicate IDs, unknown rules, orphan rules or
items with no check: such a protocol would print checklists that nothing enforces.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol_checks.case import CaseFile, LegalBasis, Modality, Stage
from protocol_checks.format_words import stage_words
from protocol_checks.release import YAML_LOADER, Release, newest_published, working_release
from protocol_checks.rules import Rule, active_rules
from protocol_checks.rules.registry import Bound

Paragraph = str  # "P1".."P13"
PARAGRAPHS = tuple(f"P{n}" for n in range(1, 14))


class ProtocolError(Exception):
    """The shipped protocol data is inconsistent; a packaging error, not a user error."""


class Condition(StrEnum):
    """When an item or checklist applies, beyond its stage."""

    always = "always"
    cbt = "cbt"
    psychodynamic = "psychodynamic"
    medication = "medication"
    court_order = "court_order"

    def holds(self, case: CaseFile) -> bool:
        plan = case.treatment_plan
        match self:
            case Condition.always:
                return True
            case Condition.medication:
                return case.medication is not None or (
                    plan is not None and plan.modality is Modality.pharmacological)
            case Condition.court_order:
                return case.referral is not None and (
                    case.referral.legal_basis is not LegalBasis.none)
            case _:
                return plan is not None and plan.modality.value == self.value

    @property
    def reason(self) -> str:
        """Why an item with this condition does not apply, when it does not hold."""
        return _NOT_HOLDING[self]


_NOT_HOLDING = {
    Condition.always: "",
    Condition.cbt: "the plan is not cognitive-behavioural",
    Condition.psychodynamic: "the plan is not psychodynamic",
    Condition.medication: "no medication is planned or recorded",
    Condition.court_order: "the case is not under a court order",
}


def _due_key(case: CaseFile) -> tuple[object, ...]:
    """What decides which items are due: the stage and every input to :meth:`Condition.holds`
    (the modality, and whether medication is recorded)."""
    plan, referral = case.treatment_plan, case.referral
    return (case.effective_stage, plan.modality if plan else None, case.medication is None,
            referral.legal_basis if referral else None)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Data):
    """One checklist item, in our own words, with its source and how it is checked."""

    id: str = Field(pattern=r"^[A-Z]{2}-[0-9]{1,2}$")
    text: str = Field(min_length=10)
    source: list[Paragraph] = Field(default_factory=list)
    basis: str | None = Field(default=None, description="Why, where no paragraph applies.")
    check: list[str] | Literal["attestation"]
    when: Condition = Condition.always
    guidance: str | None = None

    @property
    def is_attestation(self) -> bool:
        return self.check == "attestation"

    @property
    def rule_ids(self) -> list[str]:
        return [] if self.check == "attestation" else list(self.check)

    @property
    def anchor(self) -> str:
        return f"item-{self.id.lower()}"


class Checklist(_Data):
    """A checklist for one point on the patient's path."""

    id: str = Field(pattern=r"^[a-z][a-z-]+$")
    title: str
    order: int
    stage: Stage = Field(description="The stage by which every item must be met.")
    when: Condition = Condition.always
    purpose: str
    items: list[Item] = Field(min_length=1)


class Protocol:
    """Checklists and rules, cross-checked; what the validator and the handbook both read."""

    def __init__(self, checklists: list[Checklist], rules: list[Rule], release: Release,
                 local: dict[str, tuple[str, ...]] | None = None):
        self.release = release
        self.templates = sorted(checklists, key=lambda c: c.order)
        """The checklists as written, with ``{setting}`` placeholders (what a ledger records)."""
        self.rule_templates = sorted(rules, key=lambda r: r.id)
        """The rules as written, their messages' placeholders unfilled."""
        values = setting_values(release)
        self.checklists = [_filled(c, values) for c in self.templates]
        rules = for_release(rules, release)
        self.rules = {r.id: r for r in rules}
        self.local = local or {}
        """Per rule ID, the local settings (of a service profile) that produce or change its
        findings; empty for the base protocol."""
        self.items: dict[str, Item] = {}
        self.items_of_rule: dict[str, list[str]] = {r.id: [] for r in rules}
        problems: list[str] = []
        for checklist in self.checklists:
            for item in checklist.items:
                if item.id in self.items:
                    problems.append(f"item {item.id} is defined twice")
                self.items[item.id] = item
                if not item.source and not item.basis:
                    problems.append(f"item {item.id} cites no paragraph and gives no basis")
                problems += [f"item {item.id} cites unknown paragraph {p}"
                             for p in item.source if p not in PARAGRAPHS]
                if item.check != "attestation" and not item.check:
                    problems.append(f"item {item.id} has no check")
                for rule_id in item.rule_ids:
                    if rule_id not in self.rules:
                        problems.append(f"item {item.id} names unknown rule {rule_id}")
                    else:
                        self.items_of_rule[rule_id].append(item.id)
                problems += _disagreements(checklist, item, self.rules)
        problems += [f"rule {rid} backs no checklist item"
                     for rid, items in self.items_of_rule.items() if not items]
        if problems:
            raise ProtocolError("; ".join(problems))
        # Computed once: the rules each stage calls for (the validator's inner loop), each
        # bound to this protocol, so a rule that judges by the protocol judges by this one.
        bound = {r.id: r.bind(self) for r in self.rules.values()}
        self._rules_at = {stage: [(r, bound[r.id]) for r in self.rules.values()
                                  if r.applies_at(stage)]
                          for stage in Stage}
        self._due: dict[tuple[object, ...], list[Item]] = {}
        self._due_attest: dict[tuple[object, ...], frozenset[str]] = {}

    def rules_at(self, stage: Stage) -> list[tuple[Rule, Bound]]:
        """The rules that judge a case at ``stage``, in ID order, with their bound checks."""
        return self._rules_at[stage]

    def due_items(self, case: CaseFile) -> list[Item]:
        """Items whose checklist is due at the case's stage and whose conditions hold.

        The answer depends only on the stage and the three conditions, so it is cached by them.
        """
        key = _due_key(case)
        found = self._due.get(key)
        if found is None:
            found = self._due[key] = self._due_items(case)
        return found

    def due_attestations(self, case: CaseFile) -> frozenset[str]:
        """IDs of the attestation items due for ``case`` (cached like :meth:`due_items`)."""
        key = _due_key(case)
        found = self._due_attest.get(key)
        if found is None:
            found = self._due_attest[key] = frozenset(
                i.id for i in self.due_items(case) if i.is_attestation)
        return found

    def _due_items(self, case: CaseFile) -> list[Item]:
        stage = case.effective_stage
        return [
            item
            for checklist in self.checklists
            if checklist.stage.rank <= stage.rank and checklist.when.holds(case)
            for item in checklist.items
            if item.when.holds(case)
        ]

    def checklist(self, name: str) -> Checklist | None:
        return next((c for c in self.checklists if c.id == name), None)


def _disagreements(checklist: Checklist, item: Item, rules: dict[str, Rule]) -> list[str]:
    """Where an item's own metadata contradicts its rules'. Paragraphs and stage are stated on
    the rule (what the validator enforces); the item must cite the same paragraphs, and its
    checklist must not fall due before its rules start to run, or the checklist would count
    the item as met at a stage where nothing checked it."""
    mine = [rules[r] for r in item.rule_ids if r in rules]
    if not mine:
        return []
    out = []
    cited = {p for r in mine for p in r.paragraphs}
    if set(item.source) != cited:
        out.append(f"item {item.id} cites {', '.join(item.source) or 'no paragraph'} but its "
                   f"rules cite {', '.join(sorted(cited, key=PARAGRAPHS.index)) or 'none'}")
    out += [f"item {item.id} is due at the {stage_words(checklist.stage)} stage but rule "
            f"{r.id} applies only from the {stage_words(r.stage)} stage"
            for r in mine if r.stage.rank > checklist.stage.rank]
    return out


def checklist_dir() -> Path:
    """The checklists: shipped inside the wheel, or beside ``src/`` in a source checkout."""
    packaged = resources.files("protocol_checks") / "checklists"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "checklists"


def read_checklists(folder: Path) -> list[Checklist]:
    """Load and validate every ``*.yaml`` checklist in ``folder``."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
            out.append(Checklist.model_validate(data))
        except (yaml.YAMLError, ValidationError) as exc:
            raise ProtocolError(f"{path.name}: {exc}") from None
    if not out:
        raise ProtocolError(f"no checklists found in {folder}")
    return out


ITEMS = "items"
"""The placeholder a message names checklist items by; kept as it is until a finding fills it."""


def setting_values(release: Release) -> dict[str, str]:
    """What a ``{name}`` placeholder in a message or an item stands for under ``release``."""
    newest = newest_published()
    settings = release.settings
    return {**{name: settings.value_text(name) for name in type(settings).model_fields},
            "newest_release": newest.version if newest else release.version,
            ITEMS: "{" + ITEMS + "}"}  # filled per finding, with item IDs (judge.py)


def _filled(checklist: Checklist, values: dict[str, str]) -> Checklist:
    """``checklist`` with each item's text and guidance stating this release's settings."""
    if not any("{" in i.text or "{" in (i.guidance or "") for i in checklist.items):
        return checklist
    items = [i.model_copy(update={"text": i.text.format(**values),
                                  "guidance": i.guidance and i.guidance.format(**values)})
             for i in checklist.items]
    return checklist.model_copy(update={"items": items})


def for_release(rules: list[Rule], release: Release) -> list[Rule]:
    """The rules as ``release`` states them: messages that name a setting (``{name}``) are
    filled in with that release's value, so a message always matches what was checked."""
    values = setting_values(release)
    return [replace(r, message=r.message.format(**values),
                    variants={k: v.format(**values) for k, v in r.variants.items()})
            if "{" in r.message or any("{" in v for v in r.variants.values()) else r
            for r in rules]


@functools.cache
def load_protocol() -> Protocol:
    """The working release's protocol (``checklists/`` and the rule code), loaded once."""
    release = working_release()
    return Protocol(read_checklists(checklist_dir()), active_rules(),
                    release)
