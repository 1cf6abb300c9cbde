"""What a route's tokens cost: each deployment behind it at its declared traffic, blended by the route's split — an ESTIMATE.

A route sends a declared share of its requests to each deployment: a `split` by its weights, a
`small_first` route its `share` to the small deployment and the rest to the large one (a header-matched
class declares no share, so its blend is unknown), a single-deployment route all of them to its deployment, a
`failover` route all of them to its primary (its fallbacks take none while it is healthy: their nodes are in the
stack's cost as provisioned, not in the route's blend). Each deployment's $ per million (prompt + output)
tokens is `hangar.sizing.capacity`'s for its own declared `traffic` and `slo`: the average month's
replicas, on its pool's nodes at the price `hangar cost` lists, over the tokens that month serves. A replica is
sized as the hangar-capacity rule sizes it, its LoRA adapters' slots included (`hangar.replica.deployment_lora`):
they take GPU memory from the KV cache, so fewer sequences fit in flight and more replicas carry the traffic. A
data-parallel replica (`data_parallel`, `expert_parallel`) is timed as `hangar.sizing.data_parallel` says. The
route's blended figure is the share-weighted sum; unknown as soon as one part is (no declared traffic,
an unpriced pool, an unknown model or accelerator), never counted as zero.
"""

from __future__ import annotations

from hangar.catalog import Catalog, CatalogLookupError
from hangar.endpoint_picker import PICKER_REPLICAS
from hangar.replica import ReplicaShapeError, deployment_lora, replica_shape
from hangar.sizing import SizingError
from hangar.sizing.accelerators import accelerator_named
from hangar.sizing.capacity import Demand, plan_capacity
from hangar.spec import Environment, ModelDeployment
from hangar.spec.routing import Route
from hangar.spec.routing_failover import pooled_deployments
from hangar.spec.routing_gke import body_routing_note

from .report import CostReport
from .route_records import RouteCost as RouteCost
from .route_records import RoutePart as RoutePart


def route_shares(route: Route) -> dict[str, float | None]:
    """Each deployment's declared share of the route's requests (None for a header-matched class, which declares none)."""
    if route.split is not None:
        total = sum(backend.weight for backend in route.split)
        return {backend.deployment: backend.weight / total for backend in route.split}
    if route.deployment is not None:
        return {route.deployment: 1.0}
    if route.failover is not None:  # the primary takes every request while healthy; the fallbacks are priced as provisioned
        return {route.failover.primary: 1.0, **{name: 0.0 for name in route.failover.fallbacks}}
    small_first = route.small_first
    assert small_first is not None
    if small_first.share is None:
        return {small_first.small: None, small_first.large: None}
    return {small_first.small: small_first.share, small_first.large: 1 - small_first.share}


def route_costs(environment: Environment, report: CostReport, catalog: Catalog) -> list[RouteCost]:
    """Every route of the environment with each deployment's $ per million tokens and the blend for its declared split."""
    deployments = {deployment.name: deployment for deployment in environment.deployments}
    costs = []
    for route in environment.routes:
        parts = []
        for name, share in route_shares(route).items():
            price, why = _per_million(environment, deployments[name], report, catalog)
            if share is None:
                why = why or "a header-matched class declares no share of the requests"
            elif share == 0 and why:  # a failover route's fallback: its unknown price leaves the blend known
                why = f"{why} (a fallback: it takes no share while the deployments before it are healthy; its nodes are priced above as provisioned)"
            parts.append(RoutePart(name, share, price, why))
        costs.append(RouteCost(route.name, tuple(parts)))
    return costs


def _per_million(environment: Environment, deployment: ModelDeployment, report: CostReport, catalog: Catalog) -> tuple[float | None, str | None]:
    """A deployment's $ per million tokens at its declared average traffic, or None and why."""
    demand = Demand.declared(deployment.traffic, deployment.slo)
    if demand is None or demand.average_requests_per_second is None:
        return None, "declares no average traffic (traffic with monthly_active_users, or peak_factor)"
    prices = {line.usd_per_hour_each for line in report.lines if line.pool == deployment.pool}
    if len(prices) != 1 or None in prices:
        return None, f"pool {deployment.pool} is not priced"
    try:
        shape = replica_shape(environment, deployment, catalog)
        plan = plan_capacity(
            catalog.model(deployment.model), accelerator_named(catalog, shape.accelerator), demand,
            accelerators_per_node=shape.accelerators_per_node, tensor_parallel=shape.tensor_parallel, precision=shape.precision,
            kv_cache_dtype=deployment.kv_cache_dtype, max_concurrent_sequences=deployment.max_concurrent_sequences,
            gpu_memory_utilization=deployment.gpu_memory_utilization, usd_per_hour_per_node=prices.pop(),
            min_replicas=deployment.autoscaling.min_replicas or 0, engine_version=deployment.engine_version,
            lora=deployment_lora(deployment), prefix_caching=deployment.caching.prefix_caching, data_parallel=shape.data_parallel,
            expert_parallel=shape.expert_parallel,
        )  # fmt: skip
    except (CatalogLookupError, KeyError, ReplicaShapeError, SizingError) as error:
        return None, f"cannot be estimated: {error}"
    if not plan.feasible or plan.usd_per_million_tokens is None:
        return None, f"cannot be estimated: {plan.reason or 'no operating point'}"
    return plan.usd_per_million_tokens, None


def gateway_note(environment: Environment) -> str:
    """What the gateway adds to the bill: its pickers' requests on the system pool (priced with it) and an unpriced load balancer."""
    gateway = environment.gateway
    assert gateway is not None
    pools = len(pooled_deployments(environment))
    pickers = pools * PICKER_REPLICAS
    cluster = next((c for c in environment.clusters if c.name == gateway.cluster), environment.clusters[0])
    where = "the site's nodes (not priced here)" if cluster.provider == "onprem" else "the system pool, priced above with it"
    proxies = "" if cluster.provider == "gcp" else "; Istio's istiod and gateway pods run there too"
    return (
        f"{pickers} endpoint picker(s) ({PICKER_REPLICAS} per pool, one active) request {pickers * gateway.picker_cpu:g} CPU and "
        f"{pickers * gateway.picker_memory_gib} GiB in all on {where}"
        f"{proxies}{body_routing_note(environment)}; the gateway's load balancer is not priced"
    )
