"""A result cache for repeated runs over a caseload (``--cache DIR``).

A nightly run over tens of thousands of case files mostly sees files that have not changed. The
cache maps a hash of a file's bytes to the result it gave, under a fingerprint of everything that
could change that result (the version, the checklists, the rule and model code, the handbook
link base and the size limit), so a change to any of them starts a fresh cache. It stores rule
IDs, messages, JSON paths and line numbers only: never a file name or a value from a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from protocol_checks import __version__
from protocol_checks.findings import FileResult, Finding, InputProblem, Severity

_PREFIX = "results-"
_CODE = ("case.py", "loader.py", "locate.py", "validate.py", "findings.py", "protocol.py")


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def fingerprint(handbook_url: str, max_bytes: int) -> str:
    """A short hash of everything a cached result depends on."""
    from protocol_checks.protocol import checklist_dir

    package = Path(__file__).resolve().parent
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{__version__}\0{handbook_url}\0{max_bytes}\0".encode())
    files = [*sorted(checklist_dir().glob("*.yaml")), *sorted((package / "rules").glob("*.py")),
             *(package / name for name in _CODE)]
    for path in files:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _encode(result: FileResult) -> list:
    return [
        result.stage,
        [[f.rule_id, f.severity.value, f.message, list(f.path), f.url, f.line, f.waived]
         for f in result.findings],
        [[p.message, p.line, p.column, p.path] for p in result.problems],
    ]


def _decode(name: str, entry: list) -> FileResult:
    stage, findings, problems = entry
    return FileResult(
        name,
        findings=[Finding(r, Severity(s), m, tuple(p), u, line, w)
                  for r, s, m, p, u, line, w in findings],
        problems=[InputProblem(*p) for p in problems],
        stage=stage,
    )


class ResultCache:
    """Results by content hash; read once at start, written once at the end (atomically)."""

    def __init__(self, folder: str | os.PathLike[str], key: str):
        self.folder = Path(folder)
        self.path = self.folder / f"{_PREFIX}{key}.json"
        self.entries: dict[str, list] = {}
        self.added = 0
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.entries = loaded

    def get(self, name: str, key: str) -> FileResult | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            return _decode(name, entry)
        except (TypeError, ValueError):
            return None  # a damaged entry is simply checked again

    def put(self, key: str, result: FileResult) -> None:
        if key not in self.entries:
            self.entries[key] = _encode(result)
            self.added += 1

    def save(self) -> None:
        """Write the cache and remove caches made under other fingerprints."""
        if not self.added:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".results.", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.entries, handle, separators=(",", ":"))
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        for old in self.folder.glob(f"{_PREFIX}*.json"):
            if old != self.path:
                with contextlib.suppress(OSError):
                    old.unlink()
