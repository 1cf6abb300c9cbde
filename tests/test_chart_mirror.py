"""Charts without egress: every Helm chart Hangar installs on EKS, GKE and AKS comes from the cluster's `chart_repository`.

An air-gapped environment reaches neither a public image registry nor a public chart repository. Each
target is planned air-gapped with every chart it can install switched on (the device plugin, the EFS CSI
driver, the Cluster Autoscaler, KEDA and its HTTP add-on, LeaderWorkerSet, kube-prometheus-stack, Istio),
once with an OCI chart mirror and once with a Helm repository mirror; every Release must name the mirror,
and the set of charts per target is spelt out so a chart added later without the mirror fails here. Istio
is checked with egress (the spec refuses a gateway without egress until its images are mirrored).
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hangar.components.serving_environment import HTTP_ADD_ON_CHART, KEDA_CHART

from hangar.records import Plan
from hangar.spec.registry import public_registry
from hangar.stackfile import StackConfigError, environment_from_config
from tests.conftest import ROOT
from tests.serving_plans import plan_environment, raw_environment

RELEASE = "kubernetes:helm.sh/v3:Release"
IMAGES = {"aws": "111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror", "gcp": "us-docker.pkg.dev/ml-dev/mirror"}
OCI = {
    "aws": "oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts",
    "gcp": "oci://us-docker.pkg.dev/ml-dev/charts",
    "azure": "oci://hangarcharts.azurecr.io/charts",
}
HELM_REPOSITORY = "https://charts.corp.internal/hangar"
CHARTS = {
    "eks-prod": {
        "nvidia-device-plugin", "aws-efs-csi-driver", "cluster-autoscaler", "keda", "keda-add-ons-http", "lws", "kube-prometheus-stack", "base", "istiod",
    },
    # GKE installs its own device plugin and serves the gateway itself (gke-l7-rilb): no Istio
    "gke-dev": {"keda", "keda-add-ons-http", "lws", "kube-prometheus-stack"},
    "aks-staging": {"nvidia-device-plugin", "keda", "keda-add-ons-http", "lws", "kube-prometheus-stack", "base", "istiod"},
}  # fmt: skip


def air_gapped(stack: str, charts: str | None) -> dict[str, Any]:
    """`stack` without egress, its images from a mirror (AKS: its own private registry) and its charts from `charts`."""
    environment = raw_environment(stack)
    cluster = environment["clusters"][0]
    cluster["network"] = {**cluster.get("network", {}), "egress": "none"}
    if cluster["provider"] in IMAGES:
        cluster["registry_mirror"] = IMAGES[cluster["provider"]]
    if charts is not None:
        cluster["chart_repository"] = charts
    weights = "shared" if stack == "eks-prod" else "mirror"
    environment["deployments"][0]["weights"] = {"source": weights, "endpoint": "https://hf-mirror.corp.internal"}
    return environment


def everything(stack: str, charts: str, *, egress: str = "none") -> dict[str, Any]:
    """`air_gapped` plus what installs the remaining charts: a model scaled to zero (the KEDA HTTP add-on), a replica
    spanning hosts (LeaderWorkerSet) and the in-cluster metrics pipeline (kube-prometheus-stack); with egress, also a
    gateway splitting between the wide model and a narrow one (Istio outside GKE; the spec does not take the gateway's images from a mirror yet)."""
    environment = air_gapped(stack, charts)
    first = environment["deployments"][0]
    cluster = environment["clusters"][0]
    cluster["network"]["egress"] = egress
    cluster["metrics"] = {"pipeline": "in-cluster"}
    pool = next(p for p in cluster["node_pools"] if p["name"] == first["pool"])
    pool["max_nodes"] = max(pool["max_nodes"], 8)
    wide = {**first, "name": "wide", "tensor_parallel": 2 * int(pool.get("gpus_per_node") or 8), "autoscaling": {"min_replicas": 2, "max_replicas": 2}}
    wide["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.corp.internal"}
    first.update(latency_class="batch", autoscaling={**first.get("autoscaling", {}), "min_replicas": 0})
    environment["deployments"].append(wide)
    if egress != "none":
        environment["deployments"].append({**wide, "name": "narrow", "tensor_parallel": first.get("tensor_parallel", 1)})
        environment["gateway"] = {"proxy_only_cidr": "10.129.0.0/23"} if cluster["provider"] == "gcp" else {}
        environment["routes"] = [{"name": "chat", "split": [{"deployment": "wide", "weight": 50}, {"deployment": "narrow", "weight": 50}]}]
    return environment


ISTIO = {"base", "istiod"}


@functools.cache
def planned(stack: str, charts: str, egress: str) -> Plan:
    return plan_environment(everything(stack, charts, egress=egress))


def releases(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r.inputs["chart"]: r.inputs for r in plan if r.type == RELEASE}


def problems(environment: dict) -> list[str]:
    with pytest.raises(StackConfigError) as error:
        environment_from_config(environment, "Pulumi.test.yaml")
    return [str(p) for p in error.value.problems]


def provider(stack: str) -> str:
    return raw_environment(stack)["clusters"][0]["provider"]


# --- every chart from the mirror ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", sorted(CHARTS))
def test_air_gapped_every_chart_comes_from_the_oci_chart_mirror(stack):
    mirror = OCI[provider(stack)]
    found = releases(planned(stack, mirror, "none"))
    # an OCI reference names the chart in its URL, oci://<mirror path>/<chart>, with no repository to look it up in
    assert sorted(found) == sorted(f"{mirror}/{chart}" for chart in CHARTS[stack] - ISTIO)
    assert all("repositoryOpts" not in inputs for inputs in found.values())
    assert found[f"{mirror}/keda"]["version"] == KEDA_CHART.version  # the pins survive the move


@pytest.mark.parametrize("stack", sorted(CHARTS))
def test_air_gapped_every_chart_comes_from_a_helm_repository_mirror(stack):
    found = releases(planned(stack, HELM_REPOSITORY, "none"))
    assert sorted(found) == sorted(CHARTS[stack] - ISTIO)
    assert {chart: inputs["repositoryOpts"] for chart, inputs in found.items()} == {chart: {"repo": HELM_REPOSITORY} for chart in found}
    assert found["keda-add-ons-http"]["version"] == HTTP_ADD_ON_CHART.version


@pytest.mark.parametrize("stack", sorted(CHARTS))
def test_with_egress_a_chart_mirror_serves_every_chart_the_gateway_too(stack):
    found = releases(planned(stack, OCI[provider(stack)], "nat"))
    assert sorted(found) == sorted(f"{OCI[provider(stack)]}/{chart}" for chart in CHARTS[stack])


@pytest.mark.parametrize("stack", sorted(CHARTS))
def test_with_egress_and_no_mirror_the_same_charts_come_from_their_public_repositories(stack):
    environment = everything(stack, HELM_REPOSITORY, egress="nat")
    del environment["clusters"][0]["chart_repository"]
    found = releases(plan_environment(environment))
    # LWS is published only as oci://registry.k8s.io/lws/charts/lws; the others in Helm repositories
    assert sorted(chart.rsplit("/", 1)[-1] for chart in found) == sorted(CHARTS[stack])
    where = {chart: inputs["repositoryOpts"]["repo"] if "repositoryOpts" in inputs else chart for chart, inputs in found.items()}
    assert all(public_registry(url) for url in where.values()), where


# --- config errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", sorted(CHARTS))
def test_no_egress_and_no_chart_repository_is_a_config_error_naming_the_key(stack):
    (problem,) = problems(air_gapped(stack, None))
    assert problem.startswith(
        "Pulumi.test.yaml: hangar:environment.clusters[0].chart_repository: network.egress is none, so the charts Hangar installs (KEDA, "
    )
    assert problem.endswith("name a chart repository inside the network that holds them under their upstream names (oci://host/path or https://host/path); got null")


def test_a_public_chart_repository_is_no_mirror_for_an_air_gapped_cluster():
    (problem,) = problems(air_gapped("aks-staging", "oci://ghcr.io/example/charts"))
    assert problem == (
        "Pulumi.test.yaml: hangar:environment.clusters[0].chart_repository: ghcr.io is a public chart repository, unreachable with "
        "network.egress none; name one inside the network; got 'oci://ghcr.io/example/charts'"
    )


def test_a_chart_repository_is_a_url_with_its_scheme():
    (problem,) = problems(air_gapped("eks-prod", "charts.corp.internal/hangar"))
    assert problem.startswith("Pulumi.test.yaml: hangar:environment.clusters[0].chart_repository: ")
    assert "^(oci|https)://" in problem and problem.endswith("got 'charts.corp.internal/hangar'")


def test_missing_image_and_chart_mirrors_are_both_named():
    environment = air_gapped("gke-dev", None)
    del environment["clusters"][0]["registry_mirror"]
    found = problems(environment)
    assert [line.split(": ")[1] for line in found] == ["hangar:environment.clusters[0].registry_mirror", "hangar:environment.clusters[0].chart_repository"]


def test_every_release_goes_through_chart_release():
    """A Release built anywhere else would not honour the chart mirror: only components/helm.py constructs one."""
    builders = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "components").glob("*.py")
        if "helm.v3.Release(" in path.read_text()
    )
    assert builders == ["components/helm.py"]
