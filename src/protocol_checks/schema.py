"""The case file's JSON Schema, generated from the pydantic model (never written by hand)."""

from __future__ import annotations

from typing import Any

from protocol_checks.case import SCHEMA_ID, SCHEMA_PATH, CaseFile

DIALECT = "https://json-schema.org/draft/2020-12/schema"

COMMENT = (f"The $id is a name, not an address. Fetch the schema from your handbook's "
           f"{SCHEMA_PATH}, or write a copy with 'protocol-checks schema -o FILE'.")
"""Said in the schema itself, so nobody tries to fetch the ``$id``."""


def case_schema() -> dict[str, Any]:
    """The working release's schema: the dialect, the ``$id`` and a comment on it first, so
    editors and readers meet them before the definitions."""
    schema = CaseFile.model_json_schema(mode="validation")
    rest = {k: v for k, v in schema.items() if k != "$id"}
    return {"$schema": DIALECT, "$id": SCHEMA_ID, "$comment": COMMENT, **rest}
