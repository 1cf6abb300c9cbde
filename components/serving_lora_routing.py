"""`hangar:routing:AdapterRouting`: a request for a LoRA adapter reaches the pool of the deployment that serves it.

A route may have several deployments behind it (a split, a small-first pair), and an adapter is loaded
only on its own deployment (`lora` of a deployment, `hangar.spec.adapters`). The Gateway API cannot
route on the request body, where an OpenAI client names its model, so the Gateway API Inference
Extension v1.5.0 adds Body-Based Routing (BBR): an ext-proc service the gateway calls on every request,
whose `base-model-to-header` plugin looks the body's `model` up in ConfigMaps labelled
`inference.networking.k8s.io/bbr-managed: "true"` (`baseModel`, and `adapters` as a YAML list) and sets
the header `X-Gateway-Base-Model-Name` to the base model of that adapter (to the name itself when it
is a base model, empty otherwise); HTTPRoutes then match that header to send the request to the pool
of that base model. Hangar builds, when the environment has a gateway and a deployment behind a
route serves adapters, in the gateway's namespace:

* per such deployment, a ConfigMap `<deployment>-adapters`: `baseModel` its Hub id, `adapters` its
  adapters' names (every deployment serves under its Hub id first: `hangar.components.serving_pod`);
* BBR itself (`body-based-router`), also when several routes share a GKE gateway and are told apart by the
  `X-Gateway-Model-Name` header its first plugin sets (`hangar.components.routing_gke`; then with no ConfigMap when no
  deployment behind a route serves adapters): a ServiceAccount, a Role and RoleBinding to read ConfigMaps, a
  Deployment of one replica running `registry.k8s.io/gateway-api-inference-extension/bbr:v1.5.0` with
  `--streaming`, the two plugins `body-field-to-header` (the body's `model` into
  `X-Gateway-Model-Name`) and `base-model-to-header`, `--tracing=false` and `NAMESPACE` (so it watches
  only the gateway's namespace), a Service on the ext-proc port, and a NetworkPolicy (in: the gateway's
  proxies, and on GKE Google's health checkers on the health port; out: DNS and the API server);
* on Istio (EKS, AKS, on-prem), an `EnvoyFilter` inserting BBR's ext_proc filter first into the
  gateway's HTTP filter chain, and a `DestinationRule` calling it over TLS without verifying its
  self-signed certificate (BBR serves TLS by default, `--secure-serving` true), as the chart's
  templates/istio.yaml writes them; a NetworkPolicy letting the gateway's pods reach BBR (NetworkPolicies
  add up: the gateway's own policy, `hangar.components.routing`, allows only the pickers, servers, istiod
  and DNS);
* on GKE, a `GCPRoutingExtension` on the Gateway calling BBR with the request's headers, body and
  trailers (`FullDuplexStreamed`) and a gRPC `HealthCheckPolicy` on BBR's health port, as the chart's
  templates/gke.yaml writes them;
* per route with such a deployment behind it, an HTTPRoute `<route>-adapters`: under the route's path (on GKE the root),
  a rule per such deployment matching `X-Gateway-Base-Model-Name: <its Hub id>` to its pool. Gateway
  API v1.5.1 gives the rule with more header matches precedence over the route's own rule for the same
  path (HTTPRouteRule's documented precedence: path, method, then the largest number of header
  matches), so a request naming an adapter, or a deployment's Hub id, goes to that deployment whatever
  the route's weights say; any other model name falls through to the route's weights.

BBR's container runs as the `nonroot` user of its distroless base, like the endpoint picker's
(`bbr.Dockerfile`: `BASE_IMAGE=gcr.io/distroless/static:nonroot`). The chart sets no resources for it,
nor does Hangar.

Sources — kubernetes-sigs/gateway-api-inference-extension tag v1.5.0 (commit
df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849), read 2026-12-01: site-src/guides/serving-multiple-inference-pools-latest.md
(the BBR pattern, the ConfigMap mapping and the header match), config/charts/body-based-routing/values.yaml
(image, port 9004, health port 9005, the two plugins), templates/bbr.yaml, rbac.yaml, istio.yaml, gke.yaml,
config/manifests/bbr/configmap.yaml, pkg/bbr/server/options.go (flags and defaults: `--secure-serving`
true, `--tracing` true, metrics port 9090), pkg/bbr/plugins/basemodelextractor/ (the header, the label,
the ConfigMap keys), cmd/bbr/runner/runner.go (`NAMESPACE`), cmd/bbr/runner/health.go (the gRPC health
service answers for any service name); kubernetes-sigs/gateway-api tag v1.5.1 apis/v1/httproute_types.go
(HTTPRouteRule matches: precedence).
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import pulumi
import pulumi_kubernetes as k8s
import yaml
from hangar.components.labels import POOL, environment_labels
from hangar.components.registry_path import under_registry
from hangar.components.routing import GATEWAY_NAME_LABEL, gateway_cluster, gateway_name, gateway_peers, route_parents
from hangar.components.routing_paths import route_filters, route_path
from hangar.components.routing_pool import EPP_VERSION, ISTIO_TLS, NONROOT_UID, health_check_peers
from hangar.components.serving_pod import container_security

from hangar.spec import SYSTEM_POOL, Environment, ModelDeployment
from hangar.spec.routing import Route
from hangar.spec.routing_gke import BBR_REPLICAS, routes_by_model

BBR_NAME = "body-based-router"
BBR_IMAGE = f"registry.k8s.io/gateway-api-inference-extension/bbr:{EPP_VERSION}"
BBR_IMAGE_PATH = "gateway-api-inference-extension/bbr"
"""BBR's image path under registry.k8s.io, where a registry mirror keeps it too."""
BBR_PORT = 9004
BBR_HEALTH_PORT = 9005
BASE_MODEL_HEADER = "X-Gateway-Base-Model-Name"
BBR_MANAGED = "inference.networking.k8s.io/bbr-managed"
PLUGINS = (
    "body-field-to-header:model-extractor:" + json.dumps({"fieldName": "model", "headerName": "X-Gateway-Model-Name"}, separators=(",", ":")),
    "base-model-to-header:base-model-mapper",
)
"""BBR's `--plugin <type>:<name>[:<json>]` values, as the chart's values.yaml lists them."""


def with_adapters(environment: Environment, route: Route) -> list[ModelDeployment]:
    """The deployments behind `route` that serve adapters, in the route's order; none for a failover route, whose one
    Service reaches every level and every level serves the same adapters (`hangar.spec.routing_failover`), so a request
    for an adapter needs no header to find its deployment."""
    if route.failover is not None:
        return []
    by_name = {deployment.name: deployment for deployment in environment.deployments}
    return [by_name[name] for name in route.deployments() if name in by_name and by_name[name].lora is not None]


def adapter_rules(environment: Environment, route: Route, *, timeout: str | None, gke: bool = False) -> list[dict[str, Any]]:
    """The rules of a route's `-adapters` HTTPRoute: per deployment with adapters, its base-model header to its pool, under the
    route's path (on GKE the root, unrewritten: `hangar.components.routing_paths`)."""
    rules = []
    for deployment in with_adapters(environment, route):
        match = {"path": route_path(route.name, gke=gke), "headers": [{"type": "Exact", "name": BASE_MODEL_HEADER, "value": deployment.model}]}
        rule: dict[str, Any] = {
            "matches": [match],
            **({"filters": filters} if (filters := route_filters(gke=gke)) else {}),
            "backendRefs": [{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": deployment.name, "weight": 1}],
        }
        if timeout:
            rule["timeouts"] = {"request": timeout}
        rules.append(rule)
    return rules


def adapter_map(deployment: ModelDeployment) -> dict[str, str]:
    """The ConfigMap data BBR reads: the deployment's Hub id and its adapters' names."""
    assert deployment.lora is not None
    return {"baseModel": deployment.model, "adapters": yaml.safe_dump([adapter.name for adapter in deployment.lora.adapters])}


class AdapterRouting(pulumi.ComponentResource):
    """`hangar:routing:AdapterRouting`: BBR, the adapter maps and the adapter HTTPRoutes of an environment's gateway (BBR alone
    when only the routes of a GKE gateway need it, told apart by model).

    `namespace` is the gateway's, `gateway` its Gateway's name, `gke` whether GKE's managed gateway serves it
    (else Istio), `gateway_peers` the NetworkPolicy peers of its proxies, `labels` the environment's labels,
    `node_selector` where BBR runs, `mirror` an image registry holding BBR under its upstream path,
    `timeout` the routes' request timeout (None on GKE). Exposes `routes` (the adapter HTTPRoutes' names).
    """

    def __init__(self, name: str, environment: Environment, *, namespace: str, gateway: str, gke: bool, gateway_peers: Sequence[dict[str, Any]],
                 labels: dict[str, str], node_selector: dict[str, str] | None, mirror: pulumi.Input[str] | None, timeout: str | None,
                 depends_on: Sequence[pulumi.Resource] = (), opts: pulumi.ResourceOptions | None = None):  # fmt: skip
        super().__init__("hangar:routing:AdapterRouting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        own = {**labels, "app.kubernetes.io/name": BBR_NAME}

        def meta(object_name: str, extra: dict[str, str] | None = None) -> dict[str, Any]:
            return {"name": object_name, "namespace": namespace, "labels": {**labels, **(extra or {})}}

        served = {d.name: d for route in environment.routes for d in with_adapters(environment, route)}
        for deployment in sorted(served.values(), key=lambda d: d.name):
            k8s.core.v1.ConfigMap(f"{deployment.name}-adapters", metadata=meta(f"{deployment.name}-adapters", {BBR_MANAGED: "true"}), data=adapter_map(deployment), opts=child)
        self._router(namespace, own, meta, node_selector, mirror, gateway_peers, gke, child)
        if gke:
            self._gke(namespace, labels, gateway, child)
        else:
            self._istio(namespace, labels, gateway, child)
        self.routes = []
        for route in environment.routes:
            rules = adapter_rules(environment, route, timeout=timeout, gke=gke)
            if not rules:
                continue
            route_name = f"{route.name}-adapters"
            k8s.apiextensions.CustomResource(
                route_name,
                api_version="gateway.networking.k8s.io/v1",
                kind="HTTPRoute",
                metadata=meta(route_name),
                spec={"parentRefs": route_parents(environment), "rules": rules},
                opts=child,
            )
            self.routes.append(route_name)
        self.register_outputs({"router": BBR_NAME, "routes": self.routes})

    def _router(self, namespace: str, own: dict[str, str], meta: Any, node_selector: dict[str, str] | None, mirror: pulumi.Input[str] | None,
                gateway_peers: Sequence[dict[str, Any]], gke: bool, child: pulumi.ResourceOptions) -> None:  # fmt: skip
        """BBR's ServiceAccount, Role, RoleBinding, Deployment, Service and NetworkPolicy."""
        selector = {"app.kubernetes.io/name": BBR_NAME}
        k8s.core.v1.ServiceAccount(BBR_NAME, metadata={**meta(BBR_NAME), "labels": own}, automount_service_account_token=True, opts=child)
        k8s.rbac.v1.Role(
            BBR_NAME,
            metadata={**meta(BBR_NAME), "labels": own},
            rules=[{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}],
            opts=child,
        )
        k8s.rbac.v1.RoleBinding(
            BBR_NAME,
            metadata={**meta(BBR_NAME), "labels": own},
            subjects=[{"kind": "ServiceAccount", "name": BBR_NAME, "namespace": namespace}],
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": BBR_NAME},
            opts=child,
        )
        image = under_registry(mirror, f"{BBR_IMAGE_PATH}:{EPP_VERSION}") if mirror is not None else BBR_IMAGE
        health = {"port": BBR_HEALTH_PORT}
        container = {
            "name": "bbr",
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "args": ["--streaming", *[word for plugin in PLUGINS for word in ("--plugin", plugin)], "--tracing=false"],
            "env": [{"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
            "ports": [{"name": "grpc", "containerPort": BBR_PORT}, {"name": "grpc-health", "containerPort": BBR_HEALTH_PORT}],
            "livenessProbe": {"grpc": health, "initialDelaySeconds": 5, "periodSeconds": 10},
            "readinessProbe": {"grpc": health, "periodSeconds": 2},
            "securityContext": container_security(NONROOT_UID),
        }
        spec: dict[str, Any] = {
            "serviceAccountName": BBR_NAME,
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [container],
        }
        if node_selector:
            spec["nodeSelector"] = dict(node_selector)
        k8s.apps.v1.Deployment(
            BBR_NAME,
            metadata={**meta(BBR_NAME), "labels": own},
            spec={"replicas": BBR_REPLICAS, "selector": {"matchLabels": selector}, "template": {"metadata": {"labels": own}, "spec": spec}},
            opts=child,
        )
        k8s.core.v1.Service(
            BBR_NAME,
            metadata={**meta(BBR_NAME), "labels": own},
            spec={"type": "ClusterIP", "selector": selector, "ports": [{"name": "grpc", "port": BBR_PORT, "targetPort": BBR_PORT, "protocol": "TCP", "appProtocol": "HTTP2"}]},
            opts=child,
        )
        ingress = [{"from": list(gateway_peers), "ports": [{"port": BBR_PORT, "protocol": "TCP"}]}]
        if gke:  # the load balancer's gRPC health checks come from Google's health-check ranges, not the proxies
            ingress.append({"from": health_check_peers(), "ports": [{"port": BBR_HEALTH_PORT, "protocol": "TCP"}]})
        k8s.networking.v1.NetworkPolicy(
            BBR_NAME,
            metadata={**meta(BBR_NAME), "labels": own},
            spec={
                "podSelector": {"matchLabels": selector},
                "policyTypes": ["Ingress", "Egress"],
                # In: the gateway's ext-proc calls, and on GKE the health checks.
                # Out: DNS and the API server (its address is not known before the cluster exists).
                "ingress": ingress,
                "egress": [
                    {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
                    {"ports": [{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}]},
                ],
            },
            opts=child,
        )

    def _istio(self, namespace: str, labels: dict[str, str], gateway: str, child: pulumi.ResourceOptions) -> None:
        """The ext_proc filter on the Istio gateway, TLS to BBR, and the gateway pods' way out to it."""
        host = f"{BBR_NAME}.{namespace}.svc.cluster.local"
        k8s.apiextensions.CustomResource(
            f"{BBR_NAME}-filter",
            api_version="networking.istio.io/v1alpha3",
            kind="EnvoyFilter",
            metadata={"name": BBR_NAME, "namespace": namespace, "labels": labels},
            spec={
                "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway}],
                "configPatches": [
                    {
                        "applyTo": "HTTP_FILTER",
                        "match": {"context": "GATEWAY", "listener": {"filterChain": {"filter": {"name": "envoy.filters.network.http_connection_manager"}}}},
                        "patch": {
                            "operation": "INSERT_FIRST",
                            "value": {
                                "name": "envoy.filters.http.ext_proc.bbr",
                                "typed_config": {
                                    "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
                                    "failure_mode_allow": False,
                                    "allow_mode_override": True,
                                    "processing_mode": {
                                        "request_header_mode": "SEND",
                                        "response_header_mode": "SEND",
                                        "request_body_mode": "FULL_DUPLEX_STREAMED",
                                        "response_body_mode": "FULL_DUPLEX_STREAMED",
                                        "request_trailer_mode": "SEND",
                                        "response_trailer_mode": "SEND",
                                    },
                                    "grpc_service": {"envoy_grpc": {"cluster_name": f"outbound|{BBR_PORT}||{host}"}},
                                },
                            },
                        },
                    }
                ],
            },
            opts=child,
        )
        k8s.apiextensions.CustomResource(
            f"{BBR_NAME}-tls",
            api_version="networking.istio.io/v1",
            kind="DestinationRule",
            metadata={"name": BBR_NAME, "namespace": namespace, "labels": labels},
            spec={"host": host, "trafficPolicy": {"tls": ISTIO_TLS}},
            opts=child,
        )
        name = f"{gateway}-proxy-bbr"
        k8s.networking.v1.NetworkPolicy(
            name,
            metadata={"name": name, "namespace": namespace, "labels": labels},
            spec={
                "podSelector": {"matchLabels": {GATEWAY_NAME_LABEL: gateway}},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": BBR_NAME}}}], "ports": [{"port": BBR_PORT, "protocol": "TCP"}]}],
            },
            opts=child,
        )

    def _gke(self, namespace: str, labels: dict[str, str], gateway: str, child: pulumi.ResourceOptions) -> None:
        """GKE's routing extension on the Gateway, calling BBR, and its gRPC health check."""
        k8s.apiextensions.CustomResource(
            f"{BBR_NAME}-extension",
            api_version="networking.gke.io/v1",
            kind="GCPRoutingExtension",
            metadata={"name": BBR_NAME, "namespace": namespace, "labels": labels},
            spec={
                "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway}],
                "extensionChains": [
                    {
                        "name": "chain1",
                        "extensions": [
                            {
                                "name": "ext1",
                                "authority": f"{BBR_NAME}.{namespace}.svc.cluster.local",  # the chart writes a placeholder, myext.com
                                "timeout": "1s",
                                "supportedEvents": ["RequestHeaders", "RequestBody", "RequestTrailers"],
                                "requestBodySendMode": "FullDuplexStreamed",
                                # `failOpen` unset, as the Extension's v1.5.0 chart leaves it (templates/gke.yaml); what GKE
                                # does then when BBR cannot be reached was not read here (docs/serving.md says so).
                                "backendRef": {"group": "", "kind": "Service", "name": BBR_NAME, "port": BBR_PORT},
                            }
                        ],
                    }
                ],
            },
            opts=child,
        )
        k8s.apiextensions.CustomResource(
            f"{BBR_NAME}-health",
            api_version="networking.gke.io/v1",
            kind="HealthCheckPolicy",
            metadata={"name": BBR_NAME, "namespace": namespace, "labels": labels},
            spec={
                "default": {"config": {"type": "GRPC", "grpcHealthCheck": {"portSpecification": "USE_FIXED_PORT", "port": BBR_HEALTH_PORT}}},
                "targetRef": {"group": "", "kind": "Service", "name": BBR_NAME},
            },
            opts=child,
        )


def build_adapter_routing(parent: pulumi.Resource, environment: Environment, clusters: dict[str, Any], servers: dict[str, Any],
                          gateway: pulumi.Resource | None) -> AdapterRouting | None:  # fmt: skip
    """The environment's `AdapterRouting` when its gateway is built and a deployment behind a route serves adapters, or its
    routes are told apart by model (several on a GKE gateway: `hangar.components.routing_gke`); else None."""
    if gateway is None or environment.gateway is None:
        return None
    if not routes_by_model(environment) and not any(with_adapters(environment, route) for route in environment.routes):
        return None
    cluster = gateway_cluster(environment)
    component = clusters[cluster.name]
    routed = sorted({name for route in environment.routes for name in route.deployments()})
    kube = pulumi.ResourceOptions(parent=parent, providers={"kubernetes": component.kube_provider})
    return AdapterRouting(
        f"{environment.name}-adapters", environment, namespace=servers[routed[0]].namespace, gateway=gateway_name(environment),
        gke=cluster.provider == "gcp", gateway_peers=gateway_peers(environment), labels=environment_labels(environment),
        node_selector={POOL: SYSTEM_POOL} if cluster.provider != "onprem" else None, mirror=getattr(component, "image_registry", None),
        timeout=None if cluster.provider == "gcp" else "300s", depends_on=[gateway], opts=kube,
    )  # fmt: skip
