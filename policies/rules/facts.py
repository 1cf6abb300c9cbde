"""What several rules derive from the same plan — its serving workloads, its priced pools — computed once.

`evaluate` builds one `StackFacts` per stack and hands it to every check, so the plan is walked,
priced and joined once however many policies read it (the rules stay linear in the plan's size).
"""

from __future__ import annotations

import functools
from typing import Sequence

from hangar.policies.rules.clusters import ClusterJoin
from hangar.policies.rules.pools import PoolIndex, node_pools
from hangar.policies.rules.readiness_pods import PodWorkload, pod_workloads
from hangar.policies.rules.workloads import ServingWorkload, serving_workloads

from hangar.catalog import load_catalog
from hangar.cost import CostReport, price_records
from hangar.records import ResourceRecord


class StackFacts:
    """A stack's records and what the rules derive from them, each derived at most once."""

    def __init__(self, records: Sequence[ResourceRecord]):
        self.records = tuple(records)
        self._costs: dict[str | None, CostReport] = {}
        self._pools: dict[str | None, PoolIndex] = {}

    @functools.cached_property
    def by_urn(self) -> dict[str, ResourceRecord]:
        return {record.urn: record for record in self.records}

    @functools.cached_property
    def clusters(self) -> ClusterJoin:
        """The plan's managed clusters and the cluster of each Kubernetes object, joined through its provider."""
        return ClusterJoin(self.records, self.by_urn)

    @functools.cached_property
    def workloads(self) -> list[ServingWorkload]:
        return serving_workloads(self.records)

    @functools.cached_property
    def pod_workloads(self) -> list[PodWorkload]:
        """Every object that runs pods (serving or not), with its templates, tolerations and claims."""
        return pod_workloads(self.records, self.by_urn)

    def scope_of(self, workload: ServingWorkload | PodWorkload | ResourceRecord) -> str | None:
        """The component holding the Kubernetes provider of a workload or object (its cluster), if the plan records one."""
        provider = self.by_urn.get(self.by_urn[workload.urn].provider_urn or "") if workload.urn in self.by_urn else None
        return provider.parent if provider is not None else None

    def cost(self, catalog_overrides: str | None) -> CostReport:
        """The plan's pools priced with the catalog (and these overrides)."""
        if catalog_overrides not in self._costs:
            self._costs[catalog_overrides] = price_records(self.records, load_catalog(catalog_overrides))
        return self._costs[catalog_overrides]

    def pools(self, catalog_overrides: str | None) -> PoolIndex:
        """The plan's node pools with their labels and accelerators, indexed for the workload join."""
        if catalog_overrides not in self._pools:
            self._pools[catalog_overrides] = PoolIndex(node_pools(self.cost(catalog_overrides), self.by_urn, load_catalog(catalog_overrides)))
        return self._pools[catalog_overrides]
