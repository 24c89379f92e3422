"""The case-file reference, generated from the pydantic model's JSON Schema, and the schema
file itself, published with the site at ``schema/case-file.schema.json``.

Objects are listed in the order a reader meets them walking the case file's fields, which follow
the patient's path (referral, roles, assessment, treatment, end, closure), not alphabetically:
staff look a field up by where the case is, not by its class name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

from protocol_checks.case import SCHEMA_ID, SCHEMA_PATH
from protocol_checks.schema import case_schema
from protocol_checks.sphinxext.common import ProtocolDirective, joined, table, xref

_PARAS = re.compile(r"\bP(\d{1,2})\b")


def _anchor(name: str) -> str:
    return "casefile-" + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _type_of(spec: dict, defs: dict) -> tuple[list[nodes.Node], bool]:
    """A readable type, with links to object definitions; and whether null is allowed."""
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        if "enum" in defs.get(name, {}):
            return _type_of(defs[name], defs)
        ref = nodes.reference("", name, refid=_anchor(name))
        return [ref], False
    if "anyOf" in spec:
        parts, nullable = [], False
        for option in spec["anyOf"]:
            if option.get("type") == "null":
                nullable = True
                continue
            sub, _ = _type_of(option, defs)
            parts.append(sub)
        flat: list[nodes.Node] = []
        for i, part in enumerate(parts):
            if i:
                flat.append(nodes.Text(" or "))
            flat.extend(part)
        return flat, nullable
    kind = spec.get("type")
    if kind == "array":
        inner, _ = _type_of(spec.get("items", {}), defs)
        return [nodes.Text("list of "), *inner], False
    if "enum" in spec:
        return [nodes.Text("one of: "),
                *joined(nodes.literal(text=str(v)) for v in spec["enum"])], False
    if kind == "string" and spec.get("format") == "date":
        return [nodes.Text("date (YYYY-MM-DD)")], False
    if kind == "string" and "pattern" in spec:
        return [nodes.Text("pseudonymous ID")], False
    words = {"string": "text", "boolean": "true or false", "integer": "whole number",
             "number": "number", "object": "object"}
    return [nodes.Text(words.get(str(kind), str(kind)))], False


def _refs(spec: object) -> Iterator[str]:
    """The definitions a schema node refers to, in the order they appear in it."""
    if isinstance(spec, dict):
        if "$ref" in spec:
            yield spec["$ref"].rsplit("/", 1)[-1]
        for value in spec.values():
            yield from _refs(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _refs(value)


def object_order(schema: dict) -> list[str]:
    """The objects of the schema (definitions with properties) in the order a depth-first walk
    of the case file's fields reaches them; any not reached (none today) come last."""
    defs = schema.get("$defs", {})
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order or "properties" not in defs.get(name, {}):
            return
        order.append(name)
        for ref in _refs(defs[name]["properties"]):
            visit(ref)

    for ref in _refs(schema.get("properties", {})):
        visit(ref)
    return order + [n for n, spec in defs.items() if "properties" in spec and n not in order]


def _paragraphs(text: str) -> list[str]:
    """A description's paragraphs, each on one line: docstrings wrap at the code's margin, and
    a line break there is not a break in the meaning."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def _paragraph_links(text: str) -> list[nodes.Node]:
    found = sorted({int(n) for n in _PARAS.findall(text) if 1 <= int(n) <= 13})
    if not found:
        return [nodes.Text("")]
    return joined(xref("ref", f"source-p{n}", f"P{n}") for n in found)


class CaseFileReferenceDirective(ProtocolDirective):
    """Every object of the case file: field, type, required, meaning, source paragraph."""

    def run(self) -> list[nodes.Node]:
        schema = case_schema()
        self.env.note_dependency(str(Path(__file__).resolve().parents[1] / "case.py"))
        objects = [("CaseFile", schema)] + [
            (name, schema["$defs"][name]) for name in object_order(schema)
        ]
        depth = self.env.current_document.docname.count("/")
        link = nodes.paragraph()
        link += nodes.Text("The JSON Schema generated from this model is published with the "
                           "handbook: ")
        link += nodes.reference("", SCHEMA_PATH, refuri="../" * depth + SCHEMA_PATH)
        link += nodes.Text(f" (its $id, {SCHEMA_ID}, is a name, not an address). Editors such "
                           "as VS Code can use it to check case files as you type.")
        out: list[nodes.Node] = [link]
        for name, spec in objects:
            box = nodes.container(ids=[_anchor(name)], classes=["casefile-object"])
            heading = nodes.rubric()
            heading += nodes.literal(text=name)
            box += heading
            for paragraph in _paragraphs(spec.get("description", "")):
                box += nodes.paragraph(text=paragraph)
            required = set(spec.get("required", []))
            rows = []
            for field, fspec in spec["properties"].items():
                kind, nullable = _type_of(fspec, schema["$defs"])
                meaning = " ".join(_paragraphs(fspec.get("description", "")))
                need = "required" if field in required else ("optional" if not nullable
                                                              else "optional (may be null)")
                rows.append(([[nodes.literal(text=field)], kind, need, meaning,
                              _paragraph_links(meaning)], []))
            box += table(["Field", "Type", "Required", "Meaning", "Source"], rows,
                         [18, 22, 10, 40, 10], classes=["casefile-table"])
            out.append(box)
        for node in out:
            self.set_source_info(node)
        return out


def _publish_schema(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / SCHEMA_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(case_schema(), indent=2) + "\n", encoding="utf-8")


def setup_casefile(app: Sphinx) -> None:
    app.add_directive("case-file-reference", CaseFileReferenceDirective)
    app.connect("build-finished", _publish_schema)
