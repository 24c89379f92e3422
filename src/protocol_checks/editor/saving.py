"""Opening and saving the one case file an editor session works on.

Saving writes the canonical form (keys in the model's field order, two-space indent, a final
newline), so a file edited in the page differs from its last version only where the person
changed it. A save names the version it was based on (a SHA-256 of the bytes); if the file on
disk is no longer that version, another program or person changed it, and nothing is written.
The write is atomic (a temporary file beside it, flushed to disk, renamed over it) and keeps
the file's permissions, so a stopped or crashed editor never leaves half a case file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import BaseModel

from protocol_checks.key_order import ordered
from protocol_checks.reading import MAX_BYTES, read_bytes


class CannotOpen(Exception):
    """The case file cannot be edited; the message says why (no content of the file)."""


class Conflict(Exception):
    """The file on disk changed since the version the save was based on."""

    def __init__(self, current: str | None, paths: list[str], readable: bool) -> None:
        super().__init__("the file changed on disk")
        self.current = current
        self.paths = paths
        self.readable = readable


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds: itself, optionally, or as the items of a list."""
    todo = [annotation]
    while todo:
        found = todo.pop()
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
        todo.extend(get_args(found))
    return None


def canonical_bytes(value: Any) -> bytes:
    """The bytes a save writes for ``value``."""
    return (json.dumps(ordered(value), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _refuse_constant(name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError("repeated key")
        out[key] = value
    return out


def loads(text: str) -> Any:
    """Strict JSON: no NaN or Infinity, no key given twice (a form could keep only one)."""
    return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_repeats)


def differences(mine: Any, theirs: Any, path: str = "$", limit: int = 20) -> list[str]:
    """The JSON paths where two versions differ (paths only: never a value)."""
    out: list[str] = []

    def walk(a: Any, b: Any, at: str) -> None:
        if len(out) >= limit or a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in [*a, *(k for k in b if k not in a)]:
                walk(a.get(key), b.get(key), f"{at}.{key}")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{at}[{i}]")
        else:
            out.append(at)

    walk(mine, theirs, path)
    return out


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step, keeping the file's permission bits."""
    folder = os.path.dirname(path) or "."
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:  # removed meanwhile, and the person chose to write it again
        mode = 0o600
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the OS allows
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@dataclass
class CaseSession:
    """The file being edited: where it is, and the version it had when the page opened it."""

    name: str
    """The path as given on the command line (shown, and judged by PRIV-002 like validate)."""
    path: str
    """The real path: a symbolic link is edited through, never replaced by a file."""
    text: str
    base: str
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, name: str) -> CaseSession:
        """Read the file; :class:`CannotOpen` unless it is JSON holding one object (a file
        that breaks the case-file schema still opens, so it can be put right)."""
        if not os.path.lexists(name):
            raise CannotOpen("file not found; start a new case file with 'protocol-checks "
                             "new' (see 'protocol-checks new --help'), then edit it")
        data, problem = read_bytes(name, MAX_BYTES)
        if problem is not None:
            raise CannotOpen(problem.message)
        assert data is not None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CannotOpen("not UTF-8 text, so not a case file") from None
        try:
            value = loads(text)
        except ValueError as exc:
            reason = "it repeats a key" if str(exc) == "repeated key" else "not valid JSON"
            raise CannotOpen(f"cannot be edited as a form: {reason}; correct it in a text "
                             "editor ('protocol-checks validate' locates the problem)") from None
        if not isinstance(value, dict):
            raise CannotOpen("holds JSON but not an object, so not a case file")
        return cls(name=name, path=os.path.realpath(name), text=text, base=digest(data))

    def current(self) -> tuple[bytes | None, str | None]:
        """The file's bytes on disk now and their digest (None, None when it is gone)."""
        try:
            with open(self.path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError:
            return None, None
        return data, digest(data)

    def save(self, value: dict[str, Any], base: str) -> str:
        """Write ``value`` canonically if the file is still version ``base`` ("" for a file
        that is gone); the new digest. :class:`Conflict` (nothing written) when it changed."""
        data = canonical_bytes(value)
        with self._lock:
            on_disk, now = self.current()
            if (now or "") != base:
                raise self._conflict(value, on_disk, now)
            if data != on_disk:
                write_atomically(self.path, data)
        return digest(data)

    @staticmethod
    def _conflict(value: dict[str, Any], on_disk: bytes | None, now: str | None) -> Conflict:
        if on_disk is None:
            return Conflict(None, ["$"], readable=False)
        try:
            theirs = loads(on_disk.decode("utf-8-sig"))
        except ValueError:
            return Conflict(now, ["$"], readable=False)
        return Conflict(now, differences(ordered(value), ordered(theirs)), readable=True)
