"""`hangar catalog gpus|instances|tpus|models|licences|kubernetes|import-model`: the facts sizing, pricing and support checks use, with their sources."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hangar.catalog import KUBERNETES_CLOUDS, CatalogError, CatalogLookupError, Gpu
from hangar.catalog.layer_runs import describe_layers
from hangar.catalog.model_config import ConfigError
from hangar.catalog.model_import import import_row, write_model_override
from hangar.cli.app import OutputFormat, app, fail, out
from hangar.cli.formatting import (
    OverridesOption,
    load_catalog_or_fail,
    money,
    print_json,
)
from hangar.engine_release import ENGINE_VERSION, ENGINE_VERSION_PATTERN, VERIFIED_RELEASES, sized_release, unread_note
from hangar.kubernetes_support import today
from hangar.sizing.mxfp4 import compute_capability
from hangar.sizing.quant_kernels import gpu_runs
from hangar.sizing.wna16 import kernel_refusal as int4_refusal

# --- hangar catalog ----------------------------------------------------------------------------------------


catalog_app = typer.Typer(help="Show the catalog's facts with their sources: GPUs, instances, TPUs, models, licences, Kubernetes versions.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")


def _yes(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "-")


def _date(value: datetime.date) -> str:
    return value.isoformat()


def _rows_out(rows: list[Any], output_format: OutputFormat, title: str, columns: list[tuple[str, Any]]) -> None:
    if output_format is OutputFormat.json:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table(title=f"{title}: {len(rows)}", title_justify="left")
    for name, _ in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(escape(str(getter(row))) for _, getter in columns))
    out.print(table)


@catalog_app.command("gpus")
def catalog_gpus(
    vendor: str | None = typer.Option(None, "--vendor", help="Only this vendor (NVIDIA, AMD, Intel)."),
    fp8: bool | None = typer.Option(None, "--fp8/--no-fp8", help="Only GPUs with (or without) native fp8.", show_default=False),
    min_memory: float = typer.Option(0, "--min-memory", help="Only GPUs with at least this many GiB."),
    engine_version: str = typer.Option(
        ENGINE_VERSION, "--engine-version", help=f"vLLM release whose AWQ/GPTQ, W4A16 and NVFP4 kernels the awq, gptq, int4 and nvfp4 columns show (releases read: {', '.join(VERIFIED_RELEASES)})."
    ),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f"),
    overrides: Path | None = OverridesOption,
) -> None:
    """GPUs: memory, bandwidth, number formats vLLM can serve, source and as_of.

    awq and gptq are what vLLM --engine-version runs there, read from its code (`hangar.sizing.quant_kernels`); the
    catalog's own columns (vLLM v0.11.2's docs table) stay in --format json as `awq` and `gptq`, beside `runs`. nvfp4 is the
    release's NVFP4 kernels (`hangar.sizing.quant_kernels`); int4
    (a compressed-tensors W4A16 checkpoint) is the release's `CompressedTensorsWNA16` kernels (`hangar.sizing.wna16`)."""
    if not re.fullmatch(ENGINE_VERSION_PATTERN, engine_version):
        raise fail([f"--engine-version: {engine_version!r} is not a vLLM release; allowed: vMAJOR.MINOR.PATCH, e.g. {ENGINE_VERSION} (releases read: {', '.join(VERIFIED_RELEASES)})"])
    release = sized_release(engine_version)
    rows = [
        g for g in load_catalog_or_fail(overrides).gpus.values()
        if (vendor is None or g.vendor.lower() == vendor.lower()) and (fp8 is None or g.fp8 == fp8) and g.memory_gib >= min_memory
    ]

    def runs(g: Gpu, precision: str) -> bool:
        capability = compute_capability(g.architecture) if g.vendor == "NVIDIA" else None
        if precision == "int4":
            return int4_refusal(g.vendor, capability, engine_version) is None
        return gpu_runs(precision, g.vendor, capability, getattr(g, precision, False), engine_version)

    if output_format is OutputFormat.json:
        print_json([{**g.model_dump(mode="json"), "runs": {"engine_version": release, **{p: runs(g, p) for p in ("awq", "gptq", "int4", "nvfp4")}}} for g in rows])
        return
    if (unread := unread_note(engine_version)) is not None:
        out.print(escape(unread), soft_wrap=True)
    _rows_out(rows, output_format, "GPUs", [
        ("name", lambda g: g.name), ("vendor", lambda g: g.vendor), ("architecture", lambda g: g.architecture),
        ("GiB", lambda g: f"{g.memory_gib:g}"), ("GB/s", lambda g: "?" if g.memory_bandwidth_gbps is None else f"{g.memory_bandwidth_gbps:g}"),
        ("bf16", lambda g: _yes(g.bf16)), ("fp8", lambda g: _yes(g.fp8)), ("int8", lambda g: _yes(g.int8)),
        (f"awq {release}", lambda g: _yes(runs(g, "awq"))), (f"gptq {release}", lambda g: _yes(runs(g, "gptq"))),
        (f"int4 {release}", lambda g: _yes(runs(g, "int4"))),
        (f"nvfp4 {release}", lambda g: _yes(runs(g, "nvfp4"))),
        ("as_of", lambda g: _date(g.as_of)), ("source", lambda g: g.source),
    ])


@catalog_app.command("instances")
def catalog_instances(
    cloud: str | None = typer.Option(None, "--cloud", help="aws, gcp, azure or onprem."),
    gpu: str | None = typer.Option(None, "--gpu", help="Only instances with this GPU (catalog name, e.g. H100-SXM)."),
    family: str | None = typer.Option(None, "--family", help="Instance type prefix, e.g. p5, g6e, a3, Standard_NC."),
    gpus: int | None = typer.Option(None, "--gpus", help="Only instances with exactly this many GPUs."),
    cpu: bool = typer.Option(False, "--cpu", help="Also list CPU-only rows (system node types)."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f"),
    overrides: Path | None = OverridesOption,
) -> None:
    """Instance types with their GPUs and hourly prices (reference region per cloud), source and as_of."""
    catalog = load_catalog_or_fail(overrides)
    problems = []
    if cloud is not None and cloud not in ("aws", "gcp", "azure", "onprem"):
        problems.append(f"--cloud: unknown cloud {cloud!r}; allowed: aws, gcp, azure, onprem")
    if gpu is not None:
        try:
            catalog.gpu(gpu)
        except CatalogLookupError as error:
            problems.append(f"--gpu: {error}")
    if problems:
        raise fail(problems)
    rows = [
        r for r in catalog.instances
        if (cloud is None or r.cloud == cloud) and (gpu is None or r.gpu == gpu) and (family is None or r.instance_type.startswith(family))
        and (gpus is None or r.gpu_count == gpus) and (cpu or r.has_gpu)
    ]
    _rows_out(rows, output_format, "instance types", [
        ("cloud", lambda r: r.cloud), ("instance", lambda r: r.instance_type), ("region", lambda r: r.region),
        ("GPUs", lambda r: f"{r.gpu_count} x {r.gpu}" if r.has_gpu else "CPU only"), ("vCPU", lambda r: r.vcpus or "?"),
        ("$/h", lambda r: money(r.price_ondemand_usd_hr, 4)), ("spot $/h", lambda r: money(r.price_spot_usd_hr, 4)),
        ("flags", lambda r: " ".join(r.flags)), ("as_of", lambda r: _date(r.as_of)), ("price source", lambda r: r.price_source or "-"),
    ])


@catalog_app.command("tpus")
def catalog_tpus(
    generation: str | None = typer.Option(None, "--generation", help="v4, v5e, v5p, v6e or tpu7x."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f"),
    overrides: Path | None = OverridesOption,
) -> None:
    """GKE TPU machine types: chips per host, topologies, HBM, per-chip prices, source and as_of."""
    catalog = load_catalog_or_fail(overrides)
    if generation is not None and generation not in catalog.tpu_generations():
        raise fail([f"--generation: unknown TPU generation {generation!r}; allowed: {', '.join(catalog.tpu_generations())}"])
    rows = [t for t in catalog.tpus if generation is None or t.generation == generation]
    _rows_out(rows, output_format, "TPU machine types", [
        ("generation", lambda t: t.generation), ("machine", lambda t: t.machine_type), ("chips/host", lambda t: t.chips_per_host),
        ("hosts", lambda t: "single" if t.single_host else "multi"), ("topologies", lambda t: " ".join(t.topologies)),
        ("HBM GiB/chip", lambda t: f"{t.hbm_per_chip_gib:g}"), ("$/chip-h", lambda t: money(t.price_ondemand_usd_per_chip_hr, 4)),
        ("spot $/chip-h", lambda t: money(t.price_spot_usd_per_chip_hr, 4)), ("price region", lambda t: t.price_region or "-"),
        ("as_of", lambda t: _date(t.as_of)), ("source", lambda t: t.price_source or t.source),
    ])


@catalog_app.command("models")
def catalog_models(
    family: str | None = typer.Option(None, "--family", help="Only this family (case-insensitive substring, e.g. llama, qwen)."),
    search: str | None = typer.Option(None, "--search", help="Substring of the Hugging Face id."),
    licence: str | None = typer.Option(None, "--licence", help="Only models under this licence id."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f"),
    overrides: Path | None = OverridesOption,
) -> None:
    """Models: parameters (total / active), attention shape, KV bytes per token, context, licence, source and as_of."""
    rows = [
        m for m in load_catalog_or_fail(overrides).models.values()
        if (family is None or family.lower() in m.family.lower()) and (search is None or search.lower() in m.hf_id.lower())
        and (licence is None or licence in (m.licence_id, m.base_licence_id))
    ]
    _rows_out(rows, output_format, "models", [
        ("hf_id", lambda m: m.hf_id), ("params B", lambda m: f"{m.params_total_b:g}" + (f" ({m.params_active_b:g} active)" if m.is_moe else "")),
        ("layers", lambda m: m.layers if not m.sliding_window else f"{m.layers} ({m.sliding_window_layers} x {m.sliding_window:,} window)"),
        ("heads/KV", lambda m: f"{m.attention_heads}/{m.kv_heads if m.kv_heads else 'MLA'}"
         + (f" (full layers {m.global_kv_heads} x {m.global_head_dim})" if m.global_kv_heads else "")),
        # a sparse-attention model's indexer keys are cached per token beside the latent (DeepSeek-V3.2)
        ("KV KiB/token", lambda m: f"{(m.kv_bytes_per_token_bf16 + (m.indexer_bytes_per_token or 0)) / 1024:g}"
         + (" (with indexer)" if m.indexer_bytes_per_token else "")),
        ("max ctx", lambda m: f"{m.max_context_tokens:,}"),
        ("licence", lambda m: m.licence_id + (f" (base {m.base_licence_id})" if m.base_licence_id else "")
         + (f" (from base model {m.base_model})" if m.base_model else "")),
        ("verified", lambda m: _yes(m.config_verified)), ("revision", lambda m: (m.revision or "-")[:12]), ("as_of", lambda m: _date(m.as_of)),
        ("source", lambda m: m.source),
    ])


@catalog_app.command("licences")
def catalog_licences(
    commercial: str | None = typer.Option(None, "--commercial", help="Only licences whose commercial use is yes, no or conditional."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f"),
    overrides: Path | None = OverridesOption,
) -> None:
    """Licences: commercial use, MAU cap, conditions, source and as_of."""
    if commercial is not None and commercial not in ("yes", "no", "conditional"):
        raise fail([f"--commercial: {commercial!r}; allowed: yes, no, conditional"])
    rows = [lic for lic in load_catalog_or_fail(overrides).licences.values() if commercial is None or lic.commercial_use == commercial]

    def terms(lic: Any) -> str:
        found = [name for name, flag in (("non-production", lic.non_production_only), ("research only", lic.research_only),
                                          ("attribution", lic.attribution_required), ("AUP", lic.acceptable_use_policy),
                                          ("hosted service restricted", lic.hosted_service_restricted),
                                          ("EU multimodal restriction", lic.eu_multimodal_restriction), ("gated", lic.gated),
                                          ("ends if guardrails are bypassed", lic.guardrail_termination)) if flag]
        if lic.display_name and lic.display_mau_threshold == 0:
            found.append(f'display "{lic.display_name}" in any commercial product')
        elif lic.display_name:
            past = [f"{lic.display_mau_threshold:,} MAU" if lic.display_mau_threshold else "",
                    f"US${lic.display_monthly_revenue_usd_threshold:,.0f}/month" if lic.display_monthly_revenue_usd_threshold else ""]
            found.append(f'display "{lic.display_name}" past {" or ".join(p for p in past if p)}')
        if lic.licensee_annual_revenue_cap_usd:
            found.append(f"ends past US${lic.licensee_annual_revenue_cap_usd:,.0f}/year licensee revenue")
        return ", ".join(found) or "-"

    _rows_out(rows, output_format, "licences", [
        ("id", lambda lic: lic.id), ("name", lambda lic: lic.name), ("commercial", lambda lic: lic.commercial_use),
        ("MAU cap", lambda lic: f"{lic.mau_cap:,}" if lic.mau_cap else "-"), ("terms", terms),
        ("as_of", lambda lic: _date(lic.as_of)), ("source", lambda lic: lic.source),
    ])


@catalog_app.command("kubernetes")
def catalog_kubernetes(
    cloud: str | None = typer.Option(None, "--cloud", help="Only this cloud: eks, gke, aks or upstream."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f"),
    overrides: Path | None = OverridesOption,
) -> None:
    """Kubernetes versions per cloud: release, end of standard and extended support, where each stands today, source and as_of."""
    if cloud is not None and cloud not in KUBERNETES_CLOUDS:
        raise fail([f"--cloud: {cloud!r}; allowed: {', '.join(KUBERNETES_CLOUDS)}"])
    catalog = load_catalog_or_fail(overrides)
    try:
        day = today()
    except ValueError as error:
        raise fail([str(error)]) from None
    rows = sorted(
        (row for row in catalog.kubernetes_versions if cloud is None or row.cloud == cloud),
        key=lambda row: (KUBERNETES_CLOUDS.index(row.cloud), [-int(part) for part in row.version.split(".")]),
    )
    _rows_out(rows, output_format, f"Kubernetes versions (support on {day.isoformat()})", [
        ("cloud", lambda row: row.cloud), ("version", lambda row: row.version), ("released", lambda row: row.release_date or "?"),
        ("standard until", lambda row: _date(row.end_of_standard_support) if row.end_of_standard_support else "?"),
        ("extended until", lambda row: _date(row.end_of_extended_support) if row.end_of_extended_support else "-"),
        ("today", lambda row: catalog.kubernetes_support(row.cloud, row.version, day).state),
        ("as_of", lambda row: _date(row.as_of)), ("source", lambda row: row.source),
    ])


@catalog_app.command("import-model")
def catalog_import_model(
    hf_id: str = typer.Argument(..., help="Hugging Face model id 'org/name' the row is for."),
    config: Path = typer.Option(..., "--config", help="The model's config.json.", show_default=False),
    quant_config: Path | None = typer.Option(
        None, "--quant-config", help="A ModelOpt checkpoint's hf_quant_config.json, read as vLLM does when config.json declares no quantisation "
        "(default: the file of that name beside --config, if any).", show_default=False,
    ),
    licence: str | None = typer.Option(None, "--licence", help="Licence id (see `hangar catalog licences`); default: the catalog's row for HF_ID, if any."),
    revision: str | None = typer.Option(None, "--revision", help="The revision (commit) of the config.json read; recorded as the row's source."),
    base_model: str | None = typer.Option(
        None, "--base-model", help="The catalog model HF_ID derives from (fine-tune, distillation, quantised repack): its licences bind HF_ID too."
    ),
    overrides: Path = typer.Option(Path("catalog_overrides"), "--overrides", help="Override directory to write models.csv into (the stack's catalog_overrides)."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f"),
) -> None:
    """Add (or replace) HF_ID in an override models.csv from its config.json: layers, heads, KV layout, experts, context.

    Refuses a config it cannot interpret, naming the field. Parameter counts are ESTIMATES from the
    config's weight shapes. A derived model names its `--base-model`, whose licences (and its
    base's) it inherits; without `--licence` it takes the base's licence as its own. Point the
    stack's `catalog_overrides` at the directory to use the row. A ModelOpt checkpoint (NVIDIA's FP8 and
    NVFP4 repacks) declares its format in hf_quant_config.json: it is read from beside config.json, or
    from `--quant-config`, as vLLM reads it.
    """
    catalog = load_catalog_or_fail(overrides if any((overrides / t).exists() for t in ("models.csv", "licences.csv")) or overrides.is_file() else None)
    problems = []
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*", hf_id):
        problems.append(f"HF_ID: {hf_id!r} is not a Hugging Face repo id 'org/name'")
    if revision is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", revision):
        problems.append(f"--revision: {revision!r} is not a revision name or commit")
    known = catalog.models.get(hf_id)
    base = catalog.models.get(base_model) if base_model else None
    if base_model is not None and (base is None or base_model == hf_id):
        why = "is HF_ID itself" if base_model == hf_id else "is not in the catalog: import the base first (from its config.json) or name a catalog model"
        problems.append(f"--base-model: {base_model!r} {why}")
    elif licence is None and known is None and base is None:
        problems.append(f"--licence: {hf_id} is not in the catalog, so its licence must be given (or its --base-model); known licences: {', '.join(sorted(catalog.licences))}")
    elif licence is not None and licence not in catalog.licences:
        problems.append(f"--licence: unknown licence {licence!r}; known: {', '.join(sorted(catalog.licences))} (or add it to licences.csv)")
    if problems:
        raise fail(problems)
    try:
        row = import_row(
            hf_id, config, licence_id=licence or (known.licence_id if known else base.licence_id),
            base_licence_id=None if licence or not known else known.base_licence_id,
            base_model=base_model or (known.base_model if known else None),
            family=known.family if known else base.family if base else None, revision=revision, today=datetime.date.today(),
            quant_config_path=quant_config,
        )
        target = write_model_override(overrides, row)
    except ConfigError as error:
        raise fail([f"--quant-config {quant_config}: {error}" if quant_config is not None and error.field.startswith("hf_quant_config.json") else f"--config {config}: {error}"])
    except CatalogError as error:
        raise fail([problem.describe() for problem in error.problems])
    if output_format is OutputFormat.json:
        print_json({"written": str(target), "row": row.model_dump(mode="json")})
        return
    out.print(f"wrote {escape(row.hf_id)} to {escape(str(target))}", soft_wrap=True)
    out.print(f"  {escape(describe_architecture(row))}", soft_wrap=True)
    if (groups := row.mixed_params()) is not None:  # ModelOpt MIXED_PRECISION: a format per module (hangar.sizing.mixed)
        rest = row.params_total_b - sum(groups.values())
        out.print(f"  weights (ModelOpt MIXED_PRECISION): {', '.join(f'{b:g}B {f}' for f, b in groups.items())}, {rest:.3f}B in 16 bits", soft_wrap=True)
    out.print(f"  source: {escape(row.source)}", soft_wrap=True)
    if row.base_model:
        binding = ", ".join(lic.id for lic, _ in load_catalog_or_fail(overrides).model_licences(row.hf_id))
        out.print(f"  derives from {escape(row.base_model)}: bound by {escape(binding)}", soft_wrap=True)
    out.print(f"  use it: catalog_overrides: {escape(str(overrides))} in the stack config, or --overrides {escape(str(overrides))}", soft_wrap=True)


def describe_architecture(m: Any) -> str:
    """One line on a model row's size and attention layout, as sizing reads it."""
    latent = f" in a {m.moe_latent_size:,} latent" if m.moe_latent_size else ""  # Nemotron 3 Super and Ultra: experts narrower than the residual
    size = f"{m.params_total_b:g}B parameters" + (f" ({m.params_active_b:g}B active, {m.num_experts_per_tok} of {m.num_experts} experts{latent})" if m.is_moe and m.num_experts else
                                                  f" ({m.params_active_b:g}B active)" if m.is_moe else "")
    if m.uses_mla:
        kv = f"latent attention (kv_lora_rank {m.kv_lora_rank} + rope {m.qk_rope_head_dim})"
    else:
        kv = f"{m.kv_heads} KV heads x {m.head_dim}" + (f" (K; V {m.v_head_dim})" if m.v_head_dim else "")
        if m.global_kv_heads:
            kv += f" (full-attention layers {m.global_kv_heads} x {m.global_head_dim})"
    if m.indexer_bytes_per_token:
        kv += f", plus a sparse-attention indexer cache of {m.indexer_bytes_per_token / 1024:g} KiB/token"
    layout = f"{m.layers} layers"
    if describe_layers(m):
        layout += f" ({describe_layers(m)})"
    elif m.attention_layers and m.attention_layers < m.layers and m.state_bytes_per_sequence is None:  # Gemma 4's KV-shared layers
        layout += f" ({m.attention_layers} caching K/V, {m.layers - m.attention_layers} reusing an earlier layer's)"
    elif m.attention_layers and m.attention_layers < m.layers:
        mixers = f" (Mamba2: {m.mamba_heads} heads x {m.mamba_head_dim}, state {m.mamba_state_size}, {m.mamba_groups} groups)" if m.mamba_heads else ""
        layout += (f" ({m.attention_layers} with attention, {m.fixed_state_layers} with a fixed state{mixers} of {m.state_bytes_per_sequence / 2**20:,.1f} MiB "
                   "per sequence)")
    if m.sliding_window and not m.csa_layers and not m.hca_layers:  # DeepSeek-V4's window: describe_layers
        layout += f", {m.sliding_window_layers} of them sliding-window {m.sliding_window:,}"
    context = f"max context {m.max_context_tokens:,}"
    if m.default_context_tokens is not None:  # longrope: vLLM's default max_model_len (hangar.sizing.context.unset_context)
        context += f" (vLLM starts at {m.default_context_tokens:,} without --max-model-len)"
    return f"{size}; {layout}; {kv}; {m.kv_bytes_per_token_bf16 / 1024:g} KiB/token of bf16 {'compressed latents' if m.csa_layers or m.hca_layers else 'KV in full layers'}; {context}"
