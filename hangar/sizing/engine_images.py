"""What a vLLM release's `vllm/vllm-openai` image needs of a GPU node: the NVIDIA driver its CUDA runs on, the GPUs
its kernels are built for.

Read from each release's source, the PyPI sdist (docker/Dockerfile, the `vllm-openai` target), read 2026-12-02:

* v0.11.2 (vllm-0.11.2.tar.gz, commit 275de3417): `ARG CUDA_VERSION=12.9.1`, final base image
  `nvidia/cuda:${CUDA_VERSION}-devel-ubuntu22.04`, `ARG torch_cuda_arch_list='7.0 7.5 8.0 8.9 9.0 10.0 12.0'`.
* v0.33.0 (vllm-0.33.0.tar.gz, commit 4ba787ec9): `ARG CUDA_VERSION=13.0.3` (also docker/versions.json), final base
  image `nvidia/cuda:${CUDA_VERSION}-base-ubuntu24.04`, `ARG torch_cuda_arch_list='7.5 8.0 8.6 8.9 9.0 10.0 11.0 12.0'`
  (no 7.0: Volta is gone), `ENV VLLM_ENABLE_CUDA_COMPATIBILITY=0` ("Only needed for datacenter/professional GPUs with
  older drivers"). Measured in its wheel (vllm-0.33.0-cp38-abi3-manylinux_2_28_x86_64.whl):
  vllm/_C_stable_libtorch.abi3.so links `libcudart.so.13`, was built by "Cuda compilation tools, release 13.0", and
  carries code for sm_75, sm_80, sm_86, sm_89, sm_90(a), sm_100(f) and sm_120(f) only; the wheel requires torch==2.14.0
  and `nvidia-cutlass-dsl[cu13]`.

The driver a CUDA release needs: NVIDIA's CUDA Compatibility guide, "Minor Version Compatibility", Table 1 (CUDA
13.x: minimum driver >= 580; CUDA 12.x: >= 525), https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html,
read 2026-12-02. A node whose driver is older cannot initialise the image's CUDA runtime (the server crash-loops);
forward compatibility (`VLLM_ENABLE_CUDA_COMPATIBILITY=1`) is off in the image and Hangar does not turn it on.

Releases between v0.11.2 and v0.33.0 were not read for these facts: `engine_image` returns None for them, and
nothing is judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engine_models import named, release


@dataclass(frozen=True)
class EngineImage:
    """What one release's `vllm/vllm-openai` image needs of the node it runs on."""

    tag: str
    cuda: str
    """The CUDA toolkit of the image (docker/Dockerfile `ARG CUDA_VERSION`)."""
    min_driver: int
    """The oldest NVIDIA driver branch that runs the image's CUDA (NVIDIA's minor version compatibility table)."""
    capabilities: tuple[int, ...]
    """Compute capabilities the image's kernels are built for (`torch_cuda_arch_list`), 75 for 7.5."""

    @property
    def min_capability(self) -> int:
        return min(self.capabilities)


IMAGES: dict[tuple[int, int, int], EngineImage] = {
    (0, 11, 2): EngineImage("v0.11.2", "12.9.1", 525, (70, 75, 80, 89, 90, 100, 120)),
    (0, 33, 0): EngineImage("v0.33.0", "13.0.3", 580, (75, 80, 86, 89, 90, 100, 110, 120)),
}
"""The releases whose image was read (the module docstring has the sources)."""


def engine_image(engine_version: str) -> EngineImage | None:
    """The image facts of a vLLM release, None where its Dockerfile was not read."""
    return IMAGES.get(release(engine_version))


def gpu_refusal(engine_version: str, gpu: str, capability: int | None) -> str | None:
    """Why the release's image has no kernels for this GPU; None where it has, or where that is not known."""
    image = engine_image(engine_version)
    if image is None or capability is None or capability >= image.min_capability:
        return None
    built = ", ".join(f"{c / 10:.1f}" for c in image.capabilities)
    return (
        f"the vllm/vllm-openai:{image.tag} image (CUDA {image.cuda}) is built for compute capability {built} only, "
        f"and {gpu} has {capability / 10:.1f}: its server would fail with no kernel for the GPU"
    )


def driver_refusal(engine_version: str, driver: int | None, where: str) -> str | None:
    """Why the nodes' NVIDIA driver branch (`driver`, e.g. 570, installed by `where`) cannot run the release's image;
    None where it can, or where either is not known."""
    image = engine_image(engine_version)
    if image is None or driver is None or driver >= image.min_driver:
        return None
    return (
        f"the vllm/vllm-openai:{image.tag} image runs CUDA {image.cuda}, which needs NVIDIA driver {image.min_driver} or "
        f"newer, and {where} installs driver {driver}: its server would fail to initialise CUDA"
    )


def newest_image_for(capability: int | None = None, driver: int | None = None) -> str | None:
    """The newest read release whose image still has kernels for a GPU of this compute capability and runs on this
    driver branch (either left out: not asked)."""
    fits = [
        version for version, image in IMAGES.items()
        if (capability is None or capability >= image.min_capability) and (driver is None or driver >= image.min_driver)
    ]
    return named(max(fits)) if fits else None
