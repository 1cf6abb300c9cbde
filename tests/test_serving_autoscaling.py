"""The serving layer's autoscalers under the mock runtime: per latency class, and per cluster replica_autoscaler.

KEDA ScaledObjects (realtime, interactive, batch to zero) and the HPA alternative, their config errors,
and which charts each replica_autoscaler installs (moved from tests/test_serving.py, unchanged).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hangar.components.serving_autoscaler import LATENCY_CLASSES, Autoscaler, scaling_policy

from hangar.keda import KEDA_VERSION
from hangar.plan import PlanError, plan_program
from hangar.render import manifest
from hangar.spec import ModelDeployment
from hangar.stackfile import StackConfigError, environment_from_config
from tests import kube_schemas
from tests.config_errors import config_problems
from tests.serving_plans import example_environment, example_plan, kube_records, of_kind, plan_environment, raw_environment, serving_releases

raw = raw_environment


# --- autoscaling --------------------------------------------------------------------------------------


def scaled_object(stack: str) -> dict[str, Any]:
    (scaled,) = of_kind(example_plan(stack), "ScaledObject")
    return scaled


def test_realtime_scales_fast_on_waiting_requests_and_never_to_zero():
    spec = scaled_object("eks-prod")["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (2, 4)
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llama-70b"}
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "prometheus" and trigger["metricType"] == "AverageValue"
    assert trigger["metadata"]["query"] == 'sum(vllm:num_requests_waiting{namespace="eks-prod",model_name="meta-llama/Llama-3.3-70B-Instruct"})'
    assert trigger["metadata"]["threshold"] == "1"
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 600
    assert spec["pollingInterval"] == 15
    assert "cooldownPeriod" not in spec and spec["fallback"] == {"failureThreshold": 3, "replicas": 2}


def test_interactive_scales_on_kv_cache_usage():
    for stack in ("aks-staging", "gke-tpu", "onprem"):
        spec = scaled_object(stack)["spec"]
        (trigger,) = spec["triggers"]
        assert trigger["metadata"]["query"].startswith("sum(vllm:kv_cache_usage_perc{")
        assert trigger["metadata"]["threshold"] == "0.7"
        assert spec["minReplicaCount"] >= 1
        assert spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300


def test_batch_scales_to_zero_on_the_whole_queue_after_a_long_cooldown():
    spec = scaled_object("gke-dev")["spec"]
    assert spec["minReplicaCount"] == 0
    trigger, wake = spec["triggers"]  # the engine's queue, and the HTTP add-on's requests that wake it at zero
    assert wake["type"] == "external-push"
    # each series named exactly (GKE Managed Prometheus matches metric names only exactly)
    assert trigger["metadata"]["query"] == (
        'sum(vllm:num_requests_waiting{namespace="gke-dev",model_name="Qwen/Qwen2.5-7B-Instruct"}) + '
        'sum(vllm:num_requests_running{namespace="gke-dev",model_name="Qwen/Qwen2.5-7B-Instruct"})'
    )
    assert "__name__" not in json.dumps(of_kind(example_plan("gke-dev"), "ScaledObject"))
    assert trigger["metadata"]["threshold"] == "8"  # one full batch per replica
    assert spec["cooldownPeriod"] == 1800
    assert spec["initialCooldownPeriod"] >= 600  # not scaled away while it loads


def test_scale_to_zero_is_refused_for_realtime_as_a_spec_error():
    environment = raw("eks-prod")
    environment["deployments"][0]["autoscaling"]["min_replicas"] = 0
    assert config_problems(environment, "Pulumi.eks-prod.yaml") == [
        "Pulumi.eks-prod.yaml: hangar:environment.deployments[0].autoscaling.min_replicas: scale to zero is only for latency_class batch (this is realtime); got 0"
    ]


def test_the_pool_must_hold_max_replicas_or_the_spec_says_how_many_nodes_it_needs():
    environment = raw("eks-prod")
    environment["deployments"][0]["autoscaling"]["max_replicas"] = 5  # 4 H100 each, two per p5.48xlarge, max_nodes 2
    assert config_problems(environment, "Pulumi.eks-prod.yaml") == [
        (
            "Pulumi.eks-prod.yaml: hangar:environment.deployments[0].autoscaling.max_replicas: 5 replicas of 4 x H100-SXM "
            "(2 per node of 8 GPUs) need 3 nodes, and pool 'h100' has max_nodes 2: raise max_nodes to 3 or lower max_replicas to 4; got 5"
        )
    ]
    tpu = raw("gke-tpu")
    tpu["deployments"][0]["autoscaling"]["max_replicas"] = 3
    with pytest.raises(StackConfigError, match="3 replicas need 3 slices .* has max_slices 2: raise max_slices to 3 or lower max_replicas to 2"):
        environment_from_config(tpu, "Pulumi.gke-tpu.yaml")


def test_latency_class_defaults_are_documented_and_overridable():
    import hangar.components.serving_autoscaler as module

    for name, defaults in LATENCY_CLASSES.items():
        assert f"| {name}" in module.__doc__
        assert (defaults.min_replicas == 0) == (name == "batch")
    deployment = ModelDeployment.model_validate(
        {"name": "m", "model": "a/b", "pool": "p", "latency_class": "realtime",
         "autoscaling": {"max_replicas": 3, "metric": "requests_running", "target": 12, "scale_down_stabilization_seconds": 7200}}
    )  # fmt: skip
    policy = scaling_policy(deployment)
    assert (policy.min_replicas, policy.metric, policy.target, policy.scale_up_window) == (1, "requests_running", 12, 0)
    assert policy.behavior()["scaleDown"]["stabilizationWindowSeconds"] == 3600  # an HPA window is at most an hour


def test_the_hpa_alternative_uses_pods_metrics_and_cannot_scale_to_zero():
    deployment = ModelDeployment.model_validate({"name": "m", "model": "a/b", "pool": "p", "autoscaling": {"max_replicas": 4}})
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "m"}

    def program():
        Autoscaler("m", deployment, target=target, namespace="ns", labels={}, annotations={}, engine="hpa")

    (record,) = [r for r in plan_program(program) if r.custom]
    assert record.type == "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
    spec = record.inputs["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (1, 4)
    assert spec["metrics"] == [{"type": "Pods", "pods": {"metric": {"name": "vllm_kv_cache_usage_perc"}, "target": {"type": "AverageValue", "averageValue": "0.7"}}}]

    batch = ModelDeployment.model_validate({"name": "m", "model": "a/b", "pool": "p", "latency_class": "batch", "autoscaling": {"max_replicas": 4}})
    assert scaling_policy(batch).min_replicas == 0 and scaling_policy(batch, scale_to_zero=False).min_replicas == 1  # batch keeps one under an HPA
    (record,) = [r for r in plan_program(lambda: Autoscaler("m", batch, target=target, namespace="ns", labels={}, annotations={}, engine="hpa")) if r.custom]
    assert record.inputs["spec"]["minReplicas"] == 1
    to_zero = ModelDeployment.model_validate(
        {"name": "m", "model": "a/b", "pool": "p", "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 4}}
    )
    with pytest.raises(PlanError, match="scale to zero needs KEDA"):
        plan_program(lambda: Autoscaler("m", to_zero, target=target, namespace="ns", labels={}, annotations={}, engine="hpa"))


# --- the cluster's replica_autoscaler: keda, keda-existing, hpa ------------------------------------------


def _with_autoscaler(stack: str, mode: str | None, **deployment: Any):
    environment = raw(stack)
    if mode is not None:
        environment["clusters"][0]["replica_autoscaler"] = mode
    environment["deployments"][0].update(deployment)
    return plan_environment(environment)


@pytest.mark.parametrize(
    ("mode", "keda_installed", "kind"),
    [(None, True, "ScaledObject"), ("keda", True, "ScaledObject"), ("keda-existing", False, "ScaledObject"), ("hpa", False, "HorizontalPodAutoscaler")],
)
def test_each_replica_autoscaler_registers_its_objects(mode, keda_installed, kind):
    plan = _with_autoscaler("eks-prod", mode)
    charts = sorted(r.inputs["chart"] for r in serving_releases(plan))
    assert charts == (["keda"] if keda_installed else []) + ["kube-prometheus-stack"]  # the in-cluster metrics pipeline, whatever scales
    scalers = [r for r in kube_records(plan) if r.inputs["kind"] in ("ScaledObject", "HorizontalPodAutoscaler")]
    assert [r.inputs["kind"] for r in scalers] == [kind]
    (component,) = plan.of_type("hangar:serving:Autoscaler")
    assert scalers[0].parent == component.urn
    scaler = manifest(scalers[0])
    if kind == "HorizontalPodAutoscaler":
        assert scaler["apiVersion"] == "autoscaling/v2"
        assert scaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llama-70b"}
        assert (scaler["spec"]["minReplicas"], scaler["spec"]["maxReplicas"]) == (2, 4)
        assert scaler["spec"]["metrics"][0]["pods"]["metric"] == {"name": "vllm_num_requests_waiting"}  # realtime: requests waiting
        assert scaler["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 600


def test_the_hpa_manifest_validates_strictly_for_the_clusters_version():
    for stack, deployment in [("eks-prod", {}), ("gke-dev", {"autoscaling": {"max_replicas": 2}}), ("gke-tpu", {})]:
        plan = _with_autoscaler(stack, "hpa", **deployment)
        (hpa,) = of_kind(plan, "HorizontalPodAutoscaler")
        assert kube_schemas.problems(hpa, example_environment(stack).clusters[0].kubernetes_version) == [], stack
    hpa = of_kind(_with_autoscaler("eks-prod", "hpa"), "HorizontalPodAutoscaler")[0]
    with pytest.raises(kube_schemas.ValidationErrors):
        kube_schemas.validate({**hpa, "spec": {**hpa["spec"], "minReplicaCount": 1}}, "1.33")  # KEDA's spelling is not the HPA's


def test_a_batch_deployment_on_an_hpa_cluster_keeps_one_replica_and_says_why():
    plan = _with_autoscaler("gke-dev", "hpa", autoscaling={"max_replicas": 2})
    (hpa,) = of_kind(plan, "HorizontalPodAutoscaler")
    assert hpa["spec"]["minReplicas"] == 1
    assert [m["pods"]["metric"]["name"] for m in hpa["spec"]["metrics"]] == ["vllm_num_requests_waiting", "vllm_num_requests_running"]
    assert (
        "deployment 'qwen-7b': batch keeps one replica on cluster 'dev': its replica_autoscaler is hpa, and scale to zero needs KEDA (keda or keda-existing)"
        in plan.warnings
    )


def test_scale_to_zero_on_an_hpa_cluster_is_a_config_error_naming_the_key():
    environment = raw("gke-dev")
    environment["clusters"][0]["replica_autoscaler"] = "hpa"
    assert config_problems(environment, "Pulumi.gke-dev.yaml") == [
        "Pulumi.gke-dev.yaml: hangar:environment.deployments[0].autoscaling.min_replicas: scale to zero needs KEDA, and cluster 'dev' has "
        "replica_autoscaler hpa (a HorizontalPodAutoscaler keeps at least one replica): set min_replicas to 1 or use keda or keda-existing; got 0"
    ]
    environment["clusters"][0]["replica_autoscaler"] = "keda-existing"
    environment_from_config(environment, "Pulumi.gke-dev.yaml")
    environment["clusters"][0]["replica_autoscaler"] = "argo"
    with pytest.raises(StackConfigError, match=r"clusters\[0\]\.replica_autoscaler"):
        environment_from_config(environment, "Pulumi.gke-dev.yaml")


def test_a_multi_host_replica_on_an_hpa_cluster_still_gets_the_leader_worker_set_operator_but_no_keda():
    plan = _with_autoscaler("eks-prod", "hpa", tensor_parallel=16, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1})
    charts = sorted(r.inputs["chart"] for r in serving_releases(plan))
    assert charts == ["kube-prometheus-stack", "oci://registry.k8s.io/lws/charts/lws"]
    (hpa,) = of_kind(plan, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": "llama-70b"}


def test_an_air_gapped_site_that_installs_keda_must_name_its_chart_repository():
    environment = raw("onprem")
    environment["clusters"][0].update(air_gapped=True, registry_mirror="registry.dc1.internal:5000/mirror", gpu_operator="none", dcgm_exporter=False)
    environment["deployments"][0]["weights"] = {"source": "volume", "claim": "llama-weights"}
    environment["clusters"][0]["metrics"] = {"pipeline": "existing", "url": "http://prometheus.obs.svc:9090", "scraper_namespace": "obs"}
    assert config_problems(environment, "Pulumi.onprem.yaml") == [
        "Pulumi.onprem.yaml: hangar:environment.clusters[0].chart_repository: an air-gapped cluster installs KEDA (replica_autoscaler keda) "
        "for its deployments from an internal chart repository: name it, or use replica_autoscaler keda-existing or hpa; got null"
    ]
    environment["clusters"][0]["replica_autoscaler"] = "keda-existing"
    plan = plan_environment(environment)
    assert not [r for r in plan if r.type == "kubernetes:helm.sh/v3:Release"] and of_kind(plan, "ScaledObject")


def test_keda_is_installed_pinned_on_the_system_pool():
    (release,) = [r for r in serving_releases(example_plan("eks-prod")) if r.inputs["chart"] == "keda"]
    assert (release.inputs["chart"], release.inputs["version"], release.inputs["namespace"]) == ("keda", KEDA_VERSION, "keda") == ("keda", "2.20.2", "keda")
    assert release.inputs["repositoryOpts"] == {"repo": "https://kedacore.github.io/charts"}
    assert release.inputs["values"]["nodeSelector"] == {"hangar.dev/pool": "system"}
