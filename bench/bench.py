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

and prints them beside the targets. ``--markdown`` prints the table as Markdown for the
handbook's performance page.

    python bench/bench.py --files 2000          # a quick look
    python bench/bench.py                       # 100,000 files; a few minutes on 2 cores
    python bench/bench.py --markdown > perf.md

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

from protocol_checks.validate import PARALLEL_FROM, available_cpus

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cases"
BIN = Path(sys.executable).parent
CLI = str(BIN / "protocol-checks")
CJS = shutil.which("check-jsonschema", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
INSTALL_HINT = "pip install -e .[bench]"
ARG_CHUNK = 2000
"""Files per check-jsonschema invocation (command lines have a length limit)."""

TARGETS = {
    "floor": 2.5,        # ours / floor at 100,000 files, at most
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


def measured(cmd: Sequence[str]) -> Run:
    """Wall time and peak RSS of ``cmd``, measured by a fresh wrapper process."""
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True,
                          check=True)
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


def median_ms(cmd: Sequence[str], runs: int = 10) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=100_000, help="case files to generate")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    ap.add_argument("--dir", type=Path, help="generate into DIR (kept) instead of a temp folder")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--cjs-budget", type=float, default=60.0, metavar="SECONDS",
                    help="run check-jsonschema on a scaled subset if the whole set would take "
                    "longer (default: 60; the brief's ceiling is 600)")
    args = ap.parse_args(argv)
    if args.files < 1:
        ap.error("--files must be at least 1")

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    try:
        import orjson  # noqa: F401
        has_orjson = True
    except ImportError:
        has_orjson = False

    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="protocol-checks-bench-"))
    folder = args.dir or work / "cases"
    if args.dir and args.dir.exists() and any(args.dir.iterdir()):
        ap.error(f"--dir {args.dir} is not empty")
    try:
        say(f"generating {args.files:,} case files in {folder} ...")
        gen = generate(folder, args.files, args.seed)
        files = all_files(folder)
        compiled = _precompile()
        say(f"  done in {gen.seconds:.1f} s; timing validate (default: --jobs auto) ...")
        cmd = [CLI, "validate", str(folder), "--format", "json", "-o", os.devnull, "--no-progress"]
        ours = measured(cmd)
        say("  validate --jobs 1 ...")
        ours1 = measured([*cmd, "--jobs", "1"])
        say("  validate --cache (filling, then a warm re-run: the nightly case) ...")
        cache_dir = work / "cache"
        cold = measured([*cmd, "--cache", str(cache_dir)])
        warm = measured([*cmd, "--cache", str(cache_dir)])
        floor = None
        if has_orjson:
            say("  floor (read + orjson) ...")
            floor = measured([sys.executable, "-c", _FLOOR, str(folder)])
        cjs = None
        if CJS and has_orjson:
            say("  check-jsonschema ...")
            schema = work / "schema.json"
            subprocess.run([CLI, "schema", "-o", str(schema)], check=True)
            cjs = run_cjs(schema, files, args.cjs_budget)
        say("  start-up times ...")
        version_ms = median_ms([CLI, "--version"])
        one_ms = median_ms([CLI, "validate", str(gen.sample_valid), "--no-progress"])
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)

    load_after = os.getloadavg()[0]
    load = (f"load average {load_before:.1f} before, {load_after:.1f} after "
            f"(above {os.cpu_count()}, other work competed for the cores)"
            if max(load_before, load_after) > (os.cpu_count() or 1) else
            f"load average {load_before:.1f} before, {load_after:.1f} after")
    n = gen.files
    at_full = n >= 100_000
    workers = f"{available_cpus()} workers" if n >= PARALLEL_FROM else "one process"
    rows = [
        ("Files generated", f"{n:,} ({gen.valid:,} valid, {gen.schema_invalid:,} schema-invalid, "
         f"{gen.rule_breaking:,} breaking a rule) in {gen.seconds:.1f} s", "", ""),
        (f"(a) validate, default --jobs auto ({workers})",
         f"{ours.wall:.2f} s ({n / ours.wall:,.0f} files/s, {ours.wall / n * 1000:.3f} ms/file; "
         f"{ours.cpu:.1f} s CPU; exit {ours.rc})", "", ""),
        ("(a) validate --jobs 1", f"{ours1.wall:.2f} s ({n / ours1.wall:,.0f} files/s, "
         f"{ours1.wall / n * 1000:.3f} ms/file; {ours1.cpu:.1f} s CPU; exit {ours1.rc})", "", ""),
    ]
    if floor is not None:
        ratio = ours.wall / floor.wall
        rows += [
            ("(b) floor: read + orjson", f"{floor.wall:.2f} s ({n / floor.wall:,.0f} files/s; "
             f"{floor.cpu:.1f} s CPU)", "", ""),
            ("ours / floor", f"{ratio:.1f}x",
             f"<= {TARGETS['floor']}x at 100,000 files", _status(ratio <= TARGETS["floor"])),
            ("ours / floor, --jobs 1", f"{ours1.wall / floor.wall:.1f}x", "", ""),
            ("ours / floor, CPU time (--jobs 1)", f"{ours1.cpu / max(floor.cpu, 1e-9):.1f}x",
             "(less sensitive to other load)", ""),
            ("(a) validate --cache, first run", f"{cold.wall:.2f} s", "", ""),
            ("(a) validate --cache, unchanged files", f"{warm.wall:.2f} s "
             f"({n / warm.wall:,.0f} files/s; peak RSS {warm.maxrss_mb:.0f} MB)", "", ""),
            ("ours / floor, warm cache", f"{warm.wall / floor.wall:.1f}x",
             f"<= {TARGETS['floor']}x at 100,000 files",
             _status(warm.wall / floor.wall <= TARGETS["floor"])),
        ]
    else:
        rows.append(("(b) floor: read + orjson", f"skipped: orjson missing ({INSTALL_HINT})", "",
                     "n/a"))
    if cjs is not None and cjs.seconds is not None:
        ratio = cjs.seconds / ours.wall
        rows += [
            ("(c) check-jsonschema", f"{cjs.seconds:.1f} s ({n / cjs.seconds:,.0f} files/s; "
             f"{cjs.cpu:.1f} s CPU"
             + (f"; scaled from {cjs.measured_files:,} files [1])" if cjs.note else ")"), "", ""),
            ("check-jsonschema / ours", f"{ratio:.1f}x", f">= {TARGETS['cjs']:.0f}x",
             _status(ratio >= TARGETS["cjs"])),
            ("check-jsonschema / ours, --jobs 1", f"{cjs.seconds / ours1.wall:.1f}x", "", ""),
            ("check-jsonschema / ours, CPU time (--jobs 1)",
             f"{cjs.cpu / max(ours1.cpu, 1e-9):.1f}x", "(less sensitive to other load)", ""),
        ]
    else:
        rows.append(("(c) check-jsonschema", f"skipped: not installed ({INSTALL_HINT})", "",
                     "n/a"))
    rows += [
        ("(d) protocol-checks --version", f"{version_ms:.0f} ms (median of 10)",
         f"< {TARGETS['version_ms']:.0f} ms", _status(version_ms < TARGETS["version_ms"])),
        ("(d) validate one file", f"{one_ms:.0f} ms (median of 10)",
         f"< {TARGETS['one_ms']:.0f} ms", _status(one_ms < TARGETS["one_ms"])),
        ("(e) peak RSS, validate --jobs 1", f"{ours1.maxrss_mb:.0f} MB",
         f"< {TARGETS['rss_mb']:.0f} MB at 100,000 files",
         _status(ours1.maxrss_mb < TARGETS["rss_mb"])),
        ("(e) peak RSS, largest process (default)", f"{ours.maxrss_mb:.0f} MB", "", ""),
    ]
    if not at_full:
        rows = [(m, r, t, s + (f" (at {n:,} files)" if "100,000" in t else ""))
                for m, r, t, s in rows]

    if args.markdown:
        print(f"Measured with `python bench/bench.py --files {n} --seed {args.seed}` on "
              f"{os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{platform.system()} {platform.machine()}; {load}.\n")
    else:
        print(f"protocol-checks benchmark: {n:,} files, seed {args.seed}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()} on {platform.system()} {platform.machine()}")
        print(f"templates: {gen.source}; {load}\n")
    print(table(rows, args.markdown))
    if not compiled:
        print("\nNote: the package could not be byte-compiled first; start-up includes compiling.")
    if cjs is not None and cjs.note:
        print(f"\n[1] {cjs.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
