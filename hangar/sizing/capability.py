"""Can a device run weights of a precision with a vLLM release: the refusal a user reads, or none.

Kept apart from `hangar.sizing.memory` (how much memory a replica takes) because it asks another question: which
kernels the release has for this GPU or TPU, per format (the sources are in the modules it asks).
"""

from __future__ import annotations

from hangar.catalog import Gpu, Model, TpuMachine

from .kv_deepseek_v4 import rocm_served
from .memory import Accelerator, check_precision
from .mxfp4 import MIN_CAPABILITY
from .quant_kernels import kernel_refusal, nvfp4_refusal, rocm_refusal
from .wna16 import experts_only
from .wna16 import kernel_refusal as int4_refusal


def capability_problems(device: Gpu | TpuMachine | Accelerator, precision: str, engine_version: str | None = None, *, model: Model | None = None) -> list[str]:
    """Why `device` cannot serve weights in `precision` with vLLM `engine_version` (the pinned release when None), as a
    user would read it; [] if it can. awq and gptq on an NVIDIA GPU follow the release's kernels
    (`hangar.sizing.quant_kernels`), int4 on any GPU (`hangar.sizing.wna16`; for `model`'s checkpoint: an experts-only
    one runs its int4 layers on the MoE kernels only); the other formats, the catalog's GPU columns."""
    check_precision(precision)
    acc = Accelerator.of(device)
    if precision in ("awq", "gptq") and acc.compute_capability is not None:
        refusal = kernel_refusal(precision, acc.compute_capability, engine_version)
        return [] if refusal is None else [f"{acc.name} ({acc.architecture}) cannot serve {precision}: {refusal}"]
    if precision == "nvfp4":
        if acc.compute_capability is None:
            return [f"Hangar plans nvfp4 only on NVIDIA GPUs (vLLM's NVFP4 kernels are CUDA's); {acc.name} ({acc.architecture}) is not one"]
        refusal = nvfp4_refusal(acc.compute_capability, engine_version)
        return [] if refusal is None else [f"{acc.name} ({acc.architecture}) cannot serve nvfp4: {refusal}"]
    if precision in ("awq", "gptq") and acc.vendor == "AMD":
        try:
            refusal = rocm_refusal(precision, engine_version)
            return [] if refusal is None else [f"{acc.name} ({acc.architecture}) cannot serve {precision}: {refusal}"]
        except LookupError:
            pass  # the release's ROCm path was not read: the catalog's column decides
    if precision == "int4" and acc.kind == "gpu":
        refusal = int4_refusal(acc.vendor or "", acc.compute_capability, engine_version, experts=model is not None and experts_only(model))
        return [] if refusal is None else [f"{acc.name} ({acc.architecture}) cannot serve int4: {refusal}"]
    if precision in acc.formats:
        return []
    if precision == "mxfp4" and acc.vendor == "AMD" and model is not None and rocm_served(model, engine_version):
        return []  # DeepSeek-V4's ROCm MoE backends (`hangar.sizing.kv_deepseek_v4.rocm_served`)
    who = f"{acc.name} ({acc.architecture})"
    if acc.kind == "tpu":
        if precision == "fp16":
            return [f"{acc.name} computes in bf16, not fp16: serve bf16 (same memory)"]
        return [f"{precision} on {acc.name} is not in the catalog; Hangar plans only bf16 on TPUs"]
    if precision == "bf16":
        if "fp16" in acc.formats:
            return [f"{who} has no bf16: serve fp16 instead (same memory)"]
        return [f"{who} has no bf16"]
    if precision == "fp16":
        return [f"{who} has no fp16"]
    if precision == "fp8":
        return [
            (
                f"{who} has no native fp8: vLLM's fp8 W8A8 needs compute capability >= 8.9 (Ada, Hopper, Blackwell); "
                "an fp8 checkpoint would run weight-only (W8A16, Marlin), which Hangar does not plan"
            )
        ]
    if precision == "int8":
        return [f"vLLM has no int8 W8A8 kernels for {who}"]
    if precision == "mxfp4":
        if acc.compute_capability is not None:
            return [
                f"{who} cannot serve mxfp4: vLLM's Mxfp4Config (v0.11.2 and v0.33.0) needs compute capability >= {MIN_CAPABILITY / 10:.1f} "
                f"and this GPU has {acc.compute_capability / 10:.1f}, so vLLM refuses to start ('The quantization method mxfp4 is not supported for the current GPU')"
            ]
        return [
            f"Hangar plans mxfp4 only on NVIDIA GPUs of compute capability >= {MIN_CAPABILITY / 10:.1f} (vLLM v0.11.2's CUDA MXFP4 MoE kernels), "
            f"and on AMD GPUs only for DeepSeek-V4 with vLLM v0.33.0 (its ROCm MoE backends); {who} is not one for this model and release"
        ]
    return [f"vLLM has no {precision.upper()} kernels for {who}"]
