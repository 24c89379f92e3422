"""What a field of the case-file schema takes, said in words: for a placeholder left to fill
and for an error of type ("should be true or false", not "Input should be a valid boolean")."""

from __future__ import annotations

import functools
from typing import Any

from protocol_checks.format_words import in_words
from protocol_checks.schema import case_schema

_WORDED = frozenset({
    "bool_type", "bool_parsing", "int_type", "int_parsing", "int_from_float", "string_type",
    "date_type", "list_type", "dict_type", "model_type", "model_attributes_type", "enum",
    "literal_error", "is_instance_of", "float_type", "float_parsing",
})
"""Error kinds that only say what type a field takes: said from the schema, in words."""
_DATES = ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact")
"""Date errors whose reason (a day out of range) is worth keeping after the words."""


def worded_error(kind: str, message: str, path: tuple) -> str:
    """A type error said as what the field takes ("should be true or false") rather than in
    the parser's words ("Input should be a valid boolean"); other messages as they are."""
    if kind not in _WORDED and kind not in _DATES:
        return message
    spec = spec_at(path)
    if spec is None:
        return message
    words = in_words(spec, schema_defs())
    if kind in _DATES:
        reason = message.partition(", ")[2]
        return f"should be a real date (YYYY-MM-DD){': ' + reason if reason else ''}"
    return f"should be {words}"


@functools.cache
def schema_defs() -> dict[str, Any]:
    return case_schema().get("$defs", {})


@functools.cache
def _root() -> dict[str, Any]:
    return case_schema()


def resolve(spec: dict[str, Any], defs: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a schema node takes when given: a ``$ref`` followed (in ``defs``, by default the
    current schema's), an ``anyOf`` with null reduced to its other option."""
    defs = schema_defs() if defs is None else defs
    if "$ref" in spec:
        return resolve(defs.get(spec["$ref"].rsplit("/", 1)[-1], {}), defs)
    options = [o for o in spec.get("anyOf", ()) if o.get("type") != "null"]
    if len(options) == 1:
        return resolve({**options[0], **{k: v for k, v in spec.items() if k != "anyOf"}}, defs)
    return spec


def spec_at(path: tuple) -> dict[str, Any] | None:
    """The schema of the field at ``path`` in a case file (list indexes step into items)."""
    spec: dict[str, Any] | None = resolve(_root())
    for part in path:
        if spec is None:
            return None
        inner = spec.get("items") if isinstance(part, int) else spec.get(
            "properties", {}).get(part)
        spec = resolve(inner) if inner is not None else None
    return spec
