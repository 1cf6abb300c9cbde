"""`hangar:routing:Gateway`: the environment's inference gateway and its routes (Gateway API Inference Extension).

When the stack config has a `gateway` (`hangar.spec.routing`), in the gateway cluster's serving namespace:

* per deployment behind a route, a `hangar:routing:InferencePool` (`hangar.components.routing_pool`):
  its InferencePool and endpoint picker;
* one `Gateway` (gateway.networking.k8s.io/v1) `<environment>-gateway`, an HTTP listener on port 80 (with
  `gateway.tls`, HTTPS on port 443 terminating TLS with the named certificate: `gateway_listener`; with
  `tls.redirect_http` also port 80, whose HTTPRoute only redirects to https: `redirect_route`),
  of the target's class (`gateway_class`): on GKE the managed class, `gke-l7-rilb` (regional
  internal Application Load Balancer) or `gke-l7-regional-external-managed` when public; elsewhere
  Istio's `istio` class, its load balancer kept internal by the cloud's annotation
  (`hangar.components.serving.LB_ANNOTATIONS`) carried in `spec.infrastructure.annotations`, which
  Istio copies onto the Service it creates for the Gateway;
* per route an `HTTPRoute` `<route>`: requests under the path `/<route>` (rewritten to `/`, so a client's
  base URL is `http://<gateway>/<route>/v1`; on GKE, whose gateway rewrites no paths, every route's requests
  at the root, base URL `http://<gateway>/v1`: `hangar.components.routing_paths`, and with several routes there only
  those naming the route as their model: `hangar.components.routing_gke`) go to the InferencePools of its deployments — a `split`
  by its weights; a `small_first` share as weights out of 1000; a `small_first` header as a rule
  matching the header (to the small pool) before the catch-all rule (to the large one); a `small_first`
  by objectives likewise, its rule matching `x-gateway-inference-objective` with each listed class
  (`hangar.components.routing_objectives` builds the classes' InferenceObjectives). Every
  deployment behind a route also answers to the route's name as its model (`--served-model-name
  <hub id> <route>...`), so clients ask for `model: <route>`.

What the target needs for that:

* GKE: the cluster's Gateway API (`gateway_api_config` channel CHANNEL_STANDARD, in
  `hangar.components.gcp`) and a proxy-only subnet (purpose REGIONAL_MANAGED_PROXY, role ACTIVE) in the
  region, created here from `gateway.proxy_only_cidr` unless the network is an existing one. GKE
  installs the InferencePool CRD itself from 1.34.0-gke.1626000 on.
* EKS, AKS and on-prem: the Gateway API standard CRDs (v1.5.1 `standard-install.yaml`) and the
  Inference Extension's CRDs (v1.5.0 `manifests.yaml`) from their release assets, then Istio
  (`base` and `istiod` charts, 1.29.6, into istio-system) with `ENABLE_GATEWAY_API_INFERENCE_EXTENSION`
  on and its gateway pods under the `RuntimeDefault` seccomp profile (so they pass the serving
  namespace's Pod Security `restricted` level); a NetworkPolicy lets the gateway pods reach only the
  pickers, the servers, istiod and DNS. With a `registry_mirror` Istio's images come from it
  (`istio_hub`), its charts from `chart_repository`, and the two CRD manifests from `gateway.crds` when
  named (required without egress, `hangar.spec.routing_mirror`).

Why Istio where the cloud offers no managed inference gateway: the Inference Extension's own guide at
v1.5.0 lists it with the InferencePool v1 support it needs ("Istio v1.28.0 includes full support for
InferencePool v1"), it installs from plain Helm charts (as KEDA and LWS are here), it copies a Gateway's
`infrastructure.annotations` onto the load balancer Service it creates (so each cloud's internal-LB
annotation applies), and it is a CNCF graduated project most platform teams already run.

Sources, read 2026-12-01: kubernetes-sigs/gateway-api-inference-extension tag v1.5.0 (commit
df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849, 2026-04-18) site-src/guides/index.md (CRDs from the
release's manifests.yaml; Istio with `values.pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true`;
the `istio` GatewayClass in config/manifests/gateway/istio/gateway.yaml; the GKE Gateway in
config/manifests/gateway/gke/gateway.yaml); kubernetes-sigs/gateway-api tag v1.5.1 (commit
e7677b70ae75d14a4448fba94870e7deea6cf0ad, 2026-03-14) site-src/guides/getting-started/index.md (the
`standard-install.yaml` release asset) and the HTTPRoute/Gateway CRDs kept in schema/crds/; istio/istio
tag 1.29.6 (commit 7019d6d3608e4995e9a36d2977cfec3a341431cd, 2026-07-13):
pilot/pkg/features/experimental.go (`ENABLE_GATEWAY_API_INFERENCE_EXTENSION`, default false),
manifests/charts/istio-control/istio-discovery/values.yaml (top-level `env`, `nodeSelector`,
`gateways.seccompProfile`), manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml
(the Service's annotations from the Gateway's infrastructure annotations; the pods' label
`gateway.networking.k8s.io/gateway-name`; the pod seccompProfile only when set);
https://istio.io/latest/docs/setup/install/helm/ (repository https://istio-release.storage.googleapis.com/charts,
charts `base` then `istiod` in istio-system); https://docs.cloud.google.com/kubernetes-engine/docs/how-to/gatewayclass-capabilities
(the classes `gke-l7-rilb`, `gke-l7-regional-external-managed`; Gateway API 1.5.0 from GKE
1.35.2-gke.1842000); https://cloud.google.com/kubernetes-engine/docs/how-to/deploy-gke-inference-gateway
(a proxy-only subnet is required); https://llm-d.ai/docs/resources/gateway/gke (the InferencePool CRD
installed by GKE from 1.34.0-gke.1626000).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from hangar.components.helm import PinnedChart, chart_release
from hangar.components.labels import ENVIRONMENT, POOL, environment_labels
from hangar.components.registry_path import under_registry
from hangar.components.routing_failover import FailoverBackend, failover_backend_ref
from hangar.components.routing_gateway_pods import gateway_parameters
from hangar.components.routing_gke import match_model
from hangar.components.routing_objectives import build_objectives
from hangar.components.routing_paths import route_filters, route_path
from hangar.components.routing_pool import EPP_VERSION, EXT_PROC_PORT, InferencePool, health_check_peers, picker_labels
from hangar.components.serving import LB_ANNOTATIONS, selector_labels
from hangar.components.serving_pod import PORT

from hangar.spec import SYSTEM_POOL, Environment, ModelDeployment
from hangar.spec.routing import Route
from hangar.spec.routing_failover import pooled_deployments
from hangar.spec.routing_gke import routes_by_model
from hangar.spec.routing_objectives import OBJECTIVE_HEADER

GATEWAY_API_VERSION = "v1.5.1"
GATEWAY_API_CRDS = f"https://github.com/kubernetes-sigs/gateway-api/releases/download/{GATEWAY_API_VERSION}/standard-install.yaml"
INFERENCE_CRDS = f"https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/{EPP_VERSION}/manifests.yaml"
ISTIO_VERSION = "1.29.6"
ISTIO_REPOSITORY = "https://istio-release.storage.googleapis.com/charts"
GKE_CLASSES = {"internal": "gke-l7-rilb", "public": "gke-l7-regional-external-managed"}
ISTIO_CLASS = "istio"
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"
"""The label Istio puts on the pods it runs for a Gateway (kube-gateway.yaml at 1.29.6)."""
ISTIOD_XDS_PORT = 15012
ISTIO_STATUS_PORT = 15021
"""istiod's xDS port and the gateway pods' status (health) port (istio-discovery deployment.yaml, kube-gateway.yaml at 1.29.6)."""
LISTENER_PORT = 80
TLS_LISTENER_PORT = 443
GKE_CERTIFICATE_OPTION = "networking.gke.io/cert-manager-certs"
"""The listener `tls.options` key by which GKE's gateways take Certificate Manager certificates. Google's
https://cloud.google.com/kubernetes-engine/docs/how-to/secure-gateway (read 2026-12-01) says Certificate Manager's
Google-managed certificates work with regional Gateways and certificate maps only with global ones; the key itself
was read in public manifests for `gke-l7-rilb` and `gke-l7-regional-external-managed` Gateways (e.g.
stacksimplify/terraform-on-google-kubernetes-engine, 21-GKE-Gateway-API/05-GKE-Gateway-API-HTTP-to-HTTPS-Redirect),
not in a Google text: searched again 2026-12-02 in Google's docs (only the pages' openings are readable here), Google's
gke-gateway-api repository (commit fc40d606a5332f11a8883f85caff66b63c4e88ef, no mention) and its Gateway API
conformance reports (which exercise no Certificate Manager option), and on 2026-12-02 also Google's own sample repositories
GoogleCloudPlatform/kubernetes-engine-samples (commit 2b5036514162a489145c5e5570bc320efbcb37bf) and
GoogleCloudPlatform/gke-networking-recipes (commit cce161862be77c541b1b1eac8899e7012f5a9985), neither of which names the
key. Still unverified against Google's text: were GKE not to read this key, the HTTPS listener would have no certificate,
which no offline check can see."""
REDIRECT_LISTENER = "http"
REDIRECT_STATUS = 308
"""The redirect from http to https keeps the request's method: 308 Permanent Redirect, which "does not allow changing the request
method from POST to GET" (RFC 7538 section 3), where after a 301 "a user agent MAY change the request method from POST to GET"
(RFC 7231 section 6.4.2), turning an API call into a GET; Gateway API v1.5.1's own guide (site-src/guides/http-redirect-rewrite.md)
gives 308 for permanent redirects that must keep the method. Gateway API v1.5.1 allows 301, 302, 303, 307 and 308
(HTTPRequestRedirectFilter `statusCode`; 308 is the extended feature HTTPRoute308RedirectStatusCode, pkg/features/httproute.go);
Istio 1.29.6 passes any of them on ("Istio allows 301, 302, 303, 307, 308", pilot/pkg/config/kube/gateway/conversion.go
`createRedirectFilter`); GKE's regional URL maps, which `gke-l7-rilb` and `gke-l7-regional-external-managed` program, offer
PERMANENT_REDIRECT = 308, "the request method will be retained" (pulumi_gcp 10.2.0 compute RegionUrlMap
`redirect_response_code`), but Google's GKE Gateway controller does not claim the status: its conformance reports list
HTTPRouteSchemeRedirect as supported and HTTPRoute307RedirectStatusCode / HTTPRoute308RedirectStatusCode as unsupported
(kubernetes-sigs/gateway-api commit 4564255ac2c35d582249b3cdf261bdf51c8bca32, conformance/reports/v1.4.0/gke-gateway/
standard-1.34.4-rxlb-report.yaml and v1.5/gke-gateway/v1.5.0-gke-report.yaml, read 2026-12-02), so the redirect is refused
on GKE (`hangar.spec.routing_gke`) and rendered on Istio only."""
SHARE_SCALE = 1000
"""A small-first share becomes weights out of this many (0.7 -> 700 small, 300 large)."""


def istio_hub(mirror: pulumi.Input[str]) -> pulumi.Input[str]:
    """Where a registry mirror keeps Istio's images: their upstream path `docker.io/istio/<image>` under the mirror.

    The istiod chart names its image `<global.hub>/pilot:<global.tag>` (templates/deployment.yaml) and the gateway
    pods' `<global.hub>/proxyv2:<global.tag>` (pkg/kube/inject/inject.go `ProxyImage`); releases are published
    to Docker Hub under `istio` (the chart's values.yaml) — istio/istio tag 1.29.6, commit
    7019d6d3608e4995e9a36d2977cfec3a341431cd, read 2026-12-01. The chart in git carries a dev hub and tag
    `latest`, so with a mirror both are set here."""
    return under_registry(mirror, "istio")


def gateway_name(environment: Environment) -> str:
    return f"{environment.name}-gateway"


def gateway_cluster(environment: Environment) -> Any:
    """The cluster the gateway runs in (validation guarantees it exists)."""
    assert environment.gateway is not None
    name = environment.gateway.cluster
    return next(c for c in environment.clusters if c.name == name) if name else environment.clusters[0]


def gateway_class(environment: Environment) -> str:
    """The GatewayClass of the environment's gateway: GKE's managed class on GCP, Istio's elsewhere."""
    assert environment.gateway is not None
    return GKE_CLASSES[environment.gateway.scope] if gateway_cluster(environment).provider == "gcp" else ISTIO_CLASS


def gateway_listener(environment: Environment) -> dict[str, Any]:
    """The Gateway's one listener: HTTPS on 443 terminating TLS with the named certificate, or plain HTTP on 80.

    A Secret is a `certificateRefs` entry (the core group's kind Secret, in the Gateway's namespace, so no
    ReferenceGrant is needed; Istio hands a Secret in the Gateway's own namespace to its gateway pods without
    further authorization: istio/istio pilot/pkg/xds/sds.go `filterAuthorizedResources`, read 2026-12-01); a
    GKE Certificate Manager certificate goes in `tls.options` under GKE_CERTIFICATE_OPTION."""
    assert environment.gateway is not None
    tls = environment.gateway.tls
    routes = {"namespaces": {"from": "Same"}}
    if tls is None:
        return {"name": "http", "port": LISTENER_PORT, "protocol": "HTTP", "allowedRoutes": routes}
    certificate: dict[str, Any] = (
        {"certificateRefs": [{"group": "", "kind": "Secret", "name": tls.secret}]}
        if tls.secret is not None
        else {"options": {GKE_CERTIFICATE_OPTION: tls.gcp_certificate}}
    )
    return {"name": "https", "port": TLS_LISTENER_PORT, "protocol": "HTTPS", "tls": {"mode": "Terminate", **certificate}, "allowedRoutes": routes}


def gateway_listeners(environment: Environment) -> list[dict[str, Any]]:
    """The Gateway's listeners: `gateway_listener`, and with `tls.redirect_http` a plain HTTP listener on port 80 for the redirect."""
    assert environment.gateway is not None
    listeners = [gateway_listener(environment)]
    tls = environment.gateway.tls
    if tls is not None and tls.redirect_http:
        listeners.append({"name": REDIRECT_LISTENER, "port": LISTENER_PORT, "protocol": "HTTP", "allowedRoutes": {"namespaces": {"from": "Same"}}})
    return listeners


def route_parents(environment: Environment) -> list[dict[str, Any]]:
    """The `parentRefs` of every route's HTTPRoute: the Gateway, and with TLS its HTTPS listener only (`sectionName`), so that no
    route is also served in clear text on the redirect listener."""
    assert environment.gateway is not None
    if environment.gateway.tls is None:
        return [{"name": gateway_name(environment)}]
    return [{"name": gateway_name(environment), "sectionName": "https"}]


def redirect_route(environment: Environment) -> dict[str, Any] | None:
    """With `tls.redirect_http`, the HTTPRoute spec on the HTTP listener that redirects every request to https with `REDIRECT_STATUS`.

    No matches (Gateway API v1.5.1 HTTPRouteRule `matches`: "If no matches are specified, the default is a prefix path match
    on '/'") and no backendRefs: the gateway answers itself.
    The redirect keeps the host, path and query and takes https's well-known port (HTTPRequestRedirectFilter `port`: "If
    redirect scheme is not-empty, the redirect port MUST be the well-known port associated with the redirect scheme")."""
    assert environment.gateway is not None
    tls = environment.gateway.tls
    if tls is None or not tls.redirect_http:
        return None
    redirect = {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": REDIRECT_STATUS}}
    return {"parentRefs": [{"name": gateway_name(environment), "sectionName": REDIRECT_LISTENER}], "rules": [{"filters": [redirect]}]}


def route_names(environment: Environment, deployment: str) -> list[str]:
    """The routes a deployment is behind: the names it also answers to as a model."""
    return [route.name for route in environment.routes if deployment in route.deployments()]


def gateway_peers(environment: Environment) -> list[dict[str, Any]]:
    """NetworkPolicy peers of the gateway's proxies: GKE's proxy-only subnet, or the pods Istio runs for the Gateway."""
    assert environment.gateway is not None
    if gateway_cluster(environment).provider == "gcp":
        return [{"ipBlock": {"cidr": str(environment.gateway.proxy_only_cidr)}}]
    return [{"podSelector": {"matchLabels": {GATEWAY_NAME_LABEL: gateway_name(environment)}}}]


def server_peers(environment: Environment, deployment: ModelDeployment) -> list[dict[str, Any]]:
    """What a model server behind a route must admit on its API port: its picker (metrics), the gateway's proxies,
    and on GKE the load balancer's health checks (`hangar.components.routing_pool` says where each comes from)."""
    if environment.gateway is None or not route_names(environment, deployment.name):
        return []
    health = health_check_peers() if gateway_cluster(environment).provider == "gcp" else []
    return [{"podSelector": {"matchLabels": picker_labels(deployment.name)}}, *gateway_peers(environment), *health]


def http_route_rules(route: Route, *, timeout: str | None, gke: bool = False) -> list[dict[str, Any]]:
    """The HTTPRoute rules of a route: its path prefix, the rewrite to `/`, and the pools with their weights (on GKE the root
    path and no rewrite: `hangar.components.routing_paths`)."""
    path = route_path(route.name, gke=gke)
    rewrite = route_filters(gke=gke)

    def rule(backends: list[tuple[str, int]], *headers: list[dict[str, str]]) -> dict[str, Any]:
        """A rule for requests under the path carrying any one of the `headers` sets (or all requests under it)."""
        matches = [{"path": path, "headers": match} for match in headers] or [{"path": path}]
        refs = [{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": name, "weight": weight} for name, weight in backends]
        return {"matches": matches, **({"filters": rewrite} if rewrite else {}), "backendRefs": refs, **({"timeouts": {"request": timeout}} if timeout else {})}

    if route.split is not None:
        return [rule([(backend.deployment, backend.weight) for backend in route.split])]
    if route.failover is not None:  # one Service over every deployment of the route (hangar.components.routing_failover)
        return [{**rule([]), "backendRefs": [failover_backend_ref(route)]}]
    if route.deployment is not None:
        return [rule([(route.deployment, 1)])]
    small_first = route.small_first
    assert small_first is not None
    if small_first.header is not None:
        header = [{"type": "Exact", "name": small_first.header.name, "value": small_first.header.value}]
        return [rule([(small_first.small, 1)], header), rule([(small_first.large, 1)])]
    if small_first.objectives is not None:  # the listed classes, by the header naming a request's objective
        classes = [[{"type": "Exact", "name": OBJECTIVE_HEADER, "value": name}] for name in small_first.objectives]
        return [rule([(small_first.small, 1)], *classes), rule([(small_first.large, 1)])]
    assert small_first.share is not None
    small = round(small_first.share * SHARE_SCALE)
    return [rule([(small_first.small, small), (small_first.large, SHARE_SCALE - small)])]


class Gateway(pulumi.ComponentResource):
    """`hangar:routing:Gateway`: the environment's gateway, its routes, and a pool + picker per deployment behind them.

    `servers` are the environment's `ModelServer`s by deployment name, `cluster_component` the gateway
    cluster's target component (its `kube_provider`; on GCP its `network` and `gcp_provider`).
    Exposes `pools` (the `InferencePool` components by deployment) and `routes` (HTTPRoute names).
    """

    def __init__(self, name: str, environment: Environment, *, cluster_component: Any, servers: dict[str, Any],
                 opts: pulumi.ResourceOptions | None = None):  # fmt: skip
        super().__init__("hangar:routing:Gateway", name, None, opts)
        gateway = environment.gateway
        assert gateway is not None
        cluster = gateway_cluster(environment)
        kube = pulumi.ResourceOptions(parent=self, providers={"kubernetes": cluster_component.kube_provider})
        labels = {**environment_labels(environment), ENVIRONMENT: environment.name}
        routed = sorted({name for route in environment.routes for name in route.deployments()})
        namespace = servers[routed[0]].namespace if routed else environment.name
        prerequisites = self._implementation(name, environment, cluster, cluster_component, kube)
        system = {POOL: SYSTEM_POOL} if cluster.provider != "onprem" else None
        self.pools = {}
        for deployment_name in pooled_deployments(environment):
            server = servers[deployment_name]
            selector = selector_labels(server.deployment) | ({"hangar.dev/role": "leader"} if server.shape.multi_host else {})
            self.pools[deployment_name] = InferencePool(
                deployment_name, namespace=namespace, selector=selector, port=PORT, labels=labels,
                gateway_peers=gateway_peers(environment), cpu=f"{gateway.picker_cpu:g}", memory_gib=gateway.picker_memory_gib,
                node_selector=system, mirror=getattr(cluster_component, "image_registry", None), gke=cluster.provider == "gcp",
                lora=server.deployment.lora is not None, depends_on=[server, *prerequisites], opts=kube,
                flow_control=gateway.flow_control.picker_settings() if gateway.flow_control is not None else None,
            )  # fmt: skip
        self.objectives = build_objectives(
            environment, namespace=namespace, labels=labels, pools=self.pools, gke=cluster.provider == "gcp", opts=kube, depends_on=prerequisites
        )
        spec: dict[str, Any] = {"gatewayClassName": gateway_class(environment), "listeners": gateway_listeners(environment)}
        annotations = LB_ANNOTATIONS[cluster.provider][gateway.scope]
        if cluster.provider != "gcp" and annotations:
            spec["infrastructure"] = {"annotations": dict(annotations)}
        before_gateway = list(prerequisites)
        if system is not None and cluster.provider != "gcp":  # Istio's gateway pods on the system pool (hangar.components.routing_gateway_pods)
            parameters, overlay = gateway_parameters(gateway_name(environment), namespace=namespace, labels=labels, opts=kube)
            spec["infrastructure"] = {**spec.get("infrastructure", {}), "parametersRef": parameters}
            before_gateway.append(overlay)
        gateway_opts = pulumi.ResourceOptions.merge(kube, pulumi.ResourceOptions(depends_on=before_gateway))
        gateway_object = k8s.apiextensions.CustomResource(
            gateway_name(environment),
            api_version="gateway.networking.k8s.io/v1",
            kind="Gateway",
            metadata={"name": gateway_name(environment), "namespace": namespace, "labels": labels},
            spec=spec,
            opts=gateway_opts,
        )
        if cluster.provider != "gcp":
            self._proxy_policy(environment, namespace, labels, gateway_opts)
        # The Inference Extension's chart gives non-GKE routes a 300 s request timeout; GKE sets its own on the backend.
        timeout = None if cluster.provider == "gcp" else "300s"
        self.routes = []
        for route in environment.routes:
            backends: list[pulumi.Resource] = [self.pools[d] for d in route.deployments() if d in self.pools]
            if route.failover is not None:  # Istio only (the spec refuses it on GKE)
                after_servers = pulumi.ResourceOptions.merge(kube, pulumi.ResourceOptions(depends_on=[*(servers[d] for d in route.deployments()), *prerequisites]))
                backends.append(FailoverBackend(f"{name}-{route.name}-failover", route, namespace=namespace, labels=labels, opts=after_servers))
            k8s.apiextensions.CustomResource(
                f"{name}-{route.name}",
                api_version="gateway.networking.k8s.io/v1",
                kind="HTTPRoute",
                metadata={"name": route.name, "namespace": namespace, "labels": labels},
                spec={"parentRefs": route_parents(environment), "rules": self._rules(environment, route, timeout, gke=cluster.provider == "gcp")},
                opts=pulumi.ResourceOptions.merge(kube, pulumi.ResourceOptions(depends_on=[gateway_object, *backends])),
            )
            self.routes.append(route.name)
        redirect = redirect_route(environment)
        if redirect is not None:
            k8s.apiextensions.CustomResource(
                f"{name}-http-redirect",
                api_version="gateway.networking.k8s.io/v1",
                kind="HTTPRoute",
                # A dot keeps the name apart from every route's (route names are DNS labels, without dots).
                metadata={"name": f"{gateway_name(environment)}.http-redirect", "namespace": namespace, "labels": labels},
                spec=redirect,
                opts=pulumi.ResourceOptions.merge(kube, pulumi.ResourceOptions(depends_on=[gateway_object])),
            )
        self.register_outputs({"gateway": gateway_name(environment), "class": gateway_class(environment), "routes": self.routes, "pools": sorted(self.pools)})

    @staticmethod
    def _rules(environment: Environment, route: Route, timeout: str | None, *, gke: bool) -> list[dict[str, Any]]:
        """The route's rules; with several routes on a GKE gateway each match also requires the route's name as the request's
        model (`hangar.components.routing_gke`)."""
        rules = http_route_rules(route, timeout=timeout, gke=gke)
        return match_model(rules, route.name) if routes_by_model(environment) else rules

    def _implementation(self, name: str, environment: Environment, cluster: Any, component: Any, kube: pulumi.ResourceOptions) -> list[pulumi.Resource]:
        """What the gateway needs of its target before its objects: GKE's proxy-only subnet, or the CRDs and Istio."""
        if cluster.provider == "gcp":
            import pulumi_gcp as gcp

            gateway = environment.gateway
            assert gateway is not None
            if cluster.network.existing_network_id is not None:
                return []  # an existing network brings its own proxy-only subnet (gateway.proxy_only_cidr names its range)
            subnet = gcp.compute.Subnetwork(
                f"{name}-proxy-only",
                network=component.network.network_id,
                region=cluster.region,
                ip_cidr_range=str(gateway.proxy_only_cidr),
                purpose="REGIONAL_MANAGED_PROXY",
                role="ACTIVE",
                opts=pulumi.ResourceOptions(parent=self, provider=component.gcp_provider),
            )
            return [subnet]
        crds = environment.gateway.crds if environment.gateway is not None else None  # copies inside the network, if named
        gateway_crds = k8s.yaml.v2.ConfigFile(f"{name}-gateway-api-crds", file=crds.gateway_api if crds else GATEWAY_API_CRDS, opts=kube)
        inference_crds = k8s.yaml.v2.ConfigFile(f"{name}-inference-crds", file=crds.inference_extension if crds else INFERENCE_CRDS, opts=kube)
        source = f"istio/istio tag {ISTIO_VERSION} manifests/charts; repository per https://istio.io/latest/docs/setup/install/helm/"
        base = PinnedChart("base", ISTIO_REPOSITORY, ISTIO_VERSION, "istio-system", source)
        istiod = PinnedChart("istiod", ISTIO_REPOSITORY, ISTIO_VERSION, "istio-system", source)
        values: dict[str, Any] = {
            "env": {"ENABLE_GATEWAY_API_INFERENCE_EXTENSION": "true"},
            "gateways": {"seccompProfile": {"type": "RuntimeDefault"}},
        }
        if cluster.provider != "onprem":  # cluster services run on the system pool, never on accelerator nodes
            values["nodeSelector"] = {POOL: SYSTEM_POOL}
        mirror = getattr(component, "image_registry", None)
        if mirror is not None:  # istiod (`pilot`) and the gateway pods (`proxyv2`) from the cluster's registry
            values["global"] = {"hub": istio_hub(mirror), "tag": ISTIO_VERSION}
        after_crds = pulumi.ResourceOptions.merge(kube, pulumi.ResourceOptions(depends_on=[gateway_crds, inference_crds]))
        base_release = chart_release(f"{name}-istio-base", base, {}, cluster=cluster, environment=environment.name, opts=after_crds)
        istiod_release = chart_release(
            f"{name}-istiod", istiod, values, cluster=cluster, environment=environment.name,
            opts=pulumi.ResourceOptions.merge(after_crds, pulumi.ResourceOptions(depends_on=[base_release])),
        )  # fmt: skip
        return [gateway_crds, inference_crds, istiod_release]

    def _proxy_policy(self, environment: Environment, namespace: str, labels: dict[str, str], opts: pulumi.ResourceOptions) -> None:
        """The gateway pods Istio runs: callers in on the listener, out only to the pickers, the servers, istiod and DNS."""
        routed = pooled_deployments(environment)
        name = f"{gateway_name(environment)}-proxy"
        k8s.networking.v1.NetworkPolicy(
            name,
            metadata={"name": name, "namespace": namespace, "labels": labels},
            spec={
                "podSelector": {"matchLabels": {GATEWAY_NAME_LABEL: gateway_name(environment)}},
                "policyTypes": ["Ingress", "Egress"],
                # In: callers on the listener, the load balancer's health checks on Istio's status port.
                "ingress": [{"ports": [*({"port": listener["port"], "protocol": "TCP"} for listener in gateway_listeners(environment)), {"port": ISTIO_STATUS_PORT, "protocol": "TCP"}]}],
                "egress": [
                    # An empty `to` would admit every destination: with failover routes only there are no pickers to reach.
                    *([{"to": [{"podSelector": {"matchLabels": picker_labels(d)}} for d in routed], "ports": [{"port": EXT_PROC_PORT, "protocol": "TCP"}]}] if routed else []),
                    {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "vllm"}}}], "ports": [{"port": PORT, "protocol": "TCP"}]},
                    {
                        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}}, "podSelector": {"matchLabels": {"app": "istiod"}}}],
                        "ports": [{"port": ISTIOD_XDS_PORT, "protocol": "TCP"}],
                    },
                    {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
                ],
            },
            opts=opts,
        )


def build_routing(parent: pulumi.Resource, environment: Environment, clusters: dict[str, Any], servers: dict[str, Any]) -> Gateway | None:
    """The environment's `Gateway` when its stack config has one and its cluster is built; else None."""
    if environment.gateway is None:
        return None
    cluster = gateway_cluster(environment)
    if cluster.name not in clusters:
        return None
    return Gateway(environment.name, environment, cluster_component=clusters[cluster.name], servers=servers, opts=pulumi.ResourceOptions(parent=parent))
