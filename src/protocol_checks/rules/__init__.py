"""All protocol rules, one module per chapter of the handbook; importing registers them."""

from protocol_checks.rules import (  # noqa: F401  (imported for registration)
    assessment,
    attendance,
    conduct,
    ending,
    integrity,
    medication,
    modality,
    plans,
    privacy,
    referral,
    releases,
    review,
    risk,
    roles,
    sharing,
)
from protocol_checks.rules.registry import REGISTRY, Breach, Rule, rule

__all__ = ["REGISTRY", "Breach", "Rule", "active_rules", "all_rules", "rule"]


def all_rules() -> list[Rule]:
    """Every registered rule, withdrawn ones too, in a stable order (by ID)."""
    return [REGISTRY[key] for key in sorted(REGISTRY)]


def active_rules() -> list[Rule]:
    """The rules of the newest release: every registered rule not withdrawn."""
    return [rule for rule in all_rules() if rule.withdrawn_in is None]
