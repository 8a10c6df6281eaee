"""Server-side SVG charts for the KPI overview: no JavaScript, no CDN, readable offline.

Two shapes: a daily line (``line_chart``) and horizontal bars comparing a period with the
previous one (``bar_chart``). Every mark carries a ``<title>``, which browsers show on
hover, so a reader can check any point. Output is escaped and marked safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

#: Points above which the line has no per-day hover marks (they would be denser than pixels).
MAX_MARKS = 120


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    number = float(value)
    if unit == "percent":
        return f"{number:.1f} %"
    if unit == "count":
        return f"{number:,.0f}"
    return f"{number:,.2f}"


def line_chart(
    series: Sequence[Sequence[Any]],
    unit: str = "number",
    label: str = "",
    width: int = 360,
    height: int = 90,
) -> SafeString:
    """A polyline of ``[[ISO date, value], ...]``; gaps (None) break the line."""
    pad_left, pad_bottom, pad_top = 4, 14, 6
    values = [float(v) for _d, v in series if v is not None]
    top = max(values) if values else 0.0
    top = top if top > 0 else 1.0
    count = len(series)
    plot_w, plot_h = width - pad_left * 2, height - pad_bottom - pad_top

    def xy(index: int, value: float) -> tuple[float, float]:
        x = pad_left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)
        y = pad_top + plot_h - plot_h * value / top
        return round(x, 1), round(y, 1)

    segments: list[list[tuple[float, float]]] = [[]]
    marks = []
    for index, (day, value) in enumerate(series):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        point = xy(index, float(value))
        segments[-1].append(point)
        if count <= MAX_MARKS:
            marks.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="2.5" class="ecrm-chart-mark">'
                    "<title>{}: {}</title></circle>",
                    point[0],
                    point[1],
                    day,
                    _fmt(value, unit),
                )
            )
    lines = "".join(
        format_html(
            '<polyline fill="none" stroke="#2a6ebb" stroke-width="1.6" points="{}"/>',
            " ".join(f"{x},{y}" for x, y in points),
        )
        for points in segments
        if points
    )
    first = series[0][0] if series else ""
    last = series[-1][0] if series else ""
    summary = f"{label}: {first} – {last}, max {_fmt(max(values) if values else None, unit)}"
    baseline = pad_top + plot_h
    return mark_safe(  # noqa: S308 - every piece above is escaped by format_html/escape
        f'<svg class="ecrm-chart ecrm-chart-line" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="none" aria-label="{escape(summary)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(summary)}</title>'
        f'<line x1="{pad_left}" y1="{baseline}" x2="{width - pad_left}" y2="{baseline}" '
        f'stroke="#ccc"/>{lines}{"".join(marks)}'
        f'<text x="{pad_left}" y="{height - 2}" font-size="10" fill="#666">{escape(first)}</text>'
        f'<text x="{width - pad_left}" y="{height - 2}" font-size="10" fill="#666" '
        f'text-anchor="end">{escape(last)}</text>'
        f'<text x="{pad_left + 2}" y="{pad_top + 8}" font-size="10" fill="#666">'
        f"{escape(_fmt(top if values else None, unit))}</text></svg>"
    )


def bar_chart(
    items: Sequence[dict], title: str = "", width: int = 640, previous_label: str = ""
) -> SafeString:
    """Horizontal bars, one row per item (``label``, ``value``, ``previous``, ``unit``); the
    previous period, when known, is a thinner grey bar under the current one. The label
    column widens for long labels ("Champions → At risk"), up to 40 % of the width."""
    longest = max((len(str(i["label"])) for i in items), default=0)
    row_h, pad = 22, 4
    label_w = int(min(max(140, longest * 6.5 + 12), width * 0.4))
    height = max(row_h * len(items), row_h) + pad
    top = max(
        [float(i["value"] or 0) for i in items] + [float(i.get("previous") or 0) for i in items]
    )
    top = top if top > 0 else 1.0
    bar_w = width - label_w - 60
    rows = []
    for index, item in enumerate(items):
        y = pad + index * row_h
        value = float(item["value"] or 0)
        unit = item.get("unit", "count")
        length = round(bar_w * value / top, 1)
        hover = f"{item['label']}: {_fmt(item['value'], unit)}"
        if item.get("previous") is not None:
            hover += f" ({previous_label} {_fmt(item['previous'], unit)})"
        parts = [
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#333">{}</text>',
                label_w - 6,
                y + 13,
                item["label"],
            ),
            format_html(
                '<rect x="{}" y="{}" width="{}" height="12" fill="#2a6ebb" '
                'class="ecrm-chart-bar"><title>{}</title></rect>',
                label_w,
                y + 3,
                max(length, 0.5),
                hover,
            ),
            format_html(
                '<text x="{}" y="{}" font-size="11" fill="#333">{}</text>',
                label_w + length + 4,
                y + 13,
                _fmt(item["value"], unit),
            ),
        ]
        if item.get("previous") is not None:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="4" fill="#aaa">'
                    "<title>{}</title></rect>",
                    label_w,
                    y + 17,
                    max(round(bar_w * float(item["previous"]) / top, 1), 0.5),
                    hover,
                )
            )
        rows.append("".join(parts))
    return mark_safe(  # noqa: S308 - escaped above
        f'<svg class="ecrm-chart ecrm-chart-bars" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(rows)}</svg>"
    )
