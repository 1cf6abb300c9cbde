"""A route's `failover` form: a primary deployment and its fallbacks in priority order, where the gateway can do it.

Every request goes to the primary; when the gateway's passive health checks (outlier detection) have ejected enough
of its replicas, requests spill to the first fallback, then the next. Hangar builds this only where the gateway
really does it: on Istio (EKS, AKS, on-prem) a DestinationRule with `localityLbSetting.failoverPriority` and
`outlierDetection` over one Service that selects the pods of every deployment of the route
(`hangar.components.routing_failover`). On GKE it is a config error (`GKE_FAILOVER_UNSUPPORTED` says why).

Sources, read 2026-12-02: istio/api tag 1.29.6 (commit 1092f7f897896b437df36d8d0df85728706022f2)
networking/v1alpha3/destination_rule.proto (`LocalityLoadBalancerSetting.failover_priority`: "should be used together
with `OutlierDetection` to detect unhealthy endpoints, otherwise has no effect"; `OutlierDetection` defaults:
consecutive 5xx errors 5, interval 10s, base ejection time 30s, max ejection percent 10%, min health percent 0%);
istio/istio tag 1.29.6 (commit 7019d6d3608e4995e9a36d2977cfec3a341431cd) pilot/pkg/networking/core/cluster_traffic_policy.go
`applyOutlierDetection` (success-rate ejection is turned off; an unset `minHealthPercent` disables Envoy's panic
threshold, so ejected replicas are not used again while any fallback is healthy); Envoy's priority levels
(https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/priority): a level keeps all
traffic until fewer than about 71.4 % of its endpoints are healthy (overprovisioning factor 1.4), and traffic spills
to the next level in proportion below that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from hangar.spec.base import Name, SpecModel, problem, raise_problems

if TYPE_CHECKING:
    from hangar.spec.adapters import LoraAdapter
    from hangar.spec.environment import Environment
    from hangar.spec.routing import Route
    from hangar.spec.serving import ModelDeployment

MAX_FALLBACKS = 8
"""The most fallbacks a route may list: each is one more priority level (and one more label on its pods)."""
SERVICE_SUFFIX = "-failover"
"""The Service that selects the pods of every deployment of a failover route is named `<route>-failover`."""

GKE_FAILOVER_UNSUPPORTED = (
    "a failover route cannot be built on GKE: GKE's gateway classes program Google's regional Application Load Balancer, "
    "which splits an HTTPRoute's backendRefs by weight, and whose health-based failover (GCPTrafficDistributionPolicy "
    "failoverConfig, which targets one Service) moves traffic to other backends of that Service, never to another Service; "
    "a backend service's failoverPolicy is for layer 4 load balancers only; give the deployment min_replicas 2 so that its "
    "replicas back each other up, or use split or small_first"
)
"""Why a failover route is refused on GKE. Sources, read 2026-12-02: GoogleCloudPlatform/gke-gateway-api commit
fc40d606a5332f11a8883f85caff66b63c4e88ef (2026-04-29) apis/networking/v1/gcptrafficdistributionpolicy_types.go (the policy
"can only target Service"; its `failoverConfig.failoverHealthThreshold` is "the percentage threshold that a load balancer will
begin to send traffic to failover backends", the backends of the Service it targets; nothing in it names another Service);
https://cloud.google.com/service-mesh/docs/operate-and-maintain/advanced-load-balancing-istio (the same policy: traffic to a
"primary" location with failover to a secondary location when enough endpoints there are unhealthy); pulumi_gcp 10.2.0 compute
RegionBackendService `failover_policy.failover_ratio` ("This field is only used with l4 load balancing"); Gateway API v1.5.1's
HTTPRoute `backendRefs[].weight` ("the proportion of requests forwarded to the referenced backend")."""


class OutlierDetection(SpecModel):
    """The gateway's passive health check of a failover route's replicas (Istio DestinationRule `outlierDetection`).

    A replica answering `consecutive_5xx_errors` 5xx responses (or failing to connect) in a row is ejected for
    `base_ejection_seconds` times the number of times it has been ejected; the check runs every `interval_seconds`.
    The defaults are Istio's own except `max_ejection_percent`: Istio's 10 % would keep most of a primary's replicas in
    rotation however badly they fail, and a model server runs few replicas, so failing over needs every replica of the
    primary to be ejectable (100)."""

    consecutive_5xx_errors: int = Field(5, ge=1, le=1000, description="5xx responses in a row that eject a replica (Istio's default 5).")
    interval_seconds: int = Field(10, ge=1, le=3600, description="Seconds between ejection sweeps (Istio's default 10).")
    base_ejection_seconds: int = Field(
        30, ge=1, le=86_400, description="Seconds a replica stays ejected the first time, multiplied by the number of ejections (Istio's default 30)."
    )
    max_ejection_percent: int = Field(
        100,
        ge=1,
        le=100,
        description="Most replicas, in percent, that may be ejected at once; default 100 so that the whole primary can fail over "
        "(Istio's own default, 10, would never eject the replicas of a small deployment all at once).",
    )


class Failover(SpecModel):
    """A primary deployment and the fallbacks that take its requests, in order, when its replicas fail."""

    primary: Name = Field(description="The deployment that takes every request while it is healthy.")
    fallbacks: list[Name] = Field(
        min_length=1,
        max_length=MAX_FALLBACKS,
        description="Deployments that take the requests, in this order, when the ones before them are ejected by the outlier detection.",
    )
    outlier_detection: OutlierDetection = Field(default_factory=OutlierDetection, description="When a replica counts as failed.")

    @model_validator(mode="after")
    def _distinct(self) -> Failover:
        names = [self.primary, *self.fallbacks]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise_problems([problem("fallbacks", f"names a deployment more than once (the primary counts too): {repeated}", self.fallbacks)])
        return self

    def deployments(self) -> list[str]:
        """The deployments in priority order: the primary, then each fallback."""
        return [self.primary, *self.fallbacks]


def failover_service(route: Route) -> str:
    """The name of the Service behind a failover route."""
    return f"{route.name}{SERVICE_SUFFIX}"


def pooled_deployments(environment: Environment) -> list[str]:
    """The deployments behind a route that reaches them through an InferencePool (every form but failover), sorted."""
    return sorted({name for route in environment.routes if route.failover is None for name in route.deployments()})


def failover_problems(environment: Environment, provider: str) -> list[dict[str, Any]]:
    """Failover routes on a gateway that cannot do it (GKE), whose Service name is taken, or whose levels do not all serve
    the LoRA adapters one of them serves."""
    problems = []
    deployments = {deployment.name: deployment for deployment in environment.deployments}
    for index, route in enumerate(environment.routes):
        if route.failover is None:
            continue
        here = f"routes[{index}].failover"
        if provider == "gcp":
            problems.append(problem(here, GKE_FAILOVER_UNSUPPORTED, route.name))
            continue
        if failover_service(route) in deployments:
            problems.append(problem(here, f"its Service {failover_service(route)!r} has the name of a deployment; rename the route or the deployment", route.name))
        problems += failover_adapter_problems(route, f"routes[{index}]", deployments)
    return problems


def failover_adapter_problems(route: Route, here: str, deployments: dict[str, ModelDeployment]) -> list[dict[str, Any]]:
    """A failover route's levels that would answer a request for an adapter differently from the primary.

    The route's one Service sends a request to whichever level is healthy, whatever `model` it names, so a request for
    a LoRA adapter reaches a fallback exactly when the primary fails: every level must serve every adapter any level
    serves, the same one (source, revision, rank and licence), on the same base model (an adapter is trained for one
    model's weights and shapes; vLLM loads it onto the model it serves).
    """
    assert route.failover is not None
    levels = [(key, deployments[name]) for key, name in zip(route.deployment_keys(), route.deployments(), strict=True) if name in deployments]
    served: dict[str, tuple[ModelDeployment, LoraAdapter]] = {}  # each adapter as the first level serving it serves it
    for _, deployment in levels:
        for adapter in deployment.lora.adapters if deployment.lora is not None else []:
            served.setdefault(adapter.name, (deployment, adapter))
    if not served:
        return []
    problems = []
    first = next(deployment for _, deployment in levels if deployment.lora is not None)  # whose model the adapters are of
    for key, deployment in levels:
        where = f"{here}.{key}"
        if deployment.model != first.model:
            problems.append(
                problem(
                    where,
                    f"the route's levels serve LoRA adapters {sorted(served)}, adapters of {first.model} (deployment {first.name!r}), "
                    f"and deployment {deployment.name!r} serves {deployment.model}, onto which they cannot be loaded; a failover route "
                    "with adapters needs the same model at every level (e.g. on other nodes), or put the adapters behind a route of another form",
                    deployment.name,
                )
            )
            continue
        own = {adapter.name: adapter for adapter in deployment.lora.adapters} if deployment.lora is not None else {}
        missing = sorted(set(served) - set(own))
        if missing:
            problems.append(
                problem(
                    where,
                    f"deployment {deployment.name!r} does not serve the LoRA adapters {missing} that deployment {served[missing[0]][0].name!r} "
                    "serves: a request for them would fail whenever the route's traffic reaches that level; give every level of a "
                    "failover route the same lora.adapters",
                    deployment.name,
                )
            )
        for name in sorted(set(served) & set(own)):
            other, adapter = served[name]
            if own[name] != adapter:
                problems.append(
                    problem(
                        where,
                        f"deployment {deployment.name!r} serves adapter {name!r} as {_adapter_text(own[name])} and deployment {other.name!r} "
                        f"as {_adapter_text(adapter)}: a request for it would be answered by other weights after a failover; "
                        "give every level the same adapter",
                        deployment.name,
                    )
                )
    return problems


def _adapter_text(adapter: LoraAdapter) -> str:
    return f"{adapter.source}@{adapter.revision} (rank {adapter.rank}, licence {adapter.licence})"


def failover_adapter_groups(environment: Environment) -> list[set[str]]:
    """The deployment sets that may serve an adapter under one name: the deployments of each failover route."""
    return [set(route.failover.deployments()) for route in environment.routes if route.failover is not None]
