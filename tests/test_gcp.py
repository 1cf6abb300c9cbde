"""The GCP target under the mock runtime: the example stacks, air-gapped and public variants, TPU slices.

Every test plans a whole program (`hangar.plan`) and reads the recorded inputs in wire form
(camelCase keys, numbers as floats), as the policy rules will.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from hangar.plan import PlanError, plan_program, plan_stack
from hangar.records import Plan
from hangar.stackfile import StackConfigError, environment_from_config
from tests.conftest import ROOT
from tests.gcp_plans import GCP_ENVIRONMENT, plan_environment
from tests.provider_schema import (
    assert_enum_values,
    documentation,
    record_problems,
    sdk_classes,
    unknown_properties,
)

CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
SUBNET = "gcp:compute/subnetwork:Subnetwork"
ROUTER, NAT = "gcp:compute/router:Router", "gcp:compute/routerNat:RouterNat"
COMPONENTS = ("hangar:gcp:GpuCluster", "hangar:gcp:Network", "hangar:gcp:Cluster", "hangar:gcp:GpuNodePool", "hangar:gcp:TpuSlice",
              "hangar:serving:MetricsPipeline")  # its Google service account for KEDA (GKE Managed Prometheus)


# Each slice in zones of us-central1 that offer its generation (the catalog's zones for it): v5e and v5p only us-central1-a.
TPU_SLICES = [
    {"name": "v5e-single", "generation": "v5e", "topology": "2x4", "min_slices": 0, "max_slices": 3, "zones": ["us-central1-a"]},
    {"name": "v5e-multi", "generation": "v5e", "topology": "4x4", "min_slices": 1, "max_slices": 2, "capacity": "spot", "zones": ["us-central1-a"]},
    {"name": "v5p-single", "generation": "v5p", "topology": "2x2x1", "max_slices": 1, "zones": ["us-central1-a"]},
    {"name": "v5p-multi", "generation": "v5p", "topology": "4x4x4", "min_slices": 1, "max_slices": 1, "capacity": "reserved", "zones": ["us-central1-a"]},
    {"name": "v6e-multi", "generation": "v6e", "topology": "4x8", "max_slices": 2, "zones": ["us-central1-b", "us-central1-c"]},
    {"name": "ironwood", "generation": "tpu7x", "topology": "2x2x2", "max_slices": 1, "zones": ["us-central1-c"]},
]


def gcp_environment(**cluster: Any) -> dict[str, Any]:
    raw = copy.deepcopy(GCP_ENVIRONMENT)
    raw["clusters"][0].update(copy.deepcopy(cluster))
    return raw


def node_pool(plan: Plan, physical_name: str) -> dict[str, Any]:
    (record,) = [r for r in plan.of_type(NODE_POOL) if r.inputs.get("name") == physical_name]
    return record.inputs


@pytest.fixture(scope="module")
def gke_dev() -> Plan:
    return plan_stack(ROOT, "gke-dev")


@pytest.fixture(scope="module")
def gke_tpu() -> Plan:
    return plan_stack(ROOT, "gke-tpu")


@pytest.fixture(scope="module")
def tpu_plan() -> tuple[Plan, Any]:
    return plan_environment(gcp_environment(tpu_slices=TPU_SLICES))


# --- gke-dev ----------------------------------------------------------------------------------


def test_gke_dev_is_a_private_cluster_with_encrypted_secrets_and_workload_identity(gke_dev):
    (cluster,) = gke_dev.of_type(CLUSTER)
    inputs = cluster.inputs
    assert inputs["privateClusterConfig"] == {"enablePrivateNodes": True, "enablePrivateEndpoint": True}
    assert inputs["masterAuthorizedNetworksConfig"]["gcpPublicCidrsAccessEnabled"] is False
    assert [block["cidrBlock"] for block in inputs["masterAuthorizedNetworksConfig"]["cidrBlocks"]] == ["10.40.0.0/16"]
    assert inputs["workloadIdentityConfig"] == {"workloadPool": "hangar-dev.svc.id.goog"}
    key = gke_dev.named("dev-secrets", "gcp:kms/cryptoKey:CryptoKey")
    assert inputs["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": "dev-secrets-id"}
    assert key.inputs["rotationPeriod"] == "7776000s"
    grant = gke_dev.named("dev-secrets-gke")
    assert grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter" and grant.urn in cluster.dependencies
    assert inputs["removeDefaultNodePool"] is True and inputs["enableShieldedNodes"] is True
    assert inputs["loggingConfig"]["enableComponents"] and inputs["monitoringConfig"]["managedPrometheus"] == {"enabled": True}
    assert inputs["releaseChannel"] == {"channel": "REGULAR"} and inputs["deletionProtection"] is False
    assert (inputs["location"], inputs["nodeLocations"]) == ("us-central1", ["us-central1-a", "us-central1-b"])
    assert inputs["ipAllocationPolicy"]["clusterSecondaryRangeName"] == "pods"


def test_gke_dev_network_is_private_with_nat_egress(gke_dev):
    (network,) = gke_dev.of_type("gcp:compute/network:Network")
    assert network.inputs["autoCreateSubnetworks"] is False
    (subnet,) = gke_dev.of_type(SUBNET)
    assert subnet.inputs["privateIpGoogleAccess"] is True
    assert {r["rangeName"] for r in subnet.inputs["secondaryIpRanges"]} == {"pods", "services"}
    (nat,) = gke_dev.of_type(NAT)
    assert len(gke_dev.of_type(ROUTER)) == 1
    assert nat.inputs["natIpAllocateOption"] == "AUTO_ONLY"
    assert nat.inputs["subnetworks"] == [{"name": "dev-id", "sourceIpRangesToNats": ["ALL_IP_RANGES"]}]  # the subnetwork's mock id


def test_gke_dev_gpu_pool_is_spot_tainted_autoscaled_with_the_driver_installed(gke_dev):
    pool = node_pool(gke_dev, "l4-spot")
    config = pool["nodeConfig"]
    assert config["machineType"] == "g2-standard-4"  # the cheapest GCP machine with one L4
    assert config["guestAccelerators"] == [{"type": "nvidia-l4", "count": 1.0, "gpuDriverInstallationConfig": {"gpuDriverVersion": "DEFAULT"}}]
    assert config["spot"] is True
    assert {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"} in config["taints"]
    assert pool["autoscaling"] == {"totalMinNodeCount": 0.0, "totalMaxNodeCount": 2.0, "locationPolicy": "ANY"}
    assert pool["initialNodeCount"] == 0.0
    assert config["diskSizeGb"] == 100.0
    assert config["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
    assert config["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
    assert config["labels"] == {"hangar.dev/pool": "l4-spot", "hangar.dev/gpu": "L4", "hangar.dev/environment": "gke-dev"}
    assert config["serviceAccount"].endswith("@hangar-dev.iam.gserviceaccount.com")


def test_gke_dev_labels_its_cluster_and_node_pools_in_gcp_spelling(gke_dev):
    (cluster,) = gke_dev.of_type(CLUSTER)
    assert cluster.inputs["resourceLabels"]["hangar-dev_environment"] == "gke-dev"
    assert cluster.inputs["resourceLabels"]["hangar-dev_cost-centre"] == "cc-1042"
    for pool in gke_dev.of_type(NODE_POOL):
        labels = pool.inputs["nodeConfig"]["resourceLabels"]
        assert labels["hangar-dev_environment"] == "gke-dev" and labels["hangar-dev_pool"] == pool.inputs["name"]


def test_gke_dev_has_a_small_cpu_system_pool(gke_dev):
    system = node_pool(gke_dev, "system")
    assert system["nodeConfig"]["machineType"] == "e2-standard-4"
    assert "guestAccelerators" not in system["nodeConfig"] and system["nodeConfig"]["taints"] == []
    assert system["autoscaling"]["totalMaxNodeCount"] == 3.0


def test_gke_dev_resources_are_parented_under_hangar_components(gke_dev):
    by_urn = {r.urn: r for r in gke_dev}
    for record in gke_dev:
        if record.type.startswith("gcp:"):
            assert by_urn[record.parent].type in COMPONENTS, record.name
    types = {r.type for r in gke_dev}
    assert {"hangar:gcp:GpuCluster", "hangar:gcp:Network", "hangar:gcp:Cluster", "hangar:gcp:GpuNodePool", "pulumi:providers:kubernetes"} <= types


def test_pools_expose_how_to_place_a_gpu_workload():
    _, cluster = plan_environment(gcp_environment())
    placement = cluster.pools["l4"]
    assert placement.node_selector == {"hangar.dev/pool": "l4", "cloud.google.com/gke-accelerator": "nvidia-l4"}
    assert placement.tolerations == ({"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},)
    assert (placement.accelerator_resource, placement.accelerators_per_node, placement.hosts_per_replica) == ("nvidia.com/gpu", 1, 1)
    assert cluster.kube_provider is not None


def test_min_and_max_nodes_are_totals_and_the_initial_count_is_per_zone():
    plan, _ = plan_environment(gcp_environment())
    pool = node_pool(plan, "l4")
    assert pool["autoscaling"] == {"totalMinNodeCount": 1.0, "totalMaxNodeCount": 4.0, "locationPolicy": "BALANCED"}
    assert pool["initialNodeCount"] == 1.0  # one per zone in two zones: at least min_nodes, at most max_nodes
    assert pool["nodeConfig"]["spot"] is False


# --- networks and endpoints -------------------------------------------------------------------


def test_air_gapped_network_has_no_router_or_nat_and_keeps_private_google_access():
    plan, _ = plan_environment(gcp_environment(network={"egress": "none"}, registry_mirror="us-docker.pkg.dev/ml-dev/mirror", chart_repository="oci://us-docker.pkg.dev/ml-dev/charts"))
    assert plan.of_type(ROUTER, NAT) == []
    (subnet,) = plan.of_type(SUBNET)
    assert subnet.inputs["privateIpGoogleAccess"] is True
    assert plan.of_type(CLUSTER)[0].inputs["privateClusterConfig"]["enablePrivateNodes"] is True


def test_public_endpoint_is_limited_to_the_authorized_cidrs():
    plan, _ = plan_environment(gcp_environment(network={"public_api_endpoint": True, "authorized_cidrs": ["203.0.113.0/24"]}))
    cluster = plan.of_type(CLUSTER)[0].inputs
    assert cluster["privateClusterConfig"] == {"enablePrivateNodes": True, "enablePrivateEndpoint": False}
    assert cluster["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [{"cidrBlock": "203.0.113.0/24", "displayName": "hangar-0"}]


def test_an_existing_network_creates_no_network_resources():
    plan, _ = plan_environment(gcp_environment(network={"existing_network_id": "projects/p/global/networks/shared", "existing_subnet_ids": ["projects/p/regions/us-central1/subnetworks/gke"]}))
    assert not [r for r in plan if r.type.startswith("gcp:compute/")]
    cluster = plan.of_type(CLUSTER)[0].inputs
    assert (cluster["network"], cluster["subnetwork"]) == ("projects/p/global/networks/shared", "projects/p/regions/us-central1/subnetworks/gke")


def test_prod_gets_a_stable_channel_deletion_protection_and_two_system_nodes():
    raw = gcp_environment()
    raw["tier"] = "prod"
    plan, _ = plan_environment(raw)
    cluster = plan.of_type(CLUSTER)[0].inputs
    assert cluster["releaseChannel"] == {"channel": "STABLE"} and cluster["deletionProtection"] is True
    assert node_pool(plan, "system")["autoscaling"]["totalMinNodeCount"] == 2.0


def test_without_a_project_the_providers_client_config_names_it():
    raw = gcp_environment()
    del raw["clusters"][0]["project"]
    environment = environment_from_config(raw, "test")
    from hangar.components.environment import HangarEnvironment

    plan = plan_program(lambda: HangarEnvironment(environment.name, environment), project="hangar", stack="test")  # no gcp:project either
    (cluster,) = plan.of_type(CLUSTER)
    assert plan.of_type("pulumi:providers:gcp")[0].inputs == {"region": "us-central1"}
    assert cluster.inputs["workloadIdentityConfig"] == {"workloadPool": "hangar-offline.svc.id.goog"}  # hangar.mocks' client config


# --- configuration errors ---------------------------------------------------------------------


def test_a_gpu_not_offered_on_gcp_is_a_config_error_naming_the_alternatives():
    raw = gcp_environment(node_pools=[{"name": "a10g", "gpu": "A10G", "gpus_per_node": 1, "max_nodes": 1}])
    with pytest.raises(StackConfigError) as raised:
        environment_from_config(raw, "test")
    message = str(raised.value)
    assert "hangar:environment.clusters[0].node_pools[0].gpu: GCP offers no instance with A10G GPUs" in message
    assert "GPUs on GCP: A100-40GB, A100-80GB, H100-SXM, H200, L4, T4" in message and "got 'A10G'" in message


def test_a_gpu_count_gcp_does_not_offer_is_a_config_error_naming_the_machine_types():
    raw = gcp_environment(node_pools=[{"name": "l4x3", "gpu": "L4", "gpus_per_node": 3, "max_nodes": 1}])
    with pytest.raises(StackConfigError, match=r"node_pools\[0\]\.gpus_per_node: GCP offers L4 with these GPUs per node: .*g2-standard-24 \(2\).*; got 3"):
        environment_from_config(raw, "test")


def test_an_explicit_machine_type_without_the_gpu_is_a_config_error():
    raw = gcp_environment(node_pools=[{"name": "h100", "gpu": "H100-SXM", "instance_type": "g2-standard-8", "max_nodes": 1}])
    with pytest.raises(StackConfigError, match=r"node_pools\[0\]\.instance_type: has L4 GPUs, not H100-SXM"):
        environment_from_config(raw, "test")


def test_cluster_zones_outside_the_region_are_an_error_before_any_resource():
    raw = gcp_environment(zones=["europe-west4-a"])
    with pytest.raises(PlanError, match=r"clusters\[0\]\.zones: must be zones of us-central1; got \['europe-west4-a'\]"):
        plan_environment(raw)


def test_an_unsupported_tpu_topology_is_a_config_error_naming_the_valid_ones():
    raw = gcp_environment(tpu_slices=[{"name": "odd", "generation": "v5e", "topology": "3x3"}])
    with pytest.raises(StackConfigError, match=r"tpu_slices\[0\]\.topology: unknown TPU topology '3x3' for v5e.*2x4"):
        environment_from_config(raw, "test")


def test_a_tpu_slice_zone_outside_the_region_is_an_error():
    raw = gcp_environment(tpu_slices=[{"name": "v5e", "generation": "v5e", "topology": "2x2", "zones": ["us-west4-a"]}])
    with pytest.raises(PlanError, match=r"tpu_slices\[0\]\.zones: must be zones of the cluster's region us-central1"):
        plan_environment(raw)


# --- TPU slices -------------------------------------------------------------------------------


def test_gke_tpu_single_host_v5e_slice(gke_tpu):
    pool = node_pool(gke_tpu, "v5e-2x4")
    config = pool["nodeConfig"]
    assert config["machineType"] == "ct5lp-hightpu-8t"  # 2x4 = 8 chips on one host
    assert pool["nodeLocations"] == ["us-west4-a"]
    assert pool["autoscaling"] == {"totalMinNodeCount": 1.0, "totalMaxNodeCount": 2.0, "locationPolicy": "ANY"}
    assert "placementPolicy" not in pool and "guestAccelerators" not in config
    assert config["taints"] == [{"key": "google.com/tpu", "value": "present", "effect": "NO_SCHEDULE"}]
    assert config["labels"] == {"hangar.dev/pool": "v5e-2x4", "hangar.dev/tpu": "v5e", "hangar.dev/environment": "gke-tpu"}
    assert config["resourceLabels"]["hangar-dev_environment"] == "gke-tpu"
    assert len(gke_tpu.of_type("hangar:gcp:TpuSlice")) == 1 and not gke_tpu.of_type("hangar:gcp:GpuNodePool")


def test_single_host_slices_are_one_autoscaled_pool(tpu_plan):
    plan, _ = tpu_plan
    v5e = node_pool(plan, "v5e-single")
    assert v5e["nodeConfig"]["machineType"] == "ct5lp-hightpu-8t"
    assert v5e["autoscaling"]["totalMaxNodeCount"] == 3.0 and v5e["initialNodeCount"] == 0.0
    v5p = node_pool(plan, "v5p-single")
    assert v5p["nodeConfig"]["machineType"] == "ct5p-hightpu-4t"
    assert "placementPolicy" not in v5p and v5p["nodeLocations"] == ["us-central1-a"]


def test_multi_host_slices_are_one_compact_pool_per_slice(tpu_plan):
    plan, _ = tpu_plan
    fixed, scaled = node_pool(plan, "v5e-multi-0"), node_pool(plan, "v5e-multi-1")
    for pool in (fixed, scaled):
        assert pool["nodeConfig"]["machineType"] == "ct5lp-hightpu-4t"
        assert pool["placementPolicy"] == {"type": "COMPACT", "tpuTopology": "4x4"}
        assert pool["nodeConfig"]["spot"] is True
    assert fixed["nodeCount"] == 4.0 and "autoscaling" not in fixed  # min_slices: always there, 4x4 = 16 chips on 4 hosts
    assert scaled["autoscaling"] == {"minNodeCount": 0.0, "maxNodeCount": 4.0} and scaled["initialNodeCount"] == 0.0
    assert (fixed["nodeLocations"], scaled["nodeLocations"]) == (["us-central1-a"], ["us-central1-a"])  # one zone per slice

    v5p = node_pool(plan, "v5p-multi-0")
    assert (v5p["nodeConfig"]["machineType"], v5p["nodeCount"]) == ("ct5p-hightpu-4t", 16.0)  # 4x4x4 = 64 chips
    assert v5p["placementPolicy"] == {"type": "COMPACT", "tpuTopology": "4x4x4"}
    assert v5p["nodeConfig"]["reservationAffinity"] == {"consumeReservationType": "ANY_RESERVATION"}

    v6e, v6e_next = node_pool(plan, "v6e-multi-0"), node_pool(plan, "v6e-multi-1")
    assert (v6e["nodeConfig"]["machineType"], v6e["autoscaling"]["maxNodeCount"]) == ("ct6e-standard-4t", 8.0)
    assert v6e["placementPolicy"]["tpuTopology"] == "4x8"
    assert (v6e["nodeLocations"], v6e_next["nodeLocations"]) == (["us-central1-b"], ["us-central1-c"])  # slice i in zone i mod zones


def test_tpu7x_multi_host_slices_use_a_workload_policy(tpu_plan):
    plan, _ = tpu_plan
    (policy,) = plan.of_type("gcp:compute/resourcePolicy:ResourcePolicy")
    assert policy.inputs["workloadPolicy"] == {"type": "HIGH_THROUGHPUT", "acceleratorTopology": "2x2x2"}
    pool = node_pool(plan, "ironwood-0")
    assert pool["nodeConfig"]["machineType"] == "tpu7x-standard-4t" and pool["autoscaling"]["maxNodeCount"] == 2.0
    assert pool["placementPolicy"]["type"] == "COMPACT" and "tpuTopology" not in pool["placementPolicy"]
    assert pool["placementPolicy"]["policyName"]


def test_tpu_pools_expose_placement_with_hosts_per_replica(tpu_plan):
    _, cluster = tpu_plan
    single, multi, big = cluster.pools["v5e-single"], cluster.pools["v5e-multi"], cluster.pools["v5p-multi"]
    assert single.node_selector == {
        "hangar.dev/pool": "v5e-single",
        "cloud.google.com/gke-tpu-accelerator": "tpu-v5-lite-podslice",
        "cloud.google.com/gke-tpu-topology": "2x4",
    }
    assert (single.accelerator_resource, single.accelerators_per_node, single.hosts_per_replica) == ("google.com/tpu", 8, 1)
    assert (multi.accelerators_per_node, multi.hosts_per_replica) == (4, 4)
    assert big.node_selector["cloud.google.com/gke-tpu-accelerator"] == "tpu-v5p-slice" and big.hosts_per_replica == 16
    assert single.tolerations == ({"key": "google.com/tpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},)
    assert set(cluster.pools) == {"l4", *(s["name"] for s in TPU_SLICES)}


# --- the provider's real property names and values -----------------------------------------------

# Enum values as the GKE / Compute Engine / Cloud KMS APIs define them: the SDK types these properties
# as plain strings, so nothing else checks them. Sources: the SDK's docstrings where it lists them
# (cross-checked below), else the container/v1 REST reference (NodeTaint.Effect,
# WorkloadMetadataConfig.Mode, NodeConfig.imageType, Cluster.datapathProvider).
ALLOWED_VALUES: dict[tuple[str, str], set[Any]] = {
    (NODE_POOL, "nodeConfig.taints[].effect"): {"NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE"},
    (NODE_POOL, "nodeConfig.workloadMetadataConfig.mode"): {"GKE_METADATA", "GCE_METADATA", "MODE_UNSPECIFIED"},
    (NODE_POOL, "nodeConfig.guestAccelerators[].gpuDriverInstallationConfig.gpuDriverVersion"): {
        "GPU_DRIVER_VERSION_UNSPECIFIED", "INSTALLATION_DISABLED", "DEFAULT", "LATEST"
    },
    (NODE_POOL, "nodeConfig.reservationAffinity.consumeReservationType"): {
        "NO_RESERVATION", "ANY_RESERVATION", "SPECIFIC_RESERVATION", "ANY_RESERVATION_THEN_FAIL"
    },
    (NODE_POOL, "nodeConfig.imageType"): {"COS_CONTAINERD", "UBUNTU_CONTAINERD"},
    (NODE_POOL, "nodeConfig.diskType"): {"pd-standard", "pd-balanced", "pd-ssd", "hyperdisk-balanced"},
    (NODE_POOL, "autoscaling.locationPolicy"): {"BALANCED", "ANY"},
    (NODE_POOL, "placementPolicy.type"): {"COMPACT"},
    (CLUSTER, "releaseChannel.channel"): {"RAPID", "REGULAR", "STABLE", "EXTENDED"},
    (CLUSTER, "databaseEncryption.state"): {"ENCRYPTED", "DECRYPTED"},
    (CLUSTER, "networkingMode"): {"VPC_NATIVE", "ROUTES"},
    (CLUSTER, "datapathProvider"): {"LEGACY_DATAPATH", "ADVANCED_DATAPATH"},
    (CLUSTER, "ipAllocationPolicy.stackType"): {"IPV4", "IPV4_IPV6"},
    (CLUSTER, "loggingConfig.enableComponents[]"): {"SYSTEM_COMPONENTS", "KCP_VPA", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "WORKLOADS"},
    (CLUSTER, "monitoringConfig.enableComponents[]"): {"SYSTEM_COMPONENTS", "APISERVER", "SCHEDULER", "CONTROLLER_MANAGER", "STORAGE", "HPA", "POD", "DAEMONSET", "DEPLOYMENT", "STATEFULSET", "KUBELET", "CADVISOR", "DCGM", "JOBSET"},
    ("gcp:compute/network:Network", "routingMode"): {"REGIONAL", "GLOBAL"},
    (NAT, "natIpAllocateOption"): {"MANUAL_ONLY", "AUTO_ONLY"},
    (NAT, "sourceSubnetworkIpRangesToNat"): {"ALL_SUBNETWORKS_ALL_IP_RANGES", "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES", "LIST_OF_SUBNETWORKS"},
    (NAT, "subnetworks[].sourceIpRangesToNats[]"): {"ALL_IP_RANGES", "LIST_OF_SECONDARY_IP_RANGES", "PRIMARY_IP_RANGE"},
    (NAT, "logConfig.filter"): {"ERRORS_ONLY", "TRANSLATIONS_ONLY", "ALL"},
    ("gcp:kms/cryptoKey:CryptoKey", "purpose"): {"ENCRYPT_DECRYPT"},
    ("gcp:compute/resourcePolicy:ResourcePolicy", "workloadPolicy.type"): {"HIGH_AVAILABILITY", "HIGH_THROUGHPUT"},
}


@pytest.fixture(scope="module")
def variant_plans(gke_dev, gke_tpu, tpu_plan) -> list[Plan]:
    """The example stacks and every network variant: together they make every kind of GCP resource."""
    return [
        gke_dev,
        gke_tpu,
        tpu_plan[0],
        plan_environment({**gcp_environment(network={"egress": "none"}, registry_mirror="us-docker.pkg.dev/ml-dev/mirror", chart_repository="oci://us-docker.pkg.dev/ml-dev/charts"), "tier": "prod"})[0],
        plan_environment(gcp_environment(network={"public_api_endpoint": True, "authorized_cidrs": ["203.0.113.0/24"]}))[0],
        plan_environment(gcp_environment(network={"existing_network_id": "net", "existing_subnet_ids": ["sub"]}))[0],
        plan_environment(gcp_environment(node_pools=[{"name": "h100", "gpu": "H100-SXM", "gpus_per_node": 8, "capacity": "reserved", "max_nodes": 1}]))[0],
    ]


def test_every_gcp_input_is_a_property_of_the_sdk_resource(variant_plans):
    problems, seen = [], set()
    for plan in variant_plans:
        for record in plan:
            if record.type.startswith("gcp:") or record.type == "pulumi:providers:gcp":
                seen.add(record.type)
                problems += record_problems(record)
    assert problems == []
    assert seen == {  # every kind of GCP resource the target makes was checked
        "pulumi:providers:gcp",
        "gcp:compute/network:Network",
        SUBNET,
        ROUTER,
        NAT,
        "gcp:compute/resourcePolicy:ResourcePolicy",
        "gcp:kms/keyRing:KeyRing",
        "gcp:kms/cryptoKey:CryptoKey",
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
        "gcp:projects/serviceIdentity:ServiceIdentity",
        "gcp:serviceaccount/account:Account",
        "gcp:projects/iAMMember:IAMMember",
        "gcp:serviceaccount/iAMMember:IAMMember",  # KEDA's Workload Identity for GKE Managed Prometheus (hangar.components.metrics)
        CLUSTER,
        NODE_POOL,
    }


def test_the_property_check_catches_a_misspelt_nested_property(gke_dev):
    import pulumi_gcp as gcp

    _, args = sdk_classes(NODE_POOL)
    assert args is gcp.container.NodePoolArgs
    inputs = copy.deepcopy(node_pool(gke_dev, "l4-spot"))
    assert unknown_properties(inputs, args, "pool") == []
    inputs["nodeLocation"] = inputs.pop("nodeLocations")
    inputs["nodeConfig"]["guestAccelerators"][0]["gpuDriverInstallation"] = {}
    inputs["autoscaling"]["maxNodes"] = 2
    assert sorted(unknown_properties(inputs, args, "pool")) == [
        "pool.autoscaling.maxNodes", "pool.nodeConfig.guestAccelerators[0].gpuDriverInstallation", "pool.nodeLocation"
    ]


def test_enum_values_are_the_apis_own(variant_plans):
    assert_enum_values(variant_plans, ALLOWED_VALUES)


def test_the_sdk_documents_the_enum_values_it_lists():
    """Where the installed SDK's docstrings list valid values, ours are among them (a cross-check of the table above)."""
    import pulumi_gcp as gcp

    container, compute = gcp.container, gcp.compute
    documented = {
        # The same GKE field; the SDK lists its values on the cluster's node-pool block, not on NodePool's.
        (container.ClusterNodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs, "gpu_driver_version"): ["DEFAULT", "LATEST"],
        (container.NodePoolNodeConfigReservationAffinityArgs, "consume_reservation_type"): ["ANY_RESERVATION"],
        (container.NodePoolAutoscalingArgs, "location_policy"): ["BALANCED", "ANY"],
        (container.NodePoolPlacementPolicyArgs, "type"): ["COMPACT"],
        (container.ClusterReleaseChannelArgs, "channel"): ["REGULAR", "STABLE"],
        (container.ClusterDatabaseEncryptionArgs, "state"): ["ENCRYPTED"],
        (container.ClusterArgs, "datapath_provider"): ["ADVANCED_DATAPATH"],
        (container.ClusterArgs, "networking_mode"): ["VPC_NATIVE"],
        (container.ClusterLoggingConfigArgs, "enable_components"): ["SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS"],
        (container.ClusterMonitoringConfigArgs, "enable_components"): ["SYSTEM_COMPONENTS"],
        (compute.RouterNatArgs, "nat_ip_allocate_option"): ["AUTO_ONLY"],
        (compute.RouterNatArgs, "source_subnetwork_ip_ranges_to_nat"): ["LIST_OF_SUBNETWORKS"],
        (compute.RouterNatSubnetworkArgs, "source_ip_ranges_to_nats"): ["ALL_IP_RANGES"],
        (compute.RouterNatLogConfigArgs, "filter"): ["ERRORS_ONLY"],
        (compute.ResourcePolicyWorkloadPolicyArgs, "type"): ["HIGH_THROUGHPUT"],
    }
    for (args, prop), values in documented.items():
        doc = documentation(args, prop)
        for value in values:
            assert re.search(rf"(?<![A-Z_]){value}(?![A-Z_])", doc), f"{args.__name__}.{prop}: {value} not in its documentation: {doc!r}"
