"""What a cluster component tells the serving layer about each of its pools: how to land a pod there."""

from __future__ import annotations

import dataclasses

from hangar.replica import AMD_GPU_RESOURCE  # noqa: F401 (the AMD GPU device plugin's resource, with its source)

GPU_RESOURCE = "nvidia.com/gpu"
TPU_RESOURCE = "google.com/tpu"
GPU_TAINT = {"key": GPU_RESOURCE, "value": "present", "effect": "NoSchedule"}


@dataclasses.dataclass(frozen=True)
class PoolPlacement:
    """Node selector, tolerations and accelerator resource of one GPU node pool or TPU slice."""

    pool: str
    node_selector: dict[str, str]
    tolerations: tuple[dict[str, str], ...]
    accelerator_resource: str
    accelerators_per_node: int
    hosts_per_replica: int = 1
    """Nodes one replica spans: >1 for a multi-host TPU slice (one unit of scheduling)."""


def toleration(taint: dict[str, str]) -> dict[str, str]:
    """The Kubernetes toleration of a taint given as {key, value, effect}."""
    if taint.get("value"):
        return {"key": taint["key"], "operator": "Equal", "value": taint["value"], "effect": taint["effect"]}
    return {"key": taint["key"], "operator": "Exists", "effect": taint["effect"]}
