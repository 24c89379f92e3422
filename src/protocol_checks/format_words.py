"""The case-file format said in words, for messages staff read (not regular expressions)."""

from __future__ import annotations

from typing import Any

from protocol_checks.case_fields import (
    ITEM_ID_PATTERN,
    PSEUDONYMOUS_PATTERN,
    RULE_ID_PATTERN,
    SCHEMA_FILE,
    SCHEMA_REF_PATTERN,
    SCOPE_PATTERN,
)

PATTERN_WORDS = {
    PSEUDONYMOUS_PATTERN: "capital letters, a hyphen, then digits or capitals (for example "
    "CASE-0042 or STAFF-017)",
    RULE_ID_PATTERN: "three to five capital letters, a hyphen and three digits (for example "
    "MOD-006)",
    ITEM_ID_PATTERN: "two capital letters, a hyphen and one or two digits (for example BA-7)",
    SCOPE_PATTERN: "a JSON path in this file (for example $.sessions[14])",
    SCHEMA_REF_PATTERN: f"a URL or relative path whose last part is {SCHEMA_FILE}, naming this "
    f"protocol's case-file schema (for example ../{SCHEMA_FILE})",
}
"""The format's patterns, said in words."""


_TYPES = {"boolean": "true or false", "integer": "a whole number", "number": "a number",
          "string": "text", "object": "an object"}


def in_words(spec: dict[str, Any], defs: dict[str, Any]) -> str:
    """What a schema node takes: the choices of an enumeration, a date, a pattern in words."""
    if "$ref" in spec:
        return in_words(defs[spec["$ref"].rsplit("/", 1)[-1]], defs)
    if "enum" in spec:
        return "one of " + ", ".join(str(v) for v in spec["enum"])
    if spec.get("format") == "date":
        return "a date (YYYY-MM-DD)"
    if "pattern" in spec:
        return PATTERN_WORDS.get(spec["pattern"], "text in the format's pattern")
    if spec.get("type") == "array":
        inner = in_words(spec.get("items", {}), defs)
        return "a list of objects" if inner == "an object" else "a list of " + inner.removeprefix(
            "a ")
    if "anyOf" in spec:
        return " or ".join(in_words(o, defs) for o in spec["anyOf"] if o.get("type") != "null")
    return _TYPES.get(str(spec.get("type")), "a value")


_STAGE_WORDS = {"long_term_contact": "long-term contact"}
"""Stages whose words are not just their identifier with spaces."""


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``1 error``, ``2 errors``: a count with its noun agreeing."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def stage_words(stage: object) -> str:
    """A stage as staff say it ("long-term contact"), not its identifier
    (``long_term_contact``), for messages and reports; accepts a Stage or its value."""
    value = str(getattr(stage, "value", stage) or "")
    return _STAGE_WORDS.get(value, value.replace("_", " "))
