"""The "Keeping a case file" guide: one case, CASE-0042, clean at every stage it shows.

The guide (docs/howto/keeping-a-case-file.md) shows examples/cases/keeping/*.json one stage at a
time. Each file must validate clean at its stage (no finding at any severity), with every
checklist met or not yet due, and each later file must keep what the earlier one recorded: the
guide tells case managers that a file grows, so the examples must grow too.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from pathlib import Path

import pytest
from casefactory import CLI

from protocol_checks.judge import result_for
from protocol_checks.loader import load
from protocol_checks.status import ItemStatus

ROOT = Path(__file__).resolve().parents[1]
KEEPING = ROOT / "examples" / "cases" / "keeping"
GUIDE = ROOT / "docs" / "howto" / "keeping-a-case-file.md"
HOWTO_INDEX = ROOT / "docs" / "howto" / "index.md"
REFERENCE = ROOT / "docs" / "reference" / "case-file.md"

STAGES = {
    "1-referral": "referral",
    "2-assessment": "assessment",
    "3-treatment": "treatment",
    "4-end-of-treatment": "long_term_contact",
    "5-long-term-contact": "long_term_contact",
    "6-closed": "closed",
}
"""Each example and the stage its file declares (formal treatment's end has no stage of its own:
with long-term contact arranged, the case is at long_term_contact)."""

CHECKLIST_OF = {
    "1-referral": "case-file",
    "2-assessment": "before-assessment",
    "3-treatment": "during-treatment",
    "4-end-of-treatment": "end-of-treatment",
    "5-long-term-contact": "end-of-treatment",
    "6-closed": "end-of-treatment",
}
"""The checklist the guide names at each stage."""


def _path(name: str) -> Path:
    return KEEPING / f"{name}.json"


def test_the_examples_are_exactly_the_stages() -> None:
    assert sorted(p.stem for p in KEEPING.glob("*.json")) == sorted(STAGES)


@pytest.mark.parametrize("name", STAGES)
def test_each_stage_is_clean_at_its_stage(name: str) -> None:
    result = result_for(name, load(str(_path(name))), items=True)
    assert not result.problems, result.problems
    assert result.stage == STAGES[name]
    assert [(f.rule_id, f.severity.value) for f in result.findings] == []
    assert result.items
    gaps = [item for item, status in result.items if ItemStatus(status).counts_as_not_met]
    assert gaps == [], f"checklist items not met: {gaps}"
    assert json.loads(_path(name).read_text(encoding="utf-8"))["case_id"] == "CASE-0042"


@pytest.mark.parametrize("name", STAGES)
def test_the_commands_the_guide_names_pass(name: str, tmp_path: Path) -> None:
    """``validate`` and the stage's own ``checklist``, run as a case manager would."""
    done = subprocess.run([*CLI, "validate", str(_path(name)), "--fail-on", "advice"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run([*CLI, "checklist", CHECKLIST_OF[name], str(_path(name))],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _kept(earlier: object, later: object, at: str = "$") -> list[str]:
    """Paths where ``later`` drops or changes what ``earlier`` recorded (lists may grow)."""
    if isinstance(earlier, dict) and isinstance(later, dict):
        return [p for key, value in earlier.items()
                for p in (_kept(value, later[key], f"{at}.{key}") if key in later
                          else [f"{at}.{key}"])]
    if isinstance(earlier, list) and isinstance(later, list):
        if len(later) < len(earlier):
            return [at]
        return [p for i, value in enumerate(earlier) for p in _kept(value, later[i], f"{at}[{i}]")]
    return [] if earlier == later else [at]


# What a later stage may rightly change: the file's date, stage and note, and the long-term
# contact's next review once a review has been held.
_MAY_CHANGE = re.compile(r"^\$\.(as_of|stage|notes|end_of_treatment\.long_term_contact\."
                         r"next_review_on)$")


def test_each_stage_keeps_what_the_one_before_recorded() -> None:
    names = list(STAGES)
    for before, after in itertools.pairwise(names):
        old = json.loads(_path(before).read_text(encoding="utf-8"))
        new = json.loads(_path(after).read_text(encoding="utf-8"))
        dropped = [p for p in _kept(old, new) if not _MAY_CHANGE.match(p)]
        assert not dropped, f"{after} loses or changes what {before} recorded: {dropped}"


def test_the_guide_shows_every_stage_and_is_linked() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    shown = re.findall(r"^```\{worked-example\} examples/cases/keeping/(\S+)\.json$", text, re.M)
    assert shown == list(STAGES)
    for command in ("protocol-checks validate", "protocol-checks checklist",
                    "protocol-checks new --stage", "protocol-checks edit"):
        assert command in text, command
    assert "keeping-a-case-file" in HOWTO_INDEX.read_text(encoding="utf-8")
    assert "{doc}`../howto/keeping-a-case-file`" in REFERENCE.read_text(encoding="utf-8")
