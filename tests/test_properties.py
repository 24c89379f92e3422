"""Property tests: valid cases across every stage and modality, then mutated.

For any case file the validator never raises; every finding names a rule of the release that
judged it, as that release states it, points at a JSON path that exists in the document (or
whose nearest existing parent does, the rest being fields the format defines), sits on a line
of the file, and links to the rule's anchor under the configured handbook base. Cases declare
either published release (1.0.0 or 1.1.0) or an unknown one, and carry 1.1.0's records
(follow-ups, disclosures, reviews, deviations) as well.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol_checks.case import (
    Agency,
    Attendance,
    ClosureReason,
    EndReason,
    LegalBasis,
    LetterRecipient,
    Modality,
    MotivationStrand,
    Profession,
    ReferralSource,
    SafeguardingDecision,
    SessionFrequency,
    Stage,
    TreatmentFormat,
)
from protocol_checks.findings import FileResult, Severity
from protocol_checks.inputs import Settings, check_bytes
from protocol_checks.judge import own_message
from protocol_checks.links import RULES_PAGE, rule_url
from protocol_checks.loader import KNOWN_NAMES, parse
from protocol_checks.locate import PathLines, scan
from protocol_checks.protocol import load_protocol
from protocol_checks.protocols import protocol_for
from protocol_checks.rules import REGISTRY

SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BASES = ("", "https://handbook.example/protocol/", "file:///srv/handbook/")

# --------------------------------------------------------------------------------------------
# Strategies for valid case files.

START = date(2020, 1, 1)
days = st.integers(0, 365 * 8).map(lambda n: (START + timedelta(days=n)).isoformat())
staff = st.sampled_from(["STAFF-001", "STAFF-002", "STAFF-003", "STAFF-004", "NURSE-07"])
text = st.text(max_size=60)
flag = st.booleans()


def enum(kind: type) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in kind])


def maybe(strategy: st.SearchStrategy, null: bool = True) -> st.SearchStrategy:
    """A field's value, or ``None`` (explicit null), or absent (the ``OMIT`` marker)."""
    options = [strategy, st.just(OMIT)]
    if null:
        options.append(st.none())
    return st.one_of(*options)


OMIT = object()


def obj(**fields: st.SearchStrategy) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not OMIT})


previous_holder = obj(staff_id=staff, profession=enum(Profession), assigned_on=days,
                      ended_on=days)
holder = obj(staff_id=staff, profession=enum(Profession), can_admit=maybe(flag, null=False),
             care_coordinator=maybe(flag, null=False), risk_trained=maybe(flag, null=False),
             assigned_on=days, patient_told_on=maybe(days),
             previous=maybe(st.lists(previous_holder, max_size=2), null=False))
items = st.sampled_from([*sorted(load_protocol().items), "ZZ-9"])
rule_ids = st.sampled_from([*sorted(REGISTRY), "NOPE-999"])
# Deviations name rules with past events more often than chance would, so that some settle.
past_event_rules = st.sampled_from(sorted(r.id for r in REGISTRY.values() if r.past_events))
risk_review = obj(reviewed_on=days, reviewed_by=staff)

SECTIONS = {
    "referral": obj(received_on=days, source=enum(ReferralSource), legal_basis=enum(LegalBasis)),
    "roles": obj(responsible_clinician=maybe(holder), risk_assessor=maybe(holder),
                 therapist=maybe(holder), case_manager=maybe(holder)),
    "roles_explained": obj(explained_on=days, explained_by=staff),
    "information_sharing": obj(
        agencies=st.lists(enum(Agency), min_size=1, max_size=4),
        circumstances=st.text(min_size=1, max_size=60), set_by=staff, agreed_on=days,
        explained_to_patient_on=maybe(days)),
    "assessment": obj(
        started_on=days,
        motivation=maybe(obj(assessed_on=days, assessed_by=staff,
                             strands=st.lists(enum(MotivationStrand), min_size=1, max_size=5),
                             formulation=maybe(text))),
        therapeutic_contract=maybe(obj(agreed_on=days)),
        seeks_treatment_voluntarily=maybe(flag),
        psychological_mindedness=maybe(obj(
            assessed_on=days, assessed_by=staff, recognises_own_feelings=flag,
            acknowledges_internal_conflict=flag, flexible_thinking=flag,
            links_present_to_childhood=flag, previous_treatment_reviewed=maybe(flag, null=False))),
        externalises_responsibility=maybe(flag)),
    "medication": obj(
        drug=st.text(min_size=1, max_size=30), prescriber=holder, first_dose_on=maybe(days),
        consent=maybe(obj(obtained_on=days, obtained_by=staff, capacity_assessed=flag,
                          material_risks_discussed=flag, alternatives_discussed=flag,
                          right_to_withdraw_explained=flag))),
    "communication_needs": obj(asked_on=days, needs_identified=flag, how_met=maybe(text)),
    "sessions": st.lists(obj(on=days, attendance=enum(Attendance), follow_up=maybe(obj(
        contacted_on=days, offender_manager_informed_on=maybe(days)))), max_size=25),
    "planned_breaks": st.lists(obj(starts_on=days, ends_on=days,
                                   discussed_with_patient_on=maybe(days)), max_size=3),
    "interim_reports": st.lists(obj(sent_on=days, author=staff, recipient=staff,
                                    motivation_reviewed=maybe(flag, null=False),
                                    mindedness_reviewed=maybe(flag, null=False)), max_size=5),
    "risk_disclosures": st.lists(obj(
        disclosed_on=days, recorded_by=staff, risk_assessor_informed_on=maybe(days),
        safeguarding=maybe(enum(SafeguardingDecision), null=False),
        safeguarding_decided_on=maybe(days)), max_size=3),
    "end_of_treatment": obj(
        ended_on=days, reason=enum(EndReason),
        long_term_contact=maybe(obj(arranged_on=days, contact_frequency=maybe(
            enum(SessionFrequency)), next_review_on=maybe(days))),
        risk_review=maybe(risk_review),
        letters=maybe(st.lists(obj(to=enum(LetterRecipient), sent_on=days), max_size=3),
                      null=False)),
    "attestations": st.lists(obj(item=items, confirmed_by=staff, confirmed_on=days), max_size=4),
    "waivers": st.lists(obj(rule=rule_ids, reason=st.text(min_size=10, max_size=40),
                            waived_by=staff, waived_on=days, reviewed_by=maybe(staff),
                            reviewed_on=maybe(days)), max_size=3),
    "deviations": st.lists(obj(
        rule=st.one_of(past_event_rules, rule_ids),
        what_happened=st.text(min_size=10, max_size=40), remedied_on=days,
        remedy=st.text(min_size=10, max_size=40), recorded_by=staff, reviewed_by=staff,
        reviewed_on=days), max_size=2),
    "notes": text,
}
LISTS = {"sessions", "planned_breaks", "interim_reports", "attestations", "waivers",
         "risk_disclosures", "deviations"}
REQUIRED_AT = {  # the sections a case usually has once it reaches a stage
    "referral": Stage.referral, "roles": Stage.referral, "roles_explained": Stage.assessment,
    "information_sharing": Stage.assessment, "communication_needs": Stage.assessment,
    "assessment": Stage.assessment,
    "treatment_plan": Stage.treatment, "sessions": Stage.treatment,
    "interim_reports": Stage.treatment, "end_of_treatment": Stage.long_term_contact,
}


@st.composite
def valid_cases(draw: st.DrawFn) -> dict:
    stage = Stage(draw(enum(Stage)))
    reached = stage
    case: dict = {
        "protocol_version": draw(st.sampled_from(["1.2.0", "1.2.0", "1.1.0", "1.1.0", "0.9.0"])),
        "case_id": draw(st.from_regex(r"[A-Z][A-Z0-9]{1,9}-[0-9A-Z]{2,12}", fullmatch=True)),
        "stage": stage.value,
        "as_of": draw(days),
    }
    if stage is Stage.closed:
        reached = Stage(draw(st.sampled_from(["referral", "assessment", "treatment",
                                              "long_term_contact", "closed"])))
        case["closure"] = draw(obj(closed_on=days, reason=enum(ClosureReason),
                                   last_stage=st.just(reached.value),
                                   risk_review=maybe(risk_review)))
    modality = draw(enum(Modality))
    sections = dict(SECTIONS)
    sections["treatment_plan"] = obj(
        modality=st.just(modality), format=enum(TreatmentFormat), starts_on=days,
        planned_end_on=days, session_frequency=enum(SessionFrequency))
    for name, strategy in sections.items():
        usual = name in REQUIRED_AT and reached.rank >= REQUIRED_AT[name].rank
        wanted = draw(st.floats(0, 1)) < (0.9 if usual else 0.3)
        if name == "medication" and modality == Modality.pharmacological.value:
            wanted = draw(st.floats(0, 1)) < 0.8
        if wanted:
            case[name] = draw(strategy)
        elif name not in LISTS and name != "roles" and draw(st.floats(0, 1)) < 0.1:
            case[name] = None  # explicit null for an optional section
    clinician = (case.get("roles") or {}).get("responsible_clinician")
    if clinician and draw(flag):  # reviews by the reviewer role, so that some take effect
        for record in (*case.get("waivers", ()), *case.get("deviations", ())):
            record["reviewed_by"], record["reviewed_on"] = clinician["staff_id"], case["as_of"]
            clinician["assigned_on"] = min(clinician["assigned_on"], case["as_of"])
    return case


# --------------------------------------------------------------------------------------------
# Mutations.


def _paths(node: object, path: tuple = ()) -> list[tuple[tuple, object]]:
    out = [(path, node)]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


def _set(doc: dict, path: tuple, value: object) -> None:
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _is_date(value: object) -> bool:
    return isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"


@st.composite
def mutated_cases(draw: st.DrawFn) -> tuple[dict, list[str]]:
    case = draw(valid_cases())
    done = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["drop", "date", "shuffle", "flip", "stage", "type",
                                     "swap_staff"]))
        nodes = _paths(case)[1:]
        if kind == "drop":
            keyed = [p for p, _ in nodes if isinstance(p[-1], str)]
            if keyed:
                path = draw(st.sampled_from(keyed))
                node = case
                for part in path[:-1]:
                    node = node[part]
                del node[path[-1]]
        elif kind == "date":
            dated = [p for p, v in nodes if _is_date(v)]
            if dated:
                new = draw(st.one_of(
                    st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat),
                    st.sampled_from(["2025-02-30", "2025-13-01", "2025-1-1", "20250101"])))
                _set(case, draw(st.sampled_from(dated)), new)
        elif kind == "shuffle" and case.get("sessions"):
            case["sessions"] = draw(st.permutations(case["sessions"]))
        elif kind == "flip":
            flags = [p for p, v in nodes if isinstance(v, bool)]
            if flags:
                path = draw(st.sampled_from(flags))
                node = case
                for part in path[:-1]:
                    node = node[part]
                node[path[-1]] = not node[path[-1]]
        elif kind == "stage":
            case["stage"] = draw(enum(Stage))
        elif kind == "type":
            path = draw(st.sampled_from([p for p, _ in nodes]))
            _set(case, path, draw(st.one_of(st.none(), st.booleans(), st.integers(), text,
                                            st.just([]), st.just({}))))
        elif kind == "swap_staff":
            ids = [p for p, v in nodes if isinstance(v, str) and v.startswith(("STAFF", "NURSE"))]
            if ids:
                _set(case, draw(st.sampled_from(ids)), draw(staff))
        done.append(kind)
    return case, done


def encode(draw: st.DrawFn, case: dict) -> bytes:
    indent = draw(st.sampled_from([None, 1, 2, 4]))
    return json.dumps(case, indent=indent, ensure_ascii=draw(st.booleans())).encode("utf-8")


# --------------------------------------------------------------------------------------------
# Checks.


def nearest_existing(doc: object, path: tuple) -> int:
    """How many leading parts of ``path`` exist in ``doc``. The first missing part must be a key
    the format defines, missing from an object (or under an explicit null), and so must every
    part after it: an index past the end of a list, or a step into a scalar, is an error."""
    node = doc
    for i, part in enumerate(path):
        if isinstance(part, int):
            assert isinstance(node, list), (path, i)
            assert 0 <= part < len(node), (path, i)
            node = node[part]
            continue
        assert node is None or isinstance(node, dict), (path, i)
        if node is None or part not in node:
            rest = path[i:]
            assert all(isinstance(p, str) and p in KNOWN_NAMES for p in rest), path
            return i
        node = node[part]
    return len(path)


def assert_sound(result: FileResult, data: bytes, base: str) -> None:
    text = data.decode("utf-8")
    n_lines = text.count("\n") + 1
    if result.problems:
        assert not result.findings
        for problem in result.problems:
            assert problem.message
            assert problem.line is not None or problem.path is not None
            assert problem.line is None or 1 <= problem.line <= n_lines
            assert problem.path is None or problem.path.startswith("$")
        return
    doc = json.loads(text)
    pretty = "\n" in text
    lines = text.split("\n")
    protocol = protocol_for(result.release)  # the declared release, else the newest
    assert protocol is not None, result.release
    for finding in result.findings:
        rule = protocol.rules.get(finding.rule_id)  # as the judging release states it
        assert rule is not None, (result.release, finding.rule_id)
        assert finding.severity is rule.severity
        # one of the rule's fixed messages, or one naming checklist items of this protocol
        assert own_message(rule, finding.message, protocol.items) == finding.message
        url = rule_url(base, finding.rule_id)  # reporters link each finding from its rule ID
        assert url == f"{base}{RULES_PAGE}#rule-{finding.rule_id.lower()}" and url.startswith(base)
        depth = nearest_existing(doc, finding.path)
        assert finding.line is not None and 1 <= finding.line <= n_lines
        if pretty and depth == len(finding.path) and finding.path and isinstance(
                finding.path[-1], str):
            assert f'"{finding.path[-1]}"' in lines[finding.line - 1], (finding, finding.line)
        if finding.waived:
            assert rule.severity is not Severity.error
        if finding.deviation:  # only a past event, under a release that has reviewers
            assert not finding.waived and rule.severity is Severity.error
            assert protocol.release.settings.reviewer_roles is not None
            assert finding.message in [rule.message if v is None else rule.variants[v]
                                       for v in rule.past_events]


@SETTINGS
@given(st.data(), st.sampled_from(BASES))
def test_valid_cases_never_raise_and_findings_are_sound(data: st.DataObject, base: str) -> None:
    case = data.draw(valid_cases())
    raw = encode(data.draw, case)
    result = check_bytes("case.json", raw, Settings(handbook_url=base))
    assert result.problems == [], result.problems  # the strategy builds only valid cases
    assert result.stage == case["stage"]
    assert_sound(result, raw, base)


def test_the_soundness_checks_see_settled_findings() -> None:
    """The examples with a reviewed waiver and a recorded deviation pass the same checks, so
    the checks on settled findings above are known to run (random cases seldom settle one)."""
    examples = Path(__file__).resolve().parents[1] / "examples" / "cases" / "clean"
    settled = []
    for name in ("treatment-cbt-waived-duration", "treatment-cbt-contract-deviation"):
        raw = (examples / f"{name}.json").read_bytes()
        result = check_bytes(f"{name}.json", raw, Settings())
        assert result.problems == [] and result.release == "1.2.0"
        assert_sound(result, raw, "")
        settled += [(f.rule_id, f.waived, f.deviation) for f in result.findings]
    assert settled == [("MOD-006", True, False), ("ASMT-003", False, True)]


@SETTINGS
@given(st.data(), st.sampled_from(BASES))
def test_mutated_cases_never_raise_and_findings_are_sound(data: st.DataObject, base: str) -> None:
    case, _ = data.draw(mutated_cases())
    raw = encode(data.draw, case)
    result = check_bytes("case.json", raw, Settings(handbook_url=base))
    assert_sound(result, raw, base)


@SETTINGS
@given(valid_cases())
def test_session_order_does_not_change_which_rules_fire(case: dict) -> None:
    shuffled = dict(case, sessions=list(reversed(case.get("sessions", []))))
    first = check_bytes("a.json", json.dumps(case).encode(), Settings())
    second = check_bytes("b.json", json.dumps(shuffled).encode(), Settings())
    assert sorted({f.rule_id for f in first.findings}) == sorted(
        {f.rule_id for f in second.findings})


# --------------------------------------------------------------------------------------------
# The loader on arbitrary input: never raises, never echoes.

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(sorted(KNOWN_NAMES)) | text.map(lambda t: "QZXJ" + t),
                      inner, max_size=4),
    max_leaves=20,
)


@SETTINGS
@given(st.one_of(st.binary(max_size=200), text.map(str.encode),
                 json_values.map(lambda v: json.dumps(v).encode())))
def test_loader_never_raises_and_never_echoes(raw: bytes) -> None:
    loaded = parse(raw)
    assert (loaded.case is None) == bool(loaded.problems)
    for problem in loaded.problems:
        assert problem.message
        assert "QZXJ" not in problem.message
        assert problem.path is None or "QZXJ" not in problem.path


def _every_path(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every path in a parsed document, and one missing child under each container."""
    out = [prefix]
    if isinstance(value, dict):
        out.append((*prefix, "QZXJ-absent"))
        for key, item in value.items():
            out += _every_path(item, (*prefix, key))
    elif isinstance(value, list):
        out.append((*prefix, len(value)))
        for i, item in enumerate(value):
            out += _every_path(item, (*prefix, i))
    return out


@SETTINGS
@given(json_values, st.sampled_from([None, 2, 0]), st.booleans(), st.randoms(use_true_random=False))
def test_path_lines_agree_with_the_full_scan(value: object, indent: int | None, ascii_only: bool,
                                             rng) -> None:
    """The targeted line lookup gives the same line as the full token scan for every path,
    present or absent, asked in any order (it remembers positions between questions)."""
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    paths = _every_path(value)
    rng.shuffle(paths)
    targeted, full = PathLines(text), scan(text)
    assert [targeted.line_of(p) for p in paths] == [full.line_of(p) for p in paths]
