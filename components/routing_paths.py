"""Where a route's requests arrive and what path reaches the server: `/<route>` rewritten to `/`, or on GKE the root as it is.

vLLM serves its OpenAI API under `/v1`. Behind Istio (EKS, AKS, on-prem) each route has its own path prefix, `/<route>`,
which the HTTPRoute rewrites to `/` (`URLRewrite` with `ReplacePrefixMatch`, the Gateway API feature
`HTTPRoutePathRewrite`), so a client's base URL is `http://<gateway>/<route>/v1`; Istio's conformance reports on either
side of the pinned 1.29.6 (1.28 and 1.30.1) claim that feature.

GKE's gateway controller does not: every conformance report Google has filed for it lists `HTTPRoutePathRewrite` among its
unsupported features — `gke-l7-rilb` on GKE 1.30.3-gke.1211000 (Gateway API v1.1.0), `gke-l7-regional-external-managed`
on 1.34.4-gke.1047000 (v1.4.0) and on 1.35.2-gke.1751000 (v1.5.0) — and Google's own conformance test for the controller
exempts it (GoogleCloudPlatform/gke-gateway-api commit fc40d606a5332f11a8883f85caff66b63c4e88ef, conformance/conformance_test.go
`ExemptFeatures`). That feature's conformance test is exactly Hangar's rewrite: `/strip-prefix/three` under a prefix
`/strip-prefix` replaced by `/` must reach the backend as `/three` (conformance/tests/httproute-rewrite-path.go at v1.5.1).
So on GKE Hangar renders no rewrite: the route's rules match the root path, and a client's base URL is
`http://<gateway>/v1`; several routes on a GKE gateway are told apart by the request's model instead
(`hangar.components.routing_gke`).

Sources: kubernetes-sigs/gateway-api, conformance/reports/v1.1.0/gke-gateway/standard-1.30.3-rilb-report.yaml,
v1.4.0/gke-gateway/standard-1.34.4-rxlb-report.yaml and v1.5/gke-gateway/v1.5.0-gke-report.yaml (commit
4564255ac2c35d582249b3cdf261bdf51c8bca32, 2026-08-21), tag v1.5.1 (commit e7677b70ae75d14a4448fba94870e7deea6cf0ad)
conformance/tests/httproute-rewrite-path.yaml and .go, and conformance/reports/v1.4.0/istio-istio/1.28.0-default-report.yaml and
v1.5/istio-istio/1.30.0-default-report.yaml at the commit above; all read 2026-12-02.
"""

from __future__ import annotations

from typing import Any

REWRITE_TO_ROOT = {"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}


def route_path(route_name: str, *, gke: bool) -> dict[str, str]:
    """The HTTPRoute path match of a route's requests: `/<route>`, or on GKE the root."""
    return {"type": "PathPrefix", "value": "/" if gke else f"/{route_name}"}


def route_filters(*, gke: bool) -> list[dict[str, Any]]:
    """The filters of a route's rules: the rewrite of `/<route>` to `/`, none on GKE (which rewrites no paths)."""
    return [] if gke else [dict(REWRITE_TO_ROOT)]

