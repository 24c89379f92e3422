"""Apply a service profile to a protocol release: the service's own edition, checked.

:func:`adapt` takes the base protocol of one release and a :class:`~protocol_checks.profile.
Profile` and returns the local protocol, every local change (for ``profile show`` and the
handbook's "Adaptations" annex) and the conflicts: changes this release cannot take, such as a
setting it does not name or a rule it does not have. Changes that are never allowed (a loosened
severity, a value outside a setting's bounds) are refused with :class:`ProfileError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pydantic import ValidationError

from protocol_checks.findings import Severity
from protocol_checks.profile import LocalItem, Profile, ProfileError
from protocol_checks.protocol import Checklist, Item, Protocol
from protocol_checks.release import Settings, release
from protocol_checks.rules import REGISTRY, Rule


@dataclass(frozen=True)
class Adaptation:
    """One local change beside the base it replaces."""

    kind: str  # "setting", "severity", "term", "item", "agency", "escalation"
    subject: str
    base: str
    local: str
    rationale: str
    author: str

    @property
    def anchor(self) -> str:
        return f"local-{self.kind}-{re.sub(r'[^a-z0-9]+', '-', self.subject.lower())}"


@dataclass(frozen=True)
class Adapted:
    protocol: Protocol
    changes: tuple[Adaptation, ...]
    conflicts: tuple[str, ...]


def _settings(profile: Profile, base: Settings) -> tuple[Settings, list[Adaptation], list[str]]:
    changes, conflicts = [], []
    named = base.model_fields_set
    values = {name: getattr(base, name) for name in named}  # so the result names the same
    for name, local in profile.settings.items():
        if name not in Settings.model_fields:
            raise ProfileError(f"settings.{name}: not a setting of the protocol; the settings "
                               f"are {', '.join(Settings.model_fields)}")
        if name not in named:
            conflicts.append(f"setting {name} is not adaptable in this release (it does not "
                             "name it), so the local value is not applied")
            continue
        values[name] = local.value
        changes.append(Adaptation("setting", name, base.value_text(name), "", local.rationale,
                                  local.author))
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"settings.{'.'.join(map(str, e['loc']))}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        raise ProfileError(problems) from None
    changes = [replace(c, local=settings.value_text(c.subject)) for c in changes]
    return settings, changes, conflicts


def _severities(profile: Profile, base: Protocol, strict: bool) -> tuple[
        dict[str, Severity], list[Adaptation], list[str]]:
    """Tightened severities. Loosening is refused for the release the profile is checked
    against (``strict``); for another release it is a conflict, as is a rule it lacks."""
    chosen, changes, conflicts = {}, [], []
    version = base.release.version
    for rule_id, local in profile.severities.items():
        rule = base.rules.get(rule_id)
        if rule is None:
            code = REGISTRY.get(rule_id)
            if code is None:
                raise ProfileError(f"severities.{rule_id}: no rule {rule_id}; "
                                   "'protocol-checks rules' lists them")
            instead = [r for r in code.replaced_by if r in base.rules]
            conflicts.append(f"rule {rule_id} is not in release {version} (withdrawn"
                             + (f"; replaced by {', '.join(instead)}: decide whether they need "
                                "the same local severity" if instead else "")
                             + "), so its local severity is not applied")
            continue
        if local.severity.rank < rule.severity.rank:
            loosening = (f"a local profile may only tighten a rule; {rule_id} is "
                         f"{rule.severity.value} in release {version} and cannot become "
                         f"{local.severity.value}" + (" (an error can never be loosened)"
                                                      if rule.severity is Severity.error else ""))
            if strict:
                raise ProfileError(f"severities.{rule_id}: {loosening}")
            conflicts.append(f"{loosening}; not applied to this release")
            continue
        if local.severity is rule.severity:
            conflicts.append(f"rule {rule_id} is already {rule.severity.value} in release "
                             f"{version}: the local severity changes nothing there")
            continue
        chosen[rule_id] = local.severity
        changes.append(Adaptation("severity", rule_id, rule.severity.value, local.severity.value,
                                  local.rationale, local.author))
    return chosen, changes, conflicts


def _local_item(local: LocalItem) -> Item:
    return Item(id=local.id, text=local.text, basis=f"Local policy: {local.policy}",
                check="attestation", guidance=local.guidance)


def _checklists(profile: Profile, base: Protocol) -> tuple[list[Checklist], list[Adaptation]]:
    by_id = {c.id: c for c in base.templates}
    added: dict[str, list[Item]] = {}
    changes = []
    for local in profile.local_items:
        if local.checklist not in by_id:
            raise ProfileError(f"local_items {local.id}: no checklist {local.checklist!r}; the "
                               f"checklists are {', '.join(by_id)}")
        added.setdefault(local.checklist, []).append(_local_item(local))
        changes.append(Adaptation("item", local.id, "", local.text, local.rationale,
                                  local.author))
    out = [c.model_copy(update={"items": [*c.items, *added[c.id]]}) if c.id in added else c
           for c in base.templates]
    return [_with_terms(c, profile) for c in out], changes


def _term_pattern(term: str) -> re.Pattern[str]:
    words = term.replace("_", " ")
    return re.compile(rf"\b({words[0]}|{words[0].upper()}){re.escape(words[1:])}(s?)\b")


def local_terms(text: str, profile: Profile) -> str:
    """``text`` with each base term the profile renames in its local form (first letter's case
    and a plural kept), so checklists and the handbook speak the service's language."""
    for term, local in profile.terms.items():
        text = _term_pattern(term).sub(
            lambda m, name=local.name: (name[0].upper() + name[1:] if m.group(1).isupper()
                                        else name) + m.group(2), text)
    return text


def _with_terms(checklist: Checklist, profile: Profile) -> Checklist:
    if not profile.terms:
        return checklist
    items = [i.model_copy(update={"text": local_terms(i.text, profile),
                                  "guidance": i.guidance and local_terms(i.guidance, profile)})
             for i in checklist.items]
    return checklist.model_copy(update={"items": items,
                                        "purpose": local_terms(checklist.purpose, profile)})


def _in_local_terms(rule: Rule, profile: Profile) -> Rule:
    """The rule's wording (title, messages) in the service's terms: what staff read in the
    validator's output matches their edition of the handbook."""
    if not profile.terms:
        return rule
    return replace(rule, title=local_terms(rule.title, profile),
                   message=local_terms(rule.message, profile),
                   variants={k: local_terms(v, profile) for k, v in rule.variants.items()})


def _others(profile: Profile) -> list[Adaptation]:
    out = [Adaptation("term", term, term.replace("_", " "), t.name, t.rationale, t.author)
           for term, t in profile.terms.items()]
    out += [Adaptation("agency", a.name, a.kind.value.replace("_", " "), a.name, a.rationale,
                       a.author) for a in profile.agencies]
    out += [Adaptation("escalation", e.situation, "", e.contact, e.rationale, e.author)
            for e in profile.escalation]
    return out


def _targets(profile: Profile, checklists: list[Checklist], version: str,
             strict: bool) -> list[str]:
    """Audit targets must name items of the release (a typo would silently audit to 100%);
    refused for the release the profile is checked against, a conflict for another."""
    known = {i.id for c in checklists for i in c.items}
    unknown = [item_id for item_id in profile.targets if item_id not in known]
    if unknown and strict:
        raise ProfileError(f"targets.{unknown[0]}: no checklist item {unknown[0]} in release "
                           f"{version}; 'protocol-checks checklist' lists the items")
    return [f"the audit target for {i} names no item of release {version}, so it is not used"
            for i in unknown]


_READ_ITEMS = ("ATT-001", "DATA-007")
"""The rules whose findings depend on which items exist (the local items among them)."""


def adapt(base: Protocol, profile: Profile, strict: bool = True) -> Adapted:
    """The local protocol of ``base``'s release under ``profile``, its changes and conflicts;
    ``strict`` for the release the profile is checked against (the newest), where loosening a
    rule is refused rather than reported."""
    if release(profile.base_release) is None:
        raise ProfileError(f"base_release: {profile.base_release} is not a release this tool "
                           "judges; 'protocol-checks --version' lists them")
    settings, setting_changes, conflicts = _settings(profile, base.release.settings)
    severities, severity_changes, rule_conflicts = _severities(profile, base, strict)
    checklists, item_changes = _checklists(profile, base)
    conflicts += _targets(profile, checklists, base.release.version, strict)
    changed = {c.subject for c in setting_changes}
    rules = [_in_local_terms(replace(r, severity=severities.get(r.id, r.severity)), profile)
             for r in base.rule_templates]
    local = {r.id: (*sorted(changed & set(r.uses)),
                    *((f"severity of {r.id}",) if r.id in severities else ()))
             for r in rules}
    for rule_id in _READ_ITEMS if item_changes else ():  # confirmations the local items ask for
        local[rule_id] = (*local.get(rule_id, ()), "local items")
    local_release = base.release.model_copy(update={"settings": settings})
    protocol = Protocol(checklists, rules, local_release, {k: v for k, v in local.items() if v})
    if base.release.key > release(profile.base_release).key:  # type: ignore[union-attr]
        conflicts.insert(0, f"the profile was written for release {profile.base_release}; it is "
                         f"applied to the newer release {base.release.version}: review it "
                         "and set base_release when it is reviewed")
    return Adapted(protocol, (*setting_changes, *severity_changes, *item_changes,
                              *_others(profile)), (*conflicts, *rule_conflicts))
