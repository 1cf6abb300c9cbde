"""Routes reach what they name: HTTPRoutes, InferencePools and their endpoint pickers, in any program's plan.

The Gateway API Inference Extension joins objects by name and label, and Kubernetes accepts every one of
them whether or not the other end exists: an `HTTPRoute` whose backend `InferencePool` is missing, a pool
whose selector matches no pod, or whose picker Service is not there, applies cleanly and answers 5xx (the
gateway has nowhere to send a request). `hangar-routing` judges, per namespace:

* every `backendRefs[]` of kind `InferencePool` (group `inference.networking.k8s.io`) of an HTTPRoute names
  an InferencePool of the plan (in the ref's `namespace`, else the route's: HTTPRoute
  `backendRefs[].namespace`, Gateway API v1.5.1);
* every InferencePool's `selector.matchLabels` selects the pods of a workload of the plan in its namespace
  (its InferencePool v1 `selector`: "Selector determines which Pods are members of this inference pool.
  It matches Pods by their labels only within the same namespace"), that workload declares a container
  port among the pool's `targetPorts` when it declares any, and its `endpointPickerRef` (kind Service
  by default) names a Service of the plan with that port;
* the picker's pods fit a node of the pool their `nodeSelector` names: the scheduler places a pod by the node's
  "allocatable" = capacity - kube-reserved - system-reserved - eviction threshold
  (https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/, read 2026-12-01), so a picker
  requesting more than one node allocates never schedules. The node's vCPUs and memory come from the catalog's row
  for the pool's machine type, less the cloud's reserve where it was read (`hangar.policies.rules.node_allocatable`:
  EKS on AL2023, AKS, GKE); elsewhere a picker requesting as much as the node's whole capacity is refused, since
  every kubelet keeps some, and the message says which basis was used;
* every InferenceObjective names an InferencePool of the plan in its namespace
  (`hangar.policies.rules.routing_objectives`);
* no HTTPRoute behind a GKE gateway class rewrites the path or redirects with 307/308, which GKE's controller does not
  claim, nor matches a header Body-Based Routing sets without a GCPRoutingExtension calling it (`hangar.policies.rules.routing_gke`);
* an Istio DestinationRule ordering endpoints by `failoverPriority` has outlier detection, and its Service selects
  workloads of the plan on more than one priority level (`hangar.policies.rules.routing_failover`);
* the pods that select a CPU pool (pickers, Body-Based Routing, staging jobs, the charts Hangar installs there, any
  program's) request no more CPU or memory in all than the pool's nodes have at their most, in every plan, with a
  gateway or without (`hangar.policies.rules.routing_system`);
* advisory: a picker requesting less than the Inference Extension validated (4 CPU, 8 GiB: "validated ...
  ramp from 1 to 5000 QPS ... p90 scheduler latency remained within 100 ms",
  site-src/guides/epp-configuration/resource-tuning.md at tag v1.5.0, commit
  df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849, read 2026-12-01) in front of servers that declare a peak
  (`hangar.dev/peak-rps`), or a pool whose servers declare more than the 5,000 requests/s measured: no
  measurement says such a picker keeps up.

Mandatory in prod, advisory elsewhere (`hangar policy-config` writes the level from the stack's tier).
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import Finding
from hangar.policies.rules.config import RoutingConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.node_allocatable import node_room
from hangar.policies.rules.readiness_pods import PodWorkload, namespace_of
from hangar.policies.rules.routing_failover import failover_findings
from hangar.policies.rules.routing_gke import gke_body_routing_findings, gke_filter_findings
from hangar.policies.rules.routing_objectives import objective_findings
from hangar.policies.rules.routing_system import EPSILON, system_pool_findings

from hangar.catalog import CatalogLookupError, load_catalog
from hangar.records import ResourceRecord
from hangar.sizing.capacity import PEAK_RPS

ROUTING = "hangar-routing"
HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
INFERENCE_POOL = "kubernetes:inference.networking.k8s.io/v1:InferencePool"
SERVICE = "kubernetes:core/v1:Service"
POOL_GROUP = "inference.networking.k8s.io"
VALIDATED_PICKER = (4.0, 8.0, 5000.0)
"""The picker's requests (CPU cores, GiB) the Inference Extension v1.5.0 validated, and the requests/s it ramped to."""


def check(facts: StackFacts, config: RoutingConfig) -> list[Finding]:
    by_urn = facts.by_urn
    pools = {(namespace_of(r, by_urn), _name(r)): r for r in facts.records if r.type == INFERENCE_POOL}
    services = {(namespace_of(r, by_urn), _name(r)): r for r in facts.records if r.type == SERVICE}
    findings = []
    for route in (r for r in facts.records if r.type == HTTP_ROUTE):
        namespace = namespace_of(route, by_urn)
        for index, rule in enumerate(_list((route.inputs.get("spec") or {}).get("rules"))):
            for ref in _list(rule.get("backendRefs")):
                if ref.get("kind") != "InferencePool" or ref.get("group") != POOL_GROUP:
                    continue
                where = (str(ref.get("namespace") or namespace), str(ref.get("name")))
                if where not in pools:
                    known = sorted(name for ns, name in pools if ns == where[0])
                    findings.append(Finding(ROUTING, route.urn, f"HTTPRoute {namespace}/{_name(route)} rules[{index}] sends requests to InferencePool "
                                            f"{where[0]}/{where[1]}, which this stack does not create (its InferencePools there: {known or 'none'}): "
                                            "the gateway has nowhere to send them"))  # fmt: skip
    for (namespace, name), pool in sorted(pools.items()):
        findings += _pool_findings(facts, config, pool, namespace, name, services)
    findings += objective_findings(facts, pools)
    findings += failover_findings(facts)
    findings += gke_filter_findings(facts) + gke_body_routing_findings(facts)
    # Every plan's CPU pools, gateway or not: the charts Hangar installs there (KEDA, LWS, metrics) can outgrow them alone.
    findings += system_pool_findings(facts, config, _cpu, _gib)
    return findings


def _pool_findings(facts: StackFacts, config: RoutingConfig, pool: ResourceRecord, namespace: str, name: str,
                   services: dict[tuple[str, str], ResourceRecord]) -> list[Finding]:  # fmt: skip
    spec = pool.inputs.get("spec") or {}
    selector = {str(k): str(v) for k, v in ((spec.get("selector") or {}).get("matchLabels") or {}).items()}
    ports = {int(p["number"]) for p in _list(spec.get("targetPorts")) if isinstance(p.get("number"), (int, float))}
    members = [w for w in facts.pod_workloads if w.namespace == namespace and selector and any(selector.items() <= t.labels.items() for t in w.templates)]
    findings = []
    what = f"InferencePool {namespace}/{name}"
    if not members:
        findings.append(Finding(ROUTING, pool.urn, f"{what} selects pods labelled {selector or '(nothing)'}, and no workload of this stack in "
                                f"{namespace} runs such pods: the pool has no endpoints"))  # fmt: skip
    for member in members:
        declared = _container_ports(member)
        if declared and ports and not declared & ports:
            findings.append(Finding(ROUTING, pool.urn, f"{what} sends requests to port(s) {sorted(ports)} of {member.describe()}, whose containers "
                                    f"declare {sorted(declared)}"))  # fmt: skip
    picker = spec.get("endpointPickerRef") or {}
    if picker.get("kind", "Service") != "Service" or picker.get("name") is None:
        return findings
    service = services.get((namespace, str(picker["name"])))
    port = (picker.get("port") or {}).get("number")
    if service is None:
        findings.append(Finding(ROUTING, pool.urn, f"{what} names its endpoint picker Service {namespace}/{picker['name']}, which this stack does not "
                                "create: with FailOpen the gateway balances blindly, with FailClose every request fails"))  # fmt: skip
        return findings
    service_ports = {int(p["port"]) for p in _list((service.inputs.get("spec") or {}).get("ports")) if isinstance(p.get("port"), (int, float))}
    if port is not None and int(port) not in service_ports:
        findings.append(Finding(ROUTING, pool.urn, f"{what} calls its endpoint picker on port {int(port)}, and Service {namespace}/{picker['name']} "
                                f"serves {sorted(service_ports)}"))  # fmt: skip
    picker_selector = {str(k): str(v) for k, v in ((service.inputs.get("spec") or {}).get("selector") or {}).items()}
    pickers = [w for w in facts.pod_workloads if w.namespace == namespace and picker_selector and any(picker_selector.items() <= t.labels.items() for t in w.templates)]
    peak = sum(_peak(member) for member in members)
    for picker_workload in pickers:
        findings += _picker_findings(facts, config, pool, what, picker_workload, peak)
    return findings


def _picker_findings(facts: StackFacts, config: RoutingConfig, pool: ResourceRecord, what: str, picker: PodWorkload, peak: float) -> list[Finding]:
    template = picker.leader
    cpu = sum(_cpu((c.get("resources") or {}).get("requests", {}).get("cpu")) or 0.0 for c in template.containers)
    memory = sum(_gib((c.get("resources") or {}).get("requests", {}).get("memory")) or 0.0 for c in template.containers)
    findings = []
    selector = template.node_selector
    if selector:
        catalog = load_catalog(config.catalog_overrides)
        report = facts.cost(config.catalog_overrides)
        lines = {line.urn: line for line in report.lines}
        for node_pool in facts.pools(config.catalog_overrides).by_scope.get(None, []):
            if not all(node_pool.labels.get(k) == v for k, v in selector.items()) or node_pool.urn not in lines:
                continue
            line = lines[node_pool.urn]
            try:
                machine = catalog.instance(line.cloud, line.machine_type, line.price_region or line.region) if line.machine_type else None
            except CatalogLookupError:
                machine = None
            if machine is None or machine.vcpus is None or machine.memory_gib is None:
                continue
            node = node_room(facts.by_urn[node_pool.urn], line.pool, machine.vcpus, machine.memory_gib, line.machine_type)
            short = [_short(cpu, "CPU", node.cpu, machine.vcpus, "vCPU", node.reserved), _short(memory, "GiB", node.gib, machine.memory_gib, "GiB", node.reserved)]
            if any(short):
                why = (f"more than the node allocates ({node.basis})" if node.reserved
                       else f"all the node has, and the kubelet keeps part of every node ({node.basis})")  # fmt: skip
                findings.append(Finding(ROUTING, picker.urn, f"the endpoint picker of {what}, {picker.describe()}, requests "
                                        f"{' and '.join(s for s in short if s)} on a {line.machine_type} node of pool {node_pool.name}: {why}, "
                                        "so it never schedules; lower its requests or give the pool bigger nodes"))  # fmt: skip
    validated_cpu, validated_gib, validated_rps = VALIDATED_PICKER
    if peak > validated_rps:
        findings.append(Finding(ROUTING, picker.urn, f"the servers of {what} declare a peak of {peak:,.0f} requests/s, above the {validated_rps:,.0f} "
                                "the Inference Extension v1.5.0 validated its picker at: no measurement says one picker keeps up", True))  # fmt: skip
    elif peak > 0 and (cpu < validated_cpu or memory < validated_gib):
        findings.append(Finding(ROUTING, picker.urn, f"the endpoint picker of {what} requests {cpu:g} CPU and {memory:g} GiB for a declared peak of "
                                f"{peak:,.2f} requests/s; the Inference Extension v1.5.0 validated {validated_cpu:g} CPU and {validated_gib:g} GiB "
                                f"(up to {validated_rps:,.0f} requests/s, p90 scheduling latency within 100 ms): smaller pickers are not measured", True))  # fmt: skip
    return findings


def _short(asked: float, unit: str, room: float, capacity: float, capacity_unit: str, reserved: bool) -> str:
    """What a pod asks that one node cannot give: over its allocatable where the reserve is known, else as much as its capacity."""
    if reserved:
        return f"{asked:g} {unit} (the node allocates {round(room, 2):g} of its {capacity:g} {capacity_unit})" if asked > room + EPSILON else ""
    return f"{asked:g} {unit} (the node has {capacity:g} {capacity_unit})" if asked >= capacity else ""


def _name(record: ResourceRecord) -> str:
    return str((record.inputs.get("metadata") or {}).get("name") or record.name)


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value or [] if isinstance(item, dict)] if isinstance(value, list) else []


def _container_ports(workload: PodWorkload) -> set[int]:
    return {int(p["containerPort"]) for c in workload.leader.containers for p in _list(c.get("ports")) if isinstance(p.get("containerPort"), (int, float))}


def _peak(workload: PodWorkload) -> float:
    """The peak requests/s a workload declares (`hangar.dev/peak-rps`), 0 when it declares none or a malformed one."""
    try:
        value = float(workload.annotations.get(PEAK_RPS, 0))
    except ValueError:
        return 0.0
    return value if value > 0 else 0.0


_SUFFIXES = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def _quantity(value: Any) -> float | None:
    """A Kubernetes quantity as a number (`500m` -> 0.5, `8Gi` -> 8 * 2**30); None when absent or not a quantity."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value or "").strip()
    if not text:
        return None
    if text.endswith("m"):
        try:
            return float(text[:-1]) / 1000
        except ValueError:
            return None
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if suffix and text.endswith(suffix):
            try:
                return float(text[: -len(suffix)]) * _SUFFIXES[suffix]
            except ValueError:
                return None
    try:
        return float(text)
    except ValueError:
        return None


def _cpu(value: Any) -> float | None:
    return _quantity(value)


def _gib(value: Any) -> float | None:
    quantity = _quantity(value)
    return None if quantity is None else quantity / 2**30
