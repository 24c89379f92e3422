"""Workers that write their own part of the report: for a run in worker processes, each worker
checks a chunk of files, renders each result as the report will show it and counts the chunk's
part of the summary, so the parent process only writes text and adds up counts.

Sending results back for the parent to format cost it about as much per file as checking one
takes a worker (unpickling every finding, formatting, counting), and on two cores the parent
competes with the workers. Only reporters whose entry for a file depends on that file alone can
work this way (:class:`Renders`; the JSON report); the others get results as before
(:mod:`protocol_checks.workers`).

The check across files (RUN-001, :mod:`protocol_checks.run_checks`) still runs in the parent,
on each file's case-ID digest: the rare file whose case ID was seen before is checked again here,
given its finding, rendered and recounted.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from protocol_checks.display import without_settled
from protocol_checks.findings import FileResult
from protocol_checks.forked import ordered
from protocol_checks.inputs import Job, Settings, check_item
from protocol_checks.protocol import load_protocol
from protocol_checks.reporters.base import Summary
from protocol_checks.run_checks import CaseIds, case_tag

CHUNK = 128
"""Files per task sent to a worker: enough to make each round trip cheap, few enough to keep
both workers busy to the end."""

Item = str | Job | FileResult


@runtime_checkable
class Renders(Protocol):
    """A reporter whose entry for each file depends on that file alone."""

    def text_of(self, result: FileResult) -> str: ...

    def write_text(self, text: str) -> None: ...


@dataclass
class Part:
    """What a worker sends back for one chunk: each file's text, the case-ID digests (with the
    file's place in the chunk, its name and what was checked) and the chunk's summary."""

    texts: list[str]
    tags: list[tuple[int, bytes, str, Item]]
    summary: Summary = field(default_factory=Summary)


@dataclass(frozen=True)
class _Job:
    """What every worker needs, given once (inherited through fork, never pickled)."""

    settings: Settings
    render: Callable[[FileResult], str]
    quiet: bool
    key: bytes


def _shown(result: FileResult, quiet: bool) -> FileResult:
    return without_settled(result) if quiet else result


def _check_chunk(items: list[Item], job: _Job) -> Part:
    """Check, render and count one chunk, in a worker."""
    part = Part([], [])
    for i, item in enumerate(items):
        result = check_item(item, job.settings)
        if result.case_id is not None:
            part.tags.append((i, case_tag(result.case_id, job.key), result.name, item))
        part.summary.add(result)
        part.texts.append(job.render(_shown(result, job.quiet)))
    return part


def merge(summary: Summary, part: Summary, sign: int = 1) -> None:
    """Add ``part``'s counts to ``summary`` (``sign=-1``: take them away, dropping counts that
    reach zero, so the totals are as if the file had never been counted)."""
    for f in dataclasses.fields(Summary):
        mine, theirs = getattr(summary, f.name), getattr(part, f.name)
        if isinstance(mine, Counter):
            for key, count in theirs.items():
                mine[key] += sign * count
                if mine[key] == 0:
                    del mine[key]
        else:
            setattr(summary, f.name, mine + sign * theirs)


def _recounted(summary: Summary, before: FileResult, after: FileResult) -> None:
    """Count ``after`` instead of ``before`` (a file given its RUN-001 finding)."""
    old, new = Summary(), Summary()
    old.add(before)
    new.add(after)
    merge(summary, old, -1)
    merge(summary, new)


def rendered(items: Iterator[Item], settings: Settings, workers: int, reporter: Renders,
             summary: Summary, case_ids: CaseIds, quiet: bool = False) -> Iterator[str]:
    """Each file's text in input order, rendered by ``workers`` forked processes, with the
    summary counted into ``summary`` as the texts arrive."""
    job = _Job(settings, reporter.text_of, quiet, case_ids.key)
    chunks = iter(lambda: list(itertools.islice(items, CHUNK)), [])
    for part in ordered(functools.partial(_check_chunk, job=job), chunks, workers,
                        start=load_protocol):
        merge(summary, part.summary)
        texts = part.texts
        for i, tag, name, item in part.tags:
            if case_ids.earlier(tag, name) is not None:  # two files of one case: rare
                before = check_item(item, settings)
                after = case_ids.check(before)
                _recounted(summary, before, after)
                texts[i] = reporter.text_of(_shown(after, quiet))
        yield from texts
