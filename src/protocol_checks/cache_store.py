"""The on-disk folder of the result cache: one the tool owns, and nobody else can write to.

A cache is trusted to say which rules a case file breaks, so where it lives matters as much as
what it says. The folder must be new or empty when first used (the tool then writes a marker in
it), owned by the current user and writable by nobody else, outside every folder being checked,
and hold nothing the tool did not write; the tool deletes only its own files in it. Files are
opened without following links and without blocking, so a FIFO or device in place of a cache file
cannot hang a run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from protocol_checks.output import OutputClash, atomic_write

MARKER = ".protocol-checks-cache"
LOCK = ".lock"
KEEP = 8
"""Cache files kept, newest first: one per fingerprint (options, code, Python), so runs with
different options or versions share a folder without deleting each other's results."""

MAX_FILE = 256 * 1024 * 1024
STALE_PART = 24 * 3600  # seconds: an older temporary file was left by a run that was killed

_RESULTS = re.compile(r"results-[0-9a-f]{24}\.json")
_OWN = re.compile(r"(?:results-[0-9a-f]{24}\.json|\.results-[0-9a-f]{24}\.json\.[a-z0-9_]+\.part"
                  rf"|{re.escape(MARKER)}(?:\.[a-z0-9_]+\.part)?|{re.escape(LOCK)})")
_MARKER_HEAD = "protocol-checks result cache; written by the tool: add nothing to this folder\n"
_READ = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
         | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_POSIX = os.name == "posix"

try:
    import fcntl
except ImportError:  # Windows: concurrent runs there may still lose each other's new entries
    fcntl = None  # type: ignore[assignment]


class CacheError(OutputClash):
    """The cache folder cannot be used safely (a misuse: exit status 2 with this message).

    A kind of :class:`OutputClash` because the cache is one of the run's outputs, and the command
    line already turns those into a clear message rather than a traceback.
    """


def _inside(child: str, parent: str) -> bool:
    """Whether ``child`` is ``parent`` or under it, by path and by each existing ancestor (so a
    case-folding file system cannot hide it)."""
    if child == parent or child.startswith(parent.rstrip(os.sep) + os.sep):
        return True
    up = child
    while True:
        with contextlib.suppress(OSError):
            if os.path.samefile(up, parent):
                return True
        if os.path.dirname(up) == up:
            return False
        up = os.path.dirname(up)


def _check_owner(info: os.stat_result, what: str) -> None:
    """Refuse what another user owns or could change: its contents would decide the results."""
    if not _POSIX:
        return
    if info.st_uid != os.geteuid():
        raise CacheError(f"{what} is owned by another user; use a folder of your own")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheError(f"{what} is writable by group or others; "
                         "make it private (chmod go-w) or use another folder")


def read_regular(path: Path, limit: int = MAX_FILE) -> bytes | None:
    """A file's bytes (None if absent), refusing links, FIFOs and devices before any read."""
    try:
        fd = os.open(path, _READ)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if path.is_symlink():
            raise CacheError(f"cache file {path} is a symbolic link; not used") from None
        raise CacheError(f"cannot open cache file {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CacheError(f"cache file {path} is not a regular file; not used")
        _check_owner(info, f"cache file {path}")
        if info.st_size > limit:
            return b""  # not a cache this tool wrote: treated as damaged and started afresh
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(limit + 1)
    finally:
        os.close(fd)


class CacheFolder:
    """A checked cache folder: its marker's key, and safe reads and writes of its files."""

    def __init__(self, folder: str | os.PathLike[str], inputs: Iterable[str] = ()) -> None:
        self.path = Path(os.path.abspath(folder))
        real = os.path.realpath(self.path)
        for name in inputs:
            if name != "-" and os.path.isdir(name) and _inside(real, os.path.realpath(name)):
                raise CacheError(f"the cache folder {self.path} lies inside a folder being "
                                 "checked; its files would be read as case files: put it elsewhere")
        self._make()
        self.key = self._claim()

    def _make(self) -> None:
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(FileExistsError):
                    self.path.mkdir(mode=0o700)
                info = os.lstat(self.path)
            except OSError as exc:
                raise CacheError(f"cannot create the cache folder {self.path}: "
                                 f"{exc.strerror}") from None
        except OSError as exc:
            raise CacheError(f"cannot use the cache folder {self.path}: {exc.strerror}") from None
        if stat.S_ISLNK(info.st_mode):
            raise CacheError(f"the cache folder {self.path} is a symbolic link; "
                             "name the folder itself")
        if not stat.S_ISDIR(info.st_mode):
            raise CacheError(f"--cache {self.path} is not a folder")
        _check_owner(info, f"the cache folder {self.path}")

    def _claim(self) -> bytes:
        """The folder's key, from its marker; written now if the folder is new or empty."""
        try:
            names = os.listdir(self.path)
        except OSError as exc:
            raise CacheError(f"cannot read the cache folder {self.path}: {exc.strerror}") from None
        foreign = sorted(n for n in names if not _OWN.fullmatch(n))
        if foreign:
            raise CacheError(f"the cache folder {self.path} holds files the tool did not write "
                             f"(such as {foreign[0]!r}); use a new or empty folder")
        for name in names:
            try:
                info = os.lstat(self.path / name)
            except FileNotFoundError:
                continue  # a concurrent run's temporary file, already renamed
            if not stat.S_ISREG(info.st_mode):
                raise CacheError(f"{self.path / name} is not a regular file; the cache folder "
                                 "is not used")
            _check_owner(info, f"cache file {self.path / name}")
        if MARKER not in names:
            if any(_RESULTS.fullmatch(n) for n in names):
                raise CacheError(f"the cache folder {self.path} has no marker (made by an older "
                                 "version, or not by this tool); delete it or use a new folder")
            self._write_marker()
        text = (read_regular(self.path / MARKER, 4096) or b"").decode("ascii", "replace")
        head, _, key = text.partition("\n")
        if head + "\n" != _MARKER_HEAD or not re.fullmatch(r"[0-9a-f]{64}\n?", key):
            raise CacheError(f"the cache folder {self.path} has a damaged marker; delete the "
                             "folder or use a new one")
        return bytes.fromhex(key.strip())

    def _write_marker(self) -> None:
        """Create the marker whole or not at all (a concurrent first run may win the race)."""
        try:
            fd, temp = tempfile.mkstemp(prefix=f"{MARKER}.", suffix=".part", dir=self.path)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as handle:
                    handle.write(_MARKER_HEAD + secrets.token_hex(32) + "\n")
                with contextlib.suppress(FileExistsError):
                    os.link(temp, self.path / MARKER)
            finally:
                os.unlink(temp)
        except OSError as exc:
            raise CacheError(f"cannot write to the cache folder {self.path}: "
                             f"{exc.strerror}") from None

    def read_entries(self, name: str) -> dict[str, str]:
        """The entries of one cache file; anything that is not a map of strings counts as empty."""
        data = read_regular(self.path / name)
        try:
            loaded = json.loads(data) if data else {}
        except ValueError:
            return {}
        if not isinstance(loaded, dict):
            return {}
        return {k: v for k, v in loaded.items() if isinstance(v, str)}

    def write_entries(self, name: str, entries: dict[str, str]) -> None:
        with atomic_write(self.path / name, private=True) as handle:
            json.dump(entries, handle, separators=(",", ":"))

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive use of the folder, so concurrent runs merge their results in turn."""
        fd = os.open(self.path / LOCK, _READ | os.O_RDWR | os.O_CREAT, 0o600)  # O_RDONLY is 0
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise CacheError(f"{self.path / LOCK} is not a regular file")
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def prune(self, keep: str) -> None:
        """Remove the tool's own old cache files (beyond :data:`KEEP`) and stale temporary files;
        never anything else."""
        now = time.time()
        caches: list[tuple[float, str]] = []
        for name in os.listdir(self.path):
            if not _OWN.fullmatch(name) or name in (MARKER, LOCK):
                continue
            with contextlib.suppress(OSError):
                info = os.lstat(self.path / name)
                if not stat.S_ISREG(info.st_mode):
                    continue
                if _RESULTS.fullmatch(name):
                    if name != keep:
                        caches.append((info.st_mtime, name))
                elif now - info.st_mtime > STALE_PART:
                    os.unlink(self.path / name)
        for _, name in sorted(caches, reverse=True)[KEEP - 1:]:
            with contextlib.suppress(OSError):
                os.unlink(self.path / name)
