"""Map JSON paths to line numbers, and find duplicate keys, by scanning the document's text.

Only files with findings or problems pay for this: a clean file never calls it. Two ways in:
:class:`PathLines` walks only the values along the paths asked about (skipping the rest with the
C JSON scanner), for well-formed files; :func:`scan` reads every token, tolerates malformed text
and also finds duplicate keys.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from json.decoder import JSONDecoder

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


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCAN_ONCE = JSONDecoder().scan_once
"""One JSON value from a position, parsed in C: how :class:`PathLines` skips what it passes."""


class _Malformed(Exception):
    pass


class PathLines:
    """Lines of JSON paths in a well-formed document, walking only the values on each path.

    A finding deep in a long list costs one C-level skip per earlier element instead of a
    Python step per token; positions found are remembered, so sibling findings resume where the
    last one stopped. Should the text prove malformed, it falls back to a full :func:`scan`.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: dict[Path, tuple[int, int]] = {(): (0, self._skip(0))}
        self._last_index: dict[Path, tuple[int, int]] = {}
        self._fallback: Located | None = None

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor present in the document."""
        if self._fallback is not None:
            return self._fallback.line_of(path)
        try:
            offset = self._offset(path)
        except (_Malformed, StopIteration, ValueError, RecursionError, IndexError):
            self._fallback = scan(self.text)
            return self._fallback.line_of(path)
        return self.text.count("\n", 0, offset) + 1

    def _offset(self, path: Path) -> int:
        depth = len(path)
        while path[:depth] not in self._found:
            depth -= 1
        mark, value = self._found[path[:depth]]
        for end in range(depth + 1, len(path) + 1):
            child = self._child(path[:end - 1], value, path[end - 1])
            if child is None:
                return mark
            self._found[path[:end]] = child
            mark, value = child
        return mark

    def _skip(self, pos: int) -> int:
        return _WHITESPACE.match(self.text, pos).end()  # type: ignore[union-attr]

    def _child(self, parent: Path, pos: int, step: str | int) -> tuple[int, int] | None:
        """(where the step's line is, where its value starts), or None if it is absent."""
        text = self.text
        if isinstance(step, int):
            if text[pos:pos + 1] != "[" or step < 0:
                return None
            index, at = self._last_index.get(parent, (0, self._skip(pos + 1)))
            if index > step:
                index, at = 0, self._skip(pos + 1)
            if text[at:at + 1] == "]":
                return None
            while index < step:
                at = self._skip(_SCAN_ONCE(text, at)[1])
                if text[at:at + 1] != ",":
                    return None
                at = self._skip(at + 1)
                index += 1
            self._last_index[parent] = (index, at)
            return at, at
        if text[pos:pos + 1] != "{":
            return None
        at = self._skip(pos + 1)
        if text[at:at + 1] == "}":
            return None
        while True:
            if text[at:at + 1] != '"':
                raise _Malformed
            key_at = at
            key, at = _SCAN_ONCE(text, at)
            at = self._skip(at)
            if text[at:at + 1] != ":":
                raise _Malformed
            at = self._skip(at + 1)
            if key == step:
                return key_at, at
            at = self._skip(_SCAN_ONCE(text, at)[1])
            if text[at:at + 1] != ",":
                return None
            at = self._skip(at + 1)


def find_bare_token(text: str, wanted: Callable[[str], bool]) -> tuple[int, int] | None:
    """Line and column of the first token outside strings for which ``wanted`` is true."""
    for match in _TOKEN.finditer(text):
        tok = match.group()
        if not tok.startswith('"') and wanted(tok):
            start = match.start()
            return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1
    return None
