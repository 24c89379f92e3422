"""The caseload report: one self-contained, offline HTML file summarising many case files.

``protocol-checks report PATH... -o report.html`` streams every result through
:func:`write_report`, which keeps only small aggregates (counts per rule, per stage and per
severity, a bounded heap of the cases needing action first, and a bounded list of unreadable
files), so memory does not grow with the size of the caseload.

Nothing from inside a case file reaches the report: only file names, rule IDs, the rules' fixed
titles, severities, stages, counts, JSON paths, line numbers and the loader's fixed problem
messages. Every string is passed through :func:`html.escape`. The page has no scripts and loads
nothing: its CSS and charts (inline SVG, each with a text equivalent and a table) are inline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from importlib import resources
from typing import TextIO

from protocol_checks import __version__
from protocol_checks.case import Stage
from protocol_checks.findings import FileResult
from protocol_checks.format_words import stage_words
from protocol_checks.links import rule_url
from protocol_checks.local import local_protocol
from protocol_checks.names import display_name, safe_link_base
from protocol_checks.profile import load_profile
from protocol_checks.protocol import Protocol, load_protocol
from protocol_checks.reporters.base import Summary
from protocol_checks.reporters.caseload_charts import _e, _n, bar_chart, legend
from protocol_checks.reporters.caseload_data import TOP_CASES, Caseload
from protocol_checks.reporters.caseload_items import LEAD as ITEMS_LEAD
from protocol_checks.reporters.caseload_items import item_section
from protocol_checks.rules import REGISTRY
from protocol_checks.run_checks import RUN_CHECKS

CHART_RULES = 20
"""How many rules the bar chart shows; the table beside it lists every rule."""

SEVERITIES = ("error", "warning", "advice")

Extra = tuple[tuple[tuple[str, str], ...], str]
"""More sections for the page (the audit's): their (anchor, label) for the navigation, and
their HTML, placed after the totals."""


def _file(name: str) -> str:
    """A file name as the text format shows it (undecodable bytes as ``\\xe9``, controls as
    visible escapes), HTML-escaped, with line-break opportunities after each folder separator."""
    return "/<wbr>".join(_e(part) for part in display_name(name).split("/"))


def _scroll(label: str) -> str:
    """Opens a keyboard-scrollable region, so wide tables scroll rather than overflow the page."""
    return f'<div class="scroll" role="region" tabindex="0" aria-label="{_e(label)}">'


def _table(caption: str, columns: list[str], rows: str, table_id: str = "") -> str:
    """A captioned table in a scroll region; a column named with a leading '#' is numeric."""
    head = "".join(
        f'<th scope="col" class="num">{col[1:]}</th>' if col.startswith("#")
        else f'<th scope="col">{col}</th>' for col in columns)
    ident = f' id="{table_id}"' if table_id else ""
    return (f"{_scroll(caption + ' (table)')}<table{ident}><caption>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{_n(n)} {word if n == 1 else (plural or word + 's')}"


def write_report(results: Iterable[FileResult], out: TextIO, base_url: str = "",
                 profile: str | None = None,
                 extra: Callable[[], Extra] | None = None) -> Summary:
    """Consume ``results``, write the HTML report to ``out`` and return the summary; with a
    service ``profile`` (a path), its items and a note of its local changes; with ``extra``,
    the sections it makes once every result is in."""
    caseload = Caseload()
    for result in results:
        caseload.add(result)
    protocol, note = load_protocol(), ""
    if profile is not None:
        adapted = local_protocol(load_protocol().release.version, profile)
        assert adapted is not None
        protocol = adapted.protocol
        note = (f" Judged with the service profile of {load_profile(profile).service.name} "
                f"({_plural(len(adapted.changes), 'local change')}; findings a local setting "
                "produced or changed are marked in the validator's output).")
    out.write(render(caseload, protocol, base_url, datetime.now(UTC), note,
                     extra() if extra is not None else ((), "")))
    return caseload.summary


# --------------------------------------------------------------------------------------------
# Rendering

CSS = (resources.files("protocol_checks.reporters") / "caseload.css").read_text(encoding="utf-8")
"""The page's style sheet, inlined into the report so it needs no other file."""

def _rule_link(base_url: str, rule_id: str) -> str:
    href = rule_url(base_url, rule_id)
    return f'<a class="rule" href="{_e(href)}">{_e(rule_id)}</a>'


def _sev(severity: str) -> str:
    return f'<span class="sev sev-{_e(severity)}">{_e(severity)}</span>'


RUN_CHECK = {c.id: c for c in RUN_CHECKS}


def _rule_severity(rule_id: str, protocol: Protocol) -> str:
    """As the newest release states it; a rule withdrawn since keeps its last severity."""
    rule = protocol.rules.get(rule_id) or REGISTRY.get(rule_id) or RUN_CHECK.get(rule_id)
    return rule.severity.value if rule is not None else "error"


def _totals(s: Summary) -> str:
    cells = [
        ("files", "Files checked", s.files, ""),
        ("with-findings", "With findings", s.files_with_findings, ""),
        ("unreadable", "Unreadable", s.unreadable, "t-unreadable"),
        ("invalid", "Invalid", s.invalid, "t-unreadable"),
        ("errors", "Errors", s.count("error"), "t-error"),
        ("warnings", "Warnings", s.count("warning"), "t-warning"),
        ("advice", "Advice", s.count("advice"), "t-advice"),
        ("waived", "Waived", s.count("waived"), ""),
        ("deviations", "Recorded deviations", s.count("deviation"), ""),
    ]
    body = "".join(
        f'<div class="{cls}"><dt>{_e(label)}</dt><dd data-total="{key}">{_n(value)}</dd></div>'
        for key, label, value, cls in cells
    )
    head = _section_head("totals", "Totals", "Findings count breaches of rules that are not "
                         "waived or settled by a recorded deviation; both are counted apart. "
                         "Unreadable files could not be checked at all.")
    judged = ", ".join(f"release {_e(v)}: {_plural(n, 'file')}" for v, n in
                       sorted(s.by_release.items()))
    releases = f'<p class="releases">Judged by {judged}.</p>' if judged else ""
    return f'{head}<dl class="totals">{body}</dl>{releases}</section>'


def _section_head(key: str, title: str, lead: str = "") -> str:
    """The opening of a report section: a labelled landmark, its heading and a lead paragraph."""
    intro = f'<p class="lead">{lead}</p>' if lead else ""
    return (f'<section aria-labelledby="{key}-h"><h2 id="{key}-h">{title}</h2>{intro}')


def _empty_section(head: str, text: str) -> str:
    return f'{head}<p class="empty">{text}</p></section>'


def _by_rule(c: Caseload, protocol: Protocol, base_url: str) -> str:
    head = _section_head("rules", "Findings by rule")
    by_rule = sorted(c.summary.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    if not by_rule:
        return _empty_section(head, "No findings: every readable file meets every rule that "
                                    "applies at its stage.")
    shown = by_rule[:CHART_RULES]
    chart = bar_chart(
        "chart-rules", "Findings by rule",
        [(rid, [(_rule_severity(rid, protocol), n)]) for rid, n in shown])
    note = (f"The {len(shown)} most frequent of {len(by_rule)} rules; the table lists all."
            if len(by_rule) > len(shown) else "Every rule with findings; the table gives the figures.")
    used = [s for s in SEVERITIES if any(_rule_severity(r, protocol) == s for r, _ in shown)]
    rows = []
    for rid, n in by_rule:
        rule = protocol.rules.get(rid) or REGISTRY.get(rid) or RUN_CHECK.get(rid)
        title = ("(unknown rule)" if rule is None
                 else f"{rule.title} (withdrawn in release {rule.withdrawn_in})"
                 if getattr(rule, "withdrawn_in", None) else rule.title)
        rows.append(
            f'<tr><th scope="row">{_rule_link(base_url, rid)}</th><td>{_e(title)}</td>'
            f"<td>{_sev(_rule_severity(rid, protocol))}</td>"
            f'<td class="num">{_n(n)}</td><td class="num">{_n(c.files_by_rule[rid])}</td></tr>')
    return (
        head
        + '<p class="lead">Each rule links to its entry in the handbook, which says what it checks '
        "and why.</p>"
        + f"<figure>{legend(used)}{chart}<figcaption>{_e(note)}</figcaption></figure>"
        + _table("Findings by rule, most frequent first",
                 ["Rule", "Title", "Severity", "#Findings", "#Files affected"], "".join(rows))
        + "</section>"
    )


def _stage_order(name: str) -> tuple[int, str]:
    order = [s.value for s in Stage]
    return (order.index(name), name) if name in order else (len(order), name)


def _by_stage(c: Caseload) -> str:
    head = _section_head("stages", "Findings by stage", "Readable cases grouped by their current "
                         "stage; the rules due at a stage are judged there.")
    if not c.stages:
        return _empty_section(head, "No readable case files.")
    names = sorted(c.stages, key=_stage_order)
    chart_rows = [(stage_words(n), [(s, c.stages[n].findings[s]) for s in SEVERITIES])
                  for n in names]
    rows = "".join(
        f'<tr><th scope="row">{_e(stage_words(n))}</th>'
        f'<td class="num">{_n(c.stages[n].cases)}</td>'
        f'<td class="num">{_n(c.stages[n].with_findings)}</td>'
        + "".join(f'<td class="num">{_n(c.stages[n].findings[s])}</td>' for s in SEVERITIES)
        + f'<td class="num">{_n(c.stages[n].findings["waived"])}</td></tr>'
        for n in names
    )
    chart = ""
    if any(c.stages[n].findings[s] for n in names for s in SEVERITIES):
        chart = (f"<figure>{legend(SEVERITIES)}"
                 + bar_chart("chart-stages", "Findings by stage, by severity", chart_rows)
                 + "<figcaption>Bars are split by severity: errors, then warnings, then advice; "
                 "the number is the stage's total.</figcaption></figure>")
    return (
        head + chart
        + _table("Findings by stage", ["Stage", "#Cases", "#With findings", "#Errors",
                                       "#Warnings", "#Advice", "#Waived"], rows)
        + "</section>"
    )


def _ranked_rule(rule_id: str, local: bool) -> str:
    mark = ' <abbr class="local" title="a local setting of the service profile produced or '\
        'changed this finding">local</abbr>' if local else ""
    return f"<code>{_e(rule_id)}</code>{mark}"


def _first_cases(c: Caseload) -> str:
    head = _section_head("first", "Cases needing action first", "Files with errors or warnings, "
                         "most errors first, then most warnings, then by name; at most "
                         f"{TOP_CASES} are listed.")
    ranked = c.ranked()
    if not ranked:
        return _empty_section(head, "No case has errors or warnings.")
    rows = "".join(
        f'<tr><td class="num">{i}</td><th scope="row" class="file">{_file(r.name)}</th>'
        f'<td class="stage">{_e(stage_words(r.stage))}</td>'
        f'<td class="num">{_n(r.errors)}</td><td class="num">{_n(r.warnings)}</td>'
        f'<td class="num">{_n(r.advice)}</td>'
        f'<td>{" ".join(_ranked_rule(rid, rid in r.local) for rid in r.rules)}</td>'
        f'<td>{_e(r.release or "")}</td></tr>'
        for i, r in enumerate(ranked, 1)
    )
    return (
        head
        + _table("Cases needing action first", ["##", "File", "Stage", "#Errors", "#Warnings",
                                                "#Advice", "Rules", "Release"], rows,
                 "first-table")
        + "</section>"
    )


def _unreadable(c: Caseload) -> str:
    head = _section_head("unreadable", "Files that could not be checked", "These could not be "
                         "read as case files (unreadable) or are not valid case files "
                         "(invalid), so no rule was checked. Fix them first: run "
                         "<code>protocol-checks validate FILE</code> for every problem.")
    if not c.unreadable:
        return _empty_section(head, "Every file was read and valid.")
    rows = []
    for u in c.unreadable:
        where = "" if u.line is None else f"line {u.line}" + (
            "" if u.column is None else f", column {u.column}")
        more = f" (and {_plural(u.more, 'more problem')})" if u.more else ""
        rows.append(
            f'<tr><th scope="row" class="file">{_file(u.name)}</th><td>{_e(u.message)}{_e(more)}</td>'
            f"<td>{_e(where)}</td><td>{f'<code>{_e(u.path)}</code>' if u.path else ''}</td></tr>")
    missing = c.summary.not_checked - len(c.unreadable)
    tail = (f"<p>…and {_plural(missing, 'more such file')} not listed.</p>"
            if missing > 0 else "")
    return (
        head
        + _table("Files that could not be checked and the first problem in each",
                 ["File", "Problem", "Where", "JSON path"], "".join(rows), "unreadable-table")
        + f"{tail}</section>"
    )


def render(c: Caseload, protocol: Protocol, base_url: str, now: datetime, note: str = "",
           extra: Extra = ((), "")) -> str:
    """The whole page as one string."""
    stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    iso = now.astimezone(UTC).isoformat(timespec="seconds")
    s = c.summary
    verdict = (f"{_plural(s.files, 'file')} checked: {_plural(s.files_with_findings, 'file')} "
               f"with findings, {_n(s.unreadable)} unreadable, {_n(s.invalid)} invalid.")
    return "".join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="protocol-checks ', _e(__version__), '">',
        "<title>Caseload report — protocol-checks</title>",
        "<style>", CSS, "</style></head><body>",
        '<a class="skip" href="#main">Skip to the report</a>',
        "<header><h1>Caseload report</h1>",
        f'<p class="meta">Generated <time datetime="{_e(iso)}">{_e(stamp)}</time> by protocol-checks '
        f"{_e(__version__)}, judging each case by the protocol release it declares. "
        f"{_e(verdict)}{_e(note)}</p>",
        '<nav aria-label="Sections"><ul><li><a href="#totals-h">Totals</a></li>',
        "".join(f'<li><a href="#{_e(key)}">{_e(label)}</a></li>' for key, label in extra[0]),
        '<li><a href="#rules-h">By rule</a></li><li><a href="#stages-h">By stage</a></li>'
        '<li><a href="#first-h">Needing action first</a></li>'
        '<li><a href="#items-h">Checklist items</a></li>'
        '<li><a href="#unreadable-h">Files not checked</a></li></ul></nav></header>',
        '<main id="main">',
        _totals(s), extra[1], _by_rule(c, protocol, protocol_base(base_url)), _by_stage(c), _first_cases(c),
        item_section(c.items, protocol, protocol_base(base_url),
                     _section_head("items", "Checklist items", ITEMS_LEAD)),
        _unreadable(c),
        "</main><footer><p>This report holds no free text or personal detail from the case "
        "files: only file names, rule and item IDs, severities, stages, counts and positions"
        + (", and, in the audit, pseudonymous case IDs with each case's as-of date and the "
           "dates things fall due" if extra[1] else "")
        + f". protocol-checks {_e(__version__)}.</p></footer>",
        "</body></html>\n",
    ])


def protocol_base(base_url: str) -> str:
    """The handbook base as given (already normalised by the command), ending in ``/`` if set.

    The command refuses unsafe bases; this writer also drops one (links become relative) so a
    ``javascript:`` base can never become a live link, whoever calls it."""
    if not safe_link_base(base_url):
        return ""
    return base_url if not base_url or base_url.endswith("/") else base_url + "/"
