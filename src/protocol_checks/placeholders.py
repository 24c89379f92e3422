"""Placeholders left to fill: found in a case file, and each said as what belongs there.

``protocol-checks new`` writes :data:`PLACEHOLDER` wherever a stage needs a record. It is the
only value the loader recognises (by equality, so nothing the user wrote is ever repeated):
each one is reported at its path with what the field takes, in words, from the schema.
"""

from __future__ import annotations

from protocol_checks.findings import Path
from protocol_checks.format_words import in_words
from protocol_checks.schema_words import schema_defs, spec_at

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


_EXAMPLE_DATE = "2026-01-05"
_EXAMPLE_ID = "STAFF-001"
_EXAMPLE_TEXT = "An example text, to be replaced."
_LATEST_BEFORE_CLOSURE = "long_term_contact"
"""A closed case's last stage, as an example: the one that asks the most of the record."""


def example_value(path: Path) -> object:
    """A valid value for the placeholder at ``path``, to try a skeleton with (never written
    to a case file): an enumeration's first choice, a date, a staff ID, true or a text."""
    spec = spec_at(path) or {}
    if path and path[-1] == "last_stage":
        return _LATEST_BEFORE_CLOSURE
    if "enum" in spec:
        return spec["enum"][0]
    if spec.get("format") == "date":
        return _EXAMPLE_DATE
    if "pattern" in spec:
        return _EXAMPLE_ID
    return {"boolean": True, "integer": 1}.get(str(spec.get("type")), _EXAMPLE_TEXT)


def example_filled(node: object, path: Path = ()) -> object:
    """``node`` with every placeholder replaced by :func:`example_value`."""
    if node == PLACEHOLDER:
        return example_value(path)
    if isinstance(node, dict):
        return {k: example_filled(v, (*path, k)) for k, v in node.items()}
    if isinstance(node, list):
        return [example_filled(v, (*path, i)) for i, v in enumerate(node)]
    return node


def to_fill(path: Path) -> str:
    """The message for a placeholder at ``path``: what to write there."""
    spec = spec_at(path)
    what = in_words(spec, schema_defs()) if spec is not None else "a value"
    return f"to fill in: {what}"
