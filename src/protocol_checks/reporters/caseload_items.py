"""The caseload report's checklist section: how many cases have each item in each status.

Counting the statuses, not the findings, is what shows a team the records still to be made:
an item with *no record yet* has no finding behind it, yet it is not met.
"""

from __future__ import annotations

import html
from collections import Counter

from protocol_checks.links import item_url
from protocol_checks.protocol import Protocol
from protocol_checks.status import ItemStatus

COLUMNS = (ItemStatus.met, ItemStatus.waived, ItemStatus.deviation, ItemStatus.not_met, ItemStatus.no_record,
           ItemStatus.awaiting, ItemStatus.not_due, ItemStatus.not_applicable)


class ItemCounts:
    """Per item, how many readable cases have it in each status."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[ItemStatus]] = {}
        self.cases = 0

    def add(self, statuses: tuple[tuple[str, str], ...]) -> None:
        if not statuses:
            return
        self.cases += 1
        for item_id, status in statuses:
            self.counts.setdefault(item_id, Counter())[ItemStatus(status)] += 1


LEAD = ("How many readable cases have each checklist item in each status. 'No record yet' "
        "means the item is due but what it needs is not recorded; it counts as not met, like "
        "'awaiting attestation'.")


def item_section(counts: ItemCounts, protocol: Protocol, base_url: str, head: str) -> str:
    """An HTML section (opened by ``head``) with one row per item, grouped by checklist."""
    if not counts.cases:
        return head + "<p>No readable case files.</p></section>"
    header = "".join(f'<th scope="col">{html.escape(s.value)}</th>' for s in COLUMNS)
    parts = [head]
    for checklist in protocol.checklists:
        rows = []
        for item in checklist.items:
            found = counts.counts.get(item.id, Counter())
            cells = "".join(f"<td>{found[s]:,}</td>" for s in COLUMNS)
            link = html.escape(item_url(base_url, item.id), quote=True)
            rows.append(f'<tr><th scope="row"><a href="{link}">{html.escape(item.id)}</a></th>'
                        f"{cells}</tr>")
        parts.append(f'<div class="scroll" tabindex="0" role="region" aria-label="'
                     f'{html.escape(checklist.title, quote=True)}"><table><caption>'
                     f'{html.escape(checklist.title)}</caption><thead><tr><th scope="col">Item'
                     f'</th>{header}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
    parts.append("</section>")
    return "".join(parts)
