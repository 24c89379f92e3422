"""Bytes to case: read a file safely, refuse what is ambiguous, and locate every problem.

The input is opened read-only and never modified. Problems are returned, not raised, and their
messages never repeat the file's content: only positions, JSON paths and field names that the
case-file format itself defines.
"""

from __future__ import annotations

import json
import operator
import os
import re
import stat
import sys
from dataclasses import dataclass
from typing import get_args

from pydantic import BaseModel, ValidationError

from protocol_checks.case import CaseFile
from protocol_checks.findings import InputProblem, Path, json_path
from protocol_checks.locate import Located, PathLines, find_bare_token, scan

MAX_BYTES = 1_048_576
"""Largest case file accepted (1 MiB). Real case files are a few kilobytes."""

_BOM = b"\xef\xbb\xbf"


class _Duplicate(Exception):
    pass


class _NonFinite(Exception):
    pass


@dataclass(slots=True)
class Loaded:
    """A parsed case (or the problems that prevented it), with its text for locating lines.

    On the fast path the text is decoded only if asked for (that is, when there are findings).
    """

    case: CaseFile | None
    _text: str | None
    problems: list[InputProblem]
    raw: bytes | None = None

    @property
    def text(self) -> str | None:
        if self._text is None and self.raw is not None:
            self._text = self.raw.decode("utf-8")
        return self._text


def _model_args(annotation: object) -> list[type]:
    """The model classes inside a field's annotation (``X | None``, ``list[X]``...)."""
    out: list[type] = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            out.append(item)
        stack.extend(get_args(item))
    return out


@dataclass(frozen=True, slots=True)
class _Shape:
    """Per model class: the fields that hold further models, and the free-text fields.

    Counting the colons of only some strings is safe: a shortfall just sends the check to the
    exact comparison in :func:`_unambiguous`.
    """

    nested: tuple[str, ...]
    text: tuple[str, ...]


def _shapes() -> dict[type, _Shape]:
    shapes: dict[type, _Shape] = {}

    def walk(model: type[BaseModel]) -> None:
        if model in shapes:
            return
        nested, text = [], []
        for name, info in model.model_fields.items():
            if _model_args(info.annotation):
                nested.append(name)
            elif str in _leaf_types(info.annotation) and not any(
                    getattr(m, "pattern", None) for m in info.metadata):
                text.append(name)  # identifiers have patterns and hold no colons: skipped
        shapes[model] = _Shape(tuple(nested), tuple(text))
        for name in nested:
            for arg in _model_args(model.model_fields[name].annotation):
                walk(arg)

    walk(CaseFile)
    return shapes


def _leaf_types(annotation: object) -> set[object]:
    """The plain types at the bottom of an annotation (through unions, lists, Annotated)."""
    leaves, stack = set(), [annotation]
    while stack:
        item = stack.pop()
        args = get_args(item)
        if args:
            stack.extend(args)
        else:
            leaves.add(item)
    return leaves


_SHAPES = _shapes()

KNOWN_NAMES = frozenset(name for model in _SHAPES for name in model.model_fields)
"""Every field name the case-file format defines, at any depth."""


def safe_path(path: Path) -> str:
    """A JSON path that hides keys the format does not define (they may hold anything)."""
    return json_path(tuple(p if isinstance(p, int) or p in KNOWN_NAMES else "<unknown>" for p in path))


def read_bytes(path: str, max_bytes: int = MAX_BYTES) -> tuple[bytes | None, InputProblem | None]:
    """Read a regular file without blocking on FIFOs or following loops; never writes.

    The file is opened non-blocking and checked again on the open descriptor, so a path swapped
    for a FIFO or device between the check and the open still cannot make the read hang.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return None, InputProblem("symbolic link points to a file that does not exist")
        return None, InputProblem("file not found")
    except OSError as exc:
        return None, InputProblem(f"cannot open: {_reason(exc)}")
    if stat.S_ISDIR(info.st_mode):
        return None, InputProblem("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        return None, InputProblem("not a regular file (device, FIFO or socket); not read")
    if info.st_size > max_bytes:
        return None, _too_large(max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return None, InputProblem(f"cannot open: {_reason(exc)}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, InputProblem("not a regular file (device, FIFO or socket); not read")
        if info.st_size > max_bytes:
            return None, _too_large(max_bytes)
        data = _read_all(fd, info.st_size, max_bytes + 1)
    except OSError as exc:
        return None, InputProblem(f"cannot read: {_reason(exc)}")
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        return None, InputProblem(f"file grew past the limit of {max_bytes:,} bytes while read")
    return data, None


def _read_all(fd: int, expected: int, limit: int) -> bytes:
    """Up to ``limit`` bytes from ``fd``: one read sized by the file's length (plus one byte to
    see growth), so a small file costs no larger buffer than itself."""
    chunks = []
    want = min(expected + 1, limit)
    while limit > 0:
        asked = min(want, limit)
        chunk = os.read(fd, asked)
        if not chunk:
            break
        chunks.append(chunk)
        limit -= len(chunk)
        if len(chunk) < asked:
            break  # a regular file reads short only at its end
        want = 65_536
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _reason(exc: OSError) -> str:
    return (os.strerror(exc.errno) if exc.errno else "") or "unknown error"


def _too_large(max_bytes: int) -> InputProblem:
    return InputProblem(
        f"file is larger than the limit of {max_bytes:,} bytes; case files are small, "
        "so this is not read (see --max-bytes)"
    )


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (in characters) of byte ``offset``; the bytes before it are valid UTF-8."""
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    return before.count(b"\n") + 1, column


_UTF16_32_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"),
)

# Fixed reasons from json.JSONDecodeError; anything else is reported generically so that no
# message can carry a fragment of the file (the pure-Python scanner quotes characters).
_JSON_REASONS = (
    "Expecting value", "Expecting property name enclosed in double quotes",
    "Expecting ':' delimiter", "Expecting ',' delimiter", "Extra data",
    "Unterminated string starting at", "Invalid control character", "Invalid \\uXXXX escape",
    "Invalid \\escape", "Illegal trailing comma before end of object",
    "Illegal trailing comma before end of array",
)


_CLEARER = {
    "Invalid control character": "a control character (such as a tab or line break) inside a "
    "string must be escaped",
    "Unterminated string starting at": "a string is not closed (missing quote)",
    "Extra data": "more data after the end of the JSON value",
}


def _json_reason(msg: str) -> str:
    for reason in _JSON_REASONS:
        if msg.startswith(reason):
            return _CLEARER.get(reason, reason)
    return "malformed"


def _encoding_problem(data: bytes) -> InputProblem | None:
    """A file in another encoding, named as such (clearer than a bad UTF-8 byte)."""
    if data.startswith(_BOM):
        return InputProblem("file starts with a byte-order mark; save it as UTF-8 without BOM",
                            line=1, column=1)
    for bom, name in _UTF16_32_BOMS:
        if data.startswith(bom):
            return InputProblem(f"file is encoded as {name}; save it as UTF-8", line=1, column=1)
    nul = data.find(b"\x00")
    if nul != -1:
        line, col = _position(data, nul)
        return InputProblem("file holds NUL bytes: it is binary or UTF-16/UTF-32, not UTF-8 "
                            "JSON; save it as UTF-8", line, col)
    return None


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Duplicate
    return result


def _reject_constant(_name: str) -> None:
    raise _NonFinite


def _bare(token: str) -> bool:
    return token in ("NaN", "Infinity", "-Infinity")


def _too_long(token: str) -> bool:
    digits = token.lstrip("-")
    limit = sys.get_int_max_str_digits() or 0
    return digits.isdigit() and limit > 0 and len(digits) > limit


_FIELDS_SET = operator.attrgetter("__pydantic_fields_set__")


def _keys_and_text_colons(obj: BaseModel) -> int:
    """Keys the input gave this object and everything in it, plus the colons in its strings."""
    shape = _SHAPES[type(obj)]
    values = obj.__dict__
    count = len(obj.__pydantic_fields_set__)
    for name in shape.text:
        value = values[name]
        if value is not None:
            count += value.count(":")
    for name in shape.nested:
        value = values[name]
        if value is None:
            continue
        if type(value) is not list:
            count += _keys_and_text_colons(value)
        elif value:
            inner = _SHAPES[type(value[0])]
            if inner.nested or inner.text:
                count += sum(map(_keys_and_text_colons, value))
            else:  # lists of plain records (sessions, reports): counted without a call each
                count += sum(map(len, map(_FIELDS_SET, value)))
    return count


def _unambiguous(case: CaseFile, data: bytes) -> bool:
    """True when the document had no duplicate keys.

    Outside strings every colon is a key, and the parser collapses a duplicate key into one, so
    the input's colons equal the case's keys plus the colons inside its strings exactly when no
    key was repeated. Callers exclude ``\\u`` escapes, the one way a string could spell a colon
    differently. Should the quick count disagree (a colon in a string it does not visit), the
    model is dumped with only the fields the input set and compared.
    """
    colons = data.count(b":")
    if colons == _keys_and_text_colons(case):
        return True
    dumped = case.model_dump_json(exclude_unset=True).encode()
    return colons == dumped.count(b":")


def parse(data: bytes) -> Loaded:
    """Parse bytes into a case file, or report precisely why not.

    Fast path: one validation straight from bytes in pydantic's parser, plus a duplicate-key
    count. Anything unusual (a failure, a BOM, NUL bytes, surrogate escapes, duplicate keys)
    takes the careful path below, which parses again to name and locate the problem.
    """
    if data[:3] != _BOM and b"\x00" not in data and b"\\u" not in data:
        try:
            case = CaseFile.model_validate_json(data)
        except ValidationError as exc:
            invalid = _against_schema(exc, data)
            if invalid is not None:
                return invalid
        else:
            if _unambiguous(case, data):
                return Loaded(case, None, [], raw=data)
    return _diagnose(data)


_LONG_DIGITS = re.compile(rb"\d{%d}" % (sys.get_int_max_str_digits() + 1)
                          if sys.get_int_max_str_digits() else rb"(?!)")
"""A run of digits longer than Python's integer limit (the careful path names it); never
matches when the limit is off."""


def _against_schema(exc: ValidationError, data: bytes) -> Loaded | None:
    """Well-formed JSON that breaks the schema, reported from the first parse's errors; None
    when the careful path must decide (bad syntax, non-finite or over-long numbers, bad UTF-8).

    A duplicate key outranks the schema errors, as on the careful path.
    """
    errors = _errors(exc)
    if any(e["type"] == "json_invalid" for e in errors):
        return None
    if b"NaN" in data or b"Infinity" in data or _LONG_DIGITS.search(data):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if data.count(b":") != _keys_and_colons(parsed):
        return Loaded(None, text, [_duplicate_problem(scan(text))])
    return Loaded(None, text, _schema_problems(errors, text, PathLines(text)))


def _keys_and_colons(parsed: object) -> int:
    """Keys in a parsed document plus the colons inside its strings and keys: equal to the
    colons in its text unless a key was repeated (the same reasoning as :func:`_unambiguous`)."""
    count = 0
    stack = [parsed]
    while stack:
        value = stack.pop()
        if type(value) is dict:
            count += len(value) + sum(key.count(":") for key in value)
            stack.extend(value.values())
        elif type(value) is list:
            stack.extend(value)
        elif type(value) is str:
            count += value.count(":")
    return count


def _duplicate_problem(located: Located) -> InputProblem:
    path, line = located.duplicates[0] if located.duplicates else ((), None)
    return InputProblem("duplicate key: the same field appears twice in one object, so its value "
                        "is ambiguous", line, None, safe_path(path))


def _diagnose(data: bytes) -> Loaded:
    """The careful path: every check in turn, each problem named and located."""
    if not data.strip():
        return Loaded(None, None, [InputProblem("file is empty (or holds only whitespace)",
                                                line=1, column=1)])
    problem = _encoding_problem(data)
    if problem is not None:
        return Loaded(None, None, [problem])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        return Loaded(None, None, [InputProblem("invalid UTF-8 byte sequence", line, col)])
    try:
        parsed = json.loads(text, object_pairs_hook=_reject_duplicates,
                            parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        reason = _json_reason(exc.msg)
        return Loaded(None, text, [InputProblem(f"invalid JSON: {reason}", exc.lineno, exc.colno)])
    except _Duplicate:
        return Loaded(None, text, [_duplicate_problem(scan(text))])
    except _NonFinite:
        line, col = find_bare_token(text, _bare) or (None, None)
        return Loaded(None, text, [InputProblem("NaN or Infinity is not valid JSON", line, col)])
    except RecursionError:
        return Loaded(None, text, [InputProblem("nesting is too deep to be a case file", 1, 1)])
    except ValueError:  # integers longer than Python's digit limit
        line, col = find_bare_token(text, _too_long) or (None, None)
        return Loaded(None, text, [InputProblem("a number in the file is too long to read",
                                                line, col)])
    surrogate = _lone_surrogate(parsed)
    if surrogate is not None:
        return Loaded(None, text, [InputProblem(
            "a \\u escape encodes a lone surrogate, which is not a character",
            scan(text).line_of(surrogate), None, safe_path(surrogate))])
    try:
        case = CaseFile.model_validate_json(data)
    except ValidationError as exc:
        return Loaded(None, text, _schema_problems(_errors(exc), text))
    return Loaded(case, text, [])


def _lone_surrogate(parsed: object) -> Path | None:
    """The path of the first key or string holding a lone surrogate (valid to Python's parser,
    not to pydantic's nor to UTF-8), walked without recursion."""
    stack: list[tuple[Path, object]] = [((), parsed)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not value.isascii() and not _encodable(value):
                return path
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                if not key.isascii() and not _encodable(key):
                    return (*path, key)
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in reversed(list(enumerate(value))))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_AT_POSITION = re.compile(r"\s*at line (\d+) column (\d+)$")


def _errors(exc: ValidationError) -> list:
    """The errors without the input values, which could carry case data."""
    return exc.errors(include_url=False, include_input=False, include_context=False)


def _schema_problems(errors: list, text: str,
                     located: Located | PathLines | None = None) -> list[InputProblem]:
    located = located or scan(text)
    problems = []
    for error in errors:
        path: Path = tuple(error["loc"])
        kind = error["type"]
        line, column = located.line_of(path), None
        if kind == "extra_forbidden":
            message = "unknown field: the case-file format does not define it"
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "json_invalid":
            message = error["msg"]
            at = _AT_POSITION.search(message)
            if at is not None:
                line, column = int(at.group(1)), int(at.group(2))
                message = message[: at.start()]
            if "recursion limit" in message:
                message = "nesting is too deep to be a case file"
        else:
            message = error["msg"]
        problems.append(InputProblem(message, line, column, safe_path(path)))
    problems.sort(key=lambda p: p.line or 0)
    return problems


def load(path: str, max_bytes: int = MAX_BYTES) -> Loaded:
    """Read and parse one file."""
    data, problem = read_bytes(path, max_bytes)
    if problem is not None:
        return Loaded(None, None, [problem])
    assert data is not None
    return parse(data)
