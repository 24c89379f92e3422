"""The case file's JSON Schema, generated from the pydantic model (never written by hand)."""

from __future__ import annotations

from typing import Any

from protocol_checks.case import SCHEMA_ID, CaseFile

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def case_schema() -> dict[str, Any]:
    schema = CaseFile.model_json_schema(mode="validation")
    return {"$schema": DIALECT, "$id": SCHEMA_ID, **{k: v for k, v in schema.items() if k != "$id"}}
