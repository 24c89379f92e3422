"""Pseudonymity: case files must not hold direct identifiers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from protocol_checks.case import CaseFile, Stage
from protocol_checks.findings import Path, Severity
from protocol_checks.identifiers import id_problem, id_values, identifiers, valid_nhs_number
from protocol_checks.rules._per_case import per_case
from protocol_checks.rules.registry import Breach, rule

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(
    r"(?<![\w+-])(?:\+44\s?(?:\(0\)\s?)?|\(?0)[1-9](?:\)?[\s-]?\d){8,9}(?![\w-])")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s+[0-9][ABD-HJLNP-UW-Z]{2}\b|"
                       r"\b[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}\b")
_NHS = re.compile(r"(?<!\d)(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
_TITLED_NAME = re.compile(
    r"\b(?i:mr|mrs|ms|miss|mx|dr)\.?\s+(?![A-Z][A-Z0-9]{1,9}-[0-9A-Z]{2,12}\b)"
    r"(?:[A-Z]\.\s*)*[A-Z][A-Za-z'\u2019-]+")


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_TITLES = ("mr", "ms", "mx", "dr", "miss")
"""The titles, as :func:`_has_title_word` looks for them: "mrs" is found as "mr" and an "s"."""
_LETTER_DIGIT = re.compile("[A-Z][0-9]")
"""Every postcode's outward code has a capital followed by a digit; a cheap search first."""


_DIGITS = b"0123456789"


def _digits(text: str) -> int:
    """How many ASCII digits ``text`` holds, counted in two C passes over its UTF-8 (where no
    other character's bytes are digits): cheaper than a regular-expression search for one."""
    data = text.encode("utf-8", "surrogatepass")
    return len(data) - len(data.translate(None, _DIGITS))


def _has_title_word(lowered: str) -> bool:
    """Whether a title (Mr, Dr, ...) stands as a word, found with ``str.find`` so that words
    such as "missed" or "address" cost no regular-expression search."""
    for title in _TITLES:
        at = lowered.find(title)
        while at != -1:
            end = at + len(title)
            if title == "mr" and lowered[end:end + 1] == "s":  # "mrs": a search of its own saved
                end += 1
            if not lowered[at - 1:at].isalpha() and not lowered[end:end + 1].isalpha():
                return True
            at = lowered.find(title, end)
    return False


def _prepared(text: str) -> tuple[str, int]:
    """The text with ISO dates blanked (dates in notes are not identifiers on their own) and
    its count of digits, so each detector runs only when cheap tests show it could match."""
    digits = _digits(text)
    if digits >= 8 and "-" in text:
        text = _ISO_DATE.sub(" ", text)
        digits = _digits(text)
    return text, digits


def certain_identifier(text: str) -> str | None:
    """``"email"`` or ``"nhs_number"`` (ten digits with a valid check digit): identifiers that
    are almost never anything else, so PRIV-003 treats them as errors."""
    return _certain(*_prepared(text))


def _certain(text: str, digits: int) -> str | None:
    if "@" in text and _EMAIL.search(text):
        return "email"
    if digits >= 9:
        for match in _NHS.finditer(text):
            if valid_nhs_number("".join(match.groups())):
                return "nhs_number"
    return None


def likely_identifier(text: str) -> str | None:
    """``"phone"``, ``"postcode"`` or ``"name"`` (a titled name): heuristic matches that a
    reference number or a clinician's title can also produce, so PRIV-004 only warns."""
    return _likely(*_prepared(text))


def _likely(text: str, digits: int) -> str | None:
    if digits >= 9 and _PHONE.search(text):
        return "phone"
    if digits >= 2 and _LETTER_DIGIT.search(text) and _POSTCODE.search(text):
        return "postcode"
    if _has_title_word(text.lower()) and _TITLED_NAME.search(text):
        return "name"
    return None


def looks_identifying(text: str) -> str | None:
    """The kind of direct identifier ``text`` appears to contain, if any: a certain one first,
    then a likely one (the order PRIV-001 has always reported them in).

    Each pattern runs only when cheap tests show it could match (an address needs an "@", a
    telephone or NHS number nine digits, a postcode a capital then a digit), which rules out
    most clinical text in a few C-level passes rather than a regular-expression search per kind.
    """
    return certain_identifier(text) or likely_identifier(text)


def free_text(case: CaseFile) -> Iterator[tuple[Path, str]]:
    """Every free-text value in the case, with its path."""
    if case.information_sharing:
        yield ("information_sharing", "circumstances"), case.information_sharing.circumstances
    if case.medication:
        yield ("medication", "drug"), case.medication.drug
    for i, w in enumerate(case.waivers):
        yield ("waivers", i, "reason"), w.reason
    if case.notes:
        yield ("notes",), case.notes


@per_case
def _prepared_text(case: CaseFile) -> tuple[tuple[Path, str, int], ...]:
    """Each free text of the case prepared once (:func:`_prepared`) for PRIV-003 and PRIV-004."""
    return tuple((path, *_prepared(text)) for path, text in free_text(case))


@rule(
    "PRIV-001",
    withdrawn_in="1.2.0",
    replaced_by=("PRIV-003", "PRIV-004"),
    needs=(),
    title="The case file holds no direct identifiers",
    severity=Severity.warning,
    stage=Stage.referral,
    paragraphs=(),
    message="Free text looks like it holds an email address; case files must be pseudonymous.",
    variants={
        "nhs_number": "Free text holds what looks like a valid NHS number; case files must be "
        "pseudonymous.",
        "phone": "Free text looks like it holds a telephone number; case files must be "
        "pseudonymous.",
        "postcode": "Free text looks like it holds a UK postcode; case files must be "
        "pseudonymous.",
        "name": "Free text looks like it holds a titled personal name; case files must be "
        "pseudonymous.",
    },
    rationale="Case files are checked in CI and shared in folders; a direct identifier turns "
    "a pseudonymous record into identifiable patient information, which should be shared only "
    "as far as necessary (GMC, Confidentiality, 2017).",
)
def no_direct_identifiers(case: CaseFile) -> Iterator[Breach]:
    for path, text in free_text(case):
        kind = looks_identifying(text)
        if kind is not None:
            yield Breach(path, None if kind == "email" else kind)


_SHARED = ("Case files are checked in CI and shared in folders; a direct identifier turns a "
           "pseudonymous record into identifiable patient information, which should be shared "
           "only as far as necessary (GMC, Confidentiality, 2017).")


@rule(
    "PRIV-003",
    since="1.2.0",
    needs=(),
    title="Free text holds no email address or NHS number",
    severity=Severity.error,
    stage=Stage.referral,
    paragraphs=(),
    message="Free text holds an email address; case files must be pseudonymous.",
    variants={
        "nhs_number": "Free text holds an NHS number (its check digit is valid); case files "
        "must be pseudonymous.",
    },
    rationale=_SHARED + " An email address or an NHS number with a valid check digit is "
    "almost never anything else, so it is an error to remove, not a warning to weigh.",
)
def no_certain_identifiers(case: CaseFile) -> Iterator[Breach]:
    for path, text, digits in _prepared_text(case):
        kind = _certain(text, digits)
        if kind is not None:
            yield Breach(path, None if kind == "email" else kind)


@rule(
    "PRIV-004",
    since="1.2.0",
    needs=(),
    title="Free text holds nothing that looks like a name, phone number or postcode",
    severity=Severity.warning,
    stage=Stage.referral,
    paragraphs=(),
    message="Free text looks like it holds a telephone number; case files must be "
    "pseudonymous.",
    variants={
        "postcode": "Free text looks like it holds a UK postcode; case files must be "
        "pseudonymous.",
        "name": "Free text looks like it holds a titled personal name; case files must be "
        "pseudonymous.",
    },
    rationale=_SHARED + " These patterns are heuristics (a reference number can look like a "
    "telephone number, a clinician's title like a patient's name), so a match is a warning "
    "to look at; a waiver records why a text that matches is not identifying.",
)
def no_likely_identifiers(case: CaseFile) -> Iterator[Breach]:
    for path, text, digits in _prepared_text(case):
        kind = _likely(text, digits)
        if kind is not None:
            yield Breach(path, None if kind == "phone" else kind)


ID_MESSAGES = {
    "name": "An identifier looks like it is built from a personal name (and perhaps a year of "
    "birth); IDs must be pseudonymous codes.",
    "file_name_nhs_number": "The file's name looks like it holds an NHS number; name case files "
    "by their pseudonymous ID.",
    "file_name_name": "The file's name looks like it holds a personal name; name case files by "
    "their pseudonymous ID.",
}


@rule(
    "PRIV-002",
    needs=(),
    title="Identifiers and file names are pseudonymous",
    severity=Severity.warning,
    stage=Stage.referral,
    paragraphs=(),
    message="An identifier looks like an NHS number or other health-record number; IDs must be "
    "pseudonymous codes.",
    variants=ID_MESSAGES,
    rationale="The case and staff IDs and the file's own name travel further than its contents: "
    "into CI logs, reports and folder listings. An ID made from an NHS number or a name "
    "identifies the patient wherever it goes (GMC, Confidentiality, 2017).",
)
def ids_pseudonymous(case: CaseFile) -> Iterator[Breach]:
    if not any(map(id_problem, id_values(case))):  # most cases: no ID to report, no paths made
        return
    for path, value in identifiers(case):
        kind = id_problem(value)
        if kind is not None:
            yield Breach(path, None if kind == "nhs_number" else kind)
