#!/usr/bin/env python3
"""Every file of a caseload validated twice, with the case model and with the rules' read-only
views (protocol_checks.views): the errors (message, list and title) and the values must be the
same for every file (a script, not a test; tests/test_views.py checks the shipped examples).

    python bench/bench.py --files 100000 --dir /tmp/cases   # keeps the generated caseload
    python bench/views_check.py /tmp/cases
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from protocol_checks.case import CaseFile
from protocol_checks.views import case_view


def _values(value: Any) -> Any:
    """A case as plain data: class names, the fields the file set, and every value."""
    if isinstance(value, list):
        return [_values(v) for v in value]
    if hasattr(value, "__pydantic_fields_set__"):
        return (type(value).__name__, sorted(value.__pydantic_fields_set__),
                {k: _values(v) for k, v in value.__dict__.items()})
    return repr(value)


def _outcome(validate: Callable[[bytes], Any], data: bytes) -> tuple[bool, Any]:
    try:
        return True, _values(validate(data))
    except ValidationError as exc:
        return False, (str(exc), json.dumps(exc.errors(), default=repr), exc.title)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    args = ap.parse_args(argv)
    files = errors = 0
    different = []
    for root, _dirs, names in os.walk(args.folder):
        for name in sorted(names):
            if not name.endswith(".json"):
                continue
            data = (Path(root) / name).read_bytes()
            files += 1
            model, view = _outcome(CaseFile.model_validate_json, data), _outcome(case_view, data)
            errors += not model[0]
            if model != view:
                different.append(os.path.join(root, name))
    print(f"{files:,} files: {errors:,} error lists and {files - errors:,} cases compared; "
          f"{len(different)} different" + "".join(f"\n  {p}" for p in different[:20]))
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
