"""The result cache: the same answers, fresh answers for changed files, nothing identifying."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANARY = "CANARY-CACHE-7QX"


def validate(folder: Path, cache: Path, *extra: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "protocol_checks", "validate", str(folder), "--format", "json",
         "--cache", str(cache), *extra],
        capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture
def caseload(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    shutil.copytree(ROOT / "examples" / "cases" / "failing", folder)
    for extra in folder.glob("*.expected"):
        extra.unlink()
    first = sorted(folder.glob("*.json"))[0]
    data = json.loads(first.read_text(encoding="utf-8"))
    data["notes"] = f"Synthetic note {CANARY}."
    first.write_text(json.dumps(data, indent=2), encoding="utf-8")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    return folder


def test_second_run_gives_the_same_report(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    status1, first = validate(caseload, cache)
    status2, second = validate(caseload, cache)
    assert (status1, first) == (status2, second)
    assert status1 == 2 and first["summary"]["unreadable"] == 1
    assert len(list(cache.glob("results-*.json"))) == 1


def test_cache_holds_no_names_or_case_values(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    validate(caseload, cache)
    text = next(cache.glob("results-*.json")).read_text(encoding="utf-8")
    assert CANARY not in text and "CASE-" not in text and "STAFF-" not in text
    assert ".json" not in text  # no file names


def test_changed_file_is_checked_again(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    target = caseload / "role-007.json"
    _, before = validate(caseload, cache)
    data = json.loads(target.read_text(encoding="utf-8"))
    data["roles"]["therapist"]["staff_id"] = "STAFF-777"  # no longer also the risk assessor
    target.write_text(json.dumps(data, indent=2), encoding="utf-8")
    _, after = validate(caseload, cache)
    rules = {r["file"]: {f["rule"] for f in r["findings"]} for r in after["results"]}
    assert "ROLE-007" not in rules[str(target)]
    assert before["summary"]["warnings"] != after["summary"]["warnings"]


def test_other_options_start_a_fresh_cache(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    validate(caseload, cache)
    (old,) = cache.glob("results-*.json")
    _, report = validate(caseload, cache, "--handbook-url", "https://intranet.example/p/")
    (new,) = cache.glob("results-*.json")
    assert new != old
    urls = {f["url"] for r in report["results"] for f in r["findings"]}
    assert urls and all(u.startswith("https://intranet.example/p/") for u in urls)


def test_damaged_cache_is_ignored(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, clean = validate(caseload, cache)
    (entry,) = cache.glob("results-*.json")
    entry.write_text('{"x": [1, 2', encoding="utf-8")
    _, again = validate(caseload, cache)
    assert again == clean
