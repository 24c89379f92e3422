"""Bytes from a path, and text from bytes: the size limit, files that are not regular files, and
encodings other than UTF-8.

The input is opened read-only and never modified. Problems are returned, not raised, and their
messages never repeat the file's content.
"""

from __future__ import annotations

import os
import stat

from protocol_checks.findings import InputProblem

MAX_BYTES = 1_048_576
"""Largest case file accepted (1 MiB). Real case files are a few kilobytes."""

BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte-order mark, refused (and named) rather than skipped."""

_UTF16_32_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"),
)


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


def decode(data: bytes) -> tuple[str | None, InputProblem | None]:
    """The text of ``data``, or why it is not UTF-8 (another encoding named, else the first bad
    byte located)."""
    problem = _encoding_problem(data)
    if problem is not None:
        return None, problem
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        return None, InputProblem("invalid UTF-8 byte sequence", line, col)


def _encoding_problem(data: bytes) -> InputProblem | None:
    """A file in another encoding, named as such (clearer than a bad UTF-8 byte)."""
    if data.startswith(BOM):
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


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (in characters) of byte ``offset``; the bytes before it are valid UTF-8."""
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    return before.count(b"\n") + 1, column
