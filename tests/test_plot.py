"""The one plot renderer behind `hangar size --plot`: log ticks, the frame, the legend beside the plot, the empty plot."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hangar.cli import plot

SVG = "{http://www.w3.org/2000/svg}"


def chart(**changes) -> plot.Chart:
    fields = {
        "title": "t",
        "subtitle": "one line",
        "x": plot.Axis("tokens/s", estimate=True),
        "y": plot.Axis("$ per month", prefix="$"),
        "dots": [plot.Dot(100, 5_000, "#111", "cheap"), plot.Dot(2_000, 80_000, "#222", "fast", marked=True)],
        "lines": [plot.Line(((100, 5_000), (2_000, 80_000)), "#d62728")],
        "labels": [plot.Label(2_000, 80_000, "p5 fp8", "#d62728")],
        "legend": [plot.LegendEntry("aws", "#111"), plot.LegendEntry("Pareto front (cheapest for its throughput)", "#d62728", line=True)],
    }
    return plot.Chart(**{**fields, **changes})


def test_ticks_are_1_2_5_per_decade_and_finer_on_a_short_axis():
    assert plot.ticks(40, 3_000) == [50, 100, 200, 500, 1000, 2000]
    assert plot.ticks(40, 120) == [50, 70, 100]
    assert [plot.tick_text(v, "$") for v in (500, 1_500, 2_000_000)] == ["$500", "$1.5k", "$2M"]


def test_the_svg_has_log_axes_named_as_estimates_where_they_are():
    svg = plot.svg(chart())
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "tokens/s (log scale, ESTIMATE)" in texts and "$ per month (log scale)" in texts
    assert {"$5k", "$10k", "$50k"} <= set(texts) and {"100", "1k", "2k"} <= set(texts)
    circles = list(root.iter(f"{SVG}circle"))
    assert [c.get("r") for c in circles] == ["4", "6", "5"]  # a dot, a marked dot ringed, the legend's dot
    assert circles[1].get("stroke") == "#d62728" and circles[1].find(f"{SVG}title").text == "fast"
    assert "p5 fp8" in texts and len(list(root.iter(f"{SVG}path"))) == 1


def test_the_legend_stands_right_of_the_plot_and_the_plot_narrows_for_long_entries():
    def frame_right(svg: str) -> float:
        frame = next(r for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("stroke") == "#333")
        return float(frame.get("x")) + float(frame.get("width"))

    wide, narrow = plot.svg(chart()), plot.svg(chart(legend=[plot.LegendEntry("aws", "#111")]))
    assert frame_right(wide) < frame_right(narrow)
    legend_x = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="11">', wide)]
    assert len(legend_x) == 2 and min(legend_x) > frame_right(wide)


def test_a_long_subtitle_breaks_in_two_lines_and_an_empty_plot_says_why():
    long = "first part of the subtitle, long enough; " + "second part " * 8
    assert chart(subtitle=long).subtitle_lines() == ("first part of the subtitle, long enough", "second part " * 8)
    empty = plot.svg(chart(dots=[], subtitle=long, empty="no option with a known price and throughput"))
    texts = [t.text for t in ET.fromstring(empty).iter(f"{SVG}text")]
    assert texts == ["t", "first part of the subtitle, long enough", "second part " * 8, "no option with a known price and throughput"]
