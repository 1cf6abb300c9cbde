"""The system pool holds the charts' pods too (issue 15): istiod, KEDA, its HTTP add-on and LeaderWorkerSet's controller
are added up with the plan's own pods, each from its chart's values at the pinned version under the release's values.

The numbers asserted are the charts' own (`hangar.policies.rules.chart_pods` cites each): KEDA 2.20.2 100m/100Mi per
component (Hangar asks 128Mi for the operator), istiod 1.29.6 500m/2048Mi at its autoscaler's minimum of one, the HTTP
add-on 0.15.0 250m/20Mi for one operator, three scalers and three interceptors, LWS 0.8.0 1 CPU/1Gi.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hangar.components.aws_autoscaler import AUTOSCALER_CHART
from hangar.components.aws_weights import EFS_CSI_CHART
from hangar.components.metrics import KUBE_PROMETHEUS_STACK
from hangar.components.metrics_kube_state import KUBE_STATE_CHARTS, KUBE_STATE_METRICS
from hangar.components.onprem import DEVICE_PLUGIN
from hangar.components.routing import ISTIO_VERSION
from hangar.components.serving_environment import HTTP_ADD_ON_CHART, KEDA_CHART, LWS_CHART
from hangar.policies.rules import POLICIES, evaluate, load_pack_config
from hangar.policies.rules.chart_pods import chart_pods
from hangar.policies.rules.cloud_add_ons import EKS_UNREAD
from hangar.policies.rules.config import pack_config_for
from hangar.policies.rules.routing import ROUTING, _cpu, _gib

from hangar.records import ResourceRecord
from hangar.spec import Environment
from tests.pack_agreement import offline_verdicts, pack_verdicts
from tests.serving_plans import AWS_HEADER, aws, gke, plan_environment

RELEASE = "kubernetes:helm.sh/v3:Release"
SYSTEM = {"hangar.dev/pool": "system"}
EKS_ADD_ONS = ("aws-node (EKS add-on vpc-cni: aws/amazon-vpc-cni-k8s v1.23.0) x3, ebs-csi-node (EKS add-on aws-ebs-csi-driver: chart "
               "aws-ebs-csi-driver 2.64.0) x3, ebs-csi-controller (EKS add-on aws-ebs-csi-driver: chart aws-ebs-csi-driver 2.64.0) x2")
"""What a Hangar EKS system pool of three nodes counts of the add-ons the cluster installs."""

def release(chart: str, version: str, values: dict[str, Any], name: str = "extra") -> ResourceRecord:
    return ResourceRecord(urn=f"urn:pulumi:test::p::{RELEASE}::{name}", type=RELEASE, name=name, parent=None, custom=True, provider=None,
                          inputs={"chart": chart, "version": version, "namespace": "ns", "values": values})  # fmt: skip


def pods(record: ResourceRecord) -> dict[str, tuple[int | None, float, float, dict[str, str]]] | None:
    found = chart_pods(record, _cpu, _gib)
    return None if found is None else {p.component: (p.pods, round(p.cpu, 3), round(p.gib, 3), p.node_selector) for p in found}


def system_messages(records: list[ResourceRecord]) -> list[str]:
    configs = {policy.name: policy.config_model() for policy in POLICIES}
    return [v.message for v in evaluate(records, configs) if v.policy == ROUTING and v.message.startswith("the pods that select pool ")]


def test_keda_runs_three_pods_at_its_charts_requests_with_hangars_operator_request_laid_over():
    values = {"nodeSelector": SYSTEM, "resources": {"operator": {"requests": {"cpu": "100m", "memory": "128Mi"}}}}
    assert pods(release("keda", "2.20.2", values)) == {
        "keda-operator": (1, 0.1, 0.125, SYSTEM),
        "keda-operator-metrics-apiserver": (1, 0.1, round(100 / 1024, 3), SYSTEM),
        "keda-admission-webhooks": (1, 0.1, round(100 / 1024, 3), SYSTEM),
    }
    # A component's own nodeSelector wins over the chart's; a disabled component runs nothing.
    found = pods(release("kedacore/keda", "2.20.2", {"nodeSelector": SYSTEM, "operator": {"nodeSelector": {"x": "y"}, "replicaCount": 2},
                                                      "metricsServer": {"enabled": False}, "webhooks": {"enabled": False}}))  # fmt: skip
    assert found == {"keda-operator": (2, 0.1, round(100 / 1024, 3), {"x": "y"})}


def test_istiod_counts_its_autoscalers_minimum_and_the_releases_own_resources():
    assert pods(release("istiod", "1.29.6", {"nodeSelector": SYSTEM})) == {"istiod": (1, 0.5, 2.0, SYSTEM)}
    assert pods(release("istiod", "1.29.6", {"autoscaleMin": 2, "resources": {"requests": {"cpu": 3}}})) == {"istiod": (2, 3.0, 2.0, {})}
    assert pods(release("istiod", "1.29.6", {"autoscaleEnabled": False, "replicaCount": 4})) == {"istiod": (4, 0.5, 2.0, {})}


def test_the_http_add_on_and_lws_count_every_replica():
    assert pods(release("keda-add-ons-http", "0.15.0", {"interceptor": {"replicas": {"min": 5}}})) == {
        "operator": (1, 0.25, round(20 / 1024, 3), {}), "scaler": (3, 0.25, round(20 / 1024, 3), {}), "interceptor": (5, 0.25, round(20 / 1024, 3), {}),
    }  # fmt: skip
    assert "operator" not in pods(release("keda-add-ons-http", "0.15.0", {"operator": {"replicas": 0}}))
    assert pods(release("oci://registry.k8s.io/lws/charts/lws", "0.8.0", {"nodeSelector": SYSTEM})) == {"controller-manager": (1, 1.0, 1.0, SYSTEM)}


def test_charts_requesting_nothing_add_nothing_and_an_unread_chart_or_subchart_is_unknown():
    assert pods(release("kube-prometheus-stack", "88.5.3", {})) == {}
    assert pods(release("nvidia-device-plugin", "0.20.0", {})) == {"nvidia-device-plugin": (None, 0.0, 0.0, {})}
    assert pods(release("nvidia-device-plugin", "0.20.0", {"gfd": {"enabled": True}})) is None  # its node-feature-discovery subchart
    assert pods(release("keda", "2.19.0", {})) is None
    assert pods(release("cert-manager", "1.19.1", {})) is None


@pytest.mark.parametrize("chart", [KEDA_CHART, HTTP_ADD_ON_CHART, LWS_CHART, KUBE_PROMETHEUS_STACK, KUBE_STATE_METRICS, *KUBE_STATE_CHARTS.values(),
                                   AUTOSCALER_CHART, EFS_CSI_CHART, DEVICE_PLUGIN], ids=lambda chart: f"{chart.name}-{chart.version}")  # fmt: skip
def test_every_chart_hangar_pins_on_a_cloud_cluster_has_its_pods_read(chart):
    """A chart bumped without its values being read again stops here, not silently uncounted."""
    assert pods(release(chart.name, chart.version, {})) is not None


@pytest.mark.parametrize("chart", ["base", "istiod"])
def test_istios_charts_at_the_pinned_version_have_their_pods_read(chart):
    assert pods(release(chart, ISTIO_VERSION, {})) is not None


def eks_raw(**gateway: Any) -> dict[str, Any]:
    raw = aws(copy.deepcopy(AWS_HEADER))
    raw["gateway"] = gateway
    return raw


def eks(**gateway: Any) -> list[ResourceRecord]:
    return list(plan_environment(eks_raw(**gateway)).resources)


def test_on_eks_istiod_and_keda_are_added_to_the_pickers():
    # Four pickers at 1.2 CPU (4.8) and the EKS add-ons' 0.34 fit the 5.79 vCPU three m6i.large nodes allocate; with istiod's 0.5,
    # KEDA's 3 x 0.1 and the Istio gateway pod's 0.1 they do not.
    (message,) = system_messages(eks(picker_cpu=1.2))
    assert message.startswith("the pods that select pool system request 6.04 CPU (its nodes allocate at most 5.79 of their 6 vCPU) in all at its 3 m6i.large node(s) at most")
    assert message.endswith(
        "(counted: Deployment test/qwen-large-epp x2, Deployment test/qwen-small-epp x2, keda-operator (chart keda 2.20.2) x1, "
        "keda-operator-metrics-apiserver (chart keda 2.20.2) x1, keda-admission-webhooks (chart keda 2.20.2) x1, istiod (chart istiod 1.29.6) x1, "
        f"istio-proxy of Gateway test/test-gateway (Istio 1.29.6) x1, {EKS_ADD_ONS}; not counted: {EKS_UNREAD}); "
        "raise the pool's maximum, give it bigger nodes or lower the requests"
    )
    assert system_messages(eks(picker_cpu=1.1)) == []  # 4.4 + 0.34 + 0.9 = 5.64


def test_a_releases_own_values_are_what_is_counted():
    records = eks()
    istiod = next(r for r in records if r.type == RELEASE and r.inputs["chart"] == "istiod")
    bigger = copy.deepcopy(istiod.inputs)
    bigger["values"]["resources"] = {"requests": {"memory": "20Gi"}}
    records[records.index(istiod)] = ResourceRecord(**{**istiod.__dict__, "inputs": bigger})
    (message,) = system_messages(records)
    # Four pickers at 2 GiB, KEDA's 128 + 2 x 100 MiB, istiod's 20 GiB (its CPU request is still the chart's 500m), the gateway pod's
    # 128 MiB and the EKS add-ons' 3 x 104 + 2 x 192 MiB.
    assert "request 29.12 GiB (its nodes allocate at most 22.03 of their 24 GiB) in all" in message and "CPU (its nodes" not in message


def test_an_unread_chart_on_the_pool_is_named_as_not_counted():
    records = eks(picker_cpu=1.9)
    provider = next(r for r in records if r.type == RELEASE and r.inputs["chart"] == "keda").provider
    extra = release("cert-manager", "1.19.1", {"nodeSelector": SYSTEM})
    (message,) = system_messages([*records, ResourceRecord(**{**extra.__dict__, "provider": provider})])
    assert f"not counted: {EKS_UNREAD}; chart cert-manager 1.19.1)" in message


def test_on_gke_keda_and_its_http_add_on_are_added_to_the_pickers():
    raw = gke(picker_cpu=2.5)
    raw["deployments"].append({"name": "idle", "model": "Qwen/Qwen3-1.7B", "pool": "l4-spot", "max_context_tokens": 8192,
                               "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 1}})  # fmt: skip
    (message,) = system_messages(list(plan_environment(raw).resources))
    # Four pickers at 2.5 CPU (10) fit the 11.76 vCPU three e2-standard-4 nodes allocate; KEDA's 0.3 and the add-on's 7 x 0.25 do not.
    assert message.startswith("the pods that select pool system request 12.05 CPU (its nodes allocate at most 11.76 of their 12 vCPU) in all at its "
                              "3 e2-standard-4 node(s)")  # fmt: skip
    assert "operator (chart keda-add-ons-http 0.15.0) x1, scaler (chart keda-add-ons-http 0.15.0) x3, interceptor (chart keda-add-ons-http 0.15.0) x3" in message


def test_the_pack_over_grpc_counts_the_charts_the_same_way():
    raw = eks_raw(picker_cpu=1.4)
    records = list(plan_environment(raw).resources)
    configs = load_pack_config(pack_config_for(Environment.model_validate(raw)), "test")
    offline = offline_verdicts(records, configs, ROUTING)
    assert any("istiod (chart istiod 1.29.6) x1" in message for _, _, message, _ in offline)
    assert pack_verdicts(records, configs, ROUTING) == offline
