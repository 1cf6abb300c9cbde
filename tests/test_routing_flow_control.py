"""The endpoint pickers' flow control (`gateway.flow_control`, issue 15): requests queue in the picker by priority
while a pool is saturated, as Inference Extension v1.5.0 offers it (`hangar.spec.routing_flow` cites the sources).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest
import yaml

from hangar.spec.routing_flow import GKE_FLOW_CONTROL_UNKNOWN
from tests.serving_plans import AWS_HEADER, aws, gke, of_kind, plan_environment, refused, schema_failures

OBJECTIVES = [{"name": "interactive", "priority": 10}, {"name": "batch", "priority": -1}]


def with_flow_control(**settings: Any) -> dict[str, Any]:
    raw = aws(copy.deepcopy(AWS_HEADER))
    raw["gateway"] = {"flow_control": settings}
    return raw


@functools.cache
def planned():
    return plan_environment(with_flow_control(queue_timeout_seconds=45, max_queued_requests=200))


def picker_configs(plan) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: yaml.safe_load(m["data"]["plugins.yaml"]) for m in of_kind(plan, "ConfigMap") if m["metadata"]["name"].endswith("-epp")}


def test_every_picker_turns_on_the_flow_control_gate_with_the_queue_timeout_and_limit():
    configs = picker_configs(planned())
    assert sorted(configs) == ["qwen-large-epp", "qwen-small-epp"]
    for config in configs.values():
        assert config["featureGates"] == ["flowControl"]
        assert config["flowControl"] == {"defaultRequestTTL": "45s", "maxRequests": 200}
        # The scorers stay the chart's.
        assert [p["pluginRef"] for p in config["schedulingProfiles"][0]["plugins"]] == ["queue-scorer", "kv-cache-utilization-scorer", "prefix-cache-scorer"]
    assert schema_failures(planned()) == []


def test_the_default_queue_timeout_is_30_seconds_with_no_count_limit():
    configs = picker_configs(plan_environment(with_flow_control()))
    assert {name: config["flowControl"] for name, config in configs.items()} == {
        "qwen-large-epp": {"defaultRequestTTL": "30s"}, "qwen-small-epp": {"defaultRequestTTL": "30s"}
    }


def test_without_flow_control_the_pickers_have_no_gate():
    configs = picker_configs(plan_environment(aws(copy.deepcopy(AWS_HEADER))))
    assert all("featureGates" not in c and "flowControl" not in c for c in configs.values())


@pytest.mark.parametrize("settings, key, words", [
    ({"queue_timeout_seconds": 300}, "gateway.flow_control.queue_timeout_seconds", "less than 300"),
    ({"queue_timeout_seconds": 0}, "gateway.flow_control.queue_timeout_seconds", "greater than or equal to 1"),
    ({"max_queued_requests": 0}, "gateway.flow_control.max_queued_requests", "greater than or equal to 1"),
    ({"queue": 5}, "gateway.flow_control.queue", "unknown key"),
])  # fmt: skip
def test_flow_control_mistakes_are_refused_naming_the_key(settings, key, words):
    message = refused(with_flow_control(**settings))
    assert key in message and words in message, message


def test_flow_control_on_gke_is_refused_with_the_unknown_it_rests_on():
    raw = gke()
    raw["gateway"]["flow_control"] = {}
    message = refused(raw)
    assert "gateway.flow_control" in message and GKE_FLOW_CONTROL_UNKNOWN in message
