"""Charts as inline SVG: drawn from numbers and labels alone, every label escaped, nothing for a browser to run."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLOURS = ("#b71c1c", "#e65100", "#f9a825", "#2e7d32", "#1565c0", "#6a1b9a", "#546e7a", "#8d6e63", "#00838f",
           "#ad1457")
_ROW = 28
_LABEL = 190
_WIDTH = 720


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 13) -> str:
    return (f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" text-anchor="{anchor}" '
            f'dominant-baseline="middle">{escape(text)}</text>')


def bars(items: Sequence[tuple[str, int]], title: str, unit: str = "个") -> str:
    """One horizontal bar per label, its number at the end."""
    top = max((v for _, v in items), default=0) or 1
    span = _WIDTH - _LABEL - 60
    height = _ROW * len(items) + 10
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 5 + i * _ROW
        w = span * value / top
        parts.append(_text(_LABEL - 8, y + _ROW / 2, label, "end"))
        parts.append(f'<rect x="{_LABEL}" y="{y + 5}" width="{w:.1f}" height="{_ROW - 10}" '
                     f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(f"{label}：{value} {unit}")}</title></rect>')
        parts.append(_text(_LABEL + w + 6, y + _ROW / 2, f"{value} {unit}"))
    parts.append("</svg>")
    return "".join(parts)


def stacked(rows: Sequence[tuple[str, Sequence[int]]], legend: Sequence[str], title: str) -> str:
    """One bar per row, split into the legend's parts, with the legend above."""
    top = max((sum(v) for _, v in rows), default=0) or 1
    span = _WIDTH - _LABEL - 60
    height = _ROW * (len(rows) + 1) + 10
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    x = float(_LABEL)
    for k, name in enumerate(legend):
        parts.append(f'<rect x="{x:.0f}" y="9" width="12" height="12" fill="{COLOURS[k % len(COLOURS)]}"/>')
        parts.append(_text(x + 16, 15, name, size=12))
        x += 28 + 13 * len(name)
    for i, (label, values) in enumerate(rows):
        y = 5 + (i + 1) * _ROW
        parts.append(_text(_LABEL - 8, y + _ROW / 2, label, "end"))
        x = float(_LABEL)
        for k, value in enumerate(values):
            if value:
                w = span * value / top
                tip = escape(f"{label} {legend[k]}：{value} 个")
                parts.append(f'<rect x="{x:.1f}" y="{y + 5}" width="{w:.1f}" height="{_ROW - 10}" '
                             f'fill="{COLOURS[k % len(COLOURS)]}"><title>{tip}</title></rect>')
                x += w
        parts.append(_text(x + 6, y + _ROW / 2, f"{sum(values)} 个"))
    parts.append("</svg>")
    return "".join(parts)
