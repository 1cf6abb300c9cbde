"""AMD GPU (MI300X) on-prem environments shared by the AMD test modules: one pool, one deployment on it, and how to
read the server's pod and the cluster's charts from a plan."""

from __future__ import annotations

import copy
from typing import Any

from tests.onprem_plans import RELEASE, SERVING, onprem_environment

MI300 = {"name": "mi300", "gpu": "MI300X", "gpus_per_node": 8, "max_nodes": 2, "node_selector": {"example.com/gpu-class": "mi300x"}}
DEPLOYMENT = {"name": "qwen", "model": "Qwen/Qwen2.5-7B-Instruct", "pool": "mi300", "latency_class": "batch",
              "autoscaling": {"min_replicas": 1, "max_replicas": 2}}  # fmt: skip
STATEFULSET = "kubernetes:apps/v1:StatefulSet"


def amd_environment(*pools: dict[str, Any], engine_version: str | None = None, **cluster: Any) -> dict[str, Any]:
    """An on-prem environment with `pools` (one MI300X pool if none) and the deployment on `mi300`; `cluster` keys override."""
    deployment = {**DEPLOYMENT, **({"engine_version": engine_version} if engine_version else {})}
    raw = onprem_environment(node_pools=copy.deepcopy(list(pools) or [MI300]), **cluster)
    raw["deployments"] = [deployment]
    return raw


def server_pod(plan: Any, name: str = "qwen") -> dict[str, Any]:
    """The pod spec of the named server's StatefulSet."""
    (record,) = [r for r in plan.of_type(STATEFULSET) if r.inputs["metadata"]["name"] == name]
    return record.inputs["spec"]["template"]["spec"]


def charts(plan: Any) -> dict[str, dict[str, Any]]:
    """The on-prem target's Helm releases by chart name (not the serving layer's)."""
    return {r.inputs["name"]: r.inputs for r in plan.of_type(RELEASE) if SERVING not in r.urn}
