#!/usr/bin/env python3
"""Benchmark ``protocol-checks validate`` on a large synthetic caseload (a script, not a test).

Generates N case files (default 100,000) from a few templates, about 10% of them broken (half
invalid against the schema, half breaking a protocol rule), then measures in one run:

  (a) ``protocol-checks validate DIR --format json -o /dev/null`` wall time, with the default
      ``--jobs auto`` (one worker per CPU) and with ``--jobs 1``; then with ``--cache``, cold
      and warm;
  (b) the floor: read every file and parse it with orjson, in one Python process;
  (c) check-jsonschema with our exported schema on the same files (on a subset, scaled, if the
      whole set would take longer than --cjs-budget seconds);
  (d) start-up: ``protocol-checks --version`` and a one-file validate (median of 10 runs), with
      the package byte-compiled first as an installation leaves it;
  (e) peak RSS of the validate process (getrusage(RUSAGE_CHILDREN) in a fresh wrapper process);
  (f) with ``--compare-with DIR``, the previous engine (a source checkout of an earlier commit)
      timed beside ours, and the JSON reports of both compared byte for byte;
  (g) with ``--same-findings-as DIR``, our JSON report compared byte for byte with that of
      another checkout (the engine just before a change, when (f) times an older engine whose
      findings differ for reasons of their own: a release published, a message reworded);

and prints them beside the targets. ``--markdown`` prints the table as Markdown for the
handbook's performance page. With ``--repeats N`` the validate runs and the floor (and the
previous engine's runs) are repeated in N interleaved rounds (ours, previous, ours --jobs 1,
previous --jobs 1, floor; then again), and the table gives the minimum and the median; ratios
are taken within each round, so a slow minute slows both sides of a ratio.

    python bench/bench.py --files 2000          # a quick look
    python bench/bench.py                       # 100,000 files; a few minutes on 2 cores
    python bench/bench.py --markdown > perf.md
    git worktree add /tmp/base HEAD             # the engine before a change, then:
    python bench/bench.py --repeats 3 --compare-with /tmp/base

Needs the ``bench`` extra for (b) and (c): ``pip install -e .[bench]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from protocol_checks.workers import PARALLEL_FROM, available_cpus

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: bench/ modules
import previous  # found through the line above

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cases"
BIN = Path(sys.executable).parent
CLI = str(BIN / "protocol-checks")
CJS = shutil.which("check-jsonschema", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
INSTALL_HINT = "pip install -e .[bench]"
ARG_CHUNK = 2000
"""Files per check-jsonschema invocation (command lines have a length limit)."""

TARGETS = {
    "floor": 4.0,        # ours / floor at 100,000 files, at most (cold: the rules in Python)
    "warm": 2.5,         # ours / floor with an unchanged caseload and --cache, at most
    "cjs": 20.0,         # check-jsonschema / ours, at least
    "rss_mb": 200.0,     # peak RSS at 100,000 files, below
    "version_ms": 80.0,  # protocol-checks --version, below
    "one_ms": 300.0,     # one-file validate, below
}

_DATE = re.compile(r'"(\d{4}-\d{2}-\d{2})"')
_CASE_ID = re.compile(r'"case_id":\s*"[^"]*"')


# ---------------------------------------------------------------------------------------------
# Generating the caseload


def _cli_json(*args: str) -> dict:
    done = subprocess.run([CLI, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def templates() -> tuple[list[str], list[str], str]:
    """(valid templates, rule-breaking templates, where they came from) as JSON text."""
    clean = sorted((EXAMPLES / "clean").glob("*.json"))
    failing = sorted((EXAMPLES / "failing").glob("*.json"))
    if clean:
        valid = [p.read_text(encoding="utf-8") for p in clean]
        source = f"examples/cases/clean ({len(clean)} templates)"
    else:
        valid = [json.dumps(_cli_json("new", "--case-id", "CASE-0001"), indent=2)]
        source = "protocol-checks new (1 template)"
    if failing:
        breaking = [p.read_text(encoding="utf-8") for p in failing]
        source += f", examples/cases/failing ({len(failing)} rule-breaking templates)"
    else:
        breaking = []
        for text in valid:  # an older protocol version breaks DATA-001
            case = json.loads(text)
            case["protocol_version"] = "0.9.0"
            breaking.append(json.dumps(case, indent=2))
    return valid, breaking, source


def _shift_dates(text: str, years: int, cache: dict[str, str]) -> str:
    """Move every ISO date back by whole ``years``, which keeps the order of dates and the
    calendar-month spans that rules measure (a shift by days can cross a "6 months" boundary)."""

    def shift(m: re.Match[str]) -> str:
        old = m.group(1)
        new = cache.get(old)
        if new is None:
            try:
                day = date.fromisoformat(old)
                new = day.replace(year=day.year - years, day=min(day.day, 28 if day.month == 2
                                                                    else day.day)).isoformat()
            except ValueError:
                new = old
            cache[old] = new
        return f'"{new}"'

    return _DATE.sub(shift, text)


def _schema_invalid(text: str, rng: random.Random) -> str:
    """Break the case against the schema in one of several ways (still well-formed JSON)."""
    case = json.loads(text)
    kind = rng.randrange(5)
    if kind == 0:
        case["unexpected_field"] = True
    elif kind == 1:
        case["stage"] = 3
    elif kind == 2:
        del case["case_id"]
    elif kind == 3:
        case["as_of"] = "2025-02-30"
    else:
        case["referral"] = {"received_on": "2025-01-01", "source": "neighbour", "legal_basis": "none"}
    return json.dumps(case, indent=2)


@dataclass
class Generated:
    folder: Path
    files: int
    valid: int
    schema_invalid: int
    rule_breaking: int
    seconds: float
    source: str
    sample_valid: Path


def generate(folder: Path, n: int, seed: int) -> Generated:
    """Write ``n`` case files into ``folder`` in sub-folders of 1,000, deterministically."""
    started = time.perf_counter()
    rng = random.Random(seed)
    valid, breaking, source = templates()
    counts = {"valid": 0, "schema": 0, "rule": 0}
    caches: dict[int, dict[str, str]] = {}
    sample = None
    for i in range(n):
        roll = rng.random()
        if roll < 0.05:
            kind, text = "schema", _schema_invalid(rng.choice(valid), rng)
        elif roll < 0.10:
            kind, text = "rule", rng.choice(breaking)
        else:
            kind, text = "valid", rng.choice(valid)
        years = rng.randrange(0, 8)
        text = _shift_dates(text, years, caches.setdefault(years, {}))
        text = _CASE_ID.sub(f'"case_id": "CASE-{i:07d}"', text, count=1)
        sub = folder / f"batch-{i // 1000:04d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"case-{i:07d}.json"
        path.write_text(text, encoding="utf-8")
        counts[kind] += 1
        if sample is None and kind == "valid":
            sample = path
    assert sample is not None, "no valid case generated"
    return Generated(folder, n, counts["valid"], counts["schema"], counts["rule"],
                     time.perf_counter() - started, source, sample)


# ---------------------------------------------------------------------------------------------
# Measuring

_WRAPPER = """
import resource, subprocess, sys, time, json
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "cpu": use.ru_utime + use.ru_stime,
                  "maxrss_kb": use.ru_maxrss}))
"""


@dataclass
class Run:
    rc: int
    wall: float
    cpu: float  # user + system seconds of the process and the children it waited for
    maxrss_mb: float


def measured(cmd: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS of ``cmd``, measured by a fresh wrapper process."""
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True,
                          check=True, env=env)
    data = json.loads(done.stdout)
    return Run(data["rc"], data["wall"], data["cpu"], data["maxrss_kb"] / 1024)


_FLOOR = """
import os, sys, orjson
n = 0
for root, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        if name.endswith(".json"):
            with open(os.path.join(root, name), "rb") as f:
                orjson.loads(f.read())
            n += 1
print(n)
"""


def _precompile() -> bool:
    """Byte-compile the package, as an installation does: with PYTHONDONTWRITEBYTECODE set (or
    an editable install never imported), every run would otherwise compile it from source."""
    import importlib.util

    spec = importlib.util.find_spec("protocol_checks")
    if spec is None or not spec.submodule_search_locations:
        return False
    done = subprocess.run([sys.executable, "-m", "compileall", "-q",
                           *spec.submodule_search_locations], capture_output=True)
    return done.returncode == 0


def median_ms(cmd: Sequence[str], runs: int = 10, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=env)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def all_files(folder: Path) -> list[str]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        out += [os.path.join(root, f) for f in sorted(files) if f.endswith(".json")]
    return out


@dataclass
class CjsResult:
    seconds: float | None       # for the whole set (measured or scaled)
    measured_files: int
    measured_seconds: float
    cpu: float                  # CPU seconds for the whole set (measured or scaled)
    note: str


def _children_cpu() -> float:
    import resource

    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _spread(items: list[str], n: int) -> list[str]:
    """``n`` items evenly spread over ``items`` (all of them if ``n`` >= their number)."""
    if n >= len(items):
        return list(items)
    return [items[i * len(items) // n] for i in range(n)]


def run_cjs(schema: Path, files: list[str], budget: float) -> CjsResult:
    """check-jsonschema over ``files`` in chunks; a pilot decides whether a subset is needed."""
    cpu = 0.0

    def over(paths: list[str]) -> float:
        nonlocal cpu
        t, before = time.perf_counter(), _children_cpu()
        for i in range(0, len(paths), ARG_CHUNK):
            subprocess.run([CJS, "--schemafile", str(schema), *paths[i:i + ARG_CHUNK]],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        cpu = _children_cpu() - before
        return time.perf_counter() - t

    pilot = _spread(files, min(len(files), 500))
    pilot_s = over(pilot)
    estimate = pilot_s / len(pilot) * len(files)
    if len(pilot) == len(files):
        return CjsResult(pilot_s, len(files), pilot_s, cpu, "")
    if estimate <= budget:
        seconds = over(files)
        return CjsResult(seconds, len(files), seconds, cpu, "")
    # A representative subset (every k-th file) that fits the budget, scaled linearly.
    subset_n = max(len(pilot), int(len(files) * budget / estimate))
    subset = _spread(files, subset_n)
    seconds = over(subset)
    scaled = seconds / len(subset) * len(files)
    return CjsResult(scaled, len(subset), seconds, cpu / len(subset) * len(files),
                     f"check-jsonschema was run on {len(subset):,} of the {len(files):,} files "
                     f"(evenly spread, so with the same mix) in {seconds:.1f} s and scaled "
                     f"linearly: the whole set was estimated at {estimate:.0f} s, over "
                     f"the --cjs-budget of {budget:.0f} s.")


@dataclass(frozen=True)
class Measurements:
    """Every figure one run produced. Building and printing the table depend on nothing else, so
    they can be checked without running anything. ``None``: not measured (the ``bench`` extra
    is missing)."""

    seed: int
    gen: Generated
    ours: Run               # validate, default --jobs auto (the fastest round)
    ours1: Run              # validate --jobs 1 (the fastest round)
    cold: Run               # validate --cache, filling the cache
    warm: Run               # validate --cache, unchanged files
    floor: Run | None       # read + orjson
    cjs: CjsResult | None   # check-jsonschema
    version_ms: float       # protocol-checks --version, median
    one_ms: float           # one-file validate, median
    compiled: bool          # the package was byte-compiled before the start-up timings
    load_before: float      # 1-minute load average before and after the run
    load_after: float
    rounds: tuple[dict[str, Run], ...] = ()  # every round: "ours", "ours1", "floor", "prev"...
    previous: Previous | None = None         # --compare-with: the previous engine
    same_as: tuple[str, str | None] | None = None  # --same-findings-as: (DIR, difference)


@dataclass(frozen=True)
class Previous:
    """(f): the previous engine, timed in the same rounds; its start-up; the comparison."""

    folder: str
    version_ms: float
    one_ms: float
    difference: str | None   # None: the JSON reports are byte-identical (tool version aside)


def _say(text: str) -> None:
    """Progress goes to stderr, so that stdout holds only the report (``--markdown > perf.md``)."""
    print(text, file=sys.stderr, flush=True)


def _has_orjson() -> bool:
    """Whether the ``bench`` extra is installed: (b) and (c) are run only with it."""
    try:
        import orjson  # noqa: F401
    except ImportError:
        return False
    return True


def _validate_args(folder: Path) -> list[str]:
    return ["validate", str(folder), "--format", "json", "-o", os.devnull, "--no-progress"]


def _rounds(folder: Path, repeats: int, floor: bool,
            prev: Path | None) -> tuple[dict[str, Run], ...]:
    """(a), (b) and (f) in ``repeats`` interleaved rounds: validate with the default --jobs and
    with --jobs 1, each followed by the previous engine's same run, then the floor."""
    args = _validate_args(folder)
    prev_cmd, prev_env = previous.engine(prev) if prev is not None else ([], None)
    out = []
    for number in range(1, repeats + 1):
        _say(f"  round {number} of {repeats}: validate (--jobs auto, then --jobs 1) ...")
        runs = {"ours": measured([CLI, *args])}
        if prev is not None:
            runs["prev"] = measured([*prev_cmd, *args], prev_env)
        runs["ours1"] = measured([CLI, *args, "--jobs", "1"])
        if prev is not None:
            runs["prev1"] = measured([*prev_cmd, *args, "--jobs", "1"], prev_env)
        if floor:
            runs["floor"] = measured([sys.executable, "-c", _FLOOR, str(folder)])
        out.append(runs)
    return tuple(out)


def fastest(rounds: Sequence[dict[str, Run]], key: str) -> Run:
    return min((r[key] for r in rounds), key=lambda run: run.wall)


def _cache_runs(folder: Path, cache_dir: Path) -> tuple[Run, Run]:
    """(a) with --cache, cold then warm (the warm run reads the cache the cold one filled)."""
    _say("  validate --cache (filling, then a warm re-run: the nightly case) ...")
    cmd = [CLI, *_validate_args(folder), "--cache", str(cache_dir)]
    return measured(cmd), measured(cmd)


def _report_difference(folder: Path, other: Path, work: Path) -> str | None:
    """Our JSON report on the caseload and ``other``'s (a checkout), compared byte for byte:
    None when identical (the tool version aside), else where they first differ."""
    other_cmd, other_env = previous.engine(other)
    mine, theirs = work / "ours.json", work / "other.json"
    run_args = ["validate", str(folder), "--format", "json", "-o"]
    subprocess.run([CLI, *run_args, str(mine), "--no-progress"], capture_output=True)
    subprocess.run([*other_cmd, *run_args, str(theirs), "--no-progress"], capture_output=True,
                   env=other_env)
    return previous.differences(mine, theirs)


def _compare(folder: Path, prev: Path, work: Path, sample: Path) -> Previous:
    """(f): both engines' JSON reports on the caseload, compared; start-up, interleaved."""
    _say("  comparing the reports of both engines ...")
    prev_cmd, prev_env = previous.engine(prev)
    difference = _report_difference(folder, prev, work)
    one = ["validate", str(sample), "--no-progress"]
    version_ms = median_ms([*prev_cmd, "--version"], env=prev_env)
    one_ms = median_ms([*prev_cmd, *one], env=prev_env)
    return Previous(str(prev), version_ms, one_ms, difference)


def _cjs_run(schema: Path, files: list[str], budget: float) -> CjsResult:
    """(c): check-jsonschema with the schema we export, so that both check the same schema."""
    _say("  check-jsonschema ...")
    subprocess.run([CLI, "schema", "-o", str(schema)], check=True)
    return run_cjs(schema, files, budget)


def measure(args: argparse.Namespace) -> Measurements:
    """Generate the caseload and take every measurement, (a) to (e), in one run; the temporary
    folder (cases unless --dir, cache, schema) is removed even if a measurement fails."""
    has_orjson = _has_orjson()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="protocol-checks-bench-"))
    folder = args.dir or work / "cases"
    try:
        _say(f"generating {args.files:,} case files in {folder} ...")
        gen = generate(folder, args.files, args.seed)
        files = all_files(folder)
        compiled = _precompile()
        _say(f"  done in {gen.seconds:.1f} s; timing validate (default: --jobs auto) ...")
        rounds = _rounds(folder, args.repeats, has_orjson, args.compare_with)
        cold, warm = _cache_runs(folder, work / "cache")
        use_cjs = CJS and has_orjson and not args.no_cjs
        cjs = _cjs_run(work / "schema.json", files, args.cjs_budget) if use_cjs else None
        _say("  start-up times ...")
        version_ms = median_ms([CLI, "--version"])
        one_ms = median_ms([CLI, "validate", str(gen.sample_valid), "--no-progress"])
        prev = (_compare(folder, args.compare_with, work, gen.sample_valid)
                if args.compare_with else None)
        if args.same_findings_as:
            _say(f"  comparing our report with {args.same_findings_as}'s ...")
            same_as = (str(args.same_findings_as),
                       _report_difference(folder, args.same_findings_as, work))
        else:
            same_as = None
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    return Measurements(seed=args.seed, gen=gen, ours=fastest(rounds, "ours"),
                        ours1=fastest(rounds, "ours1"), cold=cold, warm=warm,
                        floor=fastest(rounds, "floor") if has_orjson else None, cjs=cjs,
                        version_ms=version_ms, one_ms=one_ms, compiled=compiled,
                        load_before=load_before, load_after=os.getloadavg()[0],
                        rounds=rounds, previous=prev, same_as=same_as)


# ---------------------------------------------------------------------------------------------
# Reporting


def _status(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def table(rows: list[tuple[str, str, str, str]], markdown: bool) -> str:
    head = ("Measure", "Result", "Target", "Status")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 4) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), fmt.format(*("-" * w for w in widths)),
                      *(fmt.format(*row) for row in rows)])


Row = tuple[str, str, str, str]
"""One line of the table: measure, result, target, status."""


def _walls(m: Measurements, key: str) -> list[float]:
    return [r[key].wall for r in m.rounds if key in r]


def _median_note(m: Measurements, key: str) -> str:
    """``"; median 12.34 s of 3"`` when the run was repeated, else nothing."""
    walls = _walls(m, key)
    return f"; median {statistics.median(walls):.2f} s of {len(walls)}" if len(walls) > 1 else ""


def _validate_result(run: Run, n: int, median: str = "") -> str:
    """The same figures for each --jobs setting of (a), so that the two rows compare at a glance
    (the fastest round's, and the median's wall time when repeated)."""
    return (f"{run.wall:.2f} s ({n / run.wall:,.0f} files/s, {run.wall / n * 1000:.3f} ms/file; "
            f"{run.cpu:.1f} s CPU; exit {run.rc}{median})")


def _run_rows(m: Measurements) -> list[Row]:
    """What was checked (the caseload's mix) and (a), the wall time of validate."""
    gen, n = m.gen, m.gen.files
    workers = f"{available_cpus()} workers" if n >= PARALLEL_FROM else "one process"
    return [
        ("Files generated", f"{n:,} ({gen.valid:,} valid, {gen.schema_invalid:,} schema-invalid, "
         f"{gen.rule_breaking:,} breaking a rule) in {gen.seconds:.1f} s", "", ""),
        (f"(a) validate, default --jobs auto ({workers})",
         _validate_result(m.ours, n, _median_note(m, "ours")), "", ""),
        ("(a) validate --jobs 1", _validate_result(m.ours1, n, _median_note(m, "ours1")), "", ""),
    ]


def _ratio(m: Measurements, key: str, over: str, fallback: float) -> str:
    """A ratio of wall times: the fastest runs', and the median of each round's own ratio."""
    ratios = [r[key].wall / r[over].wall for r in m.rounds if key in r and over in r]
    if len(ratios) < 2:
        return f"{fallback:.1f}x"
    return f"{fallback:.1f}x (fastest runs); median {statistics.median(ratios):.1f}x of rounds"


def _floor_rows(m: Measurements) -> list[Row]:
    """(b), with our times as multiples of it, and the --cache runs of (a), whose target is set
    against the floor: without orjson none of these rows can be judged, so one says why."""
    floor, n = m.floor, m.gen.files
    if floor is None:
        return [("(b) floor: read + orjson", f"skipped: orjson missing ({INSTALL_HINT})", "", "n/a")]
    ratio, warm_ratio = m.ours.wall / floor.wall, m.warm.wall / floor.wall
    return [
        ("(b) floor: read + orjson", f"{floor.wall:.2f} s ({n / floor.wall:,.0f} files/s; "
         f"{floor.cpu:.1f} s CPU{_median_note(m, 'floor')})", "", ""),
        ("ours / floor", _ratio(m, "ours", "floor", ratio),
         f"<= {TARGETS['floor']}x at 100,000 files", _status(ratio <= TARGETS["floor"])),
        ("ours / floor, --jobs 1", _ratio(m, "ours1", "floor", m.ours1.wall / floor.wall), "",
         ""),
        ("ours / floor, CPU time (--jobs 1)", f"{m.ours1.cpu / max(floor.cpu, 1e-9):.1f}x",
         "(less sensitive to other load)", ""),
        ("(a) validate --cache, first run", f"{m.cold.wall:.2f} s", "", ""),
        ("(a) validate --cache, unchanged files", f"{m.warm.wall:.2f} s "
         f"({n / m.warm.wall:,.0f} files/s; peak RSS {m.warm.maxrss_mb:.0f} MB)", "", ""),
        ("ours / floor, warm cache", f"{warm_ratio:.1f}x",
         f"<= {TARGETS['warm']}x at 100,000 files", _status(warm_ratio <= TARGETS["warm"])),
    ]


def _previous_rows(m: Measurements) -> list[Row]:
    """(f): the previous engine beside ours, in the same rounds, and whether both report alike."""
    prev, n = m.previous, m.gen.files
    if prev is None:
        return []
    auto, one = fastest(m.rounds, "prev"), fastest(m.rounds, "prev1")
    gain = 1 - m.ours1.wall / one.wall
    same = ("byte-identical (the tool version in the header aside)" if prev.difference is None
            else f"DIFFERENT: {prev.difference}")
    return [
        (f"(f) previous engine ({prev.folder}), default --jobs auto",
         _validate_result(auto, n, _median_note(m, "prev")), "", ""),
        ("(f) previous engine, --jobs 1", _validate_result(one, n, _median_note(m, "prev1")),
         "", ""),
        ("ours / previous, default", _ratio(m, "ours", "prev", m.ours.wall / auto.wall), "", ""),
        ("ours / previous, --jobs 1", _ratio(m, "ours1", "prev1", m.ours1.wall / one.wall)
         + f" ({gain:.0%} faster)", "", ""),
        ("(f) previous engine: --version, one file, peak RSS (--jobs 1)",
         f"{prev.version_ms:.0f} ms, {prev.one_ms:.0f} ms (medians of 10); {one.maxrss_mb:.0f} MB",
         "", ""),
        # With --same-findings-as, that checkout's report is the one that must match.
        ("(f) JSON reports of both engines", same, "" if m.same_as else "identical",
         "" if m.same_as else _status(prev.difference is None)),
    ]


def _same_rows(m: Measurements) -> list[Row]:
    """(g): our report against the one of the engine just before a change."""
    if m.same_as is None:
        return []
    folder, difference = m.same_as
    same = ("byte-identical (the tool version in the header aside)" if difference is None
            else f"DIFFERENT: {difference}")
    return [(f"(g) JSON reports, ours and {folder}'s", same, "identical",
             _status(difference is None))]


def _cjs_rows(m: Measurements) -> list[Row]:
    """(c), as multiples of our times: the claim is to be that much faster than the usual tool."""
    cjs, n = m.cjs, m.gen.files
    if cjs is None or cjs.seconds is None:
        why = "--no-cjs" if CJS and _has_orjson() else f"not installed ({INSTALL_HINT})"
        return [("(c) check-jsonschema", f"skipped: {why}", "", "n/a")]
    ratio = cjs.seconds / m.ours.wall
    scaled = f"; scaled from {cjs.measured_files:,} files [1])" if cjs.note else ")"
    return [
        ("(c) check-jsonschema", f"{cjs.seconds:.1f} s ({n / cjs.seconds:,.0f} files/s; "
         f"{cjs.cpu:.1f} s CPU" + scaled, "", ""),
        ("check-jsonschema / ours", f"{ratio:.1f}x", f">= {TARGETS['cjs']:.0f}x",
         _status(ratio >= TARGETS["cjs"])),
        ("check-jsonschema / ours, --jobs 1", f"{cjs.seconds / m.ours1.wall:.1f}x", "", ""),
        ("check-jsonschema / ours, CPU time (--jobs 1)",
         f"{cjs.cpu / max(m.ours1.cpu, 1e-9):.1f}x", "(less sensitive to other load)", ""),
    ]


def _startup_and_memory_rows(m: Measurements) -> list[Row]:
    """(d) and (e): what a user waits for on every call, and what a large caseload costs in RAM."""
    return [
        ("(d) protocol-checks --version", f"{m.version_ms:.0f} ms (median of 10)",
         f"< {TARGETS['version_ms']:.0f} ms", _status(m.version_ms < TARGETS["version_ms"])),
        ("(d) validate one file", f"{m.one_ms:.0f} ms (median of 10)",
         f"< {TARGETS['one_ms']:.0f} ms", _status(m.one_ms < TARGETS["one_ms"])),
        ("(e) peak RSS, validate --jobs 1", f"{m.ours1.maxrss_mb:.0f} MB",
         f"< {TARGETS['rss_mb']:.0f} MB at 100,000 files",
         _status(m.ours1.maxrss_mb < TARGETS["rss_mb"])),
        ("(e) peak RSS, largest process (default)", f"{m.ours.maxrss_mb:.0f} MB", "", ""),
    ]


def _at_size(rows: list[Row], n: int) -> list[Row]:
    """Some targets hold at 100,000 files; judged on fewer, their status says on how many."""
    if n >= 100_000:
        return rows
    return [(label, result, target, status + (f" (at {n:,} files)" if "100,000" in target else ""))
            for label, result, target, status in rows]


def result_rows(m: Measurements) -> list[Row]:
    """The whole table, in the order the module docstring lists the measures."""
    rows = [*_run_rows(m), *_floor_rows(m), *_cjs_rows(m), *_startup_and_memory_rows(m),
            *_previous_rows(m), *_same_rows(m)]
    return _at_size(rows, m.gen.files)


def _load_text(m: Measurements) -> str:
    """The load average around the run: timings taken while other work competed say so."""
    load = f"load average {m.load_before:.1f} before, {m.load_after:.1f} after"
    if max(m.load_before, m.load_after) > (os.cpu_count() or 1):
        load += f" (above {os.cpu_count()}, other work competed for the cores)"
    return load


def _header(m: Measurements, markdown: bool) -> str:
    """Where the figures come from (command, machine, load), so that they can be reproduced."""
    n, load = m.gen.files, _load_text(m)
    python, machine = platform.python_version(), f"{platform.system()} {platform.machine()}"
    if markdown:
        return (f"Measured with `python bench/bench.py --files {n} --seed {m.seed}"
                f"{f' --repeats {len(m.rounds)}' if len(m.rounds) > 1 else ''}"
                f"{f' --compare-with {m.previous.folder}' if m.previous else ''}"
                f"{f' --same-findings-as {m.same_as[0]}' if m.same_as else ''}` on "
                f"{os.cpu_count()} cores, Python {python}, {machine}; {load}.\n")
    return (f"protocol-checks benchmark: {n:,} files, seed {m.seed}, {os.cpu_count()} cores, "
            f"Python {python} on {machine}\ntemplates: {m.gen.source}; {load}\n")


def report(m: Measurements, rows: list[Row], markdown: bool) -> None:
    """Print the header, the table and the notes that qualify it on stdout (the report proper;
    progress went to stderr)."""
    print(_header(m, markdown))
    print(table(rows, markdown))
    if not m.compiled:
        print("\nNote: the package could not be byte-compiled first; start-up includes compiling.")
    if m.cjs is not None and m.cjs.note:
        print(f"\n[1] {m.cjs.note}")


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options, checked before anything is created, so that a mistake costs no time."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=100_000, help="case files to generate")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    ap.add_argument("--dir", type=Path, help="generate into DIR (kept) instead of a temp folder")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--cjs-budget", type=float, default=60.0, metavar="SECONDS",
                    help="run check-jsonschema on a scaled subset if the whole set would take "
                    "longer (default: 60; the brief's ceiling is 600)")
    ap.add_argument("--no-cjs", action="store_true", help="skip check-jsonschema (c)")
    ap.add_argument("--repeats", type=int, default=1, metavar="N",
                    help="interleaved rounds of the validate runs and the floor (default: 1)")
    ap.add_argument("--compare-with", type=Path, metavar="DIR",
                    help="a source checkout of the previous engine: time it in the same rounds "
                    "and compare both JSON reports byte for byte")
    ap.add_argument("--same-findings-as", type=Path, metavar="DIR",
                    help="a source checkout whose JSON report must be byte-identical to ours "
                    "(the engine just before a change, when --compare-with times an older one "
                    "whose findings differ for other reasons)")
    args = ap.parse_args(argv)
    if args.files < 1:
        ap.error("--files must be at least 1")
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    if args.dir and args.dir.exists() and any(args.dir.iterdir()):
        ap.error(f"--dir {args.dir} is not empty")
    return args


def main(argv: list[str] | None = None) -> int:
    """Measure, then report: the report is built from the measurements alone."""
    args = parse_args(argv)
    m = measure(args)
    report(m, result_rows(m), args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
