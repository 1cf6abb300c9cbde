"""`hangar:gcp:TpuSlice`: GKE TPU slice node pools, one `TpuSlice` of the stack config each.

A slice's shape comes from the catalog (`Catalog.tpu_slice(generation, topology)`): the machine type
(e.g. v5e 2x4 → one `ct5lp-hightpu-8t`; v5e 4x4 → four `ct5lp-hightpu-4t`), the chips per host and
the hosts the topology needs. Two kinds, because GKE treats them differently:

* single-host: every node is a whole slice, so one autoscaled node pool holds all the slices
  (`min_slices`..`max_slices` nodes) across the slice's zones;
* multi-host: the slice spans `hosts` nodes linked by ICI, and GKE provisions such a pool
  atomically (all nodes or none) and will not resize it. So each slice is its own node pool of
  exactly `hosts` nodes in one zone, with a COMPACT placement policy and its `tpu_topology`
  (TPU7x instead names a HIGH_THROUGHPUT workload policy, which replaces `tpu_topology`). The first
  `min_slices` pools are fixed at `hosts` nodes; the rest autoscale between 0 and `hosts` nodes,
  which GKE does as one unit. Slice pool i goes to zone i modulo the slice's zones.

GKE labels TPU nodes `cloud.google.com/gke-tpu-accelerator` and `cloud.google.com/gke-tpu-topology`;
the serving layer selects them through `placement`, requests `google.com/tpu` (chips per host per
pod) and runs `hosts_per_replica` pods per replica for a multi-host slice.
"""

from __future__ import annotations

import dataclasses

import pulumi
import pulumi_gcp as gcp
from hangar.components.gcp import (
    MANAGEMENT,
    GkeCluster,
    _child,
    check_zones,
    initial_per_zone,
    node_config,
    where,
)
from hangar.components.labels import (
    CAPACITY,
    CLUSTER,
    ENVIRONMENT,
    POOL,
    cloud_safe,
    environment_labels,
)
from hangar.components.placement import TPU_RESOURCE, PoolPlacement, toleration

from hangar.catalog import CatalogLookupError, TpuSliceShape, is_ai_zone, load_catalog
from hangar.spec import SYSTEM_POOL, Environment, GcpCluster, TpuSlice

TPU_ACCELERATOR_LABEL = "cloud.google.com/gke-tpu-accelerator"
TPU_TOPOLOGY_LABEL = "cloud.google.com/gke-tpu-topology"
TPU = "hangar.dev/tpu"
TPU_TAINT = {"key": TPU_RESOURCE, "value": "present", "effect": "NoSchedule"}
WORKLOAD_POLICY_GENERATIONS = ("tpu7x",)
"""Generations whose multi-host slices take a workload policy (`--placement-policy`) instead of `tpu_topology`."""
MAX_POOL_NAME = 40


@dataclasses.dataclass(frozen=True)
class ResolvedSlice:
    """A `TpuSlice` with its catalog shape and the zones its pools go to."""

    spec: TpuSlice
    shape: TpuSliceShape
    zones: tuple[str, ...]

    def pool_names(self) -> list[str]:
        """GKE node pool names: the slice's name for single-host slices, `<name>-<i>` per multi-host slice."""
        if self.shape.single_host:
            return [self.spec.name]
        return [f"{self.spec.name[: MAX_POOL_NAME - 1 - len(str(index))].rstrip('-')}-{index}" for index in range(self.spec.max_slices)]


def resolve_slices(cluster: GcpCluster, environment: Environment) -> dict[str, ResolvedSlice]:
    """Slice name → its shape and zones; a ValueError naming the key and the alternatives for what does not fit."""
    catalog = load_catalog(environment.catalog_overrides)
    resolved = {}
    for tpu_slice in cluster.tpu_slices:
        here = where(cluster, environment, "tpu_slices", tpu_slice)
        check_zones(cluster, environment, "tpu_slices", tpu_slice)
        if tpu_slice.name == SYSTEM_POOL:
            raise ValueError(f"{here}.name: {SYSTEM_POOL!r} is the cluster's CPU node pool; name the slice otherwise; got {tpu_slice.name!r}")
        try:
            shape = catalog.tpu_slice(tpu_slice.generation, tpu_slice.topology)
        except CatalogLookupError as error:
            raise ValueError(f"{here}.topology: {error}; got {tpu_slice.topology!r}") from None
        zones = tuple(tpu_slice.zones or cluster.zones)
        if not zones:
            machine = next(m for m in catalog.tpu_machines(shape.generation) if m.machine_type == shape.machine_type and m.single_host == shape.single_host)
            # AI zones (us-central1-ai1a) are capacity a project is given, never a default
            zones = tuple(zone for zone in machine.zones if zone.startswith(f"{cluster.region}-") and not is_ai_zone(zone))
            if not zones:
                raise ValueError(
                    f"{here}.zones: TPU node pools are zonal; name a zone of {cluster.region} that offers {shape.generation} "
                    f"(the catalog knows {', '.join(machine.zones) or 'none'}); got none"
                )
        resolved[tpu_slice.name] = ResolvedSlice(spec=tpu_slice, shape=shape, zones=zones)
    return resolved


class GkeTpuSlice(pulumi.ComponentResource):
    """`hangar:gcp:TpuSlice`: the node pool(s) of one TPU slice spec (see the module docstring).

    Nodes carry the taint `google.com/tpu=present:NoSchedule` and the labels `hangar.dev/pool`,
    `hangar.dev/tpu` (the generation) and `hangar.dev/environment`. Capacity as for GPU pools:
    spot → Spot VMs, reserved → any matching reservation. `placement` tells the serving layer how to
    land a replica: node selector (pool, TPU accelerator, topology), toleration, chips per node and
    hosts per replica.
    """

    def __init__(
        self, name: str, resolved: ResolvedSlice, *, cluster: GkeCluster, cluster_spec: GcpCluster, environment: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("hangar:gcp:TpuSlice", name, None, opts)
        spec, shape = resolved.spec, resolved.shape
        tags = {**environment_labels(environment), CLUSTER: cluster_spec.name, POOL: spec.name, TPU: shape.generation}
        if spec.capacity == "reserved":
            tags[CAPACITY] = "reserved"
        self.labels = {POOL: spec.name, TPU: shape.generation, ENVIRONMENT: environment.name}
        self.taints = [TPU_TAINT]
        settings = {
            "cluster": cluster.cluster_name,
            "location": cluster_spec.region,
            "project": cluster.project,
            "management": MANAGEMENT,
            "node_config": node_config(
                machine_type=shape.machine_type,
                service_account=cluster.node_service_account,
                labels=self.labels,
                resource_labels=cloud_safe(tags),
                taints=self.taints,
                capacity=spec.capacity,
            ),
        }
        names = resolved.pool_names()
        self.node_pools: list[gcp.container.NodePool] = []
        if shape.single_host:
            self.node_pools.append(
                gcp.container.NodePool(
                    name,
                    name=names[0],
                    node_locations=list(resolved.zones),
                    initial_node_count=initial_per_zone(spec.min_slices, spec.max_slices, len(resolved.zones)),
                    autoscaling=gcp.container.NodePoolAutoscalingArgs(total_min_node_count=spec.min_slices, total_max_node_count=spec.max_slices, location_policy="ANY"),
                    **settings,
                    opts=_child(self, depends_on=cluster.node_prerequisites, ignore_changes=["initialNodeCount"]),
                )
            )
        else:
            placement = self._placement_policy(name, shape, cluster_spec.region, cluster.project)
            for index, pool_name in enumerate(names):
                always_on = index < spec.min_slices
                self.node_pools.append(
                    gcp.container.NodePool(
                        f"{name}-{index}",
                        name=pool_name,
                        node_locations=[resolved.zones[index % len(resolved.zones)]],
                        node_count=shape.hosts if always_on else None,
                        initial_node_count=None if always_on else 0,
                        autoscaling=None if always_on else gcp.container.NodePoolAutoscalingArgs(min_node_count=0, max_node_count=shape.hosts),
                        placement_policy=placement,
                        **settings,
                        opts=_child(self, depends_on=cluster.node_prerequisites),
                    )
                )
        self.placement = PoolPlacement(
            pool=spec.name,
            node_selector={POOL: spec.name, TPU_ACCELERATOR_LABEL: shape.gke_accelerator, TPU_TOPOLOGY_LABEL: shape.topology},
            tolerations=(toleration(TPU_TAINT),),
            accelerator_resource=TPU_RESOURCE,
            accelerators_per_node=shape.chips_per_host,
            hosts_per_replica=1 if shape.single_host else shape.hosts,
        )
        self.register_outputs(
            {"node_pool_names": names, "machine_type": shape.machine_type, "topology": shape.topology, "hosts_per_slice": shape.hosts, "labels": self.labels}
        )

    def _placement_policy(self, name: str, shape: TpuSliceShape, region: str, project: pulumi.Input[str]) -> gcp.container.NodePoolPlacementPolicyArgs:
        """COMPACT with the slice's `tpu_topology`; for TPU7x, COMPACT naming a HIGH_THROUGHPUT workload policy of that topology."""
        if shape.generation not in WORKLOAD_POLICY_GENERATIONS:
            return gcp.container.NodePoolPlacementPolicyArgs(type="COMPACT", tpu_topology=shape.topology)
        policy = gcp.compute.ResourcePolicy(
            f"{name}-workload",
            region=region,
            project=project,
            description=f"TPU {shape.generation} {shape.topology} slice placement",
            workload_policy=gcp.compute.ResourcePolicyWorkloadPolicyArgs(type="HIGH_THROUGHPUT", accelerator_topology=shape.topology),
            opts=_child(self),
        )
        return gcp.container.NodePoolPlacementPolicyArgs(type="COMPACT", policy_name=policy.name)
