"""The case model's structure as the loader walks it, worked out once from the model itself.

Per model class: the fields that hold further models, and the free-text fields (the only strings
of a valid case that can hold a colon); and every field name the format defines, spelt as in the
file (``$schema``, not the attribute behind it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from pydantic import BaseModel

from protocol_checks.case import CaseFile
from protocol_checks.case_fields import SCHEMA_REF_PATTERN
from protocol_checks.views import VIEWS

_COLON_PATTERNS = frozenset({SCHEMA_REF_PATTERN})
"""Patterns that admit a colon (a ``$schema`` URL's scheme): their fields count as text."""


@dataclass(frozen=True, slots=True)
class Shape:
    """One model class: the fields that hold further models, and the free-text fields.

    Free text is every ``str`` field without a pattern, or with one that admits a colon (the
    ``$schema`` reference). The others hold no colon in a valid case: identifiers, rule IDs and
    waiver paths have patterns that exclude it, enums' values have none, and strict dates are
    ``YYYY-MM-DD``.
    """

    nested: tuple[str, ...]
    text: tuple[str, ...]


def _model_args(annotation: object) -> list[type]:
    """The model classes inside a field's annotation (``X | None``, ``list[X]``...)."""
    out: list[type] = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            out.append(item)
        stack.extend(get_args(item))
    return out


def _leaf_types(annotation: object) -> set[object]:
    """The plain types at the bottom of an annotation (through unions, lists, Annotated)."""
    leaves, stack = set(), [annotation]
    while stack:
        item = stack.pop()
        args = get_args(item)
        if args:
            stack.extend(args)
        else:
            leaves.add(item)
    return leaves


def _may_hold_colon(metadata: list[object]) -> bool:
    """Whether a string field can hold a colon: no pattern, or one that admits it."""
    patterns = [p for m in metadata if (p := getattr(m, "pattern", None))]
    return not patterns or any(p in _COLON_PATTERNS for p in patterns)


def json_names(model: type[BaseModel]) -> list[str]:
    """A model's field names as a case file spells them (the alias where there is one)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def _shapes() -> dict[type, Shape]:
    shapes: dict[type, Shape] = {}

    def walk(model: type[BaseModel]) -> None:
        if model in shapes:
            return
        nested, text = [], []
        for name, info in model.model_fields.items():
            if _model_args(info.annotation):
                nested.append(name)
            elif str in _leaf_types(info.annotation) and _may_hold_colon(info.metadata):
                text.append(name)  # identifiers have patterns and hold no colons: skipped
        shapes[model] = Shape(tuple(nested), tuple(text))
        for name in nested:
            for arg in _model_args(model.model_fields[name].annotation):
                walk(arg)

    walk(CaseFile)
    return shapes


_MODEL_SHAPES = _shapes()

KNOWN_NAMES = frozenset(name for model in _MODEL_SHAPES for name in json_names(model))
"""Every field name the case-file format defines, at any depth."""

SHAPES = {**_MODEL_SHAPES, **{VIEWS[model]: shape for model, shape in _MODEL_SHAPES.items()}}
"""Every model class reachable from :class:`CaseFile`, and its read-only view
(:mod:`protocol_checks.views`), with its shape."""
