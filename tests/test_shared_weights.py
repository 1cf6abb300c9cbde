"""`weights.source: shared`: the weights staged once in a store every zone reaches (EFS on EKS), mounted read-only by every replica.

eks-prod serves a realtime 70B model from a GPU pool across three zones. A per-replica ReadWriteOnce EBS cache
would tie each replica to one zone (`hangar-zonal-storage`, refused in prod); the shared store does not.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from hangar.components.aws_weights import EFS_CSI_CHART, NFS_PORT, ROOT_DIRECTORY
from hangar.components.serving_weights import STAGE_SCRIPT, staging_seconds
from hangar.policies.rules.workloads import serving_workloads
from typer.testing import CliRunner

from hangar.cli import app
from hangar.records import ResourceRecord
from hangar.replica import replica_shape
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.conftest import ROOT
from tests.serving_plans import example_environment, example_plan, of_kind, plan_environment, raw_environment

runner = CliRunner()


def only(plan, type_: str) -> list[ResourceRecord]:
    return [r for r in plan if r.type == type_]


# --- the store on AWS ------------------------------------------------------------------------------------------


def test_eks_prod_builds_an_encrypted_efs_file_system_with_a_mount_target_in_every_zone():
    plan = example_plan("eks-prod")
    (file_system,) = only(plan, "aws:efs/fileSystem:FileSystem")
    assert (file_system.inputs["encrypted"], file_system.inputs["throughputMode"], file_system.inputs["performanceMode"]) == (True, "elastic", "generalPurpose")
    subnets = {r.urn: r for r in only(plan, "aws:ec2/subnet:Subnet") if "-private-" in r.name}
    targets = only(plan, "aws:efs/mountTarget:MountTarget")
    assert len(targets) == 3 == len(subnets)
    # one per private subnet, so one per zone of the pool (us-east-1a, b, c)
    zones = sorted(next(s.inputs["availabilityZone"] for s in subnets.values() if s.urn in t.dependencies) for t in targets)
    assert zones == ["us-east-1a", "us-east-1b", "us-east-1c"]
    (nfs,) = [r for r in only(plan, "aws:ec2/securityGroup:SecurityGroup") if r.name.endswith("-weights-nfs")]
    (rule,) = nfs.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", NFS_PORT, NFS_PORT)
    assert len(rule["securityGroups"]) == 1 and "cidrBlocks" not in rule  # the cluster security group, not an address range
    assert all(nfs.urn in t.dependencies for t in targets)
    (access_point,) = only(plan, "aws:efs/accessPoint:AccessPoint")
    assert access_point.inputs["posixUser"] == {"uid": 1000.0, "gid": 1000.0}  # the server's user
    assert access_point.inputs["rootDirectory"] == {"path": ROOT_DIRECTORY, "creationInfo": {"ownerUid": 1000.0, "ownerGid": 1000.0, "permissions": "0755"}}


def test_the_efs_csi_driver_is_the_pinned_chart_with_its_node_plugin_only():
    (release,) = [r for r in only(example_plan("eks-prod"), "kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == EFS_CSI_CHART.name]
    assert (release.inputs["version"], release.inputs["namespace"]) == ("4.4.1", "kube-system")
    assert release.inputs["repositoryOpts"] == {"repo": "https://kubernetes-sigs.github.io/aws-efs-csi-driver/"}
    # static provisioning: no controller, so no IAM role; the node DaemonSet keeps the chart's tolerate-everything default
    assert release.inputs["values"] == {"controller": {"create": False}}


def test_no_store_is_built_where_no_deployment_shares_its_weights():
    environment = raw_environment("eks-prod")
    del environment["deployments"][0]["weights"]
    plan = plan_environment(environment)
    assert not only(plan, "aws:efs/fileSystem:FileSystem") and not of_kind(plan, "PersistentVolume") and not of_kind(plan, "Job")
    assert EFS_CSI_CHART.name not in [r.inputs["chart"] for r in only(plan, "kubernetes:helm.sh/v3:Release")]


# --- the volume, the claim, the staging Job, the server ------------------------------------------------------


def test_the_claim_binds_the_static_efs_volume_and_never_the_default_class():
    plan = example_plan("eks-prod")
    (volume,) = of_kind(plan, "PersistentVolume")
    (claim,) = of_kind(plan, "PersistentVolumeClaim")
    assert volume["metadata"]["name"] == "hangar-weights-eks-prod" and "namespace" not in volume["metadata"]
    spec = volume["spec"]
    assert spec["accessModes"] == ["ReadWriteMany"] and spec["persistentVolumeReclaimPolicy"] == "Retain" and spec["storageClassName"] == ""
    assert spec["csi"]["driver"] == "efs.csi.aws.com"
    file_system, _, access_point = spec["csi"]["volumeHandle"].partition("::")  # <file system>::<access point>, no subpath
    assert file_system and access_point and ":" not in access_point
    assert spec["claimRef"] == {"namespace": "eks-prod", "name": "hangar-weights"}
    assert claim["metadata"] == {**claim["metadata"], "name": "hangar-weights", "namespace": "eks-prod"}
    assert claim["spec"]["storageClassName"] == "" and claim["spec"]["volumeName"] == "hangar-weights-eks-prod"
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_a_job_stages_the_weights_once_on_the_system_pool_and_the_server_waits_for_it():
    plan = example_plan("eks-prod")
    environment = example_environment("eks-prod")
    (deployment,) = environment.deployments
    (job,) = of_kind(plan, "Job")
    assert job["metadata"]["name"] == "llama-70b-weights"
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["image"] == "vllm/vllm-openai:v0.33.0"  # the pinned engine image carries huggingface_hub
    assert container["command"] == ["python3", "-c", STAGE_SCRIPT, "meta-llama/Llama-3.3-70B-Instruct", "/weights/meta-llama/Llama-3.3-70B-Instruct"]
    assert {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "llama-70b-hf-token", "key": "token"}}} in container["env"]
    assert {"name": "weights", "mountPath": "/weights"} in container["volumeMounts"]  # written here, read-only in the servers
    assert {"name": "weights", "persistentVolumeClaim": {"claimName": "hangar-weights"}} in spec["volumes"]
    assert spec["nodeSelector"] == {"hangar.dev/pool": "system"} and "tolerations" not in spec
    assert container["securityContext"]["runAsNonRoot"] and container["securityContext"]["readOnlyRootFilesystem"]
    assert "nvidia.com/gpu" not in container["resources"]["requests"]
    # not one of the server's pods: its Service, PDB and NetworkPolicy select app.kubernetes.io/name vllm
    assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] != "vllm"
    seconds = staging_seconds(replica_shape(environment, deployment))
    assert job["metadata"]["annotations"]["pulumi.com/timeoutSeconds"] == str(seconds) and seconds > 600  # past the provider's 10 minutes
    records = {r.name: r for r in plan if r.type in ("kubernetes:batch/v1:Job", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:PersistentVolumeClaim")}
    job_record, server = records["llama-70b-weights"], next(r for r in plan if r.type == "kubernetes:apps/v1:Deployment" and r.name == "llama-70b")
    assert job_record.urn in server.dependencies  # the servers start once the weights are there
    claim = next(r for r in plan if r.type == "kubernetes:core/v1:PersistentVolumeClaim")
    assert claim.urn in job_record.dependencies


def test_the_staging_pod_reaches_only_dns_and_its_download_and_nothing_reaches_it():
    plan = example_plan("eks-prod")
    (policy,) = [p for p in of_kind(plan, "NetworkPolicy") if p["metadata"]["name"] == "llama-70b-weights"]
    (job,) = of_kind(plan, "Job")
    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/name": "hangar-stage-weights", "app.kubernetes.io/instance": "llama-70b"}
    assert selector.items() <= job["spec"]["template"]["metadata"]["labels"].items()
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"] and policy["spec"]["ingress"] == []
    dns, download = policy["spec"]["egress"]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert download == {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}], "ports": [{"protocol": "TCP", "port": 443}]}
    # the server's own policy does not select the staging pod
    (server,) = [p for p in of_kind(plan, "NetworkPolicy") if p["metadata"]["name"] == "llama-70b"]
    assert not server["spec"]["podSelector"]["matchLabels"].items() <= job["spec"]["template"]["metadata"]["labels"].items()
    environment = raw_environment("eks-prod")
    environment["deployments"][0]["weights"] = {"source": "shared", "endpoint": "http://hf-mirror.corp.internal:8080"}
    (mirrored,) = [p for p in of_kind(plan_environment(environment), "NetworkPolicy") if p["metadata"]["name"] == "llama-70b-weights"]
    assert mirrored["spec"]["egress"][1]["ports"] == [{"protocol": "TCP", "port": 8080}]


def test_every_replica_in_every_zone_mounts_the_shared_weights_read_only_and_never_downloads():
    (workload,) = [w for w in of_kind(example_plan("eks-prod"), "Deployment") if w["metadata"]["name"] == "llama-70b"]
    spec = workload["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert {"name": "weights", "persistentVolumeClaim": {"claimName": "hangar-weights", "readOnly": True}} in spec["volumes"]
    assert {"name": "HF_HUB_OFFLINE", "value": "1"} in container["env"]
    zone_spread = next(c for c in spec["topologySpreadConstraints"] if c["topologyKey"] == "topology.kubernetes.io/zone")
    assert zone_spread["whenUnsatisfiable"] == "DoNotSchedule" and zone_spread["minDomains"] == 2
    assert not any("volumeClaimTemplates" in w["spec"] for w in of_kind(example_plan("eks-prod"), "StatefulSet"))


def test_the_staging_job_downloads_from_the_mirror_when_one_is_named():
    environment = raw_environment("eks-prod")
    environment["deployments"][0]["weights"] = {"source": "shared", "endpoint": "https://hf-mirror.corp.internal/"}
    (job,) = of_kind(plan_environment(environment), "Job")
    assert {"name": "HF_ENDPOINT", "value": "https://hf-mirror.corp.internal"} in job["spec"]["template"]["spec"]["containers"][0]["env"]


def test_the_job_is_not_taken_for_a_model_server_but_the_same_image_serving_is():
    plan = example_plan("eks-prod")
    assert [w.name for w in serving_workloads(plan)] == ["llama-70b"]
    pod = {"containers": [{"image": "vllm/vllm-openai:v0.11.2", "args": ["meta-llama/Llama-3.1-8B-Instruct"]}]}
    record = ResourceRecord("urn:x", "kubernetes:apps/v1:Deployment", "s", None, True, {"metadata": {"name": "s"}, "spec": {"template": {"spec": pod}}})
    (served,) = serving_workloads([record])  # the image's own entrypoint is `vllm serve`
    assert served.model == "meta-llama/Llama-3.1-8B-Instruct"
    pod["containers"][0]["command"] = ["python3", "-c", "print(1)"]
    assert serving_workloads([record]) == []


# --- the rule still refuses the per-replica zonal cache ------------------------------------------------------


def _check(tmp_path: Path, environment: dict) -> dict:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "stacks").mkdir()
    config = yaml.safe_load((ROOT / "stacks" / "Pulumi.eks-prod.yaml").read_text())
    config["config"]["hangar:environment"] = environment
    (tmp_path / "stacks" / "Pulumi.eks-prod.yaml").write_text(yaml.safe_dump(config))
    result = runner.invoke(app, ["check", "eks-prod", "-C", str(tmp_path), "--format", "json"], catch_exceptions=False)
    (verdict,) = json.loads(result.stdout)
    return {"exit": result.exit_code, "zonal": [v for v in verdict["violations"] if v["policy"] == "hangar-zonal-storage"]}


def test_eks_prod_with_a_claim_per_replica_is_still_refused(tmp_path):
    environment = raw_environment("eks-prod")
    del environment["deployments"][0]["weights"]  # from the Hub, into the default per-replica EBS claim
    found = _check(tmp_path, environment)
    assert found["exit"] == 1
    ((violation),) = found["zonal"]
    assert violation["level"] == "mandatory"
    assert violation["message"].startswith("StatefulSet eks-prod/llama-70b: each replica keeps its weights on its own ReadWriteOnce claim (model-cache)")
    assert "spans 3 zones (us-east-1a, us-east-1b, us-east-1c)" in violation["message"]


def test_shared_weights_with_an_explicit_per_replica_cache_are_refused_too(tmp_path):
    environment = raw_environment("eks-prod")
    environment["deployments"][0]["caching"] = {"weight_cache": "pvc"}  # compiled kernels on a zonal claim per replica
    found = _check(tmp_path, environment)
    assert found["exit"] == 1 and [v["level"] for v in found["zonal"]] == ["mandatory"]


def test_eks_prod_as_shipped_passes(tmp_path):
    found = _check(tmp_path, raw_environment("eks-prod"))
    assert found == {"exit": 0, "zonal": []}


# --- what the spec refuses ---------------------------------------------------------------------------------------


def test_shared_weights_on_an_air_gapped_cluster_need_a_mirror_for_the_staging_job():
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["network"]["egress"] = "none"
    environment["clusters"][0]["registry_mirror"] = "111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror"
    environment["clusters"][0]["chart_repository"] = "oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts"
    assert config_problems(environment) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].weights.endpoint: cluster 'prod' is air-gapped (clusters[0].network.egress), "
        "so the staging Job cannot download from the Hugging Face Hub: name a Hub mirror inside the network; got null"
    ]
    environment["deployments"][0]["weights"]["endpoint"] = "https://huggingface.co"
    (problem,) = config_problems(environment)
    assert "weights.endpoint: cluster 'prod' is air-gapped" in problem and "huggingface.co is public" in problem


def test_shared_weights_in_an_existing_network_need_its_subnets_listed():
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["network"].update(existing_network_id="vpc-0123456789abcdef0")
    environment["clusters"][0]["zones"] = []
    problems = config_problems(environment)
    assert any(
        p.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].network.existing_subnet_ids: a shared weight store needs a mount target in each node subnet")
        for p in problems
    ), problems


def test_shared_weights_where_no_store_is_built_name_the_alternative():
    environment = raw_environment("edge")
    environment["deployments"][0]["weights"] = {"source": "shared"}
    (problem,) = config_problems(environment)
    assert problem == (
        "Pulumi.test.yaml: hangar:environment.deployments[0].weights.source: shared is built for aws (an EFS file system), azure (a zone-redundant "
        f"NFS Azure file share), gcp (a Filestore instance) only; cluster {environment['clusters'][0]['name']!r} is onprem: stage the weights on a "
        "ReadOnlyMany/ReadWriteMany claim yourself and use source volume; got 'shared'"
    )


def test_the_cache_follows_where_the_weights_come_from():
    environment = environment_from_config(raw_environment("eks-prod"), "Pulumi.test.yaml")
    assert environment.deployments[0].caching.weight_cache is None and environment.deployments[0].weight_cache == "none"
    hub = raw_environment("eks-prod")
    del hub["deployments"][0]["weights"]
    assert environment_from_config(hub, "Pulumi.test.yaml").deployments[0].weight_cache == "pvc"

