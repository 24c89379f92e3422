"""Fields a case uses that its declared release's format does not have.

The case model is the newest format; each release's ledger records the format it had. A case
that declares an earlier release but records a field added later (a plan history in a case on
1.1.0) would be judged by rules that never saw that field, so it is refused, with the release
that added the field named: move the case to that release to use it. Found by comparing the
two schemas once per release; each case is then checked only at the few fields added since.
"""

from __future__ import annotations

import functools
from typing import Any

from protocol_checks.findings import InputProblem, Path, json_path
from protocol_checks.ledger import read_ledger
from protocol_checks.locate import PathLines
from protocol_checks.release import all_releases, version_key, working_release
from protocol_checks.schema import case_schema
from protocol_checks.schema_words import resolve

EDITOR_ONLY = frozenset({"$schema"})
"""Keys for editors, not for the protocol: accepted whatever release a case declares."""


def _resolve(spec: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The object schema behind a field: resolved, and a list's items resolved in turn."""
    spec = resolve(spec, defs)
    return resolve(spec.get("items", {}), defs) if spec.get("type") == "array" else spec


def _added(new: dict, old: dict | None, new_defs: dict, old_defs: dict, at: Path) -> list[Path]:
    out: list[Path] = []
    for name, spec in new.get("properties", {}).items():
        if at == () and name in EDITOR_ONLY:
            continue
        before = (old or {}).get("properties", {}).get(name)
        if before is None:
            out.append((*at, name))
            continue
        inner, was = _resolve(spec, new_defs), _resolve(before, old_defs)
        if "properties" in inner:
            out += _added(inner, was, new_defs, old_defs, (*at, name))
    return out


@functools.cache
def added_since(version: str) -> tuple[tuple[Path, str], ...]:
    """Fields of the newest format that release ``version``'s did not have, each with the
    first release that has it."""
    ledger = read_ledger(version) if version != working_release().version else None
    if ledger is None:
        return ()
    new = case_schema()
    old = ledger["schema"]
    paths = _added(new, old, new.get("$defs", {}), old.get("$defs", {}), ())
    return tuple((p, _first_with(p, version)) for p in paths)


def _first_with(path: Path, after: str) -> str:
    """The first release after ``after`` whose format has ``path``."""
    later = [r.version for r in all_releases() if r.key > version_key(after)]
    for version in later:
        ledger = read_ledger(version) if version != working_release().version else None
        schema = ledger["schema"] if ledger is not None else case_schema()
        if _has(schema, path):
            return version
    return later[-1] if later else after


def _has(schema: dict, path: Path) -> bool:
    defs, spec = schema.get("$defs", {}), schema
    for name in path:
        spec = _resolve(spec, defs).get("properties", {}).get(name)
        if spec is None:
            return False
    return True


def _present(value: Any, path: Path) -> Path | None:
    """Where ``path`` holds a value in ``value`` (a case or a part of it), or None; lists
    are searched in order and the first element holding it is named."""
    if not path:
        empty = value is None or (isinstance(value, list) and not value)
        return None if empty else ()
    if isinstance(value, list):
        for i, element in enumerate(value):
            found = _present(element, path)
            if found is not None:
                return (i, *found)
        return None
    fields_set = getattr(value, "model_fields_set", None)
    if fields_set is not None and path[0] not in fields_set:
        return None  # left to its default: not recorded
    inner = getattr(value, path[0], None)
    if inner is None:
        return None
    found = _present(inner, path[1:])
    return None if found is None else (path[0], *found)


def newer_fields(case: Any, version: str, text: str | None = None) -> list[InputProblem]:
    """A problem for each field ``case`` records that release ``version``'s format lacks,
    located in the file's ``text`` when given."""
    problems = []
    for path, since in added_since(version):
        where = _present(case, path)
        if where is not None:
            line = PathLines(text).line_of(where) if text is not None else None
            problems.append(InputProblem(
                f"field {path[-1]!r} is not in the case-file format of release {version}, "
                f"which this case declares; it was added in release {since}: declare that "
                "release to record it", line, None, json_path(where), invalid=True))
    return problems
