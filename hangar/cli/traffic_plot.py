"""The cost-against-latency plot of `hangar size --peak-rps ... --plot FILE`: SVG by hand, PNG with matplotlib (the `plot` extra)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hangar.cli.app import fail

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


@dataclass(frozen=True)
class Point:
    series: str
    """What the colour stands for: the model (comparison) or the cloud."""
    tpot_ms: float
    usd_per_month: float
    label: str


def front(points: Sequence[Point]) -> list[Point]:
    """Points no other point of the same series beats on both cost and latency, by latency."""
    kept = [p for p in points if not any(q is not p and q.series == p.series and q.usd_per_month <= p.usd_per_month and q.tpot_ms <= p.tpot_ms
                                         and (q.usd_per_month < p.usd_per_month or q.tpot_ms < p.tpot_ms) for q in points)]  # fmt: skip
    return sorted(kept, key=lambda p: (p.series, p.tpot_ms))


def write(points: Sequence[Point], path: Path, title: str, subtitle: str) -> None:
    if path.suffix.lower() == ".png":
        _png(points, path, title, subtitle)
    else:
        path.write_text(svg(points, title, subtitle), encoding="utf-8")


def _ticks(low: float, high: float) -> list[float]:
    """Log-axis ticks: 1-2-5 per decade, finer when the axis spans less than one."""
    mantissas = (1, 2, 5) if high / low > 10 else (1, 1.5, 2, 3, 5, 7)
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        ticks += [m * 10**exponent for m in mantissas if low <= m * 10**exponent <= high]
    return ticks


def _short(value: float) -> str:
    return f"{value / 1e6:g}M" if value >= 1e6 else f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"


def svg(points: Sequence[Point], title: str, subtitle: str, width: int = 960, height: int = 600) -> str:
    """A self-contained SVG: $/month at peak (log) against time per output token (log), one colour per series, each series' front joined."""
    left, right, top, bottom = 90, 230, 72, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">{html.escape(title)}</text>',
    ]
    head, _, tail = subtitle.partition("; ")
    for index, line in enumerate((head, tail) if len(subtitle) > 110 and tail else (subtitle,)):
        parts.append(f'<text x="{width / 2}" y="{42 + 14 * index}" text-anchor="middle" font-size="11" fill="#555">{html.escape(line)}</text>')
    if not points:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no priced option carries this traffic</text></svg>')
        return "\n".join(parts)
    xs, ys = [p.tpot_ms for p in points], [p.usd_per_month for p in points]
    x_low, x_high, y_low, y_high = min(xs) / 1.2, max(xs) * 1.2, min(ys) / 1.3, max(ys) * 1.3

    def sx(v: float) -> float:
        return left + (math.log10(v) - math.log10(x_low)) / (math.log10(x_high) - math.log10(x_low)) * plot_w

    def sy(v: float) -> float:
        return top + plot_h - (math.log10(v) - math.log10(y_low)) / (math.log10(y_high) - math.log10(y_low)) * plot_h

    parts.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    for tick in _ticks(x_low, x_high):
        parts.append(f'<line x1="{sx(tick):.1f}" y1="{top}" x2="{sx(tick):.1f}" y2="{top + plot_h}" stroke="#eee"/>'
                     f'<text x="{sx(tick):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{_short(tick)}</text>')  # fmt: skip
    for tick in _ticks(y_low, y_high):
        parts.append(f'<line x1="{left}" y1="{sy(tick):.1f}" x2="{left + plot_w}" y2="{sy(tick):.1f}" stroke="#eee"/>'
                     f'<text x="{left - 8}" y="{sy(tick) + 4:.1f}" text-anchor="end">${_short(tick)}</text>')  # fmt: skip
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 25}" text-anchor="middle">time per output token at the operating point, ms (log; ESTIMATE)</text>')
    parts.append(f'<text transform="translate(22 {top + plot_h / 2}) rotate(-90)" text-anchor="middle">$ per month at peak (log)</text>')
    series = list(dict.fromkeys(p.series for p in points))
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    best = front(points)
    for name in series:
        line = [p for p in best if p.series == name]
        if len(line) > 1:
            path = " ".join(f"{'M' if i == 0 else 'L'}{sx(p.tpot_ms):.1f},{sy(p.usd_per_month):.1f}" for i, p in enumerate(line))
            parts.append(f'<path d="{path}" fill="none" stroke="{colours[name]}" stroke-width="1.5" stroke-dasharray="5 3"/>')
    for p in points:
        tip = html.escape(f"{p.series}: {p.label}, ${p.usd_per_month:,.0f}/month, TPOT {p.tpot_ms:,.1f} ms")
        parts.append(f'<circle cx="{sx(p.tpot_ms):.1f}" cy="{sy(p.usd_per_month):.1f}" r="4" fill="{colours[p.series]}" stroke="white" '
                     f'stroke-width="0.5"><title>{tip}</title></circle>')  # fmt: skip
    for index, name in enumerate(series):
        y = top + 10 + index * 18
        parts.append(f'<circle cx="{left + plot_w + 16}" cy="{y}" r="5" fill="{colours[name]}"/>'
                     f'<text x="{left + plot_w + 26}" y="{y + 4}" font-size="11">{html.escape(name)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "\n".join(parts)


def _png(points: Sequence[Point], path: Path, title: str, subtitle: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise fail(["--plot FILE.png needs matplotlib: pip install 'hangar-llm[plot]' (or write an .svg, which needs nothing)"])
    figure, axes = plt.subplots(figsize=(10, 6.25), dpi=120)
    series = list(dict.fromkeys(p.series for p in points))
    best = front(points)
    for index, name in enumerate(series):
        mine = [p for p in points if p.series == name]
        colour = PALETTE[index % len(PALETTE)]
        axes.scatter([p.tpot_ms for p in mine], [p.usd_per_month for p in mine], s=18, c=colour, label=name, zorder=2)
        line = [p for p in best if p.series == name]
        axes.plot([p.tpot_ms for p in line], [p.usd_per_month for p in line], "--", color=colour, linewidth=1, zorder=1)
    if points:
        axes.set_xscale("log")
        axes.set_yscale("log")
    axes.set_xlabel("time per output token at the operating point, ms (ESTIMATE)")
    axes.set_ylabel("$ per month at peak")
    axes.set_title(f"{title}\n{subtitle}", fontsize=9)
    axes.grid(True, which="both", alpha=0.3)
    if series:
        axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
