"""A CPU node pool holds the pods the plan puts on it: their requests in all against its nodes at their most.

Every plan is judged, with a gateway or without: a stack with no route still puts the charts Hangar installs on its
system pool (KEDA and its HTTP add-on in gke-dev, LeaderWorkerSet's controller, the metrics stack). The gateway adds
pods to a cluster's CPU system pool: per routed deployment its endpoint pickers (two, active-passive),
Body-Based Routing when adapters are routed, beside the weight-staging jobs, the charts Hangar installs there (istiod,
KEDA and its HTTP add-on, LeaderWorkerSet's controller, the metrics stack, the Cluster Autoscaler) and whatever else a
program pins there by `nodeSelector`. Each may fit a node (`hangar.policies.rules.routing` checks one picker against one
node) while all of them together never fit the pool: the scheduler leaves the rest Pending. `system_pool_findings`
adds up, per CPU pool (a pool of the plan with no accelerators), the CPU and memory requests of every pod whose
`nodeSelector` the pool's node labels satisfy, in the same cluster — the plan's own workloads and the pods of its Helm
releases, whose requests, counts and `nodeSelector` come from each chart's values at its pinned version laid under the
release's values (`hangar.policies.rules.chart_pods`, which cites each chart), and the pods Istio starts for each
Gateway of class `istio` (`hangar.policies.rules.routing_system_gateway`: one `istio-proxy` pod requesting istiod's
`global.proxy.resources`, placed by the Gateway's overlay ConfigMap):

* a pod's request is its containers' requests summed, or its largest init container's when that is larger (the
  scheduler's "effective request": https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers,
  read 2026-12-01);
* pods per workload: `spec.replicas` of a Deployment, StatefulSet or ReplicaSet (default 1), `spec.parallelism` of a
  Job (default 1), one per node of a DaemonSet, `replicas` times the group size of a LeaderWorkerSet, one for a Pod;
* the cloud's own add-ons (`hangar.policies.rules.cloud_add_ons`, which cites each): on EKS the VPC CNI's `aws-node` and
  the EBS CSI driver's node pods on every node, its two controller pods where no other pool of the cluster can take them;
  EKS's kube-proxy and CoreDNS, and GKE's and AKS's own pods, whose requests no source read here states, are named as
  not counted.
* the pool's room is its most nodes (the autoscaler's maximum) times what one node allocates: the catalog's vCPUs and
  memory of its machine type less the kubelet's reserve and eviction threshold where the cloud's was read here
  (`hangar.policies.rules.node_allocatable`: EKS on AL2023, AKS, GKE), else the capacity; the message says which. The
  reserve taken is never more than the cloud's, so the room is never less than the scheduler can give.

So a finding is sure: those pods can never all run (a chart's autoscaled component counts at its minimum: istiod at
its HorizontalPodAutoscaler's, the HTTP add-on's interceptor at its ScaledObject's). What neither the plan, a chart's
values nor a cloud's published add-ons show is not counted — the add-ons above whose requests were not read, the
sidecars an operator injects, a chart Hangar has not read or a Gateway whose pods could not be read — and the message
names it, so passing says nothing about them. One more finding is not sure, and says so: on EKS the room is the memory
EC2 states less the kubelet's reserve, but a node's kernel reports less than EC2 states, by an amount no source read
here gives for AL2023; pods that need more than the room Karpenter would predict (7.5 % under EC2's memory) yet no more
than the room from EC2's memory cannot be judged (a finding that says so, at the rule's level). A pool whose machine
type or node count is unknown is skipped (the cost rules already report an unpriced or unbounded pool), and so is a
pool no pod of the plan selects.
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import Finding
from hangar.policies.rules.chart_pods import RELEASE_TYPES, chart_name, chart_pods
from hangar.policies.rules.cloud_add_ons import cloud_add_on_pods
from hangar.policies.rules.config import RoutingConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.node_allocatable import node_room
from hangar.policies.rules.pools import PoolHardware
from hangar.policies.rules.readiness_pods import PodTemplate, PodWorkload
from hangar.policies.rules.routing_system_gateway import istio_gateway_pods

from hangar.catalog import CatalogLookupError, load_catalog
from hangar.records import ResourceRecord

RULE = "hangar-routing"
EPSILON = 1e-9
"""Requests equal to the room fit: sums of decimal quantities are compared with this slack."""


def system_pool_findings(facts: StackFacts, config: RoutingConfig, cpu_of: Any, gib_of: Any) -> list[Finding]:
    """Per CPU pool, a finding when the pods that select it request more CPU or memory than its nodes have at their most.

    `cpu_of` / `gib_of` read a Kubernetes quantity as cores / GiB (None when absent or malformed).
    """
    selecting = [w for w in facts.pod_workloads if w.leader.node_selector]
    releases = [(r, chart_pods(r, cpu_of, gib_of)) for r in facts.records if r.type in RELEASE_TYPES]
    gateways, unread_gateways = istio_gateway_pods(facts, cpu_of, gib_of)
    if not selecting and not any(pods for _, pods in releases) and not gateways:
        return []
    catalog = load_catalog(config.catalog_overrides)
    lines = {line.urn: line for line in facts.cost(config.catalog_overrides).lines}
    findings = []
    pools = facts.pools(config.catalog_overrides).by_scope.get(None, [])
    for pool in pools:
        line = lines.get(pool.urn)
        if pool.kind != "cpu" or line is None or not line.machine_type or not line.count_max:
            continue
        try:
            machine = catalog.instance(line.cloud, line.machine_type, line.price_region or line.region)
        except CatalogLookupError:
            continue
        if machine.vcpus is None or machine.memory_gib is None:
            continue
        counted = sorted((w.describe(), _pods(w, line.count_max), _request(w.leader, cpu_of, "cpu"), _request(w.leader, gib_of, "memory"))
                   for w in selecting if _in_scope(facts, w.record, pool) and _selects(w.leader.node_selector, pool))  # fmt: skip
        unknown = []
        for release, pods in releases:
            if not _in_scope(facts, release, pool):
                continue
            if pods is None:
                unknown.append(f"chart {chart_name(release)} {release.inputs.get('version')}")
                continue
            counted += [(p.describe(), line.count_max if p.pods is None else p.pods, p.cpu, p.gib)
                        for p in pods if (p.cpu or p.gib) and p.node_selector and _selects(p.node_selector, pool)]  # fmt: skip
        counted += [(g.describe(), g.pods, g.cpu, g.gib) for g in gateways
                    if (g.cpu or g.gib) and g.node_selector and _in_scope(facts, g.gateway, pool) and _selects(g.node_selector, pool)]  # fmt: skip
        unknown += [why for gateway, why in unread_gateways if _in_scope(facts, gateway, pool)]
        if not counted:
            continue
        add_ons = cloud_add_on_pods(facts, pool, pools)
        counted += [(a.describe(), line.count_max if a.pods is None else a.pods, a.cpu, a.gib) for a in add_ons.counted]
        cpu = sum(pods * each for _, pods, each, _ in counted)
        gib = sum(pods * each for _, pods, _, each in counted)
        node = node_room(facts.by_urn[pool.urn], line.pool, machine.vcpus, machine.memory_gib, line.machine_type)
        room_cpu, room_gib = line.count_max * node.cpu, line.count_max * node.gib
        who = ", ".join(f"{what} x{pods}" for what, pods, _, _ in counted)
        left = "; ".join([*add_ons.uncounted, *sorted(set(unknown))]) or "nothing the plan shows"
        nodes = f"{line.count_max} {line.machine_type} node(s)"
        if cpu <= room_cpu + EPSILON and gib <= room_gib + EPSILON:
            floor = None if node.floor_gib is None else line.count_max * node.floor_gib
            if floor is not None and gib > floor + EPSILON:
                findings.append(Finding(RULE, pool.urn, f"the pods that select pool {pool.name} request {_num(gib)} GiB in all: within the {_num(room_gib)} "
                                        f"its {nodes} allocate at most ({node.basis}), but above the {_num(floor)} they allocate "
                                        f"at {node.floor_basis}: whether they all run depends on the nodes' real memory, which no source read here "
                                        f"states, so this cannot be judged (counted: {who}; not counted: {left}); "
                                        "raise the pool's maximum, give it bigger nodes or lower the requests"))  # fmt: skip
            continue
        over = [_over(cpu, "CPU", room_cpu, line.count_max * machine.vcpus, "vCPU", node.reserved) if cpu > room_cpu + EPSILON else "",
                _over(gib, "GiB", room_gib, line.count_max * machine.memory_gib, "GiB", node.reserved) if gib > room_gib + EPSILON else ""]  # fmt: skip
        findings.append(Finding(RULE, pool.urn, f"the pods that select pool {pool.name} request {' and '.join(o for o in over if o)} in all at its "
                                f"{nodes} at most, {'after' if node.reserved else 'before'} the kubelet's reserve "
                                f"({node.basis}): they can never all run "
                                f"(counted: {who}; not counted: {left}); "
                                "raise the pool's maximum, give it bigger nodes or lower the requests"))  # fmt: skip
    return findings


def _over(asked: float, unit: str, room: float, capacity: float, capacity_unit: str, reserved: bool) -> str:
    """`6.4 CPU (its nodes allocate at most 5.79 of their 6 vCPU)`, or against capacity when no reserve was taken."""
    if reserved:
        return f"{_num(asked)} {unit} (its nodes allocate at most {_num(room)} of their {_num(capacity)} {capacity_unit})"
    return f"{_num(asked)} {unit} (its nodes have {_num(capacity)} {capacity_unit})"


def _num(value: float) -> str:
    """A figure for a message: at most two decimals, no trailing zeros."""
    return f"{round(value, 2):g}"


def _in_scope(facts: StackFacts, record: ResourceRecord, pool: PoolHardware) -> bool:
    """Whether the record is in the pool's cluster (any pool for a raw program that records no cluster)."""
    scope = facts.scope_of(record)
    return scope is None or not pool.ancestors or scope in pool.ancestors


def _selects(node_selector: dict[str, str], pool: PoolHardware) -> bool:
    """Whether the `nodeSelector` picks this pool's nodes."""
    return all(pool.labels.get(key) == value for key, value in node_selector.items())


def _pods(workload: PodWorkload, nodes: int) -> int:
    """How many pods the workload runs (a DaemonSet: one on each of the pool's nodes)."""
    spec = workload.record.inputs.get("spec") or {}
    if workload.kind == "DaemonSet":
        return nodes
    if workload.kind == "Pod":
        return 1
    if workload.kind == "Job":
        return _count(spec.get("parallelism"))
    return _count(spec.get("replicas")) * workload.pods_per_replica


def _count(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and value >= 0 else 1


def _request(template: PodTemplate, read: Any, resource: str) -> float:
    """The pod's effective request of `resource`: its containers' sum, or its largest init container's if larger."""

    def asked(container: dict[str, Any]) -> float:
        return read(((container.get("resources") or {}).get("requests") or {}).get(resource)) or 0.0

    inits = [c for c in template.spec.get("initContainers") or [] if isinstance(c, dict)]
    return max(sum(asked(c) for c in template.containers), max((asked(c) for c in inits), default=0.0))
