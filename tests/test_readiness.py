"""Serving-readiness policies: a stack that applies cleanly but would never serve is refused, with what to add.

`tests/readiness_program` is a raw Pulumi program (EKS, Helm, a StatefulSet, KEDA) in two stacks: `broken`
breaks every readiness rule, `fixed` is the same program put right. The pure matching rules are tested on
plain records.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from hangar.records import ResourceRecord
from policies.rules import evaluate, load_pack_config
from policies.rules.readiness_control_plane import private_endpoint
from policies.rules.readiness_pods import selects, tolerates, untolerated
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
