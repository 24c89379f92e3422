"""Map JSON paths to line numbers, and find duplicate keys, by scanning the document's text.

Only files with findings or problems pay for this scan: a clean file never calls it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from protocol_checks.findings import Path

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


@dataclass
class Located:
    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[tuple[Path, int]] = field(default_factory=list)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor present in the document."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def _unquote(token: str) -> str:
    import json

    try:
        return json.loads(token)
    except ValueError:
        return token[1:-1]


def scan(text: str) -> Located:
    """Record the line of every value by path; tolerant of malformed input (best effort)."""
    found = Located()
    found.lines[()] = 1
    line = 1
    last = 0
    # Each frame: [kind, path, pending_key, index, keys_seen]
    stack: list[list] = []
    expecting_value_path: Path | None = ()
    for match in _TOKEN.finditer(text):
        start = match.start()
        line += text.count("\n", last, start)
        last = start
        tok = match.group()
        top = stack[-1] if stack else None
        if tok in ",:":
            if tok == "," and top is not None and top[0] == "arr":
                top[3] += 1
                expecting_value_path = (*top[1], top[3])
            continue
        if tok in "}]":
            if stack:
                stack.pop()
            expecting_value_path = None
            continue
        if top is not None and top[0] == "obj" and expecting_value_path is None:
            # A key inside an object.
            key = _unquote(tok) if tok.startswith('"') else tok
            path = (*top[1], key)
            if key in top[4]:
                found.duplicates.append((path, line))
            top[4].add(key)
            found.lines.setdefault(path, line)
            expecting_value_path = path
            continue
        path = expecting_value_path if expecting_value_path is not None else ()
        found.lines.setdefault(path, line)
        if tok == "{":
            stack.append(["obj", path, None, 0, set()])
            expecting_value_path = None
        elif tok == "[":
            stack.append(["arr", path, None, 0, None])
            expecting_value_path = (*path, 0)
        else:
            expecting_value_path = None
    return found


def find_bare_token(text: str, wanted: Callable[[str], bool]) -> tuple[int, int] | None:
    """Line and column of the first token outside strings for which ``wanted`` is true."""
    for match in _TOKEN.finditer(text):
        tok = match.group()
        if not tok.startswith('"') and wanted(tok):
            start = match.start()
            return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1
    return None
