"""A primary with fallbacks (issue 15): built on Istio gateways (EKS, AKS, on-prem), refused on GKE with its reason.

Each target's plan is validated strictly against the Kubernetes schemas and the CRDs kept in schema/crds/ (Istio's
DestinationRule at 1.29.6, HTTPRoute at Gateway API v1.5.1). `priorities` ranks the serving pods as Istio's
DestinationRule documents `failoverPriority` in its `label=value` form (istio/api 1.29.6 destination_rule.proto:
an endpoint matching all N labels has priority 0, one matching only the first N-1 priority 1, and so on, a label
counting only when every one before it matches), applied to the pod labels the plan renders.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from typing import Any

import pytest
from hangar.components.routing_failover import failover_pod_labels
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.routing import ROUTING
from hangar.policies.rules.routing_failover import failover_findings

from hangar.catalog import load_catalog
from hangar.cost import price_plan
from hangar.cost.routes import RouteCost, RoutePart, route_costs, route_shares
from hangar.render import manifest
from hangar.spec.routing_failover import GKE_FAILOVER_UNSUPPORTED
from hangar.stackfile import environment_from_config
from tests.kube_schemas import problems
from tests.serving_plans import (
    aws,
    gke,
    kube_records,
    of_kind,
    onprem,
    plan_environment,
    pod_templates,
    raw_environment,
    refused,
    schema_failures,
    server_container,
    servers,
    the,
)

AWS_FAILOVER = {"name": "chat", "failover": {"primary": "qwen-large", "fallbacks": ["qwen-small"]}}


def aks() -> dict[str, Any]:
    """aks-staging's Mixtral with a second deployment of it as the fallback."""
    raw = raw_environment("aks-staging")
    for pool in raw["clusters"][0]["node_pools"]:
        pool["max_nodes"] = pool["max_nodes"] * 2
    standby = {key: value for key, value in raw["deployments"][0].items() if key != "traffic"}
    raw["deployments"].append({**standby, "name": "standby"})
    raw["gateway"] = {}
    raw["routes"] = [{"name": "chat", "failover": {"primary": "mixtral", "fallbacks": ["standby"], "outlier_detection": {"consecutive_5xx_errors": 3, "base_ejection_seconds": 120}}}]
    return raw


def onprem_three() -> dict[str, Any]:
    """The on-prem site's Llama with two more deployments of it, tried in the order the route lists them."""
    raw = onprem()
    third = {key: value for key, value in raw["deployments"][1].items()}
    raw["deployments"].append({**third, "name": "llama-spare"})
    raw["routes"] = [{"name": "chat", "failover": {"primary": "llama-8b", "fallbacks": ["llama-canary", "llama-spare"]}}]
    return raw


@functools.cache
def planned(target: str):
    return plan_environment({"aws": lambda: aws(copy.deepcopy(AWS_FAILOVER)), "aks": aks, "onprem": onprem_three}[target]())


def serving_labels(plan) -> dict[str, dict[str, str]]:
    """The labels of the pods that serve the API, by deployment (a LeaderWorkerSet's leaders)."""
    return {w["metadata"]["name"]: pod_templates(w)[0]["metadata"]["labels"] for w in servers(plan)}


def priorities(rule: dict[str, Any], pods: dict[str, dict[str, str]]) -> dict[str, int]:
    """Each deployment's priority level under the DestinationRule's `failoverPriority`, among the pods its Service selects."""
    wanted = [entry.split("=", 1) for entry in rule["spec"]["trafficPolicy"]["loadBalancer"]["localityLbSetting"]["failoverPriority"]]
    ranks = {}
    for deployment, labels in pods.items():
        matched = 0
        for key, value in wanted:
            if labels.get(key) != value:
                break
            matched += 1
        ranks[deployment] = len(wanted) - matched
    return ranks


@pytest.mark.parametrize("target", ["aws", "aks", "onprem"])
def test_every_object_of_a_failover_route_validates_against_its_schema(target):
    failures = schema_failures(planned(target))
    assert not failures, "\n".join(failures)
    assert {"DestinationRule", "HTTPRoute", "Service"} <= {m["kind"] for m in (manifest(r) for r in kube_records(planned(target)))}


@pytest.mark.parametrize(("target", "order"), [("aws", ["qwen-large", "qwen-small"]), ("aks", ["mixtral", "standby"]), ("onprem", ["llama-8b", "llama-canary", "llama-spare"])])
def test_the_gateway_tries_the_deployments_in_the_routes_order(target, order):
    plan = planned(target)
    service = the(plan, "Service", "chat-failover")
    members = {name: labels for name, labels in serving_labels(plan).items() if all(labels.get(k) == v for k, v in service["spec"]["selector"].items())}
    assert sorted(members) == sorted(order)
    rule = the(plan, "DestinationRule", "chat-failover")
    assert rule["spec"]["host"] == f"chat-failover.{service['metadata']['namespace']}.svc.cluster.local"
    assert priorities(rule, members) == {name: level for level, name in enumerate(order)}


def test_the_route_sends_every_request_to_the_failover_service_and_builds_no_pool_for_it():
    plan = planned("aws")
    (rule,) = the(plan, "HTTPRoute", "chat")["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/chat"}}]
    assert rule["backendRefs"] == [{"group": "", "kind": "Service", "name": "chat-failover", "port": 8000}]
    assert rule["filters"] == [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}]
    assert rule["timeouts"] == {"request": "300s"}
    assert not of_kind(plan, "InferencePool")
    assert [p for p in of_kind(plan, "Service") if p["metadata"]["name"] == "chat-failover"][0]["spec"]["ports"] == [
        {"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP", "appProtocol": "http"}
    ]


def test_every_deployment_behind_it_answers_to_the_routes_name():
    for workload in servers(planned("aws")):
        args = server_container(workload)["args"]
        at = args.index("--served-model-name")
        assert args[at + 2] == "chat", args


def test_outlier_detection_ejects_every_replica_of_the_primary_by_default_and_takes_the_stacks_thresholds():
    assert the(planned("aws"), "DestinationRule", "chat-failover")["spec"]["trafficPolicy"]["outlierDetection"] == {
        "consecutive5xxErrors": 5, "interval": "10s", "baseEjectionTime": "30s", "maxEjectionPercent": 100,
    }  # fmt: skip
    assert the(planned("aks"), "DestinationRule", "chat-failover")["spec"]["trafficPolicy"]["outlierDetection"] == {
        "consecutive5xxErrors": 3, "interval": "10s", "baseEjectionTime": "120s", "maxEjectionPercent": 100,
    }  # fmt: skip


def test_the_gateway_pods_reach_no_picker_port_when_no_route_has_a_pool():
    (policy,) = [p for p in of_kind(planned("aws"), "NetworkPolicy") if p["metadata"]["name"].endswith("-gateway-proxy")]
    assert all(rule.get("to") != [] for rule in policy["spec"]["egress"])
    assert 9002 not in [port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"]]


def test_the_crd_schema_refuses_a_destination_rule_field_the_api_lacks():
    bad = copy.deepcopy(the(planned("aws"), "DestinationRule", "chat-failover"))
    bad["spec"]["trafficPolicy"]["outlierDetection"]["consecutive5xx"] = 5
    assert any("consecutive5xx" in line for line in problems(bad, "1.35"))


def test_on_gke_a_failover_route_is_refused_with_the_reason():
    raw = gke()
    raw["routes"] = [{"name": "chat", "failover": {"primary": "qwen-7b", "fallbacks": ["qwen-small"]}}]
    raw["deployments"][1]["max_context_tokens"] = raw["deployments"][0].get("max_context_tokens", 8192)
    message = refused(raw)
    assert "routes[0].failover" in message and "GKE's gateway classes program Google's regional Application Load Balancer" in message
    assert GKE_FAILOVER_UNSUPPORTED in message


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (lambda r: r.update(failover={"primary": "qwen-large", "fallbacks": ["qwen-large"]}), "routes[0].failover.fallbacks", "names a deployment more than once"),
        (lambda r: r.update(failover={"primary": "qwen-large", "fallbacks": []}), "routes[0].failover.fallbacks", "at least 1"),
        (lambda r: r.update(failover={"primary": "qwen-large", "fallbacks": ["qwen-tiny"]}), "routes[0].failover.fallbacks[0]", "no such deployment"),
        (lambda r: r.update(deployment="qwen-large"), "routes[0].split", "give exactly one form: split, small_first or deployment (or failover: a primary and its fallbacks)"),
        (lambda r: r["failover"].update(outlier_detection={"max_ejection_percent": 0}), "routes[0].failover.outlier_detection.max_ejection_percent", "greater than or equal to 1"),
        (lambda r: r.update(fallbacks=["qwen-small"]), "routes[0].fallbacks", "unknown key"),
    ],
)
def test_a_bad_failover_route_is_refused_naming_the_key(change, key, words):
    route = copy.deepcopy(AWS_FAILOVER)
    change(route)
    message = refused(aws(route))
    assert key in message and words in message, message


def test_a_fallback_that_serves_less_context_than_the_primary_is_refused():
    raw = aws(copy.deepcopy(AWS_FAILOVER))
    raw["deployments"][0]["max_context_tokens"] = 4096
    raw["deployments"][1]["max_context_tokens"] = 8192
    message = refused(raw)
    assert "routes[0].failover.fallbacks[0]" in message and "serves max_context_tokens 4096, less than the 8192 the route promises" in message


def test_adapters_on_one_level_of_a_failover_route_are_refused_when_another_serves_another_model():
    from tests.lora_plans import SQL

    raw = aws(copy.deepcopy(AWS_FAILOVER))
    raw["deployments"][0]["lora"] = {"adapters": [copy.deepcopy(SQL)]}
    message = refused(raw)
    # The adapter is of the fallback's Qwen2.5-7B; the primary serves Qwen3-32B (tests/test_routing_failover_lora.py builds the case that works).
    assert "routes[0].failover.primary" in message and "adapters of Qwen/Qwen2.5-7B-Instruct (deployment 'qwen-small')" in message, message


def test_a_pod_behind_no_failover_route_carries_no_failover_label():
    environment = environment_from_config(aws(copy.deepcopy(AWS_FAILOVER)), "Pulumi.test.yaml")
    assert failover_pod_labels(environment, "qwen-large") == {"failover.hangar.dev/chat": "true", "failover.hangar.dev/chat.1": "true"}
    assert failover_pod_labels(environment, "qwen-small") == {"failover.hangar.dev/chat": "true"}
    split = environment_from_config(aws({"name": "chat", "split": [{"deployment": "qwen-large", "weight": 1}, {"deployment": "qwen-small", "weight": 1}]}), "Pulumi.test.yaml")
    assert failover_pod_labels(split, "qwen-large") == {}


def test_the_routes_cost_is_the_primarys_and_the_fallbacks_take_no_share():
    environment = environment_from_config(aws(copy.deepcopy(AWS_FAILOVER)), "Pulumi.test.yaml")
    assert route_shares(environment.routes[0]) == {"qwen-large": 1.0, "qwen-small": 0.0}
    cost = RouteCost("chat", (RoutePart("qwen-large", 1.0, 2.5), RoutePart("qwen-small", 0.0, None, "declares no average traffic")))
    assert cost.blended_usd_per_million_tokens == 2.5
    assert RouteCost("chat", (RoutePart("qwen-large", 1.0, None, "pool h100 is not priced"), RoutePart("qwen-small", 0.0, 0.4))).blended_usd_per_million_tokens is None


def test_a_multi_host_primary_puts_its_leaders_behind_the_route_and_not_its_workers():
    raw = raw_environment("eks-prod")
    raw["deployments"][0].update(tensor_parallel=16, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1})
    fallback = {key: value for key, value in raw["deployments"][0].items() if key != "traffic"}
    raw["deployments"].append({**fallback, "name": "spare", "tensor_parallel": 8})
    for pool in raw["clusters"][0]["node_pools"]:
        pool["max_nodes"] = pool["max_nodes"] * 3
    raw["gateway"] = {}
    primary = raw["deployments"][0]["name"]
    raw["routes"] = [{"name": "chat", "failover": {"primary": primary, "fallbacks": ["spare"]}}]
    plan = plan_environment(raw)
    workloads = {w["metadata"]["name"]: w for w in servers(plan)}
    leader, worker = pod_templates(workloads[primary])
    assert leader["metadata"]["labels"]["failover.hangar.dev/chat"] == "true" and leader["metadata"]["labels"]["hangar.dev/role"] == "leader"
    assert not [key for key in worker["metadata"]["labels"] if key.startswith("failover.hangar.dev/")]
    assert priorities(the(plan, "DestinationRule", "chat-failover"), serving_labels(plan)) == {primary: 0, "spare": 1}


def test_licensing_judges_the_fallbacks_model_too():
    from hangar.policies.rules.base import LICENSING

    raw = aws(copy.deepcopy(AWS_FAILOVER))
    assert raw["deployments"][0]["name"] == "qwen-small"  # the fallback
    raw["deployments"][0].update(model="CohereLabs/c4ai-command-r-v01", pool="h100", max_context_tokens=8192)
    raw["deployments"][1]["max_context_tokens"] = 8192
    raw["clusters"][0]["node_pools"][1]["max_nodes"] = raw["clusters"][0]["node_pools"][1].get("max_nodes", 1) * 2
    plan = plan_environment(raw)
    prod = load_pack_config({"hangar-licensing": {"tier": "prod", "commercialUse": True}}, "test")
    refusals = [v.message for v in evaluate(list(plan), prod) if v.policy == LICENSING]
    assert any("CohereLabs/c4ai-command-r-v01" in message and "non-commercial" in message for message in refusals), refusals
    assert not any("Qwen/Qwen3-32B" in message for message in refusals), refusals


# --- hangar-routing on failover DestinationRules (any program's plan) ------------------------------------------------


def edited(plan, kind: str, name: str, change) -> list:
    """The plan's records with the named object's inputs changed by `change` (on a copy)."""
    records = []
    for record in plan:
        if record.inputs.get("kind") == kind and (record.inputs.get("metadata") or {}).get("name") == name:
            inputs = copy.deepcopy(record.inputs)
            change(inputs)
            record = dataclasses.replace(record, inputs=inputs)
        records.append(record)
    return records


def failover_messages(records) -> list[str]:
    return [v.message for v in evaluate(records, load_pack_config({}, "test")) if v.policy == ROUTING and "DestinationRule" in v.message]


@pytest.mark.parametrize("target", ["aws", "aks", "onprem"])
def test_hangars_own_failover_routes_pass_the_routing_rule(target):
    assert failover_findings(StackFacts(list(planned(target)))) == []


def test_a_failover_rule_without_outlier_detection_is_refused_since_istio_would_ignore_it():
    records = edited(planned("aws"), "DestinationRule", "chat-failover", lambda inputs: inputs["spec"]["trafficPolicy"].pop("outlierDetection"))
    (message,) = failover_messages(records)
    assert "DestinationRule" in message and "chat-failover trafficPolicy orders endpoints by failoverPriority without outlierDetection" in message
    assert "Istio then ignores the priorities" in message


def test_a_failover_rule_whose_pods_all_land_on_one_level_is_refused():
    def unrank(inputs):
        labels = inputs["spec"]["template"]["metadata"]["labels"]
        for key in [k for k in labels if k.startswith("failover.hangar.dev/chat.")]:
            del labels[key]

    kind = next(w["kind"] for w in servers(planned("aws")) if w["metadata"]["name"] == "qwen-large")
    (message,) = failover_messages(edited(planned("aws"), kind, "qwen-large", unrank))
    assert "lands on the same priority level of failoverPriority ['failover.hangar.dev/chat.1=true']" in message
    assert f"{kind} " in message and "qwen-large" in message and "qwen-small" in message


def test_a_failover_rule_over_a_service_that_selects_no_pods_is_refused():
    records = edited(planned("aws"), "Service", "chat-failover", lambda inputs: inputs["spec"].update(selector={"failover.hangar.dev/chat": "yes"}))
    (message,) = failover_messages(records)
    assert "which selects pods labelled {'failover.hangar.dev/chat': 'yes'}" in message and "there is nothing to fail over" in message


def test_a_rule_on_a_host_outside_the_stack_or_in_the_label_only_form_is_judged_only_for_outlier_detection():
    elsewhere = edited(planned("aws"), "DestinationRule", "chat-failover", lambda inputs: inputs["spec"].update(host="chat.other.example.com"))
    assert failover_messages(elsewhere) == []
    def label_only(inputs):
        inputs["spec"]["trafficPolicy"]["loadBalancer"]["localityLbSetting"]["failoverPriority"] = ["topology.kubernetes.io/zone"]

    assert failover_messages(edited(planned("aws"), "DestinationRule", "chat-failover", label_only)) == []


def test_the_blend_of_a_failover_route_is_the_primarys_price_and_a_fallback_without_traffic_says_why():
    raw = raw_environment("eks-prod")
    primary = raw["deployments"][0]["name"]
    raw["deployments"].append({**{k: v for k, v in raw["deployments"][0].items() if k != "traffic"}, "name": "spare"})
    for pool in raw["clusters"][0]["node_pools"]:
        pool["max_nodes"] = pool["max_nodes"] * 2
    raw["gateway"] = {}
    raw["routes"] = [{"name": "chat", "failover": {"primary": primary, "fallbacks": ["spare"]}}]
    environment = environment_from_config(raw, "Pulumi.test.yaml")
    (chat,) = route_costs(environment, price_plan(plan_environment(raw)), load_catalog())
    first, spare = chat.parts
    assert (first.deployment, first.share, spare.deployment, spare.share) == (primary, 1.0, "spare", 0.0)
    assert first.usd_per_million_tokens is not None and chat.blended_usd_per_million_tokens == first.usd_per_million_tokens
    assert spare.usd_per_million_tokens is None and "declares no average traffic" in spare.why_unknown and "(a fallback:" in spare.why_unknown
