"""A deployment whose pinned vLLM image cannot run on its pool's GPU or on the driver its nodes get is a config error.

Ways the real path fails after `pulumi up` that a stack config already shows: the image's kernels are not built
for the GPU (vLLM v0.33.0's image has none for Volta, V100), the node's NVIDIA driver is older than the image's
CUDA needs (CUDA 13 needs driver 580), and a GPU no image of the release serves: an AMD GPU where the release
publishes no ROCm image Hangar has read (v0.11.2; `hangar.sizing.rocm_images`), or another vendor's accelerator
(Intel Gaudi), which the catalog sizes but Hangar does not serve. The facts and their sources are in
`hangar.sizing.engine_images`, `hangar.sizing.rocm_images` and `hangar.sizing.node_drivers`; where a fact is
unknown nothing is judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hangar.spec.base import problem

if TYPE_CHECKING:
    from hangar.spec.environment import Environment


def engine_hardware_problems(environment: Environment) -> list[dict[str, Any]]:
    """One problem for each deployment its image cannot run on: at `deployments[i].pool` for a GPU no image of its
    release serves (non-NVIDIA), at `deployments[i].engine_version` for an NVIDIA GPU or driver the image cannot use."""
    from hangar.catalog import CatalogLookupError, load_catalog
    from hangar.hardware import HardwareChoiceError, pool_instance
    from hangar.sizing.engine_images import driver_refusal, gpu_refusal, newest_image_for
    from hangar.sizing.mxfp4 import compute_capability
    from hangar.sizing.node_drivers import node_driver

    try:
        catalog = load_catalog(environment.catalog_overrides)
    except (OSError, ValueError):
        return []  # reported under catalog_overrides
    problems = []
    for index, deployment in enumerate(environment.deployments):
        here = f"deployments[{index}].engine_version"
        cluster = environment.cluster_of(deployment)
        pool = next((p for p in cluster.node_pools if p.name == deployment.pool), None)
        if pool is None:
            continue  # a TPU slice
        try:
            instance = None if cluster.provider == "onprem" else pool_instance(catalog, cluster.provider, pool)
            gpu = catalog.gpu(pool.gpu if instance is None else instance.gpu)
        except (HardwareChoiceError, CatalogLookupError):
            continue  # reported at the pool
        if gpu.vendor != "NVIDIA":
            refusal = _vendor_refusal(deployment.engine_version, f"pool {deployment.pool}'s {gpu.name}", gpu.vendor, gpu.architecture)
            if refusal is not None:
                problems.append(problem(f"deployments[{index}].pool", refusal, deployment.pool))
            continue
        capability = compute_capability(gpu.architecture)
        refusal = gpu_refusal(deployment.engine_version, f"pool {deployment.pool}'s {gpu.name}", capability)
        if refusal is not None:
            older = newest_image_for(capability) if capability is not None else None
            advice = f"set engine_version to {older} or put the deployment on a newer GPU" if older else "put the deployment on a newer GPU"
            problems.append(problem(here, f"{refusal}; {advice}", deployment.engine_version))
            continue
        driver, where = node_driver(cluster, None if instance is None else instance.instance_type)
        refusal = driver_refusal(deployment.engine_version, driver, where)
        if refusal is not None:
            older = newest_image_for(capability, driver)
            advice = f"set engine_version to {older} or put" if older else "put"
            problems.append(problem(here, f"{refusal}; {advice} the deployment on GPU nodes that get a newer driver", deployment.engine_version))
    return problems


def _vendor_refusal(engine_version: str, gpu: str, vendor: str, architecture: str) -> str | None:
    """Why no image of the release serves a non-NVIDIA GPU: AMD per `hangar.sizing.rocm_images`; any other vendor's
    accelerator always (Hangar pins no vLLM image for it)."""
    from hangar.sizing.rocm_images import amd_refusal

    if vendor.upper() == "AMD":
        return amd_refusal(engine_version, gpu, architecture)
    return (
        f"{gpu} is an {vendor} accelerator: Hangar sizes it but serves only NVIDIA GPUs (vllm/vllm-openai) and AMD GPUs "
        "(vllm/vllm-openai-rocm), and pins no vLLM image for it; put the deployment on an NVIDIA or AMD GPU pool"
    )
