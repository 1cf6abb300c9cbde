"""Bytes of a checkpoint whose routed experts are published in MXFP4 (gpt-oss), and which GPUs vLLM serves it on.

Read from vLLM v0.11.2 (the PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417 per vllm/_version.py, read 2026-12-01),
vllm/model_executor/layers/quantization/mxfp4.py:

* Only the fused-MoE experts are MXFP4: `Mxfp4Config.get_quant_method` gives every linear layer
  `UnquantizedLinearMethod` and quantises no attention, embedding or LM head ("MXFP4 linear layer is not implemented");
  `get_supported_act_dtypes` is bfloat16 only, so the rest is held in bf16, 2 bytes a parameter. gpt-oss's own
  config.json says the same: `quantization_config.modules_to_not_convert` lists self_attn, the router, embed_tokens
  and lm_head (and openai/gpt-oss README.md at 0492bd3e: "trained with native MXFP4 precision for the MoE layer").
* `Mxfp4MoEMethod.create_weights`: per expert, `w13_weight` (gate and up, 2 x intermediate rows) and `w2_weight`
  (down) are uint8 holding two 4-bit values a byte (`hidden_size // 2`), `*_weight_scale` one uint8 scale per
  `mxfp4_block = 32` values, and `w13_bias` / `w2_bias` bf16 - 1/2 + 1/32 bytes a weight (4.25 bits) plus the biases.
* The widths are padded per backend before allocation: Marlin rounds the per-rank intermediate width up to 128 and
  the hidden width to 256 ("The moe marlin kernel requires that for each linear n % 256 == 0 and k % 128 == 0");
  FlashInfer's SM100 MXFP4 x BF16 backend rounds both to 256 (the hidden width already in
  vllm/model_executor/layers/fused_moe/layer.py `maybe_roundup_hidden_size`). A rank holds `intermediate // TP` of
  each expert's width (`FusedMoE.intermediate_size_per_partition`) and every expert (no expert parallelism). `prepare_moe_fp4_layer_for_marlin` repacks the 4-bit
  weights and turns the scales back into float8_e8m0fnu (one byte), so the padded sizes are what stays resident.
* `get_mxfp4_backend` picks, on CUDA with no `VLLM_*MXFP4*` variable set (Hangar sets none): FlashInfer MXFP4 x BF16
  on compute capability 10.0 when FlashInfer is importable; otherwise Marlin when the capability is below 9.0 or the
  optional `triton_kernels` package is absent. The vllm/vllm-openai image installs flashinfer-python (requirements/
  cuda.txt) and its cubins (docker/Dockerfile) but no triton_kernels (neither file names it), so Hopper and Ampere/Ada
  get Marlin and Blackwell (SM100) FlashInfer; with LoRA enabled `get_mxfp4_backend_with_lora` always takes Marlin.
* vllm/config/vllm.py `_get_quantization_config` refuses a GPU below `Mxfp4Config.get_min_capability()` = 80:
  "The quantization method mxfp4 is not supported for the current GPU. Minimum capability: 80."
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hangar.catalog import Model

MXFP4_BLOCK = 32
"""Values sharing one scale byte (`mxfp4_block` in vLLM's `Mxfp4MoEMethod.create_weights`)."""
MXFP4_BYTES_PER_WEIGHT = 1 / 2 + 1 / MXFP4_BLOCK
"""A 4-bit value (two a byte) plus its share of the block's one-byte scale: 4.25 bits."""
BIAS_BYTES = 2
"""`w13_bias` / `w2_bias` and every unquantised layer are bf16."""
MIN_CAPABILITY = 80
"""`Mxfp4Config.get_min_capability()`: compute capability 8.0 (Ampere) and newer."""


class Mxfp4Unsized(ValueError):
    """The catalog row lacks what splitting its weights into MXFP4 experts and a bf16 rest needs."""


@dataclass(frozen=True)
class Backend:
    """One of vLLM's MXFP4 MoE backends and the padding its `create_weights` applies."""

    name: str
    intermediate_multiple: int
    hidden_multiple: int


PUBLISHED = Backend("as published", 1, 1)
MARLIN = Backend("Marlin", 128, 256)
FLASHINFER_SM100 = Backend("FlashInfer MXFP4 x BF16 (SM100)", 256, 256)


def compute_capability(architecture: str) -> int | None:
    """The compute capability (80 for 'Ampere (SM80)') a catalog GPU's architecture names, None when it names none."""
    found = re.search(r"\bSM(\d{2,3})\b", architecture)
    return int(found.group(1)) if found else None


def backend(capability: int, *, lora: bool = False) -> Backend | None:
    """The backend vLLM v0.11.2's vllm/vllm-openai image serves MXFP4 experts with on a GPU; None below capability 8.0."""
    if capability < MIN_CAPABILITY:
        return None
    if lora or capability < 100:
        return MARLIN
    return FLASHINFER_SM100


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _layout(model: Model) -> tuple[int, int, int, int]:
    """(MoE layers, experts, hidden width, expert width), or Mxfp4Unsized naming what is missing."""
    missing = [name for name in ("hidden_size", "moe_intermediate_size", "num_experts") if getattr(model, name) is None]
    if missing:
        raise Mxfp4Unsized(f"{model.hf_id}'s mxfp4 experts cannot be sized: the catalog lacks its {', '.join(missing)}")
    if model.intermediate_size is not None:
        raise Mxfp4Unsized(f"{model.hf_id}'s mxfp4 experts cannot be sized: it has dense MLP layers too and the catalog does not say how many")
    assert model.hidden_size and model.moe_intermediate_size and model.num_experts  # for the type checker
    return model.layers, model.num_experts, model.hidden_size, model.moe_intermediate_size


def expert_weights(model: Model) -> int:
    """Weights in the routed experts (gate, up and down matrices of every expert of every layer), biases left out."""
    layers, experts, hidden, inner = _layout(model)
    return layers * experts * 3 * hidden * inner


def weight_bytes(model: Model, *, tensor_parallel: int = 1, kernel: Backend = PUBLISHED) -> float:
    """Bytes of the weights: the experts in MXFP4 (with their bf16 biases) as `kernel` pads them on each of
    `tensor_parallel` ranks, and every other parameter of the catalog's estimate in bf16."""
    layers, experts, hidden, inner = _layout(model)
    rest = model.params_total_b * 1e9 - expert_weights(model)
    inner_rank = _round_up(inner // tensor_parallel, kernel.intermediate_multiple)
    hidden_rank = _round_up(hidden, kernel.hidden_multiple)
    quantised = 3 * inner_rank * hidden_rank * MXFP4_BYTES_PER_WEIGHT  # w13 (2 x inner rows) and w2, with scales
    biases = (2 * inner_rank + hidden_rank) * BIAS_BYTES  # w13_bias and w2_bias (the latter on every rank)
    return layers * experts * (quantised + biases) * tensor_parallel + max(rest, 0.0) * BIAS_BYTES
