"""Room for the replicas: what an autoscaler may ask for fits the nodes its pool can grow to.

An autoscaler's maximum replicas x the pods of a replica must fit the pools its pods select: each node
holds `accelerators per node // accelerators per pod` pods, and a pool holds that many times its maximum
node count. Replicas past it stay Pending however hard the autoscaler scales. Pools that serve several
workloads are judged on their sum as well.

A pool grows to its maximum only when something grows it: GKE and AKS pool autoscaling is the platform's
own (`autoscaling`, `enableAutoScaling`), on-prem pools are fixed, but an EKS managed node group stays at its
desired size unless Cluster Autoscaler or Karpenter runs in the cluster ("Amazon EKS managed node groups
... you can use the Kubernetes Cluster Autoscaler": https://docs.aws.amazon.com/eks/latest/userguide/autoscaling.html,
read 2026-12-01). Recognised by a Helm release of chart `cluster-autoscaler` or `karpenter`, or a workload
running their images. A pool whose size or hardware is unknown cannot be judged (fail closed).
"""

from __future__ import annotations

from hangar.policies.rules.base import REPLICA_ROOM, Finding
from hangar.policies.rules.config import ReplicaRoomConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.pools import PoolHardware
from hangar.policies.rules.readiness_autoscalers import Autoscaler, autoscalers
from hangar.policies.rules.readiness_devices import RELEASE_TYPES, chart_name
from hangar.policies.rules.readiness_join import pools_for

NODE_AUTOSCALER_CHARTS = ("cluster-autoscaler", "karpenter")
NODE_AUTOSCALER_IMAGES = ("registry.k8s.io/autoscaling/cluster-autoscaler", "public.ecr.aws/karpenter/controller")


def check(facts: StackFacts, config: ReplicaRoomConfig) -> list[Finding]:
    scopes = _node_autoscaler_scopes(facts, config)
    findings = []
    shared: dict[str, tuple[PoolHardware, list[tuple[Autoscaler, int]]]] = {}
    for scaler in autoscalers(facts):
        if scaler.target is None or scaler.max_replicas is None:
            continue  # hangar-autoscaler-metrics reports an autoscaler whose target is not in the plan
        template = scaler.target.leader
        wanted = template.accelerators()
        if not wanted:
            continue
        resource, per_pod = next(iter(wanted.items()))
        pools = [p for p in pools_for(facts, config.catalog_overrides, scaler.target, template) if p.resource == resource or p.kind == "unknown"]
        if not pools:
            continue  # hangar-schedulable-accelerators reports it
        pods = scaler.max_replicas * scaler.target.pods_per_replica
        capacity, unknown, notes = 0, [], []
        for pool in pools:
            nodes, note = usable_nodes(pool, scopes)
            if pool.kind == "unknown" or not pool.per_node or nodes is None:
                unknown.append(pool)
                continue
            capacity += nodes * (pool.per_node // per_pod)
            notes.append(f"{pool.describe()}: {nodes} node{'s' if nodes != 1 else ''}{note} x {pool.per_node // per_pod} pod{'s' if pool.per_node // per_pod != 1 else ''} of {per_pod} {resource}")
        asks = f"{scaler.describe()} may scale {scaler.describe_target()} to {scaler.max_replicas} replicas ({pods} pods of {per_pod} {resource})"
        if unknown:
            findings.append(
                Finding(REPLICA_ROOM, scaler.urn, f"{asks}, but {', '.join(p.describe() for p in unknown)} has an unknown size or hardware, so whether they fit cannot be judged")
            )
        elif capacity < pods:
            findings.append(
                Finding(
                    REPLICA_ROOM, scaler.urn,
                    f"{asks}, but its pools hold at most {capacity}: {'; '.join(notes)}. Raise the pool's maximum nodes, lower maxReplicas, "
                    "or give it a node autoscaler where the platform needs one",
                )  # fmt: skip
            )
        elif len(pools) == 1:
            shared.setdefault(pools[0].urn, (pools[0], []))[1].append((scaler, pods * per_pod))
    for pool, members in shared.values():
        if len(members) < 2:
            continue
        nodes, note = usable_nodes(pool, scopes)
        total = sum(count for _, count in members)
        if nodes is not None and total > nodes * pool.per_node:
            asked = ", ".join(f"{s.describe()} {count}" for s, count in members)
            findings += [
                Finding(
                    REPLICA_ROOM, scaler.urn,
                    f"{pool.describe()} is shared: at their maximum its autoscalers ask for {total} accelerators ({asked}), but it holds "
                    f"{nodes} node{'s' if nodes != 1 else ''}{note} x {pool.per_node}; raise its maximum nodes or lower their maxReplicas",
                )  # fmt: skip
                for scaler, _ in members
            ]
    return findings


def usable_nodes(pool: PoolHardware, node_autoscaler_scopes: set[str | None]) -> tuple[int | None, str]:
    """The nodes the pool can really grow to, and a note when that is less than its maximum."""
    traits = pool.traits
    if traits.platform == "eks" and traits.fixed_nodes is not None and traits.max_nodes is not None and traits.fixed_nodes < traits.max_nodes:
        if None not in node_autoscaler_scopes and not node_autoscaler_scopes & pool.ancestors:
            return traits.fixed_nodes, (
                f" (its desired size: an EKS managed node group grows to its maxSize {traits.max_nodes} only with Cluster Autoscaler "
                "or Karpenter, and neither is in this stack)"
            )
    return traits.max_nodes, ""


def _node_autoscaler_scopes(facts: StackFacts, config: ReplicaRoomConfig) -> set[str | None]:
    known = facts.pools(config.catalog_overrides).by_scope
    found: set[str | None] = set()
    for record in facts.records:
        if record.type in RELEASE_TYPES and chart_name(record) in NODE_AUTOSCALER_CHARTS:
            scope = facts.scope_of(record)
            found.add(scope if scope in known else None)
    for workload in facts.pod_workloads:
        if any(str(c.get("image") or "").startswith(NODE_AUTOSCALER_IMAGES) for c in workload.leader.containers):
            scope = facts.scope_of(workload)
            found.add(scope if scope in known else None)
    return found
