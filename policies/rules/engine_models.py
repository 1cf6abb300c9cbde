"""A raw program's vLLM server whose image is a release that cannot load its model (`hangar.sizing.engine_models`).

Hangar's own deployments are refused earlier, as a config error (`hangar.spec.engine_models`); this reads any program's
serving workloads. A model whose config vLLM reads only with `--trust-remote-code` (`remote_code`) is refused without
that flag whatever the image. The release is the tag of the `vllm-openai` image (`vllm/vllm-openai:v0.11.2`, the image Hangar
itself runs on GPUs, `hangar.components.serving_pod`), with or without a registry prefix or a digest; another tag
(`latest`, a build of one's own) or another image names no release, and is not judged.

The same release decides what else differs between releases for such a server: the engine defaults its fit takes for
the flags it leaves out (`hangar.sizing.engine.release_defaults`), and whether the image has kernels for the pool's
GPU (`hangar.sizing.engine_images`: v0.33.0's has none for a V100; a CUDA image on an AMD GPU or vLLM's ROCm image
`vllm-openai-rocm` on an NVIDIA one has none at all, `hangar.sizing.rocm_images`).
"""

from __future__ import annotations

import re

from hangar.policies.rules.vllm_flags import image_release
from hangar.policies.rules.workloads import ServingWorkload

from hangar.catalog import Gpu, Model
from hangar.sizing.engine import release_defaults
from hangar.sizing.engine_images import gpu_refusal
from hangar.sizing.engine_models import engine_refusal, remote_code
from hangar.sizing.mxfp4 import compute_capability
from hangar.sizing.rocm_images import REPOSITORY as ROCM_REPOSITORY
from hangar.sizing.rocm_images import amd_refusal, rocm_image, served_releases

ROCM_TAG = re.compile(r"(?:^|/)vllm-openai-rocm:")
"""vLLM's ROCm image, whatever registry prefix (a mirror) it has."""


def workload_release(workload: ServingWorkload) -> str | None:
    """The vLLM release of a vLLM workload's image, None when its image names none."""
    return image_release(workload.image) if workload.engine == "vllm" else None


def default_utilization(workload: ServingWorkload) -> float:
    """The `--gpu-memory-utilization` the workload runs with: its own, else its image release's default."""
    return workload.gpu_memory_utilization or release_defaults(workload_release(workload)).gpu_memory_utilization


def unrunnable(workload: ServingWorkload, device: object) -> str | None:
    """Why the workload's image cannot run on the pool's GPU; None where it can, or where that is not known.

    On an NVIDIA GPU: a ROCm image (`vllm-openai-rocm`), or a CUDA image with no kernels for the GPU
    (`hangar.sizing.engine_images`). On an AMD GPU: a CUDA image (`vllm-openai`: CUDA only, it cannot start on ROCm), a
    ROCm tag of a release that publishes no ROCm image, or one whose kernels are not built for the GPU's gfx target
    (`hangar.sizing.rocm_images`). Other vendors' accelerators are not judged here."""
    release = workload_release(workload)
    if release is None or not isinstance(device, Gpu):
        return None
    rocm = bool(ROCM_TAG.search(workload.image))
    if device.vendor.upper() == "AMD":
        if not rocm:
            return (
                f"the {workload.image} image is built for CUDA (NVIDIA GPUs) and cannot start on {device.name}, an AMD GPU; "
                f"run vLLM's ROCm image {ROCM_REPOSITORY}:{release}"
            )
        if rocm_image(release) is None:
            return f"vLLM {release} publishes no ROCm image Hangar has read ({ROCM_REPOSITORY} releases read: {', '.join(served_releases())})"
        return amd_refusal(release, device.name, device.architecture)
    if device.vendor != "NVIDIA":
        return None
    if rocm:
        return f"the {workload.image} image is built for ROCm (AMD GPUs), and {device.name} is an NVIDIA GPU; run vllm/vllm-openai:{release}"
    return gpu_refusal(release, device.name, compute_capability(device.architecture))


def unloadable(workload: ServingWorkload, model: Model | None) -> str | None:
    """Why the workload's vLLM image cannot load its catalog model (its release, or a config read only with
    `--trust-remote-code` the server is not given); None where it can, or where that is not known."""
    release = workload_release(workload)
    if workload.engine == "vllm" and model is not None and not workload.trust_remote_code:
        needs_code = remote_code(model, release)  # an image naming no release: as if either pinned release
        if needs_code is not None:
            return f"vLLM would not start: {needs_code}, and the server is not given --trust-remote-code"
    if model is None or release is None:
        return None
    return engine_refusal(model, release)
