#!/usr/bin/env python3
"""Count the words of the protocol chapters' first layer: what a reader sees before opening
anything. For each docs/protocol/*.md that is the chapter's title, anything above its first
section, and its "What to do" section, with every dropdown (the second layer: "Why and how it is
checked") left out. Everything after "What to do" (Background, context, rules) is the second
layer. MyST markup is stripped first: a role counts as the words it shows, labels and directive
fences count as nothing.

Usage: python scripts/first_layer_words.py [--limit N]   (exit 1 if the total is N or more)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "docs" / "protocol"
WHAT_TO_DO = "## What to do"
_DROPDOWN = re.compile(r"^(:{3,})\{dropdown\}.*?^\1\s*$", re.S | re.M)
_ROLE_WITH_TEXT = re.compile(r"\{[\w:-]+\}`([^`<]*?)\s*<[^`]*>`")
_ROLE = re.compile(r"\{[\w:-]+\}`([^`]*)`")
_MARKUP = [
    (re.compile(r"^\([\w-]+\)=\s*$", re.M), ""),  # labels
    (re.compile(r"^(:{3,}|`{3,}).*$", re.M), ""),  # directive fences and their arguments
    (re.compile(r"^:[\w-]+:.*$", re.M), ""),  # directive options
    (re.compile(r"^\|?[\s|:-]+\|\s*$", re.M), ""),  # table rule lines
    (re.compile(r"[*#|>`]"), " "),
]


def first_layer(text: str) -> str:
    """The first layer of one chapter's MyST source, as plain text."""
    start = text.find(WHAT_TO_DO)
    if start < 0:
        raise ValueError("no 'What to do' section")
    after = text.find("\n## ", start + len(WHAT_TO_DO))
    shown = text[: after if after >= 0 else len(text)]
    shown = _DROPDOWN.sub("", shown)
    shown = _ROLE.sub(r"\1", _ROLE_WITH_TEXT.sub(r"\1", shown))
    for pattern, replacement in _MARKUP:
        shown = pattern.sub(replacement, shown)
    return shown


def count(text: str) -> int:
    return len(re.findall(r"[\w'’.-]*\w", first_layer(text)))


def counts(folder: Path = CHAPTERS) -> dict[str, int]:
    return {p.name: count(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.md"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=3000)
    args = parser.parse_args(argv)
    found = counts()
    for name, words in found.items():
        print(f"{words:6d}  {name}")
    total = sum(found.values())
    print(f"{total:6d}  first layer of {len(found)} chapters (limit: under {args.limit})")
    return 0 if total < args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
