"""LoRA adapters behind a gateway (issue 15): Body-Based Routing sends a request naming an adapter to the pool that serves it.

Planned on GKE (the managed gateway calls BBR through a GCPRoutingExtension) and on EKS (Istio calls it through an
EnvoyFilter); every object is validated strictly against the Kubernetes schemas and the CRDs kept in schema/crds/.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest
import yaml
from hangar.components.serving_lora_routing import BASE_MODEL_HEADER, BBR_IMAGE, BBR_MANAGED, BBR_NAME, BBR_PORT

from tests.kube_schemas import problems
from tests.lora_plans import SQL, SUPPORT
from tests.serving_plans import AWS_HEADER, aws, gke, of_kind, plan_environment, schema_failures


def gke_with_adapters() -> dict[str, Any]:
    raw = gke()
    raw["deployments"][0]["lora"] = {"adapters": [copy.deepcopy(SQL), copy.deepcopy(SUPPORT)]}
    return raw


def aws_with_adapters() -> dict[str, Any]:
    raw = aws(copy.deepcopy(AWS_HEADER))
    raw["deployments"][1]["lora"] = {"adapters": [copy.deepcopy(SQL)]}
    return raw


@functools.cache
def planned(target: str):
    return plan_environment({"gke": gke_with_adapters, "aws": aws_with_adapters}[target]())


def named(plan, kind: str, name: str) -> dict[str, Any]:
    found = [m for m in of_kind(plan, kind) if m["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


@pytest.mark.parametrize("target", ["gke", "aws"])
def test_every_object_validates_against_its_schema(target):
    failures = schema_failures(planned(target))
    assert not failures, "\n".join(failures)


def test_bbr_learns_each_adapter_and_its_base_model_from_a_labelled_config_map():
    config = named(planned("gke"), "ConfigMap", "qwen-7b-adapters")
    assert config["metadata"]["labels"][BBR_MANAGED] == "true"
    assert config["data"]["baseModel"] == "Qwen/Qwen2.5-7B-Instruct"
    assert yaml.safe_load(config["data"]["adapters"]) == ["sql", "support"]
    # The small deployment serves no adapter: no map for it.
    assert not [m for m in of_kind(planned("gke"), "ConfigMap") if m["metadata"]["name"] == "qwen-small-adapters"]


def test_a_request_naming_an_adapter_goes_to_its_deployments_pool_before_the_routes_weights():
    route = named(planned("gke"), "HTTPRoute", "chat-adapters")
    (rule,) = route["spec"]["rules"]
    (match,) = rule["matches"]
    assert match["path"] == {"type": "PathPrefix", "value": "/"} and "filters" not in rule  # GKE: the root, unrewritten
    assert match["headers"] == [{"type": "Exact", "name": BASE_MODEL_HEADER, "value": "Qwen/Qwen2.5-7B-Instruct"}]
    assert rule["backendRefs"] == [{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "qwen-7b", "weight": 1}]
    assert route["spec"]["parentRefs"] == named(planned("gke"), "HTTPRoute", "chat")["spec"]["parentRefs"]
    # The route's own rules are unchanged: the small-first share still splits the rest.
    weights = [ref["weight"] for ref in named(planned("gke"), "HTTPRoute", "chat")["spec"]["rules"][0]["backendRefs"]]
    assert weights == [700, 300]


def test_the_picker_of_a_pool_serving_adapters_also_scores_adapter_affinity_at_the_default_weight():
    def picker(pool: str) -> dict[str, Any]:
        return yaml.safe_load(named(planned("gke"), "ConfigMap", f"{pool}-epp")["data"]["plugins.yaml"])

    with_lora, without = picker("qwen-7b"), picker("qwen-small")
    assert {"type": "lora-affinity-scorer"} in with_lora["plugins"]
    # No weight of Hangar's own: Inference Extension v1.5.0's loader gives an unweighted scorer 1.0; the chart's three keep theirs.
    assert with_lora["schedulingProfiles"][0]["plugins"] == [
        {"pluginRef": "queue-scorer", "weight": 2},
        {"pluginRef": "kv-cache-utilization-scorer", "weight": 2},
        {"pluginRef": "prefix-cache-scorer", "weight": 3},
        {"pluginRef": "lora-affinity-scorer"},
    ]
    # It reads which adapters a server has loaded from vLLM's LoRA gauge, named in the extractor's engine config.
    (extractor,) = [p for p in with_lora["plugins"] if p["type"] == "core-metrics-extractor"]
    assert extractor["parameters"]["engineConfigs"][0]["loraSpec"] == "vllm:lora_requests_info"
    # The small deployment serves no adapter: its picker keeps the chart's default profile.
    assert "lora-affinity-scorer" not in str(without) and len(without["schedulingProfiles"][0]["plugins"]) == 3


def test_bbr_runs_pinned_with_the_charts_plugins_watching_only_its_namespace():
    deployment = named(planned("gke"), "Deployment", BBR_NAME)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == BBR_IMAGE == "registry.k8s.io/gateway-api-inference-extension/bbr:v1.5.0"
    args = container["args"]
    assert args[0] == "--streaming" and "--tracing=false" in args
    plugins = [args[i + 1] for i, word in enumerate(args) if word == "--plugin"]
    assert plugins == ['body-field-to-header:model-extractor:{"fieldName":"model","headerName":"X-Gateway-Model-Name"}', "base-model-to-header:base-model-mapper"]
    assert {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}} in container["env"]
    assert container["securityContext"]["runAsNonRoot"] is True and container["securityContext"]["readOnlyRootFilesystem"] is True
    role = named(planned("gke"), "Role", BBR_NAME)
    assert role["rules"] == [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}]


def test_on_gke_the_managed_gateway_calls_bbr_through_a_routing_extension():
    extension = named(planned("gke"), "GCPRoutingExtension", BBR_NAME)
    assert extension["spec"]["targetRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gke-dev-gateway"}]
    (chain,) = extension["spec"]["extensionChains"]
    (call,) = chain["extensions"]
    assert call["backendRef"] == {"group": "", "kind": "Service", "name": BBR_NAME, "port": BBR_PORT}
    assert call["supportedEvents"] == ["RequestHeaders", "RequestBody", "RequestTrailers"]
    health = named(planned("gke"), "HealthCheckPolicy", BBR_NAME)
    assert health["spec"]["default"]["config"]["grpcHealthCheck"]["port"] == 9005
    # BBR admits the proxies on its ext-proc port and Google's health checkers on its health port, nothing else.
    ingress = named(planned("gke"), "NetworkPolicy", BBR_NAME)["spec"]["ingress"]
    assert ingress == [
        {"from": [{"ipBlock": {"cidr": "10.129.0.0/23"}}], "ports": [{"port": BBR_PORT, "protocol": "TCP"}]},
        {"from": [{"ipBlock": {"cidr": "35.191.0.0/16"}}, {"ipBlock": {"cidr": "130.211.0.0/22"}}], "ports": [{"port": 9005, "protocol": "TCP"}]},
    ]
    assert not of_kind(planned("gke"), "EnvoyFilter")


def test_on_istio_the_gateway_calls_bbr_first_over_tls_and_may_reach_it():
    plan = planned("aws")
    envoy = named(plan, "EnvoyFilter", BBR_NAME)
    (patch,) = envoy["spec"]["configPatches"]
    assert patch["patch"]["operation"] == "INSERT_FIRST"
    cluster = patch["patch"]["value"]["typed_config"]["grpc_service"]["envoy_grpc"]["cluster_name"]
    namespace = envoy["metadata"]["namespace"]
    assert cluster == f"outbound|{BBR_PORT}||{BBR_NAME}.{namespace}.svc.cluster.local"
    assert named(plan, "DestinationRule", BBR_NAME)["spec"]["trafficPolicy"]["tls"] == {"mode": "SIMPLE", "insecureSkipVerify": True}
    way_out = named(plan, "NetworkPolicy", "test-gateway-proxy-bbr")
    assert way_out["spec"]["egress"] == [{"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": BBR_NAME}}}], "ports": [{"port": BBR_PORT, "protocol": "TCP"}]}]
    assert not of_kind(plan, "GCPRoutingExtension")


def test_a_header_small_first_route_gets_the_adapter_rule_for_its_large_deployment():
    route = named(planned("aws"), "HTTPRoute", "chat-adapters")
    (rule,) = route["spec"]["rules"]
    assert rule["matches"][0]["headers"][0]["value"] == "Qwen/Qwen3-32B" and rule["backendRefs"][0]["name"] == "qwen-large"
    assert rule["timeouts"] == {"request": "300s"}


def test_without_adapters_behind_a_route_there_is_no_body_based_routing():
    plan = plan_environment(aws(copy.deepcopy(AWS_HEADER)))
    assert not [m for m in of_kind(plan, "Deployment") if m["metadata"]["name"] == BBR_NAME]
    assert not of_kind(plan, "EnvoyFilter")


def test_adapters_of_a_deployment_behind_no_route_stay_off_the_gateway_on_their_servers_own_service():
    raw = gke_with_adapters()
    raw["deployments"].append({"name": "qwen-solo", "model": "Qwen/Qwen3-1.7B", "pool": "l4-spot", "max_context_tokens": 8192,
                               "autoscaling": {"min_replicas": 1, "max_replicas": 1},
                               "lora": {"adapters": [{**SQL, "name": "solo-sql", "source": "acme/qwen3-1.7b-sql-lora"}]}})  # fmt: skip
    plan = plan_environment(raw)
    # The routed deployment's adapters are mapped for BBR and routed; the unrouted one's are not, nor does it get a pool.
    maps = sorted(m["metadata"]["name"] for m in of_kind(plan, "ConfigMap") if m["metadata"].get("labels", {}).get(BBR_MANAGED) == "true")
    assert maps == ["qwen-7b-adapters"]
    assert "qwen-solo" not in [m["metadata"]["name"] for m in of_kind(plan, "InferencePool")]
    assert "solo-sql" not in str([m["spec"] for m in of_kind(plan, "HTTPRoute")])
    # Its server still serves the adapter, on its own Service.
    (solo,) = [m for m in of_kind(plan, "StatefulSet") if m["metadata"]["name"] == "qwen-solo"]
    args = solo["spec"]["template"]["spec"]["containers"][0]["args"]
    assert '"name":"solo-sql"' in args[args.index("--lora-modules") + 1]
    assert named(plan, "Service", "qwen-solo")["spec"]["selector"] == solo["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize("kind", ["EnvoyFilter", "DestinationRule", "GCPRoutingExtension"])
def test_the_kept_crd_schemas_refuse_a_field_their_api_lacks(kind):
    target = "gke" if kind == "GCPRoutingExtension" else "aws"
    document = copy.deepcopy(named(planned(target), kind, BBR_NAME))
    document["spec"]["failOpen"] = True  # no such field at the top of any of these specs
    assert any("failOpen" in line for line in problems(document, "1.35"))
