"""The "pods pending for accelerators" alert, run by the real Prometheus engine on kube-state-metrics' series.

The rule is the planned PrometheusRule's own (eks-prod, in-cluster); the series are kube-state-metrics
v2.20.0's (`tests.kube_state_series`). It fires once a pod of the deployment has been unschedulable
while asking for its accelerator for the hold time, not before, and never for pods of another
deployment (even one whose name begins with this one's), of another namespace, or a pod that is
Pending while already bound to a node (pulling its image).
"""

from __future__ import annotations

from typing import Any

import pytest
from hangar.components.metrics_pending import ALERT, pending_rule

from tests.kube_state_series import KubePod, PodState, series
from tests.metrics_objects import the_rules
from tests.promql import expect, fired, run_promtool
from tests.serving_plans import example_plan, of_kind

STEPS = 100  # 25 minutes of 15 s scrapes
APPEARS = 20  # the new replica is created after 5 minutes
RUNNING = PodState("Running", node="gpu-node-1")
UNSCHEDULABLE = PodState("Pending", unschedulable=True)
PULLING = PodState("Pending", node="gpu-node-2")  # bound to a node, its image still coming


def always(state: PodState) -> list[PodState | None]:
    return [state] * STEPS


def from_step(step: int, state: PodState) -> list[PodState | None]:
    return [None] * step + [state] * (STEPS - step)


def the_rule(rules: dict[str, Any]) -> dict[str, Any]:
    (rule,) = [r for group in rules["spec"]["groups"] for r in group["rules"] if r.get("alert") == ALERT]
    return rule


def test_pending_alert_is_rendered_where_kube_state_metrics_runs():
    eks = the_rule(the_rules(example_plan("eks-prod"), "llama-70b"))
    assert eks["for"] == "15m" and 'resource="nvidia_com_gpu"' in eks["expr"]
    assert eks["labels"] == {"namespace": "eks-prod", "deployment": "llama-70b", "severity": "warning"}
    # GKE Managed Prometheus: Hangar's clusters do not collect kube-state-metrics' pod series, so no alert that could never fire
    gke = the_rules(example_plan("gke-dev"), "qwen-7b", "Rules")
    assert ALERT not in [r["alert"] for group in gke["spec"]["groups"] for r in group["rules"]]


def test_fires_after_fifteen_minutes_unschedulable_and_only_for_its_own_pods(tmp_path):
    plan = example_plan("eks-prod")
    rules = the_rules(plan, "llama-70b")
    (workload,) = [w for kind in ("StatefulSet", "Deployment", "LeaderWorkerSet") for w in of_kind(plan, kind) if w["metadata"]["name"] == "llama-70b"]
    assert workload["kind"] == "Deployment"  # weights from the shared store: pods llama-70b-<replica set hash>-<suffix>
    ns, rs = "eks-prod", "llama-70b-5d8f7c9b6"
    pods = {
        KubePod(ns, f"{rs}-x2k4p", "ReplicaSet", rs): always(RUNNING),
        KubePod(ns, f"{rs}-q9h7m", "ReplicaSet", rs): always(RUNNING),
        KubePod(ns, f"{rs}-w4c2n", "ReplicaSet", rs): from_step(APPEARS, UNSCHEDULABLE),  # the autoscaler's third replica
        KubePod(ns, f"{rs}-b8v6t", "ReplicaSet", rs): always(PULLING),
        # pending for GPUs all along, but not this deployment's: another deployment, the same name in another namespace
        KubePod(ns, "llama-70b-canary-6c9d8b7f5-z2x8r", "ReplicaSet", "llama-70b-canary-6c9d8b7f5"): always(UNSCHEDULABLE),
        KubePod("eks-staging", f"{rs}-k3j5p", "ReplicaSet", rs): always(UNSCHEDULABLE),
    }
    start = APPEARS * 15
    alerts = [
        fired(rules, ALERT, start - 15, False),  # neighbours have been unschedulable for 5 minutes already
        fired(rules, ALERT, start + 14 * 60, False),  # 14 minutes: a node may still be on its way
        fired(rules, ALERT, start + 16 * 60, True),
    ]
    expressions = [expect(the_rule(rules)["expr"], start + 16 * 60, 1, "{}")]  # one pod: the third replica
    run_promtool(tmp_path, rules["spec"]["groups"], [], alerts=alerts, expressions=expressions, extra_series=series(pods))


@pytest.mark.parametrize(
    ("kind", "own", "others"),
    [
        ("Deployment", [("llama-70b-5d8f7c9b6-x2k4p", "ReplicaSet", "llama-70b-5d8f7c9b6")],
         [("llama-70b-canary-6c9d8b7f5-q7w2z", "ReplicaSet", "llama-70b-canary-6c9d8b7f5")]),
        ("StatefulSet", [("llama-70b-0", "StatefulSet", "llama-70b"), ("llama-70b-1", "StatefulSet", "llama-70b")],
         [("llama-70b-canary-0", "StatefulSet", "llama-70b-canary")]),
        ("LeaderWorkerSet", [("llama-70b-1", "StatefulSet", "llama-70b"), ("llama-70b-1-1", "StatefulSet", "llama-70b-1")],
         [("llama-70b-canary-0", "StatefulSet", "llama-70b-canary"), ("llama-70b-canary-0-1", "StatefulSet", "llama-70b-canary-0")]),
    ],
)  # fmt: skip
def test_each_workload_kind_counts_its_own_pods_only(tmp_path, kind, own, others):
    rule = pending_rule("llama-70b", "ns", {"apiVersion": "x", "kind": kind, "name": "llama-70b"}, "nvidia.com/gpu")
    groups = [{"name": "pending", "rules": [{"record": "hangar:pending", "expr": rule["expr"]}]}]
    pods = {KubePod("ns", name, owner_kind, owner): always(UNSCHEDULABLE) for name, owner_kind, owner in own + others}
    run_promtool(tmp_path, groups, [], expressions=[expect("hangar:pending", 60, len(own), "hangar:pending")], extra_series=series(pods))


def test_a_gpu_resource_spelled_as_kubernetes_writes_it_never_matches(tmp_path):
    """The harness is not a rubber stamp: with the unsanitized `nvidia.com/gpu` label the rule sees no pod."""
    rule = pending_rule("llama-70b", "ns", {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "llama-70b"}, "nvidia.com/gpu")
    broken = rule["expr"].replace('resource="nvidia_com_gpu"', 'resource="nvidia.com/gpu"')
    assert broken != rule["expr"]
    groups = [{"name": "pending", "rules": [{"record": "hangar:pending", "expr": broken}]}]
    pods = {KubePod("ns", "llama-70b-0", "StatefulSet", "llama-70b"): always(UNSCHEDULABLE)}
    with pytest.raises(AssertionError, match="FAILED"):
        run_promtool(tmp_path, groups, [], expressions=[expect("hangar:pending", 60, 1, "hangar:pending")], extra_series=series(pods))
