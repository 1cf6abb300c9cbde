"""What Hangar renders and refuses on GKE's managed gateway (issue 15), from Google's own conformance reports.

GKE's gateway controller claims neither `HTTPRoutePathRewrite` nor a method-keeping redirect status (307/308)
(`hangar.components.routing_paths` and `hangar.spec.routing_gke` cite the reports): on GKE the one route is served at the
root path without a rewrite (several routes there are told apart by model: tests/test_routing_gke_bbr.py), and
`tls.redirect_http` is a config error.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hangar.components.routing_paths import REWRITE_TO_ROOT
from hangar.policies.rules import POLICIES, evaluate, load_pack_config
from hangar.policies.rules.config import pack_config_for
from hangar.policies.rules.routing import ROUTING
from hangar.policies.rules.routing_gke import HTTP_ROUTE

from hangar.records import ResourceRecord
from hangar.render import manifest
from hangar.stackfile import StackConfigError, environment_from_config
from tests.conftest import AWS_ENVIRONMENT
from tests.kube_schemas import problems
from tests.pack_agreement import offline_verdicts, pack_verdicts
from tests.serving_plans import example_plan, kube_records, plan_environment, raw_environment


def refused(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(StackConfigError) as raised:
        environment_from_config(raw, "Pulumi.test.yaml")
    return [str(problem) for problem in raised.value.problems]


def http_routes(plan) -> dict[str, dict[str, Any]]:
    documents = [manifest(r) for r in kube_records(plan)]
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == "HTTPRoute"}


def test_the_gke_route_is_served_at_the_root_without_a_rewrite_and_validates():
    (route,) = http_routes(example_plan("gke-chat")).values()
    assert not problems(route, "1.35")
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert "filters" not in rule and REWRITE_TO_ROOT not in [f for r in route["spec"]["rules"] for f in r.get("filters", [])]
    assert [(ref["name"], ref["weight"]) for ref in rule["backendRefs"]] == [("qwen-8b", 700), ("qwen-32b", 300)]


def test_the_http_redirect_is_refused_on_gke_and_the_https_gateway_without_it_plans():
    raw = raw_environment("gke-chat")
    raw["gateway"]["tls"] = {"gcp_certificate": "chat-internal", "redirect_http": True}
    (message,) = refused(copy.deepcopy(raw))
    assert message.startswith("Pulumi.test.yaml: hangar:environment.gateway.tls.redirect_http: ")
    assert "its gateway claims no redirect status that keeps the method (307 or 308" in message and message.endswith("give clients the https:// URL; got true")
    raw["gateway"]["tls"]["redirect_http"] = False
    environment_from_config(raw, "Pulumi.test.yaml")


def test_off_gke_a_gateway_carries_several_routes_each_under_its_own_prefix():
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["deployments"] = [
        {"name": "qwen-small", "model": "Qwen/Qwen2.5-7B-Instruct", "pool": "l4", "autoscaling": {"min_replicas": 1, "max_replicas": 1}},
        {"name": "qwen-large", "model": "Qwen/Qwen3-32B", "pool": "h100", "autoscaling": {"min_replicas": 1, "max_replicas": 1}},
    ]
    raw["gateway"] = {}
    raw["routes"] = [{"name": "small", "deployment": "qwen-small"}, {"name": "large", "deployment": "qwen-large"}]
    environment = environment_from_config(raw, "Pulumi.test.yaml")
    assert [route.name for route in environment.routes] == ["small", "large"]


def routing_messages(records: list[ResourceRecord]) -> list[str]:
    configs = {policy.name: policy.config_model() for policy in POLICIES}
    return [v.message for v in evaluate(records, configs) if v.policy == ROUTING]


def with_filters(records: list[ResourceRecord], route: str, filters: list[dict[str, Any]]) -> list[ResourceRecord]:
    """The records with `filters` on every rule of HTTPRoute `route`."""
    out = []
    for record in records:
        if record.type == HTTP_ROUTE and record.inputs["metadata"]["name"] == route:
            inputs = copy.deepcopy(record.inputs)
            for rule in inputs["spec"]["rules"]:
                rule["filters"] = copy.deepcopy(filters)
            record = ResourceRecord(**{**record.__dict__, "inputs": inputs})
        out.append(record)
    return out


def test_hangar_routing_refuses_a_path_rewrite_or_a_308_behind_a_gke_class_in_any_plan():
    records = list(example_plan("gke-chat").resources)
    assert routing_messages(records) == [m for m in routing_messages(records) if "smaller pickers are not measured" in m]
    rewritten = with_filters(records, "chat", [REWRITE_TO_ROOT])
    assert [m for m in routing_messages(rewritten) if "rewrites the path" in m] == [
        "HTTPRoute gke-chat/chat rules[0] rewrites the path behind a Gateway of class gke-l7-rilb, whose controller claims no path rewrite "
        "(Google's conformance reports list HTTPRoutePathRewrite as unsupported): the server may get the path unrewritten; match the path "
        "the server serves instead"
    ]
    redirected = with_filters(records, "chat", [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 308}}])
    assert [m for m in routing_messages(redirected) if "redirects with status" in m] == [
        "HTTPRoute gke-chat/chat rules[0] redirects with status 308 behind a Gateway of class gke-l7-rilb, whose controller claims neither "
        "307 nor 308 (Google's conformance reports list both as unsupported)"
    ]
    # A 301 is what GKE claims (HTTPRouteSchemeRedirect's own test): nothing to say.
    plain = with_filters(records, "chat", [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}])
    assert not [m for m in routing_messages(plain) if "redirects with status" in m]
    environment = environment_from_config(raw_environment("gke-chat"), "Pulumi.test.yaml")
    configs = load_pack_config(pack_config_for(environment), "test")
    offline = offline_verdicts(rewritten, configs, ROUTING)
    assert pack_verdicts(rewritten, configs, ROUTING) == offline


def test_istio_routes_rewrite_their_prefix_and_are_not_judged_by_gkes_reports():
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["deployments"] = [{"name": "qwen-small", "model": "Qwen/Qwen2.5-7B-Instruct", "pool": "l4", "autoscaling": {"min_replicas": 1, "max_replicas": 1}}]
    raw["gateway"] = {}
    raw["routes"] = [{"name": "small", "deployment": "qwen-small"}]
    records = list(plan_environment(raw).resources)
    route = next(manifest(r) for r in records if r.type == HTTP_ROUTE)
    assert [rule["filters"] for rule in route["spec"]["rules"]] == [[REWRITE_TO_ROOT]]
    assert [rule["matches"] for rule in route["spec"]["rules"]] == [[{"path": {"type": "PathPrefix", "value": "/small"}}]]
    assert not [m for m in routing_messages(records) if "rewrites the path" in m]
