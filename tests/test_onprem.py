"""The on-prem and edge target under the mock runtime: the onprem and edge example stacks and variants.

Every test plans a whole program (`hangar.plan`) and reads the recorded inputs in wire form, as the
policy rules and the cost code do. The kubeconfig is supplied as a secret (as `pulumi config set
--secret` leaves it) and must never show up in plain text in a plan or in `hangar plan` output. The kubeconfig's
own tests are tests/test_onprem_kubeconfig.py's, the air-gapped ones tests/test_onprem_air_gapped.py's.
"""

from __future__ import annotations

import json
import re

import kubernetes_validate
import pulumi_kubernetes as k8s
import pytest
from hangar.components.metrics import KUBE_PROMETHEUS_STACK
from hangar.components.onprem import (
    DCGM_EXPORTER,
    DEVICE_PLUGIN,
    GPU_OPERATOR,
    GPU_TOLERATION,
)
from hangar.components.program import build_stack
from hangar.components.serving_environment import KEDA_CHART, LWS_CHART
from pulumi.runtime import rpc

from hangar.plan import PlanError, plan_program, plan_stack
from hangar.records import SECRET, Plan, ResourceRecord
from hangar.stackfile import environment_from_config, read_environment, read_project
from tests.config_errors import config_problems
from tests.conftest import ROOT
from tests.onprem_plans import (
    CLUSTER,
    KUBECONFIG,
    LIMIT_RANGE,
    NAMESPACE,
    NETWORK_POLICY,
    POOL,
    PROVIDER,
    QUOTA,
    RELEASE,
    SERVING,
    TOKEN,
    onprem_environment,
    plan_environment,
    release,
)
from tests.provider_schema import record_problems, unknown_properties


def target(plan: Plan, *types: str) -> list[ResourceRecord]:
    """The on-prem target's own records (of `types`, if given): not the serving layer's, which registers
    under `hangar:serving:*` components (`tests.test_serving` checks those)."""
    return [r for r in (plan.of_type(*types) if types else plan) if SERVING not in r.urn]


def sdk_api_groups() -> set[str]:
    """The Kubernetes API groups pulumi_kubernetes has resource classes for ('core' for the legacy group)."""
    return {key.split(":", 1)[1].rpartition("/")[0] for key in rpc._RESOURCE_MODULES if key.startswith("kubernetes:")}


def a_crd_kind_without_sdk_class(record: ResourceRecord) -> bool:
    """A `kubernetes.apiextensions.CustomResource` (registered as `kubernetes:<apiVersion>:<kind>`) of an
    API group the SDK has no classes for at all: a CRD's kind such as KEDA's ScaledObject, not a misspelt built-in."""
    api_version, kind = record.inputs.get("apiVersion"), record.inputs.get("kind")
    return record.type == f"kubernetes:{api_version}:{kind}" and (api_version.rpartition("/")[0] or "core") not in sdk_api_groups()


@pytest.fixture(scope="module")
def onprem() -> Plan:
    """The onprem example stack, with its kubeconfig set as a secret as `pulumi config set --secret` would."""
    return plan_stack(ROOT, "onprem", extra_secrets={"hangar:kubeconfig": KUBECONFIG})


@pytest.fixture(scope="module")
def edge() -> Plan:
    return plan_stack(ROOT, "edge", extra_secrets={"hangar:kubeconfig": KUBECONFIG})


# --- the onprem example stack ----------------------------------------------------------------------


def test_onprem_registers_no_cloud_resource_only_kubernetes_through_one_provider(onprem):
    own = target(onprem)
    assert Plan(onprem.project, onprem.stack, tuple(own)).count_by_type() == {
        "hangar:index:Environment": 1,
        CLUSTER: 1,
        POOL: 1,
        PROVIDER: 1,
        NAMESPACE: 1,
        QUOTA: 1,
        LIMIT_RANGE: 1,
        NETWORK_POLICY: 1,
        RELEASE: 1,
    }
    # the whole plan, serving layer included: one provider, and nothing but Kubernetes objects through it
    (provider,) = onprem.of_type(PROVIDER)
    kube = [r for r in onprem if r.custom and r.type != PROVIDER]
    assert kube and all(r.type.startswith("kubernetes:") for r in kube)
    assert all(r.provider and r.provider.startswith(provider.urn) for r in kube)
    own_urns = {r.urn for r in own}
    assert all(r.type.startswith(SERVING) for r in onprem if not r.custom and r.urn not in own_urns)  # no other component
    (cluster,) = onprem.of_type(CLUSTER)
    assert all(r.parent == cluster.urn for r in own if r.type not in ("hangar:index:Environment", CLUSTER))


def test_the_provider_takes_the_kubeconfig_as_a_secret(onprem):
    (provider,) = onprem.of_type(PROVIDER)
    assert provider.inputs == {"kubeconfig": SECRET}  # no context: the kubeconfig's current one


def test_a_named_context_is_passed_to_the_provider():
    plan, _ = plan_environment(onprem_environment(context="dc1-admin"))
    (provider,) = plan.of_type(PROVIDER)
    assert provider.inputs == {"kubeconfig": SECRET, "context": "dc1-admin"}


def test_the_gpu_operator_is_a_pinned_release_with_its_own_dcgm_exporter(onprem):
    inputs = release(onprem, "gpu-operator")
    assert (inputs["chart"], inputs["version"]) == ("gpu-operator", "v26.7.0") == (GPU_OPERATOR.name, GPU_OPERATOR.version)
    assert inputs["repositoryOpts"] == {"repo": "https://helm.ngc.nvidia.com/nvidia"}
    assert (inputs["namespace"], inputs["createNamespace"]) == ("gpu-operator", True)
    values = inputs["values"]
    assert values["dcgmExporter"] == {"enabled": True}
    assert values["daemonsets"]["tolerations"] == [GPU_TOLERATION]
    assert "toolkit" not in values  # the standard containerd paths
    assert not any(r.inputs["name"] == DCGM_EXPORTER.name for r in onprem.of_type(RELEASE))  # no second exporter


def test_every_release_is_pinned_to_an_exact_version(onprem, edge):
    releases = onprem.of_type(RELEASE) + edge.of_type(RELEASE)
    own = [r for r in releases if SERVING not in r.urn]
    assert {r.inputs["name"]: r.inputs["version"] for r in own} == {"gpu-operator": "v26.7.0", "nvidia-device-plugin": "0.20.0"}
    # the serving layer's operators are pinned too: KEDA for the autoscalers, once per stack (no replica
    # spans hosts, so no LeaderWorkerSet), each at its chart's pinned version
    serving = sorted((r.inputs["name"], r.inputs["version"]) for r in releases if SERVING in r.urn)
    # ... and the in-cluster metrics pipeline (kube-prometheus-stack), once per stack too
    assert serving == [("keda", "2.20.2")] * 2 + [("kube-prometheus-stack", "88.5.3")] * 2
    pinned = {chart.name: chart.version for chart in (KEDA_CHART, LWS_CHART, KUBE_PROMETHEUS_STACK)}
    assert all(pinned[name] == version for name, version in serving)
    assert len(releases) == 6 and all(re.fullmatch(r"v?[0-9]+\.[0-9]+\.[0-9]+", r.inputs["version"]) for r in releases)


def test_the_environment_namespace_has_a_gpu_quota_defaults_and_default_deny(onprem):
    (namespace,) = target(onprem, NAMESPACE)
    assert namespace.inputs["metadata"]["name"] == "onprem"
    assert namespace.inputs["metadata"]["labels"]["hangar.dev/environment"] == "onprem"
    (quota,) = target(onprem, QUOTA)
    assert quota.inputs["metadata"]["namespace"] == "onprem"
    assert quota.inputs["spec"] == {"hard": {"requests.nvidia.com/gpu": "16"}}  # 8 GPUs x 2 nodes at most
    (limits,) = target(onprem, LIMIT_RANGE)
    (item,) = limits.inputs["spec"]["limits"]
    assert item["type"] == "Container" and item["defaultRequest"] == {"cpu": "100m", "memory": "256Mi"} and item["default"] == {"memory": "1Gi"}
    (policy,) = target(onprem, NETWORK_POLICY)  # the serving layer adds its own, allowing its server's traffic
    assert policy.inputs["metadata"]["namespace"] == "onprem"
    assert policy.inputs["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}  # every pod, nothing in or out
    assert namespace.urn in quota.dependencies and namespace.urn in policy.dependencies


def test_free_text_owner_is_refused_with_the_label_rule():
    """The owner labels every resource of every target, so it is refused at validation rather than rendered as an invalid label."""
    raw = onprem_environment()
    raw["owner"] = "ML Platform <ml-platform@example.com>"
    assert config_problems(raw) == [
        "Pulumi.test.yaml: hangar:environment.owner: must be a Kubernetes label value: at most 63 characters, letters, digits, '-', '_' and '.', "
        "beginning and ending with a letter or digit; got 'ML Platform <ml-platform@example.com>'"
    ]


def test_namespace_objects_are_valid_kubernetes_manifests(onprem):
    for record in onprem.of_type(NAMESPACE, QUOTA, LIMIT_RANGE, NETWORK_POLICY):
        kubernetes_validate.validate(record.inputs, "1.33", strict=True)


def test_recorded_inputs_use_the_kubernetes_sdk_property_names(onprem, edge):
    problems, crd_kinds = [], []
    for record in (r for plan in (onprem, edge) for r in plan if r.custom):
        if a_crd_kind_without_sdk_class(record):  # no SDK input type to check its spec against; its metadata is standard
            crd_kinds.append(record.type)
            problems += unknown_properties(record.inputs["metadata"], k8s.meta.v1.ObjectMetaArgs, f"{record.type} {record.name}.metadata")
        else:
            problems += record_problems(record)
    assert problems == []
    # per stack one autoscaler (KEDA ScaledObject), one scrape object (PodMonitor) and its SLO alerts (PrometheusRule);
    # all else checked against the SDK
    assert sorted(crd_kinds) == sorted(
        [f"kubernetes:{kind}" for kind in ("keda.sh/v1alpha1:ScaledObject", "monitoring.coreos.com/v1:PodMonitor", "monitoring.coreos.com/v1:PrometheusRule")] * 2
    )


def test_the_pool_registers_its_facts_as_component_inputs(onprem, edge):
    (spec_pool,) = read_environment(read_project(ROOT), "onprem").clusters[0].node_pools
    (pool,) = onprem.of_type(POOL)
    rate = {"usdPerGpuHour": spec_pool.usd_per_gpu_hour} if spec_pool.usd_per_gpu_hour is not None else {}
    assert pool.inputs == {
        "pool": "a100",
        "gpu": "A100-80GB",
        "gpusPerNode": 8.0,
        "minNodes": 2.0,
        "maxNodes": 2.0,
        "nodeSelector": {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"},
        "tolerations": [GPU_TOLERATION],
        "capacity": "reserved",
        "labels": {"hangar.dev/pool": "a100", "hangar.dev/gpu": "A100-80GB", "hangar.dev/environment": "onprem"},
        **rate,
    }
    (edge_pool,) = edge.of_type(POOL)
    assert "usdPerGpuHour" not in edge_pool.inputs  # the edge stack gives no rate: its price is unknown, never a made-up default


def test_an_amortised_rate_is_a_pool_input():
    plan, _ = plan_environment(onprem_environment())
    rates = {r.inputs["pool"]: r.inputs.get("usdPerGpuHour") for r in plan.of_type(POOL)}
    assert rates == {"a100": 1.85, "l4": None}


def test_pods_are_placed_by_the_labels_the_nodes_carry_and_tolerate_gpu_taints():
    raw = onprem_environment()
    raw["clusters"][0]["node_pools"][1]["taints"] = [{"key": "example.com/dedicated", "value": "inference", "effect": "NoSchedule"}]
    plan, cluster = plan_environment(raw)
    a100, l4 = cluster.pools["a100"], cluster.pools["l4"]
    assert a100.node_selector == {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"}  # no hangar.dev/pool: the nodes lack it
    assert l4.node_selector == {"example.com/gpu-class": "l4"}
    assert a100.tolerations == (GPU_TOLERATION,)
    assert l4.tolerations == (GPU_TOLERATION, {"key": "example.com/dedicated", "operator": "Equal", "value": "inference", "effect": "NoSchedule"})
    assert (a100.accelerator_resource, a100.accelerators_per_node, l4.accelerators_per_node) == ("nvidia.com/gpu", 8, 2)
    # the GPU stack's DaemonSets must reach the tainted nodes too
    assert release(plan, "gpu-operator")["values"]["daemonsets"]["tolerations"] == list(l4.tolerations)
    (quota,) = plan.of_type(QUOTA)
    assert quota.inputs["spec"]["hard"] == {"requests.nvidia.com/gpu": "32"}  # 8 x 3 + 2 x 4


def test_the_example_stacks_plan_offline_with_a_placeholder_secret():
    """A checkout holds no kubeconfig (only the Pulumi CLI can encrypt one): `hangar plan` uses a placeholder, as a secret."""
    from hangar.stackplan import plan_project_stack

    for stack in ("onprem", "edge"):
        stack_plan = plan_project_stack(ROOT, stack)
        (provider,) = stack_plan.plan.of_type(PROVIDER)
        assert provider.inputs == {"kubeconfig": SECRET}
        assert len(target(stack_plan.plan, RELEASE)) == 1


# --- the kubeconfig secret ---------------------------------------------------------------------------


def test_the_kubeconfig_never_appears_in_the_plan(onprem, edge):
    for plan in (onprem, edge):
        text = json.dumps(plan.to_json())
        assert TOKEN not in text and "k8s.dc1.example.internal" not in text and "certificate-authority-data" not in text
        assert text.count(f'"kubeconfig": "{SECRET}"') == 1


# --- the edge site (k3s) --------------------------------------------------------------------------------


def test_edge_is_the_same_target_with_the_light_k3s_profile(edge):
    assert {r.type for r in target(edge)} == {"hangar:index:Environment", CLUSTER, POOL, PROVIDER, NAMESPACE, QUOTA, LIMIT_RANGE, NETWORK_POLICY, RELEASE}
    (cluster,) = target(edge, CLUSTER)
    assert cluster.inputs == {"distribution": "k3s", "gpuOperator": "device-plugin", "dcgmExporter": False, "airGapped": False}
    (plugin,) = target(edge, RELEASE)
    inputs = plugin.inputs
    assert (inputs["chart"], inputs["version"], inputs["namespace"]) == ("nvidia-device-plugin", DEVICE_PLUGIN.version, "nvidia-device-plugin")
    assert inputs["repositoryOpts"] == {"repo": "https://nvidia.github.io/k8s-device-plugin"}
    assert inputs["values"]["runtimeClassName"] == "nvidia"  # k3s does not make the NVIDIA runtime the default
    assert inputs["values"]["gfd"] == {"enabled": True}  # GPU Feature Discovery sets the nvidia.com/gpu.product label the pool selects on
    (quota,) = target(edge, QUOTA)
    assert quota.inputs["spec"]["hard"] == {"requests.nvidia.com/gpu": "1"}
    (pool,) = target(edge, POOL)
    assert (pool.inputs["gpu"], pool.inputs["gpusPerNode"], pool.inputs["nodeSelector"]) == ("L4", 1.0, {"nvidia.com/gpu.product": "NVIDIA-L4"})


def test_edge_serves_a_small_quantised_apache_licensed_model():
    environment = read_environment(read_project(ROOT), "edge")
    (deployment,) = environment.deployments
    assert (deployment.model, deployment.precision) == ("Qwen/Qwen2.5-7B-Instruct", "fp8")  # quantised as vLLM loads it
    from hangar.catalog import load_catalog

    assert load_catalog().model(deployment.model).licence_id == "apache-2.0"


def test_k3s_pods_need_the_nvidia_runtime_class_only_with_the_device_plugin():
    _, edge_cluster = plan_environment(onprem_environment(distribution="k3s"))
    assert edge_cluster.runtime_class == "nvidia"
    plan, operator_cluster = plan_environment(onprem_environment(distribution="k3s", gpu_operator="operator"))
    assert operator_cluster.runtime_class is None
    values = release(plan, "gpu-operator")["values"]
    assert values["toolkit"] == {"env": [{"name": "CONTAINERD_SOCKET", "value": "/run/k3s/containerd/containerd.sock"}]}
    assert values["dcgmExporter"] == {"enabled": False}  # still the k3s default


def test_the_dcgm_exporter_beside_the_device_plugin_runs_on_the_pools_nodes_only():
    plan, _ = plan_environment(onprem_environment(gpu_operator="device-plugin"))
    exporter = release(plan, "dcgm-exporter")
    assert (exporter["version"], exporter["repositoryOpts"]) == (DCGM_EXPORTER.version, {"repo": "https://nvidia.github.io/dcgm-exporter/helm-charts"})
    values = exporter["values"]
    assert values["serviceMonitor"] == {"enabled": False} and "runtimeClassName" not in values
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [
        {"matchExpressions": [{"key": "nvidia.com/gpu.product", "operator": "In", "values": ["NVIDIA-A100-SXM4-80GB"]}]},
        {"matchExpressions": [{"key": "example.com/gpu-class", "operator": "In", "values": ["l4"]}]},
    ]


def test_a_gpu_stack_managed_elsewhere_installs_no_release():
    plan, cluster = plan_environment(onprem_environment(gpu_operator="none"))
    assert plan.of_type(RELEASE) == [] and cluster.releases == {}
    assert len(plan.of_type(QUOTA)) == 1


# --- the spec -------------------------------------------------------------------------------------------


def test_distribution_defaults_and_explicit_choices():
    clusters = [
        environment_from_config(onprem_environment(**change), "test").clusters[0]
        for change in ({}, {"distribution": "k3s"}, {"distribution": "k3s", "gpu_operator": "operator", "dcgm_exporter": True})
    ]
    assert [(c.gpu_operator, c.dcgm_exporter) for c in clusters] == [("operator", True), ("device-plugin", False), ("operator", True)]


@pytest.mark.parametrize(
    ("pool_change", "line"),
    [
        (
            {"node_selector": {}},
            ("hangar:environment.clusters[0].node_pools[0].node_selector: on-prem GPU nodes are found by label: "
            "name labels they carry, e.g. {'nvidia.com/gpu.product': 'NVIDIA-L4'}; got {}"),
        ),
        (
            {"labels": {"hangar.dev/pool": "a100"}},
            ("hangar:environment.clusters[0].node_pools[0].labels: Hangar does not create or label on-prem nodes; "
            'put labels the nodes carry in node_selector; got {"hangar.dev/pool": "a100"}'),
        ),
        ({"zones": ["dc1-row3"]}, 'hangar:environment.clusters[0].node_pools[0].zones: on-prem nodes have no cloud zones; pick them with node_selector; got ["dc1-row3"]'),
        ({"capacity": "spot"}, "hangar:environment.clusters[0].node_pools[0].capacity: on-prem GPUs are owned, not spot: use reserved or on-demand; got 'spot'"),
        (
            {"node_selector": {"example.com/gpu-class": "l4"}},
            ("hangar:environment.clusters[0].node_pools[1].node_selector: selects the same nodes as pool 'a100'; "
            'pools must not share nodes; got {"example.com/gpu-class": "l4"}'),
        ),
    ],
)
def test_on_prem_pool_config_errors(pool_change, line):
    raw = onprem_environment()
    raw["clusters"][0]["node_pools"][0].update(pool_change)
    assert config_problems(raw) == [f"Pulumi.test.yaml: {line}"]


def test_on_prem_config_errors_stop_before_anything_is_registered():
    raw = onprem_environment(air_gapped=True)
    with pytest.raises(PlanError) as error:
        plan_program(build_stack, project="hangar", stack="test", config={"hangar:environment": raw, "hangar:kubeconfig": KUBECONFIG}, secret_keys=("hangar:kubeconfig",))
    assert "invalid Hangar config" in str(error.value) and "registry_mirror: an air-gapped cluster pulls every image" in str(error.value)


