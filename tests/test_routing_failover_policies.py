"""Istio DestinationRule port-level and subset traffic policies, judged as Istio applies them (issue 15).

A port-level setting replaces the rule's top-level traffic policy on its port whole, inheriting nothing; a subset's
policy replaces the parts it sets (istio/istio 1.29.6 pilot/pkg/networking/util/util.go, cited in
`hangar.policies.rules.routing_failover`). So failover ordered at the top level is dropped on a port whose settings
leave it out, and a port-level or subset policy ordering endpoints without outlier detection does nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from typing import Any, Callable

from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.routing import ROUTING

from tests.serving_plans import aws, plan_environment

FAILOVER = {"name": "chat", "failover": {"primary": "qwen-large", "fallbacks": ["qwen-small"]}}
PORT = 8000


@functools.cache
def planned():
    return list(plan_environment(aws(copy.deepcopy(FAILOVER))))


def with_rule(change: Callable[[dict[str, Any]], None]) -> list:
    """The plan with the failover DestinationRule's spec changed."""
    records = []
    for record in planned():
        if record.inputs.get("kind") == "DestinationRule" and (record.inputs.get("metadata") or {}).get("name") == "chat-failover":
            inputs = copy.deepcopy(record.inputs)
            change(inputs["spec"])
            record = dataclasses.replace(record, inputs=inputs)
        records.append(record)
    return records


def messages(records) -> list[str]:
    return [v.message for v in evaluate(records, load_pack_config({}, "test")) if v.policy == ROUTING and "DestinationRule" in v.message]


def top(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["trafficPolicy"]


def test_a_port_setting_without_the_load_balancer_drops_failover_on_its_port():
    def pooled(spec):
        top(spec)["portLevelSettings"] = [{"port": {"number": PORT}, "connectionPool": {"http": {"http2MaxRequests": 100}}}]

    (message,) = messages(with_rule(pooled))
    assert message.startswith(f"DestinationRule test/chat-failover trafficPolicy.portLevelSettings[0] (port {PORT}) replaces the top-level traffic "
                              "policy on its port whole (Istio inherits nothing at port level)")  # fmt: skip
    assert "requests to that port are not failed over" in message


def test_a_port_setting_that_repeats_the_failover_and_outlier_detection_passes():
    def repeated(spec):
        setting = {"port": {"number": PORT}, **{key: copy.deepcopy(top(spec)[key]) for key in ("loadBalancer", "outlierDetection")}}
        top(spec)["portLevelSettings"] = [setting]

    assert messages(with_rule(repeated)) == []


def test_a_port_setting_ordering_endpoints_without_outlier_detection_is_refused():
    def no_outliers(spec):
        top(spec)["portLevelSettings"] = [{"port": {"number": PORT}, "loadBalancer": copy.deepcopy(top(spec)["loadBalancer"])}]

    (message,) = messages(with_rule(no_outliers))
    assert f"trafficPolicy.portLevelSettings[0] (port {PORT}) orders endpoints by failoverPriority without outlierDetection" in message


def test_a_subset_inherits_the_outlier_detection_it_does_not_set():
    def subset(spec):
        spec["subsets"] = [{"name": "all", "labels": {"failover.hangar.dev/chat": "true"}, "trafficPolicy": {"connectionPool": {"tcp": {"maxConnections": 10}}}}]

    assert messages(with_rule(subset)) == []


def test_a_subset_whose_own_port_setting_leaves_out_outlier_detection_is_refused():
    def subset(spec):
        setting = {"port": {"number": PORT}, "loadBalancer": copy.deepcopy(top(spec)["loadBalancer"])}
        spec["subsets"] = [{"name": "all", "labels": {"failover.hangar.dev/chat": "true"}, "trafficPolicy": {"portLevelSettings": [setting]}}]

    (message,) = messages(with_rule(subset))
    assert f"subsets[0] (all) on port {PORT} orders endpoints by failoverPriority without outlierDetection" in message


def test_a_subset_of_one_level_only_has_nothing_to_fail_over_to():
    def subset(spec):
        # Only the primary's pods carry the first fallback's rank label: every pod of the subset is on one level.
        spec["subsets"] = [{"name": "primary", "labels": {"failover.hangar.dev/chat.1": "true"}}]

    (message,) = messages(with_rule(subset))
    assert "subsets[0] (primary): every workload" in message and "lands on the same priority level" in message
