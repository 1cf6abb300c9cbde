"""EKS and GKE without egress: every image Hangar installs comes from the declared `registry_mirror`, or the config is refused.

An air-gapped VPC (`network.egress: none`) reaches AWS or Google through endpoints, not Docker Hub, ghcr.io,
nvcr.io, registry.k8s.io or public.ecr.aws, so the engine, the operators and the node add-ons must come from a
registry inside the network that holds them under their upstream paths.
"""

from __future__ import annotations

import pytest

from tests.config_errors import config_problems
from tests.registry_mirrors import CHARTS, GCP_MIRROR, MIRROR, images
from tests.serving_plans import plan_environment, raw_environment

RELEASE = "kubernetes:helm.sh/v3:Release"


def air_gapped(stack: str, mirror: str | None) -> dict:
    environment = raw_environment(stack)
    cluster = environment["clusters"][0]
    cluster["network"] = {**cluster.get("network", {}), "egress": "none"}
    if mirror is not None:
        cluster["registry_mirror"] = mirror
    cluster["chart_repository"] = CHARTS[cluster["provider"]]  # tests/test_chart_mirror.py tries without
    if stack == "eks-prod":
        environment["deployments"][0]["weights"] = {"source": "shared", "endpoint": "https://hf-mirror.corp.internal"}
    else:
        environment["deployments"][0]["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.corp.internal"}
    return environment


@pytest.mark.parametrize("stack", ["eks-prod", "gke-dev"])
def test_no_egress_and_no_mirror_is_a_config_error_naming_the_key(stack):
    (problem,) = config_problems(air_gapped(stack, None))
    assert problem.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].registry_mirror: network.egress is none, so the nodes cannot pull public images (the vLLM engine, KEDA")
    assert problem.endswith("name a registry inside the network that holds them under their upstream paths; got null")


def test_a_public_registry_is_no_mirror_for_an_air_gapped_cluster():
    (problem,) = config_problems(air_gapped("eks-prod", "docker.io/library"))
    assert problem == (
        "Pulumi.test.yaml: hangar:environment.clusters[0].registry_mirror: docker.io is a public registry, unreachable with network.egress none; "
        "name one inside the network; got 'docker.io/library'"
    )


def release_values(plan, chart: str) -> dict:
    (values,) = [r.inputs["values"] for r in plan if r.type == RELEASE and r.inputs["chart"].rsplit("/", 1)[-1] == chart]
    return values


def test_air_gapped_eks_takes_every_image_it_installs_from_the_mirror():
    plan = plan_environment(air_gapped("eks-prod", MIRROR))
    assert sorted(set(images(plan))) == [f"{MIRROR}/vllm/vllm-openai:v0.33.0"]  # the server and the weight-staging Job
    assert release_values(plan, "keda")["image"] == {
        part: {"registry": MIRROR, "repository": repository}
        for part, repository in {"keda": "kedacore/keda", "metricsApiServer": "kedacore/keda-metrics-apiserver", "webhooks": "kedacore/keda-admission-webhooks"}.items()
    }
    assert release_values(plan, "nvidia-device-plugin")["image"] == {"repository": f"{MIRROR}/nvidia/k8s-device-plugin"}
    efs = release_values(plan, "aws-efs-csi-driver")
    assert efs["image"] == {"repository": f"{MIRROR}/efs-csi-driver/amazon/aws-efs-csi-driver"}
    assert efs["sidecars"] == {
        "livenessProbe": {"image": {"repository": f"{MIRROR}/csi-components/livenessprobe"}},
        "nodeDriverRegistrar": {"image": {"repository": f"{MIRROR}/csi-components/csi-node-driver-registrar"}},
    }
    autoscaler = release_values(plan, "cluster-autoscaler")["image"]
    assert autoscaler["repository"] == f"{MIRROR}/autoscaling/cluster-autoscaler" and autoscaler["tag"].startswith("v1.35.")
    (component,) = [r for r in plan if r.type == "hangar:aws:ClusterAutoscaler"]
    assert component.inputs["image"] == f"{MIRROR}/autoscaling/cluster-autoscaler:{autoscaler['tag']}"
    assert release_values(plan, "kube-prometheus-stack")["global"] == {"imageRegistry": MIRROR}


def test_eks_with_egress_pulls_the_upstream_images():
    environment = raw_environment("eks-prod")
    plan = plan_environment(environment)
    assert sorted(set(images(plan))) == ["vllm/vllm-openai:v0.33.0"]
    assert "image" not in release_values(plan, "keda") and "image" not in release_values(plan, "aws-efs-csi-driver")
    assert release_values(plan, "cluster-autoscaler")["image"].keys() == {"tag"}


def test_air_gapped_gke_takes_the_serving_images_from_the_mirror():
    environment = air_gapped("gke-dev", GCP_MIRROR)
    plan = plan_environment(environment)
    assert sorted(set(images(plan))) == [f"{GCP_MIRROR}/vllm/vllm-openai:v0.33.0"]
    assert release_values(plan, "keda")["image"]["keda"] == {"registry": GCP_MIRROR, "repository": "kedacore/keda"}
    assert release_values(plan, "keda-add-ons-http")["images"]["interceptor"].startswith(f"{GCP_MIRROR}/")
