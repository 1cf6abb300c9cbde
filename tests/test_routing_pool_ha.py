"""Two endpoint pickers per pool, active-passive (issue 15), as the Inference Extension v1.5.0's chart runs more than one.

Its epplib/templates/_deployment.yaml adds `--ha-enable-leader-election` and asks the gRPC health service for
`liveness` and `readiness` when `inferenceExtension.replicas` is above 1, and _leader-election-rbac.yaml grants the
Lease and Events verbs; cmd/epp/runner/health.go answers `readiness` only on the leader. The tests read the planned
objects of the routing test environments (Istio on EKS and on-prem, GKE's managed gateway).
"""

from __future__ import annotations

import pytest
from hangar.components.routing_pool import HEALTH_PORT, picker_labels

from hangar.cost.routes import gateway_note
from hangar.endpoint_picker import PICKER_REPLICAS
from tests.serving_plans import example_environment, of_kind, planned, the

ROUTED = {"aws": ("qwen-small", "qwen-large"), "onprem": ("llama-8b", "llama-canary"), "gke": ("qwen-small", "qwen-7b")}


@pytest.mark.parametrize("target", ["aws", "onprem", "gke"])
def test_each_pool_runs_two_pickers_electing_a_leader(target):
    plan = planned(target)
    for pool in ROUTED[target]:
        spec = the(plan, "Deployment", f"{pool}-epp")["spec"]
        assert PICKER_REPLICAS == spec["replicas"] == 2
        assert spec["strategy"] == {"type": "Recreate"}
        (container,) = spec["template"]["spec"]["containers"]
        assert container["args"].count("--ha-enable-leader-election") == 1
        # Every picker is live; only the leader answers readiness, so the Service's endpoints hold it alone.
        assert container["livenessProbe"]["grpc"] == {"port": HEALTH_PORT, "service": "liveness"}
        assert container["readinessProbe"]["grpc"] == {"port": HEALTH_PORT, "service": "readiness"}


@pytest.mark.parametrize("target", ["aws", "gke"])
def test_a_picker_may_hold_its_lease_and_report_events(target):
    rules = the(planned(target), "Role", "qwen-small-epp")["rules"]
    assert {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]} in rules
    assert {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]} in rules
    binding = the(planned(target), "RoleBinding", "qwen-small-epp")
    assert binding["roleRef"]["name"] == "qwen-small-epp" and binding["subjects"][0]["name"] == "qwen-small-epp"


def test_the_two_pickers_prefer_different_nodes_but_share_one_if_they_must():
    template = the(planned("gke"), "Deployment", "qwen-small-epp")["spec"]["template"]
    anti = template["spec"]["affinity"]["podAntiAffinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in anti
    (term,) = anti["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"] == {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": picker_labels("qwen-small")}}
    # The selector is the pickers' own labels, which their pods carry: the two repel each other, and no other pool's.
    assert picker_labels("qwen-small").items() <= template["metadata"]["labels"].items()
    assert not picker_labels("qwen-small").items() <= the(planned("gke"), "Deployment", "qwen-7b-epp")["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize("target", ["aws", "gke"])
def test_no_disruption_budget_holds_a_picker(target):
    # Only the leader is ever Ready and a budget counts Ready pods: any budget would forbid evicting the leader.
    plan = planned(target)
    for budget in of_kind(plan, "PodDisruptionBudget"):
        selected = budget["spec"]["selector"]["matchLabels"]
        assert not any(selected.items() <= picker_labels(pool).items() for pool in ROUTED[target]), budget["metadata"]["name"]


def test_the_cost_note_counts_both_pickers_of_each_pool():
    note = gateway_note(example_environment("gke-chat"))
    assert note.startswith("4 endpoint picker(s) (2 per pool, one active) request 4 CPU and 8 GiB in all on the system pool")
