"""Shared fixtures: the repo root, valid environments to mutate, and clean Pulumi runtime state per test.

`hangar.plan.plan_program` gives every plan a fresh event loop and fresh mocks and resets the
runtime after; the autouse fixture below re-checks that nothing leaks from one test to the next.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-12-01"
# Kubernetes version support is judged on this day, never on the wall clock (hangar.kubernetes_support);
# subprocesses (the CLI, the policy pack) inherit it.
os.environ["HANGAR_TODAY"] = TODAY
# Tests change code and data in-process (monkeypatch) where the plan cache's key cannot see it: they
# plan afresh; tests/test_plan_cache.py turns the cache on where it is the subject.
os.environ["HANGAR_NO_CACHE"] = "1"
# The CLI's console fixes its width from COLUMNS when hangar.cli.app is imported; a COLUMNS exported by the
# runner's shell (pytest-xdist workers see COLUMNS=80, measured) would cut the tables the tests read. Tests that
# want a width pass it to the command they run.
os.environ.pop("COLUMNS", None)
# Shared helpers that assert sit outside test_* modules: have pytest rewrite their asserts too, so a failure
# shows the values compared.
pytest.register_assert_rewrite(
    *(f"tests.{path.stem}" for path in sorted(Path(__file__).parent.glob("*.py")) if not path.stem.startswith(("test_", "conftest", "__")))
)
EXAMPLE_STACKS = ("aks-staging", "edge", "eks-prod", "gke-chat", "gke-dev", "gke-tpu", "onprem")



def make_environment(*clusters: dict[str, Any], monthly_ceiling_usd: int = 100000, **keys: Any) -> dict[str, Any]:
    """A valid environment as a fresh plain dict: `clusters` under the top-level keys every stack needs.

    name, tier, owner and cost centre are a test's defaults unless given as `keys` (so are deployments
    and any other key); the budget is `monthly_ceiling_usd`. The target test modules build their
    environments with it, so the shared part is written once."""
    raw = {"name": "test", "tier": "dev", "owner": "ml-platform", "cost_centre": "cc-1", "budget": {"monthly_ceiling_usd": monthly_ceiling_usd}}
    return copy.deepcopy({**raw, "clusters": list(clusters), **keys})


AWS_ENVIRONMENT: dict[str, Any] = make_environment(
    {
        "provider": "aws",
        "name": "main",
        "region": "us-east-1",
        "zones": ["us-east-1a", "us-east-1b"],
        "node_pools": [
            {"name": "l4", "gpu": "L4", "gpus_per_node": 1, "min_nodes": 0, "max_nodes": 2},
            {"name": "h100", "gpu": "H100-SXM", "instance_type": "p5.48xlarge", "min_nodes": 0, "max_nodes": 1},
        ],
    },
    deployments=[{"name": "qwen", "model": "Qwen/Qwen2.5-7B-Instruct", "pool": "l4", "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 2}}],
)


@pytest.fixture(scope="module")
def pack():
    """Hangar's policy pack over gRPC, started once for the test module that asks for it (`tests.pack_agreement`)."""
    from hangar.analyzer import running_pack

    with running_pack(ROOT / "policies") as client:
        yield client


@pytest.fixture
def aws_environment() -> dict[str, Any]:
    """A valid single-cluster AWS environment as a plain dict, safe to mutate."""
    return copy.deepcopy(AWS_ENVIRONMENT)


@pytest.fixture(autouse=True)
def clean_pulumi_runtime():
    """Fail a test that leaves a Pulumi root stack or config behind for the next one."""
    yield
    import sys

    if "pulumi" in sys.modules:
        from pulumi.runtime import config, settings

        assert settings.ROOT.get() is None, "a test left a Pulumi root stack behind"
        assert not config.CONFIG.get(), "a test left Pulumi config behind"
