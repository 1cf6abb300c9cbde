"""Routing: one gateway per environment and named routes to its deployments.

A stack may give its environment a `gateway` (one OpenAI-compatible endpoint for its deployments,
internal by default) and `routes`: a name clients use (`chat`) and the deployments behind it, in one
of three forms —

* `deployment`: one deployment takes every request (one model behind the gateway, its adapters too);

* `split`: a weighted split across deployments (a canary of a new model or engine version);
* `small_first`: the `small` deployment takes a declared `share` of the requests, or the requests
  carrying a declared header (a class of easy traffic), and the `large` one takes the rest;
* `failover`: a primary deployment takes every request and its fallbacks take them, in order, when its replicas
  fail (Istio gateways only: `hangar.spec.routing_failover`).

A route promises every request it admits the same context (`max_context_tokens`, by default the
first deployment's: the first of a split, the large one of a small-first route, the one deployment, the primary) and the same input
`modality`; a deployment behind it that serves less is a config error, as is a route naming a
deployment that does not exist or runs on another cluster than the gateway, or whose declared traffic
contradicts the route's shares (`hangar.spec.routing_traffic`). TLS: `hangar.spec.routing_tls`; a gateway
without internet egress: `hangar.spec.routing_mirror`; what GKE's gateway cannot carry (more than one route, the
http redirect): `hangar.spec.routing_gke`. The components that build this are in
`hangar.components.routing`.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from hangar.spec.base import Name, SpecModel, problem, raise_problems
from hangar.spec.routing_failover import Failover, failover_problems
from hangar.spec.routing_flow import FlowControl, flow_control_problems
from hangar.spec.routing_gke import gke_gateway_problems
from hangar.spec.routing_mirror import GatewayCrds, mirror_problems
from hangar.spec.routing_objectives import Objective, objective_problems
from hangar.spec.routing_tls import GatewayTls, tls_problems
from hangar.spec.routing_traffic import traffic_problems

if TYPE_CHECKING:
    from hangar.spec.environment import Environment

HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$"
"""An HTTP header name as Gateway API v1.5.1's HTTPHeaderName allows it (RFC 7230 token; HTTPRoute CRD `matches[].headers[].name`)."""
MAX_WEIGHT = 1_000_000
"""The largest `backendRefs[].weight` the HTTPRoute CRD (Gateway API v1.5.1) accepts."""
MAX_MATCHES = 64
"""The most `matches` an HTTPRoute rule may have (Gateway API v1.5.1 HTTPRoute CRD `rules[].matches` maxItems): the small
deployment's rule of a small-first route by objectives matches each listed class once."""
Modality = Literal["text", "text+image"]
class Gateway(SpecModel):
    """The environment's inference gateway: one endpoint in front of its routes."""

    cluster: Name | None = Field(None, description="Cluster the gateway runs in; may be omitted when the environment has one cluster.")
    scope: Literal["internal", "public"] = Field(
        "internal", description="internal: an internal load balancer, reachable from the cluster's network; public: internet-facing."
    )
    auth: Literal["none", "api-key"] = Field(
        "none",
        description="api-key: every deployment behind a route checks the environment's API key (its exposure.auth api-key), "
        "which the gateway passes through; required for a public gateway in prod.",
    )
    proxy_only_cidr: ipaddress.IPv4Network | None = Field(
        None,
        description="gcp only: the region's proxy-only subnet that GKE's regional Application Load Balancer proxies use; "
        "Hangar creates it in the network it creates; with an existing network, give the range of the one it has "
        "(the model servers admit the proxies from it).",
    )
    tls: GatewayTls | None = Field(
        None,
        description="The certificate of an HTTPS listener on port 443 (hangar/spec/routing_tls.py); none: plain HTTP on port 80. "
        "Required for a public gateway in prod.",
    )
    crds: GatewayCrds | None = Field(
        None,
        description="EKS, AKS, on-prem: copies inside the network of the Gateway API and Inference Extension CRD manifests "
        "(hangar/spec/routing_mirror.py); required without internet egress, else they come from their github.com release assets.",
    )
    picker_cpu: float = Field(
        1,
        gt=0,
        le=64,
        description="CPU cores each endpoint picker requests. Default 1, which a node of every system pool Hangar builds can give "
        "(the smallest, EKS's m6i.large, has 2 vCPU); the Inference Extension chart's 4, validated up to 5,000 requests/s, needs bigger "
        "system nodes. hangar-routing says when a picker cannot fit its node or is smaller than measured for the declared traffic.",
    )
    picker_memory_gib: int = Field(
        2, ge=1, le=256, description="Memory each endpoint picker requests, GiB (its limit is twice this); default 2 (the chart's validated 8 with bigger nodes)."
    )
    flow_control: FlowControl | None = Field(
        None,
        description="Queue requests in the endpoint pickers by their class's priority while a pool is saturated (hangar/spec/routing_flow.py); "
        "none: each picker passes requests straight to the servers and sheds only classes of negative priority. Not on GKE.",
    )


class HeaderMatch(SpecModel):
    """Requests carrying this header with exactly this value."""

    name: str = Field(min_length=1, max_length=256, pattern=HEADER_NAME, description="HTTP header name, e.g. x-request-class.")
    value: str = Field(min_length=1, max_length=4096, description="Exact header value, e.g. easy.")


class WeightedDeployment(SpecModel):
    """One deployment of a split and its weight (requests go to each in proportion to the weights)."""

    deployment: Name
    weight: int = Field(ge=1, le=MAX_WEIGHT, description="Relative weight, 1 to 1,000,000.")


class SmallFirst(SpecModel):
    """Send the easy traffic to the smaller deployment: a declared share of requests, a header-matched class, or the
    requests of some of the route's request classes (`objectives`)."""

    small: Name = Field(description="The smaller deployment.")
    large: Name = Field(description="The larger deployment, which takes the rest.")
    share: float | None = Field(None, ge=0.001, le=0.999, description="Share of requests the small deployment takes, 0.001 to 0.999.")
    header: HeaderMatch | None = Field(None, description="Requests carrying this header go to the small deployment; the rest to the large one.")
    objectives: list[Name] | None = Field(
        None,
        min_length=1,
        max_length=MAX_MATCHES,
        description="Classes of the route's objectives whose requests go to the small deployment (by their x-gateway-inference-objective "
        "header); every other request goes to the large one (hangar/spec/routing_objectives.py).",
    )

    @model_validator(mode="after")
    def _one_way(self) -> SmallFirst:
        problems = []
        if sum(way is not None for way in (self.share, self.header, self.objectives)) != 1:
            problems.append(
                problem(
                    "share",
                    "give exactly one of share (a fraction of requests), header (a header-matched class) or objectives (request classes)",
                    self.share,
                )
            )
        if self.small == self.large:
            problems.append(problem("large", "must name another deployment than small", self.large))
        raise_problems(problems)
        return self


class Route(SpecModel):
    """A name clients use and the deployments behind it."""

    name: Name = Field(description="The name clients use: the path prefix /<name>/ on the gateway and the `model` they ask for.")
    max_context_tokens: int | None = Field(
        None, ge=256, description="Longest sequence every request may have; default: the first deployment's (split), the large one's, or the one deployment's."
    )
    modality: Modality = Field("text", description="Input the route accepts: text, or text+image (every model behind it must take images).")
    split: list[WeightedDeployment] | None = Field(None, min_length=2, description="A weighted split across two or more deployments.")
    small_first: SmallFirst | None = Field(None, description="A small deployment for the easy traffic, a large one for the rest.")
    deployment: Name | None = Field(
        None, description="A single deployment behind the route (every request to it): one model, e.g. one that serves LoRA adapters, behind the gateway."
    )
    objectives: list[Objective] = Field(
        default_factory=list,
        description="Request classes and their priorities (Inference Extension InferenceObjectives): clients name one in the "
        "x-gateway-inference-objective header; only on a route whose classes each reach one deployment (small_first objectives).",
    )
    failover: Failover | None = Field(
        None,
        description="A primary deployment and its fallbacks, in order, for when its replicas fail (hangar/spec/routing_failover.py); "
        "Istio gateways only (EKS, AKS, on-prem): a config error on GKE.",
    )

    @model_validator(mode="after")
    def _one_form(self) -> Route:
        problems = []
        if sum(form is not None for form in (self.split, self.small_first, self.deployment, self.failover)) != 1:
            problems.append(problem("split", "give exactly one form: split, small_first or deployment (or failover: a primary and its fallbacks)", None))
        elif self.split is not None:
            names = [backend.deployment for backend in self.split]
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                problems.append(problem("split", f"names a deployment more than once: {repeated}", names))
        raise_problems(problems)
        return self

    def deployments(self) -> list[str]:
        """The deployments behind the route, the one whose context it promises by default first."""
        if self.split is not None:
            return [backend.deployment for backend in self.split]
        if self.deployment is not None:
            return [self.deployment]
        if self.failover is not None:
            return self.failover.deployments()
        assert self.small_first is not None
        return [self.small_first.large, self.small_first.small]

    def deployment_keys(self) -> list[str]:
        """The key path (below the route) naming each of `deployments()`."""
        if self.split is not None:
            return [f"split[{index}].deployment" for index in range(len(self.split))]
        if self.deployment is not None:
            return ["deployment"]
        if self.failover is not None:
            return ["failover.primary", *(f"failover.fallbacks[{index}]" for index in range(len(self.failover.fallbacks)))]
        return ["small_first.large", "small_first.small"]


def routing_problems(environment: Environment) -> list[dict[str, Any]]:
    """Routes that name missing deployments or deployments on another cluster, promise more context or modality than a
    deployment behind them serves; a gateway on no cluster, or public without auth in prod."""
    gateway, routes = environment.gateway, environment.routes
    if gateway is None:
        return [problem("routes", "routes need a gateway: add gateway (internal by default)", [r.name for r in routes])] if routes else []
    problems = _gateway_problems(environment, gateway)
    clusters = {cluster.name: cluster for cluster in environment.clusters}
    home = gateway.cluster or (environment.clusters[0].name if len(clusters) == 1 else None)
    deployments = {deployment.name: deployment for deployment in environment.deployments}
    for index, route in enumerate(routes):
        here = f"routes[{index}]"
        behind = []
        for key, name in zip(route.deployment_keys(), route.deployments(), strict=True):
            deployment = deployments.get(name)
            if deployment is None:
                problems.append(problem(f"{here}.{key}", f"no such deployment; deployments are {sorted(deployments)}", name))
            elif home is not None and environment.cluster_of(deployment).name != home:
                problems.append(problem(f"{here}.{key}", f"runs on cluster {environment.cluster_of(deployment).name!r}, not the gateway's {home!r}", name))
            elif environment.scales_to_zero(deployment):
                problems.append(
                    problem(
                        f"{here}.{key}",
                        f"deployment {name!r} scales to zero (latency_class {deployment.latency_class}, autoscaling.min_replicas "
                        f"{deployment.autoscaling.min_replicas}): the gateway sends requests straight to its pods and none wakes it; "
                        "set its autoscaling.min_replicas to 1 or more",
                        name,
                    )
                )
            else:
                behind.append((key, deployment))
        if behind and len(behind) == len(route.deployments()):
            problems += _promise_problems(environment, here, route, behind)
    return problems + traffic_problems(environment) + objective_problems(environment)


def _gateway_problems(environment: Environment, gateway: Gateway) -> list[dict[str, Any]]:
    clusters = {cluster.name: cluster for cluster in environment.clusters}
    if gateway.cluster is None and len(clusters) > 1:
        return [problem("gateway.cluster", f"name the cluster, one of {sorted(clusters)}", None)]
    cluster = clusters.get(gateway.cluster) if gateway.cluster else environment.clusters[0]
    if cluster is None:
        return [problem("gateway.cluster", f"no such cluster; clusters are {sorted(clusters)}", gateway.cluster)]
    problems = []
    if environment.tier == "prod" and gateway.scope == "public" and gateway.auth == "none":
        problems.append(problem("gateway.auth", "a public endpoint in prod needs auth: api-key", "none"))
    problems += tls_problems(environment, cluster.provider) + gke_gateway_problems(environment, cluster.provider)
    if gateway.proxy_only_cidr is not None and cluster.provider != "gcp":
        problems.append(problem("gateway.proxy_only_cidr", f"only for a gcp cluster; cluster {cluster.name!r} is {cluster.provider}", str(gateway.proxy_only_cidr)))
    if cluster.provider == "gcp" and gateway.proxy_only_cidr is None:
        problems.append(
            problem(
                "gateway.proxy_only_cidr",
                "GKE's regional Application Load Balancer needs a proxy-only subnet in the region: give a /23 or larger CIDR "
                "that overlaps no other range of the network, e.g. 10.129.0.0/23 (or, with an existing network, its proxy-only subnet's range)",
                None,
            )
        )
    problems += mirror_problems(gateway, cluster)
    problems += failover_problems(environment, cluster.provider) + flow_control_problems(environment, cluster.provider)
    if cluster.provider == "gcp" and tuple(int(x) for x in cluster.kubernetes_version.split(".")) < (1, 34):
        problems.append(
            problem(
                "gateway.cluster",
                f"GKE installs the InferencePool CRD from 1.34.0-gke.1626000; cluster {cluster.name!r} runs {cluster.kubernetes_version}",
                cluster.name,
            )
        )
    if gateway.auth == "api-key":
        for index, route in enumerate(environment.routes):
            for key, name in zip(route.deployment_keys(), route.deployments(), strict=True):
                deployment = next((d for d in environment.deployments if d.name == name), None)
                if deployment is not None and deployment.exposure.auth != "api-key":
                    problems.append(
                        problem(
                            f"routes[{index}].{key}",
                            f"gateway.auth api-key is checked by the model servers: deployment {name!r} needs exposure.auth api-key",
                            name,
                        )
                    )
    return problems


def _promise_problems(environment: Environment, here: str, route: Route, behind: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Every deployment behind the route serves the context and the modality the route promises."""
    problems = []
    promised = route.max_context_tokens or behind[0][1].max_context_tokens
    for key, deployment in behind:
        if deployment.max_context_tokens < promised:
            problems.append(
                problem(
                    f"{here}.{key}",
                    f"deployment {deployment.name!r} serves max_context_tokens {deployment.max_context_tokens}, less than the "
                    f"{promised} the route promises; raise it or promise less (route max_context_tokens)",
                    deployment.name,
                )
            )
    if route.modality == "text+image":
        from hangar.catalog import CatalogLookupError, load_catalog

        try:
            catalog = load_catalog(environment.catalog_overrides)
        except (OSError, ValueError):
            return problems  # the catalog problem is reported under catalog_overrides
        for key, deployment in behind:
            try:
                multimodal = catalog.model(deployment.model).multimodal
            except CatalogLookupError:
                multimodal = None
            if multimodal is not True:
                known = "takes text only" if multimodal is False else "is not known to take images (not in the catalog, or its row does not say)"
                problems.append(
                    problem(f"{here}.{key}", f"the route promises text+image and {deployment.model} {known}", deployment.name)
                )
    return problems
