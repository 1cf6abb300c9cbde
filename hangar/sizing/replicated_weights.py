"""Weights vLLM keeps whole on every tensor-parallel rank, which a count split by TP (`hangar.sizing.memory.weight_bytes`) misses.

`weight_bytes` charges every weight once over the TP group, so `MemoryFit.weights_per_gpu_gib` is 1/TP of it. A
`ReplicatedLinear`, a `GateLinear` (a `ReplicatedLinear`) or a linear built with `disable_tp=True` is not split: each of
the TP ranks holds all of it, in the dtype its layer loads it in. `engine_extra_bytes` is what those modules add to one
engine's weights over that count. Read in vLLM v0.33.0 (PyPI wheel, commit 4ba787ec9) and v0.11.2 (sdist, commit
275de3417), 2026-12-03; paths are under vllm/model_executor/models/ unless they start with vllm/.

* Routers, one hidden x experts matrix a MoE layer (`ROUTER_FLOAT32` says which are float32, the rest are 16-bit):
  v0.33.0 builds every router read here as a `GateLinear` (vllm/model_executor/layers/fused_moe/router/gate_linear.py)
  with no `quant_config` but in qwen3_moe.py, v0.11.2 as a `ReplicatedLinear(quant_config=None)` but in qwen3_moe.py and
  qwen3_next.py (glm4_moe.py: an `nn.Linear(dtype=torch.float32)`; gpt_oss.py: an `nn.Linear`). Those given the
  `quant_config` are counted 16-bit too: the Qwen3 FP8 and NVFP4 checkpoints read (tests/model_configs) list every
  `mlp.gate` among the modules they leave unquantised.
* Latent attention (DeepSeek V2/V3/R1, V3.2, Kimi K2/K2.5, GLM-5, Kimi K3, Kimi Linear): the down projections of every
  MLA layer, `fused_qkv_a_proj` (hidden -> q_lora_rank + kv_lora_rank + qk_rope_head_dim, `disable_tp=True`) or, without
  a q_lora_rank, `kv_a_proj_with_mqa` (hidden -> kv_lora_rank + qk_rope_head_dim, a `ReplicatedLinear`): deepseek_v2.py
  `DeepseekV2MLAAttention` at both releases, vllm/models/deepseek_v32/attention.py (v0.33.0 V3.2 and GLM-5),
  vllm/models/kimi_k3/nvidia/mla.py (K3's `KimiK3MergedQKVGateLinear` keeps the two latent shards "replicated across
  tensor-parallel ranks"; its gate shard is split) and v0.11.2 kimi_linear.py. All take the layer's `quant_config`.
* A DeepSeek Sparse Attention indexer (V3.2, GLM-5; one a layer that has its own, `hangar.catalog.sparse_indexer`):
  `wq_b` (q_lora_rank -> index heads x index dim, a `ReplicatedLinear` with the `quant_config`) and the key and weight
  projections (hidden -> index dim + index heads): v0.33.0's `wk_weights_proj` is built with `quant_config=None` and
  `disable_tp=True` ("FP8 wk weights are upcasted to BF16 during loading"), v0.11.2's `wk` takes the `quant_config` and
  `weights_proj` does not.
* A latent MoE: Nemotron-H's `fc1_latent_proj` / `fc2_latent_proj` (nemotron_h.py `NemotronHMoE`, v0.33.0) and Kimi K3's
  `routed_expert_down_proj` / `routed_expert_up_proj` (vllm/models/kimi_k3/nvidia/model.py `KimiMoE`: "the full weight
  lives on every rank"), hidden -> latent and back, `ReplicatedLinear`s with the `quant_config`.

A module given the `quant_config` is held as `weight_bytes` counts the row's linear layers (`linear_bytes`): the
precision's bytes, or 16 bits where the checkpoint keeps it so. Attention is taken as kept 16-bit where the row's
`unquantised_params_b` holds at least all its attention weights (`attention_kept`: NVIDIA's GLM-5 NVFP4 and Kimi K2.5
NVFP4 repacks, Kimi K2.5's experts-only int4); Nemotron-H's latent projections in a ModelOpt row (dtype modelopt-fp8 or
nvfp4), because nemotron_h.py says "ModelOpt excludes the latent projections, so quantized checkpoints still get an
UnquantizedLinearMethod here" (a ModelOpt list that did not name them would make that 16 bits an overstatement of
(2 - the precision's bytes) a weight on each rank). Beside MXFP4 experts (gpt-oss, Kimi K3) every linear layer is 16-bit.
Nemotron-H's router has `force_fp32_compute=True`: float32 unless `GateLinear.can_use_specialized_kernels` (CUDA,
capability exactly 9.0 or the 10.x family, no bias, `VLLM_BATCH_INVARIANT` unset: Hangar sets none), else 16-bit; at
v0.11.2 `params_dtype=torch.float32` on every GPU.

Left split, and why (sizes for the largest row each applies to):
* K/V projections under TP above the KV heads: `QKVParallelLinear` gives each rank one KV head's k and v when TP exceeds
  them, so TP/kv_heads copies exist (Qwen3-235B at TP 8, 4 KV heads: 2 x 4,096 x 128 x 94 layers = 0.099B weights a GPU
  where the split charges half that);
* Kimi K3's KDA `f_a` shard of `in_proj_qkvgfab` (`_KimiGDNMergedColumnParallelLinear(replicated_shard_id=4)`, 7,168 x
  128 a KDA layer, 0.063B in all: the row does not keep the KDA head size) and its attention-residual projections
  (`ReplicatedLinear(hidden, 1)`, 1.3M); every norm and bias. MiniMax-M3's fused q/k/v/index projection
  (`MinimaxM3QKVParallelLinearWithIndexer`) was not read for what it replicates;
* DeepSeek-V4's and Step-3.7-Flash's routers, indexers and compressors (not read here).
Under expert parallelism with TP > 1 and DP > 1 vLLM's sequence-parallel MoE also replicates shared experts and, in Kimi
K3, its `KimiMLP`s (`hangar.sizing.experts` leaves that out too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hangar.catalog.sparse_indexer import own_indexer_layers

from .engine import sized_release
from .experts import NEMOTRON_H, moe_layers
from .mxfp4 import fp8_rest
from .wna16 import model_bytes_per_weight

if TYPE_CHECKING:
    from hangar.catalog import Model

SIXTEEN_BITS = 2
FLOAT32 = 4
MODELOPT_DTYPES = frozenset({"modelopt-fp8", "nvfp4"})
"""Row dtypes of a ModelOpt checkpoint, whose `exclude_modules` decide which linear layers stay 16-bit."""
SPECIALISED_ROUTER_CAPABILITIES = (90, 100, 101, 102, 103)
"""Where `GateLinear` keeps a forced-fp32 router in 16 bits (v0.33.0): `is_device_capability((9, 0))` or
`is_device_capability_family(100)` (10.x)."""
_SHARED_ROUTERS = ("mixtral", "qwen2_moe", "qwen3_moe", "deepseek_v2", "deepseek_v3", "kimi_k2", "deepseek_v32", "glm4_moe",
                   "gpt_oss", "qwen3_next", "llama4_text", "minimax_m2", NEMOTRON_H, "kimi_linear")
ROUTERS_READ: dict[str, frozenset[str]] = {
    "v0.11.2": frozenset(_SHARED_ROUTERS),
    "v0.33.0": frozenset({*_SHARED_ROUTERS, "glm_moe_dsa", "qwen3_5_moe_text", "gemma4_text", "minimax_m3", "mimo_v2_flash"}),
}
"""Text model types whose router construction was read at each release (their files are named in the module docstring)."""
ROUTER_FLOAT32: dict[str, frozenset[str]] = {
    "v0.11.2": frozenset({"glm4_moe", "minimax_m2", NEMOTRON_H}),
    "v0.33.0": frozenset({"glm4_moe", "minimax_m2", "minimax_m3", "mimo_v2_flash"}),
}
"""Routers built in float32: `params_dtype=torch.float32` (glm4_moe.py, minimax_m2.py, vllm/models/minimax_m3/nvidia/model.py,
v0.11.2 nemotron_h.py), `nn.Linear(dtype=torch.float32)` (v0.11.2 glm4_moe.py), or mimo_v2.py's
`getattr(config, "moe_router_dtype", "float32")`, which MiMo-V2-Flash's config.json does not set."""
MLA_TYPES = frozenset({"deepseek_v2", "deepseek_v3", "kimi_k2", "deepseek_v32", "glm_moe_dsa", "kimi_linear"})
INDEXER_TYPES = frozenset({"deepseek_v32", "glm_moe_dsa"})


@dataclass(frozen=True)
class Replicated:
    """One kind of module every TP rank holds whole."""

    module: str
    params: int
    """Weights of all its instances in the model."""
    held_bytes: float
    """Bytes a weight takes on each rank, as its layer loads it."""
    counted_bytes: float
    """Bytes a weight of it takes in `weight_bytes` (which splits it over the TP group)."""

    def engine_extra_bytes(self, tensor_parallel: int) -> float:
        """What it adds to one engine's weights over `weight_bytes`: TP whole copies less the one counted."""
        return self.params * (self.held_bytes * tensor_parallel - self.counted_bytes)


def linear_bytes(model: Model, precision: str, bytes_per_param: float) -> float:
    """Bytes `weight_bytes` charges a quantisable linear weight at `precision`: the precision's own (`bytes_per_param`), a
    W4A16 row's group layout (int4), or beside MXFP4 experts 16 bits (1 byte for DeepSeek-V4's FP8 rest)."""
    if precision == "int4":
        return model_bytes_per_weight(model)
    if precision == "mxfp4":
        return 1.0 if fp8_rest(model) else SIXTEEN_BITS
    return bytes_per_param


def _mla_layers(model: Model) -> int:
    """Latent-attention layers: `attention_layers` in a hybrid (Kimi), else every layer."""
    return model.attention_layers or model.layers


def _indexer_params(model: Model) -> tuple[int, int]:
    """(wq_b, wk + weights_proj) weights of one indexer."""
    assert model.index_n_heads is not None and model.index_head_dim is not None and model.hidden_size is not None
    query = (model.q_lora_rank or model.hidden_size) * model.index_n_heads * model.index_head_dim
    return query, model.hidden_size * (model.index_head_dim + model.index_n_heads)


def attention_kept(model: Model) -> bool:
    """Whether the row's 16-bit modules (`unquantised_params_b`) hold at least all its latent-attention weights (ESTIMATE:
    per MLA layer the q, kv and o projections, and its indexers), so its checkpoint keeps attention unquantised."""
    needed = (model.hidden_size, model.kv_lora_rank, model.qk_rope_head_dim, model.qk_nope_head_dim, model.v_head_dim)
    if model.unquantised_params_b is None or any(value is None for value in needed):
        return False
    hidden, lora, rope, nope, value = needed
    heads, q_lora = model.attention_heads, model.q_lora_rank
    query = hidden * q_lora + q_lora * heads * (nope + rope) if q_lora else hidden * heads * (nope + rope)
    attention = _mla_layers(model) * (query + hidden * (lora + rope) + lora * heads * (nope + value) + heads * value * hidden)
    if model.indexer_bytes_per_token is not None and model.index_n_heads is not None and model.index_head_dim is not None:
        attention += own_indexer_layers(model) * sum(_indexer_params(model))
    return model.unquantised_params_b * 1e9 >= attention - 5e6  # the row keeps 3 decimals of a billion


def _router_bytes(model: Model, release: str, capability: int | None) -> float:
    if model.text_model_type == NEMOTRON_H and release == "v0.33.0":
        return SIXTEEN_BITS if capability in SPECIALISED_ROUTER_CAPABILITIES else FLOAT32
    return FLOAT32 if model.text_model_type in ROUTER_FLOAT32[release] else SIXTEEN_BITS


def replicated_modules(model: Model, precision: str, bytes_per_param: float, *, engine_version: str | None = None,
                       capability: int | None = None) -> list[Replicated]:
    """The modules of `model` vLLM `engine_version` keeps whole on every TP rank and Hangar sizes, on a GPU of compute
    capability `capability` (None: not an NVIDIA GPU)."""
    kind, release, hidden = model.text_model_type, sized_release(engine_version), model.hidden_size
    if hidden is None:
        return []
    counted = linear_bytes(model, precision, bytes_per_param)
    attention = SIXTEEN_BITS if attention_kept(model) else counted
    found = []
    if kind in MLA_TYPES and model.kv_lora_rank is not None and model.qk_rope_head_dim is not None:
        width = (model.q_lora_rank or 0) + model.kv_lora_rank + model.qk_rope_head_dim
        name = "fused_qkv_a_proj" if model.q_lora_rank else "kv_a_proj_with_mqa"
        found.append(Replicated(f"latent attention's {name}", _mla_layers(model) * hidden * width, attention, attention))
    if kind in INDEXER_TYPES and None not in (model.indexer_bytes_per_token, model.index_n_heads, model.index_head_dim):
        layers, (query, keys) = own_indexer_layers(model), _indexer_params(model)
        found.append(Replicated("the indexers' wq_b", layers * query, attention, attention))
        if release == "v0.33.0":
            found.append(Replicated("the indexers' wk_weights_proj", layers * keys, SIXTEEN_BITS, attention))
        else:
            assert model.index_head_dim is not None
            found.append(Replicated("the indexers' wk", layers * hidden * model.index_head_dim, attention, attention))
            found.append(Replicated("the indexers' weights_proj", layers * (keys - hidden * model.index_head_dim), SIXTEEN_BITS, attention))
    if model.num_experts is None:
        return found
    layers = moe_layers(model)
    if model.moe_latent_size is not None and kind in (NEMOTRON_H, "kimi_linear"):
        held = SIXTEEN_BITS if kind == NEMOTRON_H and model.dtype in MODELOPT_DTYPES else counted
        names = "fc1_latent_proj and fc2_latent_proj" if kind == NEMOTRON_H else "routed_expert_down_proj and routed_expert_up_proj"
        found.append(Replicated(f"the latent MoE's {names}", layers * 2 * hidden * model.moe_latent_size, held, held))
    if kind in ROUTERS_READ[release]:  # a MIXED_PRECISION row counts its routers, never listed, 16-bit (hangar.sizing.mixed)
        routers = SIXTEEN_BITS if model.mixed_params_b is not None else counted
        found.append(Replicated("the routers", layers * hidden * model.num_experts, _router_bytes(model, release, capability), routers))
    return found


def engine_extra_bytes(model: Model, precision: str, bytes_per_param: float, tensor_parallel: int, engine_version: str | None = None,
                       capability: int | None = None) -> float:
    """Bytes one engine of `tensor_parallel` GPUs holds beyond `weight_bytes` for the modules every rank keeps whole."""
    modules = replicated_modules(model, precision, bytes_per_param, engine_version=engine_version, capability=capability)
    return sum(module.engine_extra_bytes(tensor_parallel) for module in modules)
