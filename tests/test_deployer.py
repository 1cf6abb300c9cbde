"""The declared deployer: config errors when it has no way into an API server, and the resources that open its way in.

Per cloud: the EKS cluster security-group rule and access entries, GKE's DNS-based endpoint and
master authorized networks, AKS authorized ranges and a kubelogin login that needs no person.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from hangar.components.azure_access import kubelogin_kubeconfig

from hangar.mocks import _aks_kubeconfig
from hangar.plan import plan_program, plan_stack
from hangar.records import Plan
from hangar.spec import Deployer
from hangar.stackfile import environment_from_config, read_environment, read_project
from tests.azure_plans import AZURE_ENVIRONMENT
from tests.config_errors import config_problems
from tests.conftest import AWS_ENVIRONMENT, EXAMPLE_STACKS, ROOT
from tests.gcp_plans import GCP_ENVIRONMENT
from tests.gcp_plans import plan_environment as plan_gcp
from tests.program_plans import plan_environment as plan_azure

SG_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
RUNNER = {"kind": "self-hosted-runner", "runner_labels": ["self-hosted", "linux", "infra"], "source_cidrs": ["10.100.0.0/24"]}


def environment(base: dict[str, Any], deployer: dict[str, Any] | None, **network: Any) -> dict[str, Any]:
    raw = copy.deepcopy(base)
    if deployer is not None:
        raw["deployer"] = deployer
    if network:
        raw["clusters"][0]["network"] = network
    return raw


# --- config errors -------------------------------------------------------------------------------------


def test_a_private_eks_cluster_and_a_github_hosted_deployer_is_an_error_naming_the_keys():
    [line] = config_problems(environment(AWS_ENVIRONMENT, {"kind": "github-hosted"}))
    assert line.startswith("Pulumi.test.yaml: hangar:environment.deployer.kind: cluster 'main' (clusters[0]) has a private API endpoint")
    assert "clusters[0].network.public_api_endpoint: false" in line and line.endswith("got 'github-hosted'")


@pytest.mark.parametrize(
    ("base", "deployer", "network", "key", "says"),
    [
        (AWS_ENVIRONMENT, {**RUNNER, "source_cidrs": []}, {}, "deployer.source_cidrs", "the cluster security group admits the deployer only from its addresses"),
        (AWS_ENVIRONMENT, {**RUNNER, "source_cidrs": ["10.40.8.0/24"]}, {}, "deployer.source_cidrs", "inside clusters[0].network.cidr 10.40.0.0/16, a network this stack creates"),
        (AWS_ENVIRONMENT, {"kind": "pulumi-deployments"}, {}, "deployer.kind", "a pulumi-deployments deployer cannot reach"),
        (GCP_ENVIRONMENT, {"kind": "github-hosted"}, {}, "deployer.kind", "open GKE's DNS-based endpoint (deployer.gke_dns_endpoint: true)"),
        (GCP_ENVIRONMENT, {**RUNNER, "source_cidrs": []}, {}, "deployer.source_cidrs", "master authorized networks admit the deployer only from its addresses"),
        (AZURE_ENVIRONMENT, RUNNER, {}, "clusters[0].network.existing_network_id", "a private AKS cluster in a VNet this stack creates"),
        (AZURE_ENVIRONMENT, {"kind": "github-hosted"}, {}, "deployer.kind", "run it inside the cluster's VNet"),
        (
            AZURE_ENVIRONMENT, {"kind": "github-hosted", "source_cidrs": ["10.100.0.0/24"]},
            {"public_api_endpoint": True, "authorized_cidrs": ["203.0.113.0/28"]}, "deployer.source_cidrs", "name the deployer's public egress addresses",
        ),
        (AWS_ENVIRONMENT, {"kind": "github-hosted", "gke_dns_endpoint": True}, {}, "deployer.gke_dns_endpoint", "this environment has no gcp cluster"),
        (GCP_ENVIRONMENT, {"kind": "github-hosted", "gke_dns_endpoint": True, "eks_role_arn": "arn:aws:iam::111122223333:role/d"}, {}, "deployer.eks_role_arn", "EKS access entries need an aws cluster"),
    ],
    ids=[
        "eks-runner-without-cidrs", "eks-runner-inside-the-new-vpc", "eks-hosted-deployments", "gke-hosted-without-dns", "gke-runner-without-cidrs",
        "aks-private-in-a-new-vnet", "aks-hosted", "aks-public-without-a-public-address", "dns-endpoint-without-gke", "eks-role-without-eks",
    ],
)
def test_no_way_in_is_a_config_error(base, deployer, network, key, says):
    lines = config_problems(environment(base, deployer, **network))
    assert any(line.startswith(f"Pulumi.test.yaml: hangar:environment.{key}: ") and says in line for line in lines), lines


@pytest.mark.parametrize(
    ("deployer", "key", "says"),
    [
        ({"kind": "self-hosted-runner", "runner_labels": ["linux", "infra"], "source_cidrs": ["10.100.0.0/24"]}, "runner_labels", "start with 'self-hosted'"),
        ({"kind": "self-hosted-runner", "runner_labels": ["self-hosted", "ubuntu-latest"], "source_cidrs": ["10.100.0.0/24"]}, "runner_labels", "GitHub-hosted image labels"),
        ({"kind": "github-hosted", "runner_labels": ["self-hosted"]}, "runner_labels", "use kind self-hosted-runner"),
        ({"kind": "operator", "runner_labels": ["self-hosted"]}, "runner_labels", "kind operator runs no GitHub job"),
        ({"kind": "operator", "agent_pool": "pool-1"}, "agent_pool", "belongs to kind pulumi-deployments"),
        ({**RUNNER, "source_cidrs": ["0.0.0.0/0"]}, "source_cidrs[0]", "0.0.0.0/0 is everyone"),
        ({**RUNNER, "eks_role_arn": "arn:aws:iam::111122223333:user/me"}, "eks_role_arn", "String should match pattern"),
        ({"kind": "cron"}, "kind", "Input should be"),
    ],
)
def test_a_deployer_that_contradicts_itself_is_refused(deployer, key, says):
    lines = config_problems(environment(AWS_ENVIRONMENT, deployer))
    assert any(line.startswith(f"Pulumi.test.yaml: hangar:environment.deployer.{key}: ") and says in line for line in lines), lines


def test_an_on_prem_cluster_needs_a_deployer_on_the_site():
    onprem = yaml.safe_load((ROOT / "stacks" / "Pulumi.onprem.yaml").read_text())["config"]["hangar:environment"]
    onprem["deployer"] = {"kind": "github-hosted"}
    [line] = config_problems(onprem)
    assert "hangar:environment.deployer.kind: cluster 'dc1' (clusters[0]) is on-prem" in line


def test_ways_in_that_are_accepted():
    accepted = [
        environment(AWS_ENVIRONMENT, None),  # undeclared: the policy pack's reachable-control-plane rule judges it
        environment(AWS_ENVIRONMENT, RUNNER),
        environment(AWS_ENVIRONMENT, {"kind": "operator"}),
        environment(AWS_ENVIRONMENT, {"kind": "pulumi-deployments", "agent_pool": "pool-1", "source_cidrs": ["10.100.0.0/24"]}),
        environment(AWS_ENVIRONMENT, {"kind": "github-hosted", "source_cidrs": ["198.51.100.0/28"]}, public_api_endpoint=True, authorized_cidrs=["203.0.113.0/28"]),
        environment(GCP_ENVIRONMENT, {"kind": "github-hosted", "gke_dns_endpoint": True}),
        environment(AZURE_ENVIRONMENT, RUNNER, existing_network_id="/subscriptions/0/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/infra", existing_subnet_ids=["aks"]),
    ]
    for raw in accepted:
        assert environment_from_config(raw, "test").name == "test"


def test_every_example_declares_where_pulumi_up_runs():
    kinds = {stack: read_environment(read_project(ROOT), stack).deployer for stack in EXAMPLE_STACKS}
    assert all(kinds.values()), kinds
    assert {stack: deployer.kind for stack, deployer in kinds.items()} == {
        "aks-staging": "github-hosted", "edge": "self-hosted-runner", "eks-prod": "self-hosted-runner",
        "gke-chat": "github-hosted", "gke-dev": "github-hosted", "gke-tpu": "github-hosted", "onprem": "operator",
    }
    assert kinds["eks-prod"].runs_on == ["self-hosted", "linux", "x64", "hangar-prod-us-east-1"]
    assert kinds["gke-dev"].runs_on == ["ubuntu-latest"] and kinds["onprem"].runs_on == []


def test_what_the_deployer_section_derives():
    runner = Deployer.model_validate({**RUNNER, "source_cidrs": ["10.100.0.0/24", "198.51.100.0/28", "100.64.0.0/16"]})
    assert runner.in_network and runner.azure_login == "azurecli"
    assert [str(c) for c in runner.public_source_cidrs] == ["198.51.100.0/28"]  # RFC 1918 and RFC 6598 ranges never reach a public endpoint
    assert Deployer(kind="operator").azure_login == "workloadidentity"
    assert not Deployer(kind="pulumi-deployments").in_network and Deployer(kind="pulumi-deployments", agent_pool="p").in_network


# --- EKS ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eks_prod() -> Plan:
    return plan_stack(ROOT, "eks-prod")


def test_eks_admits_the_runner_on_443_through_the_cluster_security_group(eks_prod):
    [rule] = eks_prod.of_type(SG_RULE)
    assert {k: rule.inputs[k] for k in ("securityGroupId", "cidrIpv4", "fromPort", "toPort", "ipProtocol")} == {
        "securityGroupId": "sg-prod",  # the cluster's own: vpcConfig.clusterSecurityGroupId
        "cidrIpv4": "10.100.0.0/24",
        "fromPort": 443,
        "toPort": 443,
        "ipProtocol": "tcp",
    }
    assert rule.inputs["tags"]["hangar.dev/environment"] == "eks-prod"


def test_eks_access_entries_for_the_deployer_and_admin_roles(eks_prod):
    entries = {r.inputs["principalArn"]: r for r in eks_prod.of_type(ACCESS_ENTRY)}
    assert set(entries) == {"arn:aws:iam::111122223333:role/hangar-deployer", "arn:aws:iam::111122223333:role/platform-admin"}
    assert all(r.inputs["type"] == "STANDARD" and r.inputs["clusterName"] == "eks-prod-prod" for r in entries.values())
    associations = {r.inputs["principalArn"]: r for r in eks_prod.of_type(ASSOCIATION)}
    assert set(associations) == set(entries)
    for arn, association in associations.items():
        assert association.inputs["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        assert association.inputs["accessScope"] == {"type": "cluster"}
        assert entries[arn].urn in association.dependencies
    cluster = eks_prod.of_type("aws:eks/cluster:Cluster")[0].inputs
    # the deployer's role has its own entry: the creator's implicit one (the same principal) is not made
    assert cluster["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}


def test_kubernetes_objects_wait_for_the_deployers_way_in(eks_prod):
    [provider] = eks_prod.of_type("pulumi:providers:kubernetes")
    [rule] = eks_prod.of_type(SG_RULE)
    deployer = next(r for r in eks_prod.of_type(ASSOCIATION) if r.inputs["principalArn"].endswith("/hangar-deployer"))
    assert {rule.urn, deployer.urn} <= set(provider.dependencies)


def test_an_undeclared_deployer_keeps_the_creator_as_admin_and_opens_nothing():
    plan = plan_program_for(environment(AWS_ENVIRONMENT, None))
    assert not plan.of_type(SG_RULE) and not plan.of_type(ACCESS_ENTRY)
    assert plan.of_type("aws:eks/cluster:Cluster")[0].inputs["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is True


def test_a_public_eks_endpoint_admits_the_authorized_and_the_deployers_public_cidrs():
    deployer = {"kind": "github-hosted", "source_cidrs": ["198.51.100.0/28"]}
    plan = plan_program_for(environment(AWS_ENVIRONMENT, deployer, public_api_endpoint=True, authorized_cidrs=["203.0.113.0/28"]))
    vpc = plan.of_type("aws:eks/cluster:Cluster")[0].inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["publicAccessCidrs"] == ["203.0.113.0/28", "198.51.100.0/28"]


def plan_program_for(raw: dict[str, Any]) -> Plan:
    from hangar.components.program import build_stack

    return plan_program(build_stack, project="hangar", stack="test", config={"hangar:environment": raw})


# --- GKE ----------------------------------------------------------------------------------------------------


def test_gke_dev_opens_the_dns_endpoint_and_its_kubeconfig_uses_it():
    plan = plan_stack(ROOT, "gke-dev")
    cluster = plan.of_type("gcp:container/cluster:Cluster")[0].inputs
    assert cluster["controlPlaneEndpointsConfig"] == {"dnsEndpointConfig": {"allowExternalTraffic": True}}
    assert cluster["privateClusterConfig"]["enablePrivateEndpoint"] is True  # the IP endpoint stays private
    [provider] = plan.of_type("pulumi:providers:kubernetes")
    [entry] = json.loads(provider.inputs["kubeconfig"])["clusters"]
    # the DNS endpoint's certificate is publicly trusted: no cluster CA, as gcloud writes it
    assert entry["cluster"] == {"server": "https://gke-dev-offline.us-central1.gke.goog"}


def test_a_gke_runner_is_admitted_by_master_authorized_networks_and_keeps_the_ip_endpoint():
    plan, _ = plan_gcp(environment(GCP_ENVIRONMENT, RUNNER))
    cluster = plan.of_type("gcp:container/cluster:Cluster")[0].inputs
    assert [block["cidrBlock"] for block in cluster["masterAuthorizedNetworksConfig"]["cidrBlocks"]] == ["10.40.0.0/16", "10.100.0.0/24"]
    assert "controlPlaneEndpointsConfig" not in cluster
    [provider] = plan.of_type("pulumi:providers:kubernetes")
    [entry] = json.loads(provider.inputs["kubeconfig"])["clusters"]
    assert entry["cluster"]["server"] == "https://10.0.0.2" and "certificate-authority-data" in entry["cluster"]


# --- AKS ----------------------------------------------------------------------------------------------------


def test_a_private_aks_cluster_in_the_runners_vnet_stays_private():
    vnet = "/subscriptions/0/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/infra"
    plan = plan_azure(environment(AZURE_ENVIRONMENT, RUNNER, existing_network_id=vnet, existing_subnet_ids=[f"{vnet}/subnets/aks"]))
    profile = plan.of_type("azure-native:containerservice:ManagedCluster")[0].inputs["apiServerAccessProfile"]
    assert profile == {"enablePrivateCluster": True, "enablePrivateClusterPublicFQDN": False, "privateDNSZone": "system"}


def test_kubelogin_logs_in_without_a_person():
    aks = _aks_kubeconfig({"resourceName": "prod"})  # as listManagedClusterUserCredentials returns it: device code
    assert "devicecode" in aks
    for login in ("azurecli", "workloadidentity"):
        [user] = yaml.safe_load(kubelogin_kubeconfig(aks, login))["users"]
        assert user["user"]["exec"]["args"] == ["get-token", "--login", login, "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]
    broken = aks.replace("--server-id", "--tenant-id")
    with pytest.raises(ValueError, match="names no --server-id"):
        kubelogin_kubeconfig(broken, "azurecli")
