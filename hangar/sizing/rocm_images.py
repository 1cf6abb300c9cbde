"""Which vLLM release publishes an image for AMD GPUs (ROCm), what it is called, and which AMD GPUs its kernels are built for.

A CUDA image (`vllm/vllm-openai`, `hangar.sizing.engine_images`) cannot run on an AMD GPU, so a deployment on an AMD
pool is served only where vLLM itself publishes a ROCm image of the deployment's release; anything else is refused
at config time (`hangar.spec.engine_hardware`). Read from each release's PyPI sdist, read 2026-12-02:

* v0.33.0 (vllm-0.33.0.tar.gz, commit 4ba787ec9): docs/getting_started/installation/gpu.rocm.inc.md, "Pre-built
  images": "vLLM offers official Docker images ... on Docker Hub as vllm/vllm-openai-rocm", `latest` being the stable
  release on ROCm 10.0 (`latest-rocm72` the same build on the legacy ROCm 7.2 stack). The release pipeline
  (.buildkite/release-pipeline.yaml runs .buildkite/scripts/publish-release-images.sh for `rocm` and `rocm72`) tags
  each release's ROCm image `vllm/vllm-openai-rocm:v${RELEASE_VERSION}` (and `-rocm100`) for the default stack, whose
  base is docker/Dockerfile.rocm_base (`ARG ROCM_SDK_VERSION=10.0.0`: the ROCm 10.0 SDK from TheRock wheels inside the
  image; `ARG PYTORCH_ROCM_ARCH="gfx90a;gfx942;gfx950;gfx1100;gfx1101;gfx1200;gfx1201;gfx1150;gfx1151"`). The image
  is docker/Dockerfile.rocm's `vllm-openai` target: `ENTRYPOINT ["vllm", "serve"]`, no `USER` (root, as the CUDA
  image), so the same `vllm serve` arguments and the same non-root container settings apply. The docs ask for GPUs
  MI200s (gfx90a), MI300 (gfx942), MI350 (gfx950) and Radeon parts, "ROCm 6.3 or above". The amdgpu kernel driver
  a ROCm 10.0 user space needs is not stated in vLLM's sources: Hangar claims none (unknown).
* v0.11.2 (vllm-0.11.2.tar.gz, commit 275de3417): no ROCm image of the release. Its docs
  (docs/getting_started/installation/gpu.rocm.inc.md, quickstart.md) point to AMD's `rocm/vllm:latest` and
  `rocm/vllm-dev:nightly`, neither tagged by vLLM release; docker/Dockerfile.rocm has no `vllm-openai` target and no
  ENTRYPOINT; its release pipeline (.buildkite/release-pipeline.yaml) pushes only CUDA and CPU images. v0.33.0's docs
  date the first official image: "Prior to January 20th, 2026 when the official docker images became available".

Releases between were not read: no ROCm image is claimed for them, and a deployment of one on an AMD pool is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .engine_models import release

REPOSITORY = "vllm/vllm-openai-rocm"
"""The Docker Hub repository of vLLM's own ROCm images (v0.33.0 docs, above)."""


@dataclass(frozen=True)
class RocmImage:
    """What one release's `vllm/vllm-openai-rocm` image is and which AMD GPUs its kernels are built for."""

    tag: str
    rocm: str
    """The ROCm SDK inside the image (docker/Dockerfile.rocm_base `ARG ROCM_SDK_VERSION`)."""
    architectures: tuple[str, ...]
    """The gfx targets its kernels are built for (`PYTORCH_ROCM_ARCH`)."""

    @property
    def reference(self) -> str:
        return f"{REPOSITORY}:{self.tag}"


IMAGES: dict[tuple[int, int, int], RocmImage] = {
    (0, 33, 0): RocmImage("v0.33.0", "10.0.0", ("gfx90a", "gfx942", "gfx950", "gfx1100", "gfx1101", "gfx1200", "gfx1201", "gfx1150", "gfx1151")),
}
"""The releases whose ROCm image was read (the module docstring has the sources)."""


def rocm_image(engine_version: str) -> RocmImage | None:
    """The ROCm image of a vLLM release, None where the release publishes none or was not read."""
    return IMAGES.get(release(engine_version))


def gfx_target(architecture: str) -> str | None:
    """The gfx target ('gfx942') a catalog AMD GPU's architecture names ('CDNA3 (gfx942)'), None when it names none."""
    found = re.search(r"\b(gfx[0-9a-f]+)\b", architecture)
    return found.group(1) if found else None


def served_releases() -> list[str]:
    """The releases whose ROCm image was read, oldest first, as tags."""
    return [image.tag for _, image in sorted(IMAGES.items())]


def amd_refusal(engine_version: str, gpu: str, architecture: str) -> str | None:
    """Why a deployment of vLLM `engine_version` cannot be served on this AMD GPU (`gpu` names it and its pool); None
    where the release's ROCm image has kernels for it."""
    image = rocm_image(engine_version)
    allowed = ", ".join(served_releases())
    if image is None:
        tag = f"v{engine_version.removeprefix('v')}"
        return (
            f"{gpu} is an AMD GPU, and vLLM {tag} publishes no ROCm image Hangar has read (a vllm/vllm-openai image "
            f"is CUDA only and would crash there); set engine_version to {allowed} (served as {REPOSITORY}) or put the "
            "deployment on an NVIDIA GPU pool"
        )
    target = gfx_target(architecture)
    if target is None or target in image.architectures:
        return None
    return (
        f"the {image.reference} image (ROCm {image.rocm}) is built for {', '.join(image.architectures)} only, and {gpu} "
        f"is {target}: its server would fail with no kernel for the GPU; put the deployment on another GPU pool"
    )
