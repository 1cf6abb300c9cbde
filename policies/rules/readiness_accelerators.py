"""Schedulable accelerators: a pod that requests `nvidia.com/gpu`, `amd.com/gpu` or `google.com/tpu` can land somewhere.

A node offers an accelerator resource only when something advertises it — a device plugin (or the GPU
Operator, `hangar.policies.rules.readiness_devices`) running on that node, or the platform itself (a GKE GPU pool
with driver installation, a GKE TPU pool, the EKS Bottlerocket NVIDIA AMIs: `hangar.policies.rules.pool_traits`).
Without one, the pod stays Pending forever while the stack applies cleanly. So for every pod template that
requests accelerators, some pool its nodeSelector and required node affinity select must offer that
resource, carry no NoSchedule/NoExecute taint the pod does not tolerate, and have its devices advertised
(by the platform, or by a device plugin in the same cluster that tolerates the pool's taints and selects
its nodes). A pod that selects no pool of the stack cannot be judged: that is a finding too (fail closed).
"""

from __future__ import annotations

from hangar.policies.rules.base import SCHEDULABLE_ACCELERATORS, Finding
from hangar.policies.rules.config import SchedulableAcceleratorsConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.pools import PoolHardware
from hangar.policies.rules.readiness_devices import DevicePlugin, device_plugins
from hangar.policies.rules.readiness_join import pools_for
from hangar.policies.rules.readiness_pods import PodTemplate, PodWorkload, format_taint, untolerated
from hangar.policies.rules.workloads import selector_text

PLUGIN_HINT = {
    "nvidia.com/gpu": "install the NVIDIA device plugin (Helm chart nvidia-device-plugin) or the GPU Operator (chart gpu-operator)",
    "amd.com/gpu": "install the AMD GPU device plugin (Helm chart amd-gpu, or a DaemonSet of rocm/k8s-device-plugin)",
    "google.com/tpu": "use a GKE TPU node pool (GKE advertises google.com/tpu itself)",
}


def check(facts: StackFacts, config: SchedulableAcceleratorsConfig) -> list[Finding]:
    findings = []
    plugins: list[DevicePlugin] | None = None
    for workload in facts.pod_workloads:
        for template in workload.templates:
            wanted = template.accelerators()
            if not wanted:
                continue
            if plugins is None:
                known = facts.pools(config.catalog_overrides).by_scope
                plugins = device_plugins(facts.records, facts.pod_workloads, lambda item: scope if (scope := facts.scope_of(item)) in known else None)
            message = _judge(facts, config, workload, template, wanted, plugins)
            if message:
                role = f" ({template.role} pods)" if template.role in ("leader", "worker") else ""
                findings.append(Finding(SCHEDULABLE_ACCELERATORS, workload.urn, f"{workload.describe()}{role}: {message}"))
    return findings


def _judge(
    facts: StackFacts, config: SchedulableAcceleratorsConfig, workload: PodWorkload, template: PodTemplate, wanted: dict[str, int], plugins: list[DevicePlugin]
) -> str:
    asked = ", ".join(f"{count} {resource}" for resource, count in wanted.items())
    selected = pools_for(facts, config.catalog_overrides, workload, template)
    if not selected:
        selection = selector_text(template.node_selector)
        return (
            f"requests {asked} per pod, but its nodeSelector {selection}{' and node affinity' if template.affinity_terms else ''} match no node pool "
            "in this stack, so where it lands cannot be judged; select the labels of a pool this stack creates (e.g. hangar.dev/pool)"
        )
    reasons = []
    for pool in selected:
        problems = pool_problems(pool, template, wanted, plugins)
        if not problems:
            return ""
        reasons.append(f"{pool.describe()}: {'; '.join(problems)}")
    return f"requests {asked} per pod, but no pool it selects can run it, so its pods stay Pending — " + " | ".join(reasons)


def pool_problems(pool: PoolHardware, template: PodTemplate, wanted: dict[str, int], plugins: list[DevicePlugin]) -> list[str]:
    """Why a pod template's pods cannot land on this pool; [] when they can."""
    if pool.kind == "unknown":
        return ["its machine type is not in the catalog, so what it offers cannot be judged"]
    offered = pool.resource
    if offered not in wanted:
        return [f"it offers {offered or 'no accelerators'}, not {', '.join(wanted)}"]
    problems = []
    if pool.per_node and wanted[offered] > pool.per_node:
        problems.append(f"a node has {pool.per_node} {offered}, the pod asks for {wanted[offered]}")
    missing = untolerated(template.tolerations, pool.traits.taints)
    if missing:
        tolerations = ", ".join(f"{{key: {k}, operator: Equal, value: {v!r}, effect: {e}}}" if v else f"{{key: {k}, operator: Exists, effect: {e}}}" for k, v, e in missing)
        problems.append(f"the pod does not tolerate its taint{'s' if len(missing) > 1 else ''} {', '.join(format_taint(t) for t in missing)} (add tolerations {tolerations})")
    if not pool.traits.devices_by_platform:
        candidates = [p for p in plugins if p.resource == offered and (p.scope is None or p.scope in pool.ancestors)]
        if not candidates:
            problems.append(f"nothing advertises {offered} on its nodes: {pool.traits.why_not_by_platform or 'no device plugin'}, and no device plugin in this stack serves it; {PLUGIN_HINT.get(offered, 'install its device plugin')}")
        else:
            why = [problem for plugin in candidates for problem in plugin.serves(pool.labels, pool.traits.taints)]
            if len(why) >= len(candidates) and all(plugin.serves(pool.labels, pool.traits.taints) for plugin in candidates):
                problems.append(f"no device plugin runs on its nodes, so nothing advertises {offered}: {'; '.join(why)}")
    return problems
