"""Which catalog hardware a pool runs on, and the config problems that need hardware facts to see.

`pool_instance` is the one place that turns a `GpuNodePool` into an instance type — the spec
uses it to validate, every cloud's components use it to build — so a GPU a cloud does not offer
is a one-line config error naming the alternatives, the same for AWS, GCP and Azure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hangar.catalog import Catalog, CatalogLookupError, InstanceType, TpuSliceShape, load_catalog

if TYPE_CHECKING:
    from hangar.spec import Environment, GcpCluster, GpuNodePool, TpuSlice

CLOUD_NAMES = {"aws": "AWS", "gcp": "GCP", "azure": "Azure"}


class HardwareChoiceError(ValueError):
    """A pool whose hardware cannot be found: `field` is the pool key at fault, `given` its value."""

    def __init__(self, field: str, message: str, given: Any):
        super().__init__(message)
        self.field = field
        self.given = given


def pool_instance(catalog: Catalog, cloud: str, pool: GpuNodePool) -> InstanceType:
    """The instance type a cloud pool runs on: the one named, or the cheapest with the GPU and count asked for."""
    cloud_name = CLOUD_NAMES[cloud]
    if pool.instance_type is not None:
        try:
            instance = catalog.instance(cloud, pool.instance_type)
        except CatalogLookupError as error:
            raise HardwareChoiceError("instance_type", str(error), pool.instance_type) from None
        if not instance.has_gpu:
            raise HardwareChoiceError("instance_type", f"is a CPU-only machine type; a GPU pool needs GPUs (see `hangar catalog instances --cloud {cloud}`)", pool.instance_type)
        if pool.gpu is not None and instance.gpu != pool.gpu:
            raise HardwareChoiceError("instance_type", f"has {instance.gpu} GPUs, not {pool.gpu}", pool.instance_type)
        if pool.gpus_per_node is not None and instance.gpu_count != pool.gpus_per_node:
            raise HardwareChoiceError("instance_type", f"has {instance.gpu_count} GPUs per node, not gpus_per_node={pool.gpus_per_node}", pool.instance_type)
    else:
        try:
            offers = catalog.instances_for(cloud, gpu=pool.gpu, gpu_count=pool.gpus_per_node)
        except CatalogLookupError as error:
            raise HardwareChoiceError("gpu", str(error), pool.gpu) from None
        if not offers:
            same_gpu = sorted(catalog.instances_for(cloud, gpu=pool.gpu), key=lambda i: (i.gpu_count, i.instance_type))
            if same_gpu:
                examples = ", ".join(f"{i.instance_type} ({i.gpu_count})" for i in same_gpu)
                raise HardwareChoiceError("gpus_per_node", f"{cloud_name} offers {pool.gpu} with these GPUs per node: {examples}", pool.gpus_per_node)
            offered = ", ".join(sorted({i.gpu for i in catalog.instances_for(cloud) if i.gpu}))
            raise HardwareChoiceError("gpu", f"{cloud_name} offers no instance with {pool.gpu} GPUs; GPUs on {cloud_name}: {offered}", pool.gpu)
        instance = offers[0]
    vendor = catalog.gpu(instance.gpu).vendor
    if vendor != "NVIDIA":
        raise HardwareChoiceError("instance_type", f"Hangar GPU pools run NVIDIA drivers, and {instance.instance_type} has {vendor} {instance.gpu}", instance.instance_type)
    return instance


def hardware_problems(environment: Environment) -> list[dict[str, Any]]:
    """Config problems that need the catalog: unknown GPUs, instance types and TPU topologies, GPUs a cloud lacks, TPU zones."""
    from hangar.spec import problem

    try:
        catalog = load_catalog(environment.catalog_overrides)
    except (OSError, ValueError) as error:
        return [problem("catalog_overrides", str(error), str(environment.catalog_overrides))]
    problems = []
    for c_index, cluster in enumerate(environment.clusters):
        for p_index, pool in enumerate(cluster.node_pools):
            here = f"clusters[{c_index}].node_pools[{p_index}]"
            try:
                if cluster.provider == "onprem":
                    catalog.gpu(pool.gpu)
                else:
                    pool_instance(catalog, cluster.provider, pool)
            except CatalogLookupError as error:
                problems.append(problem(f"{here}.gpu", str(error), pool.gpu))
            except HardwareChoiceError as error:
                problems.append(problem(f"{here}.{error.field}", str(error), error.given))
        for s_index, tpu_slice in enumerate(getattr(cluster, "tpu_slices", [])):
            try:
                shape = catalog.tpu_slice(tpu_slice.generation, tpu_slice.topology)
            except CatalogLookupError as error:
                problems.append(problem(f"clusters[{c_index}].tpu_slices[{s_index}].topology", str(error), tpu_slice.topology))
                continue
            problems.extend(tpu_zone_problems(catalog, cluster, c_index, s_index, tpu_slice, shape))
    return problems


def tpu_zone_problems(
    catalog: Catalog, cluster: GcpCluster, c_index: int, s_index: int, tpu_slice: TpuSlice, shape: TpuSliceShape
) -> list[dict[str, Any]]:
    """A slice's zones (its own, else the cluster's) must offer its generation, where the catalog's zone list is complete.

    Only zones of the areas the machine row marks complete (`zones_complete_in`) are judged; with no
    zones at all the GCP target picks them from the catalog or says which to name.
    """
    from hangar.spec import problem

    machine = next(m for m in catalog.tpu_machines(shape.generation) if m.machine_type == shape.machine_type and m.single_host == shape.single_host)
    own = bool(tpu_slice.zones)
    missing = machine.zones_without(tpu_slice.zones if own else cluster.zones)
    if not missing:
        return []
    generation, region = shape.generation, cluster.region
    in_region = [zone for zone in machine.zones if zone.startswith(f"{region}-")]
    offered = (
        f"zones of {region} that offer it: {', '.join(in_region)}"
        if in_region
        else f"no zone of {region} offers it; zones that do: {', '.join(machine.zones)}"
    )
    whose = "" if own else f"TPU slice {tpu_slice.name!r} runs in the cluster's zones, and "
    message = (
        f"{whose}{generation} TPUs are not offered in {', '.join(missing)}; {offered} "
        f"(zone list: {machine.zones_source}; if your project has {generation} there, e.g. reserved, add the zone with a tpus.csv catalog override)"
    )
    key = f"clusters[{c_index}].tpu_slices[{s_index}].zones" if own else f"clusters[{c_index}].zones"
    return [problem(key, message, missing)]
