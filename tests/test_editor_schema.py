"""Editors check case files with the published JSON Schema, and agree with the validator.

Three promises of docs/howto/editor.md are tested here:

- the schema an editor loads accepts exactly the example cases the validator can read (checked
  with the ``jsonschema`` library, dates' format included), so an editor never underlines a file
  the validator accepts, nor passes one it refuses for its shape;
- the documented VS Code settings point at the file ``protocol-checks schema -o`` writes, and
  their ``fileMatch`` picks the case files and nothing else (the snippets are read from the page);
- ``"$schema"`` at the top of a case file is accepted when it names this schema, and refused
  otherwise with exit status 2 and a located message that never repeats the value (the real
  command, run as a user would).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest
from casefactory import CLI, new_case
from jsonschema import Draft202012Validator

from protocol_checks.case import SCHEMA_FILE, SCHEMA_ID, SCHEMA_PATH
from protocol_checks.inputs import Settings, check_path
from protocol_checks.schema import case_schema

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"
CASE_FILES = sorted(CASES.rglob("*.json"))
GUIDE = ROOT / "docs" / "howto" / "editor.md"
CANARY = "QZXJ"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = case_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _schema_valid(validator: Draft202012Validator, path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False  # not JSON at all: no schema can accept it
    return validator.is_valid(data)


def _expects_unreadable(path: Path) -> bool:
    expected = path.with_suffix(".expected")
    return expected.is_file() and expected.read_text(encoding="utf-8").startswith("exit 2")


# --------------------------------------------------------------------------- the schema


def test_the_id_is_a_name_and_the_schema_allows_schema_at_the_top_only() -> None:
    schema = case_schema()
    assert schema["$id"] == SCHEMA_ID and SCHEMA_ID.startswith("urn:")
    assert SCHEMA_PATH.endswith("/" + SCHEMA_FILE)
    assert next(iter(schema["properties"])) == "$schema"
    assert not [name for name, spec in schema["$defs"].items()
                if "$schema" in spec.get("properties", {})]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_example_passes_the_schema_exactly_when_the_validator_reads_it(
        validator: Draft202012Validator, path: Path) -> None:
    readable = not check_path(str(path), Settings()).problems
    assert readable != _expects_unreadable(path), "the .expected file disagrees"
    assert _schema_valid(validator, path) == readable


GOOD = ["../case-file.schema.json", "case-file.schema.json", "schema/case-file.schema.json",
        "https://intranet.example/handbook/schema/case-file.schema.json",
        "file:///srv/handbook/schema/case-file.schema.json"]
BAD = ["https://json-schema.org/draft/2020-12/schema", f"https://{CANARY}.example/other.json",
       f"../{CANARY}/case-file.schema.json.bak", f"{CANARY}case-file.schema.json", "",
       f"https://{CANARY}.example/case-file.schema.json?v=2", f"{CANARY} case-file.schema.json",
       "x" * 500 + "/case-file.schema.json", 42]


@pytest.mark.parametrize("value", GOOD + BAD)
def test_schema_and_validator_agree_on_each_schema_value(
        validator: Draft202012Validator, value: object, tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"$schema": value, **new_case()}, indent=2), encoding="utf-8")
    result = check_path(str(path), Settings())
    assert (not result.problems) == (value in GOOD)
    assert _schema_valid(validator, path) == (value in GOOD)
    for problem in result.problems:
        assert (problem.line, problem.path) == (2, "$.$schema")
        assert CANARY not in problem.message


def test_schema_inside_an_object_is_refused_by_both(validator: Draft202012Validator,
                                                    tmp_path: Path) -> None:
    case = new_case()
    case["referral"] = {"$schema": GOOD[0], **case["referral"]}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, indent=2), encoding="utf-8")
    problems = check_path(str(path), Settings()).problems
    assert [p.path for p in problems] == ["$.referral.$schema"]
    assert "top level" in problems[0].message
    assert not _schema_valid(validator, path)


# --------------------------------------------------------------------------- the guide


def _json_blocks(text: str) -> list[object]:
    return [json.loads(b) for b in re.findall(r"^```json\n(.*?)^```$", text, re.M | re.S)]


def _settings(blocks: list[object]) -> list[dict]:
    """The ``json.schemas`` entries of the guide's settings snippets."""
    return [entry for b in blocks if isinstance(b, dict) and "json.schemas" in b
            for entry in b["json.schemas"]]


def _matches(pattern: str, relative: str) -> bool:
    """Whether VS Code's ``fileMatch`` pattern picks a workspace-relative path: the pattern,
    without its leading ``/``, matched after any folders (``**/`` first), as VS Code's JSON
    language service does."""
    out, glob, i = "", "**/" + pattern.lstrip("/"), 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif glob.startswith("**", i):
            out, i = out + ".*", i + 2
        elif glob[i] == "*":
            out, i = out + "[^/]*", i + 1
        else:
            out, i = out + re.escape(glob[i]), i + 1
    return re.fullmatch(out, relative) is not None


def _workspace(tmp_path: Path) -> tuple[Path, str]:
    """A workspace as the guide sets it up: ``cases/`` holding the examples, the schema written
    by the guide's own command, and the guide's VS Code settings."""
    text = GUIDE.read_text(encoding="utf-8")
    commands = re.findall(r"^ *\$ (protocol-checks schema -o (\S+))$", text, re.M)
    assert len(commands) == 1, "the guide gives one command that writes the schema"
    command, written = commands[0]
    workspace = tmp_path / "workspace"
    shutil.copytree(CASES, workspace / "cases", ignore=shutil.ignore_patterns("*.expected", "*.md"))
    local = [e for e in _settings(_json_blocks(text)) if e["url"].startswith("./")]
    assert len(local) == 1
    (workspace / ".vscode").mkdir()
    (workspace / ".vscode" / "settings.json").write_text(
        json.dumps({"json.schemas": local}, indent=2), encoding="utf-8")
    done = subprocess.run([*CLI, *command.split()[1:]], cwd=workspace, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return workspace, written


def test_the_documented_settings_load_what_the_schema_command_writes(tmp_path: Path) -> None:
    workspace, written = _workspace(tmp_path)
    (entry,) = json.loads((workspace / ".vscode" / "settings.json").read_text())["json.schemas"]
    assert entry["url"] == f"./{written}"
    assert written == SCHEMA_FILE  # the name a $schema in a case file is checked against
    schema = json.loads((workspace / written).read_text(encoding="utf-8"))
    assert schema == case_schema()

    files = [PurePosixPath(p.relative_to(workspace).as_posix())
             for p in workspace.rglob("*.json")]
    picked = {str(f) for f in files if any(_matches(m, str(f)) for m in entry["fileMatch"])}
    cases = {str(f) for f in files if f.parts[0] == "cases"}
    assert picked == cases, "fileMatch must pick every case file and nothing else"

    checker = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for name in sorted(picked):
        path = workspace / name
        readable = not check_path(str(path), Settings()).problems
        assert _schema_valid(checker, path) == readable, name


def test_the_intranet_settings_name_the_handbook_copy() -> None:
    entries = _settings(_json_blocks(GUIDE.read_text(encoding="utf-8")))
    remote = [e for e in entries if e["url"].startswith("https://")]
    assert len(remote) == 1 and len(entries) == 2
    assert remote[0]["url"].endswith("/handbook/" + SCHEMA_PATH)
    assert {tuple(e["fileMatch"]) for e in entries} == {("/cases/**/*.json",)}


def _guide_case() -> dict:
    """The guide's example of a case file that names its schema."""
    (case,) = [b for b in _json_blocks(GUIDE.read_text(encoding="utf-8"))
               if isinstance(b, dict) and "$schema" in b]
    return case


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "validate", path.name], cwd=path.parent, capture_output=True,
                          text=True, timeout=60, check=False)


def test_the_guides_case_with_schema_is_clean_and_finds_the_local_copy(tmp_path: Path) -> None:
    workspace, written = _workspace(tmp_path)
    case = _guide_case()
    assert next(iter(case)) == "$schema"
    path = workspace / "cases" / f"{case['case_id']}.json"
    path.write_text(json.dumps(case, indent=2), encoding="utf-8")
    assert (path.parent / case["$schema"]).resolve() == (workspace / written).resolve()
    done = _validate(path)
    assert done.returncode == 0, done.stdout + done.stderr
    schema = json.loads((workspace / written).read_text(encoding="utf-8"))
    assert Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER
                                ).is_valid(case)


def test_a_wrong_schema_is_exit_2_located_and_never_echoed(tmp_path: Path) -> None:
    case = copy.deepcopy(_guide_case())
    case["$schema"] = f"https://{CANARY}.example/draft/2020-12/schema"
    path = tmp_path / "CASE-0042.json"
    path.write_text(json.dumps(case, indent=2), encoding="utf-8")
    done = _validate(path)
    assert done.returncode == 2
    assert f"{path.name}:2:" in done.stdout and "$.$schema" in done.stdout
    assert SCHEMA_FILE in done.stdout  # says what it should name
    assert CANARY not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
