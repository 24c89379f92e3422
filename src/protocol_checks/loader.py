"""Bytes to case: read a file safely, refuse what is ambiguous, and locate every problem.

The input is opened read-only and never modified. Problems are returned, not raised, and their
messages never repeat the file's content: only positions, JSON paths and field names that the
case-file format itself defines.

The entry points are here; the work is in :mod:`~protocol_checks.reading` (bytes and encodings),
:mod:`~protocol_checks.duplicates` (repeated keys) and :mod:`~protocol_checks.diagnose` (naming
and locating each problem).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from protocol_checks.case import CaseFile
from protocol_checks.diagnose import against_schema, diagnose
from protocol_checks.duplicates import unambiguous
from protocol_checks.findings import InputProblem
from protocol_checks.placeholders import MARK
from protocol_checks.reading import BOM, MAX_BYTES, read_bytes
from protocol_checks.shapes import KNOWN_NAMES
from protocol_checks.views import case_view

__all__ = ["KNOWN_NAMES", "MAX_BYTES", "Loaded", "load", "parse", "read_bytes"]


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


def parse(data: bytes) -> Loaded:
    """Parse bytes into a case file, or report precisely why not.

    Fast path: one validation straight from bytes in pydantic's parser, plus a duplicate-key
    count. Anything unusual (a failure, a BOM, NUL bytes, ``\\u`` escapes, duplicate keys, a
    ``<`` that may start a placeholder left to fill) takes the careful path, which parses
    again to name and locate the problem.
    """
    # A backslash is rare in a case file: one fast byte search spares most files the slower
    # search for the two bytes of a ``\\u`` escape.
    escaped = b"\\" in data and b"\\u" in data
    if data[:3] != BOM and b"\x00" not in data and not escaped and MARK not in data:
        try:
            case = case_view(data)  # the model's validation, into views the rules read fast
        except ValidationError as exc:
            invalid = against_schema(exc, data)
            if invalid is not None:
                return Loaded(None, *invalid)
        else:
            if unambiguous(case, data):
                return Loaded(case, None, [], raw=data)
    return Loaded(*diagnose(data))


def load(path: str, max_bytes: int = MAX_BYTES) -> Loaded:
    """Read and parse one file."""
    data, problem = read_bytes(path, max_bytes)
    if problem is not None:
        return Loaded(None, None, [problem])
    assert data is not None
    return parse(data)
