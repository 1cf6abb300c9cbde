"""The AWS target under the mock runtime: what the eks-prod stack and variants of it register.

Inputs are read back as the engine sees them (wire form) and compared with the installed
pulumi_aws SDK's own property names, so a misspelt property fails here, not at `pulumi up`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pulumi._types as pulumi_types
import pytest

from hangar.catalog import load_catalog
from hangar.plan import plan_program, plan_stack
from hangar.records import Plan, ResourceRecord
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.conftest import ROOT
from tests.program_plans import plan_environment
from tests.provider_schema import assert_enum_values, sdk_classes, unknown_properties

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SUBNET = "aws:ec2/subnet:Subnet"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}

# Enum values as the AWS APIs define them (botocore service models eks/2017-11-01 and ec2/2016-11-15,
# botocore 1.43): the SDK types these properties as plain strings, so nothing else checks them.
ALLOWED_VALUES: dict[tuple[str, str], set[Any]] = {
    (NODE_GROUP, "amiType"): {
        "AL2_x86_64",
        "AL2_x86_64_GPU",
        "AL2_ARM_64",
        "CUSTOM",
        "BOTTLEROCKET_ARM_64",
        "BOTTLEROCKET_x86_64",
        "BOTTLEROCKET_ARM_64_FIPS",
        "BOTTLEROCKET_x86_64_FIPS",
        "BOTTLEROCKET_ARM_64_NVIDIA",
        "BOTTLEROCKET_x86_64_NVIDIA",
        "BOTTLEROCKET_ARM_64_NVIDIA_FIPS",
        "BOTTLEROCKET_x86_64_NVIDIA_FIPS",
        "AL2023_x86_64_STANDARD",
        "AL2023_ARM_64_STANDARD",
        "AL2023_x86_64_NEURON",
        "AL2023_x86_64_NVIDIA",
        "AL2023_ARM_64_NVIDIA",
    },
    (NODE_GROUP, "capacityType"): {"ON_DEMAND", "SPOT", "CAPACITY_BLOCK"},
    (NODE_GROUP, "taints[].effect"): {"NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"},
    ("aws:eks/cluster:Cluster", "accessConfig.authenticationMode"): {"API", "API_AND_CONFIG_MAP", "CONFIG_MAP"},
    ("aws:eks/cluster:Cluster", "enabledClusterLogTypes[]"): {"api", "audit", "authenticator", "controllerManager", "scheduler"},
    ("aws:eks/cluster:Cluster", "upgradePolicy.supportType"): {"STANDARD", "EXTENDED"},
    ("aws:eks/addon:Addon", "resolveConflictsOnCreate"): {"NONE", "OVERWRITE"},
    ("aws:eks/addon:Addon", "resolveConflictsOnUpdate"): {"NONE", "OVERWRITE", "PRESERVE"},
    (LAUNCH_TEMPLATE, "metadataOptions.httpTokens"): {"optional", "required"},
    (LAUNCH_TEMPLATE, "metadataOptions.httpEndpoint"): {"enabled", "disabled"},
    (LAUNCH_TEMPLATE, "blockDeviceMappings[].ebs.volumeType"): {"standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"},
    (LAUNCH_TEMPLATE, "tagSpecifications[].resourceType"): {"instance", "volume", "network-interface", "spot-instances-request"},
    (LAUNCH_TEMPLATE, "capacityReservationSpecification.capacityReservationPreference"): {"open", "none"},
    (ENDPOINT, "vpcEndpointType"): {"Gateway", "GatewayLoadBalancer", "Interface", "Resource", "ServiceNetwork"},
    ("aws:ec2/natGateway:NatGateway", "connectivityType"): {"public", "private"},
    ("aws:ec2/eip:Eip", "domain"): {"vpc", "standard"},
}


# --- helpers --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eks_prod() -> Plan:
    return plan_stack(ROOT, "eks-prod")


def _type_of(urn: str | None) -> str:
    """The resource type at the end of a URN's type chain."""
    return urn.split("::")[2].split("$")[-1] if urn else ""


def gpu_node_groups(plan: Plan) -> list[ResourceRecord]:
    return [r for r in plan.of_type(NODE_GROUP) if r.inputs["amiType"].endswith("NVIDIA")]


# --- the eks-prod example ---------------------------------------------------------------------------


def test_eks_prod_registers_a_complete_private_cluster(eks_prod):
    counts = eks_prod.count_by_type()
    for token in ("hangar:aws:GpuCluster", "hangar:aws:Network", "hangar:aws:Cluster", "hangar:aws:GpuNodePool"):
        assert counts[token] == 1, token
    assert counts["aws:eks/cluster:Cluster"] == 1
    assert counts[NODE_GROUP] == 2  # the system node group and the h100 pool
    assert counts["aws:ec2/natGateway:NatGateway"] == 3  # prod: one NAT per zone
    assert counts["pulumi:providers:kubernetes"] == 1
    provider = eks_prod.of_type("pulumi:providers:aws")[0]
    assert provider.inputs["region"] == "us-east-1"
    assert all(r.provider and r.provider.startswith(provider.urn) for r in eks_prod if r.type.startswith("aws:"))


def test_the_api_endpoint_is_private_with_encrypted_secrets_and_audit_logs(eks_prod):
    cluster = eks_prod.of_type("aws:eks/cluster:Cluster")[0].inputs
    assert cluster["vpcConfig"]["endpointPrivateAccess"] is True
    assert cluster["vpcConfig"]["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in cluster["vpcConfig"]
    assert cluster["encryptionConfig"]["resources"] == ["secrets"]
    key = eks_prod.of_type("aws:kms/key:Key")[0]
    assert cluster["encryptionConfig"]["provider"]["keyArn"].endswith(key.name) and key.inputs["enableKeyRotation"] is True
    assert set(cluster["enabledClusterLogTypes"]) >= {"api", "audit", "authenticator"}
    assert cluster["accessConfig"]["authenticationMode"] == "API"
    log_group = eks_prod.of_type("aws:cloudwatch/logGroup:LogGroup")[0].inputs
    assert log_group["name"] == f"/aws/eks/{cluster['name']}/cluster" and log_group["retentionInDays"] > 0
    oidc = eks_prod.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")[0].inputs
    assert oidc["url"].startswith("https://oidc.eks.") and oidc["clientIdLists"] == ["sts.amazonaws.com"]


def test_nodes_get_no_public_ips_and_no_ssh(eks_prod):
    subnets = {f"{r.name}-id": r for r in eks_prod.of_type(SUBNET)}
    assert all(r.inputs["mapPublicIpOnLaunch"] is False for r in subnets.values())
    private = {sid for sid, r in subnets.items() if r.inputs["tags"].get("kubernetes.io/role/internal-elb") == "1"}
    assert len(private) == 3
    for group in eks_prod.of_type(NODE_GROUP):
        assert set(group.inputs["subnetIds"]) <= private, group.name
        assert "remoteAccess" not in group.inputs
    cluster = eks_prod.of_type("aws:eks/cluster:Cluster")[0].inputs
    assert set(cluster["vpcConfig"]["subnetIds"]) == private
    for template in eks_prod.of_type(LAUNCH_TEMPLATE):
        assert "keyName" not in template.inputs and "networkInterfaces" not in template.inputs


def test_the_gpu_pool_is_tainted_labelled_and_bounded(eks_prod):
    [group] = gpu_node_groups(eks_prod)
    inputs = group.inputs
    assert inputs["instanceTypes"] == ["p5.48xlarge"]
    assert inputs["amiType"] == "AL2023_x86_64_NVIDIA"
    assert inputs["capacityType"] == "ON_DEMAND"
    assert inputs["scalingConfig"] == {"minSize": 1, "maxSize": 2, "desiredSize": 1}
    assert GPU_TAINT in inputs["taints"]
    assert inputs["labels"]["hangar.dev/pool"] == "h100" and inputs["labels"]["hangar.dev/gpu"] == "H100-SXM"
    assert "k8s.amazonaws.com/accelerator" in inputs["labels"]
    system = next(r for r in eks_prod.of_type(NODE_GROUP) if r is not group).inputs
    assert "taints" not in system and system["labels"]["hangar.dev/pool"] == "system"
    assert system["instanceTypes"] == ["m6i.large"] and system["scalingConfig"]["minSize"] >= 2


def test_gpu_node_groups_sit_under_their_pool_component(eks_prod):
    components = {r.urn: r for r in eks_prod if not r.custom}
    for group in gpu_node_groups(eks_prod):
        parent = components[group.parent]
        assert parent.type == "hangar:aws:GpuNodePool" and parent.name.endswith(group.inputs["labels"]["hangar.dev/pool"])
    for record in eks_prod:
        if record.type.startswith("aws:"):
            assert _type_of(record.parent).startswith("hangar:aws:"), record.name


def test_launch_templates_require_imdsv2_and_encrypt_the_disk(eks_prod):
    templates = {r.name: r.inputs for r in eks_prod.of_type(LAUNCH_TEMPLATE)}
    assert len(templates) == 2
    for name, inputs in templates.items():
        assert inputs["metadataOptions"]["httpTokens"] == "required", name
        assert inputs["metadataOptions"]["httpPutResponseHopLimit"] in (1, 2)
        [disk] = inputs["blockDeviceMappings"]
        assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["volumeType"] == "gp3"
    assert templates["prod-h100"]["blockDeviceMappings"][0]["ebs"]["volumeSize"] == 500
    [group] = gpu_node_groups(eks_prod)
    assert group.inputs["launchTemplate"]["id"] == "prod-h100-id"
    assert "diskSize" not in group.inputs  # the launch template owns the disk


def test_every_taggable_resource_carries_the_environment_tags(eks_prod):
    components = {r.urn: r for r in eks_prod if not r.custom}
    taggable = 0
    for record in eks_prod:
        if not record.type.startswith("aws:"):
            continue
        _, args = sdk_classes(record.type)
        if "tags" not in pulumi_types.input_type_py_to_pulumi_names(args).values():
            continue
        taggable += 1
        tags = record.inputs.get("tags", {})
        assert tags.get("hangar.dev/environment") == "eks-prod", record.name
        assert tags.get("hangar.dev/owner") == "ml-platform" and tags.get("hangar.dev/cost-centre") == "cc-2001"
        assert tags.get("compliance") == "soc2"
        if components[record.parent].type == "hangar:aws:GpuNodePool":
            assert tags.get("hangar.dev/pool") == "h100", record.name
    assert taggable >= 30
    for template in eks_prod.of_type(LAUNCH_TEMPLATE):  # instances and volumes launched from it
        kinds = {spec["resourceType"]: spec["tags"] for spec in template.inputs["tagSpecifications"]}
        assert {"instance", "volume"} <= set(kinds)
        assert all(tags["hangar.dev/environment"] == "eks-prod" and "hangar.dev/pool" in tags for tags in kinds.values())


def test_node_roles_hold_only_the_node_policies(eks_prod):
    roles = {f"arn:aws:iam:us-east-1:123456789012:{r.name}": r for r in eks_prod.of_type(ROLE)}
    node_role_names = {r.name for r in roles.values() if "ec2.amazonaws.com" in r.inputs["assumeRolePolicy"]}
    assert node_role_names == {"prod-system", "prod-h100"}
    for group in eks_prod.of_type(NODE_GROUP):
        assert roles[group.inputs["nodeRoleArn"]].name in node_role_names
    policies: dict[str, set[str]] = {}
    for attachment in eks_prod.of_type(ATTACHMENT):
        policies.setdefault(attachment.inputs["role"], set()).add(attachment.inputs["policyArn"].rsplit("/", 1)[-1])
    for name in node_role_names:
        assert policies[name] == {"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"}, name
    # The CNI policy goes to the aws-node service account through IRSA, not to the nodes.
    cni_role = eks_prod.named("prod-vpc-cni", ROLE).inputs
    assert policies["prod-vpc-cni"] == {"AmazonEKS_CNI_Policy"}
    statement = json.loads(cni_role["assumeRolePolicy"])["Statement"][0]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert "system:serviceaccount:kube-system:aws-node" in statement["Condition"]["StringEquals"].values()
    assert eks_prod.named("prod-vpc-cni", "aws:eks/addon:Addon").inputs["serviceAccountRoleArn"].endswith("prod-vpc-cni")


def test_the_kube_provider_reads_the_clusters_kubeconfig(eks_prod):
    [provider] = eks_prod.of_type("pulumi:providers:kubernetes")
    assert _type_of(provider.parent) == "hangar:aws:GpuCluster"
    config = json.loads(provider.inputs["kubeconfig"])
    assert config["clusters"][0]["cluster"]["server"].startswith("https://")
    assert config["users"][0]["user"]["exec"]["args"][:2] == ["eks", "get-token"]


# --- variants -----------------------------------------------------------------------------------------


def test_an_air_gapped_network_uses_vpc_endpoints_and_has_no_way_out(aws_environment):
    aws_environment["clusters"][0]["network"] = {"egress": "none", "cidr": "10.50.0.0/16"}
    aws_environment["clusters"][0]["registry_mirror"] = "111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror"  # no public registry either
    aws_environment["clusters"][0]["chart_repository"] = "oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts"  # nor chart repository
    aws_environment["deployments"][0]["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.internal"}  # no Hub without egress
    plan = plan_environment(aws_environment)

    for token in ("aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/route:Route"):
        assert plan.of_type(token) == [], token
    assert len(plan.of_type(SUBNET)) == 2  # private only, one per zone
    endpoints = {r.inputs["serviceName"].removeprefix("com.amazonaws.us-east-1."): r.inputs for r in plan.of_type(ENDPOINT)}
    assert endpoints["s3"]["vpcEndpointType"] == "Gateway" and len(endpoints["s3"]["routeTableIds"]) == 2
    [group] = plan.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert group.inputs["ingress"] == [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.50.0.0/16"], "description": "HTTPS from the VPC"}]
    for service in ("ecr.api", "ecr.dkr", "sts", "ec2", "logs"):
        endpoint = endpoints[service]
        assert endpoint["vpcEndpointType"] == "Interface" and endpoint["privateDnsEnabled"] is True, service
        assert endpoint["securityGroupIds"] == [f"{group.name}-id"] and len(endpoint["subnetIds"]) == 2
    vpc = plan.of_type("aws:ec2/vpc:Vpc")[0].inputs
    assert vpc["enableDnsHostnames"] is True and vpc["enableDnsSupport"] is True


def test_dev_shares_one_nat_gateway(aws_environment):
    plan = plan_environment(aws_environment)
    assert len(plan.of_type("aws:ec2/natGateway:NatGateway")) == 1
    default_routes = [r for r in plan.of_type("aws:ec2/route:Route") if "natGatewayId" in r.inputs]
    assert len(default_routes) == 2 and {r.inputs["natGatewayId"] for r in default_routes} == {"main-us-east-1a-id"}


def test_a_public_endpoint_is_limited_to_the_authorized_cidrs(aws_environment):
    aws_environment["clusters"][0]["network"] = {"public_api_endpoint": True, "authorized_cidrs": ["203.0.113.0/24"]}
    vpc_config = plan_environment(aws_environment).of_type("aws:eks/cluster:Cluster")[0].inputs["vpcConfig"]
    assert vpc_config["endpointPublicAccess"] is True and vpc_config["endpointPrivateAccess"] is True
    assert vpc_config["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_spot_and_reserved_capacity(aws_environment):
    pools = aws_environment["clusters"][0]["node_pools"]
    pools[0]["capacity"] = "spot"
    pools[1]["capacity"] = "reserved"
    plan = plan_environment(aws_environment)
    groups = {r.inputs["labels"]["hangar.dev/pool"]: r.inputs for r in gpu_node_groups(plan)}
    assert groups["l4"]["capacityType"] == "SPOT"
    assert groups["h100"]["capacityType"] == "ON_DEMAND" and groups["h100"]["tags"]["hangar.dev/capacity"] == "reserved"
    template = plan.named("main-h100", LAUNCH_TEMPLATE).inputs
    assert template["capacityReservationSpecification"] == {"capacityReservationPreference": "open"}


def test_the_cheapest_catalog_instance_with_the_gpu_is_chosen(aws_environment):
    plan = plan_environment(aws_environment)
    groups = {r.inputs["labels"]["hangar.dev/pool"]: r.inputs for r in gpu_node_groups(plan)}
    cheapest = load_catalog().instances_for("aws", gpu="L4", gpu_count=1)[0].instance_type
    assert groups["l4"]["instanceTypes"] == [cheapest]
    assert groups["l4"]["scalingConfig"] == {"minSize": 0, "maxSize": 2, "desiredSize": 0}


def test_pool_zones_pick_their_subnets(aws_environment):
    aws_environment["clusters"][0]["node_pools"][0]["zones"] = ["us-east-1b"]
    plan = plan_environment(aws_environment)
    groups = {r.inputs["labels"]["hangar.dev/pool"]: r.inputs for r in gpu_node_groups(plan)}
    assert groups["l4"]["subnetIds"] == ["main-private-us-east-1b-id"]
    assert len(groups["h100"]["subnetIds"]) == 2


def test_a_pool_zone_outside_the_cluster_is_a_config_error(aws_environment):
    aws_environment["clusters"][0]["node_pools"][0]["zones"] = ["us-east-1f"]
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[0].zones: must be zones of the cluster, ['us-east-1a', 'us-east-1b']; got [\"us-east-1f\"]"
    ]


def test_no_zones_means_the_regions_first_three(aws_environment):
    aws_environment["clusters"][0]["zones"] = []
    plan = plan_environment(aws_environment)
    # by subnet name, not registration order (the subnets register concurrently, in no fixed order)
    zones = {r.name: r.inputs["availabilityZone"] for r in plan.of_type(SUBNET) if "-private-" in r.name}
    assert zones == {"main-private-zone-0": "us-east-1a", "main-private-zone-1": "us-east-1b", "main-private-zone-2": "us-east-1c"}


def test_node_groups_pin_the_launch_template_version(eks_prod):
    for group in eks_prod.of_type(NODE_GROUP):
        assert group.inputs["launchTemplate"]["version"].isdigit(), group.name


def test_an_existing_network_is_used_as_it_is(aws_environment):
    aws_environment["clusters"][0]["network"] = {"existing_network_id": "vpc-0abc", "existing_subnet_ids": ["subnet-1", "subnet-2"]}
    plan = plan_environment(aws_environment)
    assert plan.of_type("aws:ec2/vpc:Vpc") == [] and plan.of_type(SUBNET) == []
    assert plan.of_type("aws:eks/cluster:Cluster")[0].inputs["vpcConfig"]["subnetIds"] == ["subnet-1", "subnet-2"]
    assert all(r.inputs["subnetIds"] == ["subnet-1", "subnet-2"] for r in plan.of_type(NODE_GROUP))


def test_the_cluster_exposes_pool_placement_and_a_kube_provider(aws_environment):
    import pulumi_kubernetes as k8s
    from hangar.components.aws import AwsGpuCluster

    environment = environment_from_config(aws_environment, "test")
    built: dict[str, Any] = {}

    def program() -> None:
        built["cluster"] = AwsGpuCluster("main", environment.clusters[0], environment)

    plan_program(program, project="hangar", stack="test")
    cluster = built["cluster"]
    assert isinstance(cluster.kube_provider, k8s.Provider)
    assert sorted(cluster.pools) == ["h100", "l4"]
    h100 = cluster.pools["h100"]
    assert h100.node_selector == {"hangar.dev/pool": "h100"}
    assert h100.tolerations == ({"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},)
    assert (h100.accelerator_resource, h100.accelerators_per_node) == ("nvidia.com/gpu", 8)
    assert cluster.pools["l4"].accelerators_per_node == 1


def test_extra_labels_and_taints_join_the_gpu_ones(aws_environment):
    pool = aws_environment["clusters"][0]["node_pools"][0]
    pool["labels"] = {"team": "search"}
    pool["taints"] = [{"key": "dedicated", "value": "batch", "effect": "NoExecute"}]
    [group] = [r for r in gpu_node_groups(plan_environment(aws_environment)) if r.inputs["labels"]["hangar.dev/pool"] == "l4"]
    assert group.inputs["labels"]["team"] == "search"
    assert group.inputs["taints"] == [GPU_TAINT, {"key": "dedicated", "value": "batch", "effect": "NO_EXECUTE"}]


# --- config errors -----------------------------------------------------------------------------------


def test_an_instance_type_without_the_requested_gpu_is_a_config_error(aws_environment):
    aws_environment["clusters"][0]["node_pools"][1]["instance_type"] = "g6.xlarge"  # L4, not H100
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[1].instance_type: has L4 GPUs, not H100-SXM; got 'g6.xlarge'"
    ]


@pytest.mark.parametrize("gpu", ["MI300X", "Gaudi3"])
def test_a_gpu_aws_does_not_offer_is_a_config_error_naming_the_alternatives(aws_environment, gpu):
    catalog = load_catalog()
    catalog.gpu(gpu)  # a GPU the catalog knows ...
    assert catalog.instances_for("aws", gpu=gpu) == []  # ... that no AWS instance has
    aws_environment["clusters"][0]["node_pools"][0].update(gpu=gpu, gpus_per_node=8)
    (line,) = config_problems(aws_environment)
    assert line.startswith(f"Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[0].gpu: AWS offers no instance with {gpu} GPUs; GPUs on AWS: ")
    assert "H100-SXM" in line and "L4" in line and line.endswith(f"; got '{gpu}'")


def test_a_gpu_count_aws_does_not_offer_names_the_counts_it_does(aws_environment):
    aws_environment["clusters"][0]["node_pools"][0].update(gpu="H100-SXM", gpus_per_node=4)
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[0].gpus_per_node: "
        "AWS offers H100-SXM with these GPUs per node: p5.4xlarge (1), p5.48xlarge (8); got 4"
    ]


def test_the_system_pool_name_is_reserved(aws_environment):
    aws_environment["clusters"][0]["node_pools"][0]["name"] = "system"
    aws_environment["deployments"][0]["pool"] = "system"
    assert config_problems(aws_environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].node_pools[0].name: 'system' is the name of the cluster's CPU system pool; name GPU pools otherwise; got 'system'"
    ]


# --- the provider's real property names and values -------------------------------------------------------


def _variant_plans() -> list[Plan]:
    from tests.conftest import AWS_ENVIRONMENT

    air_gapped = copy.deepcopy(AWS_ENVIRONMENT)
    air_gapped["clusters"][0]["network"] = {"egress": "none", "public_api_endpoint": True, "authorized_cidrs": ["203.0.113.0/24"]}
    air_gapped["clusters"][0]["registry_mirror"] = "111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror"
    air_gapped["clusters"][0]["chart_repository"] = "oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts"
    air_gapped["deployments"][0]["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.internal"}  # no Hub without egress
    air_gapped["clusters"][0]["node_pools"][0]["capacity"] = "spot"
    air_gapped["clusters"][0]["node_pools"][1]["capacity"] = "reserved"
    air_gapped["clusters"][0]["node_pools"][1]["taints"] = [{"key": "dedicated", "effect": "NoExecute"}]
    return [plan_stack(ROOT, "eks-prod"), plan_environment(air_gapped)]


def test_every_aws_input_is_a_property_of_the_sdk_resource():
    problems = []
    seen = set()
    for plan in _variant_plans():
        for record in plan:
            if record.type.startswith("aws:") or record.type == "pulumi:providers:aws":
                seen.add(record.type)
                _, args = sdk_classes(record.type)
                problems += unknown_properties(record.inputs, args, f"{record.type} {record.name}")
    assert problems == []
    assert len(seen) >= 20  # every kind of AWS resource the target makes was checked


def test_the_property_check_catches_a_misspelt_property():
    import pulumi_aws as aws

    _, args = sdk_classes(NODE_GROUP)
    assert args is aws.eks.NodeGroupArgs
    good = {"scalingConfig": {"minSize": 1}, "taints": [{"key": "k", "effect": "NO_SCHEDULE"}], "tags": {"anyKey": "x"}}
    assert unknown_properties(good, args, "ng") == []
    bad = {"scalingConfig": {"minNodes": 1}, "taints": [{"key": "k", "efect": "NO_SCHEDULE"}], "capacity": "SPOT"}
    assert sorted(unknown_properties(bad, args, "ng")) == ["ng.capacity", "ng.scalingConfig.minNodes", "ng.taints[0].efect"]


def test_enum_values_are_the_apis_own():
    assert_enum_values(_variant_plans(), ALLOWED_VALUES)


def test_the_sdk_documents_the_enum_values_it_lists():
    """Where the installed SDK's docstrings list valid values, ours are among them (a cross-check of the table above)."""
    import pulumi_aws as aws

    documented = {
        (aws.eks.NodeGroupArgs, "capacity_type"): ["ON_DEMAND", "SPOT"],
        (aws.eks.NodeGroupTaintArgs, "effect"): ["NO_SCHEDULE", "NO_EXECUTE"],
        (aws.eks.ClusterAccessConfigArgs, "authentication_mode"): ["API"],
        (aws.eks.ClusterUpgradePolicyArgs, "support_type"): ["STANDARD"],
        (aws.ec2.LaunchTemplateMetadataOptionsArgs, "http_tokens"): ["required"],
        (aws.ec2.VpcEndpointArgs, "vpc_endpoint_type"): ["Gateway", "Interface"],
    }
    for (args, prop), values in documented.items():
        doc = getattr(args, prop).__doc__ or ""
        for value in values:
            assert f"`{value}`" in doc or f'`"{value}"`' in doc, f"{args.__name__}.{prop}: `{value}` not in its docstring: {doc!r}"


def test_weight_caches_have_storage_the_ebs_csi_driver_and_a_default_gp3_class(eks_prod):
    addons = {r.inputs["addonName"]: r for r in eks_prod.of_type("aws:eks/addon:Addon")}
    assert set(addons) == {"vpc-cni", "aws-ebs-csi-driver"}
    ebs_role = eks_prod.named("prod-ebs-csi", "aws:iam/role:Role")
    statement = json.loads(ebs_role.inputs["assumeRolePolicy"])["Statement"][0]
    assert "system:serviceaccount:kube-system:ebs-csi-controller-sa" in statement["Condition"]["StringEquals"].values()
    attached = eks_prod.named("prod-ebs-csi", "aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs["policyArn"]
    assert attached == "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
    (storage_class,) = eks_prod.of_type("kubernetes:storage.k8s.io/v1:StorageClass")
    assert storage_class.inputs["provisioner"] == "ebs.csi.aws.com"
    assert storage_class.inputs["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert storage_class.inputs["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert storage_class.inputs["volumeBindingMode"] == "WaitForFirstConsumer"
