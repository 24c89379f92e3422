"""The caseload report's audit sections: compliance per standard, the cases needing action (the
team's agenda), the change since the last saved audit, and a run chart per standard.

Only counts, item and rule IDs, stage names, fixed reasons, pseudonymous case IDs and dates the
audit derives (a case's as-of date, what falls due) are shown; every string is escaped.
"""

from __future__ import annotations

from protocol_checks.audit import Audit, Standard
from protocol_checks.audit_history import SavedRun, compare
from protocol_checks.format_words import stage_words
from protocol_checks.links import item_url, rule_url
from protocol_checks.names import display_name
from protocol_checks.reporters.audit_chart import run_chart
from protocol_checks.reporters.caseload_charts import _e, _n
from protocol_checks.status import ItemStatus

NAV = (("audit-h", "Audit standards"), ("agenda-h", "Cases needing action"),
       ("reaudit-h", "Since the last audit"), ("trend-h", "Trend"))
SHOWN_DUE = 3
"""How many things falling due a case's row lists; the rest are counted."""

LEAD = ("Each checklist item is an audit standard. <strong>Cases</strong>: readable cases "
        "judged by a release that has the item. <strong>Excluded</strong>: not applicable or "
        "not yet due (the reasons are listed below); the rest are the cases it was "
        "<strong>due</strong> for. <strong>Exceptions</strong> (a waived warning, a recorded "
        "deviation) are counted apart and left out of the compliance denominator, so "
        "<strong>compliance = met ÷ (due − exceptions)</strong>. Not met, no record yet and "
        "awaiting attestation all count against it: a missing record is never compliance. A "
        "standard with no case to measure has no figure. The target is 100% unless the service "
        "profile sets a local one; within each checklist the largest gap to target comes first.")


def _head(key: str, title: str, lead: str = "") -> str:
    intro = f'<p class="lead">{lead}</p>' if lead else ""
    return f'<section aria-labelledby="{key}-h"><h2 id="{key}-h">{_e(title)}</h2>{intro}'


def _table(caption: str, columns: list[str], rows: list[str], table_id: str = "") -> str:
    """A captioned table in a keyboard-scrollable region; a column named '#...' is numeric."""
    head = "".join(f'<th scope="col" class="num">{_e(c[1:])}</th>' if c.startswith("#")
                   else f'<th scope="col">{_e(c)}</th>' for c in columns)
    ident = f' id="{_e(table_id)}"' if table_id else ""
    return (f'<div class="scroll" role="region" tabindex="0" aria-label="{_e(caption)} (table)">'
            f"<table{ident}><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+g} points"


def _item(base_url: str, item_id: str) -> str:
    return f'<a href="{_e(item_url(base_url, item_id))}">{_e(item_id)}</a>'


def _text(audit: Audit, item_id: str) -> str:
    """The item's own words, so a printed report reads without the handbook beside it."""
    item = audit.protocol.items.get(item_id)
    return item.text if item is not None else ""


def _num(value: int | str) -> str:
    return f'<td class="num">{_n(value) if isinstance(value, int) else _e(value)}</td>'


def _standard_row(s: Standard, base_url: str, text: str = "") -> str:
    c = s.counts
    verdict = ("no case to measure" if s.meets_target is None
               else "meets target" if s.meets_target else "below target")
    cells = [pct(s.target), pct(s.compliance),
             "–" if s.gap_to_target is None else f"{max(s.gap_to_target, 0):g}", s.cases,
             s.excluded, s.due, s.exceptions, s.measured, s.met, c[ItemStatus.not_met],
             c[ItemStatus.no_record], c[ItemStatus.awaiting]]
    return (f'<tr data-standard="{_e(s.item)}" data-compliance="{_e(s.compliance)}">'
            f'<th scope="row">{_item(base_url, s.item)}'
            + (f'<span class="item-text">{_e(text)}</span>' if text else "") + "</th>"
            + "".join(_num(v) for v in cells) + f"<td>{_e(verdict)}</td></tr>")


COLUMNS = ["Standard", "#Target", "#Compliance", "#Gap to target", "#Cases", "#Excluded",
           "#Due", "#Exceptions", "#Measured", "#Met", "#Not met", "#No record yet",
           "#Awaiting attestation", "Against target"]


def standards(audit: Audit, base_url: str, note: str) -> str:
    head = _head("audit", "Audit standards", LEAD)
    if not audit.audited:
        return head + '<p class="empty">No readable case to audit.</p></section>'
    parts = [head, f'<p class="audit-note">{note}</p>']
    for _, title, group in audit.grouped():
        parts.append(_table(f"{title}: audit standards", COLUMNS,
                            [_standard_row(s, base_url, _text(audit, s.item)) for s in group]))
    rows = [f'<tr><th scope="row">{_item(base_url, s.item)}</th><td>{_e(status)}</td>'
            f"<td>{_e(reason)}</td>{_num(n)}</tr>"
            for _, _, group in audit.grouped() for s in group
            for (status, reason), n in sorted(s.reasons.items())]
    if rows:
        parts.append(_table("Exclusions and their reasons", ["Standard", "Status", "Reason",
                                                             "#Cases"], rows, "exclusions"))
    return "".join(parts) + "</section>"


def _due(entry, as_of) -> str:
    label = (f"{_e(entry.what)} ({_e(entry.item)})" if entry.item else _e(entry.what))
    when = f'<time datetime="{entry.on.isoformat()}">{entry.on.isoformat()}</time>'
    if entry.what == "attestation":
        return f"{label}: awaited, due by the as-of date {when}"
    late = (' <strong class="overdue">overdue at the as-of date</strong>'
            if entry.on < as_of else "")
    return f"{label}: due {when}{late}"


def _case(a) -> str:
    ident = (f'<span class="case-id">{_e(a.case_id)}</span>' if a.case_id is not None
             else '<span class="case-id">case ID withheld (it looks identifying: PRIV-002)'
                  "</span>")
    return f'{ident}<br><span class="file">{_e(display_name(a.name))}</span>'


def agenda(audit: Audit, base_url: str) -> str:
    head = _head("agenda", "Cases needing action", "Every case with an error or warning not "
                 "settled, or a standard not met, no record yet or awaiting attestation; the "
                 "soonest due first, so the list can serve as the team's agenda. Due dates come "
                 "from each case's own dates and its release's settings (the interim report "
                 "interval), judged at the case's as-of date, never at the day of the report.")
    ranked = audit.ranked_agenda()
    if not ranked:
        return head + '<p class="empty">No case needs action.</p></section>'
    rows = []
    for a in ranked:
        rules = " ".join(f'<a class="rule" href="{_e(rule_url(base_url, r))}">{_e(r)}</a>'
                         f' <span class="sev sev-{_e(sev)}">{_e(sev)}</span>' for r, sev in a.rules)
        gaps = "; ".join(f"{_item(base_url, i)} {_e(status)}" for i, status in a.gaps)
        due = [f"<li>{_due(d, a.as_of)}</li>" for d in a.due[:SHOWN_DUE]]
        if len(a.due) > SHOWN_DUE:
            due.append(f"<li>and {_n(len(a.due) - SHOWN_DUE)} more</li>")
        rows.append(f'<tr data-case="{_e(a.case_id or "")}"><th scope="row">{_case(a)}</th>'
                    f'<td class="stage">{_e(stage_words(a.stage))}</td>'
                    f'<td><time datetime="{a.as_of.isoformat()}">{a.as_of.isoformat()}</time>'
                    f"</td><td>{rules or 'none'}</td><td>{gaps or 'none'}</td>"
                    f'<td>{"<ul>" + "".join(due) + "</ul>" if due else "nothing dated"}</td></tr>')
    return head + _table("Cases needing action: findings, gaps and what falls due next",
                         ["Case", "Stage", "As of", "Findings", "Standards not met",
                          "Falls due next"], rows, "agenda") + "</section>"


def _ids(ids: tuple[str, ...]) -> str:
    return ", ".join(f'<span class="case-id">{_e(i)}</span>' for i in ids) or "none"


def reaudit(now: SavedRun, before: SavedRun | None, saved: str) -> str:
    head = _head("reaudit", "Since the last audit", "Per standard, compliance at the last "
                 "saved audit and now, and the cases (by pseudonymous ID) that moved from not "
                 "met to met, or back. Cases whose ID was withheld are counted, never listed.")
    if before is None:
        return head + f'<p class="empty">{saved}</p></section>'
    warn = ""
    if before.profile != now.profile or set(before.releases) != set(now.releases):
        warn = ('<p class="audit-note"><strong>Compare with care:</strong> the last audit was '
                "judged under a different service profile or different protocol releases.</p>")
    rows = [f'<tr data-change="{_e(c.item)}"><th scope="row">{_e(c.item)}</th>'
            f"{_num(pct(c.before))}{_num(pct(c.now))}{_num(_signed(c.change))}"
            f"<td>{_ids(c.to_met)}</td><td>{_ids(c.to_not_met)}</td></tr>"
            for c in compare(before, now)
            if c.before is not None or c.now is not None or c.to_met or c.to_not_met]
    return (head + f"<p>Compared with the audit of <time>{before.audit_date.isoformat()}</time>."
            f"</p>{warn}"
            + _table(f"Change since the audit of {before.audit_date.isoformat()}",
                     ["Standard", "#Before", "#Now", "#Change", "Moved to met",
                      "Moved to not met"], rows, "reaudit") + "</section>")


def run_charts(runs: list[SavedRun]) -> str:
    head = _head("trend", "Trend", "A run chart per standard over the saved audits (oldest "
                 "left; the dashed line is the target). The table after the charts gives the "
                 "same figures.")
    if len(runs) < 2:
        return head + ('<p class="empty">A run chart needs at least two audits: save each '
                       "run with <code>--save DIR</code>.</p></section>")
    items = list(dict.fromkeys(s.item for r in runs for s in r.standards
                               if s.compliance is not None))
    by_run = [r.by_item() for r in runs]
    figures, rows = [], []
    for item in items:
        points = [(r.audit_date, (b[item].compliance if item in b else None))
                  for r, b in zip(runs, by_run, strict=True)]
        target = next(b[item].target for b in reversed(by_run) if item in b)
        figures.append(f"<figure>{run_chart(f'run-{item.lower()}', item, points, target)}"
                       f"<figcaption>{_e(item)} (target {pct(target)})</figcaption></figure>")
        rows.append(f'<tr><th scope="row">{_e(item)}</th>'
                    + "".join(_num(pct(v)) for _, v in points) + "</tr>")
    dates = [f"#{r.audit_date.isoformat()}" for r in runs]
    return (head + f'<div class="run-charts">{"".join(figures)}</div>'
            + _table("Compliance by audit date", ["Standard", *dates], rows, "trend-table")
            + "</section>")


def sections(audit: Audit, now: SavedRun, before: SavedRun | None, runs: list[SavedRun],
             base_url: str, note: str, saved: str) -> str:
    """All four audit sections, in the order of :data:`NAV`."""
    return (standards(audit, base_url, note) + agenda(audit, base_url)
            + reaudit(now, before, saved) + run_charts(runs))
