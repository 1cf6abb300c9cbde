"""`hangar size --compare MODEL MODEL ...` and `--plot` with traffic: models side by side, cost against latency (ESTIMATES)."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.sizing.capacity import Demand
from hangar.sizing.compare import compare_models
from hangar.sizing.traffic_ranking import rank_for_traffic

CAT = load_catalog()
runner = CliRunner()
WIDE = {"COLUMNS": "250"}
SMALL, BIG, MOE = "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.3-70B-Instruct", "mistralai/Mixtral-8x7B-Instruct-v0.1"
TRAFFIC = ("--peak-rps", "20", "--prompt-tokens", "1000", "--output-tokens", "300", "--ttft-ms", "1000", "--tpot-ms", "50")


def size(*args: str):
    return runner.invoke(app, ["size", *args], catch_exceptions=False, env=WIDE)


def test_each_model_gets_its_own_cheapest_option_and_the_cheapest_model_comes_first():
    demand = Demand(20, 1000, 300, ttft_ms=1000, tpot_ms=50)
    compared = compare_models([BIG, SMALL, MOE, SMALL], CAT, demand)
    assert [c.model.hf_id for c in compared] == [SMALL, MOE, BIG]  # named twice, compared once; cheapest first
    for c in compared:
        feasible, _ = rank_for_traffic(c.model, CAT, demand)
        assert c.best == next(t for t in feasible if t.plan.usd_per_month_at_peak is not None)
        assert c.best.plan.tpot_ms <= 50 and c.best.plan.ttft_ms <= 1000
    costs = [c.best.plan.usd_per_month_at_peak for c in compared]
    assert costs == sorted(costs)
    per_million = compared[0].usd_per_million_tokens_at_peak(demand)
    assert per_million == costs[0] / (20 * 1300 * 720 * 3600) * 1e6


def test_a_model_nothing_carries_is_listed_last_with_no_price():
    demand = Demand(20, 1000, 300, tpot_ms=3)  # 3 ms per token: the 8B model decodes that fast somewhere, the 70B nowhere
    compared = compare_models([BIG, SMALL], CAT, demand)
    assert [c.model.hf_id for c in compared] == [SMALL, BIG]
    assert compared[0].best is not None
    assert compared[1].best is None and compared[1].options == () and compared[1].rejected > 0
    assert compared[1].usd_per_million_tokens_at_peak(demand) is None
    result = size("--compare", BIG, SMALL, *TRAFFIC[:6], "--tpot-ms", "3")
    assert result.exit_code == 0, result.output
    last = [line for line in result.output.splitlines() if line.startswith("│")][-1]
    assert BIG in last and "cannot carry it" in last


def test_compare_table_puts_the_models_side_by_side():
    result = size("--compare", BIG, SMALL, *TRAFFIC)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2 models at 20 requests/s peak, 1,000 prompt + 300 output tokens per request, p95 TTFT 1000 ms, p95 TPOT 50 ms")
    assert "median error" in lines[0] and "published measurements" in lines[0]
    rows = [line for line in lines if line.startswith("│")]
    assert SMALL in rows[0] and "1.0x" in rows[0]
    assert BIG in rows[1] and re.search(r"\d+\.\dx", rows[1])


def test_compare_json_lists_each_model_with_hardware_and_money():
    result = size("--compare", SMALL, MOE, *TRAFFIC, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["label"] == "ESTIMATE" and document["error"]["TPOT"]["rows"] > 0
    first = document["models"][0]
    assert first["model"] == SMALL and first["carried"] is True
    assert {"cloud", "instance_type", "precision", "tensor_parallel", "replicas", "nodes"} <= set(first["best"])
    assert first["usd_per_month"] == first["best"]["usd_per_month"] and first["usd_per_million_tokens_at_peak"] > 0


def test_several_models_need_compare_and_compare_needs_traffic():
    result = size(SMALL, BIG, *TRAFFIC)
    assert result.exit_code == 2
    assert result.output.strip() == f"error: give one MODEL, or --compare to put 2 models side by side (got {SMALL} {BIG})"
    result = size("--compare", SMALL, BIG)
    assert result.exit_code == 2
    assert result.output.strip() == "error: --compare: needs the traffic to compare at: --peak-rps, --prompt-tokens and --output-tokens"


def test_an_unknown_model_in_a_comparison_is_named():
    result = size("--compare", SMALL, "acme/nope", *TRAFFIC)
    assert result.exit_code == 2
    assert "acme/nope" in result.output and "Traceback" not in result.output


def test_the_plot_draws_cost_against_latency_for_every_priced_option(tmp_path):
    path = tmp_path / "cost.svg"
    result = size("--compare", SMALL, BIG, *TRAFFIC, "--plot", str(path))
    assert result.exit_code == 0, result.output
    assert f"plot written to {path}" in result.output.replace("\n", "")
    svg = path.read_text()
    demand = Demand(20, 1000, 300, ttft_ms=1000, tpot_ms=50)
    priced = sum(1 for c in compare_models([SMALL, BIG], CAT, demand) for t in c.options if t.plan.usd_per_month_at_peak is not None)
    assert svg.count("<circle") == priced + 2  # every option, and one legend dot per model
    assert "time per output token" in svg and "$ per month at peak" in svg
    assert SMALL in svg and BIG in svg


def test_one_models_plot_colours_by_cloud(tmp_path):
    path = tmp_path / "one.svg"
    result = size(SMALL, *TRAFFIC, "--plot", str(path))
    assert result.exit_code == 0, result.output
    svg = path.read_text()
    assert ">aws</text>" in svg and ">gcp</text>" in svg


def test_a_png_plot_needs_the_plot_extra_or_says_so(tmp_path):
    result = size(SMALL, *TRAFFIC, "--plot", str(tmp_path / "cost.png"))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert result.exit_code == 2
        assert "--plot FILE.png needs matplotlib: pip install 'hangar-llm[plot]'" in result.output
    else:
        assert result.exit_code == 0 and (tmp_path / "cost.png").read_bytes().startswith(b"\x89PNG")


def test_a_plot_file_must_be_svg_or_png(tmp_path):
    result = size(SMALL, *TRAFFIC, "--plot", str(tmp_path / "cost.pdf"))
    assert result.exit_code == 2
    assert f"--plot: '{tmp_path / 'cost.pdf'}' must end in .svg or .png" in result.output
