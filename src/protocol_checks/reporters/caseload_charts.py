"""The caseload report's charts: horizontal bars as inline SVG, each with a text equivalent.

Kept apart from the page so the page's module stays about its sections.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def _n(value: int) -> str:
    return f"{value:,}"


_FILL = {"error": "#a4161a", "warning": "#b36b00", "advice": "#1d4f91"}
"""Bar fills: each has at least 3:1 contrast with the white page (WCAG non-text contrast)."""


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, list[tuple[str, int]]]]) -> str:
    """A horizontal (optionally stacked) bar chart as inline SVG with a spoken equivalent.

    ``rows`` is a list of (label, [(severity, value), ...]); each row's total is printed at the
    end of its bar, so the chart is readable without colour.
    """
    label_w, bar_w, row_h, pad = 150, 400, 26, 6
    width = label_w + bar_w + 70
    height = pad * 2 + row_h * len(rows)
    biggest = max((sum(v for _, v in parts) for _, parts in rows), default=0) or 1
    spoken = "; ".join(
        f"{label}: {sum(v for _, v in parts)}"
        + (" (" + ", ".join(f"{v} {s}" for s, v in parts if v) + ")" if len(parts) > 1 else "")
        for label, parts in rows
    )
    out = [
        f'<svg id="{_e(chart_id)}" role="img" aria-labelledby="{_e(chart_id)}-t {_e(chart_id)}-d" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="{_e(chart_id)}-t">{_e(title)}</title>',
        f'<desc id="{_e(chart_id)}-d">{_e(spoken)}</desc>',
    ]
    for i, (label, parts) in enumerate(rows):
        y = pad + i * row_h
        out.append(f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
                   f'fill="#1b1b1b">{_e(label)}</text>')
        x = float(label_w)
        for severity, value in parts:
            if not value:
                continue
            w = max(bar_w * value / biggest, 1.5)
            out.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                       f'fill="{_FILL.get(severity, "#555")}"/>')
            x += w
        total = sum(v for _, v in parts)
        out.append(f'<text x="{x + 6:.1f}" y="{y + row_h / 2 + 4:.1f}" fill="#1b1b1b" '
                   f'font-weight="600">{_n(total)}</text>')
    out.append(f'<line x1="{label_w}" y1="{pad}" x2="{label_w}" y2="{height - pad}" stroke="#1b1b1b"/>')
    out.append("</svg>")
    return "".join(out)


def legend(severities: Iterable[str]) -> str:
    items = "".join(f'<li><span class="swatch" style="background:{_FILL[s]}"></span>{_e(s)}</li>'
                    for s in severities)
    return f'<ul class="legend" aria-hidden="true">{items}</ul>'
