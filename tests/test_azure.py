"""The Azure target under the mock runtime: what the aks-staging stack and variants of it register.

Inputs are read back as the engine sees them (wire form) and compared with the installed
pulumi-azure-native SDK's own input types and enums (`tests.provider_schema`), so a misspelt
property or enum value fails here, not at `pulumi up`.
"""

from __future__ import annotations

import copy
import enum
import typing
from typing import Any

import pulumi._types as pulumi_types
import pytest
import yaml

from hangar.plan import PlanError, plan_program, plan_stack
from hangar.records import SECRET, Plan, ResourceRecord
from hangar.stackfile import environment_from_config
from tests.azure_plans import AZURE_ENVIRONMENT
from tests.conftest import ROOT
from tests.program_plans import plan_environment
from tests.provider_schema import (
    _shape,
    record_problems,
    sdk_classes,
    unknown_properties,
)

CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
NAT = "azure-native:network:NatGateway"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
SUBNET = "azure-native:network:Subnet"
ROLE = "azure-native:authorization:RoleAssignment"
REGISTRY = "azure-native:containerregistry:Registry"
ENDPOINT = "azure-native:network:PrivateEndpoint"
GPU_TAINT = "nvidia.com/gpu=present:NoSchedule"
ROLE_IDS = {
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    "AKS RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
}


# --- helpers --------------------------------------------------------------------------------------


@pytest.fixture
def azure_environment() -> dict[str, Any]:
    return copy.deepcopy(AZURE_ENVIRONMENT)


@pytest.fixture(scope="module")
def aks_staging() -> Plan:
    return plan_stack(ROOT, "aks-staging")


def build_cluster(raw: dict[str, Any]) -> Any:
    """The `AzureGpuCluster` component of a one-cluster environment, built under the mocks."""
    from hangar.components.azure import AzureGpuCluster

    environment = environment_from_config(raw, "test")
    built: dict[str, Any] = {}

    def program() -> None:
        built["cluster"] = AzureGpuCluster("main", environment.clusters[0], environment)

    plan_program(program, project="hangar", stack="test")
    return built["cluster"]


def pool(plan: Plan, agent_pool_name: str) -> dict[str, Any]:
    [record] = [r for r in plan.of_type(AGENT_POOL) if r.inputs["agentPoolName"] == agent_pool_name]
    return record.inputs


def grants(plan: Plan) -> dict[str, ResourceRecord]:
    """Role assignments by role name."""
    names = {role_id: name for name, role_id in ROLE_IDS.items()}
    return {names.get(r.inputs["roleDefinitionId"].rsplit("/", 1)[-1], r.name): r for r in plan.of_type(ROLE)}


# --- the aks-staging example ------------------------------------------------------------------------


def test_aks_staging_registers_a_complete_private_cluster(aks_staging):
    counts = aks_staging.count_by_type()
    for token in ("hangar:azure:GpuCluster", "hangar:azure:Network", "hangar:azure:Cluster", "hangar:azure:GpuNodePool", CLUSTER, AGENT_POOL, NAT):
        assert counts.get(token) == 1, token
    assert counts["azure-native:resources:ResourceGroup"] == counts["pulumi:providers:kubernetes"] == 1
    components = {r.urn: r.type for r in aks_staging if not r.custom}
    # the serving layer's resources (under hangar:serving:* components) are the serving tests' to check
    target = [r for r in aks_staging if r.custom and "hangar:serving:" not in r.urn]
    assert target
    for record in target:
        # (the device plugin has a component of its own, shared with EKS, under the cluster's)
        assert components.get(record.parent, "").startswith(("hangar:azure:", "hangar:device_plugin:")), f"{record.type} {record.name} is not parented to a hangar:azure component"


def test_the_api_server_admits_only_its_authorized_ranges_with_entra_rbac_kms_and_logs(aks_staging):
    [cluster] = aks_staging.of_type(CLUSTER)
    inputs = cluster.inputs
    # staging's way in: a public endpoint open to the office range and the deployer's static egress range only
    assert inputs["apiServerAccessProfile"] == {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.0/28", "198.51.100.0/28"]}
    assert inputs["disableLocalAccounts"] is True and inputs["enableRBAC"] is True
    assert inputs["aadProfile"]["managed"] is True and inputs["aadProfile"]["enableAzureRBAC"] is True
    assert inputs["identity"]["type"] == "UserAssigned" and len(inputs["identity"]["userAssignedIdentities"]) == 1
    assert set(inputs["identityProfile"]["kubeletidentity"]) == {"resourceId", "clientId", "objectId"}
    kms = inputs["securityProfile"]["azureKeyVaultKms"]
    assert kms["enabled"] is True and kms["keyId"].endswith("/keys/etcd/0123456789abcdef0123456789abcdef")
    assert inputs["securityProfile"]["workloadIdentity"] == {"enabled": True} and inputs["oidcIssuerProfile"] == {"enabled": True}
    network = inputs["networkProfile"]
    assert (network["networkPlugin"], network["networkPluginMode"], network["loadBalancerSku"], network["outboundType"]) == ("azure", "overlay", "standard", "userAssignedNATGateway")
    assert inputs["sku"] == {"name": "Base", "tier": "Standard"}  # staging: the tier with an uptime SLA
    [system] = inputs["agentPoolProfiles"]
    assert (system["mode"], system["vmSize"], system["minCount"], system["maxCount"]) == ("System", "Standard_D4ds_v5", 2, 3)
    [diagnostics] = aks_staging.of_type("azure-native:monitor:DiagnosticSetting")
    assert diagnostics.inputs["resourceUri"] == cluster.inputs.get("id", diagnostics.inputs["resourceUri"])
    assert {log["category"] for log in diagnostics.inputs["logs"]} >= {"kube-apiserver", "kube-audit-admin", "guard"}
    [vault] = aks_staging.of_type("azure-native:keyvault:Vault")
    assert vault.inputs["properties"]["enableRbacAuthorization"] is True and vault.inputs["properties"]["enablePurgeProtection"] is True


def test_identities_get_only_the_roles_they_need(aks_staging):
    by_role = grants(aks_staging)
    assert set(by_role) == {"Network Contributor", "Managed Identity Operator", "Key Vault Crypto User", "AKS RBAC Cluster Admin"}
    [vnet] = aks_staging.of_type("azure-native:network:VirtualNetwork")
    assert by_role["Network Contributor"].inputs["scope"] == vnet.name + "-id"  # the VNet, not the resource group
    assert by_role["Network Contributor"].inputs["principalId"] == "staging-control-plane-principal"
    admin = by_role["AKS RBAC Cluster Admin"].inputs
    assert admin["principalId"] == "offline" and admin["principalType"] == "ServicePrincipal"  # the mock's deployer is not the Azure CLI


def test_nodes_get_no_public_ips_and_no_default_outbound_access(aks_staging):
    [cluster] = aks_staging.of_type(CLUSTER)
    assert [p["enableNodePublicIP"] for p in cluster.inputs["agentPoolProfiles"]] == [False]
    assert all(r.inputs["enableNodePublicIP"] is False for r in aks_staging.of_type(AGENT_POOL))
    [subnet] = aks_staging.of_type(SUBNET)
    assert subnet.inputs["defaultOutboundAccess"] is False
    [address] = aks_staging.of_type(PUBLIC_IP)  # the NAT gateway's, and nothing else's
    [nat] = aks_staging.of_type(NAT)
    assert subnet.inputs["natGateway"] == {"id": f"{nat.name}-id"}
    assert nat.inputs["publicIpAddresses"] == [{"id": f"{address.name}-id"}]
    assert "linuxProfile" not in cluster.inputs  # no SSH key anywhere


def test_the_gpu_pool_is_tainted_labelled_bounded_and_sized(aks_staging):
    a100 = pool(aks_staging, "a100")
    assert a100["mode"] == "User" and a100["vmSize"] == "Standard_NC48ads_A100_v4"  # the cheapest 2 x A100-80GB size
    assert a100["nodeTaints"] == [GPU_TAINT]
    assert a100["nodeLabels"] == {"hangar.dev/pool": "a100", "hangar.dev/gpu": "A100-80GB", "hangar.dev/environment": "aks-staging"}
    assert (a100["enableAutoScaling"], a100["minCount"], a100["maxCount"], a100["count"]) == (True, 1, 2, 1)
    assert a100["availabilityZones"] == ["1", "2"] and a100["osDiskSizeGB"] == 256 and a100["osDiskType"] == "Managed"
    assert a100["gpuProfile"] == {"driver": "Install"} and a100["scaleSetPriority"] == "Regular"
    assert a100["upgradeSettings"] == {"maxSurge": "0", "maxUnavailable": "1"}
    assert "spotMaxPrice" not in a100 and "scaleSetEvictionPolicy" not in a100


def untagged(plan: Plan, environment: str, owner: str, cost_centre: str) -> tuple[int, list[str]]:
    """How many Azure resources take tags, and those that lack Hangar's (spelt `cloud_safe`, e.g. `hangar-dev_environment`)."""
    components = {r.urn: r for r in plan if not r.custom}
    taggable, missing = 0, []
    for record in plan:
        if not record.type.startswith("azure-native:") or "tags" not in pulumi_types.input_type_types(sdk_classes(record.type)[1]):
            continue
        taggable += 1
        tags = record.inputs.get("tags", {})
        wanted = {"hangar-dev_environment": environment, "hangar-dev_owner": owner, "hangar-dev_cost-centre": cost_centre}
        if components[record.parent].type == "hangar:azure:GpuNodePool":
            wanted["hangar-dev_pool"] = components[record.parent].name.split("-", 1)[1]
        if any(tags.get(key) != value for key, value in wanted.items()):
            missing.append(f"{record.type} {record.name}: {tags}")
    return taggable, missing


def test_every_taggable_resource_carries_the_environment_tags(aks_staging):
    # group, VNet, public IP, NAT gateway, 2 identities, vault, key, workspace, cluster, GPU pool
    assert untagged(aks_staging, "aks-staging", "ml-platform", "cc-2001") == (11, [])
    [cluster] = aks_staging.of_type(CLUSTER)
    assert cluster.inputs["agentPoolProfiles"][0]["tags"]["hangar-dev_pool"] == "system"


def test_the_kube_provider_reads_the_user_kubeconfig_after_the_deployer_is_admin(aks_staging, azure_environment):
    [provider] = aks_staging.of_type("pulumi:providers:kubernetes")
    assert provider.inputs == {"kubeconfig": SECRET}
    admin = grants(aks_staging)["AKS RBAC Cluster Admin"]
    assert admin.urn in provider.dependencies

    from hangar.components.azure import AzureGpuCluster

    environment = environment_from_config(azure_environment, "test")
    seen: list[str] = []

    def program() -> None:
        AzureGpuCluster("main", environment.clusters[0], environment).cluster.kubeconfig.apply(seen.append)

    plan_program(program, project="hangar", stack="test")
    [kubeconfig] = [yaml.safe_load(text) for text in seen]  # decoded from the base64 user credential
    assert kubeconfig["users"][0]["user"]["exec"]["command"] == "kubelogin"  # Entra ID; no local account, no static token
    # a non-interactive login (the workflow's Azure CLI session), never the device code AKS's credential defaults to
    assert kubeconfig["users"][0]["user"]["exec"]["args"] == ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]


# --- variants --------------------------------------------------------------------------------------------


def test_spot_pools_are_spot_priced_up_to_on_demand_and_tolerate_the_spot_taint(azure_environment):
    plan = plan_environment(azure_environment)
    spot = pool(plan, "t4spot")  # AKS pool names: letters and digits only
    assert (spot["scaleSetPriority"], spot["scaleSetEvictionPolicy"], spot["spotMaxPrice"]) == ("Spot", "Delete", -1)
    assert spot["vmSize"] == "Standard_NC4as_T4_v3" and spot["availabilityZones"] == ["2"]
    assert "upgradeSettings" not in spot  # AKS does not surge-upgrade spot pools
    h100 = pool(plan, "h100")
    assert h100["scaleSetPriority"] == "Regular" and h100["availabilityZones"] == ["1", "2", "3"] and h100["osDiskSizeGB"] == 1024
    [cluster] = plan.of_type(CLUSTER)
    assert cluster.inputs["sku"]["tier"] == "Free"  # dev

    built = build_cluster(azure_environment)
    assert sorted(built.pools) == ["h100", "t4-spot"]
    placement = built.pools["t4-spot"]
    assert placement.node_selector == {"hangar.dev/pool": "t4-spot"}
    assert placement.tolerations == (
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},
        {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
    )
    assert (placement.accelerator_resource, placement.accelerators_per_node) == ("nvidia.com/gpu", 1)
    assert built.pools["h100"].accelerators_per_node == 8 and len(built.pools["h100"].tolerations) == 1


def test_extra_labels_and_taints_join_the_gpu_ones(azure_environment):
    azure_environment["clusters"][0]["node_pools"][1].update(
        labels={"team": "search"}, taints=[{"key": "dedicated", "value": "llm", "effect": "NoExecute"}, {"key": "nvidia.com/gpu", "value": "present"}], capacity="reserved"
    )
    h100 = pool(plan_environment(azure_environment), "h100")
    assert h100["nodeTaints"] == [GPU_TAINT, "dedicated=llm:NoExecute"]
    assert h100["nodeLabels"]["team"] == "search" and h100["nodeLabels"]["hangar.dev/pool"] == "h100"
    assert h100["scaleSetPriority"] == "Regular" and h100["tags"]["hangar-dev_capacity"] == "reserved"


def test_an_air_gapped_network_has_no_way_out_and_a_private_registry(azure_environment):
    azure_environment["clusters"][0]["network"] = {"egress": "none", "cidr": "10.60.0.0/16"}
    azure_environment["clusters"][0]["chart_repository"] = "oci://hangarcharts.azurecr.io/charts"
    plan = plan_environment(azure_environment)
    assert plan.of_type(NAT) == [] and plan.of_type(PUBLIC_IP) == []
    [cluster] = plan.of_type(CLUSTER)
    assert cluster.inputs["networkProfile"]["outboundType"] == "none"
    [registry] = plan.of_type(REGISTRY)
    assert cluster.inputs["bootstrapProfile"] == {"artifactSource": "Cache", "containerRegistryId": f"{registry.name}-id"}
    assert (registry.inputs["sku"], registry.inputs["publicNetworkAccess"], registry.inputs["zoneRedundancy"]) == ({"name": "Premium"}, "Disabled", "Enabled")
    assert registry.inputs["adminUserEnabled"] is False and registry.inputs["registryName"].isalnum()
    [rule] = plan.of_type("azure-native:containerregistry:CacheRule")
    assert (rule.inputs["sourceRepository"], rule.inputs["targetRepository"]) == ("mcr.microsoft.com/*", "aks-managed-repository/*")
    [endpoint] = plan.of_type(ENDPOINT)
    [connection] = endpoint.inputs["privateLinkServiceConnections"]
    assert connection["groupIds"] == ["registry"] and connection["privateLinkServiceId"] == f"{registry.name}-id"
    subnets = {r.name: r.inputs for r in plan.of_type(SUBNET)}
    assert endpoint.inputs["subnet"] == {"id": "main-endpoints-id"}
    assert subnets["main-nodes"]["addressPrefix"] == "10.60.0.0/18" and subnets["main-endpoints"]["addressPrefix"] == "10.60.192.0/27"
    assert all(s["defaultOutboundAccess"] is False and "natGateway" not in s for s in subnets.values())
    [zone] = plan.of_type("azure-native:privatedns:PrivateZone")
    assert zone.inputs["privateZoneName"] == "privatelink.azurecr.io"
    [link] = plan.of_type("azure-native:privatedns:VirtualNetworkLink")
    assert link.inputs["virtualNetwork"] == {"id": "main-vnet-id"} and link.inputs["registrationEnabled"] is False
    [group] = plan.of_type("azure-native:network:PrivateDnsZoneGroup")
    assert group.inputs["privateDnsZoneConfigs"][0]["privateDnsZoneId"] == zone.name + "-id"
    assert grants(plan)["AcrPull"].inputs["principalId"] == "main-kubelet-principal"
    assert untagged(plan, "test", "ml-platform", "cc-1") == (14, [])  # with the registry, its endpoint, DNS zone and link


def test_a_public_api_server_is_limited_to_the_authorized_cidrs(azure_environment):
    azure_environment["clusters"][0]["network"] = {"public_api_endpoint": True, "authorized_cidrs": ["203.0.113.0/24"]}
    [cluster] = plan_environment(azure_environment).of_type(CLUSTER)
    assert cluster.inputs["apiServerAccessProfile"] == {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.0/24"]}


def test_an_existing_resource_group_and_network_are_used_as_they_are(azure_environment):
    subnet_id = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/shared/subnets/aks"
    azure_environment["clusters"][0].update(resource_group="ml-prod", network={"existing_network_id": subnet_id.rsplit("/subnets/", 1)[0], "existing_subnet_ids": [subnet_id]})
    plan = plan_environment(azure_environment)
    for token in ("azure-native:resources:ResourceGroup", "azure-native:network:VirtualNetwork", SUBNET, NAT, PUBLIC_IP):
        assert plan.of_type(token) == [], token
    [cluster] = plan.of_type(CLUSTER)
    assert cluster.inputs["resourceGroupName"] == "ml-prod"
    assert cluster.inputs["agentPoolProfiles"][0]["vnetSubnetID"] == subnet_id and pool(plan, "h100")["vnetSubnetID"] == subnet_id
    assert grants(plan)["Network Contributor"].inputs["scope"] == subnet_id.rsplit("/subnets/", 1)[0]


def test_an_existing_network_must_name_its_node_subnet(azure_environment):
    azure_environment["clusters"][0]["network"] = {"existing_network_id": "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/shared"}
    with pytest.raises(PlanError, match=r"clusters\[0\]\.network\.existing_subnet_ids: an existing VNet needs the id of the subnet for AKS nodes"):
        plan_environment(azure_environment)


def test_a_gpu_not_offered_on_azure_names_the_alternatives(azure_environment):
    azure_environment["clusters"][0]["node_pools"][0].update(gpu="L4")
    with pytest.raises(PlanError) as raised:
        plan_environment(azure_environment)
    message = str(raised.value)
    assert "clusters[0].node_pools[0].gpu" in message and "Azure offers no instance with L4 GPUs" in message
    for alternative in ("A100-80GB", "H100-SXM", "T4"):
        assert alternative in message


def test_a_gpu_count_azure_does_not_offer_names_the_counts_it_does(azure_environment):
    azure_environment["clusters"][0]["node_pools"][0].update(gpu="A100-80GB", gpus_per_node=3)
    with pytest.raises(PlanError, match=r"node_pools\[0\]\.gpus_per_node: Azure offers A100-80GB with .*Standard_NC48ads_A100_v4 \(2\)"):
        plan_environment(azure_environment)


def test_an_instance_type_without_the_requested_gpu_is_a_config_error(azure_environment):
    azure_environment["clusters"][0]["node_pools"][1]["gpu"] = "A100-80GB"
    with pytest.raises(PlanError, match=r"node_pools\[1\]\.instance_type: has H100-SXM GPUs, not A100-80GB"):
        plan_environment(azure_environment)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"zones": ["eastus-1"]}, r"clusters\[0\]\.zones: Azure zones are 1, 2, 3; got \['eastus-1'\]"),
        (
            {"node_pools": [{"name": f"llama-serving-{x}", "gpu": "T4", "gpus_per_node": 1, "max_nodes": 1} for x in "ab"]},
            r"node_pools\[1\]\.name: AKS pool names are at most 12 letters and digits, so 'llama-serving-b' becomes 'llamaserving', which pool 'llama-serving-a' already uses",
        ),
        ({"network": {"cidr": "172.16.0.0/16"}}, r"network\.cidr: overlaps the cluster's service range 172\.16\.0\.0/16"),
    ],
)
def test_azure_specific_config_errors_stop_before_anything_is_registered(azure_environment, change, message):
    from hangar.components.azure import AzureGpuCluster

    azure_environment["clusters"][0]["node_pools"][0]["zones"] = []
    azure_environment["clusters"][0].update(change)
    environment = environment_from_config(azure_environment, "test")

    def program() -> None:
        with pytest.raises(ValueError, match=message):
            AzureGpuCluster("main", environment.clusters[0], environment)

    assert len(plan_program(program, project="hangar", stack="test")) == 0


# --- the provider's real property names and values -------------------------------------------------------


def _variant_plans() -> list[Plan]:
    air_gapped = copy.deepcopy(AZURE_ENVIRONMENT)
    air_gapped["clusters"][0]["network"] = {"egress": "none", "public_api_endpoint": True, "authorized_cidrs": ["203.0.113.0/24"]}
    air_gapped["clusters"][0]["chart_repository"] = "oci://hangarcharts.azurecr.io/charts"
    air_gapped["clusters"][0]["node_pools"][1]["taints"] = [{"key": "dedicated", "effect": "NoExecute"}]
    return [plan_stack(ROOT, "aks-staging"), plan_environment(air_gapped)]


def _enum_of(hint: Any) -> type[enum.Enum] | None:
    """The Enum inside an SDK hint such as `Input[Union[str, OSDiskType]]`: azure-native types its enums
    that way, so the SDK accepts any string and only this check holds a value to the API's list."""
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    return next((found for member in typing.get_args(hint) if (found := _enum_of(member)) is not None), None)


def unknown_enum_values(value: dict[str, Any], args: type, where: str) -> list[str]:
    """Every string value, at any depth, outside the enum its SDK property is typed with."""
    hints = pulumi_types.input_type_types(args)
    problems = []
    for key, item in value.items():
        if key not in hints:
            continue
        kind, inner = _shape(hints[key])
        elements = item if kind == "list" and isinstance(item, list) else item.values() if kind == "map" and isinstance(item, dict) else [item]
        kind, inner = _shape(inner) if kind in ("list", "map") else (kind, inner)
        members = _enum_of(hints[key] if kind == "scalar" else inner)
        for element in elements:
            if kind == "object" and isinstance(element, dict):
                problems += unknown_enum_values(element, inner, f"{where}.{key}")
            elif members is not None and isinstance(element, str) and element not in {m.value for m in members}:
                problems.append(f"{where}.{key}: {element!r} is not one of {sorted(m.value for m in members)}")
    return problems


def test_every_azure_input_is_a_property_and_every_enum_value_a_member_of_the_sdks_types():
    problems = []
    seen = set()
    for plan in _variant_plans():
        for record in plan:
            if record.type.startswith("azure-native:") or record.type == "pulumi:providers:kubernetes":
                seen.add(record.type)
                problems += record_problems(record) + unknown_enum_values(record.inputs, sdk_classes(record.type)[1], f"{record.type} {record.name}")
    assert problems == []
    assert len(seen) >= 20  # every kind of Azure resource the target makes was checked


def test_the_property_check_catches_misspelt_names_and_values():
    _, args = sdk_classes(AGENT_POOL)
    good = {"osDiskType": "Managed", "gpuProfile": {"driver": "Install"}, "nodeLabels": {"any/key": "x"}, "nodeTaints": [GPU_TAINT]}
    assert unknown_properties(good, args, "p") == [] and unknown_enum_values(good, args, "p") == []
    bad = {"osDiskSizeGb": 100, "gpuProfile": {"drivers": "Install"}, "osDiskType": "Ephemeral", "scaleSetPriority": "spot"}
    assert unknown_properties(bad, args, "p") == ["p.osDiskSizeGb", "p.gpuProfile.drivers"]
    assert [p.split(":")[0] for p in unknown_enum_values(bad, args, "p")] == ["p.scaleSetPriority"]
    nested = {"networkProfile": {"outboundType": "userAssignedNatGateway"}, "agentPoolProfiles": [{"mode": "system"}]}
    assert [p.split(":")[0] for p in unknown_enum_values(nested, sdk_classes(CLUSTER)[1], "c")] == ["c.networkProfile.outboundType", "c.agentPoolProfiles.mode"]
    # A subnet's resource args (`SubnetInitArgs`), not the module's nested `SubnetArgs` type.
    subnet = {"resourceGroupName": "rg", "virtualNetworkName": "v", "defaultOutboundAccess": False}
    assert unknown_properties(subnet, sdk_classes(SUBNET)[1], "s") == []
