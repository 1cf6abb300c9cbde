"""What GKE's managed gateway cannot carry, refused before anything is built, and when its routes are told apart by model.

* Several routes on a GKE gateway are told apart by the model a request names, not by path: GKE's gateway controller
  rewrites no paths (every conformance report Google filed for it lists `HTTPRoutePathRewrite` unsupported;
  `hangar.components.routing_paths` cites them), so every route there matches the root path. With more than one route
  (`routes_by_model`), Hangar runs the Inference Extension's Body-Based Routing, which copies the body's `model` into
  the header `X-Gateway-Model-Name`, and each route's HTTPRoute matches that header with the route's name
  (`hangar.components.routing_gke` cites Google's and the Extension's sources). A client names the route as its model.
* `tls.redirect_http` on GKE: the redirect keeps the request's method only with status 307 or 308, and GKE's controller
  claims neither (its conformance reports for GKE 1.34.4-gke.1047000 and 1.35.2-gke.1751000 list
  `HTTPRoute307RedirectStatusCode` and `HTTPRoute308RedirectStatusCode` among the unsupported features, beside the claimed
  `HTTPRouteSchemeRedirect`); after a 301 or 302 a client may turn a POST into a GET (RFC 7231 sections 6.4.2 and 6.4.3),
  so an API call would arrive as a GET.

Sources: kubernetes-sigs/gateway-api commit 4564255ac2c35d582249b3cdf261bdf51c8bca32 (2026-08-21),
conformance/reports/v1.4.0/gke-gateway/standard-1.34.4-rxlb-report.yaml and v1.5/gke-gateway/v1.5.0-gke-report.yaml,
read 2026-12-02.
"""

from __future__ import annotations

from typing import Any

from hangar.spec.base import problem

BBR_REPLICAS = 1
"""Body-Based Routing's replicas: the chart's `bbr.replicas` default (config/charts/body-based-routing/values.yaml at
gateway-api-inference-extension v1.5.0), which Hangar keeps."""


def gateway_provider(environment: Any) -> str | None:
    """The provider of the gateway's cluster (`gateway.cluster`, else the only or first cluster); None without a gateway."""
    gateway = environment.gateway
    if gateway is None or not environment.clusters:
        return None
    cluster = next((c for c in environment.clusters if c.name == gateway.cluster), None) if gateway.cluster else environment.clusters[0]
    return cluster.provider if cluster is not None else None


def routes_by_model(environment: Any) -> bool:
    """Whether the gateway's routes are told apart by the request's model (Body-Based Routing): a GKE gateway with several
    routes. One route on GKE matches every request at the root and needs no extension in front of it."""
    return gateway_provider(environment) == "gcp" and len(environment.routes) > 1


def runs_body_based_routing(environment: Any) -> bool:
    """Whether the gateway runs Body-Based Routing: its routes are told apart by model, or a deployment behind a route serves
    LoRA adapters (`hangar.components.serving_lora_routing`)."""
    if environment.gateway is None:
        return False
    routed = {name for route in environment.routes for name in route.deployments()}
    return routes_by_model(environment) or any(d.lora is not None for d in environment.deployments if d.name in routed)


def body_routing_note(environment: Any) -> str:
    """What Body-Based Routing adds beside the pickers, for the cost report's gateway note ("" when it does not run)."""
    if not runs_body_based_routing(environment):
        return ""
    return (f"; Body-Based Routing runs {BBR_REPLICAS} pod there too, requesting no CPU or memory (the Inference Extension's "
            "chart sets no resources for it, nor does Hangar)")  # fmt: skip


def gke_gateway_problems(environment: Any, provider: str) -> list[dict[str, Any]]:
    """On a gcp cluster: `tls.redirect_http`."""
    if provider != "gcp":
        return []
    gateway = environment.gateway
    problems = []
    if gateway.tls is not None and gateway.tls.redirect_http:
        problems.append(
            problem(
                "gateway.tls.redirect_http",
                "not on GKE: its gateway claims no redirect status that keeps the method (307 or 308; Google's conformance reports list "
                "both as unsupported), and after a 301 or 302 a client may resend a POST as a GET; leave it off and give clients the "
                "https:// URL",
                True,
            )
        )
    return problems
