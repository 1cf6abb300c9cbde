"""Request classes on a route: the Inference Extension's InferenceObjective, its priority, and small-first by class.

A route may declare `objectives`: request classes, each a name and a priority. A client puts a class in
the request header `x-gateway-inference-objective`; the endpoint picker of the pool the request reaches looks
an InferenceObjective of that name up and takes its priority (none found: priority 0). Higher is served
first; a negative priority marks the class sheddable: when the pool is saturated the picker rejects those
requests at once (503) rather than queueing them on the servers. Without the picker's flow control (not
enabled by Hangar) that is the only effect a priority has: requests of priority 0 or more are not shed and are
served first come, first served. `small_first.objectives` sends the requests of the listed classes to the
small deployment and every other request to the large one: the gateway routes on the header that names the
class (an HTTPRoute header match), which is how a gateway can route "by criticality" at v1.5.0 — the priority
itself is read by the picker after the route has chosen the pool, never by the gateway.

What v1.5.0 allows, and so what is refused here:

* an InferenceObjective names one pool (`spec.poolRef`), the picker keeps only those naming its own pool, and
  looks them up by name alone; objects of a namespace have unique names. So a class has exactly one pool,
  and every request of it must reach that pool: a route that spreads one request class over several pools (a
  `split`, a `small_first` share or header) cannot carry classes (`OBJECTIVES_NEED_ONE_POOL`);
* all routes' objectives live in the gateway's namespace, so a class name is unique in the environment;
* a route whose deployments serve LoRA adapters already routes on a header of the same precedence (the
  adapter rules of `hangar.components.serving_lora_routing`); a request naming both an adapter and a class
  would match two rules of equal precedence in two HTTPRoutes, so the two are not combined.

A route cannot give the requests naming no class a priority of its own: the picker's default is a fixed 0
(`Director.defaultPriority`), and the gateway would have to set the header before its ext_proc call to the
picker; a Gateway API RequestHeaderModifier is applied when the gateway forwards the request (Envoy applies a
route's request_headers_to_add in its router filter, after the other HTTP filters), so the picker would not see it.

Sources, read 2026-12-02: kubernetes-sigs/gateway-api-inference-extension tag v1.5.0 (commit
df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849): apix/v1alpha2/inferenceobjective_types.go (priority, poolRef, "the
pool must exist in the same namespace"), site-src/api-types/inferenceobjective.md (the header
`x-gateway-inference-objective`, valued with the InferenceObjective's metadata name, set by the calling
client), pkg/epp/metadata/consts.go (`ObjectiveKey`), pkg/epp/controller/inferenceobjective_reconciler.go
(only objectives whose poolRef names the picker's pool are kept), pkg/epp/requestcontrol/director.go (lookup by
name; default priority 0), pkg/epp/requestcontrol/admission.go and pkg/epp/util/request/sheddable.go (priority
< 0 is shed when saturated), site-src/concepts/priority-and-capacity.md (flow control off: only the sheddable
decision; on: strict priority, enabled by the `flowControl` feature gate); Envoy's header-mutation filter docs
(https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/header_mutation_filter: the filter
gives "complete control over the position and order" of header mutations, which route-level
request_headers_to_add lack).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from hangar.spec.base import Name, SpecModel, problem
from hangar.spec.routing_mirror import without_egress

if TYPE_CHECKING:
    from hangar.spec.environment import Environment
    from hangar.spec.routing import Route

OBJECTIVE_HEADER = "x-gateway-inference-objective"
"""The request header naming a request's InferenceObjective (Inference Extension v1.5.0 pkg/epp/metadata/consts.go)."""
PRIORITY_MIN, PRIORITY_MAX = -(2**63), 2**63 - 1
"""InferenceObjective `spec.priority` is a Go `int` (64-bit on the picker's linux/amd64 and arm64 images), CRD type integer."""
OBJECTIVES_NEED_ONE_POOL = (
    "request classes need every request of a class to reach one deployment: an InferenceObjective names one "
    "InferencePool (spec.poolRef) and the endpoint picker of any other pool ignores it, so a class spread over the "
    "deployments of a {form} would have its priority in one of them only; put classes on a route to one deployment, "
    "or on a small_first route with objectives (the listed classes to the small deployment, the rest to the large one)"
)
"""Why a route that spreads a request over several pools cannot carry classes (sources: the module docstring)."""


class Objective(SpecModel):
    """A request class: clients name it in the `x-gateway-inference-objective` header; the picker gives it its priority."""

    name: Name = Field(description="The class, as clients send it in the x-gateway-inference-objective header; unique in the environment.")
    priority: int = Field(
        ge=PRIORITY_MIN,
        le=PRIORITY_MAX,
        description="Higher is served first when the pool is busy; negative marks the class sheddable (rejected with 503 "
        "when its pool is saturated). Requests naming no class have priority 0.",
    )


def route_form(route: Route) -> str:
    """The route's form, as a user would name it in a message."""
    if route.split is not None:
        return "split"
    if route.small_first is not None:
        if route.small_first.share is not None:
            return "small_first share"
        if route.small_first.header is not None:
            return "small_first header"
        return "small_first objectives"
    if route.failover is not None:
        return "failover route"
    return "single-deployment route"


def objective_pools(route: Route) -> dict[str, str]:
    """Each class of the route and the deployment its requests reach ({} for a route that spreads requests)."""
    if route.deployment is not None:
        return {objective.name: route.deployment for objective in route.objectives}
    small_first = route.small_first
    if small_first is None or small_first.objectives is None:
        return {}
    return {objective.name: small_first.small if objective.name in small_first.objectives else small_first.large for objective in route.objectives}


def objective_problems(environment: Environment) -> list[dict[str, Any]]:
    """Classes on a route that spreads them over pools, repeated across the environment, undeclared in small_first,
    beside LoRA adapters, or on GKE without internet egress (see the module docstring)."""
    problems = []
    seen: dict[str, str] = {}
    deployments = {deployment.name: deployment for deployment in environment.deployments}
    for index, route in enumerate(environment.routes):
        here = f"routes[{index}]"
        declared = [objective.name for objective in route.objectives]
        for position, name in enumerate(declared):
            if name in seen:
                problems.append(
                    problem(f"{here}.objectives[{position}].name", f"class {name!r} is already declared by {seen[name]} (classes share the gateway's namespace)", name)
                )
            seen.setdefault(name, f"route {route.name!r}")
        listed = route.small_first.objectives if route.small_first is not None else None
        for position, name in enumerate(listed or []):
            if name not in declared:
                problems.append(problem(f"{here}.small_first.objectives[{position}]", f"not a class of this route; its objectives are {declared}", name))
        if route.objectives and not objective_pools(route):
            problems.append(problem(f"{here}.objectives", OBJECTIVES_NEED_ONE_POOL.format(form=route_form(route)), declared))
        if route.objectives:
            adapters = [name for name in route.deployments() if name in deployments and deployments[name].lora is not None]
            if adapters:
                problems.append(
                    problem(
                        f"{here}.objectives",
                        f"deployment(s) {adapters} behind this route serve LoRA adapters, routed on a header with the same precedence as a "
                        "class's: a request naming an adapter and a class would match two rules of equal rank; put classes on a route without adapters",
                        declared,
                    )
                )
    return problems + _gke_crd_problems(environment)


def _gke_crd_problems(environment: Environment) -> list[dict[str, Any]]:
    """On GKE Hangar applies the InferenceObjective CRD from its github.com file: not without internet egress."""
    gateway = environment.gateway
    if gateway is None or not any(route.objectives for route in environment.routes):
        return []
    cluster = next((c for c in environment.clusters if c.name == gateway.cluster), None) if gateway.cluster else environment.clusters[0]
    if cluster is None or cluster.provider != "gcp" or not without_egress(cluster):
        return []
    index = next(i for i, route in enumerate(environment.routes) if route.objectives)
    return [
        problem(
            f"routes[{index}].objectives",
            f"cluster {cluster.name!r} has no internet egress, and on GKE Hangar applies the InferenceObjective CRD from its "
            "github.com file (GKE is documented to install the InferencePool CRD only): request classes are not built there",
            [objective.name for objective in environment.routes[index].objectives],
        )
    ]
