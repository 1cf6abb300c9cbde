"""A deployment whose pinned vLLM image cannot run on its pool's GPU or on the driver its nodes get is a config error.

Two ways the real path fails after `pulumi up` that a stack config already shows: the image's kernels are not built
for the GPU (vLLM v0.33.0's image has none for Volta, V100), and the node's NVIDIA driver is older than the image's
CUDA needs (CUDA 13 needs driver 580). The facts and their sources are in `hangar.sizing.engine_images` and
`hangar.sizing.node_drivers`; where either is unknown nothing is judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hangar.spec.base import problem

if TYPE_CHECKING:
    from hangar.spec.environment import Environment


def engine_hardware_problems(environment: Environment) -> list[dict[str, Any]]:
    """One problem at `deployments[i].engine_version` for each deployment its image cannot run on (GPU, then driver)."""
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
