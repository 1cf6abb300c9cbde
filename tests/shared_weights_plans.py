"""gke-dev with its deployments sharing their weights on Filestore, planned once per tier: what the GCP shared-weights and cost-services tests share."""

from __future__ import annotations

import functools

from hangar.records import Plan
from tests.serving_plans import plan_environment, raw_environment


def shared(tier: str = "dev", zones: list[str] | None = None) -> dict:
    environment = raw_environment("gke-dev")
    environment["tier"] = tier
    environment["deployments"][0]["weights"] = {"source": "shared"}
    if zones is not None:
        environment["clusters"][0]["zones"] = zones
    return environment


@functools.cache
def planned(tier: str = "dev") -> Plan:
    return plan_environment(shared(tier))
