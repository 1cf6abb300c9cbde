"""Routes and the inference gateway (issue 15): the objects per target, their CRD validation, each route form, the config errors.

A gateway environment on each target is planned once (module-scoped plans); every Kubernetes object it
renders is validated strictly against the Kubernetes schemas and the CRDs kept in schema/crds/
(InferencePool at Gateway API Inference Extension v1.5.0, Gateway and HTTPRoute at Gateway API v1.5.1).
"""

from __future__ import annotations

import copy

import pytest
from hangar.components.routing import GATEWAY_API_CRDS, INFERENCE_CRDS, ISTIO_REPOSITORY, ISTIO_VERSION
from hangar.components.routing_pool import EPP_IMAGE, VLLM_ENGINE, picker_config

from hangar.render import manifest
from hangar.spec import Environment
from hangar.stackfile import environment_from_config
from tests.kube_schemas import problems
from tests.serving_plans import (
    AWS_HEADER,
    CHAT_SMALL_FIRST,
    aws,
    example_environment,
    example_plan,
    example_servers,
    gke,
    kube_records,
    of_kind,
    plan_environment,
    planned,
    raw_environment,
    refused,
    schema_failures,
    server_container,
    servers,
    the,
    workloads,
)
from tests.vllm_exposition import RELEASES, Engine, page


def versions(plan) -> dict[str, str]:
    return {r.name: r.inputs.get("kubernetesVersion") for r in plan if r.type == "pulumi:providers:kubernetes"}


@pytest.mark.parametrize("target", ["gke", "gke-public", "aws", "onprem"])
def test_every_routing_object_validates_against_its_schema(target):
    plan = planned(target)
    failures = schema_failures(plan)
    assert not failures, "\n".join(failures)
    kinds = {m["kind"] for m in (manifest(r) for r in kube_records(plan))}
    assert {"InferencePool", "Gateway", "HTTPRoute"} <= kinds


def test_the_crd_schemas_refuse_a_backend_ref_field_the_api_lacks():
    route = the(planned("gke"), "HTTPRoute")
    bad = copy.deepcopy(route)
    bad["spec"]["rules"][0]["backendRefs"][0]["fallback"] = True
    assert any("fallback" in line for line in problems(bad, "1.35"))
    pool = the(planned("gke"), "InferencePool", "qwen-small")
    bad_pool = copy.deepcopy(pool)
    bad_pool["spec"]["targetPorts"] = [{"number": 70000}]
    assert problems(bad_pool, "1.35")


def test_gke_uses_the_managed_internal_class_its_proxy_only_subnet_and_the_clusters_gateway_api():
    plan = planned("gke")
    assert the(plan, "Gateway")["spec"] == {
        "gatewayClassName": "gke-l7-rilb",
        "listeners": [{"name": "http", "port": 80, "protocol": "HTTP", "allowedRoutes": {"namespaces": {"from": "Same"}}}],
    }
    (subnet,) = [r for r in plan if r.type == "gcp:compute/subnetwork:Subnetwork" and r.name.endswith("proxy-only")]
    assert (subnet.inputs["purpose"], subnet.inputs["role"], subnet.inputs["ipCidrRange"]) == ("REGIONAL_MANAGED_PROXY", "ACTIVE", "10.129.0.0/23")
    (cluster,) = [r for r in plan if r.type == "gcp:container/cluster:Cluster"]
    assert cluster.inputs["gatewayApiConfig"] == {"channel": "CHANNEL_STANDARD"}
    assert not [r for r in plan if r.type.startswith("kubernetes:helm") and "istio" in r.name]
    assert the(planned("gke-public"), "Gateway")["spec"]["gatewayClassName"] == "gke-l7-regional-external-managed"


def test_on_gke_each_pool_is_probed_on_vllms_health_path_with_a_long_backend_timeout():
    plan = planned("gke")
    target = {"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "qwen-small"}
    health = the(plan, "HealthCheckPolicy", "qwen-small")["spec"]
    assert health == {"targetRef": target, "default": {"timeoutSec": 2, "checkIntervalSec": 2, "config": {"type": "HTTP", "httpHealthCheck": {"requestPath": "/health", "port": 8000}}}}
    assert the(plan, "GCPBackendPolicy", "qwen-small")["spec"] == {"targetRef": target, "default": {"timeoutSec": 300}}
    assert not of_kind(planned("aws"), "HealthCheckPolicy") and not of_kind(planned("aws"), "GCPBackendPolicy")


def test_without_a_gateway_the_gke_cluster_leaves_the_gateway_api_alone():
    plan = plan_environment(raw_environment("gke-dev"))
    (cluster,) = [r for r in plan if r.type == "gcp:container/cluster:Cluster"]
    assert "gatewayApiConfig" not in cluster.inputs
    assert not [r for r in plan if r.type.startswith("hangar:routing")]


def test_small_first_share_becomes_weights_out_of_a_thousand_at_the_root_on_gke():
    route = the(planned("gke"), "HTTPRoute", "chat")
    assert route["spec"]["parentRefs"] == [{"name": "gke-dev-gateway"}]
    (rule,) = route["spec"]["rules"]
    # GKE's gateway rewrites no paths (hangar.components.routing_paths): its one route is served at the root, unrewritten.
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert "filters" not in rule
    assert [(ref["kind"], ref["name"], ref["weight"]) for ref in rule["backendRefs"]] == [("InferencePool", "qwen-small", 700), ("InferencePool", "qwen-7b", 300)]
    assert "timeouts" not in rule  # GKE sets the backend timeout itself


def test_small_first_by_header_sends_the_class_to_the_small_pool_and_the_rest_to_the_large_one():
    rules = the(planned("aws"), "HTTPRoute", "chat")["spec"]["rules"]
    assert [r["matches"] for r in rules] == [
        [{"path": {"type": "PathPrefix", "value": "/chat"}, "headers": [{"type": "Exact", "name": "x-request-class", "value": "easy"}]}],
        [{"path": {"type": "PathPrefix", "value": "/chat"}}],
    ]
    assert [[ref["name"] for ref in r["backendRefs"]] for r in rules] == [["qwen-small"], ["qwen-large"]]
    assert all(r["timeouts"] == {"request": "300s"} for r in rules)
    # Istio rewrites the route's prefix away, so the server sees vLLM's own /v1 paths.
    assert all(r["filters"] == [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}] for r in rules)


def test_a_split_keeps_its_weights():
    (rule,) = the(planned("onprem"), "HTTPRoute", "chat")["spec"]["rules"]
    assert [(ref["name"], ref["weight"]) for ref in rule["backendRefs"]] == [("llama-8b", 90), ("llama-canary", 10)]


@pytest.mark.parametrize("target, annotations", [
    ("aws", {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb", "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
             "service.beta.kubernetes.io/aws-load-balancer-internal": "true"}),
    ("onprem", None),
])  # fmt: skip
def test_elsewhere_istio_serves_the_gateway_kept_internal_by_the_clouds_annotation(target, annotations):
    plan = planned(target)
    gateway = the(plan, "Gateway")
    assert gateway["spec"]["gatewayClassName"] == "istio"
    infrastructure = dict(gateway["spec"].get("infrastructure") or {})
    # On a cloud the gateway pods go to the system pool by their overlay ConfigMap (tests/test_routing_system_gateway.py).
    overlay = infrastructure.pop("parametersRef", None)
    assert overlay == ({"group": "", "kind": "ConfigMap", "name": "test-gateway-deployment"} if target != "onprem" else None)
    assert infrastructure == (({"annotations": annotations}) if annotations else {})
    releases = {r.inputs["chart"]: r.inputs for r in plan if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] in ("base", "istiod")}
    assert {chart: (inputs["version"], inputs["namespace"]) for chart, inputs in releases.items()} == {
        "base": (ISTIO_VERSION, "istio-system"), "istiod": (ISTIO_VERSION, "istio-system")
    }
    if target != "onprem":  # on-prem charts may come from the site's chart repository
        assert releases["istiod"]["repositoryOpts"]["repo"] == ISTIO_REPOSITORY
    assert releases["istiod"]["values"]["env"] == {"ENABLE_GATEWAY_API_INFERENCE_EXTENSION": "true"}
    assert releases["istiod"]["values"]["gateways"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    files = sorted(r.inputs["file"] for r in plan if r.type == "kubernetes:yaml/v2:ConfigFile")
    assert files == sorted([GATEWAY_API_CRDS, INFERENCE_CRDS])
    policy = the(plan, "NetworkPolicy", f"{gateway['metadata']['name']}-proxy")
    assert policy["spec"]["podSelector"] == {"matchLabels": {"gateway.networking.k8s.io/gateway-name": gateway["metadata"]["name"]}}


def test_each_routed_server_has_a_pool_and_a_picker_configured_for_vllms_metrics():
    plan = planned("gke")
    pool = the(plan, "InferencePool", "qwen-small")
    assert pool["spec"] == {
        "selector": {"matchLabels": {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "qwen-small"}},
        "targetPorts": [{"number": 8000}],
        "appProtocol": "http",
        "endpointPickerRef": {"name": "qwen-small-epp", "port": {"number": 9002}, "failureMode": "FailOpen"},
    }
    picker = the(plan, "Deployment", "qwen-small-epp")
    (container,) = picker["spec"]["template"]["spec"]["containers"]
    assert container["image"] == EPP_IMAGE == "registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0"
    assert container["args"][:6] == ["--pool-name", "qwen-small", "--pool-namespace", "gke-dev", "--pool-group", "inference.networking.k8s.io"]
    assert container["resources"] == {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "4Gi"}}
    assert container["securityContext"]["runAsNonRoot"] and container["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert picker["spec"]["template"]["spec"]["nodeSelector"] == {"hangar.dev/pool": "system"}
    config = the(plan, "ConfigMap", "qwen-small-epp")["data"]["plugins.yaml"]
    assert "vllm:kv_cache_usage_perc" in config and config.count("pluginRef") == 3
    extractor = next(p for p in picker_config()["plugins"] if p["type"] == "core-metrics-extractor")
    assert extractor["parameters"]["engineConfigs"] == [VLLM_ENGINE]


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_the_pickers_queue_running_and_kv_metrics_are_what_each_verified_vllm_release_exports(release):
    exported = page("Qwen/Qwen3-1.7B", Engine(running=1, waiting=2, kv_cache_usage=0.5), release)
    for key in ("queuedRequestsSpec", "runningRequestsSpec", "kvUsageSpec"):
        assert f"\n{VLLM_ENGINE[key]}{{" in exported, VLLM_ENGINE[key]


def test_routed_servers_answer_to_the_route_and_admit_their_picker_and_the_gateways_proxies():
    plan = planned("gke")
    servers = {"qwen-small": "Qwen/Qwen3-1.7B", "qwen-7b": "Qwen/Qwen2.5-7B-Instruct"}
    assert {w["metadata"]["name"] for w in workloads(plan)} == {*servers, *(f"{name}-epp" for name in servers)}
    for name, model in servers.items():
        args = server_container(the(plan, "StatefulSet", name))["args"]
        at = args.index("--served-model-name")
        assert args[at + 1 : at + 3] == [model, "chat"]
        ingress = the(plan, "NetworkPolicy", name)["spec"]["ingress"]
        peers = [peer for rule in ingress for peer in rule.get("from", [])]
        assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "endpoint-picker", "app.kubernetes.io/instance": f"{name}-epp"}}} in peers
        assert {"ipBlock": {"cidr": "10.129.0.0/23"}} in peers


def test_a_server_behind_no_route_keeps_its_arguments():
    raw = gke()
    raw["routes"][0] = {"name": "chat", "split": [{"deployment": "qwen-7b", "weight": 1}, {"deployment": "qwen-7b-b", "weight": 1}]}
    raw["deployments"].append({**raw["deployments"][0], "name": "qwen-7b-b"})
    raw["clusters"][0]["node_pools"][0]["max_nodes"] = 4
    plan = plan_environment(raw)
    small = next(w for w in workloads(plan) if w["metadata"]["name"] == "qwen-small")
    assert "--served-model-name" not in server_container(small)["args"]
    assert not [m for m in of_kind(plan, "InferencePool") if m["metadata"]["name"] == "qwen-small"]


# --- config errors -----------------------------------------------------------------------------------


def test_a_route_naming_a_missing_deployment_is_refused_naming_the_key_and_the_deployments():
    raw = gke()
    raw["routes"][0]["small_first"]["small"] = "qwen-tiny"
    message = refused(raw)
    assert "routes[0].small_first.small" in message and "'qwen-tiny'" in message and "['qwen-7b', 'qwen-small']" in message


def test_a_deployment_serving_less_context_than_the_route_promises_is_refused():
    raw = gke()
    raw["deployments"][1]["max_context_tokens"] = 4096
    message = refused(raw)
    assert "routes[0].small_first.small" in message and "4096" in message and "8192" in message
    raw["routes"][0]["max_context_tokens"] = 4096  # promising less is allowed
    Environment.model_validate(raw)


def test_a_text_and_image_route_refuses_a_text_only_model():
    raw = gke()
    raw["routes"][0]["modality"] = "text+image"
    message = refused(raw)
    assert "routes[0].small_first.large" in message and "takes text only" in message


@pytest.mark.parametrize("change, key, words", [
    (lambda raw: raw.pop("gateway"), "routes", "routes need a gateway"),
    (lambda raw: raw["gateway"].pop("proxy_only_cidr"), "gateway.proxy_only_cidr", "proxy-only subnet"),
    (lambda raw: raw["routes"][0].update(split=[{"deployment": "qwen-7b", "weight": 1}]), "routes[0].split", "at least 2"),
    (lambda raw: raw["routes"][0]["small_first"].update(header={"name": "x-class", "value": "easy"}), "share", "exactly one of share"),
    (lambda raw: raw["routes"].append(copy.deepcopy(CHAT_SMALL_FIRST)), "routes[1].name", "two routes are named"),
    (lambda raw: raw["gateway"].update(auth="api-key"), "routes[0].small_first.large", "needs exposure.auth api-key"),
])  # fmt: skip
def test_gateway_and_route_mistakes_are_refused_naming_the_key(change, key, words):
    raw = gke()
    change(raw)
    message = refused(raw)
    assert key in message and words in message, message


def test_a_routed_deployment_that_scales_to_zero_is_refused_since_the_gateway_cannot_wake_it():
    raw = gke()
    raw["deployments"][0].update(latency_class="batch", autoscaling={"max_replicas": 1})  # batch's default minimum is 0
    message = refused(raw)
    assert "routes[0].small_first.large" in message and "scales to zero" in message and "min_replicas to 1" in message
    raw["deployments"][0]["autoscaling"]["min_replicas"] = 1
    environment_from_config(raw, "Pulumi.test.yaml")


def test_a_public_gateway_in_prod_needs_auth():
    raw = gke(scope="public")
    raw["tier"] = "prod"
    assert "gateway.auth" in refused(raw)


def test_a_proxy_only_cidr_off_gcp_is_refused():
    raw = aws(AWS_HEADER)
    raw["gateway"]["proxy_only_cidr"] = "10.129.0.0/23"
    message = refused(raw)
    assert "gateway.proxy_only_cidr" in message and "only for a gcp cluster" in message


# --- the example: two models behind one chat route ----------------------------------------------------


def test_the_gke_chat_example_serves_a_small_and_a_large_model_behind_one_chat_route():
    environment = example_environment("gke-chat")
    assert [(d.name, d.model, d.pool) for d in environment.deployments] == [("qwen-8b", "Qwen/Qwen3-8B", "l4"), ("qwen-32b", "Qwen/Qwen3-32B", "h100")]
    plan = example_plan("gke-chat")
    assert the(plan, "Gateway")["spec"]["gatewayClassName"] == "gke-l7-rilb"
    (rule,) = the(plan, "HTTPRoute", "chat")["spec"]["rules"]
    assert [(ref["name"], ref["weight"]) for ref in rule["backendRefs"]] == [("qwen-8b", 700), ("qwen-32b", 300)]
    for deployment, workload in example_servers("gke-chat"):
        args = server_container(workload)["args"]
        assert args[args.index("--served-model-name") + 1 :][:2] == [deployment.model, "chat"]
        assert the(plan, "InferencePool", deployment.name)["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] == deployment.name
    pickers = {w["metadata"]["name"] for w in workloads(plan)} - {w["metadata"]["name"] for w in servers(plan)}
    assert pickers == {"qwen-8b-epp", "qwen-32b-epp"}


def test_by_default_a_picker_asks_what_the_smallest_system_node_can_give():
    (container,) = the(planned("aws"), "Deployment", "qwen-small-epp")["spec"]["template"]["spec"]["containers"]
    assert container["resources"] == {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "4Gi"}}  # an m6i.large has 2 vCPU, 8 GiB
