"""HTTPRoute filters GKE's gateway does not claim, in any program's plan: a path rewrite, a 307 or 308 redirect.

GKE's gateway controller is judged by the conformance reports Google filed for it with Gateway API: every one lists
`HTTPRoutePathRewrite` among its unsupported features (`gke-l7-global-external-managed`, `gke-l7-regional-external-managed`
and `gke-l7-rilb` on GKE 1.30.3, the global class on 1.33.4, the regional external class on 1.34.4, 1.35.2 and in the
v1.6.0 report), and those of Gateway API v1.4.0 on list `HTTPRoute307RedirectStatusCode` and
`HTTPRoute308RedirectStatusCode` too (kubernetes-sigs/gateway-api commit 4564255ac2c35d582249b3cdf261bdf51c8bca32,
conformance/reports/*/gke-gateway/, read 2026-12-02). An HTTPRoute attached to a Gateway of one of those classes that
rewrites the path (`URLRewrite` with a `path`), or redirects with status 307 or 308, relies on what GKE never claimed
to do as the Gateway API specifies (a server that does not serve the route's prefix cannot answer an unrewritten path).
Hangar's own routes on GKE use neither (`hangar.components.routing_paths`, `hangar.spec.routing_gke`). Other `gke-l7-*`
classes (the multi-cluster and classic ones) have no report and are not judged.

An HTTPRoute behind such a Gateway that matches a header Body-Based Routing sets (`X-Gateway-Model-Name`, the body's
`model`; `X-Gateway-Base-Model-Name`, its base model) needs the extension in front of the routing decision: a
`GCPRoutingExtension` on that Gateway whose extension calls, with the request body, a Service of the plan that selects
pods running the Inference Extension's `bbr` image. Without one no request carries the header and those rules match
nothing (Google: the load balancer forwards the request to the Body to Header extension, which injects
`X-Gateway-Model-Name`, and HTTPRoute rules then match it,
https://cloud.google.com/kubernetes-engine/docs/how-to/configure-body-based-routing, read 2026-12-02; the extension's
events, RequestHeaders, RequestBody and RequestTrailers, from config/charts/body-based-routing/templates/gke.yaml and
the plugins' headers from pkg/bbr/ at kubernetes-sigs/gateway-api-inference-extension v1.5.0). This is how Hangar
tells several routes on one GKE gateway apart (`hangar.components.routing_gke`).
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import Finding
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.readiness_pods import namespace_of

from hangar.records import ResourceRecord

RULE = "hangar-routing"
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
REPORTED_CLASSES = ("gke-l7-global-external-managed", "gke-l7-regional-external-managed", "gke-l7-rilb")
"""The GKE classes Google's conformance reports cover."""
METHOD_KEEPING_REDIRECTS = (307, 308)
ROUTING_EXTENSION = "kubernetes:networking.gke.io/v1:GCPRoutingExtension"
SERVICE = "kubernetes:core/v1:Service"
BBR_HEADERS = ("x-gateway-model-name", "x-gateway-base-model-name")
"""The headers BBR's two plugins set (header names match case-insensitively in Gateway API)."""
BBR_IMAGE_PATH = "gateway-api-inference-extension/bbr"
"""BBR's image path under registry.k8s.io, kept under a mirror's registry too."""


def gke_filter_findings(facts: StackFacts) -> list[Finding]:
    """A finding per HTTPRoute rule, attached to a Gateway of a reported GKE class, that rewrites the path or redirects with 307/308."""
    classes = {(namespace_of(r, facts.by_urn), _name(r)): (r.inputs.get("spec") or {}).get("gatewayClassName")
               for r in facts.records if r.type == GATEWAY}  # fmt: skip
    findings = []
    for route in (r for r in facts.records if r.type == HTTP_ROUTE):
        namespace = namespace_of(route, facts.by_urn)
        spec = route.inputs.get("spec") or {}
        gke = sorted({str(classes[key]) for key in _parents(spec, namespace) if classes.get(key) in REPORTED_CLASSES})
        if not gke:
            continue
        where = f"HTTPRoute {namespace}/{_name(route)}"
        for index, rule in enumerate(_dicts(spec.get("rules"))):
            for item in _dicts(rule.get("filters")):
                rewrite, redirect = item.get("urlRewrite") or {}, item.get("requestRedirect") or {}
                if item.get("type") == "URLRewrite" and isinstance(rewrite, dict) and rewrite.get("path"):
                    findings.append(Finding(RULE, route.urn, f"{where} rules[{index}] rewrites the path behind a Gateway of class {', '.join(gke)}, "
                                            "whose controller claims no path rewrite (Google's conformance reports list HTTPRoutePathRewrite as "
                                            "unsupported): the server may get the path unrewritten; match the path the server serves instead"))  # fmt: skip
                if item.get("type") == "RequestRedirect" and isinstance(redirect, dict) and redirect.get("statusCode") in METHOD_KEEPING_REDIRECTS:
                    findings.append(Finding(RULE, route.urn, f"{where} rules[{index}] redirects with status {redirect['statusCode']} behind a Gateway "
                                            f"of class {', '.join(gke)}, whose controller claims neither 307 nor 308 (Google's conformance reports "
                                            "list both as unsupported)"))  # fmt: skip
    return findings


def gke_body_routing_findings(facts: StackFacts) -> list[Finding]:
    """A finding per HTTPRoute, attached to a Gateway of a reported GKE class, that matches a header BBR sets while no
    GCPRoutingExtension on that Gateway calls BBR with the request body."""
    classes = {(namespace_of(r, facts.by_urn), _name(r)): (r.inputs.get("spec") or {}).get("gatewayClassName")
               for r in facts.records if r.type == GATEWAY}  # fmt: skip
    calling = _gateways_calling_bbr(facts)
    findings = []
    for route in (r for r in facts.records if r.type == HTTP_ROUTE):
        namespace = namespace_of(route, facts.by_urn)
        spec = route.inputs.get("spec") or {}
        headers = sorted({str(h.get("name")) for rule in _dicts(spec.get("rules")) for match in _dicts(rule.get("matches"))
                          for h in _dicts(match.get("headers")) if str(h.get("name")).lower() in BBR_HEADERS})  # fmt: skip
        if not headers:
            continue
        for key in _parents(spec, namespace):
            gateway_class = classes.get(key)
            if gateway_class not in REPORTED_CLASSES or key in calling:
                continue
            findings.append(Finding(RULE, route.urn, f"HTTPRoute {namespace}/{_name(route)} matches {', '.join(headers)} behind Gateway {key[0]}/{key[1]} "
                                    f"(class {gateway_class}), and no GCPRoutingExtension on that Gateway calls Body-Based Routing with the request "
                                    "body (a Service of this stack selecting pods of the Inference Extension's bbr image): nothing sets the header "
                                    "from the request's model, so these rules match no request"))  # fmt: skip
    return findings


def _gateways_calling_bbr(facts: StackFacts) -> set[tuple[str, str]]:
    """The (namespace, name) of every Gateway a GCPRoutingExtension of the plan points at BBR with the request body."""
    services = {(namespace_of(r, facts.by_urn), _name(r)): r for r in facts.records if r.type == SERVICE}
    bbr_pods = [(w.namespace, t.labels) for w in facts.pod_workloads for t in w.templates
                if any(BBR_IMAGE_PATH in str(c.get("image") or "") for c in t.containers)]  # fmt: skip
    calling = set()
    for extension in (r for r in facts.records if r.type == ROUTING_EXTENSION):
        namespace = namespace_of(extension, facts.by_urn)
        spec = extension.inputs.get("spec") or {}
        calls = False
        for chain in _dicts(spec.get("extensionChains")):
            for item in _dicts(chain.get("extensions")):
                ref = item.get("backendRef") or {}
                service = services.get((namespace, str(ref.get("name")))) if isinstance(ref, dict) and ref.get("kind", "Service") == "Service" else None
                if service is None or "RequestBody" not in (item.get("supportedEvents") or []):
                    continue
                selector = {str(k): str(v) for k, v in ((service.inputs.get("spec") or {}).get("selector") or {}).items()}
                calls = calls or any(ns == namespace and selector and selector.items() <= labels.items() for ns, labels in bbr_pods)
        if calls:
            calling |= {(str(ref.get("namespace") or namespace), str(ref.get("name"))) for ref in _dicts(spec.get("targetRefs"))
                        if ref.get("kind") == "Gateway"}  # fmt: skip
    return calling


def _parents(spec: dict[str, Any], namespace: str) -> list[tuple[str, str]]:
    """The (namespace, name) of each Gateway the route attaches to (`parentRefs` of kind Gateway, the default)."""
    return [(str(ref.get("namespace") or namespace), str(ref.get("name"))) for ref in _dicts(spec.get("parentRefs"))
            if ref.get("kind", "Gateway") == "Gateway"]  # fmt: skip


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _name(record: ResourceRecord) -> str:
    return str((record.inputs.get("metadata") or {}).get("name") or record.name)
