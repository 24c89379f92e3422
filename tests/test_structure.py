"""The package's structure: no import cycles, small modules, and imports at the top.

Read from the source with ``ast``, so a new module is covered without a list to keep.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MODULES = {".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): p
           for p in SRC.rglob("*.py")}
LONG_ALLOWED: set[str] = set()  # none: the case model is split into case_fields, case_before, ...

LAZY_ALLOWED = {"protocol_checks.cli", "protocol_checks.commands", "protocol_checks.output"}
"""Modules whose function-level imports keep start-up fast (--help and --version must not load
pydantic), each explained by a comment or the module's docstring."""


def _imports(name: str, path: Path, top_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.If):  # TYPE_CHECKING blocks still count as a dependency
            nodes_in = [n for n in ast.walk(node) if isinstance(n, ast.ImportFrom | ast.Import)]
        else:
            nodes_in = [node] if isinstance(node, ast.ImportFrom | ast.Import) else []
        for imp in nodes_in:
            if isinstance(imp, ast.Import):
                targets = [a.name for a in imp.names]
            else:
                base = imp.module or ""
                if imp.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - imp.level + 1] + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in imp.names]
            for target in targets:
                while target and target not in MODULES:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.add(target)
    return found


def test_no_import_cycles() -> None:
    edges = {name: _imports(name, path, top_only=False) for name, path in MODULES.items()}

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    cycles = sorted({tuple(sorted((a, b))) for a in MODULES for b in edges[a]
                     if a in reach(b) and not b.startswith(a + ".") and not a.startswith(b + ".")})
    assert cycles == []


def test_modules_stay_small() -> None:
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in MODULES.items()}
    assert {n for n, lines in long.items() if lines > 350} <= LONG_ALLOWED


def test_imports_sit_at_the_top_unless_for_start_up() -> None:
    lazy = {name for name, path in MODULES.items()
            if _imports(name, path, top_only=False) - _imports(name, path, top_only=True)}
    assert lazy <= LAZY_ALLOWED, lazy - LAZY_ALLOWED
