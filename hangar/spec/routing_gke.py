"""What GKE's managed gateway cannot carry, refused before anything is built.

* More than one route on a GKE gateway: GKE's gateway controller rewrites no paths (every conformance report Google filed
  for it lists `HTTPRoutePathRewrite` unsupported; `hangar.components.routing_paths` cites them), so Hangar cannot give each
  route its own `/<route>` prefix there and serves the gateway's one route at the root path. Routing several routes by the
  model a request names (Body-Based Routing on every request) is not built.
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


def gke_gateway_problems(environment: Any, provider: str) -> list[dict[str, Any]]:
    """On a gcp cluster: more than one route, or `tls.redirect_http`."""
    if provider != "gcp":
        return []
    gateway, routes = environment.gateway, environment.routes
    problems = []
    if len(routes) > 1:
        problems.append(
            problem(
                "routes",
                "a GKE gateway carries one route: GKE's gateway rewrites no paths (Google's conformance reports list HTTPRoutePathRewrite "
                "as unsupported), so Hangar serves its route at the root path (base URL http://<gateway>/v1) and cannot give each route "
                "its own; put the deployments behind one route (split or small_first)",
                [route.name for route in routes],
            )
        )
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
