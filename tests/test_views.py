"""The rules' read-only views (protocol_checks.views) validate exactly as the model does, and
workers that render their own part of the report (protocol_checks.rendering) write the report
one process writes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from casefactory import clean_treatment_case, new_case
from pydantic import BaseModel, ValidationError

from protocol_checks.case import CaseFile, RoleHolder, Session
from protocol_checks.cli import main
from protocol_checks.inputs import Settings
from protocol_checks.rendering import Renders, merge
from protocol_checks.reporters.base import Summary
from protocol_checks.reporters.json import JsonReporter
from protocol_checks.views import VIEWS, case_view

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "examples" / "cases").rglob("*.json"))


def _broken() -> list[bytes]:
    """Cases that fail validation in different ways (type, enum, unknown field, date, missing)."""
    base = clean_treatment_case()
    out = []
    for change in ({"stage": 3}, {"unexpected_field": True}, {"as_of": "2025-02-30"},
                   {"referral": {"received_on": "2025-01-01", "source": "neighbour"}},
                   {"sessions": [{"on": "2025-01-01"}]}, {"case_id": "x"}):
        out.append(json.dumps({**base, **change}).encode())
    without_id = dict(base)
    del without_id["case_id"]
    return [*out, json.dumps(without_id).encode(), b"[]", b'{"stage": "closed"}']


def _outcome(validate, data: bytes) -> object:
    try:
        return validate(data)
    except ValidationError as exc:
        return (str(exc), exc.errors(include_url=True), exc.title)


@pytest.mark.parametrize("data", [p.read_bytes() for p in SHIPPED] + _broken())
def test_views_validate_as_the_model_does(data: bytes) -> None:
    model, view = _outcome(CaseFile.model_validate_json, data), _outcome(case_view, data)
    if isinstance(model, tuple):
        assert view == model  # the same errors, messages and locations
    else:
        assert view == model and model == view  # the same values, both ways round
        assert view.model_fields_set == model.model_fields_set


def test_a_view_reads_as_its_model() -> None:
    case = case_view(json.dumps(clean_treatment_case()).encode())
    assert type(case) is VIEWS[CaseFile] and type(case).__name__ == "CaseFile"
    assert isinstance(case, CaseFile) and isinstance(case, BaseModel)
    assert isinstance(case.sessions[0], Session) and not isinstance(case.sessions[0], CaseFile)
    assert case.effective_stage is case.stage  # the model's properties and methods
    holder = case.roles.therapist
    assert isinstance(holder, RoleHolder) and holder.holder_on(case.as_of) == holder.staff_id
    with pytest.raises(TypeError):
        case.stage = "closed"  # type: ignore[misc]
    assert "__pydantic_fields_set__" not in vars(case)  # only the fields, as the model's


def test_json_reporter_renders_entries_apart() -> None:
    assert isinstance(JsonReporter(io.StringIO()), Renders)


@pytest.mark.parametrize("name", [
    "cases/CASE-0101.json", "a/##[x].json", 'quote"and\\backslash.json', "caf\u00e9.json",
    "bad-\udce9-byte.json", "line\u2028sep.json", "ctl\x1b.json"])
@pytest.mark.parametrize(("stage", "release"), [
    ("treatment", "1.2.0"), ("referral", "1.0.0"), (None, None), ("closed", "9.9.9")])
def test_a_clean_entry_is_written_as_the_general_path_writes_it(
        name: str, stage: str | None, release: str | None) -> None:
    """The JSON report writes a clean file's entry without building its dictionary: the bytes
    must be those the general path makes from the same result."""
    from protocol_checks.findings import FileResult
    from protocol_checks.reporters.json import _string, result_dict

    reporter = JsonReporter(io.StringIO())
    result = FileResult(name, stage=stage, release=release)
    assert reporter.text_of(result) == _string(result_dict(result, reporter.handbook_url))
    assert "##[" not in reporter.text_of(result)


def test_merging_partial_summaries_adds_and_takes_away() -> None:
    total, part = Summary(files=2, invalid=1), Summary(files=1)
    part.by_rule["CON-001"] += 1
    merge(total, part)
    assert total.files == 3 and total.by_rule == {"CON-001": 1}
    merge(total, part, -1)
    assert total == Summary(files=2, invalid=1) and "CON-001" not in total.by_rule


def test_rendering_workers_write_what_one_process_writes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Enough files for workers; two of one case (RUN-001), a waived finding (--quiet) and an
    unreadable file among them: the report and the exit status are the same either way."""
    cases = tmp_path / "cases"
    cases.mkdir()
    for i in range(300):
        case = new_case(case_id=f"CASE-{i:04d}")
        if i % 7 == 0:
            case["protocol_version"] = "0.9.0"  # DATA-001
        (cases / f"case-{i:04d}.json").write_text(json.dumps(case, indent=2))
    (cases / "zz-copy.json").write_text(json.dumps(new_case(case_id="CASE-0005"), indent=2))
    (cases / "zz-broken.json").write_text('{"case_id": ')
    reports = {}
    for jobs in ("1", "2"):
        for quiet in ((), ("--quiet",)):
            status = main(["validate", str(cases), "--format", "json", "--jobs", jobs,
                           "--no-progress", *quiet])
            reports[jobs, quiet] = (status, capsys.readouterr().out)
    for quiet in ((), ("--quiet",)):
        assert reports["1", quiet] == reports["2", quiet]
    report = json.loads(reports["2", ()][1])
    assert any(f["rule"] == "RUN-001" for r in report["results"] for f in r["findings"])
    assert report["summary"]["files"] == 302 and report["summary"]["unreadable"] == 1


def test_rendering_is_not_used_with_a_cache_or_one_process(tmp_path: Path) -> None:
    from protocol_checks.checker import Checker

    reporter, cases = JsonReporter(io.StringIO()), tmp_path / "cases"
    cases.mkdir()
    one = Checker([str(cases)], Settings(), jobs=1)
    assert one.rendered(reporter, Summary()) is None
    cached = Checker([str(cases)], Settings(), jobs=2, cache_dir=str(tmp_path / "cache"))
    assert cached.rendered(reporter, Summary()) is None
