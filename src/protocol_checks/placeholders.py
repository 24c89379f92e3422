"""Placeholders left to fill: found in a case file, and each said as what belongs there.

``protocol-checks new`` writes :data:`PLACEHOLDER` wherever a stage needs a record. It is the
only value the loader recognises (by equality, so nothing the user wrote is ever repeated):
each one is reported at its path with what the field takes, in words, from the schema.
"""

from __future__ import annotations

import functools
from typing import Any

from protocol_checks.findings import Path
from protocol_checks.format_words import in_words
from protocol_checks.schema import case_schema

PLACEHOLDER = "<fill in>"
MARK = b"<"
"""A byte every placeholder holds: files without it skip the search (one fast scan)."""


def placeholders(parsed: object) -> list[Path]:
    """The paths holding :data:`PLACEHOLDER`, in the order of the file (walked iteratively)."""
    found: list[Path] = []
    stack: list[tuple[Path, object]] = [((), parsed)]
    while stack:
        path, value = stack.pop()
        if value == PLACEHOLDER:
            found.append(path)
        elif isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(value))))
    return found


def to_fill(path: Path) -> str:
    """The message for a placeholder at ``path``: what to write there."""
    spec = _spec_at(path)
    what = in_words(spec, _defs()) if spec is not None else "a value"
    return f"to fill in: {what}"


@functools.cache
def _defs() -> dict[str, Any]:
    return case_schema()["$defs"]


def _resolve(spec: dict[str, Any]) -> dict[str, Any]:
    """Follow a ``$ref`` and drop a ``null`` alternative (a placeholder stands for a value)."""
    if "$ref" in spec:
        return _resolve(_defs()[spec["$ref"].rsplit("/", 1)[-1]])
    options = [o for o in spec.get("anyOf", ()) if o.get("type") != "null"]
    if len(options) == 1:
        return _resolve({**options[0], **{k: v for k, v in spec.items() if k != "anyOf"}})
    return spec


def _spec_at(path: Path) -> dict[str, Any] | None:
    spec: dict[str, Any] | None = _resolve(case_schema())
    for part in path:
        if spec is None:
            return None
        inner = spec.get("items") if isinstance(part, int) else spec.get(
            "properties", {}).get(part)
        spec = _resolve(inner) if inner is not None else None
    return spec
