"""Room for every deployment of a pool at once: the replica maximums of a shared pool against its largest size.

`hangar.replica.replica_problems` checks each deployment alone against its pool's `max_nodes` (or a
TPU slice pool's `max_slices`). Deployments that share a pool scale up together, and the node
autoscaler — the Cluster Autoscaler on EKS, GKE's and AKS's own — never grows a pool past that
maximum; on-prem the nodes are fixed and `max_nodes` is how many of them the environment may use.
So the sum must fit too. The check is a lower bound, never a false alarm: replicas that span nodes
(multi-host) take whole nodes each, the others are counted by accelerators, as if they packed
perfectly.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from hangar.catalog import CatalogLookupError, load_catalog
from hangar.replica import ReplicaShape, ReplicaShapeError, replica_shape

if TYPE_CHECKING:
    from hangar.spec import Environment


def nodes_needed(shapes: list[tuple[ReplicaShape, int]]) -> int:
    """Fewest nodes that can hold `replicas` of each shape at once (a lower bound)."""
    whole = sum(shape.nodes_for(replicas) for shape, replicas in shapes if shape.multi_host)
    accelerators = sum(shape.accelerators_per_replica * replicas for shape, replicas in shapes if not shape.multi_host)
    per_node = max((shape.accelerators_per_node for shape, _ in shapes), default=1)
    return whole + math.ceil(accelerators / per_node)


def shared_pool_problems(environment: Environment) -> list[dict[str, Any]]:
    """Pools whose deployments' `max_replicas` together need more nodes than the pool's maximum.

    Reported at the last deployment of the pool, naming every deployment that shares it.
    """
    from hangar.spec import problem

    try:
        catalog = load_catalog(environment.catalog_overrides)
    except (OSError, ValueError):
        return []  # hardware_problems has reported it
    by_pool: dict[tuple[str, str], list[tuple[int, ReplicaShape]]] = {}
    for index, deployment in enumerate(environment.deployments):
        try:
            shape = replica_shape(environment, deployment, catalog)
        except (ReplicaShapeError, CatalogLookupError):
            continue  # reported by replica_problems / at the pool
        by_pool.setdefault((environment.cluster_of(deployment).name, deployment.pool), []).append((index, shape))
    problems = []
    for (_, pool), members in by_pool.items():
        if len(members) < 2:
            continue  # one deployment alone is replica_problems' to judge
        wanted = [(shape, environment.deployments[index].autoscaling.max_replicas) for index, shape in members]
        needed = nodes_needed(wanted)
        largest = members[0][1].pool_max_nodes
        if needed <= largest:
            continue
        names = ", ".join(
            f"{environment.deployments[index].name} ({replicas} x {shape.accelerators_per_replica} x {shape.accelerator})"
            for (index, shape), (_, replicas) in zip(members, wanted, strict=True)
        )
        last = members[-1][0]
        key, size = ("max_slices", "its max_slices x hosts per slice") if members[0][1].is_tpu else ("max_nodes", "its max_nodes")
        problems.append(
            problem(
                f"deployments[{last}].autoscaling.max_replicas",
                f"pool {pool!r} is shared by {names}: at their max_replicas together they need at least {needed} nodes, "
                f"and the pool holds at most {largest} ({size}); raise {key} or lower some max_replicas",
                environment.deployments[last].autoscaling.max_replicas,
            )
        )
    return problems
