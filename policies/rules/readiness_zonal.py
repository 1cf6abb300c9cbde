"""Zonal storage: a per-replica ReadWriteOnce weight cache on a pool whose nodes span several zones.

A StatefulSet (or LeaderWorkerSet) `volumeClaimTemplates` claim is a disk bound to one zone once it is
provisioned (EBS volumes, zonal GCE persistent disks and Azure LRS disks are zonal; Kubernetes "Topology-aware
volume provisioning", https://kubernetes.io/docs/concepts/storage/storage-classes/#volume-binding-mode, read
2026-12-01). When the pool spans zones and the zone that holds a replica's disk has no free accelerator node
(a spot reclaim, a stock-out, the autoscaler growing the pool elsewhere), that replica stays Pending while
other zones have room: it is stranded with its cache. Fine when the workload pins one zone, or its
StorageClass replicates across zones (GKE `replication-type: regional-pd`; Azure Disk `skuName` `*_ZRS`).

Advisory; in prod the policy is mandatory and judges the realtime workloads — those named in the config's
`realtimeWorkloads` (Hangar writes them from the stack config) or labelled `hangar.dev/latency-class: realtime`.
A policy has one enforcement level, so in prod the other workloads are not reported.
"""

from __future__ import annotations

from hangar.policies.rules.base import ZONAL_STORAGE, Finding
from hangar.policies.rules.config import ZonalStorageConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.readiness_join import pools_for
from hangar.policies.rules.readiness_pods import PodWorkload

from hangar.records import ResourceRecord

LATENCY_LABEL = "hangar.dev/latency-class"
ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
RWO = ("ReadWriteOnce", "ReadWriteOncePod")
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def check(facts: StackFacts, config: ZonalStorageConfig) -> list[Finding]:
    classes = {str((r.inputs.get("metadata") or {}).get("name") or r.name): r for r in facts.records if r.type == "kubernetes:storage.k8s.io/v1:StorageClass"}
    default = next((r for r in classes.values() if str(((r.inputs.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CLASS)).lower() == "true"), None)
    findings = []
    for workload in facts.pod_workloads:
        claims = [c for c in workload.claim_templates if set((c.get("spec") or {}).get("accessModes") or []) & set(RWO)]
        if not claims or (config.tier == "prod" and not _realtime(workload, config)):
            continue
        template = workload.leader
        if any(key in template.node_selector for key in ZONE_LABELS) or _pins_zone(template.affinity_terms):
            continue
        zonal_claims = [c for c in claims if not _replicated(classes.get(str((c.get("spec") or {}).get("storageClassName") or "")) or default)]
        if not zonal_claims:
            continue
        for pool in pools_for(facts, config.catalog_overrides, workload, template):
            zones = pool.traits.zone_count
            if zones == 1:
                continue
            spread = f"{zones} zones ({', '.join(pool.traits.zones or ())})" if zones else "several zones (not listed in the plan)"
            names = ", ".join(str((c.get("metadata") or {}).get("name")) for c in zonal_claims)
            findings.append(
                Finding(
                    ZONAL_STORAGE,
                    workload.urn,
                    f"{workload.describe()}: each replica keeps its weights on its own ReadWriteOnce claim ({names}), bound to one zone, "
                    f"but {pool.describe()} spans {spread}: a replica whose zone has no free node stays Pending while other zones have room. "
                    "Pin the pool (or the workload, topology.kubernetes.io/zone) to one zone, use a StorageClass that replicates across zones, "
                    "or a node-local or shared (ReadWriteMany) cache",
                )
            )
    return findings


def _realtime(workload: PodWorkload, config: ZonalStorageConfig) -> bool:
    return workload.name in config.realtime_workloads or workload.labels.get(LATENCY_LABEL) == "realtime" or workload.leader.labels.get(LATENCY_LABEL) == "realtime"


def _pins_zone(terms: list[list[dict]]) -> bool:
    """Every required affinity term names exactly one zone."""
    return bool(terms) and all(
        any(e.get("key") in ZONE_LABELS and e.get("operator") == "In" and len(e.get("values") or []) == 1 for e in term) for term in terms
    )


def _replicated(storage_class: ResourceRecord | None) -> bool:
    """A StorageClass whose volumes survive the loss of a zone: GKE regional PD, Azure zone-redundant disks."""
    if storage_class is None:
        return False
    parameters = {str(k).lower(): str(v) for k, v in (storage_class.inputs.get("parameters") or {}).items()}
    return parameters.get("replication-type") == "regional-pd" or parameters.get("skuname", "").upper().endswith("_ZRS")
