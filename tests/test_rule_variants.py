"""Every message variant a rule's code names exists in its registration, and every declared
variant is used: a typo in a variant key would otherwise show only when that breach occurs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from protocol_checks.rules import REGISTRY

RULES_DIR = Path(__file__).resolve().parents[1] / "src" / "protocol_checks" / "rules"


def _rule_functions() -> dict[str, ast.FunctionDef]:
    """Rule ID -> the decorated check function, read from the rule modules' source."""
    out = {}
    for path in sorted(RULES_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "rule"
                        and deco.args and isinstance(deco.args[0], ast.Constant)):
                    out[deco.args[0].value] = node
    return out


FUNCTIONS = _rule_functions()


def _literal_variants(function: ast.FunctionDef) -> tuple[set[str], bool]:
    """String variants passed to ``Breach(path, variant)`` and whether any is computed."""
    literal, computed = set(), False
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Breach":
            if len(node.args) < 2:
                continue
            arg = node.args[1]
            branches = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            for branch in branches:
                if isinstance(branch, ast.Constant):
                    if isinstance(branch.value, str):
                        literal.add(branch.value)
                else:
                    computed = True  # a name: the variant comes from data (checked elsewhere)
    return literal, computed


def test_the_source_walk_finds_the_decorated_rules() -> None:
    # ROLE-001..004 are registered in a loop (no variants); every other rule is found here.
    assert set(REGISTRY) - set(FUNCTIONS) == {"ROLE-001", "ROLE-002", "ROLE-003", "ROLE-004"}


@pytest.mark.parametrize("rule_id", sorted(FUNCTIONS))
def test_variants_named_in_code_are_declared(rule_id: str) -> None:
    rule = REGISTRY[rule_id]
    literal, computed = _literal_variants(FUNCTIONS[rule_id])
    assert literal <= set(rule.variants), (rule_id, literal - set(rule.variants))
    if not computed:  # with a variant taken from data, some declared ones are not literals
        assert set(rule.variants) <= literal, (rule_id, "declared but never used",
                                               set(rule.variants) - literal)
