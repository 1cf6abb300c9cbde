"""A gateway on a cluster without egress (issue 15): Istio, the pickers and the CRD manifests from inside the network.

With `network.egress: none` (EKS, GKE) or `air_gapped` (on-prem), every image, chart and manifest the gateway
needs must come from the cluster's `registry_mirror`, its `chart_repository` and `gateway.crds`; the plan is
searched for anything that would still reach a public host.
"""

from __future__ import annotations

import functools

import pytest
from hangar.components.routing import GATEWAY_API_VERSION, ISTIO_VERSION
from hangar.components.routing_pool import EPP_VERSION

from hangar.spec.registry import public_registry
from tests.registry_mirrors import CHARTS, GCP_MIRROR, MIRROR, gke_without_egress, images
from tests.serving_plans import AWS_HEADER, aws, gke, kube_records, manifest, onprem, plan_environment, raw_environment, refused, the

CRDS = {
    "gateway_api": "https://artifacts.corp.internal/gateway-api/v1.5.1/standard-install.yaml",
    "inference_extension": "https://artifacts.corp.internal/gateway-api-inference-extension/v1.5.0/manifests.yaml",
}


def eks_without_egress(crds: dict | None = CRDS) -> dict:
    raw = aws(AWS_HEADER)
    cluster = raw["clusters"][0]
    cluster["network"] = {**cluster.get("network", {}), "egress": "none"}
    cluster["registry_mirror"], cluster["chart_repository"] = MIRROR, CHARTS["aws"]
    for deployment in raw["deployments"]:
        deployment["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.corp.internal"}
    if crds is not None:
        raw["gateway"]["crds"] = crds
    return raw


@functools.cache
def eks_plan():
    return plan_environment(eks_without_egress())


def reaches(plan) -> list[str]:
    """Every image, chart repository and manifest URL of the plan that is on a public host."""
    found = [image for image in images(plan) if public_registry(image)]
    for record in plan:
        if record.type == "kubernetes:helm.sh/v3:Release":
            where = record.inputs.get("repositoryOpts", {}).get("repo") or record.inputs["chart"]
            found += [where] if public_registry(where) else []
        if record.type == "kubernetes:yaml/v2:ConfigFile":
            found += [record.inputs["file"]] if public_registry(record.inputs["file"]) else []
    return found


def test_on_eks_without_egress_istio_the_pickers_and_the_crds_come_from_inside_the_network():
    plan = eks_plan()
    assert not reaches(plan), reaches(plan)
    (istiod,) = [r.inputs for r in plan if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"].endswith("/istiod")]
    assert istiod["chart"] == f"{CHARTS['aws']}/istiod"
    assert istiod["values"]["global"] == {"hub": f"{MIRROR}/istio", "tag": ISTIO_VERSION}
    assert sorted(r.inputs["file"] for r in plan if r.type == "kubernetes:yaml/v2:ConfigFile") == sorted(CRDS.values())
    (picker,) = the(plan, "Deployment", "qwen-small-epp")["spec"]["template"]["spec"]["containers"]
    assert picker["image"] == f"{MIRROR}/gateway-api-inference-extension/epp:v1.5.0"


def test_on_gke_without_egress_only_the_pickers_need_the_mirror():
    plan = plan_environment(gke_without_egress())
    assert not reaches(plan), reaches(plan)
    assert {m["spec"]["template"]["spec"]["containers"][0]["image"] for m in (manifest(r) for r in kube_records(plan)) if m["kind"] == "Deployment"} >= {
        f"{GCP_MIRROR}/gateway-api-inference-extension/epp:v1.5.0"
    }


def test_without_egress_the_crd_manifests_must_be_named_and_not_on_github():
    message = refused(eks_without_egress(crds=None))
    assert "gateway.crds" in message and "cannot come from github.com" in message
    # the versions the spec names are the ones the components pin
    assert f"standard-install.yaml (Gateway API {GATEWAY_API_VERSION})" in message and f"manifests.yaml (Inference Extension {EPP_VERSION})" in message
    public = {**CRDS, "gateway_api": "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml"}
    message = refused(eks_without_egress(crds=public))
    assert "gateway.crds.gateway_api" in message and "github.com is public" in message and "inference_extension" not in message


def test_gke_installs_its_own_crds_so_naming_them_is_refused():
    raw = gke()
    raw["gateway"]["crds"] = CRDS
    message = refused(raw)
    assert "gateway.crds" in message and "GKE installs the Gateway API and InferencePool CRDs itself" in message


@pytest.mark.parametrize("crds", [{"gateway_api": "http://artifacts.corp.internal/a.yaml", "inference_extension": CRDS["inference_extension"]}])
def test_a_crd_manifest_not_served_over_https_is_refused(crds):
    assert "gateway.crds.gateway_api" in refused(eks_without_egress(crds=crds))


def test_an_air_gapped_site_takes_istio_and_the_pickers_from_its_mirror_and_the_crds_from_its_copies():
    raw = onprem()
    mirror = "registry.dc1.internal:5000/mirror"
    raw["clusters"][0].update(air_gapped=True, registry_mirror=mirror, chart_repository="https://charts.dc1.internal")
    for deployment in raw["deployments"]:
        deployment["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.dc1.internal"}
    message = refused(raw)
    assert "gateway.crds" in message and "cannot come from github.com" in message
    raw["gateway"]["crds"] = CRDS
    plan = plan_environment(raw)
    assert not reaches(plan), reaches(plan)
    (istiod,) = [r.inputs for r in plan if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "istiod"]
    assert istiod["values"]["global"] == {"hub": f"{mirror}/istio", "tag": ISTIO_VERSION}


def test_on_aks_without_egress_istio_and_the_pickers_come_from_the_clusters_private_registry():
    raw = raw_environment("aks-staging")
    raw["clusters"][0]["network"] = {**raw["clusters"][0].get("network", {}), "egress": "none"}
    raw["clusters"][0]["chart_repository"] = "oci://hangarcharts.azurecr.io/charts"
    raw["deployments"][0]["weights"] = {"source": "mirror", "endpoint": "https://hf-mirror.corp.internal"}
    for pool in raw["clusters"][0]["node_pools"]:  # room for the canary's replicas beside the deployment's
        pool["max_nodes"] = pool["max_nodes"] * 2
    canary = {key: value for key, value in raw["deployments"][0].items() if key != "traffic"}
    raw["deployments"].append({**canary, "name": "canary"})
    raw["routes"] = [{"name": "chat", "split": [{"deployment": raw["deployments"][0]["name"], "weight": 9}, {"deployment": "canary", "weight": 1}]}]
    raw["gateway"] = {}
    message = refused(raw)
    assert "gateway.crds" in message and "cannot come from github.com" in message
    raw["gateway"] = {"crds": CRDS}
    plan = plan_environment(raw)
    assert not reaches(plan), reaches(plan)
    (registry,) = [f"{r.inputs['registryName']}.azurecr.io" for r in plan if r.type == "azure-native:containerregistry:Registry"]  # the mocks' login server
    (istiod,) = [r.inputs for r in plan if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"].endswith("/istiod")]
    assert istiod["values"]["global"] == {"hub": f"{registry}/istio", "tag": ISTIO_VERSION}
    (picker,) = the(plan, "Deployment", "canary-epp")["spec"]["template"]["spec"]["containers"]
    assert picker["image"] == f"{registry}/gateway-api-inference-extension/epp:{EPP_VERSION}"
