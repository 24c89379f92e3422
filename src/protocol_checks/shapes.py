"""The case model's structure as the loader walks it, worked out once from the model itself.

Per model class: the fields that hold further models, and the free-text fields (the only strings
of a valid case that can hold a colon); and every field name the format defines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from pydantic import BaseModel

from protocol_checks.case import CaseFile


@dataclass(frozen=True, slots=True)
class Shape:
    """One model class: the fields that hold further models, and the free-text fields.

    Free text is every ``str`` field without a pattern. The others hold no colon in a valid case:
    identifiers, rule IDs and waiver paths have patterns that exclude it, enums' values have none,
    and strict dates are ``YYYY-MM-DD``.
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


def _shapes() -> dict[type, Shape]:
    shapes: dict[type, Shape] = {}

    def walk(model: type[BaseModel]) -> None:
        if model in shapes:
            return
        nested, text = [], []
        for name, info in model.model_fields.items():
            if _model_args(info.annotation):
                nested.append(name)
            elif str in _leaf_types(info.annotation) and not any(
                    getattr(m, "pattern", None) for m in info.metadata):
                text.append(name)  # identifiers have patterns and hold no colons: skipped
        shapes[model] = Shape(tuple(nested), tuple(text))
        for name in nested:
            for arg in _model_args(model.model_fields[name].annotation):
                walk(arg)

    walk(CaseFile)
    return shapes


SHAPES = _shapes()
"""Every model class reachable from :class:`CaseFile`, with its shape."""

KNOWN_NAMES = frozenset(name for model in SHAPES for name in model.model_fields)
"""Every field name the case-file format defines, at any depth."""
