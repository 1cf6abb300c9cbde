"""The labels and tags Hangar puts on everything it creates, and each cloud's spelling of them.

Policies join a workload to its node pool through `hangar.dev/*` keys; humans find resources by
them. AWS tags and Kubernetes labels take the keys as they are; GCP labels and Azure tags do not
allow '.' or '/', so `cloud_safe` spells `hangar.dev/pool` as `hangar-dev_pool` there.
"""

from __future__ import annotations

import re

from hangar.spec import Environment

ENVIRONMENT = "hangar.dev/environment"
TIER = "hangar.dev/tier"
POOL = "hangar.dev/pool"
MODEL = "hangar.dev/model"
GPU = "hangar.dev/gpu"
CLUSTER = "hangar.dev/cluster"
CAPACITY = "hangar.dev/capacity"
"""Set to "reserved" on pools that run on reserved capacity (clouds have no such capacity type of their own)."""
OWNER = "hangar.dev/owner"
COST_CENTRE = "hangar.dev/cost-centre"


def environment_labels(environment: Environment) -> dict[str, str]:
    """Labels every resource of the environment carries: its name, owner, cost centre and extra tags."""
    return {
        **environment.tags,
        ENVIRONMENT: environment.name,
        TIER: environment.tier,
        OWNER: environment.owner,
        COST_CENTRE: environment.cost_centre,
    }


def cloud_safe(labels: dict[str, str]) -> dict[str, str]:
    """GCP-label / Azure-tag spelling: lower case, only letters, digits, '-' and '_', at most 63 chars."""
    return {_safe(key): _safe(value) for key, value in labels.items()}


def _safe(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", text.lower().replace("/", "_"))[:63]
