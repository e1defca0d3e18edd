"""Charts for the Board's dashboard, drawn as static SVG.

Two shapes cover what the dashboard shows: columns stacked by series (deadlines
met and missed per quarter, times to publication by band) and horizontal bars
(themes). Each chart is an `<svg role="img">` with a title, every mark has its
own `<title>` (shown when pointed at), colours are presentation attributes (the
pages allow no style attribute), and every text is escaped. No script, no
library, nothing fetched: the SVG is part of the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: Colours that stay apart for colour-blind readers and in greyscale print.
GOOD = "#1b7837"
BAD = "#b2182b"
NEUTRAL = "#4d6a8a"
GRID = "#c9d1da"
WIDTH = 560
_FONT_WIDTH = 6.6  # an average character of the 12px sans-serif the pages use, for laying out labels


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _number(value: float) -> str:
    return f"{value:g}"


def _nice_max(value: float) -> float:
    """The top of the value axis: a round number at or above `value` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10  # pragma: no cover


def _open(title: str, height: float) -> list[str]:
    label = _attr(title)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" width="{WIDTH}" '
            f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}"><title>{escape(title)}</title>']


def stacked_columns(title: str, groups: Sequence[tuple[str, Sequence[float]]], series: Sequence[Series],
                    unit: str = "") -> str:
    """Columns, one per group (a quarter, a band), each stacked by `series`, with a
    value axis, a legend, and each group's total over its column."""
    height, top, bottom, left, right = 260.0, 28.0, 40.0, 40.0, 10.0
    plot_h = height - top - bottom
    plot_w = WIDTH - left - right
    highest = _nice_max(max((sum(values) for _, values in groups), default=0))
    parts = _open(title, height)
    for tick in (0, highest / 2, highest):
        y = top + plot_h - plot_h * tick / highest
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(tick)}</text>')
    x = left + 8
    for i, s in enumerate(series):  # the legend, above the plot
        parts.append(f'<rect x="{x:.1f}" y="6" width="12" height="12" fill="{_attr(s.colour)}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="16">{escape(s.name)}</text>')
        x += 28 + _FONT_WIDTH * len(s.name)
    slot = plot_w / max(len(groups), 1)
    bar = min(48.0, slot * 0.7)
    for n, (label, values) in enumerate(groups):
        cx = left + slot * n + slot / 2
        y = top + plot_h
        for s, value in zip(series, values):
            if value <= 0:
                continue
            h = plot_h * value / highest
            y -= h
            parts.append(f'<rect x="{cx - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{_attr(s.colour)}"><title>{escape(label)}: {_number(value)}{escape(unit)} '
                         f'{escape(s.name.lower())}</title></rect>')
        total = sum(values)
        parts.append(f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle">{_number(total)}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{top + plot_h:.1f}" y2="{top + plot_h:.1f}" '
                 'stroke="#1d2733"/>')
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(title: str, items: Sequence[tuple[str, float]], unit: str = "",
                    colour: str = NEUTRAL) -> str:
    """One bar per item, its label to the left and its value at its end, in the order given."""
    row, top = 22.0, 6.0
    longest = max((len(label) for label, _ in items), default=0)
    left = min(WIDTH * 0.5, 12 + _FONT_WIDTH * longest)
    plot_w = WIDTH - left - 40
    height = top * 2 + row * max(len(items), 1)
    highest = max((value for _, value in items), default=0) or 1
    parts = _open(title, height)
    for n, (label, value) in enumerate(items):
        y = top + row * n
        w = plot_w * value / highest
        shown = label if len(label) * _FONT_WIDTH <= left - 12 else label[: int((left - 12) / _FONT_WIDTH) - 1] + "…"
        parts.append(f'<text x="{left - 6:.1f}" y="{y + 15:.1f}" text-anchor="end">{escape(shown)}</text>')
        parts.append(f'<rect x="{left:.1f}" y="{y + 3:.1f}" width="{w:.1f}" height="{row - 6:.1f}" '
                     f'fill="{_attr(colour)}"><title>{escape(label)}: {_number(value)}{escape(unit)}</title></rect>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 15:.1f}">{_number(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)
