"""Map JSON paths to line numbers, and find duplicate keys, by scanning the document's text.

Only files with findings or problems pay for this: a clean file never calls it. Two ways in:
:class:`PathLines` walks only the values along the paths asked about (skipping the rest with the
C JSON scanner), for well-formed files; :func:`scan` reads every token, tolerates malformed text
and also finds duplicate keys.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from json.decoder import JSONDecoder

from protocol_checks.findings import Path

_NEWLINE = re.compile("\n")
_COUNTED_LOOKUPS = 16
"""Lines worked out by counting newlines (one C-level pass up to the offset) before an index of
every newline is built: most files with findings ask for one or two lines, and building the
index costs more than counting the newlines of a whole file a dozen times."""
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


class LineNumbers:
    """Line numbers of offsets in one text: counted for the first few, then looked up."""

    __slots__ = ("_lookups", "_newlines", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines: list[int] | None = None
        self._lookups = 0

    def of(self, offset: int) -> int:
        if self._newlines is None:
            if self._lookups < _COUNTED_LOOKUPS:
                self._lookups += 1
                return self._text.count("\n", 0, offset) + 1
            self._newlines = [m.start() for m in _NEWLINE.finditer(self._text)]
        return bisect.bisect_left(self._newlines, offset) + 1


@dataclass
class Located:
    """Where each path starts (as a character offset), and any duplicate keys."""

    text: str
    offsets: dict[Path, int] = field(default_factory=dict)
    duplicate_offsets: list[tuple[Path, int]] = field(default_factory=list)
    _numbers: LineNumbers | None = None

    def _line(self, offset: int) -> int:
        if self._numbers is None:
            self._numbers = LineNumbers(self.text)
        return self._numbers.of(offset)

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


_WS = r"[ \t\n\r]*"
"""JSON's whitespace, any amount: every pattern below is built from it."""
_WHITESPACE = re.compile(_WS)
_SCAN_ONCE = JSONDecoder().scan_once
"""One JSON value from a position, parsed in C: how :class:`PathLines` skips what it passes."""
_PLAIN = r'"([^"\\\x00-\x1f]*)"' + _WS + ":" + _WS
"""A key without escapes or control characters (so the parser would read it as it stands), its
colon and the whitespace after: the key is group 1, and the match ends where its value starts."""
_FIRST_KEY = re.compile(_WS + _PLAIN)
_NEXT_KEY = re.compile(_WS + "," + _WS + _PLAIN)
"""An object's first member (from just inside the brace) or next one (from where the last value
ends), when its key is plain: one match, where reading each part took a call of its own (five a
member). :meth:`PathLines._other_key` reads anything else as before, part by part."""
_NEXT_ELEMENT = re.compile(_WS + "," + _WS)
_COLON = re.compile(_WS + ":" + _WS)


class _Malformed(Exception):
    pass


@dataclass(slots=True)
class _Members:
    """What one container has revealed so far, and where reading it resumes.

    Kept per container (keyed by where its value starts) so that each container is read at most
    once, however many paths are asked about and in whatever order: locating K problems costs
    one pass over the document, not K.
    """

    keys: dict[str | int, tuple[int, int]] = field(default_factory=dict)
    last: int | None = None  # where the last member's or element's value starts, if one was read
    done: bool = False


class PathLines:
    """Lines of JSON paths in a well-formed document, walking only the values on each path.

    A finding deep in a long list costs one C-level skip per earlier element instead of a
    Python step per token. Every key and element passed is remembered, so no part of the text
    is read twice. Should the text prove malformed, it falls back to a full :func:`scan`.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: dict[Path, tuple[int, int]] = {(): (0, self._skip(0))}
        self._members: dict[int, _Members] = {}
        self._lines = LineNumbers(text)
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
        return self._lines.of(offset)

    def _offset(self, path: Path) -> int:
        depth = len(path)
        while path[:depth] not in self._found:
            depth -= 1
        mark, value = self._found[path[:depth]]
        for end in range(depth + 1, len(path) + 1):
            child = self._child(value, path[end - 1])
            if child is None:
                return mark
            self._found[path[:end]] = child
            mark, value = child
        return mark

    def _skip(self, pos: int) -> int:
        return _WHITESPACE.match(self.text, pos).end()  # type: ignore[union-attr]

    def _child(self, pos: int, step: str | int) -> tuple[int, int] | None:
        """(where the step's line is, where its value starts), or None if it is absent."""
        opener = self.text[pos:pos + 1]
        if isinstance(step, int):
            return self._element(pos, step) if opener == "[" and step >= 0 else None
        return self._member(pos, step) if opener == "{" else None

    def _opened(self, pos: int) -> _Members:
        members = self._members.get(pos)
        if members is None:
            members = self._members[pos] = _Members()
        return members

    def _element(self, pos: int, index: int) -> tuple[int, int] | None:
        """Element ``index`` of the list at ``pos``, reading on from the last element seen."""
        text, members = self.text, self._opened(pos)
        starts = members.keys
        if members.last is None and not members.done:
            at = self._skip(pos + 1)
            members.done = text[at:at + 1] == "]"
            if not members.done:
                starts[0], members.last = (at, at), at
        while index not in starts and not members.done:
            after = _NEXT_ELEMENT.match(text, _SCAN_ONCE(text, members.last)[1])
            if after is None:
                members.done = True
                break
            at = members.last = after.end()
            starts[len(starts)] = (at, at)
        return starts.get(index)

    def _member(self, pos: int, key: str) -> tuple[int, int] | None:
        """The first member ``key`` of the object at ``pos``, reading on from the last key seen;
        the value of the key found is skipped only when a later key is wanted."""
        text, members = self.text, self._opened(pos)
        keys = members.keys
        if key in keys:
            return keys[key]
        if members.done:
            return None
        last = members.last
        while True:
            first = last is None
            at = pos + 1 if first else _SCAN_ONCE(text, last)[1]
            plain = (_FIRST_KEY if first else _NEXT_KEY).match(text, at)
            if plain is not None:
                name, key_at, last = plain.group(1), plain.start(1) - 1, plain.end()
            else:
                other = self._other_key(at, first)
                if other is None:
                    members.done = True
                    return None
                name, key_at, last = other
            if name not in keys:  # a repeated key keeps its first place, as in scan()
                keys[name] = (key_at, last)
                if name == key:
                    members.last = last
                    return key_at, last

    def _other_key(self, at: int, first: bool) -> tuple[str, int, int] | None:
        """The member after ``at`` (just inside the object if ``first``, else where a value
        ends) when its key is not plain: (the key, where it is, where its value starts), or None
        where the object ends."""
        text = self.text
        at = self._skip(at)
        if first:
            if text[at:at + 1] == "}":
                return None
        elif text[at:at + 1] != ",":
            return None
        else:
            at = self._skip(at + 1)
        if text[at:at + 1] != '"':
            raise _Malformed
        name, end = _SCAN_ONCE(text, at)
        colon = _COLON.match(text, end)
        if colon is None:
            raise _Malformed
        return name, at, colon.end()


def find_bare_token(text: str, wanted: Callable[[str], bool]) -> tuple[int, int] | None:
    """Line and column of the first token outside strings for which ``wanted`` is true."""
    for match in _TOKEN.finditer(text):
        tok = match.group()
        if not tok.startswith('"') and wanted(tok):
            start = match.start()
            return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1
    return None
