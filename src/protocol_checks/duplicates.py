"""Duplicate keys: one fast check for the fast path, one exact check for everything else.

An object that repeats a key is ambiguous (parsers differ on which value wins; pydantic's keeps
the last, silently), so the loader refuses it. Both checks only answer whether some object repeats
a key; :func:`protocol_checks.locate.scan` finds where, once a file is known to be refused.

**Fast**, :func:`unambiguous`: after pydantic has validated the bytes into a case, with no second
parse. It requires bytes without a ``\\u`` escape (``parse`` takes its fast path only then): an
escape could spell a colon, or a key, differently. Without one,

- the colons in the bytes are the key occurrences (outside strings every colon separates a key
  from its value) plus the colons inside strings (no other escape spells a colon), and
- the check counts, over every object of the case, the keys the input set (pydantic's
  ``model_fields_set``) plus the colons in its free-text values, and compares the two. For a
  model whose fields are all required, the keys set are all its fields (validation fails
  otherwise), so a list of its records is counted from its length without reading one.

*Sound* (equal only without duplicates), whatever the model, provided its defaults hold nothing
to count (None, an empty list, an object with nothing set, as every default of the case model
does; tests/test_duplicate_keys.py checks it): each key counted is a distinct key occurrence in
the bytes and each string counted is one string in the bytes, so the count never exceeds the
colons; and a repeated key is counted once (pydantic keeps the last value; an object under a
value it discarded is not counted at all), so any duplicate makes the count fall short. (So
counting less than this never makes the check unsound: it only sends clean files the careful
way.)

*Complete* (a valid case without duplicates is always equal, so a clean file never pays for the
exact check). This relies on the model: ``extra="forbid"`` makes every key of the bytes a field
that the case records as set (an unknown key fails validation) and field names hold no colons;
no field is a plain dict, so every object is a model the count visits; and every string that can
hold a colon is a free-text field it counts, because the others hold none in a valid case
(identifiers, rule IDs and waiver paths have patterns that exclude it, enum values have none,
strict dates are ``YYYY-MM-DD``; the ``$schema`` reference, whose pattern admits a URL's colon,
is counted with the free text; see :class:`protocol_checks.shapes.Shape`). Should a change to
the model break this (a pattern admitting a colon, a dict field, ``extra="allow"``), the result
would still be right: clean files would just take the careful path. tests/test_duplicate_keys.py
checks the two checks agree.

**Exact**, :func:`parse_unique`: Python's JSON parser with a hook that refuses any object with a
repeated key. It needs no case and accepts any text, so the careful path and schema-invalid input
(where there is no case to count) use it.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from protocol_checks.case import CaseFile
from protocol_checks.shapes import SHAPES

_FIELDS_SET = operator.attrgetter("__pydantic_fields_set__")
_COLONS = operator.methodcaller("count", ":")


@dataclass(frozen=True, slots=True)
class _Records:
    """How :func:`_in_list` reads a list of one model's records, worked out once from its shape:
    getters of the fields to map over the list in C, and, when every field is required, the
    number of keys each record sets (all of its fields), so the list needs no reading to count
    them."""

    text_getters: tuple[Callable[[BaseModel], str | None], ...]
    nested_getters: tuple[Callable[[BaseModel], object], ...]
    keys_of_each: int | None


def _records(model: type[BaseModel]) -> _Records:
    shape, fields = SHAPES[model], model.model_fields.values()
    all_required = all(info.is_required() for info in fields)
    return _Records(tuple(map(operator.attrgetter, shape.text)),
                    tuple(map(operator.attrgetter, shape.nested)),
                    len(fields) if all_required else None)


_RECORDS = {model: _records(model) for model in SHAPES}
"""Each model class of the case, and each of its views, with how a list of it is read."""


def unambiguous(case: CaseFile, data: bytes) -> bool:
    """True when ``data``, which validated into ``case`` and holds no ``\\u`` escape, repeats
    no key in any object (the module's docstring gives the reasoning)."""
    return data.count(b":") == _keys_and_text_colons(case)


def _keys_and_text_colons(obj: BaseModel) -> int:
    """Keys the input gave this object and everything in it, plus the colons in its strings."""
    shape = SHAPES[type(obj)]
    values = obj.__dict__
    count = len(obj.__pydantic_fields_set__)
    for name in shape.text:
        value = values[name]
        if value is not None:
            count += value.count(":")
    for name in shape.nested:
        value = values[name]
        if value:  # None, or an empty list: nothing in it to count
            count += _in_list(value) if type(value) is list else _keys_and_text_colons(value)
    return count


def _in_list(items: list[BaseModel]) -> int:
    """:func:`_keys_and_text_colons` summed over a list (not empty) of records of one model,
    a field at a time across the list, in C: a case's long lists (sessions) cost no Python step
    per record, only per part a record has (a session's rare follow-up)."""
    records = _RECORDS[type(items[0])]
    count = (sum(map(len, map(_FIELDS_SET, items))) if records.keys_of_each is None
             else records.keys_of_each * len(items))
    for text_of in records.text_getters:
        count += sum(map(_COLONS, filter(None, map(text_of, items))))
    for nested_of in records.nested_getters:
        for value in filter(None, map(nested_of, items)):
            count += _in_list(value) if type(value) is list else _keys_and_text_colons(value)
    return count


class DuplicateKey(Exception):
    """Some object in the document repeats a key."""


def _unique_pairs(pairs: list[tuple[str, object]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise DuplicateKey
    return result


def parse_unique(text: str, parse_constant: Callable[[str], object] | None = None) -> object:
    """``json.loads(text)``, raising :class:`DuplicateKey` for an object that repeats a key
    (and json's own errors for malformed text)."""
    return json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=parse_constant)
