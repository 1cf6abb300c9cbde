"""`hangar size`'s view of one ranking: the table of feasible options, the memory breakdown of the best, the reasons
the others cannot serve the model. Printing only: the verdicts come from `hangar.sizing.ranking`."""

from __future__ import annotations

from collections.abc import Iterable

from rich.markup import escape
from rich.table import Table

from hangar.catalog import Model
from hangar.catalog.layer_runs import describe_layers
from hangar.cli.app import out
from hangar.cli.formatting import UNKNOWN, money
from hangar.sizing import RUNTIME_OVERHEAD_GIB_PER_GPU, Option, Ranking, Rejected
from hangar.sizing.calibration import error_band


def parallel_label(option: Option) -> str:
    """The TP degree, and the data-parallel engines (and expert parallelism) of a replica that has them."""
    if option.data_parallel == 1 and not option.expert_parallel:
        return str(option.tensor_parallel)
    return f"{option.tensor_parallel} (DP {option.data_parallel}{', EP' if option.expert_parallel else ''})"



def print_ranking(ranking: Ranking, *, limit: int = 15, why_not: bool = False) -> None:
    m = ranking.model
    kv = f"{m.kv_heads} KV heads x {m.head_dim}" + (f" (K; V {m.v_head_dim})" if m.v_head_dim else "") if m.kv_heads else f"MLA latent cache ({m.kv_lora_rank} + {m.qk_rope_head_dim})"
    if m.global_kv_heads:
        kv += f" ({m.global_kv_heads} x {m.global_head_dim} in full-attention layers)"
    if m.indexer_bytes_per_token:
        kv += f" + an indexer cache of {m.indexer_bytes_per_token / 1024:g} KiB/token"
    if m.sliding_window and not m.csa_layers and not m.hca_layers:  # DeepSeek-V4's window: describe_layers
        kv += f", {m.sliding_window_layers} of {m.kv_layers} layers sliding-window {m.sliding_window:,}"
    if describe_layers(m):
        kv += f", {describe_layers(m)}"
    elif m.attention_layers and m.attention_layers < m.layers:  # linear-attention layers, or Gemma 3n/4's KV-shared ones
        others = "keep a fixed state" if m.state_bytes_per_sequence is not None else "reuse an earlier layer's K/V"
        kv += f", KV in {m.attention_layers} attention layers (the others {others})"
    size = f"{m.params_total_b:g}B parameters" + (f" ({m.params_active_b:g}B active, MoE)" if m.is_moe else "")
    out.print(f"[bold]{escape(m.hf_id)}[/bold]: {size}, {m.layers} layers, {kv} ({m.kv_bytes_per_token_bf16 / 1024:,.0f} KiB/token of bf16 KV), "
              f"max context {ranking.model_context or m.max_context_tokens:,}; licence {escape(m.licence_id)}", soft_wrap=True)
    wanted = ", ".join(ranking.precisions) if ranking.precisions else "every precision"
    out.print(
        f"workload: {wanted}; KV cache {ranking.kv_cache_dtype}; {ranking.max_context_tokens:,}-token context x {ranking.concurrent_sequences} "
        f"sequences; {ranking.gpu_memory_utilization:.0%} of accelerator memory; {'spot' if ranking.spot else 'on-demand'} prices",
        soft_wrap=True,
    )
    if ranking.refusal is not None:  # the release cannot load the model: the first note says why and which release can
        out.print(f"[red]no feasible option[/red]: the vLLM release cannot load {escape(m.hf_id)} on any machine "
                  f"({len(ranking.infeasible)} machine/precision pairs tried; the first note says why)", soft_wrap=True)
    elif not ranking.feasible:
        out.print(f"[red]no feasible option[/red] in the catalog ({len(ranking.infeasible)} machine/precision pairs tried)")
    else:
        shown = ranking.feasible if limit <= 0 else ranking.feasible[:limit]
        order = "$/month" if ranking.sort == "month" else "$ per million output tokens"
        table = Table(title=f"{len(ranking.feasible)} feasible options, ranked by {order} (tok/s and $/1M tok are ESTIMATES; {error_band('saturated throughput')})", title_justify="left")
        for column, justify in (("#", "right"), ("cloud", "left"), ("instance", "left"), ("accelerators", "left"), ("precision", "left"),
                                ("TP x replicas", "right"), ("$/hour", "right"), ("$/month", "right"), ("tok/s/node", "right"),
                                ("$/1M tok", "right"), ("seqs at ctx", "right"), ("price as of", "left")):
            table.add_column(column, justify=justify, overflow="fold")
        for index, option in enumerate(shown, 1):
            mach = option.machine
            table.add_row(
                str(index), mach.cloud, escape(mach.instance_type), f"{mach.accelerators} x {escape(mach.accelerator.name)}", option.precision,
                f"{parallel_label(option)} x {option.replicas_per_node}", money(option.usd_per_hour) + _suspect(mach.flags), money(option.usd_per_month, 0),
                UNKNOWN if option.node_decode_tokens_per_s is None else f"{option.node_decode_tokens_per_s:,.0f}",
                money(option.usd_per_million_tokens), _capacity(option), mach.as_of.isoformat(),
            )
        out.print(table)
        if len(shown) < len(ranking.feasible):
            out.print(f"... {len(ranking.feasible) - len(shown)} more (--limit 0 shows all)")
        if any(not o.fit.holds_all_sequences for o in shown):
            out.print(
                f"  ! seqs at ctx: vLLM starts, but its KV cache holds fewer than {ranking.concurrent_sequences} sequences of "
                f"{ranking.max_context_tokens:,} tokens; throughput assumes that smaller batch",
                soft_wrap=True,
            )
        if any(_suspect(o.machine.flags) for o in shown):
            out.print("  ! the catalog flags this price SUSPECT_LOW (looks too low for the region): check it before relying on it", soft_wrap=True)
        best = ranking.best
        if best is not None:
            print_best(best, ranking.model)
    if ranking.notes:
        out.print("[bold]notes[/bold]")
        for note in ranking.notes:
            out.print(f"  - {escape(note)}", soft_wrap=True)
    if why_not:
        print_infeasible(ranking.infeasible)
    elif ranking.infeasible:
        out.print(f"{len(ranking.infeasible)} machine/precision pairs cannot serve it: --why-not lists them with the reason")


def _capacity(option: Option) -> str:
    """Sequences of full context one replica's KV cache holds; '!' marks fewer than asked."""
    fit = option.fit
    return f"{fit.capacity_sequences:,}" + ("" if fit.holds_all_sequences else " !")


def _suspect(flags: Iterable[str]) -> str:
    return " !" if "SUSPECT_LOW" in flags else ""


def print_best(option: Option, model: Model) -> None:
    fit, mach, tp = option.fit, option.machine, option.throughput
    out.print(
        f"[bold]best:[/bold] {mach.cloud} {escape(mach.instance_type)} ({mach.accelerators} x {escape(mach.accelerator.name)}), "
        f"{option.precision}, TP {parallel_label(option)} x {option.replicas_per_node} replica(s) per node",
        soft_wrap=True,
    )
    one = "one replica" if option.data_parallel == 1 else f"one of the replica's {option.data_parallel} engines"
    breakdown = Table(title=f"memory of {one} (GiB)", title_justify="left", show_header=False)
    breakdown.add_column("what")
    breakdown.add_column("GiB", justify="right")
    breakdown.add_column("how")
    weights_how = f"{option.precision} weights, all parameters resident" if fit.data_parallel == 1 and not fit.expert_parallel else (
        f"{option.precision} weights: a copy of the shared ones, its GPUs' share of the routed experts")
    breakdown.add_row("weights", f"{fit.weights_gib:,.1f}", weights_how)
    breakdown.add_row("overhead (ESTIMATE)", f"{fit.overhead_gib:,.1f}", f"{RUNTIME_OVERHEAD_GIB_PER_GPU:g} GiB per accelerator")
    kv_how = f"ONE sequence of {fit.max_context_tokens:,} tokens, KV {fit.kv_cache_dtype}"
    if fit.kv_replication > 1:
        kv_how += f", replicated x{fit.kv_replication:g} across TP"
    if model.indexer_bytes_per_token and fit.kv_replication != fit.tensor_parallel:  # K/V heads split, index keys do not
        kv_how += f", indexer keys whole on each of the {fit.tensor_parallel} GPUs"
    breakdown.add_row("KV cache to start", f"{fit.kv_per_sequence_gib:,.2f}", kv_how)
    start_how = "vLLM's start-up check" + (", with the one block it holds back" if fit.kv_reserved_gib else "")
    breakdown.add_row("needed to start", f"{fit.required_gib:,.1f}", start_how)
    breakdown.add_row(
        "usable", f"{fit.usable_gib:,.1f}", f"{fit.tensor_parallel} x {mach.accelerator.memory_gib:g} GiB x {fit.gpu_memory_utilization:.0%}"
    )
    breakdown.add_row("KV cache budget", f"{fit.kv_budget_gib:,.1f}", "usable - weights - overhead")
    engines = "" if fit.data_parallel == 1 else f" by {fit.data_parallel} engines"
    breakdown.add_row("capacity", f"{fit.capacity_sequences:,} seqs", f"sequences of {fit.max_context_tokens:,} tokens held at once{engines} (asked {fit.concurrent_sequences}{' each' if engines else ''})")
    out.print(breakdown)
    if fit.kv_pages:
        out.print(f"  {escape(fit.kv_pages)}", soft_wrap=True)
    decode = "unknown (no bandwidth in the catalog)" if tp.decode_tokens_per_s is None else f"~{tp.decode_tokens_per_s:,.0f} output tok/s per replica"
    prefill = "unknown (no peak FLOPS in the catalog)" if tp.prefill_tokens_per_s is None else f"~{tp.prefill_tokens_per_s:,.0f} prompt tok/s per replica"
    out.print(f"  throughput ESTIMATE: decode {decode}; prefill {prefill}", soft_wrap=True)
    if tp.compute_note:
        out.print(f"  {escape(tp.compute_note)}", soft_wrap=True)
    out.print(
        f"  cost: {money(option.usd_per_hour)} $/hour, {money(option.usd_per_month, 0)} $/month, "
        f"{money(option.usd_per_million_tokens)} $ per million output tokens (ESTIMATE, node fully busy)",
        soft_wrap=True,
    )
    out.print(f"  price: {escape(mach.price_source or 'unknown')} (as of {mach.as_of.isoformat()}{'; flags ' + ' '.join(mach.flags) if mach.flags else ''})", soft_wrap=True)


def print_infeasible(rejected: Iterable[Rejected]) -> None:
    groups: dict[tuple, list[str]] = {}
    for item in rejected:
        key = (item.machine.cloud, f"{item.machine.accelerators} x {item.machine.accelerator.name}", item.precision, "; ".join(item.reasons))
        groups.setdefault(key, []).append(item.machine.instance_type)
    if not groups:
        out.print("every machine/precision pair tried can serve it")
        return
    table = Table(title="cannot serve it (why not)", title_justify="left")
    for column in ("cloud", "instances", "accelerators", "precision", "reason"):
        table.add_column(column)
    for (cloud, accelerators, precision, reason), instances in groups.items():
        table.add_row(cloud, escape(", ".join(instances)), escape(accelerators), precision, escape(reason))
    out.print(table)
