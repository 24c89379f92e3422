"""Pseudonymous IDs that are not: identifiers and file names that look like an NHS number or a
person's name.

The case-file model accepts any ID of the pseudonymous shape (``CASE-0042``), and that shape also
fits ``NHS-9434765919`` and ``SMITH-JOHN1970``. These tests catch the likely slips; they are
heuristics, so what they flag is a warning to look at, not proof.
"""

from __future__ import annotations

import functools
import operator
import os
import re
from collections.abc import Iterator

from pydantic import BaseModel

from protocol_checks.case import CaseFile
from protocol_checks.evidence import _model_of
from protocol_checks.findings import Path

_ID_PATTERN = CaseFile.model_fields["case_id"].metadata[0].pattern
_TEN_DIGITS = re.compile(r"(?<!\d)(\d{3})[\s_.-]?(\d{3})[\s_.-]?(\d{4})(?!\d)")
_NAME_AND_YEAR = re.compile(r"[A-Za-z]{3,}[\s_.-]?(?:19|20)\d{2}")
_WORD = re.compile(r"^[A-Z]{3,}$")
_TITLED = re.compile(r"(?i)(?:^|[\s_.-])(?:mr|mrs|ms|miss|mx|dr)[\s_.-]+[A-Za-z]{2,}")
_HEALTH_PREFIXES = ("NHS", "CHI", "HCN", "MRN")
"""Prefixes of health-record numbers (NHS England and Wales, Scotland's CHI, Northern Ireland's
H&C number, a hospital's medical record number)."""
_HEALTH_NAME_STARTS = tuple(f"{prefix}-" for prefix in _HEALTH_PREFIXES)
"""How a file name that starts with a health-record number begins (``NHS-...``)."""


def valid_nhs_number(digits: str) -> bool:
    """Modulus 11 check used by NHS numbers (weights 10..2 over the first nine digits)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _has_nhs_number(text: str) -> bool:
    """Whether ten digits in ``text`` make a valid NHS number. One search first: most IDs and
    names hold no ten digits, and that answer is then had without a generator over matches."""
    return _TEN_DIGITS.search(text) is not None and any(
        valid_nhs_number("".join(m.groups())) for m in _TEN_DIGITS.finditer(text))


@functools.lru_cache(maxsize=4096)  # the same staff IDs recur in every case of a caseload
def id_problem(value: str) -> str | None:
    """``"nhs_number"`` or ``"name"`` when a pseudonymous-looking ID is probably not one."""
    prefix, _, rest = value.partition("-")
    if prefix in _HEALTH_PREFIXES or _has_nhs_number(value):
        return "nhs_number"
    if _NAME_AND_YEAR.fullmatch(rest) or (prefix not in _KNOWN_PREFIXES  # the cheap test first
                                          and _WORD.match(prefix) and _WORD.match(rest)):
        return "name"
    return None


_KNOWN_PREFIXES = frozenset({"CASE", "STAFF", "PT", "CLIENT", "REF", "TEAM"})
"""Prefixes that name a kind of record, so a word after them is a code, not a surname."""


def name_problem(file_name: str) -> str | None:
    """Whether a file's name (not its folder) looks like it holds an NHS number or a name.

    Names are caught only in the forms that give themselves away (a word with a year of birth,
    or a title such as "mr-"): two plain words could as well be ``referral-new``."""
    stem = os.path.basename(file_name).rsplit(".", 1)[0]
    if _has_nhs_number(stem) or stem.upper().startswith(_HEALTH_NAME_STARTS):
        return "nhs_number"
    if _NAME_AND_YEAR.search(stem) or _TITLED.search(stem):
        return "name"
    return None


_Plan = tuple[tuple[str, ...], tuple[str, ...]]
"""A model class's ID fields, and its fields that hold models (or lists of them) with IDs."""


def _id_fields(model: type[BaseModel]) -> _Plan:
    ids, children = [], []
    for name, info in model.model_fields.items():
        if any(getattr(m, "pattern", None) == _ID_PATTERN for m in info.metadata):
            ids.append(name)
        elif (inner := _model_of(info.annotation)) is not None and any(_PLANS[inner]):
            children.append(name)
    return tuple(ids), tuple(children)


class _Plans(dict[type, _Plan]):
    """Each model class's plan (:data:`_Plan`), worked out from its field metadata when the
    class is first met; after that, a plan is one lookup in C, not a Python call per object."""

    def __missing__(self, model: type[BaseModel]) -> _Plan:
        plan = self[model] = _id_fields(model)
        return plan


_PLANS = _Plans()


def identifiers(obj: BaseModel, at: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every pseudonymous-ID value in ``obj`` with its path (derived from the model's types,
    so a new ID field is covered without a list to keep), collected in one walk."""
    out: list[tuple[Path, str]] = []
    _collect(obj, at, out)
    return iter(out)


def _collect(obj: BaseModel, at: Path, out: list[tuple[Path, str]]) -> None:
    """Append each ID in ``obj`` to ``out`` with its path under ``at``."""
    ids, children = _PLANS[type(obj)]
    values = obj.__dict__  # the fields as validated: read without the model's attribute hooks
    for name in ids:
        out.append(((*at, name), values[name]))
    for name in children:
        value = values[name]
        if type(value) is list:
            for i, element in enumerate(value):
                _collect(element, (*at, name, i), out)
        elif value is not None:
            _collect(value, (*at, name), out)


def id_values(obj: BaseModel) -> list[str]:
    """Every pseudonymous-ID value in ``obj``, without paths: the walk a clean case needs
    (making a path for each ID costs more than judging it, and a walk that makes none does
    not test at each object whether to make one). The IDs :func:`identifiers` finds, though
    a list of flat records is read a field at a time."""
    out: list[str] = []
    _gather(obj, out)
    return out


def _gather(obj: BaseModel, out: list[str]) -> None:
    """Append each ID in ``obj`` to ``out``."""
    ids, children = _PLANS[type(obj)]
    values = obj.__dict__
    for name in ids:
        out.append(values[name])
    for name in children:
        value = values[name]
        if type(value) is list:
            if not value:
                continue
            element_ids, nested = _PLANS[type(value[0])]
            if nested:
                for element in value:
                    _gather(element, out)
            else:  # records without nested IDs (most lists): each field read along the list in C
                for field_name in element_ids:
                    out.extend(map(operator.attrgetter(field_name), value))
        elif value is not None:
            _gather(value, out)
