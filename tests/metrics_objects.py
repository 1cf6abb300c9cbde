"""The metrics pipeline's objects read off a plan (the Helm release type, a NetworkPolicy by name, the ScaledObject's Prometheus trigger, a server's SLO rules): what the metrics and alert tests share."""

from __future__ import annotations

from typing import Any

from tests.serving_plans import of_kind

RELEASE = "kubernetes:helm.sh/v3:Release"


def the_policy(plan, name: str) -> dict[str, Any]:
    (policy,) = [p for p in of_kind(plan, "NetworkPolicy") if p["metadata"]["name"] == name]
    return policy


def scaled_object_trigger(plan) -> dict[str, Any]:
    (scaled,) = of_kind(plan, "ScaledObject")
    (trigger,) = [t for t in scaled["spec"]["triggers"] if t["type"] == "prometheus"]
    return trigger


def the_rules(plan, name: str, kind: str = "PrometheusRule") -> dict[str, Any]:
    (rules,) = [r for r in of_kind(plan, kind) if r["metadata"]["name"] == f"{name}-slos"]
    return rules
