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

Re-read in vLLM v0.33.0 (the PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per vllm/_version.py, and its wheel's
vllm/third_party/triton_kernels; read 2026-12-02):

* `Mxfp4Config.get_min_capability()` is still 80, and linear, attention and embedding layers stay unquantised.
* gpt-oss's checkpoint maps to `GptOssMxfp4Config`, whose `GptOssMxfp4MoEMethod` picks its kernel with
  vllm/model_executor/layers/fused_moe/oracle/mxfp4.py `select_mxfp4_moe_backend`: with `moe_backend` "auto" (Hangar
  sets none) the first of `_get_priority_backends_for_gpt_oss` whose experts class accepts the GPU and the config.
  FlashInfer TRT-LLM MXFP4 x BF16 takes the SM100 family (vllm/model_executor/layers/fused_moe/experts/
  trtllm_mxfp4_moe.py, FlashInfer being in the image); the OAI Triton kernels take 9.0 <= capability < 13.0
  (experts/gpt_oss_triton_kernels_moe.py), now shipped inside vLLM (vllm/third_party/triton_kernels, setup.py), but
  on the SM120 family they are moved behind Marlin; Marlin takes the rest from 8.0 (Humming is put before Marlin
  only on 9.0, where Triton comes first). With LoRA every experts class but Marlin's (`LoRAExpertsMixin`,
  experts/marlin_moe.py) refuses the config (fused_moe/modular_kernel.py: "LoRA"; the LoRA-aware Triton and TRT-LLM
  classes are not among the "auto" choices), so LoRA takes Marlin, as at v0.11.2.
* `mxfp4_round_up_hidden_size_and_intermediate_size` pads per backend: Marlin the per-rank intermediate width to 128
  and the hidden width to 256 (as at v0.11.2); TRT-LLM the intermediate width to 128 and the hidden width to 256;
  the OAI Triton kernels (the function's last branch on CUDA) the intermediate width to 64 only. Not counted: the
  Hopper swizzle of the Triton path (vllm/model_executor/layers/quantization/utils/mxfp4_utils.py `_swizzle_mxfp4`,
  triton_kernels' HopperMXValueLayout and HopperMXScaleLayout) pads the values to 16 x 32-byte tiles, which gpt-oss's
  widths already fill, and the one-byte scales (1/32 of the weights) to 256 rows.

DeepSeek-V4 (vLLM v0.33.0 wheel, vllm/models/deepseek_v4/quant_config.py `DeepseekV4FP8Config`, read 2026-12-02) publishes
its routed experts in MXFP4 (`expert_dtype` "fp4": `Mxfp4MoEMethod`, no expert biases) and every linear layer beside them
in FP8 blocks of 128 x 128 (`Fp8Config`), the embedding and output head unquantised: `fp8_rest`. Its expert widths
(2,048 and 3,072 over TP up to 8, hidden 4,096 and 7,168) are already multiples of every padding above, so the kernel
chosen changes no byte there. vLLM picks "deepseek_v4_fp8" for it whatever `--quantization` says, so Hangar passes
none (`hangar.precision.own_quantisation` has the lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hangar.catalog.deepseek_v4 import is_deepseek_v4

from .embeddings import quantised_weight_bytes
from .engine import sized_release
from .kv import round_up

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
KIMI_MOE_TYPES = ("kimi_linear",)
"""Text model types vLLM v0.33.0 serves with vllm/models/kimi_k3/nvidia/model.py `KimiMoE` (Kimi K3 and Kimi Linear)."""
KIMI_MIN_RANK_WIDTH = 256
"""`KimiMoE.__init__` (v0.33.0, read 2026-12-03): under TP > 1 without expert parallelism, where moe_intermediate_size // TP
is below `getattr(config, "min_moe_intermediate_per_partition", 256)` (K3's config.json sets none), it builds the FusedMoE
with `padded_moe_intermediate_size` = 256 x TP, so every rank holds 256 columns of each expert (K3: from TP 16, whose
share is 192 of 3,072). With expert parallelism whole experts are not padded (`hangar.sizing.experts`)."""


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
TRTLLM_SM100 = Backend("FlashInfer TRT-LLM MXFP4 x BF16 (SM100)", 128, 256)
OAI_TRITON = Backend("OAI Triton (SM90)", 64, 1)
ROCM = Backend("ROCm (AITER BF16 or Triton unfused)", 128, 128)
"""vLLM v0.33.0 on ROCm (fused_moe/oracle/mxfp4.py `mxfp4_round_up_hidden_size_and_intermediate_size`): both widths to
128 for a SiLU model on AITER's BF16 kernel or on Triton below CDNA4 (MI300X), else 256. DeepSeek-V4 is SiLU (its
`FusedMoEFactory` call in vllm/models/deepseek_v4/amd/model.py passes no `activation`: layer.py's default "silu", the
clamp a separate `swiglu_limit`). Not modelled: Triton on CDNA4 (gfx950), where AITER's kernel does not take the layer,
pads to 256."""


def rocm_kernel(accelerator: object) -> Backend | None:
    """`ROCM` for an AMD GPU (where Hangar plans MXFP4 only for DeepSeek-V4: `hangar.sizing.kv_deepseek_v4.rocm_served`)."""
    return ROCM if getattr(accelerator, "vendor", None) == "AMD" else None


def compute_capability(architecture: str) -> int | None:
    """The compute capability (80 for 'Ampere (SM80)') a catalog GPU's architecture names, None when it names none."""
    found = re.search(r"\bSM(\d{2,3})\b", architecture)
    return int(found.group(1)) if found else None


def backend(capability: int, *, lora: bool = False, engine_version: str | None = None) -> Backend | None:
    """The backend vLLM `engine_version`'s vllm/vllm-openai image (the pinned release's when None or not read) serves
    MXFP4 experts with on a GPU; None below capability 8.0."""
    if capability < MIN_CAPABILITY:
        return None
    if lora:
        return MARLIN
    if sized_release(engine_version) == "v0.33.0":
        if capability // 10 == 10:
            return TRTLLM_SM100
        return OAI_TRITON if capability == 90 else MARLIN
    return MARLIN if capability < 100 else FLASHINFER_SM100


def _layout(model: Model) -> tuple[int, int, int, int]:
    """(MoE layers, experts, the width an expert takes in, expert width), or Mxfp4Unsized naming what is missing. A latent
    MoE's experts take its `moe_latent_size` in (Kimi K3); a model with dense MLP layers too routes in the
    layers `dense_mlp_layers` leaves (`hangar.sizing.experts.moe_layers`)."""
    missing = [name for name in ("hidden_size", "moe_intermediate_size", "num_experts") if getattr(model, name) is None]
    if missing:
        raise Mxfp4Unsized(f"{model.hf_id}'s mxfp4 experts cannot be sized: the catalog lacks its {', '.join(missing)}")
    if model.intermediate_size is not None and model.dense_mlp_layers is None:
        raise Mxfp4Unsized(f"{model.hf_id}'s mxfp4 experts cannot be sized: it has dense MLP layers too and the catalog does not say how many")
    assert model.hidden_size and model.moe_intermediate_size and model.num_experts  # for the type checker
    from .experts import moe_layers  # experts reads this module's bytes per weight: imported here, not at the top

    return moe_layers(model), model.num_experts, model.moe_latent_size or model.hidden_size, model.moe_intermediate_size


def _has_bias(model: Model) -> bool:
    """Whether the experts carry `w13_bias` / `w2_bias` (gpt-oss's `has_bias`); Kimi K3's `KimiMoE` builds its FusedMoE
    without (vllm/models/kimi_k3/nvidia/model.py, v0.33.0)."""
    from .lora_architectures import architecture  # a sibling that imports the catalog: kept out of this module's top

    return architecture(model) != "KimiK3ForConditionalGeneration"


def expert_weights(model: Model) -> int:
    """Weights in the routed experts (gate, up and down matrices of every expert of every layer), biases left out."""
    layers, experts, hidden, inner = _layout(model)
    return layers * experts * 3 * hidden * inner


def _rank_width(model: Model, inner: int, tensor_parallel: int, kernel: Backend = PUBLISHED) -> int:
    """The expert width one TP rank holds: its share of `inner`, raised to `KIMI_MIN_RANK_WIDTH` for a `KimiMoE`, then
    rounded up as `kernel` pads it."""
    width = inner // tensor_parallel
    if tensor_parallel > 1 and model.text_model_type in KIMI_MOE_TYPES:
        width = max(width, KIMI_MIN_RANK_WIDTH)
    return round_up(width, kernel.intermediate_multiple)


def _quantised_bytes(model: Model, tensor_parallel: int, kernel: Backend) -> float:
    """The experts' MXFP4 values and scales over the TP group, as `kernel` pads each rank's share (biases left out)."""
    layers, experts, hidden, inner = _layout(model)
    inner_rank = _rank_width(model, inner, tensor_parallel, kernel)
    return layers * experts * 3 * inner_rank * round_up(hidden, kernel.hidden_multiple) * MXFP4_BYTES_PER_WEIGHT * tensor_parallel


def expert_padding(model: Model, *, tensor_parallel: int = 1, kernel: Backend = PUBLISHED) -> float:
    """How many times the published expert bytes `kernel` keeps resident, and a decode step reads of the experts it
    routes to (gpt-oss-120b at TP 1: Marlin's 3,072 x 2,944 for 2,880 x 2,880, 1.09; OAI Triton's 1.0; Kimi K3 at TP 16:
    256 of 3,072 a rank where 192 are its share, 1.33)."""
    return _quantised_bytes(model, tensor_parallel, kernel) / _quantised_bytes(model, 1, PUBLISHED)


def fp8_rest(model: Model) -> bool:
    """Whether the parameters beside the MXFP4 experts are FP8 (DeepSeek-V4: vLLM v0.33.0's `DeepseekV4FP8Config`
    quantises its linear layers in 128 x 128 FP8 blocks and builds its experts without biases; the embedding and output
    head, not linear layers, stay bf16) rather than bf16 with expert biases (gpt-oss)."""
    return is_deepseek_v4(model)


def rest_bytes(model: Model, params: float, *, active: bool = False) -> float:
    """Bytes of `params` parameters outside the MXFP4 experts: bf16, or for `fp8_rest` one byte with the embedding and
    head in bf16 (`hangar.sizing.embeddings`; `active`: the head only)."""
    if not fp8_rest(model):
        return max(params, 0.0) * BIAS_BYTES
    return quantised_weight_bytes(model, max(params, 0.0), 1.0, active=active)


def weight_bytes(model: Model, *, tensor_parallel: int = 1, kernel: Backend = PUBLISHED) -> float:
    """Bytes of the weights: the experts in MXFP4 (with their bf16 biases where they have them) as `kernel` pads them on
    each of `tensor_parallel` ranks, and every other parameter of the catalog's estimate as `rest_bytes` says."""
    layers, experts, hidden, inner = _layout(model)
    rest = model.params_total_b * 1e9 - expert_weights(model)
    inner_rank = _rank_width(model, inner, tensor_parallel, kernel)
    hidden_rank = round_up(hidden, kernel.hidden_multiple)
    quantised = 3 * inner_rank * hidden_rank * MXFP4_BYTES_PER_WEIGHT  # w13 (2 x inner rows) and w2, with scales
    biases = 0 if fp8_rest(model) or not _has_bias(model) else (2 * inner_rank + hidden_rank) * BIAS_BYTES  # w13_bias and w2_bias (the latter on every rank)
    return layers * experts * (quantised + biases) * tensor_parallel + rest_bytes(model, rest)
