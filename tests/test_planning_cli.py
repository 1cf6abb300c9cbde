"""`hangar size`, `hangar cost` and `hangar catalog ...` as a user runs them: output, JSON, plots, exit codes."""

from __future__ import annotations

import importlib.util
import json

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.sizing import rank_options
from tests.conftest import EXAMPLE_STACKS, ROOT

runner = CliRunner()
CAT = load_catalog()
WIDE = {"COLUMNS": "220"}


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env=WIDE)


# --- hangar size ----------------------------------------------------------------------------------------------


def test_size_llama_70b_fp8():
    result = run("size", "meta-llama/Llama-3.1-70B-Instruct", "--precision", "fp8")
    assert result.exit_code == 0, result.output
    text = result.stdout
    ranking = rank_options("meta-llama/Llama-3.1-70B-Instruct", CAT, precisions=["fp8"])
    best = ranking.best
    assert f"{len(ranking.feasible)} feasible options, ranked by $/month" in text
    first_row = next(line for line in text.splitlines() if line.lstrip("│ ").startswith("1 "))
    assert best.instance_type in first_row and "fp8" in first_row and f"{best.usd_per_month:,.0f}" in first_row
    assert f"best: {best.cloud} {best.instance_type}" in text
    for part in ("weights", "KV cache to start", "overhead (ESTIMATE)", "usable", "KV cache budget", "capacity", "throughput ESTIMATE",
                 "$ per million output tokens"):
        assert part in text
    # fp8 weights (70.55B parameters from its config.json, its 2.1B-parameter embedding and head in 16 bits = 67.7 GiB)
    # and the KV cache of ONE 8,192-token sequence at 320 KiB/token
    assert "67.7" in text and "2.50" in text and "ONE sequence of 8,192 tokens" in text
    assert "--why-not" in text and "A100" not in first_row


def test_size_as_json_matches_the_library():
    result = run("size", "meta-llama/Llama-3.1-70B-Instruct", "--precision", "fp8", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    ranking = rank_options("meta-llama/Llama-3.1-70B-Instruct", CAT, precisions=["fp8"])
    assert document["best"]["instance_type"] == ranking.best.instance_type
    assert len(document["feasible"]) == len(ranking.feasible) and len(document["infeasible"]) == len(ranking.infeasible)
    embeddings = 2 * 128_256 * 8192  # embed_tokens and lm_head stay 16-bit in fp8
    assert document["best"]["memory"]["weights_gib"] == pytest.approx((70.552e9 + embeddings) / 2**30)
    assert document["best"]["throughput"]["label"] == "ESTIMATE"
    assert document["pareto_front"]
    unknown = [o for o in document["feasible"] if o["instance_type"] == "p5e.48xlarge"]
    assert unknown and all(o["usd_per_hour"] is None for o in unknown)  # unknown, never 0


def test_size_why_not_gives_reasons():
    result = run("size", "meta-llama/Llama-3.1-70B-Instruct", "--precision", "fp8", "--why-not", "--cloud", "aws")
    assert result.exit_code == 0
    assert "cannot serve it" in result.stdout
    assert "no native fp8" in result.stdout  # A100 / A10G / T4 / V100
    assert "needs more than one node" in result.stdout  # g6.xlarge: one L4
    assert "gcp" not in result.stdout.split("cannot serve it")[1]


def test_size_filters_and_options():
    result = run("size", "Qwen/Qwen2.5-7B-Instruct", "-p", "bf16,fp8", "--cloud", "gcp", "--spot", "--context", "16384", "--concurrency", "8",
                 "--kv-cache-dtype", "fp8", "--sort", "tokens", "--limit", "0", "--no-tpus")
    assert result.exit_code == 0, result.output
    assert "spot prices" in result.stdout and "ranked by $ per million output tokens" in result.stdout
    assert "ct5lp" not in result.stdout and "aws" not in result.stdout.split("notes")[0]


def test_size_of_a_model_that_fits_nowhere():
    result = run("size", "moonshotai/Kimi-K2-Instruct", "--cloud", "gcp", "--context", "131072", "--why-not")
    assert result.exit_code == 0
    assert "no feasible option" in result.stdout and "needs more than one node" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("size", "meta-llama/Llama-3.1-70b"), "unknown model 'meta-llama/Llama-3.1-70b'"),
        (("size", "Qwen/Qwen2.5-7B-Instruct", "-p", "int3"), "--precision: unknown precision 'int3'"),
        (("size", "Qwen/Qwen2.5-7B-Instruct", "--context", "65536"), "exceeds Qwen/Qwen2.5-7B-Instruct's maximum context of 32,768"),
        (("size", "Qwen/Qwen2.5-7B-Instruct", "--cloud", "oracle"), "--cloud: unknown cloud 'oracle'"),
        (("size", "Qwen/Qwen2.5-7B-Instruct", "--plot", "x.pdf"), "must end in .svg or .png"),
    ],
)
def test_size_bad_input_exits_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_size_plot_svg_marks_the_pareto_front(tmp_path):
    path = tmp_path / "llama.svg"
    result = run("size", "meta-llama/Llama-3.1-70B-Instruct", "-p", "fp8,bf16", "--plot", str(path))
    assert result.exit_code == 0, result.output
    svg = path.read_text()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "Pareto front" in svg and "stroke-dasharray" in svg
    assert svg.count("<circle") >= 10 and "ESTIMATE" in svg
    import xml.etree.ElementTree as ET

    ET.fromstring(svg)  # well-formed


def test_size_plot_png(tmp_path):
    path = tmp_path / "llama.png"
    result = run("size", "meta-llama/Llama-3.1-70B-Instruct", "-p", "fp8", "--plot", str(path))
    if importlib.util.find_spec("matplotlib") is None:
        assert result.exit_code == 2 and "needs matplotlib" in result.stderr and "hangar-llm[plot]" in result.stderr
    else:
        assert result.exit_code == 0 and path.read_bytes().startswith(b"\x89PNG")


# --- hangar cost ------------------------------------------------------------------------------------------------


def test_cost_eks_prod():
    result = run("cost", "eks-prod", "-C", str(ROOT))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "p5.48xlarge (8 x H100-SXM)" in text and "m6i.large" in text
    assert "55.0400" in text and "1-2" in text and "2-3" in text
    total_max = (2 * 55.04 + 3 * 0.096) * 720
    assert f"{total_max:,.0f}" in text
    assert "budget: ceiling 90,000 $/month" in text and "within" in text
    assert "karpenter-provider-aws" in text and "as of 2026-01-19" in text


def test_cost_as_json():
    result = run("cost", "eks-prod", "-C", str(ROOT), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["stack"] == "eks-prod" and document["hours_per_month"] == 720
    assert document["totals"]["usd_per_hour_max"] == pytest.approx(2 * 55.04 + 3 * 0.096)
    assert document["budget"]["monthly_ceiling_usd"] == 90000
    assert {line["pool"] for line in document["lines"]} == {"h100", "system"}


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_cost_runs_on_every_example_stack(stack):
    result = run("cost", stack, "-C", str(ROOT))
    assert result.exit_code == 0, result.output
    assert "only compute nodes are priced" in result.stdout


def test_cost_shows_an_unknown_as_unknown():
    result = run("cost", "edge", "-C", str(ROOT))
    assert result.exit_code == 0
    if "l4" in result.stdout:  # the on-prem target plans the pool: no usd_per_gpu_hour in the stack file
        assert "total: unknown" in result.stdout and "usd_per_gpu_hour" in result.stdout
        assert "cannot be judged" in result.stdout


def test_cost_of_a_foreign_program_and_bad_stacks():
    result = run("cost", "dev", "-C", str(ROOT / "tests" / "foreign_program"))
    assert result.exit_code == 0, result.output
    assert "no node pool or machine Hangar can price" in result.stdout
    result = run("cost", "nope", "-C", str(ROOT))
    assert result.exit_code == 2 and "no such stack file" in result.stderr
    result = run("cost", "broken", "-C", str(ROOT / "tests" / "foreign_program"))
    assert result.exit_code == 2 and "stack broken" in result.stderr


def test_cost_of_a_stack_whose_catalog_overrides_hold_a_bad_row_is_one_spec_error_even_after_a_cached_run(tmp_path, monkeypatch):
    """The stack's validation loads its catalog overrides: a bad row is a config error at `catalog_overrides`, before
    anything is planned or priced, and a cost stored while the row was good is not shown once it is bad."""
    from tests.onprem_plans import edge_with_catalog_overrides, price_l4_box

    monkeypatch.setenv("HANGAR_NO_CACHE", "0")
    edge_with_catalog_overrides(tmp_path, "0.75")
    good = run("cost", "edge", "-C", str(tmp_path), "--format", "json")
    assert good.exit_code == 0 and json.loads(good.stdout)["totals"]["usd_per_month_max"] == 0.75 * 720
    assert [path for path in (tmp_path / ".hangar-cache" / "costs").rglob("*") if path.is_file()]  # stored
    price_l4_box(tmp_path, "lots")
    for output_format in ("table", "json"):
        bad = run("cost", "edge", "-C", str(tmp_path), "--format", output_format)
        assert bad.exit_code == 2 and bad.stdout == ""
        (line,) = bad.stderr.splitlines()  # the value given ends it, shortened where the path is long
        assert line.startswith(
            f"error: {tmp_path}/stacks/Pulumi.edge.yaml: hangar:environment.catalog_overrides: {tmp_path}/our-catalog/instances.csv: row 1, "
            "column 'price_ondemand_usd_hr': 'lots': Input should be a valid number, unable to parse string as a number; a price is a positive "
            f"number of USD, or an empty cell when unknown; got '{tmp_path}/"
        ), line

# --- hangar catalog --------------------------------------------------------------------------------------------


def test_catalog_gpus():
    result = run("catalog", "gpus", "--fp8")
    assert result.exit_code == 0
    assert "H100-SXM" in result.stdout and "A100-80GB" not in result.stdout and "as_of" in result.stdout
    document = json.loads(run("catalog", "gpus", "--vendor", "nvidia", "--format", "json").stdout)
    assert {g["name"] for g in document} >= {"H100-SXM", "L4"} and "MI300X" not in {g["name"] for g in document}
    assert all(g["source"] and g["as_of"] for g in document)


def test_catalog_instances_filters():
    result = run("catalog", "instances", "--cloud", "aws", "--family", "p5")
    assert result.exit_code == 0
    assert "p5.48xlarge" in result.stdout and "g6e" not in result.stdout and "karpenter" in result.stdout
    document = json.loads(run("catalog", "instances", "--gpu", "L4", "--gpus", "8", "--format", "json").stdout)
    assert {r["instance_type"] for r in document} == {"g6.48xlarge", "g2-standard-96"}
    cpu = json.loads(run("catalog", "instances", "--cloud", "gcp", "--cpu", "--family", "e2", "--format", "json").stdout)
    assert [r["instance_type"] for r in cpu] == ["e2-standard-4"] and cpu[0]["gpu"] is None
    bad = run("catalog", "instances", "--gpu", "H100")
    assert bad.exit_code == 2 and "H100-SXM" in bad.stderr


def test_catalog_tpus_models_licences():
    result = run("catalog", "tpus", "--generation", "v5e")
    assert result.exit_code == 0 and "ct5lp-hightpu-8t" in result.stdout and "ct6e" not in result.stdout
    assert run("catalog", "tpus", "--generation", "v9").exit_code == 2
    models = json.loads(run("catalog", "models", "--family", "llama", "--format", "json").stdout)
    assert "meta-llama/Llama-3.1-70B-Instruct" in {m["hf_id"] for m in models} and all("llama" in m["family"].lower() for m in models)
    result = run("catalog", "models", "--search", "phi-4")
    assert result.exit_code == 0 and "microsoft/phi-4" in result.stdout
    licences = json.loads(run("catalog", "licences", "--commercial", "no", "--format", "json").stdout)
    assert licences and all(lic["commercial_use"] == "no" for lic in licences)
    assert run("catalog", "licences", "--commercial", "maybe").exit_code == 2
    result = run("catalog", "licences")
    assert result.exit_code == 0 and "llama-3.1-community" in result.stdout and "700,000,000" in result.stdout


def test_catalog_overrides_option(tmp_path):
    (tmp_path / "instances.csv").write_text(
        "cloud,instance_type,region,gpu,gpu_count,price_ondemand_usd_hr,price_source,as_of,spec_source\n"
        "onprem,dc1-8xh100,fra-dc1,H100-SXM,8,24.0,finance: 3-year amortisation,2026-06-01,vendor quote\n"
    )
    result = run("catalog", "instances", "--cloud", "onprem", "--overrides", str(tmp_path))
    assert result.exit_code == 0 and "dc1-8xh100" in result.stdout
    sized = json.loads(run("size", "meta-llama/Llama-3.1-70B-Instruct", "-p", "fp8", "--cloud", "onprem", "--overrides", str(tmp_path), "-f", "json").stdout)
    assert sized["best"]["instance_type"] == "dc1-8xh100" and sized["best"]["usd_per_hour"] == 24.0
    (tmp_path / "instances.csv").write_text("cloud,instance_type\nonprem,x\n")
    bad = run("catalog", "gpus", "--overrides", str(tmp_path))
    assert bad.exit_code == 2 and "instances.csv" in bad.stderr
