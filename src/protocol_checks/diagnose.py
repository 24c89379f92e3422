"""Why bytes are not a case file: each problem named and located, without repeating the content.

Messages carry only positions, JSON paths and field names that the case-file format itself
defines; keys it does not define are hidden, and the parsers' own messages are reduced to fixed
reasons.
"""

from __future__ import annotations

import difflib
import json
import re
import sys

from pydantic import BaseModel, ValidationError

from protocol_checks.case import CaseFile
from protocol_checks.duplicates import DuplicateKey, parse_unique
from protocol_checks.evidence import _model_of
from protocol_checks.findings import InputProblem, Path, json_path
from protocol_checks.format_words import PATTERN_WORDS
from protocol_checks.locate import Located, PathLines, find_bare_token, scan
from protocol_checks.placeholders import placeholders, to_fill
from protocol_checks.reading import decode
from protocol_checks.schema_words import worded_error
from protocol_checks.shapes import KNOWN_NAMES, json_names


def safe_path(path: Path) -> str:
    """A JSON path that hides keys the format does not define (they may hold anything)."""
    return json_path(tuple(p if isinstance(p, int) or p in KNOWN_NAMES else "<unknown>" for p in path))


class _NonFinite(Exception):
    pass


def _reject_constant(_name: str) -> None:
    raise _NonFinite


def _bare(token: str) -> bool:
    return token in ("NaN", "Infinity", "-Infinity")


def _too_long(token: str) -> bool:
    digits = token.lstrip("-")
    limit = sys.get_int_max_str_digits() or 0
    return digits.isdigit() and limit > 0 and len(digits) > limit


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


_LONG_DIGITS = re.compile(rb"\d{%d}" % (sys.get_int_max_str_digits() + 1)
                          if sys.get_int_max_str_digits() else rb"(?!)")
"""A run of digits longer than Python's integer limit (the careful path names it); never
matches when the limit is off."""


def against_schema(exc: ValidationError, data: bytes) -> tuple[str, list[InputProblem]] | None:
    """Well-formed JSON that breaks the schema: its text and problems, from the first parse's
    errors; None when :func:`diagnose` must decide (bad syntax, non-finite or over-long numbers,
    bad UTF-8).

    A duplicate key outranks the schema errors, as in :func:`diagnose`.
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
        parse_unique(text)
    except DuplicateKey:
        return text, [_duplicate_problem(scan(text))]
    except (ValueError, RecursionError):
        return None
    return text, _schema_problems(errors, text, PathLines(text))


def _duplicate_problem(located: Located) -> InputProblem:
    path, line = located.duplicates[0] if located.duplicates else ((), None)
    return InputProblem("duplicate key: the same field appears twice in one object, so its value "
                        "is ambiguous", line, None, safe_path(path), invalid=True)


def diagnose(data: bytes) -> tuple[CaseFile | None, str | None, list[InputProblem]]:
    """The careful path: every check in turn, each problem named and located.

    Returns the case (when, after all, there is no problem), the text (once decoded) and the
    problems.
    """
    if not data.strip():
        return None, None, [InputProblem("file is empty (or holds only whitespace)", line=1, column=1)]
    text, problem = decode(data)
    if problem is not None:
        return None, None, [problem]
    assert text is not None
    try:
        parsed = parse_unique(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        reason = _json_reason(exc.msg)
        return None, text, [InputProblem(f"invalid JSON: {reason}", exc.lineno, exc.colno)]
    except DuplicateKey:
        return None, text, [_duplicate_problem(scan(text))]
    except _NonFinite:
        line, col = find_bare_token(text, _bare) or (None, None)
        return None, text, [InputProblem("NaN or Infinity is not valid JSON", line, col)]
    except RecursionError:
        return None, text, [InputProblem("nesting is too deep to be a case file", 1, 1)]
    except ValueError:  # integers longer than Python's digit limit
        line, col = find_bare_token(text, _too_long) or (None, None)
        return None, text, [InputProblem("a number in the file is too long to read", line, col)]
    surrogate = _lone_surrogate(parsed)
    if surrogate is not None:
        return None, text, [InputProblem(
            "a \\u escape encodes a lone surrogate, which is not a character",
            scan(text).line_of(surrogate), None, safe_path(surrogate))]
    holes = placeholders(parsed)
    try:
        case = CaseFile.model_validate_json(data)
    except ValidationError as exc:
        return None, text, _with_placeholders(holes, _errors(exc), text)
    if holes:
        return None, text, _with_placeholders(holes, [], text)
    return case, text, []


def _with_placeholders(holes: list[Path], errors: list, text: str) -> list[InputProblem]:
    """Each placeholder as what to fill in, with the schema problems found elsewhere."""
    if not holes:
        return _schema_problems(errors, text)
    located = scan(text)
    filled = set(holes)
    problems = [InputProblem(to_fill(path), located.line_of(path), None, safe_path(path),
                             invalid=True) for path in holes]
    problems += _schema_problems([e for e in errors if tuple(e["loc"]) not in filled], text,
                                 located)
    problems.sort(key=lambda p: p.line or 0)
    return problems


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


_FIELD_LIKE = re.compile(r"^[a-z][a-z_]{1,40}$")


def _model_at(path: Path) -> type[BaseModel] | None:
    """The model of the object at ``path`` (list indexes skipped), from the case-file model."""
    model: type[BaseModel] | None = CaseFile
    for part in path:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        model = _model_of(model.model_fields[part].annotation)
    return model


def _unknown_field(path: Path) -> str:
    """Say what a misspelt key should be: the nearest field of the object it is in. The key
    itself is named only when it is that close to a field name (so it is a typing slip, not a
    value someone wrote as a key)."""
    key, model = path[-1] if path else "", _model_at(path[:-1])
    if key == "$schema":
        return "unknown field: $schema is allowed only at the top level of the file"
    fields = json_names(model) if model is not None else []
    near = (difflib.get_close_matches(key, fields, n=1, cutoff=0.75)
            if isinstance(key, str) and _FIELD_LIKE.match(key) else [])
    if near:
        return f"unknown field {key!r}; did you mean {near[0]!r}?"
    allowed = f"; the fields here are: {', '.join(fields)}" if 0 < len(fields) <= 12 else ""
    return f"unknown field: the case-file format does not define it{allowed}"


_PATTERN = re.compile(r"^String should match pattern '(?P<pattern>.*)'$")


def _pattern_in_words(msg: str) -> str:
    found = _PATTERN.match(msg)
    words = PATTERN_WORDS.get(found.group("pattern")) if found else None
    return f"should be {words}" if words else msg


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
            message = _unknown_field(path)
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "string_pattern_mismatch":
            message = _pattern_in_words(error["msg"])
        elif kind == "json_invalid":
            message = error["msg"]
            at = _AT_POSITION.search(message)
            if at is not None:
                line, column = int(at.group(1)), int(at.group(2))
                message = message[: at.start()]
            if "recursion limit" in message:
                message = "nesting is too deep to be a case file"
        else:
            message = worded_error(kind, error["msg"], path)
        problems.append(InputProblem(message, line, column, safe_path(path),
                                     invalid=kind != "json_invalid"))
    problems.sort(key=lambda p: p.line or 0)
    return problems
