"""The managed clusters a plan creates, and which of them each Kubernetes object is applied to — indexed once.

A Kubernetes object reaches its cluster through its Kubernetes provider, whose kubeconfig is built
from the cluster's outputs: the provider depends on the cluster. `ClusterJoin` keeps the plan's
clusters by URN and answers "which cluster" per provider once, so rules that join many objects to
few clusters stay linear in the size of the plan.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from hangar.records import ResourceRecord

EKS_CLUSTER = "aws:eks/cluster:Cluster"
GKE_CLUSTER = "gcp:container/cluster:Cluster"
AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
CLUSTER_TYPES = (EKS_CLUSTER, GKE_CLUSTER, AKS_CLUSTER)


class ClusterJoin:
    """The plan's EKS, GKE and AKS clusters, in registration order, and the cluster of any object."""

    def __init__(self, records: Sequence[ResourceRecord], by_urn: Mapping[str, ResourceRecord]):
        self.clusters = [record for record in records if record.type in CLUSTER_TYPES]
        self._cluster_urns = {cluster.urn: cluster for cluster in self.clusters}
        self._by_urn = by_urn
        self._through_provider: dict[str, ResourceRecord | None] = {}

    def cluster_of(self, record: ResourceRecord) -> ResourceRecord | None:
        """The one cluster the object's provider depends on, else the plan's only cluster, else None."""
        provider_urn = record.provider_urn or ""
        if provider_urn not in self._through_provider:
            self._through_provider[provider_urn] = self._provider_cluster(provider_urn)
        found = self._through_provider[provider_urn]
        if found is not None:
            return found
        return self.clusters[0] if len(self.clusters) == 1 else None

    def _provider_cluster(self, provider_urn: str) -> ResourceRecord | None:
        provider = self._by_urn.get(provider_urn)
        if provider is None:
            return None
        matches = {urn for urn in provider.dependencies if urn in self._cluster_urns}
        return self._cluster_urns[matches.pop()] if len(matches) == 1 else None
