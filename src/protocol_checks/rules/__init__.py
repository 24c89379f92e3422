"""All protocol rules, one module per chapter of the handbook; importing registers them."""

from protocol_checks.rules import (  # noqa: F401  (imported for registration)
    assessment,
    conduct,
    ending,
    integrity,
    medication,
    modality,
    privacy,
    referral,
    roles,
    sharing,
)
from protocol_checks.rules.registry import REGISTRY, Breach, Rule, rule

__all__ = ["REGISTRY", "Breach", "Rule", "all_rules", "rule"]


def all_rules() -> list[Rule]:
    """Every registered rule, in a stable order (by ID)."""
    return [REGISTRY[key] for key in sorted(REGISTRY)]
