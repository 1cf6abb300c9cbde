"""The cost-against-latency plot of `hangar size --peak-rps ... --plot FILE`: one colour per series, each series' front joined."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hangar.cli import plot

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
X_AXIS = plot.Axis("time per output token at the operating point, ms", estimate=True, pad=1.2)
Y_AXIS = plot.Axis("$ per month at peak", prefix="$")


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


def chart(points: Sequence[Point], title: str, subtitle: str) -> plot.Chart:
    """$/month at peak (log) against time per output token (log), one colour per series, each series' front joined."""
    series = list(dict.fromkeys(p.series for p in points))
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    best = front(points)
    return plot.Chart(
        title,
        subtitle,
        X_AXIS,
        Y_AXIS,
        dots=[plot.Dot(p.tpot_ms, p.usd_per_month, colours[p.series], f"{p.series}: {p.label}, ${p.usd_per_month:,.0f}/month, TPOT {p.tpot_ms:,.1f} ms")
              for p in points],  # fmt: skip
        lines=[plot.Line(tuple((p.tpot_ms, p.usd_per_month) for p in best if p.series == name), colours[name]) for name in series],
        legend=[plot.LegendEntry(name, colours[name]) for name in series],
        empty="no priced option carries this traffic",
    )


def write(points: Sequence[Point], path: Path, title: str, subtitle: str) -> None:
    plot.write(chart(points, title, subtitle), path)
