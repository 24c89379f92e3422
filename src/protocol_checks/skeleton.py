"""A starting case file for a stage: every field the stage needs, each an explicit placeholder.

What a stage needs is not written down here: it is what the case-file model requires, plus
what the rules due at that stage need recorded before they can count as met (their declared
``needs``, :mod:`protocol_checks.evidence`). Each such field holds :data:`PLACEHOLDER`, which
never validates, so the first ``validate`` lists exactly what is left to fill, in the order
of the file; and no quiet default (a source of "other", today's date) can pass as a record.
"""

from __future__ import annotations

import json
import secrets
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from protocol_checks.case import Attestation, CaseFile, Modality, Stage, TreatmentPlan
from protocol_checks.evidence import _model_of
from protocol_checks.judge import check_case
from protocol_checks.key_order import ordered
from protocol_checks.placeholders import PLACEHOLDER, example_filled

_PLAN = "treatment_plan"
_ID_SYMBOLS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Capitals and digits, without those easily misread (I/1, O/0)."""
_GIVEN = ("protocol_version", "case_id", "stage")
"""Fields the command fills in itself."""


def new_case_id() -> str:
    """A fresh pseudonymous case ID (``CASE-`` and six symbols: about 10^9 choices, so two
    files started apart do not share one), never a number that could pass for an NHS number."""
    return "CASE-" + "".join(secrets.choice(_ID_SYMBOLS) for _ in range(6))


def stage_needs(stage: Stage, modality: Modality | None, protocol: Any) -> set[str]:
    """Dotted fields that the rules due at ``stage`` need recorded, leaving out the rules
    whose items' conditions do not hold for this ``modality`` and those that do not apply or
    have nothing to judge until an optional record exists (a waiver, a planned break): asked
    of the checklists and rules themselves, on a probe case holding just the stage and the
    modality. Without a modality, what depends on it is left out until one is chosen."""
    probe = CaseFile.model_construct(
        stage=stage, treatment_plan=None if modality is None else
        TreatmentPlan.model_construct(modality=modality))
    needs: set[str] = set()
    due = {rule_id for checklist in protocol.checklists if checklist.when.holds(probe)
           for item in checklist.items if item.when.holds(probe) for rule_id in item.rule_ids}
    for rule in protocol.rules.values():
        if rule.id not in due or not rule.applies_at(stage):
            continue
        try:
            skip = rule.skip(probe, protocol)
        except Exception:  # a rule reading a fact the probe lacks: keep what it needs
            skip = None
        if skip is not None and not skip.later:  # not applicable, or nothing to judge
            continue
        needs.update(rule.needs)
    if modality is not None:
        needs.add(_PLAN + ".modality")
    if stage is Stage.closed:
        needs.add("closure")
    return needs


def skeleton(stage: Stage, modality: Modality | None, case_id: str, protocol: Any) -> dict:
    """The starting file, its keys in the model's order.

    What the rules' declared needs reach comes first; then the skeleton is tried: filled with
    example values and judged, each finding that points at a field the skeleton lacks (a
    risk review, a confirmation awaited) adds that field, until none does. So a filled
    skeleton has no finding for want of a field it never offered."""
    needs = stage_needs(stage, modality, protocol)
    body = _fill(CaseFile, needs, "")
    body.update(protocol_version=protocol.release.version, case_id=case_id, stage=stage.value)
    if modality is not None:
        body["treatment_plan"]["modality"] = modality.value
    for _ in range(_ROUNDS):
        if not _add_what_findings_lack(body, protocol):
            break
    return ordered(body)


_ROUNDS = 4
"""Tries of the filled skeleton; each adds the fields its findings name (two suffice today)."""


def _add_what_findings_lack(body: dict, protocol: Any) -> bool:
    """Add the fields that the findings on the filled ``body`` point at and it lacks."""
    try:
        case = CaseFile.model_validate_json(json.dumps(example_filled(body)))
    except ValidationError:
        return False
    added = False
    for finding in check_case(case, protocol):
        if finding.rule_id == _AWAITED and "attestations" not in body:
            body["attestations"] = [{**_fill(Attestation, set(), "attestations."), "item": item}
                                    for item in sorted(protocol.due_attestations(case))]
            added = True
        else:
            added |= _add_at(body, CaseFile, finding.path)
    return added


_AWAITED = "ATT-001"
"""The rule whose finding asks for one attestation per item awaiting confirmation."""


def _add_at(node: Any, model: type[BaseModel] | None, path: tuple) -> bool:
    """Add a placeholder for the first field along ``path`` that ``node`` lacks."""
    for i, part in enumerate(path):
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return False
            node = node[part]
            continue
        if model is None or part not in model.model_fields or not isinstance(node, dict):
            return False
        if part not in node:
            node[part] = _value(model.model_fields[part].annotation, set(), part)
            return True
        node, model = node[part], _model_of(model.model_fields[part].annotation)
        if i == len(path) - 1:
            return False
    return False


def _fill(model: type[BaseModel], needs: set[str], prefix: str) -> dict:
    """``model``'s required fields and those that ``needs`` reach, each a placeholder or a
    nested object filled the same way."""
    out: dict[str, Any] = {}
    for name, spec in model.model_fields.items():
        dotted = prefix + name
        wanted = any(n == dotted or n.startswith(dotted + ".") for n in needs)
        if not (spec.is_required() or wanted or (name in _GIVEN and not prefix)):
            continue
        out[name] = _value(spec.annotation, needs, dotted)
    return out


def _value(annotation: Any, needs: set[str], dotted: str) -> Any:
    inner = _model_of(annotation)
    is_list = _is_list(annotation)
    if inner is not None:
        filled = _fill(inner, needs, dotted + ".")
        return [filled] if is_list else filled
    return [PLACEHOLDER] if is_list else PLACEHOLDER


def _is_list(annotation: Any) -> bool:
    """Whether ``list[X]``, ``list[X] | None`` or an ``Annotated`` list."""
    origin = typing.get_origin(annotation)
    if origin is list:
        return True
    if origin is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    return any(_is_list(arg) for arg in typing.get_args(annotation))
