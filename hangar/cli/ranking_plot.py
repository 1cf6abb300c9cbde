"""The plot of `hangar size --plot FILE` without traffic: cost against estimated throughput for every priced option, the Pareto front marked."""

from __future__ import annotations

import html
import math
from pathlib import Path

from hangar.cli.app import fail
from hangar.sizing import Option, Ranking, pareto_front

CLOUD_COLOURS = {"aws": "#ff9900", "gcp": "#4285f4", "azure": "#8e44ad", "onprem": "#6a737d"}


def write_plot(ranking: Ranking, path: Path) -> None:
    """Cost ($/month) against estimated node throughput for every priced option, the Pareto front marked."""
    if path.suffix.lower() == ".png":
        _write_png(ranking, path)
    else:
        path.write_text(render_svg(ranking), encoding="utf-8")


def _plottable(ranking: Ranking) -> list[Option]:
    return [o for o in ranking.feasible if o.usd_per_month is not None and o.node_decode_tokens_per_s]


def _label(o: Option) -> str:
    return f"{o.instance_type} {o.precision} TP{o.tensor_parallel}"


def _front_labels(front: list[Option]) -> list[tuple[Option, str]]:
    """One label per point of the front: options of one machine and precision that differ only in TP share it."""
    groups: dict[tuple, list[Option]] = {}
    for o in front:
        groups.setdefault((o.cloud, o.instance_type, o.precision, o.usd_per_month, o.node_decode_tokens_per_s), []).append(o)
    return [(members[0], f"{members[0].instance_type} {members[0].precision} TP{'/'.join(str(m.tensor_parallel) for m in members)}")
            for members in groups.values()]


def _log_ticks(low: float, high: float) -> list[float]:
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10**exponent
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _tick_text(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def render_svg(ranking: Ranking, width: int = 960, height: int = 600) -> str:
    """A self-contained SVG: log-log axes, one dot per option (colour = cloud), the Pareto front as a line."""
    points = _plottable(ranking)
    front = pareto_front(points)
    front_ids = {id(o) for o in front}
    left, right, top, bottom = 90, 40, 64, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    title = html.escape(f"{ranking.model.hf_id}: cost against throughput")
    subtitle = html.escape(
        f"{len(points)} priced options; {', '.join(ranking.precisions) or 'every precision'}; {ranking.max_context_tokens:,}-token context x "
        f"{ranking.concurrent_sequences} sequences; {'spot' if ranking.spot else 'on-demand'} list prices; throughput is an ESTIMATE"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">{title}</text>',
        f'<text x="{width / 2}" y="44" text-anchor="middle" font-size="11" fill="#555">{subtitle}</text>',
    ]
    if not points:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no option with a known price and throughput</text></svg>')
        return "\n".join(parts)
    xs = [o.node_decode_tokens_per_s for o in points]
    ys = [o.usd_per_month for o in points]
    x_low, x_high = min(xs) / 1.3, max(xs) * 1.3
    y_low, y_high = min(ys) / 1.3, max(ys) * 1.3

    def sx(value: float) -> float:
        return left + (math.log10(value) - math.log10(x_low)) / (math.log10(x_high) - math.log10(x_low)) * plot_w

    def sy(value: float) -> float:
        return top + plot_h - (math.log10(value) - math.log10(y_low)) / (math.log10(y_high) - math.log10(y_low)) * plot_h

    parts.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    for tick in _log_ticks(x_low, x_high):
        x = sx(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#eee"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle">{_tick_text(tick)}</text>')
    for tick in _log_ticks(y_low, y_high):
        y = sy(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">${_tick_text(tick)}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 25}" text-anchor="middle">estimated output tokens/s per node (log scale, ESTIMATE)</text>')
    parts.append(f'<text transform="translate(22 {top + plot_h / 2}) rotate(-90)" text-anchor="middle">$ per month (log scale)</text>')
    if len(front) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{sx(o.node_decode_tokens_per_s):.1f},{sy(o.usd_per_month):.1f}" for i, o in enumerate(front))
        parts.append(f'<path d="{path}" fill="none" stroke="#d62728" stroke-width="2" stroke-dasharray="6 3"/>')
    for o in points:
        colour = CLOUD_COLOURS.get(o.cloud, "#999")
        on_front = id(o) in front_ids
        tip = html.escape(f"{o.cloud} {_label(o)}: ${o.usd_per_month:,.0f}/month, ~{o.node_decode_tokens_per_s:,.0f} tok/s")
        ring = ' stroke="#d62728" stroke-width="2.5"' if on_front else ' stroke="white" stroke-width="0.5"'
        parts.append(
            f'<circle cx="{sx(o.node_decode_tokens_per_s):.1f}" cy="{sy(o.usd_per_month):.1f}" r="{6 if on_front else 4}" fill="{colour}"{ring}>'
            f"<title>{tip}</title></circle>"
        )
    for o, label in _front_labels(front):
        x, y = sx(o.node_decode_tokens_per_s), sy(o.usd_per_month)
        anchor, dx = ("end", -9) if x > left + plot_w * 0.7 else ("start", 9)
        parts.append(f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="10" fill="#d62728">{html.escape(label)}</text>')
    legend_y = top + 14
    for index, (cloud, colour) in enumerate(CLOUD_COLOURS.items()):
        if any(o.cloud == cloud for o in points):
            parts.append(f'<circle cx="{left + 14}" cy="{legend_y}" r="5" fill="{colour}"/><text x="{left + 24}" y="{legend_y + 4}">{cloud}</text>')
            legend_y += 16
    parts.append(
        f'<line x1="{left + 8}" y1="{legend_y}" x2="{left + 22}" y2="{legend_y}" stroke="#d62728" stroke-width="2" stroke-dasharray="6 3"/>'
        f'<text x="{left + 24}" y="{legend_y + 4}">Pareto front (cheapest for its throughput)</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _write_png(ranking: Ranking, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise fail(["--plot FILE.png needs matplotlib: pip install 'hangar-llm[plot]' (or write an .svg, which needs nothing)"])
    points = _plottable(ranking)
    front = pareto_front(points)
    figure, axes = plt.subplots(figsize=(10, 6.25), dpi=120)
    for cloud, colour in CLOUD_COLOURS.items():
        mine = [o for o in points if o.cloud == cloud]
        if mine:
            axes.scatter([o.node_decode_tokens_per_s for o in mine], [o.usd_per_month for o in mine], s=22, c=colour, label=cloud, zorder=2)
    if front:
        axes.plot([o.node_decode_tokens_per_s for o in front], [o.usd_per_month for o in front], "--o", color="#d62728",
                  markerfacecolor="none", markersize=9, label="Pareto front", zorder=3)
        for o, label in _front_labels(front):
            axes.annotate(label, (o.node_decode_tokens_per_s, o.usd_per_month), textcoords="offset points", xytext=(6, 6), fontsize=7, color="#d62728")
    if points:
        from matplotlib.ticker import FuncFormatter

        axes.set_xscale("log")
        axes.set_yscale("log")
        for axis, prefix in ((axes.xaxis, ""), (axes.yaxis, "$")):
            axis.set_major_formatter(FuncFormatter(lambda value, _, prefix=prefix: prefix + _tick_text(value)))
            axis.set_minor_formatter(FuncFormatter(lambda value, _, prefix=prefix: prefix + _tick_text(value) if str(value)[0] in "25" else ""))
    axes.set_xlabel("estimated output tokens/s per node (ESTIMATE)")
    axes.set_ylabel("$ per month")
    axes.set_title(f"{ranking.model.hf_id}: cost vs throughput ({ranking.max_context_tokens:,} tokens x {ranking.concurrent_sequences} sequences)", fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
