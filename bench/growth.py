#!/usr/bin/env python3
"""How the cost of a file with many problems grows with their number (a script, not a test).

Builds case files with 1x, 4x and 16x unknown keys (issue 11: top-level keys, or keys inside each
session), then times checking each: in this process (parse, locate every problem; best of
--repeat) and as a whole ``protocol-checks validate`` run (start-up included). Linear cost shows
as a ratio near 4 between consecutive sizes and a steady time per problem; the quadratic
locator this guards against gave ratios near 16.

    python bench/growth.py                  # 1,000 / 4,000 / 16,000 top-level keys
    python bench/growth.py --shape sessions  # 125 / 500 / 2,000 sessions of 20 keys
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from protocol_checks.inputs import Settings, check_bytes

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples" / "cases" / "clean" / "treatment-cbt-individual.json"
CLI = str(Path(sys.executable).parent / "protocol-checks")
KEYS_PER_SESSION = 20


def build(shape: str, n: int) -> tuple[bytes, int]:
    """A case file of the given shape and size, and the number of unknown keys it holds."""
    case = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    if shape == "top":
        case.update({f"zz{i:06d}": i for i in range(n)})
        count = n
    else:
        extra = {f"zz{j:02d}": j for j in range(KEYS_PER_SESSION)}
        case["sessions"] = [dict(case["sessions"][i % len(case["sessions"])], **extra)
                            for i in range(n)]
        count = n * KEYS_PER_SESSION
    return json.dumps(case, indent=2).encode(), count


def in_process(data: bytes, repeat: int) -> float:
    """Best wall time of checking ``data`` (parse and locate), in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = check_bytes("growth.json", data, Settings())
        best = min(best, time.perf_counter() - start)
    assert result.problems, "the file was meant to have problems"
    return best


def whole_run(path: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([CLI, "validate", "--format", "json", "-o", "/dev/null", "--", str(path)],
                          capture_output=True, timeout=600)
    elapsed = time.perf_counter() - start
    if done.returncode != 2:
        raise SystemExit(f"unexpected exit status {done.returncode}: {done.stderr.decode()}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", choices=["top", "sessions"], default="top",
                        help="unknown keys at the top level, or inside each session")
    parser.add_argument("--base", type=int, default=None,
                        help="size at 1x: keys (top, default 1000) or sessions (sessions, "
                        "default 125: 16x stays under the 1 MiB file limit)")
    parser.add_argument("--repeat", type=int, default=3, help="in-process runs per size")
    args = parser.parse_args(argv)
    base = args.base or (1000 if args.shape == "top" else 125)
    check_bytes("warm-up.json", build(args.shape, 1)[0], Settings())  # imports, protocol
    print(f"{'size':>5} {'problems':>9} {'KiB':>7} {'in-process':>11} {'ratio':>6} "
          f"{'us/problem':>10} {'whole run':>10} {'ratio':>6}")
    previous: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for factor in (1, 4, 16):
            data, problems = build(args.shape, base * factor)
            path = Path(tmp) / f"growth-{factor}.json"
            path.write_bytes(data)
            inner, whole = in_process(data, args.repeat), whole_run(path)
            ratios = ("", "") if previous is None else (
                f"{inner / previous[0]:.1f}", f"{whole / previous[1]:.1f}")
            print(f"{factor:>4}x {problems:>9,} {len(data) / 1024:>7.0f} {inner:>10.3f}s "
                  f"{ratios[0]:>6} {inner / problems * 1e6:>10.1f} {whole:>9.3f}s {ratios[1]:>6}")
            previous = (inner, whole)
    print("linear cost: each ratio near 4 (the size ratio) and a steady time per problem")
    return 0


if __name__ == "__main__":
    sys.exit(main())
