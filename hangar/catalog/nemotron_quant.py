"""The modules of a Nemotron-H ModelOpt checkpoint kept in 16 bits (its `exclude_modules`), counted from the layout
`hangar.catalog.mamba_layout` reads: the row's `unquantised_params_b` (ESTIMATE).

NVIDIA names a Nemotron-H module `backbone.layers.<i>.mixer.<name>` (every layer holds one mixer: a Mamba2 block, an
attention block, an MLP or a MoE), as the exclude list of NVIDIA's Nemotron 3 Nano NVFP4 repack shows (ai-dynamo/
aiconfigurator `aic-core/src/aiconfigurator_core/model_configs/nvidia--NVIDIA-Nemotron-3-Nano-30B-A3B-NVFP4_hf_quant_config.json`
at 095f58a5, read 2026-12-02: the in/out projections of six Mamba2 layers, the q/k/v/o projections of the six
attention layers and every Mamba2 layer's conv1d). The weights behind each name, as vLLM v0.33.0 builds them (PyPI
wheel, commit 4ba787ec9, read 2026-12-02): vllm/model_executor/layers/mamba/mamba_mixer2.py `MambaMixer2` - `in_proj`
hidden -> 2 x width + 2 x groups x state + heads, `out_proj` width -> hidden, and `conv1d` built with
`quant_config=None`, so 16-bit whatever the list says (not counted again); vllm/model_executor/models/nemotron_h.py -
`q_proj`/`k_proj`/`v_proj`/`o_proj` of `NemotronHAttention`, `up_proj`/`down_proj` of `NemotronHMLP` (a dense layer's,
or the MoE's `shared_experts`), `fc1_latent_proj`/`fc2_latent_proj` of a latent MoE ("ModelOpt excludes the latent
projections", its comment says), `experts` (the routed experts, in the latent width where there is one) and `gate`,
the router (a `GateLinear`, never quantised: not counted, as `hangar.catalog.modelopt` leaves routers out). A name
that is not one of these is refused, naming the field. Granite 4.0 checkpoints name other modules; no ModelOpt
Granite file was read, so any module a Granite checkpoint excludes is refused likewise.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError
from .modelopt import is_modelopt, kept_modules
from .modelopt_mixed import is_mixed
from .weight_format import declared_quantisation


def module_sizes(kind: str, *, hidden: int, heads: int, kv_heads: int, head_dim: int, mamba: dict[str, Any], mlp: dict[str, Any]) -> dict[str, int]:
    """Parameters of each excludable module of a layer of `kind` (mamba, attention, mlp, moe), by its checkpoint name."""
    if kind == "mamba":
        width = mamba["heads"] * mamba["head_dim"]
        conv = width + 2 * mamba["groups"] * mamba["state_size"]
        return {"in_proj": hidden * (width + conv + mamba["heads"]), "out_proj": width * hidden, "conv1d": 0}
    if kind == "attention":
        kv = hidden * kv_heads * head_dim
        return {"q_proj": hidden * heads * head_dim, "k_proj": kv, "v_proj": kv, "o_proj": heads * head_dim * hidden}
    if kind == "mlp":
        return {"up_proj": hidden * mlp["dense"], "down_proj": mlp["dense"] * hidden}
    latent = mlp["latent"]
    sizes = {"experts": mlp["experts"] * 2 * (latent or hidden) * mlp["expert"], "gate": 0}
    if latent:
        sizes |= {"fc1_latent_proj": hidden * latent, "fc2_latent_proj": latent * hidden}
    if mlp["shared"]:
        sizes |= {"shared_experts.up_proj": hidden * mlp["shared"], "shared_experts.down_proj": mlp["shared"] * hidden}
    return sizes


def kept_parameters(config: dict, text: dict, quant_config: dict | None, kinds: list[str], model_type: str, **shape: Any) -> float | None:
    """Billions of parameters a ModelOpt checkpoint of this hybrid keeps in 16 bits beyond its embedding and head (ESTIMATE);
    None where it keeps none. `shape` is `module_sizes`' hidden, heads, kv_heads, head_dim, mamba and mlp."""
    found = declared_quantisation(config, text, quant_config)
    if found is None or not is_modelopt(found[1]) or is_mixed(found[1]):  # mixed: what it does not list is 16-bit
        return None
    key, quant = found
    kept: dict[int, set[str]] = {}
    for entry, (layer, placed) in kept_modules(quant, key, len(kinds)).items():
        if model_type != "nemotron_h" or not placed.startswith("mixer"):
            raise ConfigError(key, f"excludes {entry!r}, a module Hangar cannot count in the {model_type} layout; it counts "
                                   "backbone.layers.<i>[.mixer[.<module>]] of a Nemotron-H checkpoint")
        module = placed.partition(".")[2] or None
        sizes = module_sizes(kinds[layer], **shape)
        if module == "shared_experts":
            names = {name for name in sizes if name.startswith("shared_experts.")}
        else:
            names = set(sizes) if module is None else {module} & set(sizes)
        if not names:
            raise ConfigError(key, f"excludes {entry!r}, a module layer {layer} ({kinds[layer]}) does not have; its modules: {', '.join(sizes)}")
        kept.setdefault(layer, set()).update(names)
    total = sum(module_sizes(kinds[layer], **shape)[name] for layer, names in kept.items() for name in names)
    return round(total / 1e9, 3) if total else None
