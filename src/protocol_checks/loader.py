"""Bytes to case: read a file safely, refuse what is ambiguous, and locate every problem.

The input is opened read-only and never modified. Problems are returned, not raised, and their
messages never repeat the file's content: only positions, JSON paths and field names that the
case-file format itself defines.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass

from pydantic import ValidationError

from protocol_checks.case import CaseFile
from protocol_checks.findings import InputProblem, Path, json_path
from protocol_checks.locate import scan

MAX_BYTES = 1_048_576
"""Largest case file accepted (1 MiB). Real case files are a few kilobytes."""

_BOM = b"\xef\xbb\xbf"


class _Duplicate(Exception):
    pass


class _NonFinite(Exception):
    pass


@dataclass(slots=True)
class Loaded:
    """A parsed case (or the problems that prevented it), with its text for locating lines."""

    case: CaseFile | None
    text: str | None
    problems: list[InputProblem]


def _known_names() -> frozenset[str]:
    names: set[str] = set()
    seen: set[type] = set()

    def walk(model: type) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(name)
            for arg in _model_args(info.annotation):
                walk(arg)

    walk(CaseFile)
    return frozenset(names)


def _model_args(annotation: object) -> list[type]:
    from typing import get_args

    from pydantic import BaseModel

    out: list[type] = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            out.append(item)
        stack.extend(get_args(item))
    return out


KNOWN_NAMES = _known_names()


def safe_path(path: Path) -> str:
    """A JSON path that hides keys the format does not define (they may hold anything)."""
    return json_path(tuple(p if isinstance(p, int) or p in KNOWN_NAMES else "<unknown>" for p in path))


def read_bytes(path: str, max_bytes: int = MAX_BYTES) -> tuple[bytes | None, InputProblem | None]:
    """Read a regular file without blocking on FIFOs or following loops; never writes."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None, InputProblem("file not found")
    except OSError as exc:
        return None, InputProblem(f"cannot open: {os.strerror(exc.errno or 0) or 'unknown error'}")
    if stat.S_ISDIR(info.st_mode):
        return None, InputProblem("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        return None, InputProblem("not a regular file (device, FIFO or socket); not read")
    if info.st_size > max_bytes:
        return None, InputProblem(
            f"file is larger than the limit of {max_bytes:,} bytes; case files are small, "
            "so this is not read (see --max-bytes)"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, InputProblem(f"cannot read: {os.strerror(exc.errno or 0) or 'unknown error'}")
    if len(data) > max_bytes:
        return None, InputProblem(f"file grew past the limit of {max_bytes:,} bytes while read")
    return data, None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    return line, offset - (before.rfind(b"\n") + 1) + 1


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Duplicate
    return result


def _reject_constant(_name: str) -> None:
    raise _NonFinite


def parse(data: bytes) -> Loaded:
    """Parse bytes into a case file, or report precisely why not."""
    if not data.strip():
        return Loaded(None, None, [InputProblem("file is empty", line=1, column=1)])
    if data.startswith(_BOM):
        return Loaded(None, None, [InputProblem(
            "file starts with a byte-order mark; save it as UTF-8 without BOM", line=1, column=1)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        return Loaded(None, None, [InputProblem("invalid UTF-8 byte sequence", line, col)])
    try:
        json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        reason = exc.msg.split(":")[0]
        return Loaded(None, text, [InputProblem(f"invalid JSON: {reason}", exc.lineno, exc.colno)])
    except _Duplicate:
        located = scan(text)
        path, line = located.duplicates[0] if located.duplicates else ((), None)
        return Loaded(None, text, [InputProblem(
            "duplicate key: the same field appears twice in one object, so its value is "
            "ambiguous", line, None, safe_path(path))])
    except _NonFinite:
        return Loaded(None, text, [InputProblem(
            "NaN or Infinity is not valid JSON", _first_line(text, ("NaN", "Infinity")))])
    except RecursionError:
        return Loaded(None, text, [InputProblem("nesting is too deep to be a case file", 1, 1)])
    except ValueError as exc:  # e.g. integers longer than Python's digit limit
        del exc
        return Loaded(None, text, [InputProblem("a number in the file is too long to read")])
    try:
        case = CaseFile.model_validate_json(data)
    except ValidationError as exc:
        return Loaded(None, text, _schema_problems(exc, text))
    return Loaded(case, text, [])


def _first_line(text: str, needles: tuple[str, ...]) -> int | None:
    positions = [text.find(n) for n in needles if n in text]
    return text.count("\n", 0, min(positions)) + 1 if positions else None


def _schema_problems(exc: ValidationError, text: str) -> list[InputProblem]:
    located = scan(text)
    problems = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        path: Path = tuple(error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            message = "unknown field: the case-file format does not define it"
        elif kind == "missing":
            message = "required field is missing"
        else:
            message = error["msg"]
        problems.append(InputProblem(message, located.line_of(path), None, safe_path(path)))
    return problems


def load(path: str, max_bytes: int = MAX_BYTES) -> Loaded:
    """Read and parse one file."""
    data, problem = read_bytes(path, max_bytes)
    if problem is not None:
        return Loaded(None, None, [problem])
    assert data is not None
    return parse(data)
