"""Air-gapped serving gets its weights: a Hub mirror or a staged volume, and images from the cluster's own registry.

A cluster with no way out (`network.egress: none`, on-prem `air_gapped`) cannot download from the
Hugging Face Hub: such a deployment must say where its weights come from, or the config is refused
before anything is registered.
"""

from __future__ import annotations

import pytest
from hangar.policies.rules.workloads import serving_workloads

from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.serving_plans import kube_records, of_kind, plan_environment, pod_templates, raw_environment, server_container, workloads

MIRROR = {"source": "mirror", "endpoint": "https://hf-mirror.corp.internal"}
VOLUME = {"source": "volume", "claim": "llama-weights", "path": "meta-llama/Llama-3.1-8B-Instruct"}


def _env(container) -> dict[str, str]:
    return {item["name"]: item.get("value") for item in container["env"]}


def _air_gapped_aks(weights=None):
    environment = raw_environment("aks-staging")
    environment["clusters"][0]["network"]["egress"] = "none"
    environment["clusters"][0]["chart_repository"] = "https://charts.corp.internal/hangar"
    if weights is not None:
        environment["deployments"][0]["weights"] = weights
    return environment


def _air_gapped_onprem(weights=None):
    environment = raw_environment("onprem")
    environment["clusters"][0].update(air_gapped=True, registry_mirror="registry.dc1.internal:5000/mirror", chart_repository="oci://registry.dc1.internal:5000/charts")
    if weights is not None:
        environment["deployments"][0]["weights"] = weights
    return environment


# --- refused before anything exists ----------------------------------------------------------------------


def test_an_air_gapped_cloud_cluster_serving_from_the_hub_is_a_config_error_naming_the_keys_and_the_choices():
    (problem,) = config_problems(_air_gapped_aks())
    assert problem.startswith("Pulumi.test.yaml: hangar:environment.deployments[0].weights.source: cluster 'staging' is air-gapped (clusters[0].network.egress)")
    assert "use mirror (with weights.endpoint" in problem and ", volume (with weights.claim" in problem and problem.endswith("got 'hub'")
    assert "or shared (with weights.endpoint, the mirror its staging Job downloads from)" in problem


def test_an_air_gapped_on_prem_site_serving_from_the_hub_is_a_config_error():
    (problem,) = config_problems(_air_gapped_onprem())
    assert "hangar:environment.deployments[0].weights.source: cluster 'dc1' is air-gapped (clusters[0].air_gapped)" in problem


def test_a_mirror_that_is_the_public_hub_is_no_way_round_the_air_gap():
    (problem,) = config_problems(_air_gapped_aks({"source": "mirror", "endpoint": "https://huggingface.co"}))
    assert "deployments[0].weights.endpoint: cluster 'staging' is air-gapped" in problem and "huggingface.co is public" in problem


@pytest.mark.parametrize(
    ("weights", "key", "says"),
    [
        ({"source": "mirror"}, "weights.endpoint", "source mirror needs the mirror's base URL"),
        ({"source": "volume"}, "weights.claim", "source volume needs the PersistentVolumeClaim"),
        ({"source": "hub", "endpoint": "https://hf-mirror.corp.internal"}, "weights.endpoint", "only sources mirror and shared take an endpoint"),
        ({"source": "shared", "claim": "x"}, "weights.claim", "only source volume takes a claim"),
        ({"source": "mirror", "endpoint": "https://m.internal", "claim": "x"}, "weights.claim", "only source volume takes a claim"),
        ({"source": "ftp"}, "weights.source", "'hub', 'mirror', 'volume' or 'shared'"),
    ],
)
def test_a_weights_source_missing_what_it_needs_is_a_config_error(weights, key, says):
    environment = raw_environment("gke-dev")
    environment["deployments"][0]["weights"] = weights
    problems = config_problems(environment)
    assert any(f"deployments[0].{key}" in p and says in p for p in problems), problems


def test_a_cluster_with_egress_serves_from_the_hub_by_default():
    environment = environment_from_config(raw_environment("gke-dev"), "Pulumi.gke-dev.yaml")
    assert environment.deployments[0].weights.source == "hub"


# --- what the server is given ----------------------------------------------------------------------------


def test_a_hub_mirror_is_the_hub_clients_endpoint_and_its_port_is_let_out():
    environment = _air_gapped_onprem({"source": "mirror", "endpoint": "http://hf-mirror.dc1.internal:8080/"})
    plan = plan_environment(environment)
    (workload,) = workloads(plan)
    env = _env(server_container(workload))
    assert env["HF_ENDPOINT"] == "http://hf-mirror.dc1.internal:8080"
    assert "HF_HUB_OFFLINE" not in env
    (policy,) = [p for p in of_kind(plan, "NetworkPolicy") if p["metadata"]["name"] == "llama-8b"]
    assert any(rule["ports"] == [{"protocol": "TCP", "port": 8080}] for rule in policy["spec"]["egress"])


def test_weights_staged_on_a_volume_are_loaded_offline_from_it_and_served_under_the_hub_id():
    plan = plan_environment(_air_gapped_onprem(VOLUME))
    (workload,) = workloads(plan)
    container = server_container(workload)
    pod = pod_templates(workload)[0]["spec"]
    assert container["args"][:3] == ["/weights/meta-llama/Llama-3.1-8B-Instruct", "--served-model-name", "meta-llama/Llama-3.1-8B-Instruct"]
    assert _env(container)["HF_HUB_OFFLINE"] == "1" and "HF_ENDPOINT" not in _env(container)
    assert {"name": "weights", "persistentVolumeClaim": {"claimName": "llama-weights", "readOnly": True}} in pod["volumes"]
    assert {"name": "weights", "mountPath": "/weights", "readOnly": True} in container["volumeMounts"]
    (read,) = serving_workloads(kube_records(plan))
    assert read.model == "meta-llama/Llama-3.1-8B-Instruct"  # the rules still judge the Hub id's licence and fit


def test_every_pod_of_a_multi_host_replica_mounts_the_staged_weights():
    environment = raw_environment("eks-prod")
    environment["clusters"][0].update(registry_mirror="111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror", chart_repository="oci://111122223333.dkr.ecr.us-east-1.amazonaws.com/charts")
    environment["clusters"][0]["network"]["egress"] = "none"
    environment["deployments"][0].update(tensor_parallel=16, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1})
    environment["deployments"][0]["weights"] = {"source": "volume", "claim": "llama-70b-weights"}
    (workload,) = workloads(plan_environment(environment))
    assert workload["kind"] == "LeaderWorkerSet"
    for template in pod_templates(workload):
        (container,) = template["spec"]["containers"]
        assert {"name": "weights", "mountPath": "/weights", "readOnly": True} in container["volumeMounts"]
        assert _env(container)["HF_HUB_OFFLINE"] == "1"
    assert server_container(workload)["args"][0] == "/weights"


# --- images from the cluster's registry ------------------------------------------------------------------


def test_an_air_gapped_aks_cluster_pulls_the_engine_and_keda_from_its_private_registry():
    plan = plan_environment(_air_gapped_aks(MIRROR))
    (registry,) = [r for r in plan if r.type == "azure-native:containerregistry:Registry"]
    login_server = f"{registry.inputs['registryName']}.azurecr.io"  # what the mock (like Azure) answers as loginServer
    (workload,) = workloads(plan)
    assert server_container(workload)["image"] == f"{login_server}/vllm/vllm-openai:v0.33.0"
    (keda,) = [r.inputs for r in plan if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "keda"]
    assert {image["registry"] for image in keda["values"]["image"].values()} == {login_server}


def test_an_aks_cluster_with_egress_pulls_from_the_public_registries():
    plan = plan_environment(raw_environment("aks-staging"))
    (workload,) = workloads(plan)
    assert server_container(workload)["image"] == "vllm/vllm-openai:v0.33.0"
    assert not [r for r in plan if r.type == "azure-native:containerregistry:Registry"]
