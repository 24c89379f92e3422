"""A case file's keys in the model's field order: how the editor saves and ``new`` writes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from protocol_checks.case import CaseFile
from protocol_checks.evidence import _model_of


def ordered(value: Any, model: type[BaseModel] | None = CaseFile) -> Any:
    """``value`` with every object's keys in its model's field order; keys the model does not
    define keep their order, after the known ones (the validator reports them)."""
    if isinstance(value, list):
        return [ordered(v, model) for v in value]
    if not isinstance(value, dict):
        return value
    # A file names a field by its alias where it has one ("$schema"), else by its name.
    fields = {f.alias or name: f for name, f in model.model_fields.items()} if model else {}
    keys = [k for k in fields if k in value] + [k for k in value if k not in fields]
    return {k: ordered(value[k], _model_of(fields[k].annotation) if k in fields else None)
            for k in keys}
