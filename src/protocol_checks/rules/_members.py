"""Enum members the rules compare with, bound once for every rule module.

Looking a member up on its enum class (``Attendance.attended``) is a descriptor call, about
130 ns on Python 3.11, and the rules make such tests for every case, many of them inside loops
over the sessions; a module constant is read in a few nanoseconds.
"""

from __future__ import annotations

from protocol_checks.case import (
    Attendance,
    LegalBasis,
    Modality,
    Profession,
    ReferralSource,
    Stage,
)

ATTENDED, MISSED, CANCELLED = (
    Attendance.attended, Attendance.missed, Attendance.cancelled_by_service)
CBT, PSYCHODYNAMIC, PHARMACOLOGICAL = Modality.cbt, Modality.psychodynamic, Modality.pharmacological
NO_ORDER = LegalBasis.none
COURT = ReferralSource.court
PSYCHIATRIST = Profession.psychiatrist
CLOSED = Stage.closed
