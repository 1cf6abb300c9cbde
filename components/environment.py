"""`hangar:index:Environment`: the root component of a stack, one child component per cluster.

After the clusters, the serving step (`hangar.components.serving_environment`) gives every deployment a
`hangar:serving:ModelServer` and a `hangar:serving:Autoscaler`, parented here and talking to the
cluster through its `kube_provider`; its checks run before anything is registered.

Targets are found through `TARGETS`, a typed registry whose entries import their cloud SDK only
when a stack uses that cloud (each provider SDK costs about a second to load).
"""

from __future__ import annotations

from typing import Callable, Protocol

import pulumi
from hangar.components.placement import PoolPlacement

from hangar.kubernetes_support import kubernetes_version_warnings
from hangar.spec import ClusterBase, Environment


class ClusterComponent(Protocol):
    """What every target's cluster component gives the serving layer."""

    pools: dict[str, PoolPlacement]
    kube_provider: pulumi.ProviderResource


ClusterBuilder = Callable[[str, ClusterBase, Environment, pulumi.ResourceOptions], ClusterComponent]


def _aws() -> ClusterBuilder:
    from hangar.components.aws import AwsGpuCluster

    return AwsGpuCluster


def _gcp() -> ClusterBuilder:
    from hangar.components.gcp import GcpGpuCluster

    return GcpGpuCluster


def _azure() -> ClusterBuilder:
    from hangar.components.azure import AzureGpuCluster

    return AzureGpuCluster


def _onprem() -> ClusterBuilder:
    from hangar.components.onprem import OnPremGpuCluster

    return OnPremGpuCluster


TARGETS: dict[str, Callable[[], ClusterBuilder]] = {
    "aws": _aws,
    "gcp": _gcp,
    "azure": _azure,
    "onprem": _onprem,
}
"""provider → a function returning that target's cluster component class (imported lazily)."""


class HangarEnvironment(pulumi.ComponentResource):
    """Every cluster of one environment, parented under one component named after it."""

    clusters: dict[str, ClusterComponent]

    def __init__(self, name: str, environment: Environment, opts: pulumi.ResourceOptions | None = None):
        from hangar.components.serving_environment import (
            ServingConfigError,
            build_serving,
            check_serving,
        )

        try:
            prepared = check_serving(environment)  # before anything is registered: a bad deployment stops here
        except ServingConfigError as error:
            raise pulumi.RunError(f"invalid Hangar config:\n{error}") from None
        super().__init__("hangar:index:Environment", name, None, opts)
        for warning in kubernetes_version_warnings(environment):  # prod refused these already, in the spec
            pulumi.log.warn(warning, self)
        self.environment = environment
        self.clusters = {}
        for cluster in environment.clusters:
            build_cluster = TARGETS[cluster.provider]()
            self.clusters[cluster.name] = build_cluster(cluster.name, cluster, environment, pulumi.ResourceOptions(parent=self))
        self.servers = build_serving(self, environment, self.clusters, prepared)
        from hangar.components.routing import build_routing

        self.gateway = build_routing(self, environment, self.clusters, self.servers)
        from hangar.components.serving_lora_routing import build_adapter_routing

        self.adapter_routing = build_adapter_routing(self, environment, self.clusters, self.servers, self.gateway)
        self.register_outputs({"clusters": sorted(self.clusters), "servers": sorted(self.servers)})
