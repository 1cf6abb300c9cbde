"""The plot of `hangar size --plot FILE` without traffic: cost against estimated throughput for every priced option, the Pareto front marked."""

from __future__ import annotations

from pathlib import Path

from hangar.cli import plot
from hangar.sizing import Option, Ranking, pareto_front

CLOUD_COLOURS = {"aws": "#ff9900", "gcp": "#4285f4", "azure": "#8e44ad", "onprem": "#6a737d"}
FRONT_COLOUR = "#d62728"
X_AXIS = plot.Axis("estimated output tokens/s per node", estimate=True)
Y_AXIS = plot.Axis("$ per month", prefix="$")


def write_plot(ranking: Ranking, path: Path) -> None:
    """Cost ($/month) against estimated node throughput for every priced option, the Pareto front marked."""
    plot.write(chart(ranking), path)


def _plottable(ranking: Ranking) -> list[Option]:
    return [o for o in ranking.feasible if o.usd_per_month is not None and o.node_decode_tokens_per_s]


def _front_labels(front: list[Option]) -> list[tuple[Option, str]]:
    """One label per point of the front: options of one machine and precision that differ only in TP share it."""
    groups: dict[tuple, list[Option]] = {}
    for o in front:
        groups.setdefault((o.cloud, o.instance_type, o.precision, o.usd_per_month, o.node_decode_tokens_per_s), []).append(o)
    return [(members[0], f"{members[0].instance_type} {members[0].precision} TP{'/'.join(str(m.tensor_parallel) for m in members)}")
            for members in groups.values()]


def chart(ranking: Ranking) -> plot.Chart:
    """One dot per priced option (colour = cloud), the Pareto front ringed, joined and labelled."""
    points = _plottable(ranking)
    front = pareto_front(points)
    front_ids = {id(o) for o in front}
    subtitle = (
        f"{len(points)} priced options; {', '.join(ranking.precisions) or 'every precision'}; {ranking.max_context_tokens:,}-token context x "
        f"{ranking.concurrent_sequences} sequences; {'spot' if ranking.spot else 'on-demand'} list prices; throughput is an ESTIMATE"
    )
    dots = [
        plot.Dot(o.node_decode_tokens_per_s, o.usd_per_month, CLOUD_COLOURS.get(o.cloud, "#999"),
                 f"{o.cloud} {o.instance_type} {o.precision} TP{o.tensor_parallel}: ${o.usd_per_month:,.0f}/month, ~{o.node_decode_tokens_per_s:,.0f} tok/s",
                 marked=id(o) in front_ids)
        for o in points
    ]  # fmt: skip
    clouds = [plot.LegendEntry(cloud, colour) for cloud, colour in CLOUD_COLOURS.items() if any(o.cloud == cloud for o in points)]
    return plot.Chart(
        f"{ranking.model.hf_id}: cost against throughput",
        subtitle,
        X_AXIS,
        Y_AXIS,
        dots=dots,
        lines=[plot.Line(tuple((o.node_decode_tokens_per_s, o.usd_per_month) for o in front), FRONT_COLOUR, width=2)],
        labels=[plot.Label(o.node_decode_tokens_per_s, o.usd_per_month, label, FRONT_COLOUR) for o, label in _front_labels(front)],
        legend=[*clouds, plot.LegendEntry("Pareto front (cheapest for its throughput)", FRONT_COLOUR, line=True)] if points else [],
        empty="no option with a known price and throughput",
        ring=FRONT_COLOUR,
    )
