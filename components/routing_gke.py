"""Several routes on one GKE gateway, told apart by the model a request names (Body-Based Routing).

GKE's gateway rewrites no paths, so every route on a GKE gateway matches the root path
(`hangar.components.routing_paths`), and path alone cannot tell two routes apart. An OpenAI client names its model in
the request body, which the Gateway API cannot match. Google's GKE Inference Gateway documents the answer: its load
balancer forwards each request to the Body-Based Routing extension, which copies the body's `model` into the request
header `X-Gateway-Model-Name`, and HTTPRoute rules then match that header to choose the InferencePool, before the
endpoint picker chooses a pod (https://cloud.google.com/kubernetes-engine/docs/how-to/configure-body-based-routing,
"How body-based routing works", read 2026-12-02). The extension is the Gateway API Inference Extension's own BBR, at the
tag Hangar pins for the picker: its `body-field-to-header` plugin, configured by the chart with `fieldName: model` and
`headerName: X-Gateway-Model-Name` (config/charts/body-based-routing/values.yaml; the same header is the plugin's
default, pkg/bbr/README.md and cmd/bbr/runner/runner.go), and on GKE a `GCPRoutingExtension` (networking.gke.io/v1) on
the Gateway calls it with the request's headers, body and trailers (templates/gke.yaml). Hangar already builds that
extension for LoRA adapters (`hangar.components.serving_lora_routing`); with several routes on a GKE gateway
(`hangar.spec.routing_gke.routes_by_model`) it builds it too, and every match of every route's rules also requires
`X-Gateway-Model-Name: <route>` (`match_model`). Clients ask for `model: <route>`, as on every target (each deployment
behind a route also answers to the route's name: `hangar.components.routing`).

Precedence stays as Gateway API v1.5.1 defines it (HTTPRouteRule: path, method, then the largest number of header
matches): a route's small-first header or objective rule carries one header more than its catch-all rule, as before;
the adapter rules (`X-Gateway-Base-Model-Name`, set from the same request by BBR's `base-model-to-header`) match
requests that name an adapter or a Hub id, never a route name, since adapter names may not equal a route's
(`hangar.spec.adapters`) and a route name is not a base model of BBR's maps. A request naming no route and no adapter
matches no rule and is answered 404 by the load balancer, not sent to some route's pools.

One route on a GKE gateway keeps matching every request at the root with no header and no extension: nothing needs
telling apart, and BBR would add a call on every request's path.

Sources: kubernetes-sigs/gateway-api-inference-extension tag v1.5.0 (commit df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849,
2026-04-18), config/charts/body-based-routing/ (values.yaml, templates/gke.yaml), pkg/bbr/README.md,
pkg/bbr/plugins/bodyfieldtoheader/, site-src/guides/serving-multiple-inference-pools-latest.md (several InferencePools
behind one path, told apart by a header BBR sets), read 2026-12-02; kubernetes-sigs/gateway-api tag v1.5.1
apis/v1/httproute_types.go (HTTPRouteRule matches and their precedence).
"""

from __future__ import annotations

import copy
from typing import Any

MODEL_HEADER = "X-Gateway-Model-Name"
"""The request header BBR's `body-field-to-header` plugin sets from the body's `model` (chart values at v1.5.0; Google's
configure-body-based-routing page names the same key)."""


def model_match(route_name: str) -> dict[str, str]:
    """The HTTPRoute header match of the requests naming `route_name` as their model."""
    return {"type": "Exact", "name": MODEL_HEADER, "value": route_name}


def match_model(rules: list[dict[str, Any]], route_name: str) -> list[dict[str, Any]]:
    """The route's `rules` with `X-Gateway-Model-Name: <route_name>` required by every match (before its own headers)."""
    matched = copy.deepcopy(rules)
    for rule in matched:
        # A rule without matches matches every request (Gateway API's default, `/` as a prefix); it gets the header alone.
        rule["matches"] = [{**match, "headers": [model_match(route_name), *match.get("headers", [])]} for match in rule.get("matches") or [{}]]
    return matched
