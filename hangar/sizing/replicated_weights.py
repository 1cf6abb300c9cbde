"""Weights vLLM keeps whole on every tensor-parallel rank, which a count split by TP (`hangar.sizing.memory.weight_bytes`) misses.

`weight_bytes` charges every weight once over the TP group, so `MemoryFit.weights_per_gpu_gib` is 1/TP of it. A
`ReplicatedLinear` (or a linear built with `disable_tp=True`) is not split: each of the TP ranks holds all of it, in the
dtype its layer loads it in. `engine_extra_bytes` is what those modules add to one engine's weights over that count.

Nemotron-H (vLLM v0.33.0 vllm/model_executor/models/nemotron_h.py `NemotronHMoE.__init__`, PyPI wheel, commit 4ba787ec9,
read 2026-12-03):

* a latent MoE (`moe_latent_size` set: Nemotron 3 Super and Ultra) builds `fc1_latent_proj` (hidden -> latent) and
  `fc2_latent_proj` (latent -> hidden) as `ReplicatedLinear(..., quant_config=quant_config)` in every MoE layer (`mlp_bias`
  false in both configs: no bias). They are quantised like any linear layer unless the checkpoint's ModelOpt
  `exclude_modules` names them (vllm/model_executor/layers/quantization/modelopt.py `is_layer_excluded`), and the file
  says NVIDIA's do: "ModelOpt excludes the latent projections, so quantized checkpoints still get an
  UnquantizedLinearMethod here". A ModelOpt row (dtype modelopt-fp8 or nvfp4) is therefore taken to hold them in 16 bits,
  counted so in its `unquantised_params_b`; a bf16 checkpoint served at a lower precision quantises them with the rest
  (`Fp8Config.get_quant_method` takes every `LinearBase`). Were a ModelOpt row's exclusions not to name them, the 16 bits
  overstate them by (2 - its bytes per weight) a weight on each rank.
* the router `gate` is a `GateLinear` (vllm/model_executor/layers/fused_moe/router/gate_linear.py, a `ReplicatedLinear`)
  of hidden -> experts built with no `quant_config` and `force_fp32_compute=True`: its weight is float32 unless
  `can_use_specialized_kernels` (CUDA, compute capability exactly 9.0 or the 10.x family, no bias, no
  `VLLM_BATCH_INVARIANT`, which Hangar never sets), else the model's 16-bit dtype. At v0.11.2 (nemotron_h.py, sdist commit
  275de3417) it is a `ReplicatedLinear(..., params_dtype=torch.float32, quant_config=None)`: float32 on every GPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    """Bytes `weight_bytes` charges a non-expert linear weight at `precision`: the precision's own (`bytes_per_param`), a
    W4A16 row's group layout (int4), or beside MXFP4 experts 16 bits (8 for DeepSeek-V4's FP8 rest)."""
    if precision == "int4":
        return model_bytes_per_weight(model)
    if precision == "mxfp4":
        return 1.0 if fp8_rest(model) else SIXTEEN_BITS
    return bytes_per_param


def replicated_modules(model: Model, precision: str, bytes_per_param: float, *, engine_version: str | None = None,
                       capability: int | None = None) -> list[Replicated]:
    """The modules of `model` vLLM `engine_version` keeps whole on every TP rank and Hangar sizes, on a GPU of compute
    capability `capability` (None: not an NVIDIA GPU)."""
    if model.text_model_type != NEMOTRON_H or model.num_experts is None or model.hidden_size is None:
        return []
    counted = linear_bytes(model, precision, bytes_per_param)
    layers = moe_layers(model)
    found = []
    if model.moe_latent_size is not None:
        held = SIXTEEN_BITS if model.dtype in MODELOPT_DTYPES else counted
        found.append(Replicated("fc1_latent_proj and fc2_latent_proj", layers * 2 * model.hidden_size * model.moe_latent_size, held, held))
    specialised = sized_release(engine_version) == "v0.33.0" and capability in SPECIALISED_ROUTER_CAPABILITIES
    found.append(Replicated("the router (gate)", layers * model.hidden_size * model.num_experts, SIXTEEN_BITS if specialised else FLOAT32, counted))
    return found


def engine_extra_bytes(model: Model, precision: str, bytes_per_param: float, tensor_parallel: int, engine_version: str | None = None,
                       capability: int | None = None) -> float:
    """Bytes one engine of `tensor_parallel` GPUs holds beyond `weight_bytes` for the modules every rank keeps whole."""
    modules = replicated_modules(model, precision, bytes_per_param, engine_version=engine_version, capability=capability)
    return sum(module.engine_extra_bytes(tensor_parallel) for module in modules)
