"""Duplicate keys: the fast check and the exact check agree, and both see every repeated key.

The inputs are valid case files (the clean examples and the cases tests/casefactory.py builds),
as they are, re-written, and with one key of one object repeated: at the top level, in a nested
object or in a list element; adjacent or not; with the same value or another one. Pydantic keeps
a repeated key's last value, so the last occurrence always holds a valid value and the document
still validates: that is what lets the fast check (which counts over the validated case) run at
all. Free-text fields are filled with colons, quotes, braces and ``"key": value`` look-alikes,
and discarded values with keys that hold colons, to put the colon counting to the test.

Which fields are free text is found here by trial (a string field that still validates when it
holds colons), not taken from the code under test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from casefactory import clean_treatment_case, new_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from protocol_checks import case as case_module
from protocol_checks.case import CaseFile
from protocol_checks.duplicates import DuplicateKey, parse_unique, unambiguous
from protocol_checks.findings import json_path
from protocol_checks.loader import parse

ROOT = Path(__file__).resolve().parents[1]
CLEAN = sorted((ROOT / "examples" / "cases" / "clean").glob("*.json"))
FACTORY = {"factory-new": new_case(), "factory-new-notes": new_case(notes="Seen: twice; next: May"),
           "factory-treatment": clean_treatment_case()}
BASES = {path.stem: json.loads(path.read_bytes()) for path in CLEAN} | FACTORY

SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def exact_duplicate(data: bytes) -> bool:
    try:
        parse_unique(data.decode("utf-8"))
    except DuplicateKey:
        return True
    return False


def fast_duplicate(data: bytes) -> bool:
    """The fast check, on bytes that validate (as on the loader's fast path)."""
    assert b"\\u" not in data  # the fast path's precondition: no input here has a \u escape
    return not unambiguous(CaseFile.model_validate_json(data), data)


# --------------------------------------------------------------------------------------------
# Documents that can repeat a key: an object is a list of pairs, written out by hand.


@dataclass
class Obj:
    pairs: list[tuple[str, object]]


def tree(value: object) -> object:
    if isinstance(value, dict):
        return Obj([(key, tree(item)) for key, item in value.items()])
    if isinstance(value, list):
        return [tree(item) for item in value]
    return value


STYLES = {"compact": (",", ":", None), "spaced": (", ", ": ", None), "indented": (",", ": ", 2)}


def emit(value: object, style: tuple[str, str, int | None], depth: int = 0) -> str:
    if isinstance(value, Obj):
        parts = [f"{json.dumps(key, ensure_ascii=False)}{style[1]}{emit(item, style, depth + 1)}"
                 for key, item in value.pairs]
        return _wrap("{", parts, "}", style, depth)
    if isinstance(value, list):
        return _wrap("[", [emit(item, style, depth + 1) for item in value], "]", style, depth)
    return json.dumps(value, ensure_ascii=False)


def _wrap(opener: str, parts: list[str], closer: str, style: tuple, depth: int) -> str:
    separator, _, indent = style
    if not parts or indent is None:
        return opener + separator.join(parts) + closer
    inner, outer = "\n" + " " * indent * (depth + 1), "\n" + " " * indent * depth
    return opener + inner + (separator + inner).join(parts) + outer + closer


def objects(value: object, path: tuple = ()) -> list[tuple]:
    """The path of every object with at least one key: the root, nested, in lists."""
    out = []
    if isinstance(value, Obj):
        out += [path] if value.pairs else []
        for key, item in value.pairs:
            out += objects(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += objects(item, (*path, i))
    return out


def at(value: object, path: tuple) -> object:
    for step in path:
        value = dict(value.pairs)[step] if isinstance(value, Obj) else value[step]
    return value


# --------------------------------------------------------------------------------------------
# What the bases hold: their free-text fields (by trial) and every value each key takes.


def _strings(value: object, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _strings(item, (*path, key))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _strings(item, (*path, i))]
    return [path] if isinstance(value, str) else []


def _valid(doc: dict) -> bool:
    try:
        CaseFile.model_validate_json(json.dumps(doc))
    except ValidationError:
        return False
    return True


@cache
def free_text(name: str) -> frozenset[tuple]:
    """The paths of the string fields in base ``name`` that may hold colons."""
    doc = BASES[name]
    found = {("notes",)}
    for path in _strings(doc):
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        kept, parent[path[-1]] = parent[path[-1]], "a: b: c: d: e"
        if _valid(doc):
            found.add(path)
        parent[path[-1]] = kept
    return frozenset(found)


def _values(value: object, out: dict[str, list]) -> dict[str, list]:
    if isinstance(value, dict):
        for key, item in value.items():
            out.setdefault(key, []).append(item)
            _values(item, out)
    elif isinstance(value, list):
        for item in value:
            _values(item, out)
    return out


VALUES: dict[str, list] = {}
for _doc in BASES.values():
    _values(_doc, VALUES)
KEYS = sorted(VALUES)

PIECES = [":", "::", " : ", "a:b", '":"', '", "notes": "', '{"case_id": 1}', "{", "}", "[", "]",
          ",", '"', "12:30", "C:\\temp", "line\\n", "notes:", "https://x.invalid/a:b"]
colon_text = (st.lists(st.sampled_from(PIECES)
                       | st.text(st.characters(exclude_categories=("Cs", "Cc"),
                                               exclude_characters="\\"), max_size=8),
                       max_size=30)
              .map("".join).map(lambda t: t if len(t) >= 10 else t + " :pad: :pad"))
"""Free text valid in every free-text field (10 to about 500 characters), rich in colons; no
piece ends with a backslash, so no ``\\u`` can appear."""

discarded = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | colon_text,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(colon_text | st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=6,
)
"""Anything: a value that an occurrence after it overrides is never validated."""


@st.composite
def documents(draw: st.DrawFn, repeat: bool) -> tuple[bytes, tuple | None]:
    """A base case with colon-rich free text; with ``repeat``, one key of one object repeated.
    Returns the bytes and the repeated key's path (None when nothing is repeated)."""
    name = draw(st.sampled_from(sorted(BASES)))
    doc = json.loads(json.dumps(BASES[name]))
    texts = free_text(name)
    for path in sorted(texts - {("notes",)}, key=str):
        if draw(st.booleans()):
            parent = doc
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = draw(colon_text)
    if draw(st.booleans()):
        doc["notes"] = draw(colon_text)
    root, repeated = tree(doc), None
    if repeat:
        path = draw(st.sampled_from(objects(root)))
        target = at(root, path)
        assert isinstance(target, Obj)
        key, last = target.pairs.pop(draw(st.integers(0, len(target.pairs) - 1)))
        if (*path, key) in texts and draw(st.booleans()):
            last = draw(colon_text)  # a different value, and the one that counts
        earlier = draw(st.lists(st.just(last) | st.sampled_from(VALUES[key]).map(tree)
                                | discarded.map(tree), min_size=1, max_size=2))
        places = sorted(draw(st.lists(st.integers(0, len(target.pairs)),
                                      min_size=len(earlier) + 1, max_size=len(earlier) + 1)))
        for shift, (place, value) in enumerate(zip(places, [*earlier, last], strict=True)):
            target.pairs.insert(place + shift, (key, value))
        repeated = (*path, key)
    style = STYLES[draw(st.sampled_from(sorted(STYLES)))]
    return emit(root, style).encode(), repeated


# --------------------------------------------------------------------------------------------


@SETTINGS
@given(documents(repeat=True))
def test_both_checks_see_a_repeated_key(drawn: tuple[bytes, tuple]) -> None:
    data, repeated = drawn
    assert fast_duplicate(data) == exact_duplicate(data) is True
    loaded = parse(data)
    assert loaded.case is None
    [problem] = loaded.problems
    assert problem.message.startswith("duplicate key:")
    assert problem.path == json_path(repeated)
    assert problem.line is not None


@SETTINGS
@given(documents(repeat=False))
def test_both_checks_agree_there_is_no_repeat(drawn: tuple[bytes, None]) -> None:
    data, _ = drawn
    assert fast_duplicate(data) == exact_duplicate(data) is False
    loaded = parse(data)
    assert loaded.problems == []
    assert loaded.case == CaseFile.model_validate_json(data)


@pytest.mark.parametrize("name", sorted(BASES))
def test_valid_inputs_as_written_have_no_repeat(name: str) -> None:
    """The files byte for byte (the factory's cases as ``json.dumps(indent=2)`` writes them),
    and the emitter's output in each style, which must mean the same document."""
    path = ROOT / "examples" / "cases" / "clean" / f"{name}.json"
    raw = path.read_bytes() if path.exists() else json.dumps(BASES[name], indent=2).encode()
    for data in (raw, *(emit(tree(BASES[name]), style).encode() for style in STYLES.values())):
        assert json.loads(data) == BASES[name]
        assert fast_duplicate(data) == exact_duplicate(data) is False
        assert parse(data).problems == []


def _holds_nothing_to_count(value: object) -> bool:
    """No key and no colon: None, a string without a colon, an empty list, or an object with
    no field set whose values hold nothing either."""
    if isinstance(value, BaseModel):
        return not value.model_fields_set and all(map(_holds_nothing_to_count,
                                                      value.__dict__.values()))
    if isinstance(value, str):
        return ":" not in value
    return not isinstance(value, (list, dict)) or not value


def test_no_default_holds_anything_the_fast_check_counts() -> None:
    """The fast check counts what the case holds, so its soundness needs every field the input
    leaves out to hold nothing it would count (the module's docstring says why)."""
    models = [m for m in vars(case_module).values()
              if isinstance(m, type) and issubclass(m, BaseModel) and m.model_fields]
    assert CaseFile in models
    for model in models:
        for name, info in model.model_fields.items():
            if not info.is_required():
                default = info.get_default(call_default_factory=True)
                assert _holds_nothing_to_count(default), (model.__name__, name, default)
