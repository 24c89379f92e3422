"""Missing evidence is never "met": every item's status is a positive result of rules that ran.

The generated test removes each optional field of each clean example in turn (the fields are
found by walking the pydantic model, not listed here) and checks that no item whose rules need
that field stays met, and that no error-level requirement switches itself off silently.
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from casefactory import CLI, clean_treatment_case, day
from pydantic import BaseModel

from protocol_checks.case import CaseFile, Stage
from protocol_checks.evidence import Verdict, field_exists, judge
from protocol_checks.findings import Severity
from protocol_checks.judge import check_case
from protocol_checks.protocol import (
    Protocol,
    ProtocolError,
    for_release,
    load_protocol,
    read_checklists,
)
from protocol_checks.protocol import checklist_dir as shipped_checklists
from protocol_checks.rules import active_rules, all_rules
from protocol_checks.status import ItemStatus, mark

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cases"
CLEAN = sorted((EXAMPLES / "clean").glob("*.json"))
PROTOCOL = load_protocol()
MET = {ItemStatus.met, ItemStatus.waived}


def item_statuses(data: dict) -> dict[str, ItemStatus]:
    case = CaseFile.model_validate_json(json.dumps(data))
    findings = check_case(case, PROTOCOL)
    return {r.item.id: r.status
            for checklist in PROTOCOL.checklists
            for r in mark(checklist, case, findings, PROTOCOL)}


def verdicts(data: dict) -> dict[str, Verdict]:
    case = CaseFile.model_validate_json(json.dumps(data))
    findings = check_case(case, PROTOCOL)
    active = {f.rule_id for f in findings if not f.settled}
    waived = {f.rule_id for f in findings if f.waived}
    deviations = {f.rule_id for f in findings if f.deviation}
    return {r.id: judge(r, case, r.id in active, r.id in waived, PROTOCOL,
                        deviation=r.id in deviations).verdict
            for r in PROTOCOL.rules.values()}


def errors(data: dict) -> set[str]:
    case = CaseFile.model_validate_json(json.dumps(data))
    return {f.rule_id for f in check_case(case, PROTOCOL) if f.severity is Severity.error}


# --- the generated test ---------------------------------------------------------------------

def optional_fields(data: dict, model: type[BaseModel], prefix: str = "",
                    at: tuple = ()) -> Iterator[tuple[str, tuple]]:
    """(dotted model name, location in ``data``) of every optional field present in ``data``,
    found by walking the model (inside list items too)."""
    from protocol_checks.evidence import _model_of

    for name, info in model.model_fields.items():
        if name not in data:
            continue
        dotted = f"{prefix}{name}"
        if not info.is_required():
            yield dotted, (*at, name)
        inner = _model_of(info.annotation)
        value = data[name]
        if inner is None:
            continue
        if isinstance(value, dict):
            yield from optional_fields(value, inner, dotted + ".", (*at, name))
        elif isinstance(value, list):
            for i, element in enumerate(value):
                if isinstance(element, dict):
                    yield from optional_fields(element, inner, dotted + ".", (*at, name, i))


def without(data: dict, location: tuple) -> dict:
    out = copy.deepcopy(data)
    target = out
    for step in location[:-1]:
        target = target[step]
    del target[location[-1]]
    return out


REMOVALS = [
    pytest.param(path, dotted, location, id=f"{path.stem}-{'.'.join(map(str, location))}")
    for path in CLEAN
    for dotted, location in optional_fields(json.loads(path.read_bytes()), CaseFile)
]


def _covers(removed: str, need: str) -> bool:
    return need == removed or need.startswith(removed + ".")


def test_every_stage_has_a_clean_example() -> None:
    stages = {json.loads(p.read_bytes())["stage"] for p in CLEAN}
    assert stages == {"referral", "assessment", "treatment", "long_term_contact", "closed"}
    assert len(REMOVALS) > 150  # the walk really found the optional fields


@pytest.mark.parametrize(("path", "removed", "location"), REMOVALS)
def test_removing_a_field_never_leaves_an_item_met_that_needs_it(
        path: Path, removed: str, location: tuple) -> None:
    original = json.loads(path.read_bytes())
    before, after = item_statuses(original), item_statuses(without(original, location))
    for item_id, status in after.items():
        item = PROTOCOL.items[item_id]
        needs = [n for r in item.rule_ids for n in PROTOCOL.rules[r].needs]
        if any(_covers(removed, n) for n in needs) and before[item_id] in MET:
            assert status not in MET, f"{item_id} stays met without {removed}"
    # No error-level requirement that judged the clean case may switch itself off (not
    # applicable, not yet due) when a field goes, unless the validator reports an error; an
    # error settled by a recorded deviation counts as having judged the case too.
    # A rule may go quiet because its subject went (no waivers: nothing to validate).
    changed = without(original, location)
    case = CaseFile.model_validate_json(json.dumps(changed))
    was, now = verdicts(original), verdicts(changed)
    off = [rid for rid, verdict in now.items()
           if PROTOCOL.rules[rid].severity is Severity.error
           and was[rid] in {Verdict.met, Verdict.deviation}
           and verdict in {Verdict.not_applicable, Verdict.not_due}
           and not _subject_went(PROTOCOL.rules[rid], case, removed)]
    if off:
        assert errors(changed), f"{off} fell silent without {removed}"


def _subject_went(rule, case: CaseFile, removed: str) -> bool:
    skip = rule.skip(case, PROTOCOL)
    return skip is not None and skip.absent is not None and _covers(removed, skip.absent)


def test_every_need_names_a_model_field() -> None:
    for rule in all_rules():
        assert all(field_exists(n) for n in rule.needs), rule.id
    assert not field_exists("medication.consentt")


# --- what was seen (issue reproductions) ----------------------------------------------------

def pharmacological_case(**medication: object) -> dict:
    data = clean_treatment_case()
    data["treatment_plan"]["modality"] = "pharmacological"
    data["medication"] = {
        "drug": "cyproterone acetate",
        "prescriber": {"staff_id": "STAFF-001", "profession": "psychiatrist",
                       "assigned_on": day(0)},
        **medication,
    }
    return data


def test_consent_missing_after_treatment_began_is_an_error_without_a_first_dose() -> None:
    data = pharmacological_case()
    assert "MED-003" in errors(data)
    found = item_statuses(data)
    assert found["AM-3"] is ItemStatus.not_met
    assert found["AM-4"] is ItemStatus.no_record
    assert found["AM-1"] is ItemStatus.met  # the medicine and its prescriber are recorded


def test_consent_dated_after_the_plan_started_is_an_error_without_a_first_dose() -> None:
    consent = {"obtained_on": day(30), "obtained_by": "STAFF-001", "capacity_assessed": True,
               "material_risks_discussed": True, "alternatives_discussed": True,
               "right_to_withdraw_explained": True}
    data = pharmacological_case(consent=consent)
    case = CaseFile.model_validate_json(json.dumps(data))
    late = [f for f in check_case(case, PROTOCOL) if f.rule_id == "MED-003"]
    assert [f.path for f in late] == [("medication", "consent", "obtained_on")]
    assert "began" in late[0].message
    consent["obtained_on"] = day(5)  # before the plan's start and the first session
    assert "MED-003" not in errors(pharmacological_case(consent=consent))


def test_consent_not_yet_needed_before_treatment_begins_but_not_met_either() -> None:
    data = pharmacological_case()
    data["treatment_plan"]["starts_on"] = day(200)  # after as_of: not begun
    data["sessions"], data["interim_reports"] = [], []
    assert "MED-003" not in errors(data)
    assert item_statuses(data)["AM-3"] is ItemStatus.no_record


def test_empty_treatment_record_is_not_met() -> None:
    data = clean_treatment_case()
    del data["assessment"]["motivation"]
    data["sessions"], data["interim_reports"], data["planned_breaks"] = [], [], []
    found = item_statuses(data)
    assert found["BT-1"] is ItemStatus.not_met
    assert found["BT-2"] is ItemStatus.no_record
    assert found["DT-1"] is ItemStatus.no_record
    assert found["DT-3"] is ItemStatus.not_applicable  # no planned breaks
    assert found["DT-4"] is ItemStatus.not_met  # 110 days of treatment and no report


def test_referral_on_file_is_met_at_referral() -> None:
    data = json.loads((EXAMPLES / "clean" / "referral-new.json").read_bytes())
    found = item_statuses(data)
    assert found["BA-1"] is ItemStatus.met
    assert found["BA-3"] is ItemStatus.not_due  # ROLE-001 runs from assessment
    assert found["CF-4"] is ItemStatus.not_applicable  # no sessions to place


def test_no_item_is_met_when_its_rules_did_not_run() -> None:
    for path in CLEAN:
        data = json.loads(path.read_bytes())
        case = CaseFile.model_validate_json(json.dumps(data))
        findings = check_case(case, PROTOCOL)
        for checklist in PROTOCOL.checklists:
            for r in mark(checklist, case, findings, PROTOCOL):
                if r.status in MET and not r.item.is_attestation:
                    assert all(PROTOCOL.rules[rid].applies_at(case.effective_stage)
                               for rid in r.item.rule_ids), (path.name, r.item.id)


def test_checklist_command_exits_1_and_names_missing_records(tmp_path: Path) -> None:
    data = clean_treatment_case()
    data["sessions"] = []
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(data), encoding="utf-8")
    done = subprocess.run([*CLI, "checklist", "during-treatment", str(case_file)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    line = next(x for x in done.stdout.splitlines() if " DT-1 " in x)
    assert "no record yet" in line and "sessions" in line


# --- one place for each piece of metadata ---------------------------------------------------

def _protocol_with(edit) -> Protocol:
    """The working release's protocol (its rules, as load_protocol gives them: withdrawn rules
    back no item) with each shipped checklist passed through ``edit``."""
    checklists = read_checklists(shipped_checklists())
    return Protocol([edit(c) for c in checklists], for_release(active_rules(), PROTOCOL.release),
                    PROTOCOL.release)


def test_the_unedited_checklists_load() -> None:
    """The edits below are what makes each load fail, not the rules given."""
    assert set(_protocol_with(lambda c: c).items) == set(PROTOCOL.items)


def test_item_citing_other_paragraphs_than_its_rules_is_a_load_error() -> None:
    def edit(checklist):
        if checklist.id != "during-treatment":
            return checklist
        items = [i.model_copy(update={"source": ["P12"]}) if i.id == "DT-1" else i
                 for i in checklist.items]
        return checklist.model_copy(update={"items": items})

    with pytest.raises(ProtocolError, match="DT-1 cites P12 but its rules cite P10"):
        _protocol_with(edit)


def test_item_due_before_its_rule_runs_is_a_load_error() -> None:
    def edit(checklist):
        if checklist.id != "during-treatment":
            return checklist
        return checklist.model_copy(update={"stage": Stage.assessment})

    with pytest.raises(ProtocolError, match="due at the assessment stage but rule CON-001"):
        _protocol_with(edit)


# --- item text audited against its rules ----------------------------------------------------

# Each noun group an item's text promises, and what checks it: a rule (with the field it needs,
# where the promise is that something is recorded) or "attestation". A reviewer reads this
# table beside the checklists; the test keeps them in step.
PROMISES: dict[str, list[tuple[str, str, str | None]]] = {
    "BA-1": [("referral is on file", "REF-001", "referral"),
             ("date received", "REF-001", "referral"), ("who referred", "REF-001", "referral"),
             ("legal basis", "REF-001", "referral")],
    "BA-2": [("court referral", "REF-002", None), ("order", "REF-002", None)],
    "BA-3": [("responsible clinician", "ROLE-001", "roles.responsible_clinician")],
    "BA-4": [("arrange admission", "ROLE-005", "roles.responsible_clinician")],
    "BA-5": [("responsible clinician", "ROLE-012", "roles.responsible_clinician"),
             ("psychiatrist", "ROLE-012", "roles.responsible_clinician")],
    "BA-6": [("assessment of risk", "ROLE-002", "roles.risk_assessor")],
    "BA-7": [("different person from the therapist", "ROLE-007", "roles.therapist")],
    "BA-8": [("psychiatrist", "ROLE-008", "roles.risk_assessor"),
             ("trained", "ROLE-008", "roles.risk_assessor")],
    "BA-9": [("therapist", "ROLE-003", "roles.therapist")],
    "BA-10": [("case manager", "ROLE-004", "roles.case_manager")],
    "BA-11": [("not all held by one person", "ROLE-011", "roles.case_manager")],
    "BA-12": [("recorded start date", "ASMT-001", "assessment"),
              ("every role was assigned before it", "ROLE-010", "roles.therapist")],
    "BA-13": [("information-sharing arrangement is recorded", "INFO-001", "information_sharing"),
              ("decided by the\nrisk assessor", "INFO-003", "roles.risk_assessor")],
    "BA-14": [("explained to the patient", "ROLE-009", "roles_explained"),
              ("before assessment began", "ROLE-009", "assessment")],
    "BA-15": [("patient was told", "INFO-002", "information_sharing.explained_to_patient_on")],
    "BA-17": [("asked about communication needs", "ROLE-015", "communication_needs"),
              ("before the roles were explained", "ROLE-015", "roles_explained")],
    "BA-18": [("also the care coordinator", "ROLE-013", "roles.responsible_clinician"),
              ("advice only", "ROLE-013", None)],
    "BT-1": [("motivation was assessed", "ASMT-002", "assessment.motivation"),
             ("before treatment", "ASMT-002", "treatment_plan")],
    "BT-2": [("genuine wish to change", "ASMT-004", "assessment.motivation.strands")],
    "BT-3": [("therapeutic contract", "ASMT-003", "assessment.therapeutic_contract")],
    "BT-4": [("treatment plan", "MOD-001", "treatment_plan")],
    "BT-5": [("psychological mindedness was assessed", "MOD-002",
              "assessment.psychological_mindedness")],
    "BT-6": [("at least one capacity of psychological mindedness is present", "MOD-010",
              "assessment.psychological_mindedness"),
             ("any capacity judged absent was weighed", "MOD-011",
              "assessment.psychological_mindedness")],
    "BT-7": [("seeks it voluntarily", "MOD-004", "assessment.seeks_treatment_voluntarily")],
    "BT-8": [("blame others", "MOD-005", "assessment.externalises_responsibility")],
    "BT-9": [("history", "MOD-009", "assessment.psychological_mindedness")],
    "BT-10": [("six months to a year", "MOD-006", "treatment_plan")],
    "BT-11": [("two to three years", "MOD-007", "treatment_plan"),
              ("weekly", "MOD-008", "treatment_plan")],
    "BT-15": [("short formulation", "ASMT-005", "assessment.motivation"),
              ("how its strands combine", "ASMT-005", "assessment.motivation")],
    "BT-16": [("nothing but a genuine wish to change", "ASMT-006",
               "assessment.motivation.strands"),
              ("false compliance", "ASMT-006", None)],
    "AM-1": [("medicine", "MED-001", "medication"), ("who prescribes", "MED-001", "medication")],
    "AM-2": [("psychiatrist", "MED-002", "medication")],
    "AM-3": [("informed consent was recorded", "MED-003", "medication.consent"),
             ("before treatment began", "MED-003", None)],
    "AM-4": [("capacity considered", "MED-004", "medication.consent"),
             ("formally assessed where in doubt", "MED-004", "medication.consent"),
             ("material risks", "MED-004", "medication.consent"),
             ("alternatives", "MED-004", "medication.consent"),
             ("right to withdraw", "MED-004", "medication.consent")],
    "DT-1": [("attendance is regular", "CON-001", "sessions"),
             ("missed in a row", "CON-001", "sessions"),
             ("gap of more than", "CON-001", "treatment_plan"),
             ("each missed session is followed up", "CON-007", "sessions")],
    "DT-2": [("session missed in the danger window", "CON-008", "sessions"),
             ("was followed up", "CON-008", "sessions")],
    "DT-3": [("planned break", "CON-003", None)],
    "DT-4": [("interim progress reports", "CON-004", "interim_reports")],
    "DT-5": [("written by the case manager", "CON-005", "roles.case_manager"),
             ("sent to the risk assessor", "CON-006", "roles.risk_assessor")],
    "DT-10": [("risk to others disclosed in a session", "RISK-001", None),
              ("passed to the risk assessor", "RISK-001", None)],
    "DT-11": [("safeguarding decision was recorded for each disclosure", "RISK-002", None),
              ("referral made", "RISK-002", None),
              ("considered and judged not needed", "RISK-002", None)],
    "DT-12": [("role changed hands", "ROLE-014", None),
              ("patient was told who now holds it", "ROLE-014", None)],
    "DT-13": [("service itself did not cancel", "CON-010", "sessions"),
              ("sessions in a row", "CON-010", "sessions")],
    "DT-15": [("reported to the offender manager", "CON-011", "sessions"),
              ("missed sessions", "CON-011", "sessions")],
    "DT-14": [("each interim report", "CON-009", "interim_reports"),
              ("motivation", "CON-009", "interim_reports"),
              ("psychological mindedness", "CON-009", "interim_reports")],
    "EF-1": [("end of formal treatment is recorded", "END-001", "end_of_treatment")],
    "EF-2": [("supportive contact", "END-002", "end_of_treatment.long_term_contact")],
    "EF-3": [("planned frequency", "END-003",
              "end_of_treatment.long_term_contact.contact_frequency"),
             ("review date", "END-003", "end_of_treatment.long_term_contact.next_review_on")],
    "EF-5": [("risk was reviewed when formal treatment ended", "END-004", None),
             ("before closing any case that reached treatment", "END-004", None)],
    "EF-6": [("letters", "END-005", "end_of_treatment.letters"),
             ("the referrer", "END-005", "referral"),
             ("probation", "END-005", "referral"),
             ("the gp", "END-005", "end_of_treatment.letters")],
    "CF-1": [("protocol release this tool knows", "DATA-001", None)],
    "CF-2": [("dates run forwards", "DATA-002", None)],
    "CF-3": [("after the file's date", "DATA-003", None)],
    "CF-4": [("sessions fall within", "DATA-004", "treatment_plan")],
    "CF-5": [("staff member", "DATA-005", None)],
    "CF-6": [("waivers", "DATA-006", None)],
    "CF-7": [("attestations", "DATA-007", None)],
    "CF-8": [("stage", "DATA-008", None)],
    "CF-9": [("confirmation", "ATT-001", None)],
    "CF-10": [("pseudonymous", "PRIV-003", None), ("nhs number", "PRIV-003", None),
              ("email", "PRIV-003", None), ("name", "PRIV-004", None),
              ("phone", "PRIV-004", None), ("address", "PRIV-004", None),
              ("file name", "PRIV-002", None)],
    "CF-11": [("newest protocol release", "DATA-009", None)],
    "CF-12": [("every waiver was reviewed", "DATA-010", None),
              ("second staff member", "DATA-010", None),
              ("reviewer role", "DATA-010", None)],
    "CF-13": [("names a past event an error rule found", "DATA-011", None),
              ("reviewed by a second staff member", "DATA-011", None),
              ("reviewer role", "DATA-011", None)],
    "CF-14": [("the earlier plans are kept, in order", "DATA-013", None),
              ("each ending the day the next began", "DATA-013", None)],
}


def test_every_rule_checked_item_has_its_promises_listed() -> None:
    checked = {i.id for i in PROTOCOL.items.values() if not i.is_attestation}
    assert checked == set(PROMISES)


@pytest.mark.parametrize("item_id", sorted(PROMISES))
def test_each_promise_of_an_item_is_checked(item_id: str) -> None:
    item = PROTOCOL.items[item_id]
    text = " ".join(item.text.lower().split())
    for phrase, rule_id, need in PROMISES[item_id]:
        assert " ".join(phrase.lower().split()) in text, (item_id, phrase)
        assert rule_id in item.rule_ids, (item_id, rule_id)
        if need is not None:
            assert need in PROTOCOL.rules[rule_id].needs, (item_id, rule_id, need)


def test_rules_judge_by_the_protocol_they_are_given() -> None:
    """DATA-007 and ATT-001 read the items of the protocol passed in, not a global one."""
    def drop_dt6(checklist):
        if checklist.id != "during-treatment":
            return checklist
        return checklist.model_copy(update={"items": [i for i in checklist.items
                                                      if i.id != "DT-6"]})

    other = _protocol_with(drop_dt6)
    # A clean example of the working release (the factory's case declares 1.0.0 and lacks
    # the records 1.1.0 added, so it is not clean under PROTOCOL).
    case = CaseFile.model_validate_json((EXAMPLES / "clean" / "treatment-cbt-individual.json")
                                        .read_bytes())
    case = case.model_copy(update={"protocol_version": PROTOCOL.release.version})
    assert not check_case(case, PROTOCOL)
    found = [(f.rule_id, f.path) for f in check_case(case, other)]
    index = [a.item for a in case.attestations].index("DT-6")
    assert found == [("DATA-007", ("attestations", index, "item"))]


FAILING = sorted((EXAMPLES / "failing").glob("*.json"))
FAILING_REMOVALS = [
    pytest.param(path, dotted, location, id=f"{path.stem}-{'.'.join(map(str, location))}")
    for path in FAILING
    for dotted, location in optional_fields(json.loads(path.read_bytes()), CaseFile)
]


def _path_text(path: tuple) -> str:
    return ".".join(str(p) for p in path)


@pytest.mark.parametrize(("path", "removed", "location"), FAILING_REMOVALS)
def test_an_error_does_not_fall_silent_when_a_field_goes(
        path: Path, removed: str, location: tuple) -> None:
    """Each error a failing example reports still shows after any optional field is removed:
    the rule still fires, or its item has no record yet. The exceptions are named: the field
    removed was the breach itself, or the rule's whole subject (no waivers to validate)."""
    original = json.loads(path.read_bytes())
    before = CaseFile.model_validate_json(json.dumps(original))
    changed = without(original, location)
    after = CaseFile.model_validate_json(json.dumps(changed))
    was = {f.rule_id: f for f in check_case(before, PROTOCOL) if f.severity is Severity.error}
    now = {f.rule_id for f in check_case(after, PROTOCOL)}
    verdict = verdicts(changed)
    where = _path_text(location)
    for rule_id, finding in was.items():
        rule = PROTOCOL.rules[rule_id]
        breach_went = _path_text(finding.path).startswith(where)
        if rule_id in now or breach_went or _subject_went(rule, after, removed):
            continue
        assert verdict[rule_id] in {Verdict.no_record, Verdict.not_met}, (
            f"{rule_id} fell silent ({verdict[rule_id]}) without {removed}")
