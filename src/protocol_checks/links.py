"""Links into the handbook: one place that knows the pages and builds every link.

The base URL is the option, else the environment, else relative links. Only http(s), file and
relative bases are accepted: every report turns the base into links, and a ``javascript:`` one
would be live in a reader's browser. The URL is not repeated in the error (it may hold anything).
"""

from __future__ import annotations

import os

from protocol_checks.names import UnsafeHandbookURL, safe_link_base

RULES_PAGE = "reference/rules.html"
"""Where the rule catalogue lives in the built handbook, relative to its root."""

CHECKLISTS_PAGE = "checklists/index.html"
"""Where the checklists live in the built handbook, relative to its root."""

URL_ENV = "PROTOCOL_CHECKS_HANDBOOK_URL"


def handbook_base(explicit: str | None = None) -> str:
    """The handbook's base URL, ending in ``/`` when set; raises :class:`UnsafeHandbookURL`."""
    base = explicit if explicit is not None else os.environ.get(URL_ENV, "")
    if base and not safe_link_base(base):
        raise UnsafeHandbookURL(f"--handbook-url (or ${URL_ENV}) must be an http(s) or file URL, "
                                "or a relative path, without spaces or control characters")
    return base if not base or base.endswith("/") else base + "/"


def rule_url(base: str, rule_id: str) -> str:
    """The rule's entry in the catalogue (anchors are ``rule-`` and the lower-case ID)."""
    return f"{base}{RULES_PAGE}#rule-{rule_id.lower()}"


def item_url(base: str, item_id: str) -> str:
    return f"{base}{CHECKLISTS_PAGE}#item-{item_id.lower()}"
