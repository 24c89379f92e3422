"""Every message variant a rule's code names exists in its registration, and every declared
variant is used: a typo in a variant key would otherwise show only when that breach occurs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from protocol_checks.rules import REGISTRY

RULES_DIR = Path(__file__).resolve().parents[1] / "src" / "protocol_checks" / "rules"


def _rule_functions() -> dict[str, list[ast.FunctionDef]]:
    """Rule ID -> the decorated check function and the helpers of its module it calls (directly
    or through other helpers), read from the rule modules' source: a helper that yields the
    breaches (CON-007 and CON-008 share one) names their variants on the rule's behalf."""
    out = {}
    for path in sorted(RULES_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "rule"
                        and deco.args and isinstance(deco.args[0], ast.Constant)):
                    out[deco.args[0].value] = _with_helpers(node, helpers)
    return out


def _with_helpers(function: ast.FunctionDef,
                  helpers: dict[str, ast.FunctionDef]) -> list[ast.FunctionDef]:
    """``function`` and every module-level function it reaches by calling it by name."""
    reached, todo = [function], [function]
    while todo:
        for node in ast.walk(todo.pop()):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                helper = helpers.get(node.func.id)
                if helper is not None and helper not in reached:
                    reached.append(helper)
                    todo.append(helper)
    return reached


FUNCTIONS = _rule_functions()


def _literal_variants(functions: list[ast.FunctionDef]) -> tuple[set[str], bool]:
    """String variants passed to ``Breach(path, variant)`` and whether any is computed."""
    literal, computed = set(), False
    for node in (n for function in functions for n in ast.walk(function)):
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
