"""The checker that ``validate`` and ``report`` share (check-jsonschema's shape): the settings
of a run, its result cache, and the stream of results, cache-aware.

Opening a checker opens the cache (a folder that is not safe raises ``CacheError``, which the
command turns into exit status 2); closing it saves what the run added and returns a warning,
never raises, because a cache not saved costs the next run time, not this run its result.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from protocol_checks.cache import ResultCache
from protocol_checks.findings import FileResult
from protocol_checks.inputs import Settings, use_cache
from protocol_checks.rendering import Renders, rendered
from protocol_checks.reporters.base import Summary
from protocol_checks.run_checks import CaseIds
from protocol_checks.workers import planned, run


class Checker:
    def __init__(self, paths: Sequence[str], settings: Settings, jobs: int,
                 cache_dir: str | None = None) -> None:
        self.paths = list(paths)
        self.settings = settings
        self.jobs = jobs
        self.cache = (ResultCache(cache_dir, self.paths, max_bytes=settings.max_bytes,
                                   profile=settings.profile)
                      if cache_dir else None)

    def rendered(self, reporter: object, summary: Summary,
                 quiet: bool = False) -> Iterator[str] | None:
        """Each file's entry in the report, in input order, made by worker processes that also
        count ``summary`` (:mod:`protocol_checks.rendering`); None when the run is checked in
        one process, uses the cache, or the reporter needs the results themselves: then
        :meth:`results` gives them (a small run's first files, looked at to decide, are found
        again: at most :data:`~protocol_checks.workers.PARALLEL_FROM`)."""
        if self.cache is not None or not isinstance(reporter, Renders):
            return None
        items, workers = planned(self.paths, self.settings, self.jobs)
        if workers <= 1:
            return None
        use_cache(None)  # before workers are forked: none is in use
        return rendered(items, self.settings, workers, reporter, summary, CaseIds(), quiet)

    def results(self) -> Iterator[FileResult]:
        """Every input's result in input order, storing fresh ones in the cache, with the
        checks across files (:mod:`protocol_checks.run_checks`) added, never cached."""
        use_cache(self.cache)  # before workers are forked, so they inherit it
        case_ids = CaseIds(self.cache.store.key if self.cache is not None else None)
        try:
            for result in run(self.paths, self.settings, jobs=self.jobs):
                if self.cache is not None and result.digest is not None:
                    self.cache.put(result.digest, result)
                yield case_ids.check(result)
        finally:
            use_cache(None)

    def close(self) -> str | None:
        """Save the cache; a warning if it could not be saved."""
        return self.cache.save() if self.cache is not None else None
