"""The "pods pending for accelerators" alert: a model server's pods the scheduler cannot place.

A replica the autoscaler asked for but no node can take (no node offers the accelerator, or none
has one free and the node autoscaler cannot add one) stays Pending and serves nothing. The alert
counts the deployment's pods that are Pending, not schedulable, and request the accelerator, and
fires when any has been so for `PENDING_FOR` — longer than adding a GPU node should take, so a
scale-up in progress does not page (Hangar's choice, as the SLO thresholds are).

Series are kube-state-metrics' (v2.20.0, the version kube-prometheus-stack 88.5.3 ships: its
Chart.yaml depends on kube-state-metrics chart 8.4.0, appVersion 2.20.0; kubernetes/kube-state-metrics
tag v2.20.0, docs/metrics/workload/pod-metrics.md and internal/store/pod.go):

* `kube_pod_status_phase{namespace, pod, uid, phase}` — one series per phase, 1 for the current one;
* `kube_pod_status_unschedulable{namespace, pod, uid}` — 1 while the PodScheduled condition is False;
* `kube_pod_container_resource_requests{namespace, pod, uid, container, node, resource, unit}` —
  an extended resource's name is sanitized (every character outside [a-zA-Z0-9_] becomes `_`:
  `SanitizeLabelName`), so `nvidia.com/gpu` is `resource="nvidia_com_gpu"`, `unit="integer"`;
* `kube_pod_owner{namespace, pod, uid, owner_kind, owner_name, owner_is_controller}`.

The chart's kube-state-metrics ServiceMonitor keeps those labels (`honorLabels: true`, its
values.yaml at commit ea930baeebeba39f56d6b44e351f23b2a072a600), so `namespace` and `pod` are the
pod's own. The deployment's pods are found by their owner, per workload kind:

* StatefulSet `<name>`: pods owned by StatefulSet `<name>`;
* Deployment `<name>`: pods owned by a ReplicaSet `<name>-<pod-template-hash>` ("the name of the
  ReplicaSet is always formatted as [DEPLOYMENT-NAME]-[HASH]": kubernetes.io/docs/concepts/workloads/
  controllers/deployment/, read 2026-12-01); the hash holds no `-`, so `other-name-x`'s do not match;
* LeaderWorkerSet `<name>`: the leaders are owned by StatefulSet `<name>`, each group's workers by
  StatefulSet `<name>-<group index>` (kubernetes-sigs/lws documentation, "Architecture and
  Relationship with StatefulSet", mirrored at llm-d.ai/docs/dev/architecture/model-server-orchestration/
  leaderworkerset, read 2026-12-01).

Rendered by the pipelines whose Prometheus holds these series: in-cluster (its chart installs
kube-state-metrics), amp and azure-monitor (`hangar.components.metrics_kube_state` makes them exist
there: a pinned kube-state-metrics the AMP scraper reads; the Azure add-on's keep-list widened). GKE's managed
kube-state-metrics package exists (cloud.google.com/kubernetes-engine/docs/how-to/kube-state-metrics,
read 2026-12-01: PromQL names identical to kube-state-metrics'), but Hangar's GKE clusters enable
only the SYSTEM_COMPONENTS metrics (`hangar.components.gcp.METRIC_COMPONENTS`, without `POD`), and the
package's list of pod series was not read; an existing Prometheus may run none.
"""

from __future__ import annotations

import re
from typing import Any

PENDING_FOR = "15m"
ALERT = "HangarPodsPendingForAccelerators"


def resource_label(resource: str) -> str:
    """kube-state-metrics' `resource` label for an extended resource name (its `SanitizeLabelName`)."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", resource)


def owner_matchers(workload: dict[str, str]) -> str:
    """The `kube_pod_owner` matchers selecting the pods of one workload (see the module docstring)."""
    kind, name = workload["kind"], workload["name"]
    if kind == "StatefulSet":
        return f'owner_kind="StatefulSet",owner_name="{name}"'
    if kind == "Deployment":
        return f'owner_kind="ReplicaSet",owner_name=~"{name}-[a-z0-9]+"'
    if kind == "LeaderWorkerSet":
        return f'owner_kind="StatefulSet",owner_name=~"{name}(-[0-9]+)?"'
    raise ValueError(f"no pod-owner rule for workload kind {kind!r}")


def pending_rule(deployment_name: str, namespace: str, workload: dict[str, str], accelerator_resource: str) -> dict[str, Any]:
    """The alerting rule (Prometheus rule-file format) for one deployment's pods pending for `accelerator_resource`."""
    ns = f'namespace="{namespace}"'
    expr = (
        f'count((kube_pod_status_phase{{{ns},phase="Pending"}} == 1)'
        f" and on (namespace, pod) (kube_pod_status_unschedulable{{{ns}}} == 1)"
        f' and on (namespace, pod) (kube_pod_container_resource_requests{{{ns},resource="{resource_label(accelerator_resource)}"}} > 0)'
        f" and on (namespace, pod) kube_pod_owner{{{ns},{owner_matchers(workload)}}})"
    )
    return {
        "alert": ALERT,
        "expr": expr,
        "for": PENDING_FOR,
        "labels": {"namespace": namespace, "deployment": deployment_name, "severity": "warning"},
        "annotations": {
            "summary": f"{deployment_name}: pods asking for {accelerator_resource} have not been scheduled for {PENDING_FOR}",
            "description": "No node offers a free accelerator: check the pool's maximum size, the node autoscaler, the device plugin and the cloud's GPU quota.",
        },
    }
