"""Bad input: refused with exit status 2 and a located message, never a traceback or a hang.

Every kind of bad input below is generated inside the test. Every kind goes through the real
``protocol-checks validate`` command in a subprocess with a timeout: all bad contents together in
one run per output format (each file is reported under its own name), and every special file
(FIFO, loops, 50 MB...) plus a sample of the contents in a run of its own, for the exit status of
a single bad input. Every kind also goes through the core
(:func:`protocol_checks.inputs.check_path`), which is fast. For each we assert: exit status 2,
a message that names the file and, where meaningful, a line/column or JSON path, no
``Traceback``, nothing of the file's content echoed (the canary), and the file byte-identical
(sha256, size and mtime) afterwards.

The malformed-JSON part follows JSONTestSuite's must-reject (``n_*``) cases.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from casefactory import CLI, clean_treatment_case, day, new_case

from protocol_checks.findings import FileResult
from protocol_checks.inputs import Settings, check_path
from protocol_checks.loader import MAX_BYTES

CANARY = "QZXJ"
"""Planted in many corpus files (as keys, values, text); must never appear in any output."""

TIMEOUT = 20




def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PROTOCOL_CHECKS_HANDBOOK_URL"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_cli(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """The real command; a hang fails the test instead of blocking the suite."""
    return subprocess.run(
        [*CLI, *args], cwd=cwd, input=stdin if stdin is not None else b"",
        capture_output=True, timeout=TIMEOUT, env=_env(), check=False,
    )


def fingerprint(path: Path) -> tuple:
    """sha256, size and mtime of a regular file; type, mode and target for anything else
    (never opens a FIFO or device)."""
    info = path.lstat()
    if stat.S_ISREG(info.st_mode):
        return ("file", hashlib.sha256(path.read_bytes()).hexdigest(), info.st_size,
                info.st_mtime_ns)
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path), info.st_mtime_ns)
    return ("other", stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_mtime_ns)


# --------------------------------------------------------------------------------------------
# A valid case to break in schema-level ways.


def pretty(obj: object) -> bytes:
    return (json.dumps(obj, indent=2) + "\n").encode("utf-8")


def line_of(data: bytes, needle: str) -> int:
    """1-based line of the first occurrence of ``needle``."""
    index = data.decode("utf-8").index(needle)
    return data.decode("utf-8").count("\n", 0, index) + 1


def with_roles(**extra: object) -> dict:
    holder = {"staff_id": "STAFF-001", "profession": "psychiatrist", "assigned_on": "2025-01-01"}
    case = new_case(roles={"therapist": dict(holder, **extra)})
    return case


# --------------------------------------------------------------------------------------------
# The corpus of bad file contents.


@dataclass(frozen=True)
class Bad:
    kind: str
    data: bytes
    says: str
    """A fragment the message must contain."""
    line: int | None = None
    """The exact line expected, when known; otherwise any line (if ``located``)."""
    column: bool = False
    """A column is expected too."""
    path: str | None = None
    """The JSON path expected in the message."""
    located: bool = True
    """False for problems of the whole file, where no line is meaningful."""


def _malformed(kind: str, text: str | bytes, line: int = 1) -> Bad:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return Bad(kind, data, "invalid JSON", line=line, column=True)


MALFORMED = [
    _malformed("n_object_trailing_comma", '{"QZXJ": 1,}'),
    _malformed("n_array_extra_comma", '["QZXJ",]'),
    _malformed("n_object_single_quote", "{'QZXJ': 1}"),
    _malformed("n_string_single_quote", "['QZXJ']"),
    _malformed("n_object_unquoted_key", "{QZXJ: 1}"),
    _malformed("n_object_non_string_key", "{1: 1}"),
    _malformed("n_number_with_leading_zero", "[012]"),
    _malformed("n_number_neg_with_leading_zero", "[-012]"),
    _malformed("n_string_1_surrogate_then_escape_u", '["\\uD800\\u"]'),
    _malformed("n_string_invalid_unicode_escape", '["\\uqqqq"]'),
    _malformed("n_string_incomplete_escaped_character", '["\\u00A"]'),
    _malformed("n_string_unescaped_ctrl_char", b'["QZXJ\x01"]'),
    _malformed("n_string_unescaped_newline", '["QZXJ\nQZXJ"]'),
    _malformed("n_string_unescaped_tab", '["QZXJ\tQZXJ"]'),
    _malformed("n_string_escape_x", '["\\x41QZXJ"]'),
    _malformed("n_string_invalid_backslash_esc", '["\\aQZXJ"]'),
    _malformed("n_string_backslash_00", b'["\\\x00"]'.replace(b"\x00", b"\x01")),
    _malformed("n_string_escaped_emoji", '["\\\U0001f300"]'),
    _malformed("n_array_unclosed", '["QZXJ"'),
    _malformed("n_object_unclosed", '{"QZXJ": 1'),
    _malformed("n_string_unclosed", '["QZXJ'),
    _malformed("n_structure_lone_open_bracket", "["),
    _malformed("n_object_missing_value", '{"QZXJ":'),
    _malformed("n_structure_array_with_extra_array_close", "[1]]"),
    _malformed("n_structure_object_followed_by_closing_object", "{}}"),
    _malformed("n_object_trailing_comment", '{"a": "QZXJ"}/**/'),
    _malformed("n_structure_comment_block", "/* QZXJ */ {}"),
    _malformed("n_structure_comment_line", "// QZXJ\n{}"),
    _malformed("n_number_hex_1_digit", "[0x1]"),
    _malformed("n_number_hex_2_digits", "[0x42]"),
    _malformed("n_number_plus_one", "[+1]"),
    _malformed("n_number_starting_with_dot", "[.5]"),
    _malformed("n_number_real_without_fractional_part", "[1.]"),
    _malformed("n_number_2.e3", "[2.e3]"),
    _malformed("n_number_1e", "[1e]"),
    _malformed("n_number_with_space", "[1 000.0]"),
    _malformed("n_number_expression", "[1+2]"),
    _malformed("n_number_minus_sign_with_trailing_garbage", "[-foo]"),
    _malformed("n_array_double_comma", "[1,,2]"),
    _malformed("n_array_just_comma", "[,]"),
    _malformed("n_array_items_separated_by_semicolon", "[1:2]"),
    _malformed("n_object_missing_colon", '{"QZXJ" 1}'),
    _malformed("n_object_double_colon", '{"QZXJ"::1}'),
    _malformed("n_object_comma_instead_of_colon", '{"QZXJ", null}'),
    _malformed("n_object_several_trailing_commas", '{"id":0,,,,,}'),
    _malformed("n_structure_trailing_hash", '{"a": "QZXJ"}#{}'),
    _malformed("n_structure_garbage_after_value", '{"a": 1} QZXJ'),
    _malformed("n_incomplete_true", "[tru]"),
    _malformed("n_incomplete_null", "[nul]"),
    _malformed("n_structure_capitalized_True", "[True]"),
    _malformed("n_structure_whitespace_formfeed", "[\f]"),
    _malformed("n_structure_angle_bracket_null", "[<null>]"),
    _malformed("n_structure_ascii_unicode_identifier", "aå"),
    _malformed("n_array_newlines_unclosed", '["a",\n4\n,1,', line=3),
    # A realistic file with one slip on a known line.
    _malformed("n_case_missing_comma_line_4",
               '{\n  "protocol_version": "1.0.0",\n  "case_id": "CASE-0001"\n  "stage": "referral"\n}',
               line=4),
    _malformed("n_case_trailing_comma_line_10",
               pretty(new_case()).decode().replace('"legal_basis": "none"', '"legal_basis": "none",'),
               line=10),
]

ENCODING = [
    Bad("utf8_bom", b"\xef\xbb\xbf" + pretty(new_case()), "byte-order mark", line=1, column=True),
    Bad("utf16le_with_bom", pretty(new_case()).decode().encode("utf-16"), "UTF-16", line=1,
        column=True),
    Bad("utf16be_with_bom", b"\xfe\xff" + pretty(new_case()).decode().encode("utf-16-be"),
        "UTF-16", line=1, column=True),
    Bad("utf16le_without_bom", pretty(new_case()).decode().encode("utf-16-le"), "NUL bytes",
        line=1, column=True),
    Bad("utf32_with_bom", pretty(new_case()).decode().encode("utf-32"), "UTF-32", line=1,
        column=True),
    Bad("nul_byte_in_string", b'{\n"notes": "QZXJ\x00"}', "NUL bytes", line=2, column=True),
    Bad("utf8_overlong_solidus", b'{\n  "notes": "QZXJ\xc0\xaf"\n}', "UTF-8", line=2, column=True),
    Bad("utf8_truncated_multibyte", b'{\n  "notes": "QZXJ\xe2\x82"\n}', "UTF-8", line=2,
        column=True),
    Bad("utf8_byte_ff", b'["QZXJ\xff"]', "UTF-8", line=1, column=True),
    Bad("utf8_lone_continuation_byte", b'["\x80QZXJ"]', "UTF-8", line=1, column=True),
    Bad("utf8_encoded_surrogate", b'["\xed\xa0\x80QZXJ"]', "UTF-8", line=1, column=True),
    Bad("latin1_text", '{"notes": "caf\u00e9 QZXJ"}'.encode("latin-1"), "UTF-8", line=1,
        column=True),
    Bad("escape_lone_high_surrogate", b'["\\uD800QZXJ"]', "lone surrogate", line=1, path="$[0]"),
    Bad("escape_lone_low_surrogate_in_field", b'{\n  "notes": "\\uDC00QZXJ"\n}', "lone surrogate",
        line=2, path="$.notes"),
    Bad("escape_lone_surrogate_in_key", b'{"\\uD800QZXJ": 1}', "lone surrogate",
        path="$.<unknown>"),
    Bad("escape_reversed_surrogate_pair", b'["\\uDD1E\\uD834"]', "lone surrogate", path="$[0]"),
]


def _duplicate_top() -> bytes:
    text = pretty(new_case()).decode()
    return text.replace('"stage": "referral",', '"stage": "referral",\n  "case_id": "CASE-0002",'
                        ).encode()


def _duplicate_nested() -> bytes:
    text = pretty(new_case()).decode()
    return text.replace('"source": "other",', '"source": "other",\n    "source": "court",').encode()


def _duplicate_in_list() -> bytes:
    case = new_case(sessions=[{"on": "2025-01-01", "attendance": "attended"},
                              {"on": "2025-01-08", "attendance": "missed"}])
    text = pretty(case).decode()
    return text.replace('"attendance": "missed"', '"attendance": "missed",\n      "on": "2025-01-09"'
                        ).encode()


def _duplicate_with_colons_in_notes() -> bytes:
    """Colons inside strings must not hide a repeated key from the quick key count."""
    text = pretty(new_case(notes="Seen at 10:30; plan: review")).decode()
    return text.replace('"stage": "referral",', '"stage": "referral",\n  "notes": "a: b",').encode()


def _duplicate_and_schema_error() -> bytes:
    """A repeated key outranks schema errors elsewhere in the same file."""
    text = _duplicate_nested().decode()
    return text.replace('"stage": "referral",', '"stage": "referral",\n  "QZXJ": true,').encode()


def _deep(opening: str, closing: str, depth: int) -> bytes:
    return (opening * depth + closing * depth).encode()


STRUCTURE = [
    Bad("duplicate_key_top_level", _duplicate_top(), "duplicate key", line=5, path="$.case_id"),
    Bad("duplicate_key_nested", _duplicate_nested(), "duplicate key",
        line=line_of(_duplicate_nested(), '"court"'),
        path="$.referral.source"),
    Bad("duplicate_key_in_list_item", _duplicate_in_list(), "duplicate key",
        line=line_of(_duplicate_in_list(), '"2025-01-09"'), path="$.sessions[1].on"),
    Bad("duplicate_key_with_colons_in_strings", _duplicate_with_colons_in_notes(), "duplicate key",
        line=line_of(_duplicate_with_colons_in_notes(), '"Seen at'), path="$.notes"),
    Bad("duplicate_key_and_unknown_field", _duplicate_and_schema_error(), "duplicate key",
        line=line_of(_duplicate_and_schema_error(), '"court"'), path="$.referral.source"),
    Bad("duplicate_key_unknown", b'{"QZXJ": 1, "QZXJ": 2}', "duplicate key", line=1,
        path="$.<unknown>"),
    Bad("duplicate_key_escaped_spelling", b'{"case_id": "CASE-0001", "case\\u005fid": "CASE-0002"}',
        "duplicate key", line=1, path="$.case_id"),
    Bad("nan", b'{\n  "notes": "NaN QZXJ",\n  "as_of": NaN\n}', "NaN or Infinity", line=3,
        column=True),
    Bad("infinity", b'{"as_of": Infinity, "notes": "QZXJ"}', "NaN or Infinity", line=1, column=True),
    Bad("minus_infinity", b'[1,\n-Infinity]', "NaN or Infinity", line=2, column=True),
    Bad("number_5000_digits", b'{\n  "QZXJ":\n    ' + b"7" * 5000 + b"\n}", "too long", line=3,
        column=True),
    Bad("negative_number_5000_digits", b"[-" + b"1" * 5000 + b"]", "too long", line=1, column=True),
    Bad("nesting_10000_arrays", _deep("[", "]", 10_000), "nesting is too deep", line=1),
    Bad("nesting_10000_objects", b'{"QZXJ":' * 10_000 + b"1" + b"}" * 10_000,
        "nesting is too deep", line=1),
    Bad("nesting_500_arrays_in_unknown_field", b'{"QZXJ": ' + _deep("[", "]", 500) + b"}",
        "nesting is too deep", line=1),
    Bad("nesting_unclosed_10000", b"[" * 10_000, "nesting is too deep", line=1),
    Bad("empty_file", b"", "empty", line=1),
    Bad("whitespace_only", b" \n\t\r\n  \n", "empty", line=1),
    Bad("just_null", b"null", "should be an object", line=1, path="$"),
    Bad("just_empty_array", b"[]", "should be an object", line=1, path="$"),
    Bad("just_string", b'"QZXJ"', "should be an object", line=1, path="$"),
    Bad("just_number", b"1", "should be an object", line=1, path="$"),
    Bad("just_true", b"true", "should be an object", line=1, path="$"),
    Bad("array_of_cases", pretty([new_case()]), "should be an object", line=1, path="$"),
]


def _schema(kind: str, case: dict, says: str, path: str, needle: str | None = None) -> Bad:
    data = pretty(case)
    line = line_of(data, needle + ":") if needle else None
    return Bad(kind, data, says, line=line, path=path)


_too_long = "QZXJ " * 401
SCHEMA = [
    _schema("unknown_field_top_level", new_case(QZXJ="QZXJ"), "unknown field", "$.<unknown>",
            '"QZXJ"'),
    _schema("unknown_field_nested", new_case(referral={
        "received_on": "2025-01-01", "source": "other", "legal_basis": "none", "QZXJ": 1}),
        "unknown field", "$.referral.<unknown>", '"QZXJ"'),
    _schema("unknown_field_in_list_item", new_case(
        sessions=[{"on": "2025-01-01", "attendance": "attended", "QZXJ": True}]),
        "unknown field", "$.sessions[0].<unknown>", '"QZXJ"'),
    _schema("misspelled_known_field", {**new_case(), "case_ID": "CASE-0001"}, "unknown field",
            "$.<unknown>", '"case_ID"'),
    _schema("string_for_bool", with_roles(can_admit="QZXJ"), "should be true or false",
            "$.roles.therapist.can_admit", '"can_admit"'),
    _schema("number_for_date", new_case(as_of=20250101), "should be a date (YYYY-MM-DD)",
            "$.as_of", '"as_of"'),
    _schema("bool_for_string", new_case(case_id=True), "should be capital letters, a hyphen",
            "$.case_id", '"case_id"'),
    _schema("number_for_string", new_case(protocol_version=1.0), "should be text",
            "$.protocol_version", '"protocol_version"'),
    _schema("string_for_list", new_case(sessions="QZXJ"), "should be a list of objects", "$.sessions",
            '"sessions"'),
    _schema("string_for_object", new_case(referral="QZXJ"), "object", "$.referral", '"referral"'),
    _schema("impossible_date_feb_30", new_case(as_of="2026-02-30"), "should be a real date", "$.as_of",
            '"as_of"'),
    _schema("impossible_date_month_13", new_case(as_of="2026-13-01"), "should be a real date", "$.as_of",
            '"as_of"'),
    _schema("datetime_for_date", new_case(referral={
        "received_on": "2025-01-01T10:00:00QZXJ", "source": "other", "legal_basis": "none"}),
        "date (YYYY-MM-DD)", "$.referral.received_on", '"received_on"'),
    _schema("datetime_with_zone_for_date", new_case(as_of="2025-01-01T00:00:00Z"), "date (YYYY-MM-DD)",
            "$.as_of", '"as_of"'),
    _schema("bad_enum_stage", new_case(stage="QZXJ"), "should be one of referral, assessment",
            "$.stage", '"stage"'),
    _schema("bad_enum_case_differs", new_case(stage="Referral"),
            "should be one of referral, assessment", "$.stage",
            '"stage"'),
    # Patterns are said in words (the regular expression means little to staff).
    _schema("pattern_violating_case_id", new_case(case_id="case QZXJ"),
            "should be capital letters, a hyphen", "$.case_id", '"case_id"'),
    _schema("pattern_violating_staff_id", with_roles(staff_id="Dr QZXJ"),
            "should be capital letters, a hyphen", "$.roles.therapist.staff_id", '"staff_id"'),
    _schema("nhs_number_as_case_id", new_case(case_id="9434765919"),
            "should be capital letters, a hyphen", "$.case_id", '"case_id"'),
    _schema("too_long_notes", new_case(notes=_too_long), "at most 2000", "$.notes", '"notes"'),
    _schema("missing_required_field", {k: v for k, v in new_case().items() if k != "as_of"},
            "required field is missing", "$.as_of"),
    _schema("null_for_required", new_case(stage=None), "should be one of referral, assessment",
            "$.stage", '"stage"'),
    _schema("empty_list_needing_items", new_case(information_sharing={
        "agencies": [], "circumstances": "QZXJ", "set_by": "STAFF-001",
        "agreed_on": "2025-01-01"}), "at least 1", "$.information_sharing.agencies", '"agencies"'),
    _schema("too_many_sessions", new_case(
        sessions=[{"on": "2025-01-01", "attendance": "attended"}] * 2001), "at most 2000",
        "$.sessions", '"sessions"'),
]

CORPUS: list[Bad] = MALFORMED + ENCODING + STRUCTURE + SCHEMA


# --------------------------------------------------------------------------------------------
# Files that are not plain files, or not there.


@dataclass(frozen=True)
class Special:
    kind: str
    make: Callable[[Path], str]
    """Creates the input inside the given folder and returns the argument to pass."""
    says: str


def _huge(folder: Path) -> str:
    with open(folder / "huge.json", "wb") as handle:
        handle.write(b'{"notes": "' + b"QZXJ" * (50 * 1024 * 1024 // 4) + b'"}')
    return "huge.json"


def _fifo(folder: Path) -> str:
    os.mkfifo(folder / "fifo.json")
    return "fifo.json"


def _fifo_in_folder(folder: Path) -> str:
    (folder / "cases").mkdir()
    os.mkfifo(folder / "cases" / "waiting.json")
    return "cases"


def _loop(folder: Path) -> str:
    os.symlink("loop-b.json", folder / "loop-a.json")
    os.symlink("loop-a.json", folder / "loop-b.json")
    return "loop-a.json"


def _loop_in_folder(folder: Path) -> str:
    (folder / "cases").mkdir()
    os.symlink("b.json", folder / "cases" / "a.json")
    os.symlink("a.json", folder / "cases" / "b.json")
    return "cases"


def _dangling(folder: Path) -> str:
    os.symlink("nowhere.json", folder / "dangling.json")
    return "dangling.json"


def _no_json(folder: Path) -> str:
    (folder / "empty-folder" / "sub").mkdir(parents=True)
    (folder / "empty-folder" / "notes.txt").write_text("QZXJ\n")
    (folder / "empty-folder" / "sub" / "case.json.bak").write_text("{}\n")
    return "empty-folder"


def _missing(folder: Path) -> str:
    del folder
    return "missing.json"


def _dir_named_json(folder: Path) -> str:
    (folder / "x.json").mkdir()
    return "x.json"


SPECIAL = [
    Special("file_50_mb", _huge, "larger than the limit of 1,048,576 bytes"),
    Special("fifo", _fifo, "not a regular file"),
    Special("fifo_inside_folder", _fifo_in_folder, "not a regular file"),
    Special("symlink_loop", _loop, "symbolic links"),
    Special("symlink_loop_inside_folder", _loop_in_folder, "symbolic links"),
    Special("dangling_symlink", _dangling, "symbolic link points to a file that does not exist"),
    Special("folder_without_json", _no_json, "folder holds no .json files"),
    Special("missing_path", _missing, "file not found"),
    Special("folder_named_like_a_case", _dir_named_json, "folder holds no .json files"),
]


# --------------------------------------------------------------------------------------------
# Run everything through the real command: all contents in one invocation per format (each
# file is reported by name), and each special file plus a sample of contents on its own (for the
# exit status of a single bad input), concurrently.

SOLO = (
    "n_object_trailing_comma", "n_string_single_quote", "n_string_unescaped_tab",
    "n_array_unclosed", "n_structure_garbage_after_value", "utf8_bom", "utf16le_with_bom",
    "utf8_overlong_solidus", "escape_lone_high_surrogate", "duplicate_key_nested", "nan",
    "number_5000_digits", "nesting_10000_objects", "empty_file", "just_null",
    "unknown_field_nested", "impossible_date_feb_30", "too_long_notes",
)


@dataclass
class Outcome:
    name: str
    folder: Path
    before: dict[Path, tuple]
    args: tuple[str, ...] = ()
    proc: subprocess.CompletedProcess | None = None
    seconds: float = 0.0
    hung: bool = False

    @property
    def out(self) -> str:
        assert self.proc is not None
        return self.proc.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        assert self.proc is not None
        return self.proc.stderr.decode("utf-8", "replace")


def _snapshot(folder: Path) -> dict[Path, tuple]:
    return {p: fingerprint(p) for p in sorted(folder.rglob("*"))}


def _run(outcome: Outcome) -> Outcome:
    start = time.monotonic()
    try:
        outcome.proc = run_cli("validate", *outcome.args, cwd=outcome.folder)
    except subprocess.TimeoutExpired:
        outcome.hung = True
    outcome.seconds = time.monotonic() - start
    return outcome


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every bad content in one folder, checked by one command per format (text and json)."""
    folder = tmp_path_factory.mktemp("corpus")
    names = []
    for bad in CORPUS:
        names.append(f"{bad.kind}.json")
        (folder / names[-1]).write_bytes(bad.data)
    before = _snapshot(folder)
    runs = [Outcome("", folder, before, args=(*fmt, *names)) for fmt in ((), ("--format", "json"))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        text, as_json = pool.map(_run, runs)
    return {"text": text, "json": as_json}


@pytest.fixture(scope="module")
def solo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    todo: dict[str, Outcome] = {}
    by_kind = {b.kind: b for b in CORPUS}
    for kind in SOLO:
        folder = tmp_path_factory.mktemp(kind[:40])
        name = f"{kind}.json"
        (folder / name).write_bytes(by_kind[kind].data)
        todo[kind] = Outcome(name, folder, _snapshot(folder), args=(name,))
    for special in SPECIAL:
        folder = tmp_path_factory.mktemp(special.kind)
        name = special.make(folder)
        todo[special.kind] = Outcome(name, folder, _snapshot(folder), args=(name,))
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        done = dict(zip(todo, pool.map(_run, todo.values()), strict=True))
    yield done
    for outcome in done.values():
        drop_big_files(outcome.folder)


def drop_big_files(folder: Path) -> None:
    """Remove the 50 MB inputs once checked, so that kept temporary folders stay small."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size > 10 * 1024 * 1024:
            path.unlink()


_INPUT_LINE = (r"^(?P<file>{name})(?::(?P<line>\d+))?(?::(?P<col>\d+))?: INPUT (?P<msg>.*?)"
               r"(?: \(at (?P<path>\S+)\))?$")


def input_lines(text: str, name: str, prefix: bool = False) -> list[re.Match]:
    """The text reporter's INPUT lines for ``name`` (or, for a folder, for files under it)."""
    pattern = re.escape(name) + (r"/\S*" if prefix else "")
    return list(re.finditer(_INPUT_LINE.format(name=pattern), text, re.M))


def assert_clean_run(outcome: Outcome) -> str:
    """Exit 2, no hang, no traceback, no canary, the inputs unchanged; returns stdout."""
    assert not outcome.hung, f"command hung on {outcome.args}"
    assert outcome.proc is not None
    both = outcome.out + outcome.err
    assert "Traceback" not in both
    assert outcome.proc.returncode == 2, both
    assert CANARY not in both, "the file's content was echoed"
    assert _snapshot(outcome.folder) == outcome.before, "the input was changed"
    return outcome.out


def assert_located(lines: list[re.Match], bad: Bad) -> None:
    matching = [m for m in lines if bad.says in m.group("msg")]
    assert matching, [m.group(0) for m in lines]
    first = matching[0]
    if bad.located:
        assert first.group("line") is not None, f"no line in {first.group(0)!r}"
    if bad.line is not None:
        assert int(first.group("line")) == bad.line, first.group(0)
    if bad.column:
        assert first.group("col") is not None, f"no column in {first.group(0)!r}"
    if bad.path is not None:
        assert bad.path in [m.group("path") for m in lines], [m.group(0) for m in lines]


NOT_JSON = ("NUL bytes", "NaN or Infinity", "UTF-16", "UTF-32", "UTF-8", "byte-order mark",
            "empty", "invalid JSON", "nesting is too deep", "lone surrogate")
"""Problems that stop a file being read as JSON text; the rest are JSON that is not a valid
case file (counted as invalid, not unreadable)."""


def expected_status(bad: Bad) -> str:
    not_json = bad.says in NOT_JSON or bad.kind.endswith("_5000_digits")
    return "unreadable" if not_json else "invalid"


@pytest.mark.parametrize("bad", CORPUS, ids=[b.kind for b in CORPUS])
def test_command_refuses_bad_content(bad: Bad, batch: dict[str, Outcome]) -> None:
    name = f"{bad.kind}.json"
    assert_located(input_lines(assert_clean_run(batch["text"]), name), bad)
    report = json.loads(assert_clean_run(batch["json"]))
    (mine,) = [r for r in report["results"] if r["file"] == name]
    assert mine["status"] == expected_status(bad) and mine["findings"] == []
    assert any(bad.says in p["message"] for p in mine["problems"])
    if bad.path is not None:
        assert bad.path in [p["path"] for p in mine["problems"]]


@pytest.mark.parametrize("kind", SOLO)
def test_command_exit_status_for_one_bad_file(kind: str, solo: dict[str, Outcome]) -> None:
    bad = next(b for b in CORPUS if b.kind == kind)
    outcome = solo[kind]
    out = assert_clean_run(outcome)
    assert_located(input_lines(out, outcome.name), bad)
    assert "1 file checked" in out
    assert ("1 unreadable" if expected_status(bad) == "unreadable" else "1 invalid") in out
    assert outcome.seconds < TIMEOUT


@pytest.mark.parametrize("special", SPECIAL, ids=[s.kind for s in SPECIAL])
def test_command_refuses_bad_files(special: Special, solo: dict[str, Outcome]) -> None:
    outcome = solo[special.kind]
    out = assert_clean_run(outcome)
    lines = input_lines(out, outcome.name) or input_lines(out, outcome.name, prefix=True)
    assert lines, out
    assert any(special.says in m.group("msg") for m in lines), out
    assert "unreadable" in out


def test_corpus_is_large_enough() -> None:
    kinds = [b.kind for b in CORPUS] + [s.kind for s in SPECIAL]
    assert len(kinds) == len(set(kinds))
    assert len(MALFORMED) >= 40
    assert len(kinds) >= 100


# --------------------------------------------------------------------------------------------
# The core, called directly.


def check(path: Path, max_bytes: int = MAX_BYTES) -> FileResult:
    return check_path(str(path), Settings(max_bytes=max_bytes))


@pytest.mark.parametrize("bad", CORPUS, ids=[b.kind for b in CORPUS])
def test_core_reports_bad_content(bad: Bad, tmp_path: Path) -> None:
    target = tmp_path / "case.json"
    target.write_bytes(bad.data)
    before = fingerprint(target)
    result = check(target)
    assert fingerprint(target) == before
    assert result.unreadable and not result.findings
    assert result.name == str(target)
    matching = [p for p in result.problems if bad.says in p.message]
    assert matching, [p.message for p in result.problems]
    for problem in result.problems:
        assert CANARY not in problem.message
        assert problem.path is None or CANARY not in problem.path
    first = matching[0]
    if bad.located:
        assert first.line is not None and first.line >= 1
    if bad.line is not None:
        assert first.line == bad.line
    if bad.column:
        assert first.column is not None and first.column >= 1
    if bad.path is not None:
        assert bad.path in [p.path for p in result.problems]


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    target = tmp_path / "case.json"
    target.write_bytes('{"notes": "ééé\xff"}'.encode().replace(b"\xc3\xbf", b"\xff"))
    problem = check(target).problems[0]
    assert (problem.line, problem.column) == (1, len('{"notes": "ééé') + 1)


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    target = tmp_path / "case.json"
    target.write_bytes(pretty(new_case()).rstrip() + b" " * (MAX_BYTES + 10) + b"\n")
    refused = check(target)
    assert "larger than the limit of 1,048,576 bytes" in refused.problems[0].message
    assert "--max-bytes" in refused.problems[0].message
    assert check(target, max_bytes=2 * MAX_BYTES).problems == []
    small = check(target, max_bytes=100)
    assert "larger than the limit of 100 bytes" in small.problems[0].message


def test_command_max_bytes_option(tmp_path: Path) -> None:
    target = tmp_path / "case.json"
    target.write_bytes(pretty(new_case()))
    size = target.stat().st_size
    refused = run_cli("validate", "--max-bytes", str(size - 1), "case.json", cwd=tmp_path)
    assert refused.returncode == 2
    assert f"larger than the limit of {size - 1:,} bytes" in refused.stdout.decode()
    accepted = run_cli("validate", "--max-bytes", str(size), "case.json", cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stdout
    for bad_value in ("0", "-5", "lots"):
        misuse = run_cli("validate", "--max-bytes", bad_value, "case.json", cwd=tmp_path)
        assert misuse.returncode == 2
        assert b"--max-bytes" in misuse.stderr and b"Traceback" not in misuse.stderr


def test_50_mb_file_is_refused_without_reading_it(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    name = _huge(tmp_path)
    opened: list[str] = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    start = time.monotonic()
    result = check(tmp_path / name)
    assert time.monotonic() - start < 1.0
    assert "larger than the limit" in result.problems[0].message
    assert str(tmp_path / name) not in opened, "the file was opened although too large"
    drop_big_files(tmp_path)


def test_50_mb_on_stdin_is_refused(tmp_path: Path) -> None:
    data = b'{"notes": "' + b"QZXJ" * (50 * 1024 * 1024 // 4) + b'"}'
    start = time.monotonic()
    proc = run_cli("validate", "-", cwd=tmp_path, stdin=data)
    assert time.monotonic() - start < TIMEOUT
    assert proc.returncode == 2
    assert b"<stdin>: INPUT input is larger than the limit of 1,048,576 bytes" in proc.stdout
    assert CANARY.encode() not in proc.stdout + proc.stderr


@pytest.mark.parametrize("special", SPECIAL, ids=[s.kind for s in SPECIAL])
def test_core_reports_bad_files(special: Special, tmp_path: Path) -> None:
    from protocol_checks.workers import run

    name = special.make(tmp_path)
    before = _snapshot(tmp_path)
    box: list[list[FileResult]] = []
    worker = threading.Thread(
        target=lambda: box.append(list(run([str(tmp_path / name)], Settings()))), daemon=True)
    worker.start()
    worker.join(TIMEOUT)
    assert box, "the core blocked"
    results = box[0]
    assert results and all(r.unreadable for r in results)
    assert any(special.says in p.message for r in results for p in r.problems)
    assert _snapshot(tmp_path) == before
    drop_big_files(tmp_path)


def test_directory_where_a_file_is_expected(tmp_path: Path) -> None:
    (tmp_path / "folder.json").mkdir()
    result = check(tmp_path / "folder.json")
    assert result.problems[0].message == "is a folder, not a file"
    proc = run_cli("checklist", "case-file", "folder.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"folder.json: INPUT is a folder, not a file" in proc.stderr
    assert b"Traceback" not in proc.stdout + proc.stderr


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root from reading; the "
                    "permission error is simulated and a root-unreadable file is used instead")
def test_unreadable_file_chmod_000(tmp_path: Path) -> None:
    target = tmp_path / "secret.json"
    target.write_bytes(pretty(new_case()))
    target.chmod(0)
    try:
        proc = run_cli("validate", "secret.json", cwd=tmp_path)
        assert proc.returncode == 2
        assert b"secret.json: INPUT cannot open: Permission denied" in proc.stdout
    finally:
        target.chmod(0o600)


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "secret.json"
    target.write_bytes(pretty(new_case()))
    before = fingerprint(target)
    real_open = os.open

    def denied(path, *args, **kwargs):
        if os.fspath(path) == str(target):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    result = check(target)
    assert [p.message for p in result.problems] == ["cannot open: Permission denied"]
    assert fingerprint(target) == before


ROOT_UNREADABLE = Path("/proc/sys/vm/drop_caches")


@pytest.mark.skipif(not ROOT_UNREADABLE.exists() or os.access(ROOT_UNREADABLE, os.R_OK),
                    reason="no write-only file is available to stand for an unreadable one")
def test_unreadable_file_even_for_root(tmp_path: Path) -> None:
    proc = run_cli("validate", str(ROOT_UNREADABLE), cwd=tmp_path)
    assert proc.returncode == 2
    assert b"drop_caches: INPUT cannot open: Permission denied" in proc.stdout
    assert b"Traceback" not in proc.stdout + proc.stderr


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="no /proc")
def test_read_error_is_reported(tmp_path: Path) -> None:
    proc = run_cli("validate", "/proc/self/mem", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"/proc/self/mem: INPUT cannot read: Input/output error" in proc.stdout


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_device_is_not_read(tmp_path: Path) -> None:
    proc = run_cli("validate", "/dev/zero", "/dev/null", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"/dev/zero: INPUT not a regular file" in proc.stdout
    assert b"/dev/null: INPUT not a regular file" in proc.stdout


def test_path_swapped_for_fifo_after_the_check_does_not_block(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A regular file replaced by a FIFO between ``stat`` and ``open`` must not hang the read."""
    target = tmp_path / "case.json"
    target.write_bytes(pretty(new_case()))
    real_stat = os.stat

    def swap(path, *args, **kwargs):
        info = real_stat(path, *args, **kwargs)
        if os.fspath(path) == str(target) and stat.S_ISREG(info.st_mode):
            target.unlink()
            os.mkfifo(target)
        return info

    monkeypatch.setattr(os, "stat", swap)
    box: list[FileResult] = []
    worker = threading.Thread(target=lambda: box.append(check(target)), daemon=True)
    worker.start()
    worker.join(5)
    if not box:  # unblock the reader so the thread can finish
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(5)
        pytest.fail("reading a FIFO swapped in after the check blocked")
    assert "not a regular file" in box[0].problems[0].message


def test_mixed_inputs_exit_2_and_report_each(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_bytes(pretty(new_case()))
    (tmp_path / "bad.json").write_bytes(b"{,}")
    proc = run_cli("validate", "--format", "json", "good.json", "bad.json", "missing.json",
                   cwd=tmp_path)
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    status = {r["file"]: r["status"] for r in report["results"]}
    assert status == {"good.json": "ok", "bad.json": "unreadable", "missing.json": "unreadable"}
    assert report["summary"]["unreadable"] == 2


# --------------------------------------------------------------------------------------------
# Clinical nonsense that is valid JSON and valid to the schema: findings (exit 1), not exit 2.


def _end_before_start(case: dict) -> None:
    case["treatment_plan"]["planned_end_on"] = day(5)


def _session_after_end(case: dict) -> None:
    case["stage"] = "long_term_contact"
    case["end_of_treatment"] = {"ended_on": day(60), "reason": "completed",
                                "long_term_contact": {"arranged_on": day(60),
                                                      "contact_frequency": "monthly",
                                                      "next_review_on": day(200)}}


def _unknown_staff(case: dict) -> None:
    case["interim_reports"][0]["author"] = "STAFF-999"


def _one_person(case: dict) -> None:
    for holder in case["roles"].values():
        holder["staff_id"] = "STAFF-001"


def _far_future(case: dict) -> None:
    case["sessions"].append({"on": "2199-01-01", "attendance": "attended"})


def _as_of_far_future(case: dict) -> None:
    case["as_of"] = "2199-12-31"


NONSENSE = [
    ("end_before_start", _end_before_start, "DATA-002", "$.treatment_plan.planned_end_on"),
    ("sessions_after_end_of_treatment", _session_after_end, "DATA-004", "$.sessions[8].on"),
    ("staff_id_without_role", _unknown_staff, "DATA-005", "$.interim_reports[0].author"),
    ("same_person_in_every_role", _one_person, "ROLE-011", "$.roles"),
    ("session_far_in_the_future", _far_future, "DATA-003", "$.sessions[15].on"),
    ("as_of_far_in_the_future", _as_of_far_future, "DATA-003", "$.as_of"),
]


def test_clean_case_has_no_findings(tmp_path: Path) -> None:
    target = tmp_path / "clean.json"
    target.write_bytes(pretty(clean_treatment_case()))
    result = check(target)
    assert result.problems == [] and result.findings == []
    proc = run_cli("validate", "--fail-on", "advice", "clean.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout


def test_colons_inside_strings_are_not_duplicate_keys(tmp_path: Path) -> None:
    """The duplicate-key count must tell colons in text (times, labels) from keys."""
    case = clean_treatment_case()
    case["notes"] = "Reviewed at 10:30: plan: unchanged; see DT-6: confirmed."
    case["waivers"] = [{"rule": "CON-001", "reason": "Agreed at review: absence explained",
                        "waived_by": case["roles"]["therapist"]["staff_id"],
                        "waived_on": case["as_of"],
                        "reviewed_by": case["roles"]["responsible_clinician"]["staff_id"],
                        "reviewed_on": case["as_of"]}]
    target = tmp_path / "colons.json"
    target.write_bytes(pretty(case))
    result = check(target)
    assert result.problems == [] and result.findings == []


@pytest.mark.parametrize(("kind", "mutate", "rule_id", "path"), NONSENSE,
                         ids=[n[0] for n in NONSENSE])
def test_clinical_nonsense_gives_findings(kind: str, mutate: Callable[[dict], None], rule_id: str,
                                          path: str, tmp_path: Path) -> None:
    case = clean_treatment_case()
    mutate(case)
    target = tmp_path / f"{kind}.json"
    data = pretty(case)
    target.write_bytes(data)
    before = fingerprint(target)
    result = check(target)
    assert not result.problems
    hits = [f for f in result.findings if f.rule_id == rule_id]
    assert hits, [f.rule_id for f in result.findings]
    assert path in [f.json_path for f in hits]
    assert all(f.line is not None for f in result.findings)
    severity = next(f.severity for f in hits)
    # The default --fail-on is error: a warning alone exits 0, never 2.
    default = run_cli("validate", target.name, cwd=tmp_path)
    assert default.returncode == (1 if severity == "error" else 0), default.stdout
    proc = run_cli("validate", "--fail-on", "warning", "--format", "json", target.name,
                   cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout
    assert b"Traceback" not in proc.stdout + proc.stderr + default.stdout + default.stderr
    report = json.loads(proc.stdout)
    assert report["results"][0]["status"] == "findings"
    assert rule_id in {f["rule"] for f in report["results"][0]["findings"]}
    assert fingerprint(target) == before


# --------------------------------------------------------------------------------------------
# Dates outside the range a clinical record can hold (1900-2200) are refused by the model with a
# located message and exit 2: they are typing errors, and no rule has to reason about them.


EDGE_DATES = [
    ("plan_starting_in_year_9999", lambda c: c["treatment_plan"].update(
        starts_on="9999-06-01", planned_end_on="9999-12-31"), "$.treatment_plan.starts_on"),
    ("break_in_year_1", lambda c: c.update(planned_breaks=[
        {"starts_on": "0001-01-03", "ends_on": "0001-01-05"}]), "$.planned_breaks[0].starts_on"),
    ("session_in_year_9999", lambda c: c["sessions"].append(
        {"on": "9999-12-31", "attendance": "missed"}), "$.sessions[15].on"),
]


@pytest.mark.parametrize(("kind", "mutate", "path"), EDGE_DATES, ids=[e[0] for e in EDGE_DATES])
def test_dates_outside_the_clinical_range_are_refused(kind: str, mutate: Callable[[dict], None],
                                                      path: str, tmp_path: Path) -> None:
    case = clean_treatment_case()
    mutate(case)
    target = tmp_path / f"{kind}.json"
    target.write_bytes(pretty(case))
    before = fingerprint(target)
    proc = run_cli("validate", target.name, cwd=tmp_path)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stdout + proc.stderr
    result = check(target)
    assert path in [p.path for p in result.problems]
    assert all(p.line is not None for p in result.problems)
    assert fingerprint(target) == before
