"""`weights.source: shared` on GKE: the weights staged once on a Filestore share every node mounts, whatever its zone.

With `shared`, gke-dev gets one private Filestore instance exported to its node subnet, GKE's Filestore CSI driver,
a static volume and claim, and the staging Job; every replica mounts the weights read-only. In prod the instance is
regional (it survives a zone).
"""

from __future__ import annotations

import ipaddress
import json
import shutil
from pathlib import Path

import pytest
import yaml
from hangar.components.gcp_network import subnet_layout
from hangar.components.gcp_weights import CSI_DRIVER, MIN_SHARE_GIB, SHARE_NAME, share_gib
from hangar.components.serving_pod import cache_size_gib
from typer.testing import CliRunner

from hangar.cli import app
from hangar.records import Plan
from hangar.replica import replica_shape
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.conftest import ROOT
from tests.provider_schema import assert_enum_values, record_problems
from tests.serving_plans import example_plan, of_kind, plan_environment
from tests.shared_weights_plans import planned, shared

INSTANCE = "gcp:filestore/instance:Instance"
CLUSTER = "gcp:container/cluster:Cluster"
SERVICE = "gcp:projects/service:Service"


def only(plan: Plan, type_: str):
    return [r for r in plan if r.type == type_]


def test_a_zonal_filestore_share_in_the_clusters_vpc_exported_to_its_node_subnet_only():
    plan = planned()
    (instance,) = only(plan, INSTANCE)
    inputs = instance.inputs
    assert (inputs["tier"], inputs["location"]) == ("ZONAL", "us-central1-a")  # the cluster's first zone
    (network,) = inputs["networks"]
    (vpc,) = only(plan, "gcp:compute/network:Network")
    # the VPC's name (auto-named: the mock answers with the resource name); internal addresses only
    assert network == {"network": vpc.name, "modes": ["MODE_IPV4"], "connectMode": "DIRECT_PEERING"}
    nodes, _, _ = subnet_layout(environment_from_config(shared(), "Pulumi.test.yaml").clusters[0].network.cidr)
    assert inputs["fileShares"]["name"] == SHARE_NAME
    assert inputs["fileShares"]["nfsExportOptions"] == [{"ipRanges": [nodes], "accessMode": "READ_WRITE", "squashMode": "NO_ROOT_SQUASH"}]
    (subnet,) = only(plan, "gcp:compute/subnetwork:Subnetwork")
    assert subnet.inputs["ipCidrRange"] == nodes


def test_the_instance_and_the_cluster_spell_their_inputs_as_the_installed_pulumi_gcp_does():
    plan = planned("prod")
    records = [*only(plan, INSTANCE), *only(plan, CLUSTER)]
    assert [problem for record in records for problem in record_problems(record)] == []
    # The values the installed pulumi_gcp 10.2.0 docstrings list (filestore.Instance and its input types).
    assert_enum_values(
        [planned("dev"), plan],
        {
            (INSTANCE, "tier"): {"STANDARD", "PREMIUM", "BASIC_HDD", "BASIC_SSD", "HIGH_SCALE_SSD", "ZONAL", "REGIONAL", "ENTERPRISE"},
            (INSTANCE, "networks[].modes[]"): {"ADDRESS_MODE_UNSPECIFIED", "MODE_IPV4", "MODE_IPV6"},
            (INSTANCE, "networks[].connectMode"): {"DIRECT_PEERING", "PRIVATE_SERVICE_ACCESS", "PRIVATE_SERVICE_CONNECT"},
            (INSTANCE, "fileShares.nfsExportOptions[].accessMode"): {"READ_ONLY", "READ_WRITE"},
            (INSTANCE, "fileShares.nfsExportOptions[].squashMode"): {"NO_ROOT_SQUASH", "ROOT_SQUASH"},
        },
    )


def test_the_share_holds_the_deployments_caches_and_at_least_the_tiers_minimum():
    (instance,) = only(planned(), INSTANCE)
    environment = environment_from_config(shared(), "Pulumi.test.yaml")
    deployment = environment.deployments[0]
    cache = cache_size_gib(deployment, replica_shape(environment, deployment))
    assert instance.inputs["fileShares"]["capacityGb"] == share_gib("ZONAL", cache) == max(MIN_SHARE_GIB["ZONAL"], cache)
    assert share_gib("REGIONAL", 10) == MIN_SHARE_GIB["REGIONAL"] and share_gib("ZONAL", 5000) == 5000


@pytest.mark.parametrize(("tier", "zones"), [("prod", ["us-central1-a", "us-central1-b"]), ("dev", [])])
def test_prod_or_a_cluster_without_zones_gets_a_regional_instance(tier, zones):
    plan = plan_environment(shared(tier, zones))
    (instance,) = only(plan, INSTANCE)
    assert (instance.inputs["tier"], instance.inputs["location"]) == ("REGIONAL", "us-central1")
    assert instance.inputs["fileShares"]["capacityGb"] >= MIN_SHARE_GIB["REGIONAL"]
    (volume,) = of_kind(plan, "PersistentVolume")
    assert volume["spec"]["csi"]["volumeHandle"].startswith("modeInstance/us-central1/")


def test_gkes_filestore_driver_is_turned_on_only_where_a_deployment_shares():
    (cluster,) = only(planned(), CLUSTER)
    assert cluster.inputs["addonsConfig"] == {"gcpFilestoreCsiDriverConfig": {"enabled": True}}
    (plain,) = only(example_plan("gke-dev"), CLUSTER)
    assert "addonsConfig" not in plain.inputs
    assert not only(example_plan("gke-dev"), INSTANCE) and not of_kind(example_plan("gke-dev"), "PersistentVolume")


def test_the_filestore_api_is_enabled_before_the_instance_and_left_enabled_on_destroy():
    """Google's CSI-driver page asks for file.googleapis.com first; gke-dev without a shared store enables nothing."""
    plan = planned()
    (api,) = only(plan, SERVICE)
    assert api.inputs == {"service": "file.googleapis.com", "disableOnDestroy": False}
    assert record_problems(api) == []
    (instance,) = only(plan, INSTANCE)
    assert api.urn in instance.dependencies
    assert not only(example_plan("gke-dev"), SERVICE)


def test_the_static_volume_names_the_instance_its_address_and_share():
    plan = planned()
    (instance,) = only(plan, INSTANCE)
    (volume,) = of_kind(plan, "PersistentVolume")
    csi = volume["spec"]["csi"]
    assert csi["driver"] == CSI_DRIVER == "filestore.csi.storage.gke.io"
    assert csi["volumeHandle"] == f"modeInstance/us-central1-a/{instance.name}/{SHARE_NAME}"
    assert set(csi["volumeAttributes"]) == {"ip", "volume"} and csi["volumeAttributes"]["volume"] == SHARE_NAME
    ipaddress.IPv4Address(csi["volumeAttributes"]["ip"])  # the instance's address, once it exists
    assert volume["spec"]["accessModes"] == ["ReadWriteMany"] and volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    (record,) = [r for r in plan if r.inputs.get("kind") == "PersistentVolume"]
    assert instance.urn in record.dependencies  # mounted only once the instance is there


def test_the_staging_job_writes_as_the_servers_user_through_the_volumes_group_and_servers_mount_it_read_only():
    plan = planned()
    (job,) = of_kind(plan, "Job")
    security = job["spec"]["template"]["spec"]["securityContext"]
    # The share's root is root's: the kubelet gives it the pod's fsGroup (the driver's fsGroupPolicy File), checked once per mount.
    assert (security["runAsUser"], security["fsGroup"], security["fsGroupChangePolicy"]) == (1000, 1000, "OnRootMismatch")
    assert {"name": "weights", "persistentVolumeClaim": {"claimName": "hangar-weights"}} in job["spec"]["template"]["spec"]["volumes"]
    (server,) = [m for m in of_kind(plan, "Deployment") if m["metadata"]["name"] == "qwen-7b"]
    assert {"name": "weights", "persistentVolumeClaim": {"claimName": "hangar-weights", "readOnly": True}} in server["spec"]["template"]["spec"]["volumes"]


def test_an_existing_gcp_network_is_refused_naming_the_key():
    environment = shared()
    environment["clusters"][0]["network"] = {"existing_network_id": "projects/p/global/networks/corp", "existing_subnet_ids": ["projects/p/regions/us-central1/subnetworks/gpu"]}
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.clusters[0].network.existing_network_id: shared on GKE exports its Filestore share to the "
        "node subnet of the network Hangar creates, whose range it knows; in an existing network stage the weights on a "
        "ReadWriteMany claim yourself and use source volume; got 'projects/p/global/networks/corp'"
    ]


def test_gke_dev_sharing_its_weights_passes_the_policy_pack(tmp_path: Path):
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "stacks").mkdir()
    config = yaml.safe_load((ROOT / "stacks" / "Pulumi.gke-dev.yaml").read_text())
    config["config"]["hangar:environment"] = shared()
    (tmp_path / "stacks" / "Pulumi.gke-dev.yaml").write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["check", "gke-dev", "-C", str(tmp_path), "--format", "json"], catch_exceptions=False)
    (verdict,) = json.loads(result.stdout)
    assert result.exit_code == 0, verdict
    assert [v for v in verdict["violations"] if v["level"] == "mandatory" or v["policy"] == "hangar-zonal-storage"] == []
