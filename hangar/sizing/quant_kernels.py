"""AWQ, GPTQ and NVFP4 per vLLM release: which GPUs run them, and the `--quantization` value Hangar passes (NVFP4's
kernels and bytes: `NVFP4_MARLIN` and `NVFP4_BYTES_PER_WEIGHT` below).

vLLM v0.11.2 (the PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417 per vllm/_version.py, read 2026-12-02):

* vllm/config/model.py `ModelConfig._verify_quantization` asks each method's `override_quantization_method` (awq_marlin and
  gptq_marlin among the `overrides`) with the checkpoint's `quantization_config` and the `--quantization` given; the first
  answer becomes the method.
* quantization/awq_marlin.py `AWQMarlinConfig.override_quantization_method`: when the checkpoint `is_awq_marlin_compatible`
  and the user asked nothing, `marlin` or `awq_marlin`, it answers awq_marlin ("The model is convertible to awq_marlin
  during runtime. Using awq_marlin kernel."); asked `awq` explicitly it answers nothing and logs "Detected that the
  model can run with awq_marlin, however you specified quantization=awq explicitly, so forcing awq. Use
  quantization=awq_marlin for faster inference". gptq_marlin.py does the same for GPTQ.
* `is_awq_marlin_compatible` needs CUDA, a `bits`, `group_size` and `zero_point` in the config, and
  utils/marlin_utils.py `check_marlin_supported`, whose `query_marlin_supported_quant_types` returns nothing below
  compute capability 8.0 (`if device_capability < 80: return []`) and, with zero points, only uint4 at or above it
  (4-bit AWQ), for group sizes -1, 32, 64 and 128 (`MARLIN_SUPPORTED_GROUP_SIZES`). `is_gptq_marlin_compatible` likewise for 4- or 8-bit
  symmetric GPTQ (`TYPE_MAP` keys (4, True), (8, True)) with `desc_act` stated.
* Below 8.0 the plain kernels: awq.py `AWQConfig.get_min_capability` 75, gptq.py `GPTQConfig.get_min_capability` 60,
  which vllm/config/vllm.py `_get_quantization_config` enforces ("The quantization method ... is not supported for the
  current GPU. Minimum capability: ..."). So AWQ runs from a T4 (7.5) on, GPTQ from a V100 (7.0) on.

vLLM v0.33.0 (the PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per vllm/_version.py, read 2026-12-02): awq.py,
awq_marlin.py, gptq.py and gptq_marlin.py are gone.

* quantization/__init__.py `get_quantization_config` maps `awq`, `awq_marlin` and `auto_awq` to one `AutoAWQConfig`
  (auto_awq.py) and `gptq`, `gptq_marlin` and `auto_gptq` to one `AutoGPTQConfig` (auto_gptq.py); their
  `override_quantization_method` answers `auto_awq` / `auto_gptq` for a checkpoint of that `quant_method` whichever of
  those names (or `marlin`, or none) was asked. The kernel is no longer the flag's to choose: `AutoAWQConfig.get_quant_method`
  takes `AutoAWQMarlinLinearMethod` where `check_marlin_supported` holds, else the Triton `AutoAWQLinearMethod`;
  `AutoGPTQLinearMethod.__init__` calls `verify_marlin_supported` unconditionally (GPTQ runs on Marlin or not at all).
  Hangar passes `auto_awq` / `auto_gptq`, the method vLLM resolves to (and the flag docs/features/quantization/auto_awq.md shows).
* utils/marlin_utils.py `query_marlin_supported_quant_types` now returns nothing only below 7.5 (`if device_capability
  < 75: return []`): Marlin runs on a T4. `AutoAWQConfig.get_min_capability` is 75; `AutoGPTQConfig.get_min_capability`
  is 60, but below 7.5 `verify_marlin_supported` raises ("Marlin does not support weight_bits = uint4b8. Only types = []
  are supported"), so GPTQ no longer runs on a V100 (nor does anything else: the v0.33.0 image has no sm_70 code,
  `hangar.sizing.engine_images`). docs/features/quantization/README.md's table at v0.33.0 still marks GPTQ on Volta;
  the code says otherwise, and Hangar follows the code.
* `AutoGPTQConfig.TYPE_MAP` keys (4, True), (8, True) only: asymmetric GPTQ is refused ("Unsupported quantization config").

On AMD GPUs (ROCm), v0.33.0 runs both, whatever vLLM's docs table says (docs/features/quantization/README.md marks
AWQ and GPTQ ❌ on AMD, and the catalog's gpus.csv columns follow that table as v0.11.2's docs printed it):
vllm/platforms/rocm.py `RocmPlatform.supported_quantization` lists awq, auto_awq, gptq and auto_gptq, and its
`verify_quantization` sets `VLLM_USE_TRITON_AWQ=1`. auto_awq.py `AutoAWQConfig.get_quant_method` takes Marlin only where
`current_platform.is_cuda()`, so on ROCm the Triton `AutoAWQLinearMethod`, whose `ops.awq_gemm` (vllm/_custom_ops.py)
calls `awq_gemm_triton` under that variable. auto_gptq.py `AutoGPTQLinearMethod.__init__`'s `verify_marlin_supported`
passes on ROCm (`query_marlin_supported_quant_types` skips its capability test `if not current_platform.is_rocm()`),
and `choose_mp_linear_kernel` picks among vllm/model_executor/kernels/linear/__init__.py `_POSSIBLE_KERNELS[ROCM]`, where
mixed_precision/triton_w4a16.py `TritonW4A16LinearKernel` takes uint4b8 (symmetric GPTQ) at group 128 with no capability
floor (`get_min_capability` 0). The configs' own floors (75, 60) are below any CDNA GPU's (MI300X, gfx942: 9.4).
v0.11.2's ROCm path was not read: there Hangar keeps the catalog's columns.

Hangar sizes a 4-bit group-128 checkpoint (`hangar.sizing.memory`), as AutoAWQ's GEMM (zero points) and symmetric GPTQ
write them, which Marlin takes at both releases. Releases between the two were not read: `sized_release` judges them
by the pinned one.
"""

from __future__ import annotations

from dataclasses import dataclass

from hangar.catalog.compressed_tensors import FORMATS as COMPRESSED_TENSORS_FORMATS
from hangar.catalog.config_fields import QUANT_BITS, QUANT_GROUP
from hangar.catalog.modelopt import FORMATS as MODELOPT_FORMATS
from hangar.engine_release import sized_release

SIZED_BITS = QUANT_BITS
"""Bits a weight of the awq / gptq checkpoints Hangar sizes (`hangar.sizing.memory`); the catalog names no other."""
SIZED_GROUP = QUANT_GROUP
"""Weights per scale and zero point in them: the usual group size (AutoAWQ's and GPTQ's default), a Marlin one."""


@dataclass(frozen=True)
class QuantKernels:
    """How one vLLM release runs 4-bit AWQ and GPTQ checkpoints on NVIDIA GPUs (the module docstring has the sources)."""

    release: str
    marlin_min_capability: int
    """`query_marlin_supported_quant_types`: no Marlin type below this compute capability."""
    min_capability: dict[str, int]
    """The lowest compute capability each format runs on at all, on Marlin or the plain kernel."""
    marlin_flag: dict[str, str]
    """`--quantization` where Marlin runs (what vLLM resolves to when left to choose)."""
    plain_flag: dict[str, str]
    """`--quantization` below Marlin's capability, or off NVIDIA GPUs."""
    source: dict[str, str]
    """Where the release refuses each format below its minimum, as a user would look it up."""
    rocm: frozenset[str] | None = None
    """The formats the release runs on AMD GPUs (ROCm); None where that was not read (the catalog's gpus.csv columns say)."""


KERNELS: dict[str, QuantKernels] = {
    "v0.11.2": QuantKernels(
        "v0.11.2", 80, {"awq": 75, "gptq": 60}, {"awq": "awq_marlin", "gptq": "gptq_marlin"}, {"awq": "awq", "gptq": "gptq"},
        {"awq": "AWQConfig.get_min_capability (quantization/awq.py)", "gptq": "GPTQConfig.get_min_capability (quantization/gptq.py)"},
    ),
    "v0.33.0": QuantKernels(
        "v0.33.0", 75, {"awq": 75, "gptq": 75}, {"awq": "auto_awq", "gptq": "auto_gptq"}, {"awq": "auto_awq", "gptq": "auto_gptq"},
        {
            "awq": "AutoAWQConfig.get_min_capability (quantization/auto_awq.py)",
            "gptq": "AutoGPTQLinearMethod's verify_marlin_supported (quantization/auto_gptq.py, utils/marlin_utils.py)",
        },
        rocm=frozenset({"awq", "gptq"}),
    ),
}
"""The releases whose AWQ and GPTQ code was read."""

FLAGS = {"fp8": "fp8", "mxfp4": "mxfp4"}
"""`--quantization` for the other quantised precisions. int8 and int4 have none: vLLM reads W8A8 int8 and W4A16 from the checkpoint (`hangar.precision`)."""

ONLINE_FP8 = {"v0.11.2": "fp8", "v0.33.0": "fp8_per_tensor"}
"""`--quantization` that quantises a 16-bit checkpoint to fp8 as it loads, per release. v0.33.0 (vllm-0.33.0.tar.gz,
read 2026-12-02): vllm/model_executor/model_loader/weight_utils.py `get_quant_config`, for a method with no config file
and `quantization == "fp8"`, logs "--quantization fp8 is deprecated for online quantization; use --quantization
fp8_per_tensor instead." and builds `fp8_per_tensor`'s config (vllm/config/quantization.py `_ONLINE_SHORTHANDS`: fp8
weights with a static per-tensor scale, linear and MoE layers), the same layout. An fp8 checkpoint keeps `fp8`, its
own `quant_method`, which `ModelConfig._verify_quantization` matches against the flag."""

ONLINE_FP8_NAMES = ("fp8_per_tensor", "fp8_per_block", "fp8_per_channel")
"""v0.33.0's online fp8 shorthands (`_ONLINE_SHORTHANDS`): each stores every linear and MoE weight in one byte, so a
server passing one is read as fp8 (`policies.rules.workloads`)."""


NVFP4_BYTES_PER_WEIGHT = 0.5 + 1 / 16
"""Bytes an NVFP4 weight takes in GPU memory, at both releases: half a byte of e2m1 value and one float8_e4m3fn scale
per block of 16. What else the format stores is per tensor, not per weight: ModelOpt's `NVFP4QTensor` computes a
per-block `get_weights_scaling_factor` and a per-tensor `get_weights_scaling_factor_2` (its API reference,
https://nvidia.github.io/Model-Optimizer/reference/generated/modelopt.torch.quantization.qtensor.nvfp4_tensor.html, read
2026-12-02), and an activation scaling factor per quantised input. Those are not counted; their size, from what each
layer allocates (vLLM v0.33.0 sdist, layers/quantization/modelopt.py, read 2026-12-02):

* a linear layer (`ModelOptLinearMethod.create_weights` with `KNvfp4Static` and `KNvfp4Dynamic`): `weight` uint8
  [out, in / 2], `weight_scale` float8_e4m3fn [out, in / 16], and per logical output partition (q, k, v of a fused
  QKV; gate, up) a float32 `weight_scale_2` and a float32 `input_scale`: 8 bytes a partition as loaded, which `process`
  replaces by float32 scalars (`weight_global_scale`, `input_global_scale`, `input_global_scale_inv`,
  `maybe_fuse_global_scales`' `alpha`): 16 bytes a layer. A Llama-style decoder layer (QKV 3 partitions, o 1,
  gate-up 2, down 1) loads 56 bytes of them and keeps 64: Llama-3.1-70B's 80 layers keep about 5 KB beside
  ~36 GiB of NVFP4 weights (~1e-7). v0.11.2's `ModelOptNvFp4LinearMethod.create_weights` allocates the same four tensors.
  compressed-tensors' `CompressedTensorsW4A4Fp4.create_weights` (schemes/compressed_tensors_w4a4_nvfp4.py) the same
  under other names: `weight_packed`, `weight_scale`, `weight_global_scale`, `input_global_scale`.
* the experts (`ModelOptNvFp4FusedMoE.create_weights`): the same per expert, and per expert float32
  `w13_weight_scale_2` [2], `w2_weight_scale_2`, `w13_input_scale` [2] and `w2_input_scale`: 24 bytes an expert a layer.
  Qwen3-235B-A22B's 94 layers x 128 experts make 288,768 bytes (0.28 MiB) beside 124.8 GiB (~2e-6).
* the FP4 tensor-core kernels swizzle the block scales into tiles (layers/quantization/utils/nvfp4_utils.py
  `swizzle_blockscale`: rows rounded up to 128, scale columns to 4) and pad the weight's rows and columns to 32
  (`pad_nvfp4_weight_for_cutlass`): nothing where a layer's output width is a multiple of 128 and its input width of 64, a few rows otherwise.

Marlin repacks the same bytes in place."""

NVFP4_NATIVE = 100
"""Compute capability from which NVFP4 runs on FP4 tensor cores (W4A4): v0.11.2 `cutlass_fp4_supported` /
FlashInfer's CUTLASS FP4 GEMM, v0.33.0 kernels/linear/nvfp4 `FlashInferCutlassNvFp4LinearKernel.is_supported`
(`has_device_capability(100)`), `CutlassNvFp4LinearKernel` (`cutlass_scaled_mm_supports_fp4`)."""

NVFP4_MARLIN: dict[str, int | None] = {"v0.11.2": None, "v0.33.0": 75}
"""Compute capability from which each release runs NVFP4 weight-only (W4A16, Marlin) below `NVFP4_NATIVE`; None where
Hangar does not plan it. v0.33.0 (read 2026-12-02): `ModelOptNvFp4Config.get_min_capability` 75; kernels/linear
`init_nvfp4_linear_kernel` falls through `_POSSIBLE_NVFP4_KERNELS[CUDA]` to `MarlinNvFp4LinearKernel`
(utils/marlin_utils_fp4.py `is_fp4_marlin_supported`: CUDA and capability 7.5) and the MoE oracle
(fused_moe/oracle/nvfp4.py `select_nvfp4_moe_backend`) to `MarlinExperts` (`_supports_current_device`: 7.5), logging
"Your GPU does not have native support for FP4 computation ... Weight-only FP4 compression will be used leveraging the
Marlin kernel". v0.11.2: `get_min_capability` 80, but `ModelOptNvFp4LinearMethod.__init__` takes "flashinfer-cutlass"
whenever FlashInfer is importable (vllm/utils/flashinfer.py `has_flashinfer`: the package, with its cubins or nvcc),
whatever the GPU, and Marlin only without FlashInfer and without CUTLASS FP4 (its MoE method, utils/nvfp4_moe_support.py
`detect_nvfp4_moe_support`, does fall back to Marlin from 8.0 where CUTLASS FP4 is unsupported); which linear path the
vllm-openai image takes below 10.0 was not verified, so Hangar plans NVFP4 there only on 10.0 and newer.
At v0.33.0 on compute capability 9.0 the MoE oracle moves the Humming backend ahead of Marlin (layers/quantization/utils/
humming/priority.py `prioritize_humming`, `_HUMMING_PREFERRED_CAPABILITIES` {90}) where the optional `humming` package is
installed (utils/import_utils.py `has_humming`); whether the vllm-openai image ships it, and in which format Humming
multiplies NVFP4 experts on a Hopper GPU, was not read: Hangar estimates them as Marlin's, 16-bit products."""


def nvfp4_refusal(compute_capability: int, engine_version: str | None = None) -> str | None:
    """Why vLLM `engine_version` runs no NVFP4 kernel Hangar plans on a GPU of `compute_capability`; None if it does."""
    release = sized_release(engine_version)
    floor = NVFP4_MARLIN[release] or NVFP4_NATIVE
    if compute_capability >= floor:
        return None
    if NVFP4_MARLIN[release] is None:
        return (
            f"vLLM {release} runs NVFP4 on FP4 tensor cores from compute capability {NVFP4_NATIVE / 10:.1f}; below that it picks FlashInfer's "
            "FP4 GEMM whenever FlashInfer is installed (ModelOptNvFp4LinearMethod), so Hangar does not plan it "
            f"(this GPU has {compute_capability / 10:.1f})"
        )
    return (
        f"vLLM {release} runs NVFP4 from compute capability {floor / 10:.1f} (Marlin weight-only below {NVFP4_NATIVE / 10:.1f}: "
        f"is_fp4_marlin_supported), and this GPU has {compute_capability / 10:.1f}"
    )


NVFP4_TENSOR_CORES = "FP4 tensor cores"
"""`nvfp4_kernel`'s name for the W4A4 kernels, which quantise the activations to FP4 too and multiply on FP4 tensor cores."""


def nvfp4_kernel(compute_capability: int, engine_version: str | None = None) -> str | None:
    """"FP4 tensor cores" or "Marlin weight-only" where vLLM `engine_version` runs NVFP4 on the GPU; None where not."""
    if nvfp4_refusal(compute_capability, engine_version) is not None:
        return None
    return NVFP4_TENSOR_CORES if compute_capability >= NVFP4_NATIVE else "Marlin weight-only"


def kernels(engine_version: str | None = None) -> QuantKernels:
    """The AWQ/GPTQ facts of vLLM `engine_version` (the pinned release's where it was not read)."""
    return KERNELS[sized_release(engine_version)]


def quantization_flag(precision: str, compute_capability: int | None, engine_version: str | None = None, published: str | None = None) -> str | None:
    """The `--quantization` value for weights in `precision` on a GPU of `compute_capability` (None: not an NVIDIA GPU)
    under vLLM `engine_version`, from a checkpoint published in `published` (the catalog's `dtype`): none for a
    compressed-tensors or ModelOpt one, which vLLM reads from its config (`hangar.precision`).
    fp8 of a 16-bit one takes the release's online flag (`ONLINE_FP8`); where the format is unknown fp8 stays `fp8`,
    the name both an fp8 checkpoint and a 16-bit one take at both releases."""
    if published in COMPRESSED_TENSORS_FORMATS or published in MODELOPT_FORMATS:
        return None
    if precision in ("awq", "gptq"):
        release = kernels(engine_version)
        if compute_capability is not None and compute_capability >= release.marlin_min_capability:
            return release.marlin_flag[precision]
        return release.plain_flag[precision]
    if precision == "fp8" and published in ("bfloat16", "float16", "float32"):
        return ONLINE_FP8[sized_release(engine_version)]
    return FLAGS.get(precision)


def kernel_refusal(precision: str, compute_capability: int, engine_version: str | None = None) -> str | None:
    """Why vLLM `engine_version` runs no `precision` (awq or gptq) kernel on a GPU of `compute_capability`; None if it does."""
    release = kernels(engine_version)
    needed = release.min_capability.get(precision)
    if needed is None or compute_capability >= needed:
        return None
    return (
        f"vLLM {release.release} runs {precision} only from compute capability {needed / 10:.1f} ({release.source[precision]}), "
        f"and this GPU has {compute_capability / 10:.1f}"
    )


def rocm_refusal(precision: str, engine_version: str | None = None) -> str | None:
    """Why vLLM `engine_version` runs no `precision` (awq or gptq) kernel on an AMD GPU; None if it does. Raises
    LookupError where the release's ROCm path was not read (the caller keeps the catalog's column)."""
    release = kernels(engine_version)
    if release.rocm is None:
        raise LookupError(release.release)
    if precision in release.rocm:
        return None
    return f"vLLM {release.release} runs no {precision} kernel on ROCm"


def gpu_runs(precision: str, vendor: str, compute_capability: int | None, listed: bool, engine_version: str | None = None) -> bool:
    """Whether vLLM `engine_version` runs `precision` (awq, gptq or nvfp4) on a GPU of this `vendor` and `compute_capability`
    (None: not NVIDIA); `listed` is the catalog's gpus.csv column, kept where the release's code for that vendor was not
    read. nvfp4 is planned on NVIDIA GPUs only (v0.33.0 lists only its emulation kernel for ROCm)."""
    if precision == "nvfp4":
        return compute_capability is not None and nvfp4_refusal(compute_capability, engine_version) is None
    if compute_capability is not None:
        return kernel_refusal(precision, compute_capability, engine_version) is None
    if vendor == "AMD":
        try:
            return rocm_refusal(precision, engine_version) is None
        except LookupError:
            return listed
    return listed
