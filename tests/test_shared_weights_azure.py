"""`weights.source: shared` on AKS: the weights staged once on a zone-redundant NFS Azure file share every node mounts.

With `shared`, aks-staging gets one premium zone-redundant share behind a private endpoint; a Job stages the
weights into it and every replica mounts them read-only, whichever zone it lands in.
"""

from __future__ import annotations

import functools

import pytest
from hangar.components.azure_weights import CSI_DRIVER, MIN_SHARE_GIB, PRIVATE_ZONE, SHARE_NAME, share_gib
from hangar.components.serving_pod import cache_size_gib

from hangar.records import Plan
from hangar.replica import replica_shape
from hangar.stackfile import StackConfigError, environment_from_config
from tests.serving_plans import of_kind, plan_environment, raw_environment

ACCOUNT = "azure-native:storage:StorageAccount"
SHARE = "azure-native:storage:FileShare"
ENDPOINT = "azure-native:network:PrivateEndpoint"


def shared(**network) -> dict:
    environment = raw_environment("aks-staging")
    environment["deployments"][0]["weights"] = {"source": "shared", "endpoint": "https://hf-mirror.corp.internal"}
    if network:
        environment["clusters"][0]["network"] = {**environment["clusters"][0].get("network", {}), **network}
        environment["clusters"][0]["chart_repository"] = "https://charts.corp.internal/hangar"
    return environment


@functools.cache
def planned(air_gapped: bool = False) -> Plan:
    return plan_environment(shared(egress="none") if air_gapped else shared())


def only(plan: Plan, type_: str):
    return [r for r in plan if r.type == type_]


def test_a_premium_zone_redundant_account_reached_only_through_its_private_endpoint():
    plan = planned()
    (account,) = only(plan, ACCOUNT)
    inputs = account.inputs
    assert (inputs["kind"], inputs["sku"]) == ("FileStorage", {"name": "Premium_ZRS"})
    assert inputs["publicNetworkAccess"] == "Disabled" and inputs["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "None"}
    assert inputs["enableHttpsTrafficOnly"] is False  # NFS without encryption in transit
    assert len(inputs["accountName"]) <= 24 and inputs["accountName"].isalnum() and inputs["accountName"].islower()
    (endpoint,) = [r for r in only(plan, ENDPOINT) if r.name.endswith("-weights-files")]
    (connection,) = endpoint.inputs["privateLinkServiceConnections"]
    assert connection["groupIds"] == ["file"] and account.urn in endpoint.dependencies
    (zone,) = [r for r in only(plan, "azure-native:privatedns:PrivateZone") if r.inputs["privateZoneName"] == PRIVATE_ZONE]
    (link,) = [r for r in only(plan, "azure-native:privatedns:VirtualNetworkLink") if zone.urn in r.dependencies]
    (vnet,) = only(plan, "azure-native:network:VirtualNetwork")
    assert vnet.urn in link.dependencies and link.inputs["registrationEnabled"] is False


def test_the_nfs_share_holds_the_deployments_caches_and_at_least_the_premium_minimum():
    plan = planned()
    (share,) = only(plan, SHARE)
    environment = environment_from_config(shared(), "Pulumi.test.yaml")
    (deployment,) = environment.deployments
    cache = cache_size_gib(deployment, replica_shape(environment, deployment))
    assert share.inputs["enabledProtocols"] == "NFS" and share.inputs["rootSquash"] == "NoRootSquash"
    assert (share.inputs["shareName"], share.inputs["shareQuota"]) == (SHARE_NAME, float(max(cache, MIN_SHARE_GIB)))
    assert (share_gib(20), share_gib(100), share_gib(640)) == (MIN_SHARE_GIB, 100, 640)


def test_the_volume_mounts_the_share_over_nfs_writable_by_the_non_root_staging_job():
    plan = planned()
    (volume,) = of_kind(plan, "PersistentVolume")
    csi = volume["spec"]["csi"]
    assert csi["driver"] == CSI_DRIVER == "file.csi.azure.com"
    attributes = csi["volumeAttributes"]
    assert attributes["protocol"] == "nfs" and attributes["shareName"] == SHARE_NAME and attributes["mountPermissions"] == "0777"
    resource_group, account, share = csi["volumeHandle"].split("#")
    assert (account, share) == (attributes["storageAccount"], SHARE_NAME) and resource_group == attributes["resourceGroup"]
    assert volume["spec"]["accessModes"] == ["ReadWriteMany"] and volume["spec"]["storageClassName"] == ""
    records = {r.type: r for r in plan}
    pv = next(r for r in plan if r.type == "kubernetes:core/v1:PersistentVolume")
    assert records[SHARE].urn in pv.dependencies  # the share exists before a pod mounts it
    (job,) = of_kind(plan, "Job")
    (server,) = [w for w in of_kind(plan, "Deployment") if w["metadata"]["name"] == job["metadata"]["name"].removesuffix("-weights")]
    assert {"name": "weights", "persistentVolumeClaim": {"claimName": "hangar-weights", "readOnly": True}} in server["spec"]["template"]["spec"]["volumes"]


def test_air_gapped_the_endpoint_sits_in_the_endpoint_subnet():
    plan = planned(air_gapped=True)
    (endpoint,) = [r for r in only(plan, ENDPOINT) if r.name.endswith("-weights-files")]
    (subnet,) = [r for r in only(plan, "azure-native:network:Subnet") if r.name.endswith("-endpoints")]
    assert subnet.urn in endpoint.dependencies


def test_no_store_without_a_deployment_that_shares():
    plan = plan_environment(raw_environment("aks-staging"))
    assert not only(plan, ACCOUNT) and not only(plan, SHARE) and not of_kind(plan, "PersistentVolume")


def test_on_prem_still_refuses_shared_and_names_the_targets_that_build_one():
    environment = raw_environment("onprem")
    environment["deployments"][0]["weights"] = {"source": "shared"}
    with pytest.raises(StackConfigError) as error:
        environment_from_config(environment, "Pulumi.test.yaml")
    (problem,) = [str(p) for p in error.value.problems]
    assert problem.startswith(
        "Pulumi.test.yaml: hangar:environment.deployments[0].weights.source: shared is built for aws (an EFS file system), "
        "azure (a zone-redundant NFS Azure file share), gcp (a Filestore instance) only; cluster 'dc1' is onprem"
    )
