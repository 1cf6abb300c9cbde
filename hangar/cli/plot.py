"""One log-log scatter renderer for `hangar size --plot`: a `Chart` drawn as SVG by hand or as PNG with matplotlib (the `plot` extra).

The plots (cost against throughput, cost against latency) only say what to draw — axes, dots, lines,
labels, legend — so both share one frame, one tick scheme and one legend layout.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hangar.cli.app import fail

FRONT_DASH = "6 3"


@dataclass(frozen=True)
class Axis:
    """A logarithmic axis: its name, whether its values are estimates, and the prefix of its tick labels ("$")."""

    name: str
    estimate: bool = False
    prefix: str = ""
    pad: float = 1.3
    """The data range is widened by this factor each way, so no dot sits on the frame."""

    def svg_label(self) -> str:
        return f"{self.name} (log scale{', ESTIMATE' if self.estimate else ''})"

    def png_label(self) -> str:
        return f"{self.name}{' (ESTIMATE)' if self.estimate else ''}"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    colour: str
    tip: str
    """The hover text (SVG `<title>`)."""
    marked: bool = False
    """On a front: drawn larger, ringed in the front's colour."""


@dataclass(frozen=True)
class Line:
    """A dashed line through points in order, e.g. a Pareto front."""

    points: tuple[tuple[float, float], ...]
    colour: str
    width: float = 1.5


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    colour: str


@dataclass(frozen=True)
class LegendEntry:
    text: str
    colour: str
    line: bool = False
    """A dashed line sample instead of a dot."""


@dataclass(frozen=True)
class Chart:
    title: str
    subtitle: str
    x: Axis
    y: Axis
    dots: Sequence[Dot]
    lines: Sequence[Line] = ()
    labels: Sequence[Label] = ()
    legend: Sequence[LegendEntry] = ()
    empty: str = "nothing to plot"
    """What an SVG without dots says instead."""
    ring: str = "#d62728"
    """The ring colour of marked dots."""

    def subtitle_lines(self) -> tuple[str, ...]:
        """A long subtitle breaks at its first "; " into two lines."""
        head, _, tail = self.subtitle.partition("; ")
        return (head, tail) if len(self.subtitle) > 110 and tail else (self.subtitle,)


def write(chart: Chart, path: Path) -> None:
    """PNG for a `.png` path (needs matplotlib), SVG otherwise."""
    if path.suffix.lower() == ".png":
        png(chart, path)
    else:
        path.write_text(svg(chart), encoding="utf-8")


def ticks(low: float, high: float) -> list[float]:
    """Log-axis ticks: 1-2-5 per decade, finer when the axis spans less than one."""
    mantissas = (1, 2, 5) if high / low > 10 else (1, 1.5, 2, 3, 5, 7)
    found = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        found += [m * 10**exponent for m in mantissas if low <= m * 10**exponent <= high]
    return found


def tick_text(value: float, prefix: str = "") -> str:
    """A tick label: 1500 -> 1.5k, 2000000 -> 2M."""
    return prefix + (f"{value / 1e6:g}M" if value >= 1e6 else f"{value / 1000:g}k" if value >= 1000 else f"{value:g}")


def svg(chart: Chart, width: int = 960, height: int = 600) -> str:
    """A self-contained SVG: log-log axes with a light grid, the lines, the dots (tips on hover), the labels and a legend on the right."""
    longest = max((len(entry.text) for entry in chart.legend), default=0)
    left, right, top, bottom = 90, max(40, 40 + round(6.2 * longest)), 72, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">{html.escape(chart.title)}</text>',
    ]
    for index, line in enumerate(chart.subtitle_lines()):
        parts.append(f'<text x="{width / 2}" y="{42 + 14 * index}" text-anchor="middle" font-size="11" fill="#555">{html.escape(line)}</text>')
    if not chart.dots:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">{html.escape(chart.empty)}</text></svg>')
        return "\n".join(parts)
    x_low, x_high = _span([d.x for d in chart.dots], chart.x.pad)
    y_low, y_high = _span([d.y for d in chart.dots], chart.y.pad)

    def sx(v: float) -> float:
        return left + (math.log10(v) - math.log10(x_low)) / (math.log10(x_high) - math.log10(x_low)) * plot_w

    def sy(v: float) -> float:
        return top + plot_h - (math.log10(v) - math.log10(y_low)) / (math.log10(y_high) - math.log10(y_low)) * plot_h

    parts.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    for tick in ticks(x_low, x_high):
        parts.append(f'<line x1="{sx(tick):.1f}" y1="{top}" x2="{sx(tick):.1f}" y2="{top + plot_h}" stroke="#eee"/>'
                     f'<text x="{sx(tick):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{tick_text(tick, chart.x.prefix)}</text>')  # fmt: skip
    for tick in ticks(y_low, y_high):
        parts.append(f'<line x1="{left}" y1="{sy(tick):.1f}" x2="{left + plot_w}" y2="{sy(tick):.1f}" stroke="#eee"/>'
                     f'<text x="{left - 8}" y="{sy(tick) + 4:.1f}" text-anchor="end">{tick_text(tick, chart.y.prefix)}</text>')  # fmt: skip
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 25}" text-anchor="middle">{html.escape(chart.x.svg_label())}</text>')
    parts.append(f'<text transform="translate(22 {top + plot_h / 2}) rotate(-90)" text-anchor="middle">{html.escape(chart.y.svg_label())}</text>')
    for line in chart.lines:
        if len(line.points) > 1:
            path = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for i, (x, y) in enumerate(line.points))
            parts.append(f'<path d="{path}" fill="none" stroke="{line.colour}" stroke-width="{line.width:g}" stroke-dasharray="{FRONT_DASH}"/>')
    for dot in chart.dots:
        ring = f' stroke="{chart.ring}" stroke-width="2.5"' if dot.marked else ' stroke="white" stroke-width="0.5"'
        parts.append(f'<circle cx="{sx(dot.x):.1f}" cy="{sy(dot.y):.1f}" r="{6 if dot.marked else 4}" fill="{dot.colour}"{ring}>'
                     f"<title>{html.escape(dot.tip)}</title></circle>")  # fmt: skip
    for label in chart.labels:
        x, y = sx(label.x), sy(label.y)
        anchor, dx = ("end", -9) if x > left + plot_w * 0.7 else ("start", 9)
        parts.append(f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="10" fill="{label.colour}">{html.escape(label.text)}</text>')
    for index, entry in enumerate(chart.legend):
        x, y = left + plot_w + 16, top + 10 + index * 18
        sample = (f'<line x1="{x - 7}" y1="{y}" x2="{x + 7}" y2="{y}" stroke="{entry.colour}" stroke-width="2" stroke-dasharray="{FRONT_DASH}"/>'
                  if entry.line else f'<circle cx="{x}" cy="{y}" r="5" fill="{entry.colour}"/>')  # fmt: skip
        parts.append(f'{sample}<text x="{x + 10}" y="{y + 4}" font-size="11">{html.escape(entry.text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _span(values: list[float], pad: float) -> tuple[float, float]:
    return min(values) / pad, max(values) * pad


def _two_or_five(value: float) -> bool:
    """Whether a minor log tick is a 2 or a 5 of its decade (those are labelled, as in the SVG)."""
    return value > 0 and round(value / 10 ** math.floor(math.log10(value))) in (2, 5)


def png(chart: Chart, path: Path) -> None:
    """The same chart through matplotlib; a one-line error (exit 2) when the `plot` extra is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        raise fail(["--plot FILE.png needs matplotlib: pip install 'hangar-llm[plot]' (or write an .svg, which needs nothing)"])
    figure, axes = plt.subplots(figsize=(10, 6.25), dpi=120)
    for line in chart.lines:
        axes.plot([x for x, _ in line.points], [y for _, y in line.points], "--", color=line.colour, linewidth=line.width, zorder=1)
    for marked in (False, True):
        dots = [d for d in chart.dots if d.marked == marked]
        if dots:
            axes.scatter([d.x for d in dots], [d.y for d in dots], s=40 if marked else 18, c=[d.colour for d in dots],
                         edgecolors=chart.ring if marked else "white", linewidths=1.5 if marked else 0.5, zorder=2)  # fmt: skip
    for label in chart.labels:
        axes.annotate(label.text, (label.x, label.y), textcoords="offset points", xytext=(6, 6), fontsize=7, color=label.colour)
    if chart.dots:
        axes.set_xscale("log")
        axes.set_yscale("log")
        for axis, prefix in ((axes.xaxis, chart.x.prefix), (axes.yaxis, chart.y.prefix)):
            axis.set_major_formatter(FuncFormatter(lambda value, _, prefix=prefix: tick_text(value, prefix)))
            axis.set_minor_formatter(FuncFormatter(lambda value, _, prefix=prefix: tick_text(value, prefix) if _two_or_five(value) else ""))
    axes.set_xlabel(chart.x.png_label())
    axes.set_ylabel(chart.y.png_label())
    axes.set_title("\n".join((chart.title, *chart.subtitle_lines())), fontsize=9)
    axes.grid(True, which="both", alpha=0.3)
    if chart.legend:
        handles = [Line2D([], [], linestyle="--" if e.line else "", marker="" if e.line else "o", color=e.colour, label=e.text) for e in chart.legend]
        axes.legend(handles=handles, fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
