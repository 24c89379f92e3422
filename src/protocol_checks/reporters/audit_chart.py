"""A run chart of one audit standard's compliance over saved runs: a small inline SVG.

Needs no script: the points carry their values as text, the target is a dashed line, and the
chart has a title and a description that say every value, so it reads without sight or colour.
"""

from __future__ import annotations

from datetime import date

from protocol_checks.reporters.caseload_charts import _e

WIDTH, HEIGHT = 260, 120
LEFT, RIGHT, TOP, BOTTOM = 34, 10, 10, 22


def _pct(value: float | None) -> str:
    return "not measured" if value is None else f"{value:g}%"


def spoken(item: str, points: list[tuple[date, float | None]], target: float) -> str:
    """The chart in words: each run's date and compliance, and the target."""
    runs = "; ".join(f"{d.isoformat()}: {_pct(v)}" for d, v in points)
    return f"{item} compliance by audit date, target {target:g}%: {runs}."


def run_chart(chart_id: str, item: str, points: list[tuple[date, float | None]],
              target: float) -> str:
    """Compliance (0-100%) by run, evenly spaced in date order; a run with nothing measured
    leaves a gap in the line rather than a fall to zero."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def y(value: float) -> float:
        return TOP + inner_h * (1 - value / 100)

    out = [
        f'<svg id="{_e(chart_id)}" role="img" aria-labelledby="{_e(chart_id)}-t '
        f'{_e(chart_id)}-d" viewBox="0 0 {WIDTH} {HEIGHT}" class="run-chart" '
        'font-family="system-ui, sans-serif" font-size="10">',
        f'<title id="{_e(chart_id)}-t">{_e(item)}: compliance over {len(points)} audits</title>',
        f'<desc id="{_e(chart_id)}-d">{_e(spoken(item, points, target))}</desc>',
    ]
    for level in (0, 50, 100):
        out.append(f'<text x="{LEFT - 4}" y="{y(level) + 3:.1f}" text-anchor="end" '
                   f'fill="#1b1b1b">{level}</text>')
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + inner_h}" stroke="#1b1b1b"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" '
               f'y2="{TOP + inner_h}" stroke="#1b1b1b"/>')
    out.append(f'<line x1="{LEFT}" y1="{y(target):.1f}" x2="{WIDTH - RIGHT}" y2="{y(target):.1f}" '
               'stroke="#1e6b35" stroke-dasharray="4 3"/>')
    segment: list[str] = []
    for i, (_, value) in enumerate([*points, (None, None)]):
        if value is None:
            if len(segment) > 1:
                out.append(f'<polyline points="{" ".join(segment)}" fill="none" '
                           'stroke="#1d4f91" stroke-width="2"/>')
            segment = []
            continue
        segment.append(f"{LEFT + i * step:.1f},{y(value):.1f}")
    for i, (day, value) in enumerate(points):
        x = LEFT + i * step
        if value is not None:
            out.append(f'<circle cx="{x:.1f}" cy="{y(value):.1f}" r="3" fill="#1d4f91"/>')
        if i in (0, len(points) - 1):
            anchor = "start" if i == 0 and len(points) > 1 else "end"
            out.append(f'<text x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="{anchor}" '
                       f'fill="#1b1b1b">{_e(day.isoformat())}</text>')
    out.append("</svg>")
    return "".join(out)
