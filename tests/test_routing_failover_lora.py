"""LoRA adapters behind a failover route (issue 15): built where every level serves the same adapters, refused with why
otherwise.

A failover route's one Service (`<route>-failover`) sends a request to whichever level is healthy whatever `model` it
names, so a request for an adapter reaches a fallback exactly when the primary fails: each level must serve it, the same
adapter on the same base model.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from hangar.components.serving_lora_routing import BBR_MANAGED, BBR_NAME
from hangar.policies.rules import evaluate, load_pack_config

from hangar.spec.adapters import ADAPTERS_ANNOTATION
from tests.lora_plans import SQL, SUPPORT
from tests.serving_plans import aws, of_kind, plan_environment, refused, schema_failures, server_container, servers, the

QWEN = "Qwen/Qwen2.5-7B-Instruct"


def lora_failover(primary: list[dict[str, Any]], fallback: list[dict[str, Any]], fallback_model: str = QWEN) -> dict[str, Any]:
    """The test AWS environment serving Qwen2.5-7B on L4 (primary) and on H100 (fallback) behind one failover route `chat`."""
    raw = aws({"name": "chat", "failover": {"primary": "qwen-small", "fallbacks": ["qwen-large"]}})
    small, large = raw["deployments"]
    large["model"] = fallback_model
    for deployment, adapters in ((small, primary), (large, fallback)):
        if adapters:
            deployment["lora"] = {"adapters": copy.deepcopy(adapters)}
    return raw


@functools.cache
def planned():
    return plan_environment(lora_failover([SQL, SUPPORT], [SQL, SUPPORT]))


def adapter_names(workload: dict[str, Any]) -> list[str]:
    args = server_container(workload)["args"]
    modules = args[args.index("--lora-modules") + 1 : args.index("--lora-modules") + 3]
    return [json.loads(module)["name"] for module in modules]


def test_every_level_serves_the_routes_adapters_and_the_failover_service_reaches_both():
    plan = planned()
    by_name = {w["metadata"]["name"]: w for w in servers(plan)}
    assert sorted(by_name) == ["qwen-large", "qwen-small"]
    assert adapter_names(by_name["qwen-small"]) == adapter_names(by_name["qwen-large"]) == ["sql", "support"]
    service = the(plan, "Service", "chat-failover")
    assert service["spec"]["selector"] == {"failover.hangar.dev/chat": "true"}
    for workload in by_name.values():
        assert workload["spec"]["template"]["metadata"]["labels"]["failover.hangar.dev/chat"] == "true"
        # Each level names its adapters for the licensing policies.
        assert [a["name"] for a in json.loads(workload["metadata"]["annotations"][ADAPTERS_ANNOTATION])] == ["sql", "support"]
    assert schema_failures(plan) == []


def test_a_failover_route_needs_no_body_based_routing_since_its_one_service_reaches_every_level():
    plan = planned()
    assert not [m for m in of_kind(plan, "Deployment") if m["metadata"]["name"] == BBR_NAME]
    assert not [m for m in of_kind(plan, "ConfigMap") if (m["metadata"].get("labels") or {}).get(BBR_MANAGED) == "true"]
    assert not of_kind(plan, "EnvoyFilter")
    (route,) = of_kind(plan, "HTTPRoute")
    assert route["metadata"]["name"] == "chat"
    assert [ref["name"] for rule in route["spec"]["rules"] for ref in rule["backendRefs"]] == ["chat-failover"]


def test_the_policies_pass_the_planned_failover_route_with_adapters():
    # The routing rule (priority levels, outlier detection, pods behind the Service) and licensing judge each level's adapters.
    violations = [(v.policy, v.message) for v in evaluate(list(planned()), load_pack_config({}, "test")) if v.policy in ("hangar-routing", "hangar-licensing")]
    assert violations == []


def test_a_fallback_missing_an_adapter_of_the_primary_is_refused_naming_it():
    message = refused(lora_failover([SQL, SUPPORT], [SQL]))
    assert "routes[0].failover.fallbacks[0]: deployment 'qwen-large' does not serve the LoRA adapters ['support'] that deployment 'qwen-small' serves" in message, message
    assert "give every level of a failover route the same lora.adapters" in message


def test_a_primary_without_the_fallbacks_adapter_is_refused_too():
    message = refused(lora_failover([], [SQL]))
    assert "routes[0].failover.primary: deployment 'qwen-small' does not serve the LoRA adapters ['sql'] that deployment 'qwen-large' serves" in message, message


def test_one_adapter_name_at_another_revision_on_a_fallback_is_refused():
    other = {**SQL, "revision": "1" * 40}
    message = refused(lora_failover([SQL], [other]))
    assert "routes[0].failover.fallbacks[0]: deployment 'qwen-large' serves adapter 'sql' as acme/qwen2.5-7b-sql-lora@" + "1" * 40 in message, message
    assert "would be answered by other weights after a failover" in message


def test_adapters_on_a_failover_route_whose_fallback_serves_another_model_are_refused():
    message = refused(lora_failover([SQL], [SQL], fallback_model="Qwen/Qwen3-32B"))
    assert "routes[0].failover.fallbacks[0]" in message and "adapters of Qwen/Qwen2.5-7B-Instruct (deployment 'qwen-small')" in message, message
    assert "deployment 'qwen-large' serves Qwen/Qwen3-32B, onto which they cannot be loaded" in message
    # The name is repeated only within the failover route, so it is not also reported as a clash.
    assert "model names must be unique" not in message


def test_one_adapter_name_on_two_deployments_outside_one_failover_route_still_clashes():
    raw = lora_failover([SQL], [SQL])
    raw["routes"] = [{"name": "chat", "split": [{"deployment": "qwen-small", "weight": 1}, {"deployment": "qwen-large", "weight": 1}]}]
    message = refused(raw)
    assert "deployments[1].lora.adapters[0].name" in message and "model names must be unique" in message, message
