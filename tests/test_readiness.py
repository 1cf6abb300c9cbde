"""Serving-readiness policies: a stack that applies cleanly but would never serve is refused, with what to add.

`tests/readiness_program` is a raw Pulumi program (EKS, Helm, a StatefulSet, KEDA) in two stacks: `broken`
breaks every readiness rule, `fixed` is the same program put right. The pure matching rules are tested on
plain records.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.readiness_control_plane import private_endpoint
from hangar.policies.rules.readiness_pods import selects, tolerates, untolerated
from typer.testing import CliRunner

from hangar.cli import app
from hangar.records import ResourceRecord
from tests.conftest import ROOT

PROGRAM = ROOT / "tests" / "readiness_program"
POLICY = PROGRAM / "policy-prod.json"
READINESS = (
    "hangar-schedulable-accelerators",
    "hangar-autoscaler-metrics",
    "hangar-replica-room",
    "hangar-deploy-timeout",
    "hangar-reachable-control-plane",
    "hangar-zonal-storage",
)
runner = CliRunner()


def readiness_findings(stack: str) -> tuple[int, list[tuple[str, str, str]]]:
    result = runner.invoke(app, ["check", stack, "-C", str(PROGRAM), "--policy-config", str(POLICY), "--format", "json"], catch_exceptions=False)
    found = [(v["policy"], v["level"], v["message"]) for s in json.loads(result.stdout) for v in s["violations"] if v["policy"] in READINESS]
    return result.exit_code, sorted(found)


@pytest.fixture(scope="module")
def broken() -> list[tuple[str, str, str]]:
    code, found = readiness_findings("broken")
    assert code == 1
    return found


def messages(found: list[tuple[str, str, str]], policy: str) -> list[str]:
    return [message for p, _, message in found if p == policy]


def test_the_fixed_program_is_ready_to_serve():
    code, found = readiness_findings("fixed")
    assert (code, found) == (0, [])


def test_gpu_pods_without_toleration_and_a_device_plugin_that_skips_the_gpu_nodes(broken):
    assert messages(broken, "hangar-schedulable-accelerators") == [
        "StatefulSet llm/llm: requests 8 nvidia.com/gpu per pod, but no pool it selects can run it, so its pods stay Pending — "
        "pool h100 (8 x H100-SXM per node): the pod does not tolerate its taint nvidia.com/gpu=present:NoSchedule "
        "(add tolerations {key: nvidia.com/gpu, operator: Equal, value: 'present', effect: NoSchedule}); "
        "no device plugin runs on its nodes, so nothing advertises nvidia.com/gpu: Helm release device-plugin (nvidia-device-plugin) "
        "does not select its nodes (nodeSelector {}; affinity feature.node.kubernetes.io/pci-10de.present In ['true'] or "
        "feature.node.kubernetes.io/cpu-model.vendor_id In ['NVIDIA'] or nvidia.com/gpu.present In ['true'])"
    ]


def test_a_startup_budget_longer_than_the_deploy_waits(broken):
    assert messages(broken, "hangar-deploy-timeout") == [
        "StatefulSet llm/llm: its startupProbe allows 900 s to start (initialDelaySeconds 0 + periodSeconds 10 x failureThreshold 90), "
        "but `pulumi up` waits only 600 s (pulumi-kubernetes' default for a StatefulSet) — the deploy fails while the weights are still "
        'loading. Set the annotation pulumi.com/timeoutSeconds: "900" (or more) on the workload, or customTimeouts, or pulumi.com/skipAwait: "true"'
    ]


def test_a_private_endpoint_with_kubernetes_objects_in_the_same_stack(broken):
    (message,) = messages(broken, "hangar-reachable-control-plane")
    assert message.startswith("serving: its API endpoint is private (vpcConfig.endpointPublicAccess false), and this stack also applies 4 Kubernetes objects")
    assert message.endswith(
        "`pulumi up` from outside the network creates the cluster, then fails on the first object. Declare a deployer inside the network "
        "(the stack config's `deployer`, which sets deployerReachesPrivateEndpoints), or apply the Kubernetes objects from a separate stack that runs there"
    )


def test_a_realtime_rwo_cache_on_a_pool_spanning_two_zones(broken):
    assert [(level, message) for p, level, message in broken if p == "hangar-zonal-storage"] == [
        (
            "mandatory",
            "StatefulSet llm/llm: each replica keeps its weights on its own ReadWriteOnce claim (weights), bound to one zone, but pool h100 "
            "(8 x H100-SXM per node) spans 2 zones (us-east-1a, us-east-1b): a replica whose zone has no free node stays Pending while other "
            "zones have room. Pin the pool (or the workload, topology.kubernetes.io/zone) to one zone, use a StorageClass that replicates "
            "across zones, or a node-local or shared (ReadWriteMany) cache",
        )
    ]


def test_every_readiness_finding_of_the_broken_program_is_mandatory_in_prod(broken):
    assert {level for _, level, _ in broken} == {"mandatory"}


# --- pure rules ---------------------------------------------------------------------------------------------


def record(type_: str, name: str, inputs: dict, **extra) -> ResourceRecord:
    return ResourceRecord(f"urn:pulumi:s::p::{type_}::{name}", type_, name, None, True, inputs, **extra)


@pytest.mark.parametrize(
    ("toleration", "taint", "expected"),
    [
        ({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}, ("nvidia.com/gpu", "present", "NoSchedule"), True),
        ({"key": "nvidia.com/gpu", "operator": "Exists"}, ("nvidia.com/gpu", "present", "NoExecute"), True),
        ({"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}, ("nvidia.com/gpu", "present", "NoSchedule"), False),
        ({"key": "nvidia.com/gpu", "value": "present"}, ("nvidia.com/gpu", "present", "NoSchedule"), True),
        ({"operator": "Exists"}, ("dedicated", "llm", "NoExecute"), True),
        ({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, ("dedicated", "llm", "NoSchedule"), False),
    ],
)
def test_tolerations_match_taints_as_kubernetes_does(toleration, taint, expected):
    assert tolerates([toleration], taint) is expected


def test_prefer_no_schedule_taints_never_keep_a_pod_off():
    assert untolerated([], [("spot", "true", "PreferNoSchedule"), ("gpu", "", "NoSchedule")]) == [("gpu", "", "NoSchedule")]


def test_node_selection_by_selector_and_required_affinity():
    labels = {"pool": "h100", "topology.kubernetes.io/zone": "us-east-1a"}
    assert selects({"pool": "h100"}, [], labels)
    assert not selects({"pool": "a100"}, [], labels)
    in_zone = [[{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1b"]}], [{"key": "pool", "operator": "Exists"}]]
    assert selects({}, in_zone, labels)  # any term
    assert not selects({}, [[{"key": "pool", "operator": "Exists"}, {"key": "gpu", "operator": "Exists"}]], labels)  # every expression


@pytest.mark.parametrize(
    ("type_", "inputs", "why"),
    [
        ("aws:eks/cluster:Cluster", {"vpcConfig": {"endpointPublicAccess": False}}, "vpcConfig.endpointPublicAccess false"),
        ("aws:eks/cluster:Cluster", {"vpcConfig": {}}, ""),  # the EKS default is a public endpoint
        ("gcp:container/cluster:Cluster", {"privateClusterConfig": {"enablePrivateEndpoint": True}}, "privateClusterConfig.enablePrivateEndpoint"),
        (
            "gcp:container/cluster:Cluster",
            {"privateClusterConfig": {"enablePrivateEndpoint": True}, "controlPlaneEndpointsConfig": {"dnsEndpointConfig": {"allowExternalTraffic": True}}},
            "",
        ),
        ("azure-native:containerservice:ManagedCluster", {"apiServerAccessProfile": {"enablePrivateCluster": True}}, "apiServerAccessProfile.enablePrivateCluster"),
    ],
)
def test_private_endpoints_per_cloud(type_, inputs, why):
    assert private_endpoint(record(type_, "c", inputs)) == why


def test_a_declared_deployer_in_the_network_clears_the_private_endpoint():
    cluster = record("azure-native:containerservice:ManagedCluster", "aks", {"apiServerAccessProfile": {"enablePrivateCluster": True}})
    namespace = record("kubernetes:core/v1:Namespace", "ns", {"metadata": {"name": "llm"}})
    refused = load_pack_config({}, "test")
    allowed = load_pack_config({"hangar-reachable-control-plane": {"deployerReachesPrivateEndpoints": True}}, "test")
    assert [v.policy for v in evaluate([cluster, namespace], refused) if v.policy == "hangar-reachable-control-plane"] == ["hangar-reachable-control-plane"]
    assert not [v for v in evaluate([cluster, namespace], allowed) if v.policy == "hangar-reachable-control-plane"]
    assert not [v for v in evaluate([cluster], refused) if v.policy == "hangar-reachable-control-plane"]  # nothing applied through it


def test_skip_await_and_a_long_enough_timeout_pass():
    probe = {"periodSeconds": 10, "failureThreshold": 100}
    spec = {"template": {"spec": {"containers": [{"name": "s", "image": "x", "startupProbe": probe}]}}}

    def deployment(annotations: dict) -> ResourceRecord:
        return record("kubernetes:apps/v1:Deployment", "d", {"metadata": {"name": "d", "annotations": annotations}, "spec": spec})

    configs = load_pack_config({}, "test")

    def timeouts(annotations: dict) -> list[str]:
        return [v.message for v in evaluate([deployment(annotations)], configs) if v.policy == "hangar-deploy-timeout"]

    assert timeouts({}) and "waits only 600 s" in timeouts({})[0]
    assert timeouts({"pulumi.com/timeoutSeconds": "300"})[0].split(" — ")[0].endswith("waits only 300 s (annotation pulumi.com/timeoutSeconds)")
    assert timeouts({"pulumi.com/timeoutSeconds": "1000"}) == []
    assert timeouts({"pulumi.com/skipAwait": "true"}) == []


def test_a_custom_resource_is_judged_only_when_pulumi_waits_for_it():
    probe = {"periodSeconds": 10, "failureThreshold": 100}
    template = {"spec": {"containers": [{"name": "s", "image": "x", "startupProbe": probe}]}}

    def lws(annotations: dict) -> ResourceRecord:
        spec = {"leaderWorkerTemplate": {"size": 2, "leaderTemplate": template, "workerTemplate": template}}
        return record("kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet", "g", {"metadata": {"name": "g", "annotations": annotations}, "spec": spec})

    configs = load_pack_config({}, "test")
    judged = [[v.message for v in evaluate([lws(a)], configs) if v.policy == "hangar-deploy-timeout"] for a in (
        {}, {"pulumi.com/waitFor": "condition=Available"}, {"pulumi.com/waitFor": "condition=Available", "pulumi.com/timeoutSeconds": "1000"},
    )]  # fmt: skip
    assert judged[0] == [] and judged[2] == []
    assert judged[1] == [
        "LeaderWorkerSet default/g: its startupProbe allows 1000 s to start (initialDelaySeconds 0 + periodSeconds 10 x failureThreshold 100), "
        "but `pulumi up` waits only 600 s (pulumi-kubernetes' default for what pulumi.com/waitFor awaits) — the deploy fails while the weights "
        'are still loading. Set the annotation pulumi.com/timeoutSeconds: "1000" (or more) on the workload, or customTimeouts, or pulumi.com/skipAwait: "true"'
    ]


def test_an_autoscaler_reading_a_missing_prometheus_and_unscraped_metrics_that_cannot_wake_from_zero(broken):
    assert messages(broken, "hangar-autoscaler-metrics") == [
        "ScaledObject llm/llm: nothing scrapes StatefulSet llm/llm on its metrics port http/8000: add a PodMonitor (monitoring.coreos.com/v1) "
        "or PodMonitoring (monitoring.googleapis.com/v1) in llm selecting {'app': 'llm', 'hangar.dev/latency-class': 'realtime'} on port "
        "http/8000, so the engine's series exist",
        "ScaledObject llm/llm: queries http://prometheus.observability.svc:9090, but nothing in this stack serves Prometheus there (no Service "
        "observability/prometheus, and no Prometheus or kube-prometheus-stack in observability behind prometheus-operated); point serverAddress "
        "at the plan's Prometheus or deploy one",
        "ScaledObject llm/llm: scales to zero (minReplicaCount 0), but every trigger reads the engine's own series, which no pod exports at zero "
        "replicas: nothing can wake it. Add a trigger on a signal outside the pods (a queue's depth, the gateway's request rate), or keep minReplicaCount at 1",
    ]


def test_a_network_policy_that_drops_the_scrapes():
    code, found = readiness_findings("unscraped")
    assert code == 1
    assert [m for p, _, m in found] == [
        "ScaledObject llm/llm: NetworkPolicy llm admits no traffic from namespace monitoring pods {'app.kubernetes.io/name': 'prometheus', "
        "'operator.prometheus.io/name': 'main'} (the scraper of Prometheus monitoring/prometheus-operated) to StatefulSet llm/llm on port "
        "http/8000: the scrapes are dropped; add an ingress rule from namespaceSelector kubernetes.io/metadata.name: monitoring on that port"
    ]


def test_more_replicas_than_a_node_group_without_a_node_autoscaler_holds(broken):
    assert messages(broken, "hangar-replica-room") == [
        "ScaledObject llm/llm may scale StatefulSet llm/llm to 4 replicas (4 pods of 8 nvidia.com/gpu), but its pools hold at most 1: "
        "pool h100 (8 x H100-SXM per node): 1 node (its desired size: an EKS managed node group grows to its maxSize 2 only with Cluster "
        "Autoscaler or Karpenter, and neither is in this stack) x 1 pod of 8 nvidia.com/gpu. Raise the pool's maximum nodes, lower "
        "maxReplicas, or give it a node autoscaler where the platform needs one"
    ]


def gpu_plan(*extra: ResourceRecord, max_replicas: int = 3, gke: bool = True) -> list[ResourceRecord]:
    """A GKE (or AKS) pool of 2-8 x 1 L4 node, a vLLM StatefulSet on it and a ScaledObject; plus extra records."""
    if gke:
        pool = record(
            "gcp:container/nodePool:NodePool", "l4",
            {"name": "l4", "location": "us-central1-a", "autoscaling": {"totalMinNodeCount": 0, "totalMaxNodeCount": 2},
             "nodeConfig": {"machineType": "g2-standard-8", "labels": {"pool": "l4"},
                            "guestAccelerators": [{"type": "nvidia-l4", "count": 1, "gpuDriverInstallationConfig": {"gpuDriverVersion": "LATEST"}}]}},
        )  # fmt: skip
    else:
        pool = record("azure-native:containerservice:AgentPool", "l4", {"agentPoolName": "l4", "vmSize": "Standard_NC4as_T4_v3", "count": 2, "nodeLabels": {"pool": "l4"}})
    container = {"name": "vllm", "image": "vllm/vllm-openai:v0.11.2", "args": ["--model", "Qwen/Qwen2.5-7B-Instruct"], "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    workload = record(
        "kubernetes:apps/v1:StatefulSet", "qwen",
        {"metadata": {"name": "qwen", "namespace": "llm"},
         "spec": {"template": {"metadata": {"labels": {"app": "qwen"}}, "spec": {"nodeSelector": {"pool": "l4"}, "containers": [container]}}}},
    )  # fmt: skip
    trigger = {"type": "prometheus", "metadata": {"serverAddress": "https://monitoring.googleapis.com/v1/projects/p/location/global/prometheus", "query": "sum(vllm:num_requests_waiting)"}}
    scaler = record(
        "kubernetes:keda.sh/v1alpha1:ScaledObject", "qwen",
        {"metadata": {"name": "qwen", "namespace": "llm"}, "spec": {"scaleTargetRef": {"kind": "StatefulSet", "name": "qwen"}, "minReplicaCount": 1, "maxReplicaCount": max_replicas, "triggers": [trigger]}},
    )  # fmt: skip
    return [pool, workload, scaler, *extra]


def policy_messages(records: list[ResourceRecord], policy: str) -> list[str]:
    return [v.message for v in evaluate(records, load_pack_config({}, "test")) if v.policy == policy]


def test_room_counts_pods_per_node_and_the_pools_maximum():
    assert policy_messages(gpu_plan(max_replicas=2), "hangar-replica-room") == []
    (message,) = policy_messages(gpu_plan(max_replicas=3), "hangar-replica-room")
    assert message.startswith("ScaledObject llm/qwen may scale StatefulSet llm/qwen to 3 replicas (3 pods of 1 nvidia.com/gpu), but its pools hold at most 2: pool l4 (1 x L4 per node): 2 nodes x 1 pod")
    # a KEDA ScaledObject without maxReplicaCount may scale to KEDA's default of 100
    records = gpu_plan()
    records[2] = dataclasses.replace(records[2], inputs={**records[2].inputs, "spec": {**records[2].inputs["spec"], "maxReplicaCount": None}})
    assert "to 100 replicas" in policy_messages(records, "hangar-replica-room")[0]


def test_a_managed_prometheus_needs_an_authentication_ref_that_exists():
    (message,) = policy_messages(gpu_plan(), "hangar-autoscaler-metrics")[-1:]
    assert message == (
        "ScaledObject llm/qwen: queries Google Cloud Managed Service for Prometheus at https://monitoring.googleapis.com/v1/projects/p/location/global/prometheus "
        "without an authenticationRef: a managed endpoint refuses unauthenticated queries; add a TriggerAuthentication"
    )
    records = gpu_plan()
    spec = records[2].inputs["spec"]
    with_auth = {**spec, "triggers": [{**spec["triggers"][0], "authenticationRef": {"name": "gmp"}}]}
    records[2] = dataclasses.replace(records[2], inputs={**records[2].inputs, "spec": with_auth})
    assert any(m.endswith("its authenticationRef gmp names no TriggerAuthentication in llm in this stack") for m in policy_messages(records, "hangar-autoscaler-metrics"))
    auth = record("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "gmp", {"metadata": {"name": "gmp", "namespace": "llm"}, "spec": {"podIdentity": {"provider": "gcp"}}})
    monitoring = record(
        "kubernetes:monitoring.googleapis.com/v1:PodMonitoring", "qwen",
        {"metadata": {"name": "qwen", "namespace": "llm"}, "spec": {"selector": {"matchLabels": {"app": "qwen"}}, "endpoints": [{"port": 8000}]}},
    )  # fmt: skip
    assert policy_messages([*records, auth, monitoring], "hangar-autoscaler-metrics") == []
    # GKE's managed collectors run in gmp-system: a NetworkPolicy admitting only the app's callers drops the scrapes
    closed = record(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy", "qwen",
        {"metadata": {"name": "qwen", "namespace": "llm"}, "spec": {"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "gateway"}}}]}]}},
    )  # fmt: skip
    (dropped,) = policy_messages([*records, auth, monitoring, closed], "hangar-autoscaler-metrics")
    assert "admits no traffic from namespace gmp-system pods {'app.kubernetes.io/name': 'collector'}" in dropped


def test_an_autoscaler_whose_target_is_not_in_the_stack_fails_closed():
    records = gpu_plan()
    records[2] = dataclasses.replace(records[2], inputs={**records[2].inputs, "spec": {**records[2].inputs["spec"], "scaleTargetRef": {"name": "elsewhere"}}})
    assert policy_messages(records, "hangar-autoscaler-metrics") == [
        "ScaledObject llm/qwen: scales Deployment llm/elsewhere, which is not in this stack, so whether its metrics are scraped cannot be judged; create the target in this stack"
    ]


def test_aks_needs_a_device_plugin_and_a_tolerated_gpu_operator_provides_one():
    records = gpu_plan(gke=False)
    (message,) = policy_messages(records, "hangar-schedulable-accelerators")
    assert message.endswith("nothing advertises nvidia.com/gpu on its nodes: AKS installs the NVIDIA driver but not the device plugin, and no device plugin in "
                            "this stack serves it; install the NVIDIA device plugin (Helm chart nvidia-device-plugin) or the GPU Operator (chart gpu-operator)")  # fmt: skip
    operator = record("kubernetes:helm.sh/v3:Release", "gpu-operator", {"chart": "gpu-operator", "namespace": "gpu-operator", "values": {}})
    assert policy_messages([*records, operator], "hangar-schedulable-accelerators") == []
    no_nfd = record("kubernetes:helm.sh/v3:Release", "gpu-operator", {"chart": "gpu-operator", "values": {"nfd": {"enabled": False}}})
    assert "does not select its nodes" in policy_messages([*records, no_nfd], "hangar-schedulable-accelerators")[0]
