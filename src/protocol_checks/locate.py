"""Map JSON paths to line numbers, and find duplicate keys, by scanning the document's text.

Only files with findings or problems pay for this scan: a clean file never calls it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from protocol_checks.findings import Path

_NEWLINE = re.compile("\n")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


@dataclass
class Located:
    """Where each path starts (as a character offset), and any duplicate keys."""

    text: str
    offsets: dict[Path, int] = field(default_factory=dict)
    duplicate_offsets: list[tuple[Path, int]] = field(default_factory=list)
    _newlines: list[int] | None = None

    def _line(self, offset: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in _NEWLINE.finditer(self.text)]
        return bisect.bisect_left(self._newlines, offset) + 1

    @property
    def lines(self) -> dict[Path, int]:
        return {path: self._line(offset) for path, offset in self.offsets.items()}

    @property
    def duplicates(self) -> list[tuple[Path, int]]:
        return [(path, self._line(offset)) for path, offset in self.duplicate_offsets]

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor present in the document."""
        while True:
            if path in self.offsets:
                return self._line(self.offsets[path])
            if not path:
                return None
            path = path[:-1]


def _unquote(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    import json

    try:
        return json.loads(token)
    except ValueError:
        return token[1:-1]


def scan(text: str) -> Located:
    """Record where every value starts, by path; tolerant of malformed input (best effort).

    One pass over the tokens; line numbers are worked out only for the paths asked about.
    """
    found = Located(text)
    offsets = found.offsets
    offsets[()] = 0
    # A frame is [is_object, path, index, keys seen].
    stack: list[list] = []
    expecting: Path | None = ()
    for match in _TOKEN.finditer(text):
        tok = match.group()
        first = tok[0]
        if first == ",":
            if stack and not stack[-1][0]:
                frame = stack[-1]
                frame[2] += 1
                expecting = (*frame[1], frame[2])
            continue
        if first == ":":
            continue
        if first in "}]":
            if stack:
                stack.pop()
            expecting = None
            continue
        if expecting is None:
            if stack and stack[-1][0]:  # a key inside an object
                frame = stack[-1]
                key = _unquote(tok) if first == '"' else tok
                path = (*frame[1], key)
                if key in frame[3]:
                    found.duplicate_offsets.append((path, match.start()))
                frame[3].add(key)
                if path not in offsets:
                    offsets[path] = match.start()
                expecting = path
                continue
            path = ()
        else:
            path = expecting
        if path not in offsets:
            offsets[path] = match.start()
        if first == "{":
            stack.append([True, path, 0, set()])
            expecting = None
        elif first == "[":
            stack.append([False, path, 0, None])
            expecting = (*path, 0)
        else:
            expecting = None
    return found


def find_bare_token(text: str, wanted: Callable[[str], bool]) -> tuple[int, int] | None:
    """Line and column of the first token outside strings for which ``wanted`` is true."""
    for match in _TOKEN.finditer(text):
        tok = match.group()
        if not tok.startswith('"') and wanted(tok):
            start = match.start()
            return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1
    return None
