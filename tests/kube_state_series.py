"""The kube-state-metrics series of pods, as Prometheus stores them, for the PromQL tests.

Names and labels are kube-state-metrics v2.20.0's (kubernetes/kube-state-metrics tag v2.20.0,
internal/store/pod.go; the version kube-prometheus-stack 88.5.3 ships): `kube_pod_status_phase`
has one series per phase (1 for the current one, 0 for the others); `kube_pod_status_unschedulable`
exists only while the PodScheduled condition is False; `kube_pod_container_resource_requests` names
an extended resource sanitized (`nvidia_com_gpu`, `unit="integer"`) and carries `node` (empty, so
absent in Prometheus, until the pod is bound); `kube_pod_owner` names the controller. The scrape
keeps them (`honorLabels`) and adds the exporter's own `job` and `instance`.
"""

from __future__ import annotations

import dataclasses

PHASES = ("Pending", "Succeeded", "Failed", "Unknown", "Running")
TARGET = 'instance="10.0.0.9:8080",job="kube-state-metrics"'


@dataclasses.dataclass(frozen=True)
class PodState:
    """One pod as kube-state-metrics sees it at one moment."""

    phase: str
    unschedulable: bool = False
    node: str = ""


@dataclasses.dataclass(frozen=True)
class KubePod:
    namespace: str
    name: str
    owner_kind: str
    owner_name: str
    resource: str = "nvidia_com_gpu"
    requests: int = 8
    container: str = "vllm"


def series(pods: dict[KubePod, list[PodState | None]]) -> list[dict[str, str]]:
    """promtool `input_series` for each pod's state per scrape step (None: the pod does not exist then)."""
    out: dict[str, list[str]] = {}
    steps = max(len(states) for states in pods.values())

    def put(name: str, labels: dict[str, str], step: int, value: float) -> None:
        rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if v)
        out.setdefault(f"{name}{{{rendered},{TARGET}}}", ["_"] * steps)[step] = f"{value:g}"

    for pod, states in pods.items():
        base = {"namespace": pod.namespace, "pod": pod.name, "uid": f"uid-{pod.name}"}
        for step, state in enumerate(states):
            if state is None:
                continue
            for phase in PHASES:
                put("kube_pod_status_phase", {**base, "phase": phase}, step, 1 if phase == state.phase else 0)
            if state.unschedulable:
                put("kube_pod_status_unschedulable", base, step, 1)
            requests = {**base, "container": pod.container, "node": state.node, "resource": pod.resource, "unit": "integer"}
            put("kube_pod_container_resource_requests", requests, step, pod.requests)
            owner = {**base, "owner_kind": pod.owner_kind, "owner_name": pod.owner_name, "owner_is_controller": "true"}
            put("kube_pod_owner", owner, step, 1)
    return [{"series": name, "values": " ".join(values)} for name, values in sorted(out.items())]
