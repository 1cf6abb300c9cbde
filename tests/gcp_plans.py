"""The test GCP environment (a GKE cluster with an L4 pool) and an environment planned with the GpuCluster it builds: what the GCP and deployer tests share."""

from __future__ import annotations

from typing import Any

from hangar.plan import plan_program
from hangar.records import Plan
from hangar.stackfile import environment_from_config
from tests.conftest import make_environment

GCP_ENVIRONMENT: dict[str, Any] = make_environment(
    {
        "provider": "gcp",
        "name": "main",
        "project": "hangar-test",
        "region": "us-central1",
        "zones": ["us-central1-a", "us-central1-b"],
        "node_pools": [{"name": "l4", "gpu": "L4", "gpus_per_node": 1, "min_nodes": 1, "max_nodes": 4}],
    },
    monthly_ceiling_usd=1_000_000,
)


def plan_environment(raw: dict[str, Any]) -> tuple[Plan, Any]:
    """Plan a Hangar environment given as a plain dict; return the plan and the built GcpGpuCluster."""
    from hangar.components.environment import HangarEnvironment

    environment = environment_from_config(raw, "test")
    built: dict[str, Any] = {}

    def program() -> None:
        built["environment"] = HangarEnvironment(environment.name, environment)

    plan = plan_program(program, project="hangar", stack="test", config={"gcp:project": "hangar-test"})
    return plan, built["environment"].clusters[raw["clusters"][0]["name"]]
