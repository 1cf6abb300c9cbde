"""Weight-only int4 from a compressed-tensors W4A16 checkpoint (the catalog `dtype` w4a16-g<group>[-asym], Hangar's
`int4`): its bytes as vLLM allocates them, and which GPUs each pinned release runs it on.

Read in the PyPI wheels vllm-0.11.2 (commit 275de3417) and vllm-0.33.0 (commit 4ba787ec9), each per vllm/_version.py,
read 2026-12-02; the two agree unless a point says otherwise.

Bytes. vllm/model_executor/layers/quantization/compressed_tensors/schemes/compressed_tensors_wNa16.py
`CompressedTensorsWNA16.create_weights` gives each quantised linear layer `weight_packed`, int32 holding eight 4-bit
values (out x in/8), `weight_scale` in the activation dtype (`params_dtype`, 16 bits) per output and group of `group_size`
inputs (out x in/group), and, where the checkpoint is asymmetric, `weight_zero_point`, int32 of eight 4-bit zero points
(out/8 x in/group): 1/2 + 2/group bytes a weight, plus 1/2/group with zero points. A mixture of experts' routed experts
take the same: v0.11.2's compressed_tensors_moe.py `CompressedTensorsWNA16MarlinMoEMethod.create_weights` allocates
`w13_weight_packed` / `w2_weight_packed` int32 of eight values and `w13_weight_scale` / `w2_weight_scale` per group in
`params_dtype`, and the `*_g_idx` tensors it also allocates are emptied after loading without activation reordering
(`process_weights_after_loading`); v0.33.0's compressed_tensors_moe/compressed_tensors_moe_wna16.py
`CompressedTensorsWNA16MoEMethod.get_weight_shape` the same shapes, zero points included. Nothing is padded at allocation;
a kernel's repacking after loading (Marlin, Machete) keeps the sizes, and the Marlin MoE tile padding of an expert width
not a multiple of its tile (v0.33.0 `allow_tile_padding`) is not counted. The token embedding and output head stay
16-bit (`hangar.sizing.embeddings`: at v0.33.0 compressed_tensors.py quantises a `VocabParallelEmbedding` or
`ParallelLMHead` only when a group targets it, and the W4A16 Hangar reads targets `Linear`); norms and router gates are
counted with the quantised weights, as for the W8A8 formats.

Kernels, NVIDIA. compressed_tensors.py `get_scheme` refuses a GPU below the scheme's `get_min_capability`
(`_check_scheme_supported`: "Quantization scheme is not supported for the current GPU. Min capability: ..."):
`CompressedTensorsWNA16.get_min_capability` is 80 at v0.11.2 ("ampere and up") and 75 at v0.33.0 ("Turing and up").
Above it `choose_mp_linear_kernel` (v0.11.2 quantization/kernels/mixed_precision/__init__.py, one list: CutlassW4A8,
Machete, AllSpark, Marlin, Dynamic4bit, BitBLAS, Conch, Exllama; v0.33.0 vllm/model_executor/kernels/linear/__init__.py
`_POSSIBLE_KERNELS[CUDA]`: CutlassW4A8, Machete, Marlin, Conch, Exllama, TritonW4A16, Humming) takes the first that can:
CutlassW4A8 needs fp8 activations; Machete only compute capability 9.0 and group sizes 64 and 128 with 16-bit activations
(utils/machete_utils.py `query_machete_supported_group_sizes`), uint4b8 or uint4 with zero points; AllSpark (v0.11.2)
only per-channel weights on 8.x; so Hopper runs groups of 64 and 128 on Machete, and every other case Hangar sizes
(groups 32, 64, 128, symmetric or not) runs on Marlin (`MARLIN_SUPPORTED_GROUP_SIZES`, `query_marlin_supported_quant_types`:
uint4b8, and uint4 with zero points, from 8.0 at v0.11.2 and 7.5 at v0.33.0).

Kernels, MoE. v0.11.2 `CompressedTensorsMoEMethod.get_moe_method` takes `CompressedTensorsWNA16MarlinMoEMethod` where
utils/marlin_utils.py `check_moe_marlin_supports_layer` holds (hidden width a multiple of 128, per-rank expert width a
multiple of max(64, group), a Marlin group size, silu, no `apply_router_weight_on_input`) and the platform is not ROCm,
else the Triton `CompressedTensorsWNA16MoEMethod` (groups only); both assert symmetric weights, which the reader checks
(`hangar.catalog.compressed_tensors`). v0.33.0 has one `CompressedTensorsWNA16MoEMethod` whose backend
vllm/model_executor/layers/fused_moe/oracle/int_wna16.py `select_wna16_moe_backend` picks in order RDNA3 (ROCm gfx1100),
FlashInfer TRT-LLM (no zero points), Marlin, batched Marlin, Triton, Humming, emulation: zero points are taken there.
Which one runs (`moe_kernel`; v0.33.0 wheel read 2026-12-02): compressed_tensors_moe_wna16.py keys a symmetric int4 group
of 32 as `kInt4Static32`, another group as `kInt4Static`; FlashInfer TRT-LLM (experts/trtllm_mxint4_moe.py
`TrtLlmMxint4ExpertsMonolithic`) takes only `kInt4Static32`, on the SM100 family, and only with
VLLM_USE_FLASHINFER_MOE_INT4=1 (envs.py, default 0: `is_flashinfer_mxint4_moe_available`), which Hangar does not set;
`prioritize_humming` (quantization/utils/humming/priority.py) moves Humming ahead of Marlin at compute capability 9.0
only, and Humming's experts (fused_humming_moe.py) need the `humming` package (vLLM 0.33.0 requires humming-kernels
0.1.19) and 7.5, taking any int4 group; Marlin's (marlin_moe.py) need 7.5 and `check_moe_marlin_supports_config`'s
shapes (hidden a multiple of 128, each rank's expert width a multiple of the group: tile padding allowed); Triton's
(`TritonWNA16Experts`) run on any CUDA or ROCm GPU. So Hopper runs int4 experts on Humming, other NVIDIA GPUs from 7.5
(Blackwell included) on Marlin, older ones on Triton, and AMD GPUs on Triton (Marlin refuses ROCm; RDNA3 is gfx1100 only).

Experts-only checkpoints (`experts_only`: Kimi K2.5 and Kimi-K2-Thinking, whose `ignore` list keeps every linear layer
but the routed experts in 16 bits) hold no int4 linear layer, so `CompressedTensorsWNA16.get_min_capability` never runs
(compressed_tensors.py asks a scheme only of a layer it quantises); the MoE method's kernels decide. v0.33.0 runs them
on every NVIDIA GPU (Triton below 7.5). v0.11.2 gives them `CompressedTensorsWNA16MarlinMoEMethod` wherever
`check_moe_marlin_supports_layer` holds, a check of shapes and activation only, not of the GPU, and Marlin's kernels
run from 8.0 (utils/marlin_utils.py `query_marlin_supported_quant_types` returns no type below 80): the floor stays 8.0.

Kernels, AMD (ROCm). vllm/platforms/rocm.py lists `compressed-tensors` at both releases. v0.33.0:
`_POSSIBLE_KERNELS[ROCM]` (RDNA3 W4A16 on gfx1100, RDNA hybrid on gfx11/12, TritonW4A16, Conch, Exllama):
mixed_precision/triton_w4a16.py `TritonW4A16LinearKernel` takes uint4b8 and uint4 at groups 32, 64, 128 with 16-bit
activations and no capability floor, and the MoE oracle's Triton backend takes the experts, so CDNA GPUs run it.
v0.11.2: on ROCm Machete, AllSpark and Marlin refuse ("only supported on CUDA"), Exllama takes float16 activations only
(Hangar serves bf16 where a GPU has it) and uint4b8 only, BitBLAS and Conch need packages Hangar does not assume: not planned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hangar.catalog.compressed_tensors import W4A16_FORMATS, w4a16_layout

from .embeddings import embedding_parameters, quantised_weight_bytes
from .engine import sized_release
from .experts import ExpertsUnsized, routed_expert_params

if TYPE_CHECKING:
    from hangar.catalog import Model

PRECISION = "int4"
"""Hangar's precision for a W4A16 checkpoint: 4-bit integer weights, 16-bit activations."""
MIN_CAPABILITY = {"v0.11.2": 80, "v0.33.0": 75}
"""`CompressedTensorsWNA16.get_min_capability` per release."""
NOMINAL_BYTES = 1 / 2 + 2 / 128
"""Bytes a weight of the W4A16 preset (symmetric, groups of 128), where a row's own layout is not at hand."""


def bytes_per_weight(dtype: str) -> float:
    """Bytes a quantised weight of a W4A16 `dtype`: half a byte, a 16-bit scale per group, a 4-bit zero point per group if asymmetric."""
    group, zero_points = w4a16_layout(dtype)
    return 1 / 2 + 2 / group + (1 / 2 / group if zero_points else 0.0)


def model_bytes_per_weight(model: Model) -> float:
    """Bytes a quantised weight of `model`'s W4A16 checkpoint (the preset's where its `dtype` is not one)."""
    return bytes_per_weight(model.dtype) if model.dtype in W4A16_FORMATS else NOMINAL_BYTES


def weight_bytes(model: Model, *, active: bool = False) -> float:
    """Bytes of `model`'s weights served from its W4A16 checkpoint (the embedding and head in 16 bits); `active`: per token."""
    params_b = model.params_active_b if active and model.params_active_b is not None else model.params_total_b
    return quantised_weight_bytes(model, params_b * 1e9, model_bytes_per_weight(model), active=active)


def experts_only(model: Model) -> bool:
    """Whether `model`'s W4A16 checkpoint quantises its routed experts only: the modules it keeps in 16 bits
    (`unquantised_params_b`) are every parameter but the embedding and head, the routed experts and their routers."""
    if model.dtype not in W4A16_FORMATS or model.unquantised_params_b is None or model.num_experts is None:
        return False
    try:
        experts = routed_expert_params(model)
    except ExpertsUnsized:
        return False
    embeddings = embedding_parameters(model)
    if experts is None or embeddings is None or model.hidden_size is None:
        return False
    routers = experts // (3 * (model.moe_intermediate_size or model.intermediate_size or 1))  # hidden x experts a MoE layer
    rest = model.params_total_b * 1e9 - embeddings - experts - routers
    return model.unquantised_params_b * 1e9 >= rest - 5e6  # the row's 3 decimals, and vision norms' rounding


def moe_kernel(compute_capability: int | None, group: int, engine_version: str | None = None) -> str | None:
    """The kernel vLLM `engine_version` runs a W4A16 checkpoint's routed experts with (symmetric, groups of `group`) on a
    GPU of this compute capability (None: an AMD GPU), by default settings; None where none runs (the module docstring)."""
    release = sized_release(engine_version)
    if release == "v0.11.2":
        return "Marlin" if compute_capability is not None and compute_capability >= 80 else None
    if compute_capability is None:
        return "Triton"
    if compute_capability == 90:
        return "Humming"
    return "Marlin" if compute_capability >= 75 else "Triton"


def kernel_refusal(vendor: str, compute_capability: int | None, engine_version: str | None = None, *, experts: bool = False) -> str | None:
    """Why vLLM `engine_version` (the pinned release where None or not read) runs no W4A16 kernel on this GPU; None if it
    does. `experts`: an experts-only checkpoint (`experts_only`), whose int4 layers are all routed experts."""
    release = sized_release(engine_version)
    if experts and compute_capability is not None:
        if moe_kernel(compute_capability, 32, release) is not None:
            return None
        return (
            f"vLLM {release} gives the int4 experts CompressedTensorsWNA16MarlinMoEMethod, whose Marlin kernels need compute capability "
            f"8.0 (query_marlin_supported_quant_types) and this GPU has {compute_capability / 10:.1f}"
        )
    if compute_capability is not None:
        needed = MIN_CAPABILITY[release]
        if compute_capability >= needed:
            return None
        return (
            f"vLLM {release}'s CompressedTensorsWNA16 needs compute capability {needed / 10:.1f} (get_min_capability) and this GPU has "
            f"{compute_capability / 10:.1f}, so vLLM refuses to start ('Quantization scheme is not supported for the current GPU')"
        )
    if vendor == "AMD":
        if release == "v0.33.0":
            return None
        return (
            "vLLM v0.11.2 has no W4A16 kernel Hangar can plan on ROCm (Machete and Marlin are CUDA-only, Exllama takes fp16 "
            "activations only, BitBLAS and Conch are optional packages)"
        )
    return "Hangar plans int4 only on NVIDIA and AMD GPUs (vLLM's mixed-precision kernels)"


def linear_kernel(compute_capability: int, group: int, engine_version: str | None = None) -> str | None:
    """The kernel `choose_mp_linear_kernel` picks for a W4A16 linear layer with groups of `group` on an NVIDIA GPU; None where none runs."""
    if kernel_refusal("NVIDIA", compute_capability, engine_version) is not None:
        return None
    return "Machete" if compute_capability == 90 and group in (64, 128) else "Marlin"


def tp_problems(model: Model, tensor_parallel: int) -> list[str]:
    """Why vLLM refuses a W4A16 row's weights split `tensor_parallel` ways: each row-parallel layer's share of its
    input (the dense MLP's, an expert's, the shared experts' width; the attention output's heads x head_dim) must hold a
    whole number of groups. v0.11.2 `CompressedTensorsWNA16.create_weights` asserts `input_size_per_partition %
    group_size == 0`; v0.33.0 calls vllm/distributed/utils.py `verify_group_size_divides_partition` ("is not divisible
    by group_size ... Consider reducing tensor_parallel_size") and its MoE `create_weights` raises "CompressedTensors WNA16
    MoE with static group scales requires the MoE intermediate size per tensor-parallel partition ... to be divisible by
    group_size". At v0.11.2 an expert width that is not a multiple of max(64, group) per rank leaves Marlin (utils/
    marlin_utils.py `check_moe_marlin_supports_layer`) for the Triton method, whose `w2_scales_size // group_size`
    drops the partial group: Hangar does not plan that either. [] for another row."""
    if model.dtype not in W4A16_FORMATS:
        return []
    group, _ = w4a16_layout(model.dtype)
    attention = model.attention_heads * model.head_dim if model.head_dim is not None and model.kv_lora_rank is None else None
    widths = {
        "intermediate_size": model.intermediate_size, "moe_intermediate_size": model.moe_intermediate_size,
        "shared_expert_intermediate_size": model.shared_expert_intermediate_size, "attention heads x head_dim": attention,
    }
    if experts_only(model):  # the 16-bit layers take any split; only the routed experts hold groups
        widths = {"moe_intermediate_size": model.moe_intermediate_size}
    problems = []
    for name, width in widths.items():
        if width is not None and (width % tensor_parallel or width // tensor_parallel % group):
            problems.append(
                f"TP {tensor_parallel} splits {name} {width} into shards of {width / tensor_parallel:g}, not a whole number of the int4 "
                f"checkpoint's groups of {group}, which vLLM refuses (verify_group_size_divides_partition)"
            )
    return problems
