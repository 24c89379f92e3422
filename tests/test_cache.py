"""The result cache: the same answers, fresh answers for changed files, nothing identifying; and
nothing in the cache folder trusted that the tool did not write there itself."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from protocol_checks import cache_store, cli, inputs, output
from protocol_checks.cache import ResultCache, digest, fingerprint, rules_clock
from protocol_checks.cache_store import MARKER, CacheError, CacheFolder
from protocol_checks.findings import FileResult
from protocol_checks.loader import MAX_BYTES
from protocol_checks.rules import REGISTRY, integrity

ROOT = Path(__file__).resolve().parents[1]
CANARY = "CANARY-CACHE-7QX"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "protocol_checks", *args],
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr
    return proc


def validate_json(folder: Path, cache: Path, *extra: str) -> tuple[int, dict]:
    proc = run_cli("validate", str(folder), "--format", "json", "--cache", str(cache), *extra)
    return proc.returncode, json.loads(proc.stdout)


def cache_file(cache: Path) -> Path:
    (found,) = cache.glob("results-*.json")
    return found


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


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the command in this process (so a test can set the rules' clock); returns
    (status, JSON report, stderr)."""
    monkeypatch.setattr(inputs, "_CACHE", None)
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")

    def go(*args: str) -> tuple[int, dict, str]:
        status = cli.main(["validate", *args, "--format", "json", "-j", "1", "--no-progress"])
        out, err = capsys.readouterr()
        return status, json.loads(out), err

    return go


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> type[date]:
    """The rules' today, set by the test (``Clock.fixed``) rather than read from the machine."""

    class Clock(date):
        fixed = date(2030, 1, 1)

        @classmethod
        def today(cls) -> date:
            return cls.fixed

    monkeypatch.setattr(integrity, "date", Clock)
    return Clock


def rules_of(report: dict) -> dict[str, set[str]]:
    return {Path(r["file"]).name: {f["rule"] for f in r["findings"]} for r in report["results"]}


# The behaviour a cache must keep


def test_second_run_gives_the_same_report(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    status1, first = validate_json(caseload, cache)
    status2, second = validate_json(caseload, cache)
    assert (status1, first) == (status2, second)
    assert status1 == 2 and first["summary"]["unreadable"] == 1
    assert len(list(cache.glob("results-*.json"))) == 1


def test_cache_holds_no_names_or_case_values(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    validate_json(caseload, cache)
    text = cache_file(cache).read_text(encoding="utf-8")
    assert CANARY not in text and "CASE-" not in text and "STAFF-" not in text
    assert ".json" not in text  # no file names


def test_changed_file_is_checked_again(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    target = caseload / "role-007.json"
    _, before = validate_json(caseload, cache)
    data = json.loads(target.read_text(encoding="utf-8"))
    data["roles"]["therapist"]["staff_id"] = "STAFF-777"  # no longer also the risk assessor
    target.write_text(json.dumps(data, indent=2), encoding="utf-8")
    _, after = validate_json(caseload, cache)
    assert "ROLE-007" not in rules_of(after)["role-007.json"]
    assert before["summary"]["warnings"] != after["summary"]["warnings"]


def test_damaged_cache_is_ignored(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, clean = validate_json(caseload, cache)
    cache_file(cache).write_text('{"x": [1, 2', encoding="utf-8")
    _, again = validate_json(caseload, cache)
    assert again == clean


def test_links_are_rebuilt_for_each_runs_handbook(caseload: Path, tmp_path: Path) -> None:
    """Links are not read from the cache: a run with another handbook URL shares the entries and
    still links to its own handbook."""
    cache = tmp_path / "cache"
    validate_json(caseload, cache, "--handbook-url", "https://old.example/p/")
    _, report = validate_json(caseload, cache, "--handbook-url", "https://intranet.example/p/")
    urls = {f["url"] for r in report["results"] for f in r["findings"]}
    assert urls and all(u.startswith("https://intranet.example/p/reference/rules.html#rule-")
                        for u in urls)
    assert len(list(cache.glob("results-*.json"))) == 1


# Defect 4: the cache deleted files it had not written


def test_foreign_files_in_the_folder_are_refused_never_deleted(caseload: Path,
                                                               tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o700)
    mine = shared / "results-2025-q4.json"
    mine.write_text('{"quarter": 4}', encoding="utf-8")
    proc = run_cli("validate", str(caseload), "--cache", str(shared))
    assert proc.returncode == 2 and proc.stdout == ""
    assert "holds files the tool did not write" in proc.stderr
    assert mine.read_text(encoding="utf-8") == '{"quarter": 4}'
    assert sorted(p.name for p in shared.iterdir()) == ["results-2025-q4.json"]


def test_pruning_removes_only_the_tools_own_old_files(tmp_path: Path) -> None:
    folder = CacheFolder(tmp_path / "cache")
    own = [folder.path / f"results-{i:024x}.json" for i in range(cache_store.KEEP + 3)]
    for i, path in enumerate(own):
        path.write_text("{}", encoding="utf-8")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    folder.prune(keep=own[0].name)
    left = {p.name for p in folder.path.iterdir()}
    assert MARKER in left and own[0].name in left  # the current one is kept, however old
    assert {p.name for p in own[-(cache_store.KEEP - 1):]} <= left
    assert len([n for n in left if n.startswith("results-")]) == cache_store.KEEP


# Defect 5: a cache inside a folder being checked was read as a case file


@pytest.mark.parametrize("command", ["validate", "report"])
@pytest.mark.parametrize("where", ["cases/.cache", "cases"])
def test_cache_inside_a_checked_folder_is_refused(caseload: Path, where: str,
                                                  command: str) -> None:
    cache = caseload.parent / where
    before = sorted(p.name for p in caseload.iterdir())
    extra = ["-o", str(caseload.parent / "caseload.html")] if command == "report" else []
    proc = run_cli(command, str(caseload), "--cache", str(cache), *extra)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "lies inside a folder being checked" in proc.stderr
    assert sorted(p.name for p in caseload.iterdir()) == before  # nothing was created


# Defect 6: a result that depends on today was cached for ever


def _future_case(tmp_path: Path) -> tuple[Path, date]:
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / "cases" / "clean" / "referral-new.json", folder / "a.json")
    as_of = date.fromisoformat(json.loads((folder / "a.json").read_text("utf-8"))["as_of"])
    return folder, as_of


def test_a_future_as_of_is_judged_again_on_a_later_day(tmp_path: Path, in_process,
                                                       clock: type[date]) -> None:
    cases, as_of = _future_case(tmp_path)
    cache = str(tmp_path / "cache")
    clock.fixed = as_of - timedelta(days=10)
    status, early, _ = in_process(str(cases), "--cache", cache)
    assert status == 1 and rules_of(early)["a.json"] == {"DATA-003"}
    clock.fixed = as_of  # ten days later the date is no longer in the future
    status, later, _ = in_process(str(cases), "--cache", cache)
    assert status == 0 and rules_of(later)["a.json"] == set()


def test_a_result_that_cannot_change_stays_cached_the_next_day(
        tmp_path: Path, in_process, clock: type[date], monkeypatch: pytest.MonkeyPatch) -> None:
    cases, as_of = _future_case(tmp_path)
    cache = str(tmp_path / "cache")
    checked: list[str] = []
    real = inputs.result_for
    monkeypatch.setattr(inputs, "result_for",
                        lambda name, *a, **k: checked.append(name) or real(name, *a, **k))
    clock.fixed = as_of
    assert in_process(str(cases), "--cache", cache)[0] == 0
    clock.fixed = as_of + timedelta(days=1)
    assert in_process(str(cases), "--cache", cache)[0] == 0
    assert len(checked) == 1  # the nightly run stays warm


def test_a_new_rule_reading_the_clock_makes_every_entry_last_one_day(
        tmp_path: Path, in_process, clock: type[date], monkeypatch: pytest.MonkeyPatch) -> None:
    assert rules_clock() == (clock.fixed, True)

    def overdue() -> bool:  # as a new rule might: its results could change on any day
        return date.today() > date(2020, 1, 1)

    overdue.__module__ = integrity.__name__
    monkeypatch.setattr(integrity, "overdue", overdue, raising=False)
    assert rules_clock() == (clock.fixed, False)
    cases, as_of = _future_case(tmp_path)
    checked: list[str] = []
    real = inputs.result_for
    monkeypatch.setattr(inputs, "result_for",
                        lambda name, *a, **k: checked.append(name) or real(name, *a, **k))
    for day in (as_of, as_of, as_of + timedelta(days=1)):
        clock.fixed = day
        assert in_process(str(cases), "--cache", str(tmp_path / "cache"))[0] == 0
    assert len(checked) == 2  # reused the same day, checked again the next


# Defect 7: the cache was trusted completely


def test_a_hand_edited_entry_is_not_trusted(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, honest = validate_json(caseload, cache)
    path = cache_file(cache)
    entries = json.loads(path.read_text(encoding="utf-8"))
    for key, entry in entries.items():  # every file reported clean, seal left as it was
        seal, _, text = entry.partition(":")
        day, stage, release, _findings, tag = json.loads(text)
        entries[key] = f"{seal}:{json.dumps([day, stage, release, [], tag])}"
    path.write_text(json.dumps(entries), encoding="utf-8")
    _, again = validate_json(caseload, cache)
    assert again == honest and honest["summary"]["errors"] > 0


def _genuine(tmp_path: Path) -> tuple[ResultCache, str, list]:
    """A cache with one fresh result, and that result's entry as a forger would start from."""
    data = (ROOT / "examples" / "cases" / "failing" / "data-003.json").read_bytes()
    cache = ResultCache(tmp_path / "cache", max_bytes=MAX_BYTES)
    key = digest(data)
    result = inputs.check_bytes("x.json", data, inputs.Settings())
    assert {f.severity.value for f in result.findings} >= {"error", "advice"}
    cache.put(key, result)
    entry = json.loads(cache.new[key].partition(":")[2])
    return cache, key, entry


def _forge(cache: ResultCache, key: str, entry: list) -> None:
    """Seal an entry with the folder's own key, as someone who read the marker could."""
    text = json.dumps(entry)
    cache.entries[key] = f"{cache._seal(key, text)}:{text}"


def _error(entry: list) -> list:
    """The entry's first error row: ``[rule_id, severity, message, path, line, waived,
    deviation]`` (a 1.0.0 case's DATA-009 advice comes before it)."""
    return next(row for row in entry[3] if row[1] == "error")


def _advice(entry: list) -> list:
    return next(row for row in entry[3] if row[1] == "advice")


FORGERIES = {
    "unknown rule": lambda e: _error(e).__setitem__(0, "EVIL-001"),
    "foreign message": lambda e: _error(e).__setitem__(2, "\x1b[32mall clear\x1b[0m"),
    "another rule's message": lambda e: _error(e).__setitem__(2, REGISTRY["DATA-001"].message),
    "weaker severity": lambda e: _error(e).__setitem__(1, "advice"),
    "waived error": lambda e: _error(e).__setitem__(5, True),
    "deviation for advice": lambda e: _advice(e).__setitem__(6, True),
    "deviation that is not a flag": lambda e: _error(e).__setitem__(6, "yes"),
    "text in the path": lambda e: _error(e).__setitem__(3, ["javascript:alert(1)"]),
    "a link of its own": lambda e: _error(e).insert(4, "javascript:alert(1)"),
    "line zero": lambda e: _error(e).__setitem__(4, 0),
    "unknown stage": lambda e: e.__setitem__(1, "<b>done</b>"),
    "made tomorrow": lambda e: e.__setitem__(0, "9999-12-31"),
    "a release the tool does not judge": lambda e: e.__setitem__(2, "9.9.9"),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_sealed_entry_that_does_not_fit_the_rules_is_dropped(tmp_path: Path,
                                                               forgery: str) -> None:
    cache, key, entry = _genuine(tmp_path)
    _forge(cache, key, entry)
    assert cache.get("x.json", key) is not None  # the untouched entry is used...
    FORGERIES[forgery](entry)
    _forge(cache, key, entry)
    assert cache.get("x.json", key) is None  # ...a changed one is checked again


def test_an_entry_moved_to_another_files_hash_is_dropped(tmp_path: Path) -> None:
    cache, key, entry = _genuine(tmp_path)
    _forge(cache, key, entry)
    other = digest(b"another file")
    cache.entries[other] = cache.entries[key]
    assert cache.get("x.json", key) is not None and cache.get("y.json", other) is None


def test_an_unknown_rule_in_the_cache_cannot_break_sarif(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    target = caseload / "data-003.json"
    honest = run_cli("validate", str(caseload), "--format", "sarif", "--cache", str(cache))
    forger = ResultCache(cache, max_bytes=MAX_BYTES)
    assert forger.name == cache_file(cache).name  # the same fingerprint as the command's
    text = json.dumps([forger.day, "treatment", "1.0.0",
                       [["EVIL-001", "error", "x", [], None, False, False]]])
    key = f"{digest(target.read_bytes())}:"  # as inputs.check_path keys a file named plainly
    forger.new[key] = f"{forger._seal(key, text)}:{text}"
    assert forger.save() is None
    again = run_cli("validate", str(caseload), "--format", "sarif", "--cache", str(cache))
    assert again.returncode == honest.returncode == 2
    assert "EVIL-001" not in again.stdout and json.loads(again.stdout)["runs"]


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_a_cache_file_that_is_not_a_regular_file_is_refused(caseload: Path, tmp_path: Path,
                                                           kind: str) -> None:
    cache = tmp_path / "cache"
    validate_json(caseload, cache)
    path = cache_file(cache)
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        (tmp_path / "elsewhere.json").write_text("{}", encoding="utf-8")
        path.symlink_to(tmp_path / "elsewhere.json")
    proc = run_cli("validate", str(caseload), "--cache", str(cache))  # a hang fails the timeout
    assert proc.returncode == 2 and proc.stdout == ""
    assert "is not a regular file" in proc.stderr


def test_a_folder_others_can_write_to_is_refused(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o770)
    proc = run_cli("validate", str(caseload), "--cache", str(cache))
    assert proc.returncode == 2 and "writable by group or others" in proc.stderr
    assert list(cache.iterdir()) == []


def test_a_folder_of_another_user_is_refused(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cache").mkdir(mode=0o700)
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(tmp_path).st_uid + 1)
    with pytest.raises(CacheError, match="owned by another user"):
        CacheFolder(tmp_path / "cache")


def test_bad_cache_options_are_a_clear_misuse(caseload: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    proc = run_cli("validate", str(caseload), "--cache", str(a_file))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr
    (tmp_path / "cache").mkdir(mode=0o700)
    (tmp_path / "cache" / MARKER).write_text("something else\n", encoding="utf-8")
    proc = run_cli("validate", str(caseload), "--cache", str(tmp_path / "cache"))
    assert proc.returncode == 2 and "damaged marker" in proc.stderr


def test_concurrent_runs_keep_each_others_entries(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    one, two = ResultCache(folder, max_bytes=MAX_BYTES), ResultCache(folder, max_bytes=MAX_BYTES)
    for n, cache in enumerate((one, two)):  # both opened before either saves
        for i in range(50):
            data = f"file {n}-{i}".encode()
            cache.put(digest(data), FileResult("x", stage="referral"))
    assert two.save() is None and one.save() is None
    assert len(ResultCache(folder, max_bytes=MAX_BYTES).entries) == 100


def test_saving_waits_for_a_run_that_holds_the_lock(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache", max_bytes=MAX_BYTES)
    cache.put(digest(b"a"), FileResult("x", stage="referral"))
    with open(cache.store.path / cache_store.LOCK, "a") as other_run:
        fcntl.flock(other_run, fcntl.LOCK_EX)
        saving = threading.Thread(target=cache.save)
        saving.start()
        saving.join(0.5)
        assert saving.is_alive() and not list(cache.store.path.glob("results-*.json"))
    saving.join(10)
    assert not saving.is_alive() and len(cache.store.read_entries(cache.name)) == 1


def test_runs_with_other_options_keep_their_own_caches(caseload: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    validate_json(caseload, cache)
    first = cache_file(cache)
    validate_json(caseload, cache, "--max-bytes", "500000")
    assert first.exists() and len(list(cache.glob("results-*.json"))) == 2


# Defect 12: a cache that cannot be saved failed a finished run


def test_a_cache_that_cannot_be_saved_is_a_warning(tmp_path: Path, in_process,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copy(ROOT / "examples" / "cases" / "failing" / "data-001.json", cases)

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(CacheFolder, "write_entries", full)
    status, report, err = in_process(str(cases), "--cache", str(tmp_path / "cache"))
    assert status == 1 and report["summary"]["errors"] >= 1
    assert "warning: the results were not cached" in err and "No space left" in err


# The design review: one atomic write; every module in the fingerprint


def test_reports_and_the_cache_share_one_atomic_write(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_store.atomic_write is output.atomic_write
    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), output.atomic_write(target) as handle:
        handle.write("half")
        raise RuntimeError
    assert target.read_text(encoding="utf-8") == "old" and os.listdir(tmp_path) == ["report.txt"]


def test_every_module_feeds_the_fingerprint(tmp_path: Path) -> None:
    package = tmp_path / "protocol_checks"
    shutil.copytree(Path(inputs.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = fingerprint(MAX_BYTES, package)
    assert fingerprint(MAX_BYTES, package) == before
    (package / "brand_new.py").write_text("LIMIT = 3\n", encoding="utf-8")
    assert fingerprint(MAX_BYTES, package) != before
    assert fingerprint(MAX_BYTES + 1, package) != fingerprint(MAX_BYTES, package)
