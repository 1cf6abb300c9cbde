"""`hangar size`: every way the catalog offers to serve a model, ranked by cost, with the memory breakdown and a plot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hangar.catalog import CatalogLookupError
from hangar.cli import ranking_plot, traffic_plot
from hangar.cli.app import OutputFormat, app, fail, out
from hangar.cli.formatting import (
    UNKNOWN,
    OverridesOption,
    load_catalog_or_fail,
    money,
    print_json,
    split_values,
)
from hangar.cli.ranking_view import parallel_label, print_ranking
from hangar.engine_release import ENGINE_VERSION, ENGINE_VERSION_PATTERN, RELEASE_DEFAULTS, VERIFIED_RELEASES, unread_note
from hangar.sizing import (
    KV_CACHE_DTYPES,
    PRECISIONS,
    Option,
    SizingError,
    pareto_front,
    rank_options,
)
from hangar.sizing.calibration import MEASURED_ERROR, error_band
from hangar.sizing.capacity import CAPACITY_NOTE, Demand
from hangar.sizing.compare import compare_models, latency_cost_points
from hangar.sizing.ranking import release_advice_note
from hangar.sizing.throughput import DATA_PARALLEL_NOTE, ESTIMATE_NOTE
from hangar.sizing.traffic_ranking import plan_for_traffic

# --- hangar size -------------------------------------------------------------------------------------------


@app.command()
def size(
    models: list[str] = typer.Argument(
        ..., metavar="MODEL...", help="Hugging Face model id, e.g. meta-llama/Llama-3.1-70B-Instruct (see `hangar catalog models`); several with --compare."
    ),
    precision: list[str] | None = typer.Option(
        None, "--precision", "-p", help=f"Weight precision(s) to consider: {', '.join(PRECISIONS)} (repeat or comma-separate). Default: all."
    ),
    context: int | None = typer.Option(None, "--context", help="Longest sequence served (prompt + output), tokens. Default 8192 (or the model's maximum)."),
    concurrency: int | None = typer.Option(
        None, "--concurrency", help="Sequences batched at once per replica (vLLM max_num_seqs); default 16, or with --peak-rps vLLM's default."
    ),
    kv_cache_dtype: str = typer.Option("auto", "--kv-cache-dtype", help=f"KV-cache element type: {', '.join(KV_CACHE_DTYPES)}."),
    cloud: list[str] | None = typer.Option(None, "--cloud", help="Only these clouds: aws, gcp, azure, onprem (repeat or comma-separate)."),
    spot: bool = typer.Option(False, "--spot", help="Rank by spot prices instead of on-demand."),
    tpus: bool = typer.Option(True, "--tpus/--no-tpus", help="Include single-host GKE TPU machines."),
    utilization: float | None = typer.Option(
        None, "--gpu-memory-utilization",
        help="Share of accelerator memory the engine may use. Default: the --engine-version's ("
        + ", ".join(f"{d.gpu_memory_utilization:.2f} at {tag}" for tag, d in RELEASE_DEFAULTS.items()) + ").",
        show_default=False,
    ),
    engine_version: str = typer.Option(
        ENGINE_VERSION, "--engine-version",
        help=f"vLLM release to judge by, as a deployment's engine_version (releases read: {', '.join(VERIFIED_RELEASES)}; another is sized as {ENGINE_VERSION}).",
    ),
    sort: str = typer.Option("month", "--sort", help="Rank by 'month' ($/month) or 'tokens' ($ per million output tokens)."),
    limit: int = typer.Option(15, "--limit", help="Feasible options to list (0: all)."),
    why_not: bool = typer.Option(False, "--why-not", help="Also list every infeasible option and the reason."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Draw cost against throughput (with --peak-rps: cost against latency), fronts marked, to FILE.svg or FILE.png (needs the plot extra)."
    ),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table or json."),
    overrides: Path | None = OverridesOption,
    peak_rps: float | None = typer.Option(None, "--peak-rps", help="Peak requests/s to carry: rank by the monthly cost of the replicas it needs."),
    prompt_tokens: int | None = typer.Option(None, "--prompt-tokens", help="Mean prompt tokens per request (with --peak-rps)."),
    output_tokens: int | None = typer.Option(None, "--output-tokens", help="Mean output tokens per request (with --peak-rps)."),
    ttft_ms: float | None = typer.Option(None, "--ttft-ms", help="p95 time-to-first-token objective, ms (with --peak-rps)."),
    tpot_ms: float | None = typer.Option(None, "--tpot-ms", help="p95 time-per-output-token objective, ms (with --peak-rps)."),
    compare: bool = typer.Option(False, "--compare", help="Put the MODELs side by side at the same traffic and SLO (needs --peak-rps): each one's cheapest hardware."),
    data_parallel: int = typer.Option(
        1, "--data-parallel", help="Engines per replica (vLLM --data-parallel-size), each of TP GPUs with its own KV cache and --concurrency; GPU nodes only."
    ),
    expert_parallel: bool = typer.Option(
        False, "--expert-parallel", help="Spread a mixture of experts' routed experts whole over the replica's GPUs (vLLM --enable-expert-parallel)."
    ),
) -> None:
    """Every way to serve MODEL from the catalog, cheapest first, with the memory breakdown of the best.

    Feasible means: the accelerator runs the precision, the tensor-parallel degree is valid for the
    model and fits one node, and vLLM starts: weights + overhead + the KV cache of ONE sequence of
    --context tokens fit in memory. Each option says how many such sequences its KV cache holds
    (capacity; fewer than --concurrency is reported, not refused). Throughput and $/1M tokens are
    ESTIMATES from first principles, not benchmarks.

    With --peak-rps, --prompt-tokens and --output-tokens (and optionally --ttft-ms, --tpot-ms): every
    option that carries that peak within the objective, ranked by the monthly cost of the replicas and
    nodes it needs (ESTIMATE; `hangar.sizing.capacity` says what is not modelled).

    With --compare MODEL MODEL ... and the traffic flags: each model's cheapest way to carry the same
    traffic within the same SLO, side by side ($/month, $/1M tokens, hardware).
    """
    traffic = any(value is not None for value in (peak_rps, prompt_tokens, output_tokens, ttft_ms, tpot_ms))
    if problems := _parallel_problems(models, data_parallel, expert_parallel, overrides):
        raise fail(problems)
    parallel = {"data_parallel": data_parallel, "expert_parallel": expert_parallel}
    if len(models) > 1 and not compare:
        raise fail([f"give one MODEL, or --compare to put {len(models)} models side by side (got {' '.join(models)})"])
    if compare and not traffic:
        raise fail(["--compare: needs the traffic to compare at: --peak-rps, --prompt-tokens and --output-tokens"])
    if traffic:
        size_for_traffic(models, peak_rps, prompt_tokens, output_tokens, ttft_ms, tpot_ms, precision=precision, cloud=cloud, spot=spot, tpus=tpus,
                         kv_cache_dtype=kv_cache_dtype, concurrency=concurrency, utilization=utilization, limit=limit,
                         output_format=output_format, overrides=overrides, compare=compare, plot=plot, engine_version=engine_version, **parallel)  # fmt: skip
        return
    model = models[0]
    concurrency = 16 if concurrency is None else concurrency
    catalog = load_catalog_or_fail(overrides)
    precisions = split_values(precision)
    clouds = split_values(cloud)
    problems = [f"--precision: unknown precision {p!r}; allowed: {', '.join(PRECISIONS)}" for p in precisions if p not in PRECISIONS]
    problems += [f"--cloud: unknown cloud {c!r}; allowed: aws, gcp, azure, onprem" for c in clouds if c not in ("aws", "gcp", "azure", "onprem")]
    if kv_cache_dtype not in KV_CACHE_DTYPES:
        problems.append(f"--kv-cache-dtype: {kv_cache_dtype!r}; allowed: {', '.join(KV_CACHE_DTYPES)}")
    if sort not in ("month", "tokens"):
        problems.append(f"--sort: {sort!r}; allowed: month, tokens")
    if plot is not None and plot.suffix.lower() not in (".svg", ".png"):
        problems.append(f"--plot: {str(plot)!r} must end in .svg or .png")
    if concurrency < 1 or (context is not None and context < 1):
        problems.append("--context and --concurrency must be at least 1")
    if utilization is not None and not 0 < utilization <= 1:
        problems.append(f"--gpu-memory-utilization: {utilization} must be in (0, 1]")
    problems += _engine_version_problems(engine_version)
    if problems:
        raise fail(problems)
    try:
        ranking = rank_options(
            model, catalog, precisions=precisions or None, kv_cache_dtype=kv_cache_dtype, max_context_tokens=context,
            concurrent_sequences=concurrency, clouds=clouds or None, spot=spot, include_tpus=tpus,
            gpu_memory_utilization=utilization, sort=sort, engine_version=engine_version, **parallel,
        )
    except CatalogLookupError as error:
        raise fail([str(error)])
    except SizingError as error:
        raise fail([str(error)])
    if plot is not None:
        ranking_plot.write_plot(ranking, plot)
    if output_format is OutputFormat.json:
        document = ranking.to_json()
        document["pareto_front"] = [_option_key(o) for o in pareto_front(ranking.feasible)]
        print_json(document)
        return
    print_ranking(ranking, limit=limit, why_not=why_not)
    if plot is not None:
        out.print(f"plot written to {escape(str(plot))}")


def size_for_traffic(
    models: list[str], peak_rps: float | None, prompt_tokens: int | None, output_tokens: int | None, ttft_ms: float | None, tpot_ms: float | None, *,
    precision: list[str] | None, cloud: list[str] | None, spot: bool, tpus: bool, kv_cache_dtype: str, concurrency: int | None,
    utilization: float | None, limit: int, output_format: OutputFormat, overrides: Path | None, compare: bool = False, plot: Path | None = None,
    engine_version: str = ENGINE_VERSION, data_parallel: int = 1, expert_parallel: bool = False,
) -> None:  # fmt: skip
    """`hangar size MODEL --peak-rps N --prompt-tokens P --output-tokens O`: the cheapest ways to carry that peak within the SLO
    (with --compare: each model's cheapest way, side by side)."""
    precisions, clouds = split_values(precision), split_values(cloud)
    problems = [f"{flag}: required with --peak-rps" for flag, value in (("--peak-rps", peak_rps), ("--prompt-tokens", prompt_tokens), ("--output-tokens", output_tokens)) if value is None]
    problems += [f"{flag}: must be greater than 0; got {value:g}" for flag, value in (("--peak-rps", peak_rps), ("--prompt-tokens", prompt_tokens),
                 ("--output-tokens", output_tokens), ("--ttft-ms", ttft_ms), ("--tpot-ms", tpot_ms)) if value is not None and not value > 0]  # fmt: skip
    problems += [f"--precision: unknown precision {p!r}; allowed: {', '.join(PRECISIONS)}" for p in precisions if p not in PRECISIONS]
    problems += [f"--cloud: unknown cloud {c!r}; allowed: aws, gcp, azure, onprem" for c in clouds if c not in ("aws", "gcp", "azure", "onprem")]
    if kv_cache_dtype not in KV_CACHE_DTYPES:
        problems.append(f"--kv-cache-dtype: {kv_cache_dtype!r}; allowed: {', '.join(KV_CACHE_DTYPES)}")
    if concurrency is not None and concurrency < 1:
        problems.append("--concurrency must be at least 1")
    if utilization is not None and not 0 < utilization <= 1:
        problems.append(f"--gpu-memory-utilization: {utilization} must be in (0, 1]")
    if plot is not None and plot.suffix.lower() not in (".svg", ".png"):
        problems.append(f"--plot: {str(plot)!r} must end in .svg or .png")
    problems += _engine_version_problems(engine_version)
    if problems:
        raise fail(problems)
    assert peak_rps is not None and prompt_tokens is not None and output_tokens is not None
    catalog = load_catalog_or_fail(overrides)
    demand = Demand(peak_rps, prompt_tokens, output_tokens, ttft_ms=ttft_ms, tpot_ms=tpot_ms)
    options = dict(precisions=precisions or None, kv_cache_dtype=kv_cache_dtype, concurrent_sequences=concurrency, clouds=clouds or None, spot=spot,
                   include_tpus=tpus, gpu_memory_utilization=utilization, engine_version=engine_version, data_parallel=data_parallel,
                   expert_parallel=expert_parallel)  # fmt: skip
    if compare:
        try:
            compared = compare_models(models, catalog, demand, **options)
        except (CatalogLookupError, SizingError) as error:
            raise fail([str(error)])
        if plot is not None:
            points = [traffic_plot.Point(model_id, t.plan.tpot_ms, t.plan.usd_per_month_at_peak, _traffic_label(t)) for model_id, t in latency_cost_points(compared)]
            traffic_plot.write(points, plot, f"{len(compared)} models at {peak_rps:g} requests/s: cost against latency", _demand_line(demand))
        print_comparison(compared, demand, output_format)
        if (unread := unread_note(engine_version)) is not None and output_format is not OutputFormat.json:
            out.print(f"  - {escape(unread)}", soft_wrap=True)
        if plot is not None and output_format is not OutputFormat.json:
            out.print(f"plot written to {escape(str(plot))}")
        return
    model = models[0]
    try:
        found = plan_for_traffic(
            model, catalog, demand, precisions=precisions or None, kv_cache_dtype=kv_cache_dtype, concurrent_sequences=concurrency,
            clouds=clouds or None, spot=spot, include_tpus=tpus, gpu_memory_utilization=utilization, engine_version=engine_version,
            data_parallel=data_parallel, expert_parallel=expert_parallel,
        )  # fmt: skip
    except (CatalogLookupError, SizingError) as error:
        raise fail([str(error)])
    feasible, infeasible = found.feasible, found.infeasible
    refused = None if found.refusal is None else release_advice_note(found.ranking.model, found.refusal)
    if plot is not None:
        points = [traffic_plot.Point(t.option.cloud, t.plan.tpot_ms, t.plan.usd_per_month_at_peak, _traffic_label(t)) for t in feasible
                  if t.plan.usd_per_month_at_peak is not None]  # fmt: skip
        traffic_plot.write(points, plot, f"{model} at {peak_rps:g} requests/s: cost against latency", _demand_line(demand))
    if output_format is OutputFormat.json:
        print_json({
            "model": model, "demand": demand.__dict__, "label": "ESTIMATE", "error": _error_json(),
            "notes": [ESTIMATE_NOTE, CAPACITY_NOTE, *filter(None, [refused, unread_note(engine_version), DATA_PARALLEL_NOTE if data_parallel > 1 else None])],
            "refusal": found.refusal,
            "options": [t.to_json() for t in feasible],
            "infeasible": [{**_option_key(t.option), "reason": t.plan.reason} for t in infeasible],
        })  # fmt: skip
        return
    slo = ", ".join(part for part in (f"p95 TTFT {ttft_ms:g} ms" if ttft_ms else "", f"p95 TPOT {tpot_ms:g} ms" if tpot_ms else "") if part) or "no SLO"
    out.print(f"[bold]{escape(model)}[/bold] at {peak_rps:g} requests/s peak, {prompt_tokens:,} prompt + {output_tokens:,} output tokens, {slo}", soft_wrap=True)
    if refused is not None:
        out.print(f"[red]no option carries it[/red]: the vLLM release cannot load {escape(model)} on any machine", soft_wrap=True)
        out.print(f"  - {escape(refused)}", soft_wrap=True)
        return
    if not feasible:
        out.print(f"[red]no option carries it[/red] ({len(infeasible)} options that start cannot meet the SLO or cannot be estimated)")
        return
    shown = feasible if limit <= 0 else feasible[:limit]
    table = Table(title=f"{len(feasible)} options carry it, cheapest at peak first (ESTIMATES: {error_band('saturated throughput')})", title_justify="left")
    for column in ("#", "cloud", "instance", "precision", "TP", "replicas", "nodes", "$/month at peak", "TTFT ms", "TPOT ms", "in flight", "out tok/s"):
        table.add_column(column, justify="left" if column in ("cloud", "instance", "precision") else "right")
    for index, t in enumerate(shown, 1):
        p = t.plan
        table.add_row(str(index), t.option.cloud, escape(t.option.instance_type), t.option.precision, parallel_label(t.option), str(p.replicas_at_peak),
                      str(p.nodes_at_peak), money(p.usd_per_month_at_peak, 0), f"{p.ttft_ms:,.0f}", f"{p.tpot_ms:,.1f}",
                      f"{p.concurrency:,} of {p.kv_concurrency:,}", f"{p.output_tokens_per_second_per_replica * p.replicas_at_peak:,.0f}")  # fmt: skip
    out.print(table)
    if len(shown) < len(feasible):
        out.print(f"... {len(feasible) - len(shown)} more (--limit 0 shows all)")
    out.print("  - in flight: requests per replica at the operating point, of those its KV cache and max_num_seqs allow", soft_wrap=True)
    out.print(f"  - {escape(CAPACITY_NOTE)}", soft_wrap=True)
    if data_parallel > 1:
        out.print(f"  - TP (DP n): a replica is n engines of TP GPUs, max_num_seqs each; {escape(DATA_PARALLEL_NOTE)}", soft_wrap=True)
    if (unread := unread_note(engine_version)) is not None:
        out.print(f"  - {escape(unread)}", soft_wrap=True)
    if plot is not None:
        out.print(f"plot written to {escape(str(plot))}")


def _parallel_problems(models: list[str], data_parallel: int, expert_parallel: bool, overrides: Path | None) -> list[str]:
    """--data-parallel and --expert-parallel checked as a deployment's data_parallel and expert_parallel are."""
    if data_parallel < 1:
        return [f"--data-parallel: {data_parallel}; allowed: a whole number of at least 1 (engines per replica, vLLM --data-parallel-size)"]
    if not expert_parallel:
        return []
    catalog = load_catalog_or_fail(overrides)
    dense = []
    for name in models:
        try:
            if catalog.model(name).num_experts is None:
                dense.append(name)
        except CatalogLookupError:
            pass  # an unknown model is reported as the command reports it without the flag
    return [f"--expert-parallel: {m} is a dense model (no experts in the catalog); allowed only with a mixture of experts (vLLM "
            "--enable-expert-parallel)" for m in dense]  # fmt: skip


def _engine_version_problems(engine_version: str) -> list[str]:
    """The stack's check of a deployment's engine_version (`ENGINE_VERSION_PATTERN`), for --engine-version."""
    if re.fullmatch(ENGINE_VERSION_PATTERN, engine_version):
        return []
    return [f"--engine-version: {engine_version!r} is not a vLLM release; allowed: vMAJOR.MINOR.PATCH, e.g. {ENGINE_VERSION} (releases read: {', '.join(VERIFIED_RELEASES)})"]


def _demand_line(demand: Demand) -> str:
    slo = ", ".join(p for p in (f"p95 TTFT {demand.ttft_ms:g} ms" if demand.ttft_ms else "", f"p95 TPOT {demand.tpot_ms:g} ms" if demand.tpot_ms else "") if p)
    return (f"{demand.prompt_tokens:,} prompt + {demand.output_tokens:,} output tokens per request, {slo or 'no SLO'}; on-demand list prices; "
            f"ESTIMATES ({error_band('saturated throughput')} on throughput)")  # fmt: skip


def _traffic_label(t) -> str:
    return f"{t.option.cloud} {t.option.instance_type} {t.option.precision} TP{t.option.tensor_parallel} x{t.plan.replicas_at_peak}"


def _error_json() -> dict:
    """The performance model's measured error on published measurements, for JSON documents."""
    return {group: {"rows": rows, "median_abs": median, "worst_abs": worst} for group, (rows, median, worst) in MEASURED_ERROR.items()}


def print_comparison(compared: list, demand: Demand, output_format: OutputFormat) -> None:
    """Each model's cheapest way to carry the demand, side by side (cheapest model first)."""
    if output_format is OutputFormat.json:
        print_json({"demand": demand.__dict__, "label": "ESTIMATE", "error": _error_json(), "notes": [ESTIMATE_NOTE, CAPACITY_NOTE],
                    "models": [c.to_json(demand) for c in compared]})  # fmt: skip
        return
    out.print(f"[bold]{len(compared)} models[/bold] at {demand.peak_requests_per_second:g} requests/s peak, {_demand_line(demand)}", soft_wrap=True)
    table = Table(title="each model's cheapest way to carry it (ESTIMATES)", title_justify="left")
    for column in ("#", "model", "params", "cloud", "instance", "precision", "TP x replicas", "nodes", "$/month at peak", "$/1M tok at peak",
                   "vs cheapest", "TTFT ms", "TPOT ms", "options"):
        table.add_column(column, justify="left" if column in ("model", "cloud", "instance", "precision") else "right", overflow="fold")
    cheapest = next((c.best.plan.usd_per_month_at_peak for c in compared if c.best and c.best.plan.usd_per_month_at_peak is not None), None)
    for index, c in enumerate(compared, 1):
        m = c.model
        params = f"{m.params_total_b:g}B" + (f" ({m.params_active_b:g}B act.)" if m.is_moe else "")
        if c.best is None:
            why = "vLLM cannot load it" if c.refusal else "cannot carry it"
            table.add_row(str(index), escape(m.hf_id), params, "-", why, "-", "-", "-", UNKNOWN, UNKNOWN, "-", "-", "-",
                          "0" if c.refusal else f"0 ({c.rejected} rejected)")  # fmt: skip
            continue
        t, p = c.best, c.best.plan
        month = p.usd_per_month_at_peak
        ratio = "-" if month is None or not cheapest else f"{month / cheapest:.1f}x"
        table.add_row(str(index), escape(m.hf_id), params, t.option.cloud, escape(t.option.instance_type), t.option.precision,
                      f"{parallel_label(t.option)} x {p.replicas_at_peak}", str(p.nodes_at_peak), money(month, 0),
                      money(c.usd_per_million_tokens_at_peak(demand)), ratio, f"{p.ttft_ms:,.0f}", f"{p.tpot_ms:,.1f}", str(len(c.options)))  # fmt: skip
    out.print(table)
    for c in compared:
        if c.refusal is not None:
            out.print(f"  - {escape(c.refusal)}", soft_wrap=True)
    out.print(f"  - {escape(CAPACITY_NOTE)}", soft_wrap=True)


def _option_key(o: Option) -> dict[str, Any]:
    return {"cloud": o.cloud, "instance_type": o.instance_type, "precision": o.precision, "tensor_parallel": o.tensor_parallel}
